"""When the statistical model may opt a number out on its own: the scope of a negation.

Pure functions. A bag of words cannot parse "ya no me manden" (a revocation) apart from "no me
borren" (a look-alike), so the model's opt-out goes to review when the text holds an opt-in
word, or a negating word that governs a stop, removal, unsubscribe or keep word ("don't stop",
"no pares", "no me borres", "never unsubscribe", "no quiero dejar de recibir") or anything else
we cannot vouch for ("ya no hay", "no más de dos"). A negator over a verb of sending, receiving,
writing or wanting ("ya no me manden", "no quiero", "don't text me", "no longer need these") is
the revocation itself, and so is a bare "ya no" at the end of a clause, and so is a negator over
who the writer is or what they have to do with the sender ("I'm not Linda", "not your
customer", "never been to your dealership", "no soy su cliente"): the wrong-number statement.
"""

from __future__ import annotations

import re

from smsgate.consent.keywords_model import NEGATORS, OPT_IN_WORDS
from smsgate.consent.keywords_names import FIRST_NAMES

# How many words after a negator it governs ("don't ever stop", "ya no me manden").
SPAN = 3
# Words whose negation means "keep texting me": a negator over one of these is a look-alike.
KEEP_WORDS = frozenset("""
    stop stopping stopped unsubscribe unsub unsubscribing unsubscribed remove removing removed
    delete deleting cancel cancelling canceling cancelled opt opting optout quit quitting end
    ending take taking drop dropping leave block blocking keep discontinue discontinued
    cease ceased terminate deactivate deactivated
    pares paren pare parar para paras dejar dejen dejes deje dejo borres borren borre borrar
    borrarme quites quiten quite quitar quitarme saques saquen saque sacar sacarme elimines
    eliminen elimine eliminar den dar darme baja cancelen canceles cancele cancelar
    detengas detengan detener desuscriban desuscribir
""".split())
# Words whose negation is the request to stop: sending, receiving, writing, wanting.
REQUEST_WORDS = frozenset("""
    want wanna need needing require wish like text texting txt message messaging msg send
    sending contact contacting call calling email bother bothering receive receiving get
    getting texts messages msgs txts sms spam authorize consent
    quiero queremos quiere quisiera deseo deseamos necesito requiero
    manden mandes mande mnden manen mamden mandaran envien envies envie enbien envian
    escriban escribas escriba escrivan contacten contactes llamen molesten molestes textees
    texteen lleguen llegue recibir recibo seguir mandar enviar escribir avisen incluyan
    autorizo mensajes mensaje msjs mjs textos promociones publicidad sigan sigas vuelvan
    contactarme escribirme mandarme enviarme llamarme molestarme textearme contactar llamar
    vuelvas esten estes contacte moleste handle stand interested interesa interesan
""".split())
# Words whose negation denies who the writer is or any dealing with the sender: a negator over
# one of these (or over a first name) says the text reached the wrong person.
DISCLAIM_WORDS = frozenset("""
    customer customers client clients patient patients member members student subscriber
    resident tenant household person guy lady account associated relevant
    been ordered bought signed visited shopped registered enrolled applied heard
    live lives own owns number numbers phone cell line
    soy somos cliente clientes paciente pacientes ido vivido vivo vive rento rentamos
    comprado pedido conozco pertenece registrado registre inscrito inscribi firmado numero
    telefono celular
""".split())
# A negator that may close a clause and still be a request: "Ya no", "por favor ya no".
_CLOSING = frozenset({"no"})


def _alternation(words: frozenset[str]) -> str:
    """`words` as one whole-word regex alternation, longest first."""
    return "|".join(re.escape(word) for word in sorted(words, key=lambda w: (-len(w), w)))


# Each negator with the SPAN words after it (read ahead, so a negator among them is found too),
# and any opt-in word, found in C: a long text costs a regex scan, not a Python loop.
_NEGATION = re.compile(rf"(?<![\w'])({_alternation(NEGATORS)})(?![\w'])"
                       rf"(?=((?:[^\w']+[\w']+){{0,{SPAN}}}))")
_OPT_IN = re.compile(rf"(?<![\w'])(?:{_alternation(OPT_IN_WORDS)})(?![\w'])")
_TOKEN = re.compile(r"[\w']+")


def _request_outside_negations(found: list[str]) -> bool:
    """True when some clause of `found` holds a stop, removal or unsubscribe word that no
    negator governs: the request stands apart from whatever else is negated."""
    for clause in found:
        if KEEP_WORDS.isdisjoint(_TOKEN.findall(clause)):
            # No stop word at all: nothing to find outside the negations (a set test in C).
            continue
        governed: set[int] = set()
        tokens = list(_TOKEN.finditer(clause))
        for negation in _NEGATION.finditer(clause):
            end = negation.end(1) + len(negation.group(2))
            governed.update(i for i, tok in enumerate(tokens)
                            if negation.start(1) <= tok.start() < end)
        if any(tok.group() in KEEP_WORDS and i not in governed for i, tok in enumerate(tokens)):
            return True
    return False


def model_may_decide(found: list[str], sure: bool = False) -> bool:
    """True when no opt-in word is in the clauses `found` and every negating word in them
    governs a request word (or, a bare "no", closes its clause). When the model is `sure`
    (keywords_model.SURE_AT), a negation over other words does not hold it back: "I'm not in
    your district and I'd like these to stop" negates the district, not the request; a
    negation over a stop or keep word still does, and so does any negation when no stop word
    stands outside every negation's reach ("no zebra")."""
    if sure and not _request_outside_negations(found):
        sure = False
    for clause in found:
        # The regexes run only on clauses whose words (a set, built in C) call for them.
        words = set(_TOKEN.findall(clause))
        if not OPT_IN_WORDS.isdisjoint(words) and _OPT_IN.search(clause):
            return False
        if NEGATORS.isdisjoint(words):
            continue
        for negation in _NEGATION.finditer(clause):
            governed = _TOKEN.findall(negation.group(2))
            if not KEEP_WORDS.isdisjoint(governed):
                return False
            closing = not governed and negation.group(1) in _CLOSING
            disclaims = not (DISCLAIM_WORDS.isdisjoint(governed)
                             and FIRST_NAMES.isdisjoint(governed))
            if REQUEST_WORDS.isdisjoint(governed) and not closing and not disclaims and not sure:
                return False
    return True
