"""The inbound webhook's fast path keeps every promise of the plain one.

On PostgreSQL the webhook writes claim, reply and ledger entry in one autocommitted
statement whose entry hash is computed by the database; these tests pin that the database
hashes exactly what `ledger.compute_hash` (and so `verify`) hashes, that concurrent texts
never fork the chain, and that the shortened signature check accepts what twilio's does.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime

from conftest import AUTH_TOKEN, sign
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from test_inbound_webhook import PATH, inbound
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


@settings(max_examples=200, deadline=None)
@given(raw_text=texts, keyword=st.none() | texts, number=texts, evidence=texts,
       entry_id=st.integers(1, 10**15), prev=st.text("0123456789abcdef", min_size=64,
                                                      max_size=64))
def test_hash_parts_around_id_and_prev_hash_rebuild_the_entry_hash(raw_text, keyword, number,
                                                                    evidence, entry_id, prev):
    record = ledger.ConsentRecord(number=number, brand_id=7, action="opt_out", source="sms",
                                  keyword=keyword, raw_text=raw_text, message_sid="SM1",
                                  evidence={"to": evidence})
    fields = ledger.entry_fields(record, datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC))
    a, b, c = ledger.hash_input_parts(fields)
    from_parts = hashlib.sha256(a + str(entry_id).encode() + b + prev.encode() + c).hexdigest()
    assert from_parts == ledger.compute_hash({**fields, "id": entry_id, "prev_hash": prev})


def test_concurrent_texts_with_awkward_bodies_chain_without_a_fork(app, brand):
    from smsgate.brands import create_brand

    with app.app_context():
        create_brand(db.session, "Bolt", ["+14155550101"])  # STOP ALL reaches it too
        db.session.commit()
    assert all(classify(body, None).intent in (Intent.OPT_OUT, Intent.OPT_IN)
               for body in AWKWARD_BODIES)
    errors: list[BaseException] = []

    def texter(thread: int) -> None:
        client = app.test_client()
        try:
            for i, body in enumerate(AWKWARD_BODIES):
                params = inbound(body, sid=f"SM{thread:02d}{i:030d}",
                                 sender=f"+1415555{thread:02d}{i:02d}")
                response = client.post(PATH, data=params, headers={
                    "X-Twilio-Signature": sign("http://localhost" + PATH, params)})
                assert response.status_code == 200, response.get_data(as_text=True)
        except BaseException as exc:  # noqa: BLE001 - surfaced below: it must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=texter, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
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


def test_without_a_chain_head_a_stop_is_refused_whole_never_half_written(brand, client):
    from sqlalchemy import delete

    from smsgate.models import LedgerHead

    db.session.execute(delete(LedgerHead))
    db.session.commit()
    params = inbound("STOP")
    response = client.post(PATH, data=params, headers={
        "X-Twilio-Signature": sign("http://localhost" + PATH, params)})
    assert response.status_code >= 500  # Twilio retries
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
