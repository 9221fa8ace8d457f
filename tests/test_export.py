"""The ledger CSV export: exact bytes, spreadsheet safety, filters, roles, brand scope,
streaming."""

from __future__ import annotations

import http.client
import threading
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import replace

import pytest
from audit_support import CSV_PATH, add_brand, append_at, bearer, csv_rows, ids_of, issue, record
from conftest import post_signed_over_http
from factories import INBOUND_PATH, inbound
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

import smsgate
from smsgate import create_app
from smsgate.audit.cells import neutralise, render_rows
from smsgate.audit.export import open_export
from smsgate.audit.filters import ExportFilters
from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.http import export_response

pytest_plugins = ["audit_fixtures"]  # fixtures: clock, live_server

N1, N2, N3 = "+14155550123", "+14155550124", "+14155550125"

HEADER = (b"entry_id,recorded_at,number,brand,brand_id,scope,action,source,keyword,raw_text,"
          b"message_sid,consent_text,consent_url,ip_address,user_agent,evidence_json,api_key_id,"
          b"entry_hash,prev_hash\r\n")

# Written out by hand from the fixed inputs below; the hashes are those of the salts the
# `clock` fixture fixes (tests/test_personal_digests.py recomputes one from the documented
# recipe, outside the code under test). Note the quoted CRLF inside entry 2's text and
# the "'" that disarms entry 3's formula, while +E.164 numbers stay as they are.
EXPECTED = HEADER + (
    b'1,2026-01-05T10:00:00.000000+00:00,+14155550123,Acme,1,brand,opt_in,api,,,,'
    b'"Yes, text me Acme deals. Msg & data rates may apply.",https://acme.example/join,'
    b'203.0.113.7,Mozilla/5.0 (X11; Linux x86_64),'
    b'"{""checkbox"":true,""consent_text"":""Yes, text me Acme deals. Msg & data rates may '
    b'apply."",""ip"":""203.0.113.7"",""url"":""https://acme.example/join"",""user_agent"":'
    b'""Mozilla/5.0 (X11; Linux x86_64)""}",1,'
    b'27d808cec0459db6b4f7bc9546d6f0fdfea18f333ed77d20eab14fec00e768f5,'
    b'0000000000000000000000000000000000000000000000000000000000000000\r\n'
    b'2,2026-01-06T11:30:00.123456+00:00,+14155550123,Acme,1,brand,opt_out,sms,STOP,'
    b'"Stop, ""please""\r\nthanks",SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,,,,,'
    b'"{""to"":""+14155550100""}",,'
    b'983e0b3332f3d60878f3ceb1eacac84df78e090fbdfada609674a47b8e55737d,'
    b'27d808cec0459db6b4f7bc9546d6f0fdfea18f333ed77d20eab14fec00e768f5\r\n'
    b'3,2026-01-07T08:15:00.000000+00:00,+14155550124,Bolt,2,all,opt_out,sms,STOPALL,'
    b'"\'=HYPERLINK(""http://evil.example"",""ok"")",SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,,,,,'
    b'"{""to"":""+14155550101""}",,'
    b'0fd941048b244c70fae290c46b0396058307672c4889773fb19f303d24f49552,'
    b'983e0b3332f3d60878f3ceb1eacac84df78e090fbdfada609674a47b8e55737d\r\n'
)


def build_fixed_ledger(clock, brand):
    """Three entries with fixed inputs and times: web-form opt-in, SMS STOP, STOPALL via Bolt."""
    issue("marketer")  # key id 1: the key that recorded the web-form consent
    bolt = add_brand("Bolt", "+14155550101")
    append_at(clock, "2026-01-05T10:00:00+00:00", record(
        N1, brand.id, "opt_in", "api", api_key_id=1, evidence={
            "consent_text": "Yes, text me Acme deals. Msg & data rates may apply.",
            "url": "https://acme.example/join", "ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64)", "checkbox": True}))
    append_at(clock, "2026-01-06T11:30:00.123456+00:00", record(
        N1, brand.id, "opt_out", "sms", keyword="STOP", raw_text='Stop, "please"\r\nthanks',
        message_sid="SM" + "a" * 32, evidence={"to": "+14155550100"}))
    append_at(clock, "2026-01-07T08:15:00+00:00", record(
        N2, bolt.id, "opt_out", "sms", scope="all", keyword="STOPALL",
        raw_text='=HYPERLINK("http://evil.example","ok")', message_sid="SM" + "b" * 32,
        evidence={"to": "+14155550101"}))
    return bolt


