"""Inbound texts written in batches keep every promise a text written alone keeps.

The webhook's group commit writes the texts of concurrent requests together; on PostgreSQL
one statement claims them, adds their replies and appends their ledger entries, hashing the
chain in the database. These tests pin that the database hashes exactly what
`ledger.compute_hash` (and so `verify`) hashes; that a batch treats duplicates, repeated
numbers, STOP ALL and texts without a brand as they are treated one by one; that one bad
text fails alone; that concurrent texts never fork the chain; and that the faster signature
check accepts exactly what twilio's accepts.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime

import pytest
from conftest import AUTH_TOKEN, sign
from factories import INBOUND_PATH as PATH
from factories import inbound, new_writer
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlalchemy import text as sql_text
from twilio.request_validator import RequestValidator

from smsgate.consent import ledger
from smsgate.consent.keywords import Intent, classify
from smsgate.extensions import db
from smsgate.http.signature import _valid
from smsgate.models import ConsentState, InboundMessage, LedgerEntry, OutboxMessage

# Opt-outs and opt-ins whose raw text JSON must escape or keep as UTF-8.
AWKWARD_BODIES = ["STOP", "Stop.", "STOP 🛑", "¡stop!", '"STOP"', "ＳＴＯＰ", "start",
                  "Please stop texting me", "stop\\", "UNSUBSCRIBE\n", "stop all", "YES"]

texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=40)


def post_from_threads(app, threads: int, bodies: list[str]) -> None:
    """Each of `threads` threads posts `bodies` as signed texts, each from a number of its
    own, at the same time as the others; every answer must be 200."""
    errors: list[BaseException] = []

    def texter(thread: int) -> None:
        client = app.test_client()
        try:
            for i, body in enumerate(bodies):
                params = inbound(body, sid=f"SM{thread:02d}{i:030d}",
                                 sender=f"+1415555{thread:02d}{i:02d}")
                response = client.post(PATH, data=params, headers={
                    "X-Twilio-Signature": sign("http://localhost" + PATH, params)})
                assert response.status_code == 200, response.get_data(as_text=True)
        except BaseException as exc:  # noqa: BLE001 - surfaced below: it must fail the test
            errors.append(exc)

    workers = [threading.Thread(target=texter, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []


@settings(max_examples=200, deadline=None)
@given(raw_text=texts, keyword=st.none() | texts, number=texts, evidence=texts,
       entry_id=st.integers(1, 10**15), prev=st.text("0123456789abcdef", min_size=64,
                                                      max_size=64))
def test_hash_parts_around_id_and_prev_hash_rebuild_the_entry_hash(raw_text, keyword, number,
                                                                    evidence, entry_id, prev):
    record = ledger.ConsentRecord(number=number, brand_id=7, action="opt_out", source="sms",
                                  keyword=keyword, raw_text=raw_text, message_sid="SM1",
                                  evidence={"to": evidence})
    fields, evidence = ledger.entry_fields(
        record, datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC), "ab" * 16)
    a, b, c = ledger.hash_input_parts(fields, evidence)
    from_parts = hashlib.sha256((a + str(entry_id) + b + prev + c).encode("utf-8")).hexdigest()
    assert from_parts == ledger.compute_hash({**fields, "id": entry_id, "prev_hash": prev},
                                             evidence)


@pytest.mark.parametrize("marker", ['"@id-{}@"', "@prev-{}@", '"@id-{}@" and @prev-{}@'])
def test_hash_parts_hold_when_a_text_carries_the_process_markers(monkeypatch, marker):
    monkeypatch.setattr(ledger, "_MARKER_TOKEN", "f" * 32)
    record = ledger.ConsentRecord(number="+14155550123", brand_id=7, action="opt_out",
                                  source="sms", keyword="STOP",
                                  raw_text="STOP " + marker.format("f" * 32, "f" * 32),
                                  message_sid="SM1")
    fields, evidence = ledger.entry_fields(
        record, datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC), "ab" * 16)
    a, b, c = ledger.hash_input_parts(fields, evidence)
    from_parts = hashlib.sha256((a + "42" + b + "0" * 64 + c).encode("utf-8")).hexdigest()
    assert from_parts == ledger.compute_hash({**fields, "id": 42, "prev_hash": "0" * 64},
                                             evidence)


def test_concurrent_texts_with_awkward_bodies_chain_without_a_fork(app, brand):
    from smsgate.accounts.brands import create_brand

    with app.app_context():
        create_brand(db.session, "Bolt", ["+14155550101"])  # STOP ALL reaches it too
        db.session.commit()
    assert all(classify(body, None).intent in (Intent.OPT_OUT, Intent.OPT_IN)
               for body in AWKWARD_BODIES)
    post_from_threads(app, 4, AWKWARD_BODIES)
    texts_sent = 4 * len(AWKWARD_BODIES)
    with app.app_context():
        result = ledger.verify(db.session)
        assert (result.ok, result.entries) == (True, texts_sent)
        count = db.session.scalar
        assert count(select(func.count()).select_from(InboundMessage)) == texts_sent
        assert count(select(func.count()).select_from(OutboxMessage)) == texts_sent
        assert count(select(func.count(func.distinct(LedgerEntry.prev_hash)))) == texts_sent
        stored = {entry.message_sid: entry.raw_text
                  for entry in db.session.scalars(select(LedgerEntry))}
        assert stored["SM00" + "0" * 27 + "003"] == "¡stop!"
        # STOP ALL: one entry, the number opted out of both brands.
        sender = "+14155550010"
        assert {(s.brand_id, s.action) for s in db.session.scalars(
            select(ConsentState).where(ConsentState.number == sender))} == {
            (1, "opt_out"), (2, "opt_out")}


def test_retried_stop_on_the_fast_path_changes_nothing(brand, post_signed):
    for _ in range(2):
        assert post_signed(PATH, inbound("STOP")).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert ledger.verify(db.session).ok


def test_without_a_chain_head_a_stop_answers_503_and_is_never_half_written(brand, client):
    from sqlalchemy import delete

    from smsgate.models import LedgerHead

    db.session.execute(delete(LedgerHead))
    db.session.commit()
    params = inbound("STOP")
    response = client.post(PATH, data=params, headers={
        "X-Twilio-Signature": sign("http://localhost" + PATH, params)})
    assert response.status_code == 503  # Twilio retries
    assert response.get_json()["error"]["code"] == "database_unavailable"
    db.session.rollback()  # the request's session ends (this test shares its app context)
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_signature_check_accepts_exactly_what_twilio_validate_accepts():
    validator = RequestValidator(AUTH_TOKEN)
    params = {"MessageSid": "SM1", "Body": "STOP", "From": "+14155550123"}
    urls = ["https://sms.example.com/webhooks/twilio/inbound",
            "https://sms.example.com:443/webhooks/twilio/inbound",
            "http://127.0.0.1:5077/webhooks/twilio/inbound",
            "http://127.0.0.1/webhooks/twilio/inbound?x=1",
            "http://127.0.0.1:80/webhooks/twilio/inbound?x=1"]
    signatures = [validator.compute_signature(url, params) for url in urls] + ["nonsense"]
    for url in urls:
        for signature in signatures:
            assert _valid(AUTH_TOKEN, url, params, signature) == \
                validator.validate(url, params, signature), (url, signature)


# --- one batch, written directly -------------------------------------------------------------

def text(body: str, sid: str, sender: str = "+14155550123", to: str = "+14155550100"):
    from smsgate.consent.inbound import InboundText

    return InboundText(message_sid=sid, from_number=sender, to_number=to, body=body)


def write(*texts):
    """Write `texts` as the webhook's group commit writes one batch."""
    from smsgate.http.webhooks import inbound_writer

    return inbound_writer().write(list(texts))


