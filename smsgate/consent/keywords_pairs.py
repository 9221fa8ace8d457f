"""Requests that take two clauses to read: a bare keyword with its reason ("Cancel, ya no vivo
ahí", "Cancel. wrong number", "This is not Tiffany. New number."), "Delete it" after "who gave
you my number?", and "how do I cancel them" or "can you not" after a complaint that they keep
coming ("Por qué me siguen llegando? Como los cancelo", "why do you keep texting me?? can you
not").

Pure functions over normalised clauses (keywords_text.clauses). "Cancel" alone in a sentence is
an ordinary verb and stays out of the rules; as the first clause of a reply whose other clause
says the number is wrong or the person has gone, it is the keyword. "Como los cancelo" alone
may be an order; after "me siguen llegando" its object is the texts.
"""

from __future__ import annotations

import re

# A first clause that is only an opt-out keyword, politeness allowed.
_KEYWORD = re.compile(r"(?:please |pls |ok )?(?:cancel|stop|quit|end|unsubscribe|alto|basta|"
                      r"baja|cancelar|para|parar|paren)(?: please| pls| por favor| porfa)?")
# A clause that says the number is wrong or the person no longer lives or uses it here.
_GONE = re.compile(
    r"\b(?:wrong number|wrong person|not my number|not me|i moved|moved away|no longer live|"
    r"don't live|dont live|doesn't live|new number|new owner|ya no vivo|no vivo|ya no vive|no "
    r"vive|ya no es mi numero|no es mi numero|numero equivocado|se equivocaron|me mude|ya no "
    r"uso|ya no soy|ya no trabajo|no soy)\b")
# "They keep coming" about the texts ("me siguen llegando / mandando").
_KEEP_COMING = re.compile(
    r"\b(?:me siguen|siguen|me sigue|sigue) (?:llegando|mandando|enviando|escribiendo)\b"
    r"|\bkeep (?:getting|coming|texting|sending)\b")
# Asking how to end "them", in the next clause.
_HOW_TO_END = re.compile(
    r"^(?:y |and |so )?(?:como|que hago para|como hago para|how do i|how can i|how to) "
    r"(?:los |las |lo |la )?(?:cancelo|paro|quito|detengo|desactivo|bloqueo|cancelar|parar|"
    r"quitar|detener|stop|cancel|turn off|end)(?: them| it| these)?$")
# "This is not Tiffany": a first clause denying the person we wrote to, before a _GONE one.
_NOT_THEM = re.compile(r"(?:this is not|this isn't|this isnt|this aint|this ain't|it's not|"
                       r"its not|it is not|not|este no es|no soy) [a-z]+(?: [a-z]+)?")
# "can you not" (or "stop") as the whole next clause after "they keep coming": stop them.
_CAN_YOU_NOT = re.compile(r"(?:so |and |pls |please )?(?:can|could|would|will) (?:you|u|y'all|"
                          r"yall|you guys) (?:please |pls )?(?:not|stop|quit)"
                          r"(?: (?:please|pls|already|lol|seriously))*")
# "Who gave you my number?": a first clause about our having the number ...
_MY_NUMBER = re.compile(r"\b(?:my|this) (?:number|phone number|cell|info|information)\b|"
                        r"\bmi (?:numero|telefono|cel|celular)\b")
# ... then "Delete it" as the whole next clause: delete the number.
_DELETE_IT = re.compile(r"(?:please |pls |just |so |now )?(?:delete|erase|lose|remove|forget|"
                        r"borrenlo|borralo|eliminenlo|eliminalo) ?(?:it|that|this|lo)?"
                        r"(?: please| pls| now| asap| por favor| porfa)?")
_SPANISH = re.compile(r"\b(?:ya|no|vivo|vive|es|mi|los|las|como|siguen|me|soy|uso)\b")


def paired_request(found: list[str]) -> tuple[str, str] | None:
    """(rule name, language) of a two-clause request in the clauses `found`, or None."""
    # Each test tries the anchored pattern (which fails at once on ordinary prose) before the
    # search through a whole clause: one scan fewer per clause of a long text.
    for first, second in zip(found, found[1:], strict=False):
        if _KEYWORD.fullmatch(first.strip()) and _GONE.search(second):
            return "rule:keyword-and-reason", "es" if _SPANISH.search(second) else "en"
        if _NOT_THEM.fullmatch(first.strip()) and _GONE.search(second):
            return "rule:wrong-number", "es" if _SPANISH.search(second) else "en"
        if _DELETE_IT.fullmatch(second.strip()) and _MY_NUMBER.search(first):
            return "rule:delete-my-number", "es" if _SPANISH.search(first) else "en"
        if _HOW_TO_END.match(second.strip()) and _KEEP_COMING.search(first):
            return "rule:how-to-end-them", "es" if _SPANISH.search(first) else "en"
        if _CAN_YOU_NOT.fullmatch(second.strip()) and _KEEP_COMING.search(first):
            return "rule:how-to-end-them", "en"
    return None
