"""Bare whole-message answers: "no thanks" / "no gracias" / "no quiero" (review), "ya no" (opt-out).

Pure functions. As the whole reply to a marketing text, "No thanks" may decline this offer or
the texts altogether; missing a revocation is a legal risk and a review only pauses the
brand's texts until a person decides, so the whole message goes to review. With anything
more ("no thanks, maybe next time", "no gracias, por ahora no", "No thanks, please stop")
the rest of the text decides.
"""

from __future__ import annotations

import re

# The whole message (keywords_text.keyword_core): a decline and politeness, nothing else.
_DECLINE = re.compile(
    r"(?:(?:ok|okay|um|umm|nah|nope|oh|hmm|lol) )?"
    r"(?P<en>no,? thanks|no,? thank you|no,? thank u|no,? thx|no,? ty|nah,? thanks|nope,? thanks)?"
    r"(?P<es>no,? gracias|no,? muchas gracias|no,? grax|no,? grx|no quiero(?:,? gracias)?)?"
    r"(?: (?:anyway|anyways|though|tho|really|bye|pero gracias|de todos modos))?"
)


# The whole message "Ya no" (no longer), with politeness: a revocation, as the train split
# labels it. Inside a longer text it answers something else ("Ya no, ya lo compré").
_NO_LONGER = re.compile(r"(?:(?:cancel|stop|end|quit|alto|basta|para|cancelar|unsubscribe)"
                        r"(?: please| pls| por favor| porfa)?,? )?"
                        r"(?:(?:por favor|porfa|please|pls|ok|bueno),? )?ya no"
                        r"(?:,? (?:gracias|por favor|porfa|please|pls|thanks|thank you|thank u|"
                        r"ty|thx|mas))*")


def no_longer(core: str) -> bool:
    """True when the whole message `core` is a bare "ya no" (politeness allowed)."""
    return _NO_LONGER.fullmatch(core) is not None


def declines(core: str) -> str | None:
    """The language ("en" or "es") when the whole message `core` is a bare decline, else None."""
    match = _DECLINE.fullmatch(core)
    if match is None or not (match.group("en") or match.group("es")):
        return None
    return "es" if match.group("es") else "en"
