"""PostgreSQL's batch statement (`inbound_pg`) records exactly what the reference path records.

Hypothesis draws batches of inbound texts (keywords, STOP ALL, HELP, texts that are no
keyword, repeated MessageSids within and across batches, several brands, texts to a brand's
number and through Messaging Services, senders with no consent to keep) and writes them once
through the fast path and once through `_record_generic`, the path SQLite takes, each time
into an empty ledger inside a transaction that is rolled back. Every row either path wrote
must be equal: ledger entries with all their fields but the salted ones (each entry's salt is
random; both writes must pass `verify` and digest the same fields), the chain head's
position, consent_state, inbound_messages and the outbox, and what each text's outcome says.
One sender has a live double opt-in request at Acme, so its opt-ins carry the linking evidence.
PostgreSQL only; the brand rule both share is checked on both databases.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Table, insert, select, text
from sqlalchemy.orm import Session

from smsgate.accounts.brands import brand_for_inbound, create_brand
from smsgate.accounts.keywords import add_keywords
from smsgate.consent import inbound, ledger
from smsgate.consent.inbound import InboundText
from smsgate.extensions import db
from smsgate.models import (
    Brand,
    ConsentState,
    InboundMessage,
    LedgerEntry,
    LedgerHead,
    OutboxMessage,
    PendingConfirmation,
)

NOW = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
SERVICE_A, SERVICE_B, SERVICE_C = ("MG" + letter * 32 for letter in "abc")
WRITTEN_TABLES = [LedgerEntry.__table__, ConsentState.__table__, InboundMessage.__table__,
                  OutboxMessage.__table__, LedgerHead.__table__]
# Each entry's salt is random, so these differ between any two writes; that the statement
# hashes as `ledger` does is proven instead by `verify` passing on what it wrote.
SALTED = {"salt", "digests", "prev_hash", "entry_hash", "last_hash"}

STORABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
BODY = st.sampled_from(["STOP", "STOPALL", "stop all", "START", "UNSTOP", "YES", "HELP", "INFO",
                        "hello", "Please stop texting me", "¡stop!", "END", '"STOP"',
                        # brand keywords, a possible revocation (a review entry), Spanish
                        "Deals!", "acmeout", "acme info",
                        "Maybe I dont need these", "ALTO", "AYUDA", "COMENZAR"]) \
    | st.text(STORABLE, max_size=20)
INBOUND_TEXT = st.builds(
    InboundText,
    message_sid=st.sampled_from([f"SM{i:02d}" for i in range(8)]),
    # The last sender is a short code: no consumer whose consent is kept.
    from_number=st.sampled_from(["+14155550123", "+14155550124", "+14155550125", "55555"]),
    # Acme's number, Bolt's, a number no brand owns, a short code.
    to_number=st.sampled_from(["+14155550100", "+14155550101", "+14155559999", "12345"]),
    body=BODY,
    messaging_service_sid=st.sampled_from([None, SERVICE_A, SERVICE_B, SERVICE_C,
                                           "MG" + "9" * 32]),
    opt_out_type=st.sampled_from([None, None, "STOP", "START", "HELP"]),
)
BATCHES = st.lists(st.lists(INBOUND_TEXT, min_size=1, max_size=12), min_size=1, max_size=3)


@pytest.fixture
def brands(ctx):
    """Acme owns a number and a service, Bolt a number and a service, Cora only a service;
    Acme has a join and a help keyword and asks for double opt-in, Bolt an opt-out keyword."""
    made = [create_brand(db.session, "Acme", ["+14155550100"], messaging_service_sid=SERVICE_A,
                         help_text="Acme support: 415-555-0199."),
            create_brand(db.session, "Bolt", ["+14155550101"], messaging_service_sid=SERVICE_B,
                         frequency_text="Up to 4 msgs/month."),
            create_brand(db.session, "Cora", messaging_service_sid=SERVICE_C)]
    # Brand keywords: planned in Python, so both paths must write them alike too.
    add_keywords(db.session, made[0], "join", ["deals"])
    add_keywords(db.session, made[0], "help", ["acme info"])
    add_keywords(db.session, made[1], "opt_out", ["acmeout"])
    made[0].double_opt_in = True
    db.session.commit()
    return made


@pytest.fixture
def postgresql(brands):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the batch statement is PostgreSQL's (SMSGATE_TEST_DATABASE_URL)")
    return brands


def fast(connection: Connection, texts: list[InboundText], cache: inbound.BrandCache):
    return inbound.record_inbound_batch(connection, texts, cache)


def generic(connection: Connection, texts: list[InboundText], _cache: inbound.BrandCache):
    return inbound._record_batch(connection, texts, {}, inbound._record_generic)


def written_by(write, batches: list[list[InboundText]]) -> dict[str, object]:
    """Write `batches` with `write` into an empty ledger; every row written, then roll back."""
    with db.engine.connect() as connection, connection.begin() as transaction:
        connection.execute(text("TRUNCATE ledger_entries, consent_state, outbox, "
                                "inbound_messages, pending_confirmations RESTART IDENTITY"))
        connection.execute(text("UPDATE ledger_head SET last_id = 0, last_hash = :genesis"),
                           {"genesis": "0" * 64})
        # A double opt-in request awaiting its YES: the opt-ins that answer it are linked.
        connection.execute(insert(PendingConfirmation), {
            "number": "+14155550124", "source": "api", "evidence": '{"form_id":"f1"}',
            "brand_id": connection.scalar(select(Brand.id).where(Brand.name == "Acme")),
            "after_entry_id": 0, "requested_at": NOW, "expires_at": NOW + timedelta(days=1)})
        cache: inbound.BrandCache = {}  # kept across batches, as the webhook's writer does
        outcomes = [[(o.duplicate, o.brand_id, o.entry_id, o.outbox_id, o.classification)
                     for o in write(connection, batch, cache)] for batch in batches]
        rows: dict[str, object] = {"outcomes": outcomes}
        for table in WRITTEN_TABLES:
            assert isinstance(table, Table)
            columns = [c for c in table.columns if c.name not in SALTED]
            rows[table.name] = [row for row in connection.execute(
                select(*columns).order_by(*table.primary_key.columns))]
        rows["verified"] = ledger.verify(Session(bind=connection)).ok
        rows["digested"] = [json.loads(digests).keys() for digests, in connection.execute(
            select(LedgerEntry.digests).order_by(LedgerEntry.id))]
        transaction.rollback()
    return rows


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(batches=BATCHES)
def test_the_batch_statement_writes_what_the_reference_path_writes(postgresql, batches):
    with mock.patch.object(inbound, "utcnow", lambda: NOW), \
            mock.patch.object(ledger, "utcnow", lambda: NOW):
        expected = written_by(generic, batches)
        assert written_by(fast, batches) == expected
    assert expected["verified"] is True


def test_a_stop_all_batch_is_written_alike_by_both_paths(postgresql):
    """A fixed case beside the drawn ones: two numbers, STOP ALL between a START and a STOP
    of one of them, a retried MessageSid, a text through a service only."""
    acme, bolt, cora = postgresql
    batches = [[InboundText("SM01", "+14155550123", "+14155550100", "START"),
                InboundText("SM02", "+14155550123", "+14155550101", "STOP ALL"),
                InboundText("SM03", "+14155550124", "12345", "START", SERVICE_C),
                InboundText("SM04", "+14155550123", "+14155550101", "START")],
               [InboundText("SM02", "+14155550123", "+14155550101", "STOP ALL")]]
    with mock.patch.object(inbound, "utcnow", lambda: NOW), \
            mock.patch.object(ledger, "utcnow", lambda: NOW):
        expected = written_by(generic, batches)
        assert written_by(fast, batches) == expected
    assert sorted(row[:3] for row in expected["consent_state"]) == [
        ("+14155550123", acme.id, "opt_out"), ("+14155550123", bolt.id, "opt_in"),
        ("+14155550123", cora.id, "opt_out"), ("+14155550124", cora.id, "opt_in")]


def test_a_yes_answering_a_double_opt_in_is_linked_alike_by_both_paths(postgresql):
    batches = [[InboundText("SM01", "+14155550124", "+14155550100", "YES"),
                InboundText("SM02", "+14155550124", "+14155550100", "START")]]
    with mock.patch.object(inbound, "utcnow", lambda: NOW), \
            mock.patch.object(ledger, "utcnow", lambda: NOW):
        expected = written_by(generic, batches)
        assert written_by(fast, batches) == expected
    first, second = (json.loads(entry.evidence) for entry in expected["ledger_entries"])
    assert first["double_opt_in"]["web_form"] == {"form_id": "f1"}
    assert first["double_opt_in"]["confirmed_by"] == "SM01"
    # The first YES settled the request: the START after it is an opt-in of its own.
    assert "double_opt_in" not in second


@pytest.mark.parametrize(("to_number", "service", "owner"), [
    ("+14155550100", None, "Acme"),          # the number texted
    ("+14155550100", SERVICE_B, "Acme"),     # the number texted wins over another's service
    ("+14155559999", SERVICE_B, "Bolt"),     # nobody's number: the service decides
    (None, SERVICE_C, "Cora"),
    ("+14155559999", None, None),
    ("+14155559999", "MG" + "9" * 32, None),
    (None, None, None),
])
def test_a_text_belongs_to_the_brand_owning_the_number_else_to_the_service_s(
        brands, to_number, service, owner):
    names = {brand.id: brand.name for brand in brands}
    with db.engine.connect() as connection:
        found = brand_for_inbound(connection, to_number, service)
    assert (names[found.id] if found else None) == owner
    from_session = brand_for_inbound(db.session, to_number, service)  # the ORM session too
    assert from_session == found
