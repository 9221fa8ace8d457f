"""The inbound webhook: signatures, MessageSid idempotency, one transaction per text."""

from __future__ import annotations

import pytest
from conftest import AUTH_TOKEN, sign
from factories import INBOUND_PATH, inbound
from sqlalchemy import func, select

from smsgate.extensions import db
from smsgate.models import ConsentState, InboundMessage, LedgerEntry, OutboxMessage


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_stop_is_recorded_with_its_evidence_and_owes_one_reply(brand, post_signed):
    response = post_signed(INBOUND_PATH, inbound("Stop."))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True).endswith("<Response/>")
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.number, entry.brand_id, entry.action, entry.source, entry.keyword,
            entry.raw_text, entry.message_sid) == (
        "+14155550123", brand.id, "opt_out", "sms", "STOP", "Stop.", "SM" + "a" * 32)
    assert db.session.get(ConsentState, ("+14155550123", brand.id)).action == "opt_out"
    reply = db.session.scalars(select(OutboxMessage)).one()
    assert (reply.kind, reply.to_number, reply.from_number, reply.status) == (
        "opt_out", "+14155550123", "+14155550100", "pending")
    assert reply.body.startswith("Acme: ")


def test_missing_signature_is_refused_and_changes_nothing(brand, client):
    response = client.post(INBOUND_PATH, data=inbound("STOP"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "bad_signature"
    assert count(InboundMessage) == count(LedgerEntry) == count(OutboxMessage) == 0


def test_forged_signature_is_refused(brand, client):
    params = inbound("STOP")
    forged = sign("http://localhost" + INBOUND_PATH, {**params, "Body": "START"})
    response = client.post(INBOUND_PATH, data=params, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403
    assert count(LedgerEntry) == 0


def test_signature_from_another_account_token_is_refused(brand, client):
    from twilio.request_validator import RequestValidator

    params = inbound("STOP")
    other = RequestValidator(AUTH_TOKEN + "x").compute_signature("http://localhost" + INBOUND_PATH,
                                                                 params)
    assert client.post(INBOUND_PATH, data=params, headers={"X-Twilio-Signature": other}
                       ).status_code == 403


def test_signature_over_the_wrong_url_is_refused(brand, client):
    params = inbound("STOP")
    wrong = sign("https://elsewhere.example" + INBOUND_PATH, params)
    assert client.post(INBOUND_PATH, data=params, headers={"X-Twilio-Signature": wrong}
                       ).status_code == 403
    assert count(LedgerEntry) == 0


@pytest.mark.parametrize("host", ["localhost:99999", "localhost:http", "localhost:-1"])
def test_host_with_an_impossible_port_is_refused_not_crashed(brand, client, host):
    params = inbound("STOP")
    signature = sign(f"http://{host}" + INBOUND_PATH, params)  # signed over the forged URL itself
    response = client.post(INBOUND_PATH, data=params, headers={"X-Twilio-Signature": signature,
                                                       "Host": host})
    assert response.status_code in (400, 403)
    assert count(LedgerEntry) == 0


def test_public_base_url_is_the_url_checked_behind_a_proxy(app, brand):
    from dataclasses import replace

    app.config["SMSGATE"], original = replace(app.config["SMSGATE"],
                                              public_base_url="https://sms.acme.example"), \
        app.config["SMSGATE"]
    try:
        client = app.test_client()
        params = inbound("STOP")
        local = sign("http://localhost" + INBOUND_PATH, params)
        assert client.post(INBOUND_PATH, data=params, headers={"X-Twilio-Signature": local}
                           ).status_code == 403
        public = sign("https://sms.acme.example" + INBOUND_PATH, params)
        assert client.post(INBOUND_PATH, data=params, headers={"X-Twilio-Signature": public}
                           ).status_code == 200
    finally:
        app.config["SMSGATE"] = original
    assert count(LedgerEntry) == 1


def test_same_message_sid_three_times_records_one_entry_and_one_reply(brand, post_signed):
    for _ in range(3):
        assert post_signed(INBOUND_PATH, inbound("STOP")).status_code == 200
    assert count(InboundMessage) == count(LedgerEntry) == count(OutboxMessage) == 1


def test_missing_fields_get_a_clear_400(brand, post_signed):
    params = inbound("STOP")
    del params["From"]
    response = post_signed(INBOUND_PATH, params)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "missing_field"
    assert count(InboundMessage) == 0


def test_stop_all_opts_out_of_every_brand(ctx, brand, post_signed):
    from smsgate.accounts.brands import create_brand
    from smsgate.consent import ledger

    other = create_brand(db.session, "Bolt", ["+14155550101"])
    ledger.append(db.session, ledger.ConsentRecord("+14155550123", other.id, "opt_in", "api"))
    db.session.commit()
    post_signed(INBOUND_PATH, inbound("stop all"))
    states = db.session.scalars(select(ConsentState)).all()
    assert {(s.brand_id, s.action) for s in states} == {(brand.id, "opt_out"),
                                                         (other.id, "opt_out")}
    entry = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id.desc())).first()
    assert (entry.scope, entry.keyword) == ("all", "STOP ALL")


def test_opt_out_type_from_twilio_wins_over_the_text(brand, post_signed):
    post_signed(INBOUND_PATH, inbound("hello there", OptOutType="STOP"))
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert entry.action == "opt_out"
    assert entry.raw_text == "hello there"


def test_plain_language_revocation_is_an_opt_out_keeping_the_raw_text(brand, post_signed):
    post_signed(INBOUND_PATH, inbound("Please stop texting me"))
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.action, entry.raw_text) == ("opt_out", "Please stop texting me")


def test_help_gets_a_reply_but_changes_no_consent(brand, post_signed):
    post_signed(INBOUND_PATH, inbound("HELP"))
    assert count(LedgerEntry) == 0
    reply = db.session.scalars(select(OutboxMessage)).one()
    assert reply.kind == "help"
    assert "help@acme.example" in reply.body and "STOP" in reply.body


def test_ordinary_text_is_kept_but_changes_nothing(brand, post_signed):
    post_signed(INBOUND_PATH, inbound("Don't stop"))
    assert count(InboundMessage) == 1
    assert count(LedgerEntry) == count(OutboxMessage) == 0


def test_text_to_a_number_no_brand_owns_is_kept_without_consent_change(ctx, post_signed):
    assert post_signed(INBOUND_PATH, inbound("STOP", to="+14155550177")).status_code == 200
    assert count(InboundMessage) == 1
    assert count(LedgerEntry) == 0


def test_messaging_service_attributes_the_brand(ctx, post_signed):
    from smsgate.accounts.brands import create_brand

    mss = "MG" + "2" * 32
    bolt = create_brand(db.session, "Bolt", [], messaging_service_sid=mss)
    db.session.commit()
    post_signed(INBOUND_PATH, inbound("START", to="+14155550178", MessagingServiceSid=mss))
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.brand_id, entry.action) == (bolt.id, "opt_in")


def test_oversized_body_is_refused_with_413(brand, client):
    response = client.post(INBOUND_PATH, data={"Body": "x" * (9 * 1024 * 1024)},
                           headers={"X-Twilio-Signature": "x"})
    assert response.status_code == 413
    assert count(InboundMessage) == 0


def test_invalid_utf8_body_is_refused_not_crashed(brand, client):
    response = client.post(INBOUND_PATH, data=b"MessageSid=SM1&From=%FF%FE&Body=\xff\xfe",
                           content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": "abc"})
    assert response.status_code == 403
    assert count(InboundMessage) == 0
