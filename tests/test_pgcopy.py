"""PostgreSQL's COPY renders the export exactly as the reference path (`cells.render_rows`:
format_row + csv.writer).

The rows are handed to the COPY statement through `json_to_recordset` rather than stored,
so hypothesis can try thousands of hostile rows (formula prefixes, quotes, line breaks,
evidence of every shape) without touching the chain. PostgreSQL only; on SQLite the export
never takes this path.
"""

from __future__ import annotations

import json
from datetime import UTC

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsgate.audit import pgcopy
from smsgate.audit.cells import EVIDENCE_KEYS, HEADER_RECORD, render_rows
from smsgate.consent.ledger import format_time
from smsgate.extensions import db

# PostgreSQL text holds neither NUL nor lone surrogates, so neither can reach an export.
STORABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TRICKY = st.text(alphabet=st.sampled_from(list(',"\r\n=+-@\t\'\\ {}:!aZ09é') + ["\u2028"]),
                 max_size=12)
TEXT = st.one_of(TRICKY, st.text(STORABLE, max_size=20))
MAYBE = st.one_of(st.none(), TEXT)
NUMBER = st.one_of(st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True), MAYBE,
                   st.sampled_from(["+0123", "+1", "+١٢٣٤٥", "+1234567890123456",
                                    "+15551234567\n", "=1+2"]))
KEYS = ["consent_text", "consent_language", "url", "form", "ip", "remote_addr", "user_agent",
        "ua", "to", "terms", "time"]
VALUE = st.one_of(st.none(), TEXT, st.integers(), st.booleans(), st.lists(TEXT, max_size=2))
EVIDENCE = st.one_of(
    MAYBE,
    st.dictionaries(st.sampled_from(KEYS), VALUE, max_size=4).map(
        lambda d: json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)),
    st.sampled_from([
        '{"to":"+14155550100"}', "{}", '{"url" : "=x"}', '{"\\u0075rl":"x"}', "[1,2]",
        '{"a":{"url":"nested"}}', '"url":', "not json", "-{}", '{"url":"a","url":"b"}',
        '{"url":null,"form":"=f"}', '{"ip":"1.2.3.4",}', '{"ua":"x\ny"}', '{"ua":"x"}junk',
        '{"consent_text":"a,b \\"q\\""}', '{"url":"x"} ', "", "!"]),
)
# Ids are integers' text (negative ones only by tampering, but still neutralised); the
# recorded time is written by the query itself (`query.utc_iso`).
ID = st.integers(-10, 10**12).map(str)
TIME = st.datetimes(timezones=st.just(UTC)).map(format_time)
ROW = st.tuples(ID, TIME, NUMBER, TEXT, ID, TEXT, TEXT, TEXT, MAYBE, MAYBE, MAYBE,
                EVIDENCE, st.none() | ID, TEXT, TEXT)
COLUMNS = ", ".join(f"c{i} text" for i in range(15))
INNER = f"SELECT * FROM json_to_recordset(%(rows)s::json) AS t({COLUMNS}, seq integer)"


def copy_export(rows, batch: int = 3) -> bytes:
    records = [{**{f"c{i}": cell for i, cell in enumerate(row)}, "seq": seq}
               for seq, row in enumerate(rows)]
    with db.engine.connect() as connection:
        chunks = pgcopy.copy_chunks(connection, pgcopy.copy_sql(INNER),
                                {"rows": json.dumps(records)}, batch, None)
        return b"".join(chunks)


@pytest.fixture
def postgresql(ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the COPY export is PostgreSQL's (SMSGATE_TEST_DATABASE_URL)")
    return ctx


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, max_size=7))
def test_copy_renders_exactly_the_reference_bytes(postgresql, rows):
    assert copy_export(rows) == _with_header(render_rows(rows))


def _with_header(body: str) -> bytes:
    return (HEADER_RECORD + body).encode("utf-8")


