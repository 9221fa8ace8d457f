"""Whether what follows a bare keyword shows it was an exclamation, not a request.

"Stop, you're making me hungry lol", "STOP it, that's way too cheap", "Cancelar. Reprogramo la
próxima semana", "Para para para, ¿todo a $5? jaja": a bare "stop" / "cancelar" / "para" (a
keyword clause, "stop it", a repeated keyword) followed by laughter, a comment on the price or
on the writer's own state, a compliment ("Stop it, you're too kind"), a plan of the writer's
own or a change to an order ("Alto, cancelen la orden") reacts to the offer or the appointment;
a bare "nah" after it ("stop? nah") answers the writer's own question. What decides is what the
following words are about: the texts, the sender, the number or a reason to leave ("Stop. I
never signed up", "STOP!! you've texted 5 times today", "Cancel. Wrong number") keep the
keyword a request; anything else, with one of those signs of an aside, makes it none.

Pure functions over normalised clauses (keywords_text.clauses).
"""

from __future__ import annotations

import re

from smsgate.consent.keywords_en import TAIL_WORD

# An order or booking of the writer's, which a bare keyword before cancelling it only halts.
_BOOKING = (r"(?:la|el|mi|my|the|this|that|esa|ese|esta|este) (?:orden|order|pedido|compra|"
            r"purchase|reserva|reservation|booking|cita|appointment)")
# Signs that the words after a bare keyword react to something rather than explain a request.
_ASIDE = re.compile(
    r"\b(?:"
    # a saying: "stop, drop and roll"
    r"drop and roll|drop & roll|drop n roll|"
    # delight: "Stop, that's hilarious", "OMG stop, I'm so excited"
    r"hilarious|so funny|too funny|so cute|too cute|adorable|so excited|can't wait|cant wait|"
    r"i'm dying|im dying|dead lol|love that|love it|so happy|"
    # a compliment to the sender or the offer: "Stop it, you're too kind", "deals r great"
    r"too kind|so kind|so sweet|too sweet|(?:you're|youre|ur|you are) the best|"
    r"(?:are|r|is|look|looks|son|estan|esta) (?:great|amazing|awesome|incredible|insane|crazy|"
    r"unreal|wild|fire|buenisim[oa]s?|increibles?)|"
    # disbelief at the offer: "is this real?", "¿es de verdad?"
    r"is (?:this|that|it) real|(?:es|sera|esta) de verdad|"
    # a halt before changing an order: "Alto, cancelen la orden que hice"
    rf"(?:cancel\w*|change|cambi\w*) {_BOOKING}|"
    # a visit no longer needed: "Cancel, we found the keys. Don't need the lockout service"
    r"(?:don't|dont|do not|no longer) need (?:the |a |your )?(?:[a-z]+ )?(?:service|visit|"
    r"appointment|ride|pickup|tow|technician|tech|locksmith|plumber|delivery|truck)|"
    r"(?:ya )?no (?:necesito|ocupo|necesitamos) que (?:venga|vengan|pase|pasen|vaya|vayan)|"
    r"found (?:the|my|our) keys|encontre (?:las|mis) llaves|"
    # laughter
    r"lol+|lmao+|lmfao|rofl|(?:ha){2,}h?|(?:he){2,}|(?:ja){2,}|(?:je){2,}|(?:ji){2,}|xd|"
    # the price
    # (cheapness delights; "too expensive" is a reason to leave, so it is no sign here)
    r"cheap|cheaper|price|prices|bargain|steal|percent off|"
    r"barato|barata|baratisimo|precio|precios|regalado|regalados|todo a|"
    # the writer's own state
    r"making me (?:hungry|thirsty|drool|cry|laugh|want)|(?:i'm|im|i am) (?:dying|crying|dead|"
    r"weak|screaming|drooling|starving|hungry|drooling)|(?:you're|youre|you are|ur) killing me|"
    r"too good|so good|me muero|me matan|me mata|que rico|que rica|se me antoja|"
    r"se me hace agua|tengo hambre|me da hambre|"
    # a plan of the writer's own
    r"(?:i'll|ill|i will|let me|i need to|i have to|i gotta|gotta) (?:reschedule|rebook|"
    r"call|move|book|come|swing|pick)|reschedul\w*|rebook\w*|"
    r"reprogramo|reprogramare|reagendo|reagendare|cambio la cita|"
    r"(?:voy a|vamos a|tengo que) (?:reprogramar|reagendar|cambiar la cita|llamar|pasar|ir)"
    r")(?![\w'])|[$%]"
)
# Words about the texts, the sender, the number or a reason to leave: then the keyword stays a
# request whatever else the words hold.
_ABOUT_US = re.compile(
    r"\b(?:text\w*|txt\w*|messag\w*|msg\w*|sms|mensaj\w*|textos?|number|numero|phone|cell|"
    # sending: "Para para, ¿por qué me siguen escribiendo? jaja"
    r"send\w*|sent|writ\w*|contact\w*|escrib\w*|mand\w*|envi\w*|llega\w*|"
    r"celular|cel|sign\w* up|signed|registr\w*|subscri\w*|suscri\w*|consent\w*|list|lista|"
    r"spam\w*|scam\w*|who|whoever|quien|wrong|equivocad\w*|report\w*|reporto|block\w*|bloque\w*|"
    r"harass\w*|acos\w*|times|veces|again|daily|every day|todos los dias|leave me|go away|"
    r"not interested|no me interesa|never|nunca|don't|dont|do not|no longer|ya no|"
    r"unsubscribe|remove|delete|borr\w*|quit\w*|baja|enough|done|annoying|molest\w*|"
    r"lawyer|sue|abogado|demand\w*|police|policia|fcc|stop|alto|basta|"
    # cancelling an order is no reason to leave: "Alto, cancelen la orden"
    rf"cancel\w*(?! {_BOOKING})|"
    # insistence: "Stop. I'm begging you lol", "STOP. I mean it haha"
    r"begging|beg|i mean it|serious|seriously|for real|en serio|te lo pido|se los pido|"
    # a reason to leave: "Stop. Too expensive for me lol", "Cancel. I'll call if I need
    # anything", "Cancel, I'll book somewhere else", "Basta, voy a llamar a Profeco"
    r"expensive|pricey|overpriced|too much|too high|afford|not worth|not for me|no thanks|"
    r"no thank you|no gracias|caro|cara|carisimo|demasiado|if i need|when i need|if i want|"
    r"when i want|on my own|cuando (?:lo )?necesite|si (?:lo )?necesito|somewhere else|"
    r"elsewhere|another (?:place|company|provider|store)|otro lado|otra parte|otra empresa|"
    r"competencia|complaint|attorney|bbb|profeco|queja|denunci\w*|"
    # one more text: "Stop. I'm dying lol this is the 3rd one today"
    r"one today|another one|(?:2nd|3rd|\d+th|second|third|fourth|fifth) (?:one|time)|"
    r"otro mas|otra vez|de nuevo)\b"
)
# A keyword said again, emphasis before the words that matter: "stop stop i'm dying".
_AGAIN = re.compile(r"^(?: ?(?:stop|para|alto|basta|cancel|cancelar|ya|it|please|pls|now))+\b")
_LAUGHTER_ONLY = re.compile(rf"(?: ?(?:lol+|lmao+|lmfao|rofl|(?:ha){{2,}}h?|(?:he){{2,}}|"
                            rf"(?:ja){{2,}}|(?:je){{2,}}|(?:ji){{2,}}|xd|omg|{TAIL_WORD}))+ ?")