# --- exact output -------------------------------------------------------------------------

def test_fixed_ledger_exports_byte_for_byte_with_crlf_rows(clock, brand, client):
    build_fixed_ledger(clock, brand)
    response = client.get(CSV_PATH, headers=bearer(issue("auditor")))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="smsgate-ledger-')
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data() == EXPECTED


def test_empty_ledger_exports_the_header_row_only(brand, client):
    response = client.get(CSV_PATH, headers=bearer(issue("auditor")))
    assert response.get_data() == HEADER


def test_cli_export_writes_the_same_bytes_as_http(clock, brand, client, runner, tmp_path):
    build_fixed_ledger(clock, brand)
    target = tmp_path / "ledger.csv"
    result = runner.invoke(args=["smsgate", "ledger", "export", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == EXPECTED
    assert not (tmp_path / "ledger.csv.partial").exists()

    result = runner.invoke(args=["smsgate", "ledger", "export", "--brand", "Bolt",
                                 "--since", "2026-01-06", "-o", "-"])
    assert result.exit_code == 0, result.output
    api = client.get(CSV_PATH, query_string={"brand": "Bolt", "since": "2026-01-06"},
                     headers=bearer(issue("auditor")))
    assert result.stdout_bytes == api.get_data()
    assert ids_of(result.stdout_bytes) == [3]


def test_cli_export_refuses_bad_filters_with_exit_1(brand, runner, tmp_path):
    for args in (["--since", "yesterday"], ["--brand", "Nope"], ["--number", "12"],
                 ["--as-of", "2026-01-01", "--until", "2026-01-02"]):
        result = runner.invoke(args=["smsgate", "ledger", "export", *args,
                                     "-o", str(tmp_path / "x.csv")])
        assert result.exit_code == 1, (args, result.output)
        assert "Error:" in result.output
        assert not (tmp_path / "x.csv").exists()


# --- spreadsheet safety ---------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_prefix_is_neutralised_in_text_and_evidence(clock, brand, client, prefix):
    payload = prefix + "cmd|' /C calc'!A0"
    append_at(clock, "2026-01-05T10:00:00+00:00", record(
        N1, brand.id, "opt_out", "sms", keyword=prefix + "STOP", raw_text=payload,
        message_sid=prefix + "SM1", evidence={"consent_text": payload, "url": payload,
                                              "ip": payload, "user_agent": payload}))
    rows = csv_rows(client.get(CSV_PATH, headers=bearer(issue("auditor"))).get_data())
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 2 and len(rows[1]) == len(header)
    for column in ("raw_text", "consent_text", "consent_url", "ip_address", "user_agent"):
        assert row[column] == "'" + payload, column
    assert row["keyword"] == "'" + prefix + "STOP"
    assert row["message_sid"] == "'" + prefix + "SM1"
    assert row["number"] == N1  # +E.164 is written as is: it cannot be a formula
    assert row["evidence_json"].startswith("{")  # a JSON object never needs the prefix


def test_neutralise_is_reversible_by_dropping_one_leading_quote():
    for stored in ("=1+1", "'=1+1", "'quoted", "plain", "", "-", "+1 555", "\r\n=x"):
        cell = neutralise(stored)
        assert cell[0:1] not in ("=", "+", "-", "@", "\t", "\r")
        assert (cell.removeprefix("'")) == stored


def test_an_ordinary_row_renders_as_written_out_by_hand():
    row = ("7", "2026-01-05T10:00:00.000000+00:00", "+14155550123", "Acme", "1", "brand",
           "opt_out", "sms", "STOP", "Stop please", "SM" + "a" * 32,
           '{"opt_out_type":"STOP","to":"+14155550100"}', None, "a" * 64, "b" * 64)
    assert render_rows([row]) == (
        "7,2026-01-05T10:00:00.000000+00:00,+14155550123,Acme,1,brand,opt_out,sms,STOP,"
        'Stop please,SM' + "a" * 32 + ',,,,,"{""opt_out_type"":""STOP"",""to"":'
        '""+14155550100""}",,' + "a" * 64 + "," + "b" * 64 + "\r\n")


def test_a_number_that_is_not_strict_e164_is_neutralised(clock, brand, client):
    append_at(clock, "2026-01-05T10:00:00+00:00", record(N1, brand.id))
    db.session.execute(db.text("UPDATE ledger_entries SET number = '+1(415)=SUM(A1)' "
                               "WHERE id = 1"))
    db.session.commit()
    rows = csv_rows(client.get(CSV_PATH, headers=bearer(issue("auditor"))).get_data())
    assert rows[1][2] == "'+1(415)=SUM(A1)"


# --- filters ------------------------------------------------------------------------------

@pytest.fixture
def two_brands(clock, brand):
    """Acme and Bolt; N1 at Acme, N2 at Bolt, N3 sends STOPALL through Bolt."""
    bolt = add_brand("Bolt", "+14155550101")
    append_at(clock, "2026-01-01T00:00:00+00:00", record(N1, brand.id))             # 1
    append_at(clock, "2026-01-15T00:00:00+00:00", record(N2, bolt.id))              # 2
    append_at(clock, "2026-01-31T23:59:59.999999+00:00",
              record(N3, bolt.id, "opt_out", "sms", scope="all", keyword="STOPALL"))  # 3
    append_at(clock, "2026-02-01T00:00:00+00:00", record(N1, brand.id, "opt_out"))  # 4
    return brand, bolt


@pytest.mark.parametrize("query, expected", [
    ({}, [1, 2, 3, 4]),
    ({"brand": "Acme"}, [1, 3, 4]),  # a brand's view includes every STOPALL
    ({"brand": "Bolt"}, [2, 3]),
    ({"number": "(415) 555-0123"}, [1, 4]),  # any form, compared as E.164
    ({"number": "+1 415 555 0124", "brand": "Acme"}, []),
    ({"since": "2026-01-15", "until": "2026-01-31"}, [2, 3]),  # a date `until` is the whole day
    ({"since": "2026-01-15T00:00:00Z", "until": "2026-01-15T00:00:00Z"}, [2]),  # inclusive
    ({"since": "2026-01-15T00:00:00"}, [2, 3, 4]),  # naive means UTC
    ({"since": "2026-01-15T01:00:00+01:00"}, [2, 3, 4]),  # an offset is honoured
    ({"until": "2026-01-31T23:59:59.999998Z"}, [1, 2]),
    ({"since": "2026-02-01", "brand": "Acme"}, [4]),
    ({"since": "", "brand": ""}, [1, 2, 3, 4]),  # empty form fields count as not given
])
def test_filters_select_entries(two_brands, client, query, expected):
    response = client.get(CSV_PATH, query_string=query, headers=bearer(issue("auditor")))
    assert response.status_code == 200, response.get_json()
    assert ids_of(response.get_data()) == expected


def test_as_of_lists_the_entry_deciding_each_number_and_brand_at_that_moment(clock, brand,
                                                                             client):
    bolt = add_brand("Bolt", "+14155550101")
    append_at(clock, "2026-01-01T00:00:00+00:00", record(N1, brand.id), record(N2, brand.id),
              record(N2, bolt.id))                                                  # 1 2 3
    append_at(clock, "2026-01-02T00:00:00+00:00",
              record(N2, bolt.id, "opt_out", "sms", scope="all", keyword="STOPALL"))  # 4
    append_at(clock, "2026-01-03T00:00:00+00:00", record(N1, brand.id, "opt_out"))  # 5
    append_at(clock, "2026-01-04T00:00:00+00:00", record(N2, brand.id, "opt_in"))   # 6
    auditor = bearer(issue("auditor"))

    def as_of(**query):
        response = client.get(CSV_PATH, query_string=query, headers=auditor)
        assert response.status_code == 200, response.get_json()
        return ids_of(response.get_data())

    assert as_of(as_of="2025-12-31") == []
    assert as_of(as_of="2026-01-01T00:00:00Z") == [1, 2, 3]
    # The STOPALL overrides N2's opt-ins at both brands: listed once.
    assert as_of(as_of="2026-01-02") == [1, 4]
    # N2 opts in again at Acme only: the STOPALL still decides Bolt.
    assert as_of(as_of="2026-01-04") == [4, 5, 6]
    assert as_of(as_of="2026-01-04", brand="Acme") == [5, 6]
    assert as_of(as_of="2026-01-04", brand="Bolt") == [4]
    assert as_of(as_of="2026-01-04", number="4155550124") == [4, 6]
    assert as_of(as_of="2026-01-02", number=N1) == [1]


@pytest.mark.parametrize("query, status, code", [
    ({"since": "yesterday"}, 422, "invalid_time"),
    ({"until": "2026-13-01"}, 422, "invalid_time"),
    ({"as_of": "2026-01-01T25:00"}, 422, "invalid_time"),
    ({"since": "0001-01-01T00:00:00+01:00"}, 422, "invalid_time"),
    ({"since": "2" * 65}, 422, "invalid_time"),
    ({"number": "12"}, 422, "invalid_number"),
    ({"number": "x" * 500}, 422, "invalid_number"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, 422, "invalid_range"),
    ({"as_of": "2026-01-01", "since": "2025-01-01"}, 422, "conflicting_filters"),
    ({"brnad": "Acme"}, 422, "unknown_parameter"),
    ({"brand": ["Acme", "Bolt"]}, 422, "repeated_parameter"),
    ({"brand": "Nope"}, 404, "unknown_brand"),
])
def test_bad_filters_are_json_errors_never_500(brand, client, query, status, code):
    response = client.get(CSV_PATH, query_string=query, headers=bearer(issue("auditor")))
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]


def test_the_far_future_is_a_valid_bound(clock, brand, client):
    append_at(clock, "2026-01-05T10:00:00+00:00", record(N1, brand.id))
    for query in ({"until": "9999-12-31"}, {"as_of": "9999-12-31T23:59:59.999999Z"}):
        response = client.get(CSV_PATH, query_string=query, headers=bearer(issue("auditor")))
        assert ids_of(response.get_data()) == [1]


# --- who may export -------------------------------------------------------------------------

def test_export_needs_a_key(brand, client):
    assert client.get(CSV_PATH).status_code == 401
    assert client.get(CSV_PATH, headers=bearer("sgk_nope_nope")).status_code == 401


def test_marketer_key_is_forbidden(brand, client):
    response = client.get(CSV_PATH, headers=bearer(issue("marketer")))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "wrong_role"


def test_admin_key_may_export(two_brands, client):
    assert ids_of(client.get(CSV_PATH, headers=bearer(issue("admin"))).get_data()) == [1, 2, 3, 4]


def test_brand_scoped_auditor_sees_own_brand_and_stopall_entries_only(two_brands, client):
    acme = bearer(issue("auditor", "Acme"))
    assert ids_of(client.get(CSV_PATH, headers=acme).get_data()) == [1, 3, 4]
    assert ids_of(client.get(CSV_PATH, query_string={"brand": "Acme"},
                             headers=acme).get_data()) == [1, 3, 4]
    assert ids_of(client.get(CSV_PATH, query_string={"number": N2},
                             headers=acme).get_data()) == []
    assert ids_of(client.get(CSV_PATH, query_string={"as_of": "2026-03-01"},
                             headers=acme).get_data()) == [3, 4]


def test_brand_scoped_auditor_asking_for_another_brand_is_forbidden(two_brands, client):
    acme = bearer(issue("auditor", "Acme"))
    for name in ("Bolt", "Nope"):  # 403 either way: a scoped key cannot probe brand names
        response = client.get(CSV_PATH, query_string={"brand": name}, headers=acme)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "wrong_brand"


# --- streaming ------------------------------------------------------------------------------

def test_export_streams_thousands_of_entries_in_chunks(brand, client):
    total = 4000
    ledger.append_many(db.session, [record(f"+1415555{i:04d}", brand.id) for i in range(total)])
    db.session.commit()
    response = client.get(CSV_PATH, headers=bearer(issue("auditor")), buffered=False)
    assert response.status_code == 200
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) >= 2  # the header goes out before any row is fetched
    data = b"".join(chunks)
    assert data.count(b"\r\n") == total + 1
    assert ids_of(data) == list(range(1, total + 1))
    response.close()


