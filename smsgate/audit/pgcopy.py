"""The export on PostgreSQL: the database writes the CSV (``COPY ... TO STDOUT``).

Why: rendering rows in Python (`cells.render_rows`) costs the web worker several times what
PostgreSQL needs to send them (docs/benchmarks.md). With COPY the database quotes and
neutralises the cells in C, on its own CPU; the worker reads whole rows as bytes and checks
a batch of them at once with a few C-level scans.

COPY's CSV and ours (`smsgate.audit.cells.format_row` + ``csv.writer``) agree on quoting
(a cell is quoted when it holds ``,`` ``"`` CR or LF, with ``"`` doubled). The other rules are
mirrored in the query, each from its Python original:

* **Neutralising** (`cells.neutralise`): a cell whose first code point (``ascii()``, far
  cheaper per cell than a regex) is in `cells.PREFIXED` gets a leading ``'``. The recorded
  time needs none (the database writes it, digits first). An integer's text can only
  start with ``-``.
* **Blank cells**: COPY writes NULL as nothing but an empty string as ``""``; csv.writer writes
  both as nothing, so text cells go through ``nullif(..., '')``.
* **Evidence columns** (`cells.evidence_cells`). Evidence that is a flat JSON object of plain
  strings or nulls (no backslash, no control character: what consent evidence normally is)
  can be cast to jsonb safely, and its columns read with ``->>`` in `EVIDENCE_KEYS` order
  (jsonb keeps the last of duplicate keys, as ``json.loads`` does). Evidence that cannot
  name a key (see `KEY_NEEDLES`) has blank columns. Any other evidence
  (escapes, numbers, nested values, not JSON at all: unusual API evidence, or tampering) is
  left to Python: the row is sent as `FALLBACK_MARK` and its raw columns as a JSON array,
  and rendered by the reference path.

Two rules are checked here instead, per batch, because a regex per row costs the database
more than a scan of the batch costs us:

* **Numbers** are sent as stored. A strict E.164 number (`cells.E164`) stays as it is; when
  every row of a batch has one (one regex count), the batch is done; otherwise its rows are
  checked one by one and any other number neutralised.
* **Line ends**: COPY ends a row with LF, ours with CRLF; an LF inside a cell stays. Each
  COPY message is exactly one row, so the row ends are known without parsing.

The rows are read with psycopg's public `Copy` iteration, one COPY message (one row) each.
Tests compare this path with the reference on random rows, byte for byte, on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

import psycopg
from sqlalchemy import Connection

from smsgate.audit.cells import (
    E164,
    EVIDENCE_KEYS,
    HEADER_RECORD,
    PREFIXED,
    csv_records,
    neutralise,
    render_rows,
)
from smsgate.audit.query import AnySelect, entries

# The export statement's columns, relabelled (the integer entry id is added as ``seq``).
_RAW = [f"c{i}" for i in range(15)]
_INTEGER_COLUMNS = {"c0", "c4", "c12"}
RECORDED_AT_CELL, NUMBER_CELL = 1, 2
# No rendered row starts with it: c0 is an integer's text, neutralised as "'-" if negative.
FALLBACK_MARK = b"'!"
_PREFIX_CODES = ", ".join(str(ord(char)) for char in PREFIXED)
_PLAIN = r'[^"\\[:cntrl:]]*'  # a JSON string's content with nothing to unescape
_FLAT_OBJECT = rf'^\{{("{_PLAIN}":("{_PLAIN}"|null)(,"{_PLAIN}":("{_PLAIN}"|null))*)?\}}$'

# A row starting with a strict E.164 number in third place (the first cell an id, the
# second the recorded time, which never holds a quote or a comma).
_E164_ROW = re.compile(rb'[0-9]+,[^,\n"]*,' + E164.pattern.encode() + rb",")
_E164_ROW_START = re.compile(rb"\n" + _E164_ROW.pattern)


# A key can only be named by spelling it in quotes, or with an escape (a backslash): every
# quoted key contains one of these (a test checks). strpos is far cheaper per row than a
# regex; evidence that only seems to name a key is still read correctly (blank columns).
KEY_NEEDLES = ("\\", '"consent_', 'url"', '"form"', '"disclosure"', '"terms"', '"ip',
               '"remote_addr"', '"user_agent"', '"ua"')


def _literal(text: str) -> str:
    """`text` as an SQL string literal (standard_conforming_strings: only ' is special);
    ``%`` doubled because psycopg reads the statement as a format string."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _safe(expression: str) -> str:
    """SQL for `expression` as a neutralised cell, NULL when blank."""
    return (f"nullif(CASE WHEN ascii({expression}) IN ({_PREFIX_CODES}) "
            f"THEN '''' || {expression} ELSE {expression} END, '')")


def _cell(column: str) -> str:
    if column in _INTEGER_COLUMNS:
        return f"CASE WHEN ascii({column}) = 45 THEN '''' || {column} ELSE {column} END"
    if column == _RAW[RECORDED_AT_CELL]:
        return column
    if column == _RAW[NUMBER_CELL]:
        return f"nullif({column}, '')"  # checked in render_batch
    return _safe(column)


def copy_sql(inner_sql: str) -> str:
    """The COPY statement for `inner_sql` (columns c0..c14 as in `EXPORT_COLUMNS`, and the
    integer entry id as ``seq``): its rows as CSV records, evidence columns included."""
    # ev, per row: NULL when the evidence cannot name a key (blank columns), the parsed
    # evidence when the database can read it, and the number 0 when Python must (fallback).
    may_name_a_key = " OR ".join(f"strpos(c11, {_literal(needle)}) > 0"
                                 for needle in KEY_NEEDLES)
    fallback = "ev = '0'::jsonb"
    cells = [
        f"CASE WHEN {fallback} THEN {_literal(FALLBACK_MARK.decode())} ELSE {_cell('c0')} END",
        (f"CASE WHEN {fallback} THEN json_build_array({', '.join(_RAW)})::text "
         f"ELSE {_cell('c1')} END"),
        *(_cell(column) for column in _RAW[2:11]),
        *(_safe("coalesce(" + ", ".join(f"ev ->> {_literal(name)}" for name in names) + ")")
          for names in EVIDENCE_KEYS.values()),
        *(_cell(column) for column in _RAW[11:15]),
    ]
    # OFFSET 0 keeps the subquery from being merged into the outer query, so that each row's
    # evidence is tested and parsed once rather than once per reference to ev; ORDER BY seq
    # in it lets the planner see that its rows already come in the order of the outer one.
    return f"""COPY (
SELECT {', '.join(cells)}
FROM (
    SELECT *, CASE WHEN {may_name_a_key}
                   THEN CASE WHEN c11 ~ {_literal(_FLAT_OBJECT)} THEN c11::jsonb
                             ELSE '0'::jsonb END END AS ev
    FROM ({inner_sql}) AS export_rows
    ORDER BY seq OFFSET 0
) AS parsed
ORDER BY seq
) TO STDOUT (FORMAT csv)"""


def open_copy(connection: Connection, statement: AnySelect, *, batch: int,
              on_rows: Callable[[int], None] | None) -> Iterator[bytes]:
    """Start the COPY for `statement` (the export statement) in `connection`'s transaction
    and return a generator of UTF-8 CSV chunks, header first. The COPY has started (and any
    database error been raised) when this returns."""
    labelled = statement.with_only_columns(
        *(column.label(name) for column, name in zip(statement.selected_columns, _RAW,
                                                     strict=True)),
        entries.c.id.label("seq"))
    compiled = labelled.compile(dialect=connection.dialect,
                                compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
        if process is not None and name in params:
            params[name] = process(params[name])
    chunks = copy_chunks(connection, copy_sql(compiled.string), params, batch, on_rows)
    header = next(chunks)  # runs the generator up to the COPY's start
    return _prepend(header, chunks)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest  # closing this closes `rest`, which cancels an unfinished COPY


def copy_chunks(connection: Connection, sql: str, params: Mapping[str, Any], batch: int,
                on_rows: Callable[[int], None] | None) -> Iterator[bytes]:
    """Run the COPY `sql` and yield the header, then each `batch` rows as one chunk. A
    database error mid-COPY is raised here; closing the generator early cancels the COPY."""
    if not connection.in_transaction():
        connection.begin()  # so that SQLAlchemy rolls back what the driver starts here
    driver = cast("psycopg.Connection[Any]", connection.connection.driver_connection)
    with driver.cursor() as cursor, cursor.copy(sql, params) as copy:
        yield HEADER_RECORD.encode("utf-8")
        rows: list[bytes] = []
        for data in copy:  # one COPY message, one row
            rows.append(bytes(data))  # bytes, unlike a memoryview, are not scanned by the GC
            if len(rows) >= batch:
                yield render_batch(rows)
                if on_rows is not None:
                    on_rows(len(rows))
                rows = []
        if rows:
            yield render_batch(rows)
            if on_rows is not None:
                on_rows(len(rows))


def render_batch(rows: list[bytes]) -> bytes:
    """COPY rows (bytes-like, each ending LF) as our CSV records (each ending CRLF)."""
    block = b"\n" + b"".join(rows)
    # With no LF inside a cell every LF starts a row, and a row matches at most once: as
    # many matches as rows means every number is strict E.164, to be kept as it is.
    if (block.count(b"\n") == len(rows) + 1 and b"\n" + FALLBACK_MARK not in block
            and len(_E164_ROW_START.findall(block)) == len(rows)):
        return block[1:].replace(b"\n", b"\r\n")
    return b"".join([_record(row) for row in rows])


def _record(row: bytes) -> bytes:
    """One COPY row as our CSV record, checked on its own."""
    if _E164_ROW.match(row):
        return row[:-1] + b"\r\n"
    cells = next(csv.reader(io.StringIO(row.decode("utf-8"), newline="")))
    if cells[0] == FALLBACK_MARK.decode():
        return render_rows([json.loads(cells[1])]).encode("utf-8", "replace")
    if not E164.fullmatch(cells[NUMBER_CELL]):
        cells[NUMBER_CELL] = neutralise(cells[NUMBER_CELL])  # the one cell sent as stored
    return csv_records([cells]).encode("utf-8")