def test_a_batch_records_each_text_as_if_it_came_alone(ctx, brand):
    from smsgate.accounts.brands import create_brand

    bolt = create_brand(db.session, "Bolt", ["+14155550101"])
    db.session.commit()
    outcomes = write(
        text("STOP", "SM01"),                                # Acme opt-out
        text("START", "SM02"),                               # same number, same batch: back in
        text("HELP", "SM03", sender="+14155550124"),         # a reply, no consent change
        text("STOP ALL", "SM04", sender="+14155550125"),     # every brand
        text("STOP", "SM05", to="+14155559999"),             # no brand owns the number
        text("STOP", "SM01"),                                # the first text again
        text("hello", "SM06", sender="+14155550126"),        # nothing to do
    )
    assert [o.duplicate for o in outcomes] == [False] * 5 + [True, False]
    assert [o.classification.intent for o in outcomes[:3]] == [
        Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP]
    assert [o.entry_id for o in outcomes] == [1, 2, None, 3, None, None, None]
    assert outcomes[4].brand_id is None and outcomes[4].outbox_id is None
    assert len({o.outbox_id for o in outcomes[:4]}) == 4 and outcomes[6].outbox_id is None
    db.session.expire_all()
    states = {(s.number, s.brand_id): s.action for s in db.session.scalars(select(ConsentState))}
    assert states == {("+14155550123", brand.id): "opt_in",
                      ("+14155550125", brand.id): "opt_out", ("+14155550125", bolt.id): "opt_out"}
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 6
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 4
    entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert [(e.message_sid, e.action, e.scope) for e in entries] == [
        ("SM01", "opt_out", "brand"), ("SM02", "opt_in", "brand"), ("SM04", "opt_out", "all")]
    assert entries[1].raw_text == "START" and entries[1].evidence == '{"to":"+14155550100"}'
    assert ledger.verify(db.session).ok


