"""Replies that say the text reached the wrong person: "I'm not Linda", "nope not Ashley", "No
Samantha here", "Wrong Jennifer", "I have no idea who Jerome is", "not your customer", "Never
been to your dealership", "no soy María", "yo no soy su cliente", "nunca he ido a esa clínica",
"I don't have a dog"; or that the person is gone from the number: "My husband died last year",
"she doesn't work here anymore", "Este número era de mi hermano", "you have an old number".

Pure functions over normalised clauses (keywords_text.clauses). Under the FCC's "any reasonable
means" standard a wrong-number reply revokes consent for that number, and the train split labels
every such reply an opt-out. A person is recognised by name only when the name is a common first
name (keywords_names), so "not sure" or "no problem here" stays ordinary speech; a name followed
by "'s" ("not Linda's mom") is somebody else's relation, not a denial.
"""

from __future__ import annotations

import re

from smsgate.consent.keywords_names import FIRST_NAMES
from smsgate.consent.keywords_text import TITLE_WORDS, words

# A title before a surname ("Mr. Delgado", "la señora García") stands for a name; a denial
# by name needs a first name or one of these in the text.
_TITLE_WORDS = TITLE_WORDS | {"senor", "senora"}
_TITLE = rf"(?:{'|'.join(sorted(_TITLE_WORDS))})\.? [a-z]+"
# A denial followed by the word that must be a first name (checked against FIRST_NAMES).
_NOT_NAME = {
    "en": re.compile(
        r"\b(?:not|isn't|isnt|is not|ain't|aint|wrong|no|nobody named|no one named|"
        r"nobody by the name|no one by the name|there is no|there's no|theres no|"
        r"not the right|not this|no idea who|idk who|don't know who|dont know who|"
        r"don't know any|dont know any|never heard of|who is|who's|whos) "
        r"(?:(?:a|an|any|the|one|named|called|by|name) )*([a-z]+)"
        # "not Linda's mom" names a relation; "not Angela's cell" still denies the number.
        r"(?!'s (?!(?:cell|phone|number|line|celular|cel)\b)|'(?!s\b)|[a-z])"),
    "es": re.compile(
        r"\b(?:no soy|ya no es|este no es|no es|no se quien (?:es|sea)|no hay (?:ningun|ninguna)|"
        r"no conozco a(?: ningun|"
        r" ninguna)?|no vive (?:ningun|ninguna)?|quien es) (?:(?:el|la|la senora|el senor) )?"
        r"([a-z]+)(?![a-z])"),
}
# What makes the name clause a denial rather than a question or a greeting.
_DENIAL_CONTEXT = {
    "en": re.compile(r"\b(?:not|isn't|isnt|ain't|aint|wrong|nobody|no one|no idea|idk|"
                     r"don't know|dont know|never heard|no [a-z]+ here|there(?:'s| is|s) no)\b"),
    "es": re.compile(r"\b(?:no soy|no es|no hay|no conozco|no vive|no se quien)\b"),
}
# A denial of any dealing with the sender, with no name needed.
_NO_DEALINGS = {
    "en": re.compile(
        r"\b(?:(?:i'm|im|i am|i'm def|i'm definitely|def|definitely|pretty sure i'm|we're|"
        r"we are) not|never been|not) (?:a |your |ur |one of your )(?:customer|client|patient|"
        r"member|student|tenant|resident|subscriber)s?\b"
        r"|\bnever (?:been|shopped|ordered|bought|signed up|registered|enrolled) "
        r"(?:to|at|from|in|with|for|anything)\b"
        r"|\bthis is not the [a-z]+ (?:household|residence|family)\b"
        r"|\bnot (?:who|whoever) you (?:think|are looking for|want)\b"
        r"|\b(?:gave up|changed|gave away|got rid of) (?:this|the|her|his|their) "
        r"(?:number|phone)\b"),
    "es": re.compile(
        r"\b(?:yo )?no soy (?:su |tu |un |una )?(?:cliente|paciente|miembro|estudiante|"
        r"inquilino|inquilina)s?\b"
        r"|\bnunca (?:he |e |hemos )?(?:ido|vivido|comprado|pedido|estado|rentado) "
        r"(?:a|en|con|nada|algo|de)\b"
        r"|\bno (?:he|e|hemos) (?:pedido|comprado|rentado) nada\b"
        r"|\bese no es mi nombre\b"),
}
# The writer answers for the person ("this is his husband", "le paso el mensaje"): the texts
# reach the household they were meant for, so denying the name is no wrong-number reply.
_ON_BEHALF = re.compile(
    r"\b(?:this is (?:his|her|their) [a-z]+|i'm (?:his|her|their) [a-z]+|"
    r"(?:i'll|ill|i will|i can|i'll go ahead and) (?:tell|let|pass|give|remind|show)|"
    r"pass (?:it|this|the message) (?:on|along)|let (?:him|her|them) know|"
    r"(?:he'll|she'll|he will|she will|they'll) (?:be there|come|call|text)|"
    r"le (?:paso|doy|digo|aviso|mando)|yo le (?:paso|doy|digo|aviso)|"
    r"soy (?:su|la|el) (?:esposa|esposo|hija|hijo|mama|papa|madre|padre|hermana|hermano|"
    r"companero|companera|pareja|novia|novio|nieta|nieto|abuela|abuelo)|"
    r"es mi (?:companero|companera|esposo|esposa|hijo|hija|mama|papa|hermano|hermana|pareja))"
    r"\b")
