"""What each CSV cell of the ledger export holds: the reference rules, one row at a time.

**Columns.** `HEADER`, fed by `smsgate.audit.query.EXPORT_COLUMNS` (ids and the recorded
time arrive as text, rendered by the database; see there).

**Spreadsheet safety (CSV injection).** Excel, LibreOffice and Google Sheets run a cell
that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some versions, a tab or carriage
return) as a formula. Recipients choose what they text, so raw text and evidence are hostile
input. `neutralise` prefixes such a cell with a single quote ``'`` (OWASP's advice), which
spreadsheets show as text. It also prefixes a cell that already starts with ``'``, so the
rule is reversible: *a cell that starts with ``'`` had exactly one ``'`` added; drop it to
get the stored value* (which is what the entry hash covers). Every cell is treated so,
with one exception: a ``number`` cell matching ``^\\+[1-9][0-9]{1,14}$`` exactly (E.164)
cannot be a formula (``+`` followed by digits only is at worst read as a number), so it is
written as is and stays ``+15551234567``. Any other value there (which only tampering could
put there) is neutralised like every other cell.

**Evidence columns.** ``consent_text``, ``consent_url``, ``ip_address`` and ``user_agent``
come from the entry's evidence JSON object: for each, the first key present (not null)
among `EVIDENCE_KEYS` (a non-string value is written as canonical JSON). ``evidence_json``
is the stored evidence text exactly, so nothing is lost whatever keys a source used.

**Bytes.** `format_row` + `csv.writer` (QUOTE_MINIMAL, ``\\r\\n``) define the bytes of a
row: `render_rows` writes them, and is the export everywhere but PostgreSQL, whose COPY
fast path (`smsgate.audit.pgcopy`) is pinned to it by a differential test.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence

from smsgate.consent.ledger import canonical_json

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
PREFIXED = (*DANGEROUS_PREFIXES, "'")  # "'" too, so that stripping one "'" always undoes it
E164 = re.compile(r"\+[1-9][0-9]{1,14}")  # [0-9], not \d: \d matches other scripts' digits


def neutralise(cell: str) -> str:
    """`cell` made safe to open in a spreadsheet: prefixed with ``'`` if it starts with
    ``= + - @``, tab, carriage return, or ``'`` itself; otherwise unchanged."""
    return "'" + cell if cell.startswith(PREFIXED) else cell


def text_cell(value: str | None) -> str:
    """A stored value as a safe cell: None is blank, anything else neutralised."""
    return "" if value is None else neutralise(value)


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
        cells.append(text_cell(value))
    return cells


def number_cell(value: str | None) -> str:
    """A phone number's cell: an E.164 number as is (a leading + is no formula there),
    anything else defused like any text."""
    return value if value and E164.fullmatch(value) else text_cell(value)


def format_row(row: Sequence[str | None]) -> list[str]:
    """The cells of one CSV record from a row of `EXPORT_COLUMNS` (all text or None)."""
    (entry_id, recorded_at, number, brand, brand_id, scope, action, source, keyword, raw_text,
     message_sid, evidence, api_key_id, entry_hash, prev_hash) = row
    return [
        text_cell(entry_id), text_cell(recorded_at),
        number_cell(number),
        text_cell(brand), text_cell(brand_id), text_cell(scope), text_cell(action),
        text_cell(source), text_cell(keyword), text_cell(raw_text), text_cell(message_sid),
        *evidence_cells(evidence), text_cell(evidence), text_cell(api_key_id),
        text_cell(entry_hash), text_cell(prev_hash),
    ]


def csv_records(records: Iterable[Sequence[str]]) -> str:
    """`records` (each a list of cells) as csv.writer writes them: QUOTE_MINIMAL, each
    record ending ``\\r\\n``."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    return buffer.getvalue()


def render_rows(rows: Iterable[Sequence[str | None]]) -> str:
    """The CSV records of `rows` of `EXPORT_COLUMNS`: the reference bytes of the export."""
    return csv_records(format_row(row) for row in rows)


HEADER_RECORD = csv_records([HEADER])