_AFTER_CHARS = 120
# The writer's own question answered no, and nothing more: "stop? nah", "Para? nah jaja".
_NAH = re.compile(r"(?:nah+|naw)(?: (?:lol+|lmao+|(?:ha){2,}h?|(?:ja){2,}))*")


# A clause of its own before a bare keyword that shows it was said to someone else or meant
# "wait": a voice assistant's wake word ("Alexa, stop": dictation picked up a command meant for
# a speaker) or a call to wait ("Hold on, stop, did you say the dress is ready?").
_NOT_TO_US = re.compile(r"(?:(?:hey|ok|okay|oye) )?(?:alexa|siri|google|cortana|bixby)|"
                        r"hold on|hang on|wait(?: wait)?(?: a (?:sec|second|minute|min))?|whoa|"
                        r"espera|esperen|un momento|momento")


def exclaimed(rest: list[str], before: str = "") -> bool:
    """True when the words `rest` after a bare keyword (the rest of its clause, then the
    clauses after it) show the keyword was an exclamation: a sign of an aside and nothing
    about the texts, the sender, the number or a reason to leave, there or in the clause
    `before` it ("terrible amount of texts. Please stop. I'll come back..."); or the clause
    `before` shows it was said to someone else or meant "wait" ("Alexa, stop", "Hold on,
    stop")."""
    if _NOT_TO_US.fullmatch(before):
        return True
    if before and _ABOUT_US.search(before[-_AFTER_CHARS:]):
        return False
    words = " ".join(part.strip() for part in rest if part.strip())[:_AFTER_CHARS]
    words = _AGAIN.sub("", words)
    if _NAH.fullmatch(words):
        return True
    if not words or _LAUGHTER_ONLY.fullmatch(words):
        # "STOP. lol" is "STOP lol": laughter and politeness alone do not say what the
        # keyword was about.
        return False
    # The aside's own words ("ya no necesito que venga el cerrajero") give no reason to leave.
    return _ASIDE.search(words) is not None and _ABOUT_US.search(_ASIDE.sub(" . ", words)) is None