# A name after one of these is a question about someone, not a denial ("is Linda there?").
_ASKING = re.compile(r"\b(?:is|está|esta) [a-z]+ (?:there|ahi|alli)\b")


def _named(clause: str, lang: str) -> bool:
    """True when `clause` denies being a person named by a common first name or a title."""
    if not _DENIAL_CONTEXT[lang].search(clause):
        return False
    for found in _NOT_NAME[lang].finditer(clause):
        if found.group(1) in FIRST_NAMES:
            return True
    return _TITLED.search(clause) is not None


# The person written to is gone from this number: dead, left the workplace, or the number has
# changed hands. A relative may write it ("Soy su hija"), so no answer on their behalf undoes it.
_RELATIVE = (r"(?:husband|wife|mom|mother|dad|father|son|daughter|brother|sister|grandma|"
             r"grandmother|grandpa|grandfather|aunt|uncle|partner|spouse|boyfriend|girlfriend)")
_PARIENTE = (r"(?:esposo|esposa|mama|papa|madre|padre|hijo|hija|hermano|hermana|abuela|abuelo|"
             r"abuelita|abuelito|tio|tia|pareja|suegra|suegro)")
_GONE = {
    "en": re.compile(
        rf"\b(?:my|our) {_RELATIVE} (?:[a-z']+ ){{0,3}}?(?:died|passed away|passed on|"
        rf"has passed|is deceased|passed)\b"
        r"|\b(?:he|she|patient|the patient|mr [a-z]+|mrs [a-z]+|ms [a-z]+) (?:[a-z']+ )?"
        r"(?:passed away|is deceased|has passed|died)\b"
        r"|\b(?:doesn't|does not|doesnt|no longer) works? (?:here|at this number)\b"
        r"|\b(?:number|phone|line|cell) (?:got|was|has been|been|is|was just) "
        r"(?:reassigned|recycled|given to someone else)\b"
        r"|\b(?:this|that) (?:number|phone|cell|line) (?:used to (?:be|belong to)|was) "
        r"(?:my |a |an |the )?[a-z]+'s\b"
        r"|\b(?:this|the) (?:number|phone|cell|line) (?:is|has been|'s been) mine\b"
        r"|\byou (?:have|got|must have) (?:an |the |my )?(?:old|outdated|wrong|previous) "
        r"(?:number|phone|contact)\b"
        r"|\b(?:person|whoever|who) you(?:'re| are) (?:looking for|trying to reach|texting) "
        r"(?:is not|isn't|is no longer|doesn't live|does not live|doesn't have|does not have|"
        r"no longer has|doesn't use|does not use)\b"
        r"|\b(?:have|got|has) me (?:confused|mixed up|mistaken) (?:with|for) (?:someone|"
        r"somebody|another)"
        r"|\b(?:isn't|isnt|is not|is no longer|no longer|ain't|aint) (?:at|on|using) this "
        r"(?:number|phone|line)\b"),
    "es": re.compile(
        rf"\b(?:mi|nuestro|nuestra) {_PARIENTE} (?:[a-z]+ ){{0,3}}?(?:fallecio|murio)\b"
        r"|\b(?:fallecio|ya fallecio|q\.?e\.?p\.?d|descanse en paz)\b"
        r"|\b(?:este|ese) (?:numero|telefono|celular|cel) (?:era|fue) de\b"
        r"|\bya es de (?:otra persona|alguien mas|otro|otra)\b"
        r"|\b(?:ya )?no es (?:el|mi|su) (?:numero|telefono|celular|cel) de\b"
        r"|\b(?:este|ese) ya no es (?:su|el suyo|de ella|de el) ?(?:numero|telefono|celular|"
        r"cel)?\b"
        r"|\bya no trabaja (?:aqui|en este numero)\b"
        r"|\b(?:ahora es mio|es mio ahora|ahora es mi numero)\b"
        r"|\bme (?:confunden|confundieron|confundio) con (?:otra persona|alguien|otro|otra)\b"
        r"|\bla persona que (?:busca|buscan|buscas) (?:ya )?no (?:lo tiene|esta|vive|es)\b"
        r"|\b(?:tienen|tiene) (?:un|el) (?:numero|telefono|contacto) (?:viejo|antiguo|anterior)\b"),
}
# The household carries on with the sender ("can we reschedule her appointment for my mom?"):
# the texts are still wanted, by someone else.
_CARRIED_ON = re.compile(
    r"\b(?:reschedule|rebook|transfer|switch (?:it|the appointment)|put (?:it|the account) "
    r"(?:under|in)|keep (?:the|my|our) (?:appointment|account|texts|reminders)|"
    r"cambiar la cita|pasar la cita|reprogramar|poner(?:la|lo)? a nombre|"
    # The writer settles the person's affairs with the sender: "I need to pick up his
    # records", "¿a quién le hablo para lo de su cuenta?".
    r"(?:his|her|their) (?:records|account|file|prescriptions)|pick up|what do i need|"
    r"(?:su|sus) (?:cuenta|expediente|recetas)|lo de su|a quien le hablo|con quien hablo|"
    r"que necesito)\b")