def test_a_text_recorded_by_an_earlier_batch_is_a_duplicate_in_a_later_one(ctx, brand):
    write(text("STOP", "SM01"))
    outcomes = write(text("STOP", "SM01"), text("START", "SM02"))
    assert [o.duplicate for o in outcomes] == [True, False]
    assert outcomes[1].entry_id == 2
    assert ledger.verify(db.session).ok


def test_one_bad_text_fails_alone_and_the_rest_of_its_batch_is_recorded(ctx, brand):
    from sqlalchemy.exc import DataError

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores a MessageSid of any length: nothing to refuse")
    outcomes = write(text("STOP", "SM01"), text("STOP", "SM" + "x" * 80,
                                                 sender="+14155550124"),
                     text("START", "SM03", sender="+14155550125"))
    assert isinstance(outcomes[1], DataError)  # its caller answers 503; the others 200
    assert [o.entry_id for o in (outcomes[0], outcomes[2])] == [1, 2]
    db.session.expire_all()
    assert db.session.scalars(select(InboundMessage.message_sid)
                              .order_by(InboundMessage.id)).all() == ["SM01", "SM03"]
    assert ledger.verify(db.session).ok


def test_texts_from_many_threads_share_group_commits_and_keep_one_chain(app, brand):
    """Concurrent webhooks, one process: fewer writes than texts, all recorded, one chain."""
    from smsgate.extensions import redis_connection
    from smsgate.infra import counters

    post_from_threads(app, 12, ["STOP", "START"] * 5)
    with app.app_context():
        assert ledger.verify(db.session).ok
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 120
        batches = redis_connection().hgetall(counters.PREFIX + "inbound_batches_total")
        assert sum(int(count) for count in batches.values()) < 120


def test_field_the_database_cannot_hold_is_refused_with_400(brand, post_signed):
    for params in (inbound("STOP\x00"), inbound("STOP", sender="+1" + "4" * 40),
                   inbound("STOP", sid="SM" + "a" * 70)):
        response = post_signed(PATH, params)
        assert response.status_code == 400, params
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_stop_from_a_north_american_number_the_metadata_lacks_is_still_recorded(
        brand, post_signed):
    import phonenumbers

    sender = "+12125550123"
    for area in range(200, 1000):  # an area code the phonenumbers metadata does not list
        candidate = f"+1{area}5550123"
        if not phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            sender = candidate
            break
    assert not phonenumbers.is_valid_number(phonenumbers.parse(sender))
    assert post_signed(PATH, inbound("STOP", sender=sender)).status_code == 200
    state = db.session.scalars(select(ConsentState)).one()
    assert (state.number, state.action) == (sender, "opt_out")


@settings(max_examples=300, deadline=None)
@given(params=st.lists(st.tuples(st.text(max_size=8), st.text(max_size=12)), max_size=8),
       url=st.sampled_from(["https://sms.example.com/webhooks/twilio/inbound",
                            "http://127.0.0.1:5077/webhooks/twilio/inbound?a=1"]))
def test_signature_is_what_twilio_computes_for_any_form(params, url):
    from werkzeug.datastructures import MultiDict

    from smsgate.http.signature import compute_signature

    form = MultiDict(params)
    assert compute_signature(AUTH_TOKEN, url, form) == \
        RequestValidator(AUTH_TOKEN).compute_signature(url, form)


def test_a_failure_after_the_commit_never_turns_a_recorded_stop_into_an_error(
        brand, post_signed, monkeypatch):
    from smsgate.consent import inbound_writer

    def broken(*args, **kwargs):
        raise RuntimeError("a bug while queueing the reply")

    monkeypatch.setattr(inbound_writer, "enqueue_replies", broken)
    assert post_signed(PATH, inbound("STOP")).status_code == 200  # recorded: Twilio must not retry
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert db.session.scalars(select(OutboxMessage.status)).one() == "pending"  # the sweeper's


# --- the writer's connection ------------------------------------------------------------------

def test_the_writer_returns_its_connection_when_no_text_waits(ctx, brand):

    before = db.engine.pool.checkedout()
    new_writer().write([text("STOP", "SM01")])
    assert db.engine.pool.checkedout() == before


def test_a_kept_connection_serves_the_next_batch(ctx, brand):

    writer = new_writer(keep_connection=lambda: True)  # as if texts were always waiting
    before = db.engine.pool.checkedout()
    writer.write([text("STOP", "SM01")])
    writer.write([text("START", "SM02")])
    assert db.engine.pool.checkedout() == before + 1
    writer._release()
    assert db.engine.pool.checkedout() == before
    assert ledger.verify(db.session).ok


