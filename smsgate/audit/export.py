"""The consent ledger as CSV: RFC 4180, UTF-8, a header row, streamed in chunks.

One generator serves `GET /api/v1/ledger.csv`, the audit page and `smsgate ledger export`,
so all three write the same bytes for the same filters. The reference renderer is
`smsgate.audit.cells.render_rows` (``csv.writer`` over `cells.format_row`), fed by a
``yield_per`` query; on PostgreSQL the database writes the same bytes itself
(`smsgate.audit.pgcopy`, COPY TO STDOUT), the one fast path. Either way a batch becomes
one chunk, so memory stays flat whatever the size of the ledger. What each cell holds,
and how cells are made spreadsheet-safe: `smsgate.audit.cells`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Result, func, select
from sqlalchemy.orm import Session

from smsgate.audit.cells import HEADER_RECORD, render_rows
from smsgate.audit.filters import ExportFilters
from smsgate.audit.pgcopy import open_copy
from smsgate.audit.query import export_statement

EXPORT_BATCH = 5000  # rows per database fetch and per chunk written


def open_export(bind: Session | Connection, filters: ExportFilters, brand_id: int | None, *,
                on_rows: Callable[[int], None] | None = None,
                batch: int = EXPORT_BATCH) -> Iterator[bytes]:
    """Run the export query on `bind` now and return a generator of UTF-8 CSV chunks.

    The query is executed before this returns, so a database error surfaces here (as a
    proper error response) rather than halfway through a download. `bind`'s transaction must
    stay open until the generator is done (the rows stream from a COPY on PostgreSQL, a
    cursor elsewhere). The generator ends the COPY or closes the cursor when exhausted or
    closed early (a client that hangs up). `on_rows(n)` is called after each chunk with the
    number of rows in it.
    """
    statement = export_statement(filters, brand_id)
    connection = bind if isinstance(bind, Connection) else bind.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        return open_copy(connection, statement, batch=batch, on_rows=on_rows)
    result = bind.execute(statement, execution_options={"yield_per": batch})
    return _chunks(result, on_rows)


def _chunks(result: Result[Any], on_rows: Callable[[int], None] | None) -> Iterator[bytes]:
    """The header, then each partition of `result` rendered by the reference rules."""
    try:
        yield HEADER_RECORD.encode("utf-8")
        for rows in result.partitions():
            # "replace" only matters for a lone surrogate, which UTF-8 cannot carry: a
            # visible U+FFFD beats aborting a download halfway through.
            yield render_rows(rows).encode("utf-8", "replace")
            if on_rows is not None:
                on_rows(len(rows))
    finally:
        result.close()


def count_rows(session: Session, filters: ExportFilters, brand_id: int | None) -> int:
    """How many rows the export will have (for a progress bar)."""
    statement = export_statement(filters, brand_id).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(statement)) or 0


def download_name(now: datetime) -> str:
    """The file name offered to a browser, e.g. ``smsgate-ledger-20260131T120000Z.csv``."""
    return f"smsgate-ledger-{now.strftime('%Y%m%dT%H%M%SZ')}.csv"