# The thing the texts are about is not the writer's ("I don't have a dog", "Not my car. I've
# never owned a Tahoe", "Yo no tengo perro"): read alone, or beside a clause asking why the
# texts come or calling them wrong, never beside a request of the writer's ("I don't have a
# car, can you pick me up?").
_THINGS = (r"(?:dog|dogs|cat|cats|pet|pets|car|truck|tahoe|vehicle|kid|kids|child|children|"
           r"son|daughter|house|home|boat|policy|account|loan|membership|student|students)")
_NOT_MINE = re.compile(
    rf"^(?:i |we )?(?:don't|do not|dont|never|never even) (?:have|had|owned|own) "
    rf"(?:a |an |any |the )?{_THINGS}\b"
    rf"|^not my {_THINGS}$|^i(?:'ve| have) never owned\b"
    r"|^(?:yo )?no tengo (?:ningun |ninguna |un |una )?(?:perro|perros|gato|gatos|mascota|"
    r"mascotas|carro|coche|troca|camioneta|hijos|hijo|hija|ninos|casa|cuenta|poliza|prestamo)\b")
_WHY_TEXTED = re.compile(r"\b(?:why|por que|porque|wrong|equivocad[oa]|not me|no soy|who is|"
                         r"quien es|idk|no se)\b")


def _not_mine(found: list[str]) -> bool:
    """True when a clause disowns what the texts are about, alone or beside a why or a wrong."""
    if not any(_NOT_MINE.match(clause) for clause in found):
        return False
    return len(found) == 1 or all(_NOT_MINE.match(clause) or _WHY_TEXTED.search(clause)
                                  for clause in found)