def test_export_streams_over_a_real_server_after_the_request_context_is_gone(brand,
                                                                           live_server):
    """Flask tears the request down before a streamed body is read: the rows must come from
    a connection that outlives it (on PostgreSQL a rollback would drop the server cursor)."""
    total = 12_000  # three fetches of EXPORT_BATCH rows
    ledger.append_many(db.session, [record(f"+1415555{i:04d}", brand.id) for i in range(total)])
    db.session.commit()
    request = urllib.request.Request(live_server + CSV_PATH, headers=bearer(issue("auditor")))
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.headers["Transfer-Encoding"] == "chunked"
        data = response.read()
    assert data.count(b"\r\n") == total + 1
    assert data.endswith(b"\r\n") and ids_of(data)[-1] == total


def test_closing_an_export_early_closes_its_cursor(brand):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL exports through COPY: test_pgcopy closes that early")
    ledger.append_many(db.session, [record(f"+1415555{i:04d}", brand.id) for i in range(300)])
    db.session.commit()
    with db.engine.connect() as connection:
        chunks = open_export(connection, ExportFilters(), None, batch=100)
        assert next(chunks).startswith(b"entry_id,")
        assert next(chunks).count(b"\r\n") == 100
        with pytest.raises(OperationalError, match="SQL statements in progress"):
            connection.exec_driver_sql("VACUUM")  # SQLite refuses while a cursor is open
        chunks.close()  # the client hung up
        connection.exec_driver_sql("VACUUM")


