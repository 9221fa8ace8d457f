"""The rolling 24-hour frequency cap per number and brand (state law, or the brand's own):
the SQL condition a capped claim adds, the lock that makes it safe on PostgreSQL, and when
a number over its cap may be texted again.

What counts: the brand's campaign texts to the number claimed in the last 24 hours that went
or may have gone (`sending`, `sent`, `delivered`, `undelivered`); a `failed` create was
refused by the provider and never reached the phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, func, select
from sqlalchemy.orm import Session

from smsgate.models import Campaign, CampaignRecipient, ConsentState

WINDOW = timedelta(hours=24)
COUNTED_STATUSES = ("sending", "sent", "delivered", "undelivered")
# Until a counted text whose fate is unclear settles, a retry a minute later is cheap and safe.
RETRY_SOON = timedelta(minutes=1)

_recipients = cast(Table, CampaignRecipient.__table__)
_earlier = _recipients.alias("earlier")
_campaigns = cast(Table, Campaign.__table__)


def _recent_texts(column: Any, number: Any, exclude_id: Any) -> Any:
    """`column` over the brand's counted texts to `number` since `since` (both bound:
    `brand_id`, `since`), other than recipient row `exclude_id`."""
    return (select(column)
            .select_from(_earlier.join(_campaigns, _campaigns.c.id == _earlier.c.campaign_id))
            .where(_earlier.c.number == number, _earlier.c.id != exclude_id,
                   _campaigns.c.brand_id == bindparam("brand_id"),
                   _earlier.c.status.in_(COUNTED_STATUSES),
                   _earlier.c.claimed_at > bindparam("since")))


def under_cap() -> ColumnElement[bool]:
    """The claim's extra condition: fewer than `cap` (bound) counted texts to the row's
    number since `since` (bound: now - WINDOW). Correlated to the UPDATE's own row."""
    recent = _recent_texts(func.count(), _recipients.c.number, _recipients.c.id)
    return cast(ColumnElement[bool], recent.scalar_subquery() < bindparam("cap"))


def lock_numbers(session: Session, brand_id: int, recipient_ids: Sequence[int]) -> None:
    """PostgreSQL: lock the consent rows of these recipients' numbers until commit (in one
    order, so two transactions cannot deadlock on them), so that two workers counting one
    number's recent texts take turns and cannot both send the text over its cap. SQLite has a
    single writer already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    numbers = select(_recipients.c.number).where(_recipients.c.id.in_(recipient_ids))
    session.execute(select(ConsentState.number)
                    .where(ConsentState.brand_id == brand_id, ConsentState.number.in_(numbers))
                    .order_by(ConsentState.number).with_for_update())


def next_free(session: Session, brand_id: int, number: str, recipient_id: int, cap: int,
              now: datetime) -> datetime:
    """When `number` may get its next text: once the cap-th latest counted text is 24 hours
    old (fewer than `cap` means one counted a moment ago has since failed: soon)."""
    recent = session.scalars(
        _recent_texts(_earlier.c.claimed_at, number, recipient_id)
        .order_by(_earlier.c.claimed_at.desc()).limit(cap),
        {"brand_id": brand_id, "since": now - WINDOW}).all()
    return recent[cap - 1] + WINDOW if len(recent) >= cap else now + RETRY_SOON