# "not me" as a clause of its own, said of a person named in another ("who is Kevin? not me").
_NOT_ME = re.compile(r"(?:(?:nope|no|lol|def|definitely|sorry|prob|probably),? )*"
                     r"(?:not me|not her|not him|no soy yo|no es aqui|not this guy|"
                     r"not this girl|it isn't (?:her|him|me)|it's not (?:her|him|me)|"
                     r"(?:i'm|im|i am) not (?:her|him)|"
                     r"that's not me|that isn't me)(?: (?:lol|lmao|haha|jaja|sorry|tho|though))*")
_NAMED_ELSEWHERE = re.compile(r"\b(?:who is|who's|whos|quien es) ([a-z]+)\b")
# Or the writer says whom the texts were meant for is someone else ("whoever you're looking
# for", "this number belongs to a 12 year old").
_LOOKED_FOR = re.compile(r"\b(?:looking for|trying to reach|meant for|texting for|this number "
                         r"belongs to|esta buscando|buscan a)\b")

# The \w+ words each family of patterns above needs, one at least (tests/
# test_keywords_triggers.py keeps the lists whole): a text without any is not searched, so
# ordinary prose costs a few set tests here.
_GONE_TRIGGERS = {
    "en": frozenset("""
        died passed deceased work works reassigned recycled given number phone cell line mine
        confused mixed mistaken person whoever who old outdated previous wrong
    """.split()),
    "es": frozenset("""
        fallecio murio qepd q descanse era fue otra otro alguien es trabaja mio ahora confunden
        confundieron confundio persona viejo antiguo anterior
    """.split()),
}
_DEALING_TRIGGERS = frozenset("""
    customer customers client clients patient patients member members student students
    tenant tenants resident residents subscriber subscribers never household residence family
    think looking want soy nunca nada nombre number phone
""".split())
_MINE_TRIGGERS = frozenset("have had owned own not tengo".split())
_TITLED = re.compile(rf"\b(?:not|no|soy|es|no hay) {_TITLE}")


def _not_me(found: list[str]) -> bool:
    """True when a whole clause says "not me" of a first name asked about in another."""
    if not any(_NOT_ME.fullmatch(clause) for clause in found):
        return False
    return any(match.group(1) in FIRST_NAMES for clause in found
               for match in _NAMED_ELSEWHERE.finditer(clause)) or any(
        _LOOKED_FOR.search(clause) for clause in found)


def not_the_person(found: list[str]) -> tuple[str, str] | None:
    """("rule:not-the-person", language) when a clause of `found` says the writer is not the
    person written to, or has no dealings with the sender, and no clause answers for that
    person; ("rule:person-gone", language) when the person has died, left, or the number has
    changed hands; else None."""
    found_words = words("\n".join(found))
    for lang in ("en", "es"):
        if _GONE_TRIGGERS[lang].isdisjoint(found_words):
            continue
        for clause in found:
            if _GONE[lang].search(clause) and not any(_CARRIED_ON.search(other)
                                                      for other in found):
                return "rule:person-gone", lang
    if _not_me(found) and not any(_ON_BEHALF.search(other) for other in found):
        return "rule:not-the-person", "en"
    if not _MINE_TRIGGERS.isdisjoint(found_words) and _not_mine(found):
        return "rule:not-the-person", "es" if any("tengo" in c for c in found) else "en"
    dealings = not _DEALING_TRIGGERS.isdisjoint(found_words)
    named = not (FIRST_NAMES.isdisjoint(found_words) and _TITLE_WORDS.isdisjoint(found_words))
    if not dealings and not named:
        return None
    for clause in found:
        if _ASKING.search(clause):
            continue
        for lang in ("en", "es"):
            if (dealings and _NO_DEALINGS[lang].search(clause)) or (named and _named(clause, lang)):
                if any(_ON_BEHALF.search(other) for other in found):
                    return None
                return "rule:not-the-person", lang
    return None