# --- exports never starve webhooks ----------------------------------------------------------

EXPORTS = 2  # the small app's export connections
MAIN_POOL = 2  # and its main pool: fewer connections than stalled downloads


@pytest.fixture
def small_pool_server(app, settings, monkeypatch, tmp_path):
    """An app whose main pool has MAIN_POOL connections and which runs EXPORTS downloads at
    once, served from a thread like a real server; yields it, its address and `release`, which lets
    every stalled download go on. A download's body stops after its first chunk until then,
    as it would once a client that stopped reading had filled the socket's buffers (which
    hold megabytes on loopback, so a real stall would need a huge ledger)."""
    options = smsgate._engine_options
    monkeypatch.setattr(smsgate, "_engine_options", lambda url: {
        **options(url), "pool_size": MAIN_POOL, "max_overflow": 0, "pool_timeout": 2})
    small = create_app(replace(settings, export_connections=EXPORTS),
                       instance_path=str(tmp_path))
    release = threading.Event()
    opened = export_response.open_export

    def stalling_export(*args, **kwargs):
        chunks = opened(*args, **kwargs)

        def stall_after_the_first_chunk():
            try:
                yield next(chunks)
                release.wait(timeout=60)
                yield from chunks
            finally:
                chunks.close()
        return stall_after_the_first_chunk()

    monkeypatch.setattr(export_response, "open_export", stalling_export)
    server = make_server("127.0.0.1", 0, small, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield small, f"127.0.0.1:{server.server_port}", release
    finally:
        release.set()
        server.shutdown()
        thread.join(timeout=10)
        with small.app_context():
            for engine in db.engines.values():
                engine.dispose()
            small.extensions["smsgate_export_engine"].dispose()


def _start_download(host: str, secret: str, stack: ExitStack) -> http.client.HTTPResponse:
    """GET the ledger CSV and read its first chunk, then stop reading (the connection stays
    open until `stack` closes)."""
    connection = http.client.HTTPConnection(host, timeout=30)
    stack.callback(connection.close)
    connection.request("GET", CSV_PATH, headers=bearer(secret))
    response = connection.getresponse()
    if response.status == 200:
        assert response.read1(1 << 16).startswith(b"entry_id,")  # streaming has begun
    return response


def _post_stop(host: str, sid: str) -> int:
    """POST a signed inbound STOP to the server at `host`; its HTTP status."""
    return post_signed_over_http(f"http://{host}{INBOUND_PATH}", inbound("STOP", sid=sid))


def test_stalled_downloads_never_starve_webhooks_of_connections(brand, small_pool_server):
    small, host, release = small_pool_server
    ledger.append_many(db.session, [record(f"+1415555{i:04d}", brand.id) for i in range(50)])
    db.session.commit()
    secret = issue("auditor")
    with ExitStack() as stack:
        downloads = [_start_download(host, secret, stack) for _ in range(MAIN_POOL + EXPORTS)]
        assert [d.status for d in downloads[:EXPORTS]] == [200] * EXPORTS
        for busy in downloads[EXPORTS:]:  # the export pool is full: refused at once
            assert busy.status == 503
            assert busy.getheader("Retry-After") is not None
            assert b'"exports_busy"' in busy.read()
        with small.app_context():
            assert db.engine.pool.checkedout() == 0  # the downloads hold none of the main pool
        statuses = [_post_stop(host, f"SM{i:032x}") for i in range(5)]
        assert statuses == [200] * 5  # while every download still holds its connection
        release.set()
        for download in downloads[:EXPORTS]:
            assert download.read().count(b"\r\n") == 50  # the rest of the 51 lines
