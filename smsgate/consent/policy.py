"""May we text this number for this brand? The database is the authority, never a cache."""

from __future__ import annotations


def refusal_reason(action: str | None, pending: bool = False, *,
                   erased: bool = False) -> str | None:
    """Why a number with this latest action may not get marketing, or None if it may.

    `pending`: it has a live double opt-in request, which is not consent until confirmed.
    An erased number has no consent state until it consents again; its erasure counts as an
    opt-out of every brand (`erased`), so a campaign refuses it as `opted_out`."""
    if action == "opt_in":
        return None
    if action == "review":  # a possible revocation awaits a person (consent.reviews)
        return "pending_review"
    if pending:
        return "pending_confirmation"
    return "opted_out" if action == "opt_out" or (action is None and erased) else "no_consent"


# Refused at the moment of sending because the number's rolling 24-hour cap (state law or the
# brand's) would still be reached when the campaign expires; see smsgate.sendtime.rules.
FREQUENCY_CAP = "frequency_cap"
