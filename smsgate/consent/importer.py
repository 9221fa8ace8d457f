"""Consent lists moved in from another platform: a CSV file, checked row by row, in chunks.

The file has a header row naming its columns: `number` and `action` (`opt_in` or
`opt_out`) are required; `time`, `consent_text`, `url`, `form_id`, `ip` and `user_agent`
are the evidence (an opt-in needs the same evidence as over the API, `time` included, and
may not predate the number's latest opt-out). Any other column is refused before a row is
read, so a misspelt evidence column never silently drops evidence.

Each chunk is checked first; the rows that fail are refused with their line number and
reason, and the others are appended together (`source` `import`) by one
`ledger.append_many`, which flushes: the edge commits each chunk once, so a chunk is
recorded whole or not at all. Imported opt-ins are consent already gathered (and, where
the old platform asked for it, confirmed), so a double-opt-in brand's import sends no
confirmation requests.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy.orm import Session

from smsgate.consent import ledger
from smsgate.consent.service import check_entry, predating_opt_outs
from smsgate.errors import Conflict, InvalidInput
from smsgate.models import Brand

REQUIRED = ("number", "action")
EVIDENCE = ("time", "consent_text", "url", "form_id", "ip", "user_agent")
CHUNK_ROWS = 5000  # rows per transaction: the chain head is held while one is appended


@dataclass(frozen=True)
class Row:
    """One record of the file: its (last) line number, and its cells by column or why it
    could not be read."""

    line: int
    cells: dict[str, str] | None
    problem: str | None = None


@dataclass(frozen=True)
class Refusal:
    """A row that was not imported, and why."""

    line: int
    reason: str


@dataclass
class ChunkResult:
    """What `import_chunk` appended (entry count) and refused."""

    recorded: int = 0
    refused: list[Refusal] = field(default_factory=list)


class ImportRaced(Conflict):
    """An opt-out committed between a chunk's check and its append made one of its opt-ins
    predate it: the edge rolls the chunk back and imports it again."""


def read_chunks(file: TextIO, rows_per_chunk: int = CHUNK_ROWS) -> Iterator[list[Row]]:
    """The file's records after its header, `rows_per_chunk` at a time; InvalidInput when
    the header is missing a required column or names one this importer does not know."""
    reader = csv.reader(file)
    header = [name.strip().lower() for name in next(reader, [])]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]  # a byte order mark spreadsheets write
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in (*REQUIRED, *EVIDENCE)]
    if missing or unknown or len(set(header)) != len(header):
        raise InvalidInput(
            f"the header must name number and action, and may add {', '.join(EVIDENCE)} "
            f"(each once); missing: {', '.join(missing) or '-'}, "
            f"unknown: {', '.join(unknown) or '-'}", code="invalid_header")
    chunk: list[Row] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, as spreadsheets leave at the end
        if len(cells) != len(header):
            chunk.append(Row(reader.line_num, None,
                             f"{len(cells)} cells where the header has {len(header)}"))
        else:
            chunk.append(Row(reader.line_num, dict(zip(header, cells, strict=True))))
        if len(chunk) >= rows_per_chunk:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_chunk(session: Session, brand: Brand, rows: Sequence[Row], *,
                 pseudonym_key: str) -> ChunkResult:
    """Check `rows`, refuse the bad ones, append the rest in file order; flush, no commit.
    `pseudonym_key` finds erased numbers, whose erasure counts as an opt-out.

    Raises ImportRaced (the caller rolls back and calls again) when an opt-out recorded
    meanwhile makes an opt-in of the chunk predate it.
    """
    result = ChunkResult()
    head_before = ledger.head_id(session)
    records: list[ledger.ConsentRecord] = []
    times = []
    lines: list[int] = []
    for row in rows:
        if row.cells is None:
            result.refused.append(Refusal(row.line, row.problem or "unreadable"))
            continue
        entry = {"number": row.cells["number"], "action": row.cells["action"].strip(),
                 "evidence": {name: row.cells[name] for name in EVIDENCE
                              if row.cells.get(name, "").strip()}}
        try:
            record, when = check_entry(entry, brand.id, "import", None)
        except (TypeError, ValueError) as exc:
            result.refused.append(Refusal(row.line, str(exc)))
            continue
        records.append(record)
        times.append(when)
        lines.append(row.line)
    late = {problem.index for problem in predating_opt_outs(session, brand.id, records, times,
                                                             pseudonym_key)}
    for index in sorted(late):
        result.refused.append(Refusal(lines[index], "consent_predates_opt_out: the number "
                                                    "opted out after this consent"))
    kept = [record for index, record in enumerate(records) if index not in late]
    kept_times = [when for index, when in enumerate(times) if index not in late]

    def still_none_predates(locked: Session) -> None:
        head = ledger.head_id(locked)
        if head == head_before + len(kept):
            return  # nothing was appended since the check above: it still holds
        if predating_opt_outs(locked, brand.id, kept, kept_times, pseudonym_key):
            raise ImportRaced("an opt-out arrived while this chunk was checked; retry it")

    result.recorded = len(ledger.append_many(session, kept, check=still_none_predates))
    result.refused.sort(key=lambda refusal: refusal.line)
    return result
