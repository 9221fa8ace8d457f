"""The suppression list: the numbers currently opted out of a brand, as CSV, for other tools.

Columns `number,since,source`: the E.164 number, when the opt-out in force was recorded
(UTC ISO 8601, the ledger's time format) and where it came from (the ledger's `source`:
`sms`, `api`, `provider`, `import`; `stopall` for a STOPALL, which opts out of every brand).

A number is listed when its consent state for the brand is an opt-out, or when it has no
state for the brand and its latest STOPALL is in the ledger (a brand created without the
CLI, which extends earlier STOPALLs to new brands, has no state rows for them yet); the
campaign policy refuses both. Rows are in number order; cells follow the ledger export's
spreadsheet rules (`smsgate.audit.cells`), so a number stays a number.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, case, exists, func, literal, select, union_all

from smsgate.audit.cells import csv_records, number_cell, text_cell
from smsgate.consent.ledger import format_time
from smsgate.models import ConsentState, LedgerEntry

HEADER = ("number", "since", "source")
BATCH = 5000  # rows per fetch and per chunk written


def suppression_statement(brand_id: int) -> Select[Any]:
    """number, recorded_at, source of every number opted out of `brand_id`, by number."""
    source = case((LedgerEntry.scope == "all", literal("stopall")), else_=LedgerEntry.source)
    from_state = (select(ConsentState.number, LedgerEntry.recorded_at, source.label("source"))
                  .join(LedgerEntry, LedgerEntry.id == ConsentState.entry_id)
                  .where(ConsentState.brand_id == brand_id, ConsentState.action == "opt_out"))
    latest_stopall = (select(LedgerEntry.number, func.max(LedgerEntry.id).label("id"))
                      .where(LedgerEntry.scope == "all").group_by(LedgerEntry.number)
                      .subquery("latest_stopall"))
    no_state = ~exists().where(and_(ConsentState.number == latest_stopall.c.number,
                                    ConsentState.brand_id == brand_id))
    from_stopall = (select(LedgerEntry.number, LedgerEntry.recorded_at, literal("stopall"))
                    .join(latest_stopall, latest_stopall.c.id == LedgerEntry.id)
                    .where(no_state))
    both = union_all(from_state, from_stopall).subquery("suppressed")
    return select(both.c.number, both.c.recorded_at, both.c.source).order_by(both.c.number)


def open_suppressions(connection: Connection, brand_id: int) -> Iterator[bytes]:
    """Run the query now (so a database error surfaces before a response starts) and return
    a generator of UTF-8 CSV chunks: the header, then `BATCH` rows per chunk."""
    result = connection.execute(suppression_statement(brand_id),
                                execution_options={"yield_per": BATCH})

    def chunks() -> Iterator[bytes]:
        try:
            yield csv_records([HEADER]).encode("utf-8")
            for rows in result.partitions():
                yield csv_records(
                    [number_cell(number),
                     format_time(since), text_cell(source)]
                    for number, since, source in rows).encode("utf-8", "replace")
        finally:
            result.close()

    return chunks()


def download_name(brand_id: int, now: datetime) -> str:
    """The file name offered to a browser, e.g. ``smsgate-suppressions-3-20260131T120000Z.csv``
    (the brand's id, not its name, which may hold any character)."""
    return f"smsgate-suppressions-{brand_id}-{now.strftime('%Y%m%dT%H%M%SZ')}.csv"