def test_a_kept_connection_the_database_dropped_is_replaced_and_nothing_is_lost(ctx, brand):
    """A restart of PostgreSQL between two batches: what the pool's ping would have caught."""

    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs a server that can drop a connection")
    writer = new_writer(keep_connection=lambda: True)
    writer.write([text("STOP", "SM01")])
    with db.engine.connect() as admin:  # every other connection to this database goes
        admin.execute(sql_text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    outcomes = writer.write([text("START", "SM02"), text("STOP", "SM01")])
    writer._release()
    assert [o.duplicate for o in outcomes] == [False, True]
    db.session.expire_all()
    assert db.session.scalars(select(LedgerEntry.message_sid).order_by(LedgerEntry.id)).all() \
        == ["SM01", "SM02"]
    assert ledger.verify(db.session).ok


# --- brand lookups the writer keeps (PostgreSQL) ------------------------------------------

@pytest.fixture
def pg_writer(ctx, brand):
    """A writer that keeps its brand lookups across batches, as under load."""

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the cache and the statement that checks it are PostgreSQL's")
    return new_writer()


def reply_to(message_sid: str) -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).join(
        InboundMessage, InboundMessage.id == OutboxMessage.inbound_id)
        .where(InboundMessage.message_sid == message_sid)).one()


def test_a_brand_whose_help_text_changed_answers_with_the_new_text(pg_writer):
    from smsgate.accounts.brands import update_brand

    pg_writer.write([text("HELP", "SM01")])
    assert "Call 800-555-0100" not in reply_to("SM01").body
    update_brand(db.session, "Acme", help_text="Call 800-555-0100 for help.")
    db.session.commit()
    pg_writer.write([text("HELP", "SM02", sender="+14155550124")])
    assert "Call 800-555-0100 for help." in reply_to("SM02").body


def test_a_brands_new_spanish_reply_is_used_by_the_next_batch(pg_writer):
    from smsgate.accounts.brands import update_brand

    pg_writer.write([text("ALTO", "SM01")])
    assert reply_to("SM01").body.startswith("Acme: Te has dado de baja")
    own = "Acme: Listo, no más mensajes de Acme. Responde COMENZAR para volver."
    update_brand(db.session, "Acme", reply_texts={("opt_out", "es"): own})
    db.session.commit()
    pg_writer.write([text("ALTO", "SM02", sender="+14155550124")])
    assert reply_to("SM02").body == own


def test_a_number_moved_to_another_brand_is_attributed_to_its_new_owner(pg_writer, brand):
    from smsgate.accounts.brands import create_brand
    from smsgate.models import BrandNumber

    pg_writer.write([text("STOP", "SM01")])
    db.session.execute(delete(BrandNumber).where(BrandNumber.number == "+14155550100"))
    bolt = create_brand(db.session, "Bolt", ["+14155550100"])
    db.session.commit()
    [outcome] = pg_writer.write([text("STOP", "SM02", sender="+14155550124")])
    assert outcome.brand_id == bolt.id
    assert reply_to("SM02").body.startswith("Bolt:")
    db.session.expire_all()
    assert db.session.scalars(select(LedgerEntry.brand_id).order_by(LedgerEntry.id)).all() \
        == [brand.id, bolt.id]
    assert ledger.verify(db.session).ok


def test_a_number_that_gains_a_brand_is_attributed_from_the_next_text(pg_writer, brand):
    from smsgate.accounts.brands import update_brand

    [first] = pg_writer.write([text("STOP", "SM01", to="+14155559999")])
    assert first.brand_id is None and first.entry_id is None
    update_brand(db.session, "Acme", add_numbers=["+14155559999"])
    db.session.commit()
    [second] = pg_writer.write([text("STOP", "SM02", to="+14155559999")])
    assert second.brand_id == brand.id and second.entry_id is not None


def test_the_batch_statement_fits_psycopg_s_parse_cache():
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    from smsgate.consent import inbound_pg

    # Longer, psycopg would parse it again for every batch.
    assert len(inbound_pg.STATEMENT) <= MAX_CACHED_STATEMENT_LENGTH


def test_the_number_texted_wins_over_another_brand_s_messaging_service(pg_writer, brand):
    """The statement's check of cached lookups runs the Python lookup's own query; were
    they to differ, every batch would look stale and no text would be recorded."""
    from smsgate.accounts.brands import create_brand
    from smsgate.consent.inbound import InboundText

    create_brand(db.session, "Bolt", ["+14155550101"],
                 messaging_service_sid="MG" + "b" * 32)
    db.session.commit()
    for sid in ("SM01", "SM02"):  # the second from the writer's cache
        [outcome] = pg_writer.write([InboundText(
            message_sid=sid, from_number="+14155550123", to_number="+14155550100",
            body="STOP", messaging_service_sid="MG" + "b" * 32)])
        assert outcome.brand_id == brand.id and outcome.entry_id is not None
