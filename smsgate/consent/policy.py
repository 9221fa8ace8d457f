"""May we text this number for this brand? The database is the authority, never a cache."""

from __future__ import annotations


def refusal_reason(action: str | None, *, erased: bool = False) -> str | None:
    """Why a number with this latest action may not get marketing, or None if it may.

    An erased number has no consent state until it consents again; its erasure counts as an
    opt-out of every brand (`erased`), so a campaign refuses it as `opted_out`."""
    if action == "opt_in":
        return None
    return "opted_out" if action == "opt_out" or (action is None and erased) else "no_consent"
