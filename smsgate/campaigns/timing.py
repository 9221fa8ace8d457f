"""When a campaign may send: its requested start and validity, and a report of where its
waiting recipients stand against their send windows right now.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smsgate.errors import InvalidInput
from smsgate.messaging.provider import MAX_VALIDITY_PERIOD
from smsgate.models import Brand, Campaign, CampaignRecipient
from smsgate.sendtime.gate import BrandLimits, Gate

DEFAULT_VALID_FOR = MAX_VALIDITY_PERIOD  # seconds, as long as Twilio's own queue keeps a text
MIN_VALID_FOR = 60
MAX_VALID_FOR = 7 * 24 * 3600


@dataclass(frozen=True)
class Timing:
    """`send_at`: not before (aware); `valid_for`: seconds after the start, then expired."""

    send_at: datetime | None = None
    valid_for: int = DEFAULT_VALID_FOR

    def __post_init__(self) -> None:
        if self.send_at is not None and self.send_at.tzinfo is None:
            raise InvalidInput("send_at needs a time zone (e.g. 2026-12-06T09:00:00-05:00)",
                               code="invalid_field", field="send_at")
        if not MIN_VALID_FOR <= self.valid_for <= MAX_VALID_FOR:
            raise InvalidInput(f"valid_for is {MIN_VALID_FOR} to {MAX_VALID_FOR} seconds",
                               code="invalid_field", field="valid_for")


def schedule_report(session: Session, campaign: Campaign, now: datetime,
                    gate: Gate | None = None) -> dict[str, object]:
    """Where the campaign's queued recipients stand at `now`: how many may go now
    (`in_window`), how many wait (`deferred`: outside their window, over a cap, before
    `send_at`), both per zone (`by_zone`, keyed by the area code's candidate zones), and
    when the next deferred text is due (`next_due`, ISO 8601, or null).

    One GROUP BY over (zones, state, not_before); the window of each group is decided once,
    by `gate` when the caller has the brand's already.
    """
    if gate is None:
        brand = session.get(Brand, campaign.brand_id)
        assert brand is not None  # a campaign's brand cannot be deleted under it
        gate = Gate(BrandLimits.of(brand))
    groups = session.execute(
        select(CampaignRecipient.time_zones, CampaignRecipient.state,
               CampaignRecipient.not_before, func.count())
        .where(CampaignRecipient.campaign_id == campaign.id,
               CampaignRecipient.status == "queued")
        .group_by(CampaignRecipient.time_zones, CampaignRecipient.state,
                  CampaignRecipient.not_before)).all()
    totals: Counter[str] = Counter()
    by_zone: dict[str, Counter[str]] = {}
    next_due: datetime | None = None
    for zones, state, not_before, count in groups:
        due = not_before if not_before is not None and not_before > now else None
        if due is None:
            decision = gate.decide(zones, state, now)
            due = None if decision.open else decision.until
            waiting = not decision.open
        else:
            waiting = True
        kind = "deferred" if waiting else "in_window"
        totals[kind] += count
        by_zone.setdefault(zones or "unknown", Counter())[kind] += count
        if due is not None and (next_due is None or due < next_due):
            next_due = due
    return {"in_window": totals["in_window"], "deferred": totals["deferred"],
            "next_due": next_due.isoformat() if next_due else None,
            "by_zone": {zone: {"in_window": c["in_window"], "deferred": c["deferred"]}
                        for zone, c in sorted(by_zone.items())}}
