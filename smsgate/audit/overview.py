"""The auditor's overview: consent changes per day, brand, source and action over the last
90 days, and the latest opt-outs.

The counts are one GROUP BY in the database over the `recorded_at` index's range, so the
page reads a few hundred rows however large the ledger is. Days are UTC days. A key scoped
to a brand sees that brand's entries and every STOPALL (they apply to it too: the export's
rule, `smsgate.audit.query.brand_condition`), all counted under its brand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from smsgate.audit.query import brand_condition, brands, entries
from smsgate.messaging.numbers import mask_number

WINDOW_DAYS = 90
RECENT_OPT_OUTS = 20


class utc_day(FunctionElement[date]):
    """A UTC timestamp column's day, computed by the database."""

    type = Date()
    inherit_cache = True


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # A cast, not to_char: half the time over 750,000 rows (docs/benchmarks.md).
    return f"CAST({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC' AS DATE)"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # UTCDateTime stores naive UTC text: "2026-01-31 12:00:00.000000".
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@dataclass(frozen=True)
class DayCount:
    """How many entries of one brand, source and action were recorded on one UTC day."""

    day: date
    brand: str
    source: str
    action: str  # "opt_in" | "opt_out"
    count: int


@dataclass(frozen=True)
class RecentOptOut:
    """One opt-out as the overview lists it: the number masked, never in full."""

    entry_id: int
    recorded_at: datetime
    masked_number: str
    brand: str
    all_brands: bool  # a STOPALL
    source: str
    keyword: str | None


def window(today: date) -> tuple[date, date]:
    """The first and last day of the 90 days ending with `today`."""
    return today - timedelta(days=WINDOW_DAYS - 1), today


def daily_counts(session: Session, brand_id: int | None, today: date) -> list[DayCount]:
    """Per UTC day of the window, brand, source and action: the number of entries.

    Grouped by brand id without a join (brand names are looked up once afterwards): half
    the time on PostgreSQL over a large window.
    """
    first, _ = window(today)
    day = utc_day(entries.c.recorded_at)
    statement = (select(day.label("day"), entries.c.source, entries.c.action,
                        func.count().label("changes"))
                 .where(entries.c.recorded_at >= datetime.combine(first, time(), tzinfo=UTC),
                        # reviews and their "none" decisions are not consent changes
                        entries.c.action.in_(("opt_in", "opt_out")))
                 .group_by(day, entries.c.source, entries.c.action))
    if brand_id is None:
        statement = statement.add_columns(entries.c.brand_id).group_by(entries.c.brand_id)
    else:  # everything this key sees concerns its brand (STOPALLs included)
        statement = statement.add_columns(literal(brand_id).label("brand_id")) \
            .where(brand_condition(brand_id))
    names = {row.id: row.name for row in session.execute(select(brands.c.id, brands.c.name))}
    return [DayCount(row.day, names[row.brand_id], row.source, row.action, row.changes)
            for row in session.execute(statement)]


def recent_opt_outs(session: Session, brand_id: int | None,
                    limit: int = RECENT_OPT_OUTS) -> list[RecentOptOut]:
    """The newest opt-outs this key may see, newest first."""
    statement = (select(entries.c.id, entries.c.recorded_at, entries.c.number,
                        brands.c.name, entries.c.scope, entries.c.source, entries.c.keyword)
                 .join_from(entries, brands, entries.c.brand_id == brands.c.id)
                 .where(entries.c.action == "opt_out")
                 .order_by(entries.c.id.desc()).limit(limit))
    if brand_id is not None:
        statement = statement.where(brand_condition(brand_id))
    return [RecentOptOut(row.id, row.recorded_at, mask_number(row.number), row.name,
                         row.scope == "all", row.source, row.keyword)
            for row in session.execute(statement)]
