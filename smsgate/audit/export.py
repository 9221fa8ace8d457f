"""The consent ledger as CSV: RFC 4180, UTF-8, a header row, streamed in chunks.

One generator serves `GET /api/v1/ledger.csv`, the audit page and `smsgate ledger export`,
so all three write the same bytes for the same filters. Rows come from a ``yield_per``
query (a server-side cursor on PostgreSQL) and are rendered a batch at a time into one
reused buffer, so memory stays flat whatever the size of the ledger.

**Spreadsheet safety (CSV injection).** Excel, LibreOffice and Google Sheets run a cell
that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some versions, a tab or carriage
return) as a formula. Recipients choose what they text, so raw text and evidence are hostile
input. `neutralise` prefixes such a cell with a single quote ``'`` (OWASP's advice), which
spreadsheets show as text. It also prefixes a cell that already starts with ``'``, so the
rule is reversible: *a cell that starts with ``'`` had exactly one ``'`` added; drop it to
get the stored value* (which is what the entry hash covers). The ``number`` column is the
one exception: a cell matching ``^\\+[1-9][0-9]{1,14}$`` exactly (E.164) cannot be a formula
(``+`` followed by digits only is at worst read as a number), so it is written as is and
stays ``+15551234567``. Any other value there (which only tampering could put there) is
neutralised like every other cell.

**Evidence columns.** ``consent_text``, ``consent_url``, ``ip_address`` and ``user_agent``
come from the entry's evidence JSON: the first key present among `EVIDENCE_KEYS` (a
non-string value is written as canonical JSON). ``evidence_json`` is the stored evidence
text exactly, so nothing is lost whatever keys a source used.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Result, func, select
from sqlalchemy.orm import Session

from smsgate.audit.filters import ExportFilters
from smsgate.audit.query import export_statement
from smsgate.consent.ledger import canonical_json, format_time

HEADER = (
    "entry_id", "recorded_at", "number", "brand", "brand_id", "scope", "action", "source",
    "keyword", "raw_text", "message_sid", "consent_text", "consent_url", "ip_address",
    "user_agent", "evidence_json", "api_key_id", "entry_hash", "prev_hash",
)

# Evidence keys each column is read from, first match wins (sources name them differently).
EVIDENCE_KEYS = {
    "consent_text": ("consent_text", "consent_language", "disclosure", "terms"),
    "consent_url": ("url", "consent_url", "form_url", "page_url", "form"),
    "ip_address": ("ip", "ip_address", "remote_addr"),
    "user_agent": ("user_agent", "ua"),
}

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PREFIXED = (*DANGEROUS_PREFIXES, "'")  # "'" too, so that stripping one "'" always undoes it
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")  # [0-9], not \d: \d matches other scripts' digits
EXPORT_BATCH = 5000  # rows per database fetch and per chunk written


def neutralise(cell: str) -> str:
    """`cell` made safe to open in a spreadsheet: prefixed with ``'`` if it starts with
    ``= + - @``, tab, carriage return, or ``'`` itself; otherwise unchanged."""
    return "'" + cell if cell.startswith(_PREFIXED) else cell


def _text(value: Any) -> str:
    return "" if value is None else neutralise(value if isinstance(value, str) else str(value))


def evidence_cells(evidence: str | None) -> list[str]:
    """The four evidence columns read from the stored evidence JSON (blank when absent)."""
    try:
        parsed = json.loads(evidence) if evidence else None
    except ValueError:
        parsed = None  # not JSON (only tampering could do this): evidence_json still has it
    if not isinstance(parsed, dict) or not parsed:
        return ["", "", "", ""]
    cells = []
    for names in EVIDENCE_KEYS.values():
        value = next((parsed[name] for name in names if parsed.get(name) is not None), None)
        if value is not None and not isinstance(value, str):
            value = canonical_json(value)
        cells.append(_text(value))
    return cells


def format_row(row: Sequence[Any]) -> list[Any]:
    """One CSV record from a row of `smsgate.audit.query.COLUMNS`, every cell made safe."""
    (entry_id, recorded_at, number, brand, brand_id, scope, action, source, keyword, raw_text,
     message_sid, evidence, api_key_id, entry_hash, prev_hash) = row
    return [
        entry_id, format_time(recorded_at),
        number if number and _E164.fullmatch(number) else _text(number),
        _text(brand), brand_id, _text(scope), _text(action), _text(source), _text(keyword),
        _text(raw_text), _text(message_sid), *evidence_cells(evidence), _text(evidence),
        api_key_id, _text(entry_hash), _text(prev_hash),
    ]


def open_export(bind: Session | Connection, filters: ExportFilters, brand_id: int | None, *,
                on_rows: Callable[[int], None] | None = None,
                batch: int = EXPORT_BATCH) -> Iterator[bytes]:
    """Run the export query on `bind` now and return a generator of UTF-8 CSV chunks.

    The query is executed before this returns, so a database error surfaces here (as a
    proper error response) rather than halfway through a download. `bind`'s transaction must
    stay open until the generator is done (the rows stream from a server-side cursor on
    PostgreSQL). The generator closes the cursor when exhausted or closed early (a client
    that hangs up). `on_rows(n)` is called after each chunk with the number of rows in it.
    """
    result = bind.execute(export_statement(filters, brand_id),
                          execution_options={"yield_per": batch})
    return _chunks(result, on_rows)


def _chunks(result: Result, on_rows: Callable[[int], None] | None) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # QUOTE_MINIMAL: RFC 4180 quoting
    try:
        writer.writerow(HEADER)
        yield _drain(buffer)
        for rows in result.partitions():
            writer.writerows(map(format_row, rows))
            yield _drain(buffer)
            if on_rows is not None:
                on_rows(len(rows))
    finally:
        result.close()


def _drain(buffer: io.StringIO) -> bytes:
    # "replace" only matters for a lone surrogate, which UTF-8 cannot carry: a visible U+FFFD
    # beats aborting a download halfway through.
    data = buffer.getvalue().encode("utf-8", "replace")
    buffer.seek(0)
    buffer.truncate()
    return data


def count_rows(session: Session, filters: ExportFilters, brand_id: int | None) -> int:
    """How many rows the export will have (for a progress bar)."""
    statement = export_statement(filters, brand_id).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(statement)) or 0


def download_name(now: datetime) -> str:
    """The file name offered to a browser, e.g. ``smsgate-ledger-20260131T120000Z.csv``."""
    return f"smsgate-ledger-{now.strftime('%Y%m%dT%H%M%SZ')}.csv"
