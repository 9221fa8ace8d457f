"""Texts the model must leave alone: replies that want texts, ask about them, or ask to stop
something else ("add me back", "How often will I get these texts?", "¿Por qué ya no me llegan
los mensajes?", "Dejen de cobrarme doble").

Pure functions over normalised clauses (keywords_text.clauses). A bag of words scores these
high because they are full of "texts", "mensajes", "baja" and "dejen de"; sent to review, they
pause the very texts the sender asked for. When no rule read a request, such a text is nothing:
an opt-in or help question without a stop word, a complaint that texts stopped arriving, or a
stop verb over charging or billing.
"""

from __future__ import annotations

import re

from smsgate.consent.keywords_model import OPT_IN_WORDS
from smsgate.consent.keywords_objects import billing_complaint
from smsgate.consent.keywords_text import Gated, words

# Words of a request to stop: with one of these the text is not only a help or opt-in question.
_STOP_WORD = Gated(re.compile(
    r"\b(?:stop|stopp|unsubscribe|unsub|remove|delete|quit|cancel|opt out|optout|off|block|"
    r"leave me alone|no more|enough|alto|basta|baja|para|paren|parar|pare|dejen|quiten|"
    r"quitenme|quitarme|borren|borrenme|no mas|ya no|cancelar|cancelo|desuscribir|"
    r"desuscribirme|detener|detengan)\b"), """
    stop stopp unsubscribe unsub remove delete quit cancel opt optout off block leave more
    enough alto basta baja para paren parar pare dejen quiten quitenme quitarme borren
    borrenme mas ya cancelar cancelo desuscribir desuscribirme detener detengan""")
# Asking to be added or to start again, not negated ("I never subscribed" is a complaint).
_OPT_IN = Gated(re.compile(
    # \b first: it fails at once inside a word, where the five look-behinds would each run.
    r"\b(?<!not )(?<!never )(?<!didn't )(?<!no )(?<!nunca )(?:add me|add me back|add my number|"
    r"put me back|sign me up|sign me back up|resubscribe|re subscribe|subscribe me|"
    r"agregame|agreguenme|agregenme|agregar mi numero|suscribeme|suscribanme|inscribeme|"
    r"inscribanme|anotenme|anotame|reactivar|reactiven|vuelvan a mandarme|quiero recibir|"
    rf"{'|'.join(sorted(OPT_IN_WORDS))})\b"
    # Asking for more at the start of a clause: "Keep texting me", "no please keep texting".
    r"|^(?:no |please |pls |plz |oh )*(?:keep (?:texting|sending|them coming|me posted|me "
    r"subscribed|getting)|sigan (?:mandando|enviando)|quiero seguir recibiendo)\b"
    r"|\bwant to keep getting\b"
    # "We want to stay subscribed", "it's my phone and I want them".
    r"|\b(?:stay|remain) (?:subscribed|signed up|on the list)\b"
    r"|\bi (?:still )?want (?:them|these|the texts|the messages|the reminders)$"), """
    add put sign resubscribe re subscribe agregame agreguenme agregenme agregar suscribeme
    suscribanme inscribeme inscribanme anotenme anotame reactivar reactiven vuelvan quiero
    keep sigan want stay remain """ + " ".join(sorted(OPT_IN_WORDS)))
# A question about the texts or a plea for information, not a request to end them.
_HELP = re.compile(
    r"^(?:(?:hi|hello|hey|ok|um|so) )?(?:how often|how many|who do i (?:contact|talk to|call|ask|"
    r"reach)|who can i (?:contact|talk to|call)|who should i contact|what are these|what is "
    r"this|what's this|need more info|more info|i need more info|can i get more info|where do "
    r"i find|cada cuanto|cuantos mensajes|con quien (?:hablo|me comunico)|a quien (?:llamo|"
    r"contacto)|necesito (?:mas )?informacion|mas informacion|quiero mas informacion)\b")
