"""A bare "no thanks" / "no gracias" / "no quiero": the one reply the rules send to review.

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


def declines(core: str) -> str | None:
    """The language ("en" or "es") when the whole message `core` is a bare decline, else None."""
    match = _DECLINE.fullmatch(core)
    if match is None or not (match.group("en") or match.group("es")):
        return None
    return "es" if match.group("es") else "en"
