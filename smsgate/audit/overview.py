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

from sqlalchemy import ColumnElement, Text, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from smsgate.audit.query import brand_condition, brands, entries
from smsgate.messaging.numbers import mask_number

WINDOW_DAYS = 90
RECENT_OPT_OUTS = 20


class utc_day(FunctionElement[str]):
    """A UTC timestamp column's day as 'YYYY-MM-DD', computed by the database."""

    type = Text()
    inherit_cache = True


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


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
    """Per UTC day of the window, brand, source and action: the number of entries."""
    first, _ = window(today)
    day = utc_day(entries.c.recorded_at)
    brand: ColumnElement[str] = brands.c.name if brand_id is None else literal(
        session.execute(select(brands.c.name).where(brands.c.id == brand_id)).scalar_one())
    statement = (select(day.label("day"), brand.label("brand"), entries.c.source,
                        entries.c.action, func.count().label("changes"))
                 .where(entries.c.recorded_at >= datetime.combine(first, time(), tzinfo=UTC)))
    if brand_id is None:
        statement = statement.join_from(entries, brands, entries.c.brand_id == brands.c.id)
        statement = statement.group_by(day, brands.c.name, entries.c.source, entries.c.action)
    else:
        statement = statement.where(brand_condition(brand_id)).group_by(
            day, entries.c.source, entries.c.action)
    return [DayCount(date.fromisoformat(row.day), row.brand, row.source, row.action, row.changes)
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
