"""May we text this number for this brand? The database is the authority, never a cache."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsgate.models import ConsentState


def current_action(session: Session, number: str, brand_id: int) -> str | None:
    """The latest consent action ("opt_in" / "opt_out") for (number, brand), or None."""
    return session.scalar(select(ConsentState.action)
                          .where(ConsentState.number == number,
                                 ConsentState.brand_id == brand_id))


def refusal_reason(action: str | None) -> str | None:
    """Why a number with this latest action may not get marketing, or None if it may."""
    if action == "opt_in":
        return None
    return "opted_out" if action == "opt_out" else "no_consent"