# The texts stopped arriving and the sender wants them back, or says they did not leave.
_STOPPED_ARRIVING = Gated(re.compile(
    r"\b(?:ya no me llegan|no me llegan|no me han llegado|dejaron de llegar|deje de recibir|"
    r"ya no recibo|no he recibido|stopped getting|stopped receiving|stopped coming|not getting "
    r"(?:the |your |my |any )?(?:texts|messages|alerts|reminders)|haven't (?:been )?(?:getting|"
    r"received|gotten)|no longer getting|no longer receiving|(?:yo )?no me di de baja|"
    r"i (?:didn't|did not|never) (?:unsubscribe|opt out|unsubscribed|opted out)|"
    r"nunca me di de baja|no cancele|"
    # "No es baja, es que cambié de número": a denial that this is a cancellation.
    r"no es (?:una |para )?(?:baja|darme de baja|cancelacion)|(?:it's|its|this is) not "
    r"(?:a |an )?(?:cancellation|opt out|unsubscribe)|"
    # "Was that STOP from my number? I don't remember sending it."
    r"(?:don't|do not|dont|didn't|did not|no) (?:even )?(?:remember|recall|recuerdo) "
    r"(?:sending|texting|replying|writing|saying|mandar|haber)|no me acuerdo de (?:mandar|"
    r"haber))\b"), """
    remember recall recuerdo acuerdo llegan llegado llegar recibir recibo recibido stopped
    getting haven received gotten receiving baja unsubscribe opt unsubscribed opted cancele
    cancelacion cancellation""")
# A stop verb over charging or billing: a dispute about money, not the texts.
_OTHER_ACTION = Gated(re.compile(
    r"\b(?:dejen de|deje de|paren de|stop|quit) (?:cobrar|cobrarme|cobrarnos|cargar|cargarme|"
    r"descontar|descontarme|charging|billing|overcharging|deducting|debiting|"
    # "Stop lying, 70% off?": a stop verb over someone's talk, not the texts.
    r"lying|lieing|joking|kidding|playing|teasing|trolling|capping|exaggerating|mentir|"
    r"mentirme|bromear|jugar)\b"), """
    cobrar cobrarme cobrarnos cargar cargarme descontar descontarme charging billing
    overcharging deducting debiting lying lieing joking kidding playing teasing trolling
    capping exaggerating mentir mentirme bromear jugar""")
# A new number given to be saved ("New number, save it"): the writer wants to stay in touch.
_SAVE_ME = Gated(re.compile(
    r"\b(?:save|saved|store) (?:it|this|this one|this number|my number|my new number|"
    r"the new one)\b|\b(?:guarda|guarden|guardalo|guardenlo|agenda|agendalo|agendenme) "
    r"(?:este|mi|mi nuevo)? ?numero\b"), """
    save saved store guarda guarden guardalo guardenlo agenda agendalo agendenme""")
# Words of a threat to report or sue, which a reason about money makes a billing dispute.
_REPORTING = frozenset("""
    report reporting reported sue suing bbb reportar reportarlos reporto denunciar
    denunciarlos demandar demandarlos demando profeco queja
""".split())
_TEXTS = re.compile(r"\b(?:texts|text messages|messages|mensajes|sms|textos|alerts)\b")


def left_alone(found: list[str]) -> bool:
    """True when the clauses `found` want texts, ask about them or ask to stop something
    else, and the model should not ask for review."""
    joined = "\n".join(found)
    found_words = words(joined)
    if _STOPPED_ARRIVING.search(joined, found_words):
        return True
    if _SAVE_ME.search(joined, found_words):
        return True
    if _OTHER_ACTION.search(joined, found_words) and not _TEXTS.search(joined):
        return True
    if not _REPORTING.isdisjoint(found_words) and billing_complaint(joined):
        # "Voy a reportarlos a Profeco porque me cobraron de más": a dispute over money.
        return True
    if _STOP_WORD.search(joined, found_words):
        return False
    opt_in = not _OPT_IN.triggers.isdisjoint(found_words)
    return any((opt_in and _OPT_IN.pattern.search(clause)) or _HELP.search(clause)
               for clause in found)
