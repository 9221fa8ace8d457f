"""The one SQL statement behind an export: the entries a filter selects, in chain order.

Plain Core over the tables (not ORM entities), so rows come back as light tuples and the
caller can stream them with ``yield_per`` (a server-side cursor on PostgreSQL).

**as_of** -- the state of consent as it stood at a moment. Only entries recorded at or
before that moment count. For each (number, brand) the *deciding* entry is the latest of

* that brand's own latest entry for the number (``scope == "brand"``), and
* the number's latest STOPALL entry (``scope == "all"``, whichever brand it came in
  through), which applies to every brand, brands created after it included;

"latest" meaning the highest entry id (chain position). The chain order is the order in
which consent state was applied; ids and recorded times agree except within the
microseconds two appends race over the chain head. The export lists each deciding entry
once (a STOPALL that decides several brands appears once), in chain order; its action is
the number's state for those brands at that moment. A (number, brand) without any entry
has no consent (and no row). With ``brand`` (or a brand-scoped key), only that brand's
deciding entries are listed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    Text,
    and_,
    cast,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from smsgate.audit.filters import ExportFilters
from smsgate.models import Brand, LedgerEntry

entries = LedgerEntry.__table__
brands = Brand.__table__

# An entry with its brand's name, typed (for the audit page).
COLUMNS = (
    entries.c.id, entries.c.recorded_at, entries.c.number, brands.c.name.label("brand"),
    entries.c.brand_id, entries.c.scope, entries.c.action, entries.c.source, entries.c.keyword,
    entries.c.raw_text, entries.c.message_sid, entries.c.evidence, entries.c.api_key_id,
    entries.c.entry_hash, entries.c.prev_hash, entries.c.digests,
)


# A select of any columns (the export's has 15, more than SQLAlchemy's typed overloads).
AnySelect = Select[*tuple[Any, ...]]


class utc_iso(FunctionElement[str]):
    """A UTC timestamp column as ``ledger.format_time`` writes it, rendered by the database
    (2026-01-31T12:00:00.000000+00:00): parsing and formatting a million datetimes in
    Python would cost more than the rest of an export row."""

    type = Text()
    inherit_cache = True


@compiles(utc_iso, "postgresql")
def _utc_iso_postgresql(element: utc_iso, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""


@compiles(utc_iso, "sqlite")
def _utc_iso_sqlite(element: utc_iso, compiler: SQLCompiler, **kw: Any) -> str:
    # UTCDateTime stores naive UTC text, always with six fraction digits:
    # "2026-01-31 12:00:00.000000".
    return f"replace({compiler.process(element.clauses, **kw)}, ' ', 'T') || '+00:00'"


# The export's columns, all as text (the CSV is text; the database converts in C), in the
# order `smsgate.audit.cells.format_row` reads them.
EXPORT_COLUMNS = (
    cast(entries.c.id, Text), utc_iso(entries.c.recorded_at), entries.c.number,
    brands.c.name, cast(entries.c.brand_id, Text), entries.c.scope, entries.c.action,
    entries.c.source, entries.c.keyword, entries.c.raw_text, entries.c.message_sid,
    entries.c.evidence, cast(entries.c.api_key_id, Text), entries.c.entry_hash,
    entries.c.prev_hash,
)


def brand_condition(brand_id: int) -> ColumnElement[bool]:
    """Entries that concern `brand_id`: its own, and every STOPALL."""
    return or_(entries.c.brand_id == brand_id, entries.c.scope == "all")


def export_statement(filters: ExportFilters, brand_id: int | None) -> AnySelect:
    """The rows to export for `filters`, seen as `brand_id` (None: every brand), by id."""
    # Outer: an erasure entry has no brand, and the export lists every entry.
    statement = select(*EXPORT_COLUMNS).join_from(entries, brands,
                                                  entries.c.brand_id == brands.c.id,
                                                  isouter=True)
    if filters.as_of:
        statement = statement.where(
            entries.c.id.in_(deciding_ids(filters.as_of_before, filters.number, brand_id)))
    else:
        if brand_id is not None:
            statement = statement.where(brand_condition(brand_id))
        if filters.number is not None:
            statement = statement.where(entries.c.number == filters.number)
        if filters.since is not None:
            statement = statement.where(entries.c.recorded_at >= filters.since)
        if filters.before is not None:
            statement = statement.where(entries.c.recorded_at < filters.before)
    return statement.order_by(entries.c.id)


def deciding_ids(before: datetime | None, number: str | None,
                 brand_id: int | None) -> CompoundSelect[*tuple[Any, ...]]:
    """A select of the ids of the deciding entries (see the module docstring).

    `before`: count only entries recorded before it (None: all of them, i.e. now).
    """
    # Erased entries (no number) decide nothing: the number is gone from them.
    seen: list[ColumnElement[bool]] = [entries.c.number.is_not(None)]
    if before is not None:
        seen.append(entries.c.recorded_at < before)
    if number is not None:
        seen.append(entries.c.number == number)
    own_entries = select(entries.c.number, entries.c.brand_id, func.max(entries.c.id).label("id")
                         ).where(*seen, entries.c.scope == "brand")
    if brand_id is not None:
        own_entries = own_entries.where(entries.c.brand_id == brand_id)
    own = own_entries.group_by(entries.c.number, entries.c.brand_id).cte("own_latest")
    stopall = select(entries.c.number, func.max(entries.c.id).label("id")) \
        .where(*seen, entries.c.scope == "all").group_by(entries.c.number).cte("stopall_latest")

    # A brand's own latest entry decides unless a later STOPALL overrides it.
    own_deciding = select(own.c.id).join_from(
        own, stopall, own.c.number == stopall.c.number, isouter=True,
    ).where(or_(stopall.c.id.is_(None), own.c.id > stopall.c.id))
    # The latest STOPALL decides for every brand that has no later entry of its own, so it
    # is listed unless each brand in view has one.
    brands_in_view = 1 if brand_id is not None \
        else select(func.count()).select_from(brands).scalar_subquery()
    overridden_in = select(func.count()).select_from(own).where(
        and_(own.c.number == stopall.c.number, own.c.id > stopall.c.id)).scalar_subquery()
    stopall_deciding = select(stopall.c.id).where(overridden_in < brands_in_view)
    return union_all(own_deciding, stopall_deciding)