def test_plain_rows_take_the_batch_path_and_odd_ones_the_row_path(postgresql):
    plain = ("7", "2026-01-05T10:00:00.000000+00:00", "+14155550123", "Acme", "1", "brand",
             "opt_in", "api", None, None, None,
             '{"consent_text":"Yes","ip":"=1","url":"https://x.example/?a=1,2"}', "3",
             "a" * 64, "b" * 64)
    nested = (*plain[:11], '{"consent_text":{"lang":"en"}}', *plain[12:])
    multiline = (*plain[:9], "line one\nline two", *plain[10:])
    for rows in ([plain, plain], [plain, nested], [multiline, plain]):
        assert copy_export(rows, batch=10) == _with_header(render_rows(rows))
    # The evidence columns of the plain row came from the database's jsonb, neutralised.
    assert b',Yes,"https://x.example/?a=1,2",\'=1,,' in copy_export([plain])


PLAIN = ("7", "2026-01-05T10:00:00.000000+00:00", "+14155550123", "Acme", "1", "brand",
         "opt_out", "sms", "STOP", "stop", "SM1", '{"to":"+14155550100"}', None, "a" * 64,
         "b" * 64)


@pytest.mark.parametrize("changes", [
    {9: "+15551234567"},  # a number-like text is neutralised; only the number cell is exempt
    {8: "abc\n5,x", 9: "+15551234567"},  # a quoted line break cannot hide it either
    {9: "call me,+15551234567 later"},  # "+" inside a quoted cell starts no cell
    {2: "=bad", 9: "x\n12,abc,+15551234567,y"},  # a row-like line inside a cell
    {2: "+15551234567\n"}, {2: "+1555123456789012"}, {2: ""}, {9: "\r=1"}, {9: ""},
    {0: "-3"}, {11: '{"url":"-x","url":"@y"}'}, {11: '{"ua":"x\\u0000"}'},
])
def test_each_rule_holds_in_an_otherwise_plain_batch(postgresql, changes):
    odd = tuple(changes.get(i, cell) for i, cell in enumerate(PLAIN))
    rows = [PLAIN, odd, PLAIN]
    assert copy_export(rows, batch=10) == _with_header(render_rows(rows))


def test_every_evidence_key_contains_a_needle_the_query_looks_for():
    for names in EVIDENCE_KEYS.values():
        for name in names:
            assert any(needle in f'"{name}"' for needle in pgcopy.KEY_NEEDLES), name


def test_a_database_error_mid_copy_reaches_the_consumer(postgresql):
    rows = [{**{f"c{i}": cell for i, cell in enumerate(PLAIN)}, "seq": seq}
            for seq in range(1, 400)]
    failing = pgcopy.copy_sql(INNER + " WHERE 1 / (300 - seq) IS NOT NULL")
    with db.engine.connect() as connection:
        chunks = pgcopy.copy_chunks(connection, failing, {"rows": json.dumps(rows)}, 50, None)
        with pytest.raises(psycopg.errors.DivisionByZero):
            for _ in chunks:
                pass
        connection.rollback()  # the connection is idle again, fit for the pool
        assert connection.exec_driver_sql("SELECT 42").scalar() == 42


def test_closing_an_export_early_cancels_the_copy_and_frees_the_connection(postgresql):
    cells = ", ".join(f"'{cell}'::text AS c{i}" if cell is not None else f"NULL::text AS c{i}"
                      for i, cell in enumerate(PLAIN) if i)
    long = pgcopy.copy_sql(f"SELECT g::text AS c0, {cells}, g AS seq "
                           "FROM generate_series(1, 300000) AS g")
    with db.engine.connect() as connection:
        chunks = pgcopy.copy_chunks(connection, long, {}, 1000, None)
        next(chunks), next(chunks)  # the header, then the first rows: a client hangs up
        chunks.close()
        assert connection.connection.driver_connection.info.transaction_status != \
            psycopg.pq.TransactionStatus.ACTIVE  # the COPY is over, not still streaming
        connection.rollback()
        assert connection.exec_driver_sql("SELECT 42").scalar() == 42
