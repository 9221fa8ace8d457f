"""Render export rows to CSV text: exactly `csv.writer(format_row(row))`, but fast.

Why: `csv.writer` plus a Python call per cell costs ~15 µs a row, 8 times what PostgreSQL
needs to stream the same rows; a million-row export would take half a minute. Most cells
are structured values that never need quoting or neutralising, and a run of such cells is
written correctly by simply joining them with commas. `render_rows` proves that with a few
C-level scans over the joined run, and treats the three free-text cells that often do need
work (raw text, evidence, the number when it is not strict E.164) one by one with the same
rules as the csv module and `neutralise`. A row whose structured cells it cannot prove
plain goes through the reference path (`format_row` + `csv.writer`). The output is byte-for-
byte the reference output; tests check that on random rows.

Proofs used:

* The structured cells, each led by a comma, hold no ``"`` CR or LF and exactly one comma
  per cell: none needs quoting (QUOTE_MINIMAL quotes only for ``,`` ``"`` CR and LF).
* No comma in that run is followed by a prefixed character: no cell needs neutralising.
* Evidence without a backslash and without ``"key":`` for any key of `EVIDENCE_KEYS` has
  blank evidence columns (without escapes, such a key is always spelt that way); otherwise
  the columns come from `evidence_cells`, as in the reference.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from smsgate.audit.cells import E164, EVIDENCE_KEYS, PREFIXED, evidence_cells, format_row, text_cell

_EVIDENCE_KEY = re.compile(
    '"(?:' + "|".join(re.escape(name) for names in EVIDENCE_KEYS.values() for name in names)
    + r')"\s*:')
_QUOTE = re.compile(r'[,"\r\n]')
# In a comma-led, comma-joined run of cells: a cell starting with a prefixed character.
# (One regex with a literal lead is ~10x faster here than an alternation or `in` tests.)
_PREFIXED_CELL = re.compile(",[" + re.escape("".join(PREFIXED)) + "]")
_STRUCTURED_COMMAS = 12  # entry_id .. source, keyword, message_sid, api_key_id .. prev_hash


def _field(cell: str) -> str:
    """`cell` as csv.writer writes it in a row of several cells (QUOTE_MINIMAL)."""
    return '"' + cell.replace('"', '""') + '"' if _QUOTE.search(cell) else cell


def render_rows(rows: Iterable[Sequence[str | None]]) -> str:
    """The CSV records (``\\r\\n``-terminated) of `rows` of `EXPORT_COLUMNS`."""
    lines: list[str] = []
    append = lines.append
    for row in rows:
        (entry_id, recorded_at, number, brand, brand_id, scope, action, source, keyword,
         raw_text, message_sid, evidence, api_key_id, entry_hash, prev_hash) = row
        # The structured cells in four runs, in output order around the free-text cells.
        run1 = f"{entry_id or ''},{recorded_at or ''}"
        run2 = (f",{brand or ''},{brand_id or ''},{scope or ''},{action or ''},"
                f"{source or ''},{keyword or ''}")
        run3 = f",{message_sid or ''}"
        run4 = f",{api_key_id or ''},{entry_hash or ''},{prev_hash or ''}"
        structured = "," + run1 + run2 + run3 + run4
        if (structured.count(",") != _STRUCTURED_COMMAS or '"' in structured
                or "\r" in structured or "\n" in structured
                or _PREFIXED_CELL.search(structured)):
            append(reference_record(row))
            continue
        evidence = evidence or ""
        if "\\" in evidence or _EVIDENCE_KEY.search(evidence):
            extracted = ",".join([_field(cell) for cell in evidence_cells(evidence)])
        else:
            extracted = ",,,"
        if not (number and E164.fullmatch(number)):
            number = _field(text_cell(number))
        # neutralise + _field, inlined for the two free-text cells of every row.
        raw_text = raw_text or ""
        if raw_text.startswith(PREFIXED):
            raw_text = "'" + raw_text
        if '"' in raw_text or "," in raw_text or "\r" in raw_text or "\n" in raw_text:
            raw_text = '"' + raw_text.replace('"', '""') + '"'
        if evidence.startswith(PREFIXED):
            evidence = "'" + evidence
        if '"' in evidence or "," in evidence or "\r" in evidence or "\n" in evidence:
            evidence = '"' + evidence.replace('"', '""') + '"'
        append(run1 + "," + number + run2 + "," + raw_text + run3 + "," + extracted + ","
               + evidence + run4 + "\r\n")
    return "".join(lines)


def reference_record(row: Sequence[str | None]) -> str:
    """One CSV record by the reference rules: `format_row` written by `csv.writer`."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(format_row(row))
    return buffer.getvalue()
