"""One number's consent, read from the ledger itself: its state per brand and its history.

The state is derived from the ledger entries (the same rule as an export with ``as_of``
now, see `smsgate.audit.query`), not from the `consent_state` table the gateway keeps for
fast checks, because an auditor's answer must rest on the evidence that the chain protects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smsgate.audit.query import COLUMNS, brand_condition, brands, deciding_ids, entries

HISTORY_LIMIT = 500  # newest entries shown on the page; the CSV export has them all


@dataclass(frozen=True)
class BrandState:
    """The number's consent for one brand, and the entry that decided it."""

    brand: str
    action: str  # "opt_in" | "opt_out"
    entry_id: int
    recorded_at: datetime
    via_stopall: bool  # decided by a STOPALL that came in through any brand


@dataclass(frozen=True)
class NumberReport:
    """What the ledger says about one E.164 number, as a (possibly brand-scoped) key sees it."""

    number: str
    states: list[BrandState]
    history: list[Any]  # rows of `smsgate.audit.query.COLUMNS`, newest first
    total: int  # entries in view; `history` holds at most HISTORY_LIMIT of them

    @property
    def truncated(self) -> bool:
        """True when the history shows only the newest HISTORY_LIMIT entries."""
        return self.total > len(self.history)


def visible_brands(session: Session, brand_id: int | None) -> list[tuple[int, str]]:
    """(id, name) of every brand a key scoped to `brand_id` (None: unscoped) sees, by name."""
    statement = select(brands.c.id, brands.c.name).order_by(brands.c.name)
    if brand_id is not None:
        statement = statement.where(brands.c.id == brand_id)
    return [(row.id, row.name) for row in session.execute(statement)]


def number_report(session: Session, number: str, brand_id: int | None,
                  limit: int = HISTORY_LIMIT) -> NumberReport:
    """Report E.164 `number` as seen by a key scoped to `brand_id` (None: every brand)."""
    joined = select(*COLUMNS).join_from(entries, brands, entries.c.brand_id == brands.c.id)
    deciding = session.execute(
        joined.where(entries.c.id.in_(deciding_ids(None, number, brand_id)))).all()
    stopall = max((row for row in deciding if row.scope == "all"), key=lambda row: row.id,
                  default=None)
    own = {row.brand_id: row for row in deciding if row.scope != "all"}
    states = []
    for visible_id, name in visible_brands(session, brand_id):
        candidates = [row for row in (own.get(visible_id), stopall) if row is not None]
        if candidates:
            row = max(candidates, key=lambda candidate: candidate.id)
            states.append(BrandState(name, row.action, row.id, row.recorded_at,
                                     row.scope == "all"))

    in_view = [entries.c.number == number]
    if brand_id is not None:
        in_view.append(brand_condition(brand_id))
    history = session.execute(joined.where(*in_view).order_by(entries.c.id.desc())
                              .limit(limit)).all()
    total = session.scalar(select(func.count()).select_from(entries).where(*in_view)) or 0
    return NumberReport(number, states, list(history), total)
