"""Double opt-in: an API opt-in waits for the number's YES; expiry and STOP settle it too."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine
from conftest import run_worker
from factories import (
    INBOUND_PATH,
    OPT_IN_EVIDENCE,
    SENDER,
    consent,
    inbound,
    key_header,
    numbers,
    post_json,
)
from sqlalchemy import func, select

from smsgate.extensions import db
from smsgate.models import LedgerEntry, OutboxMessage, PendingConfirmation, utcnow

PERSON = "+14155550123"
YES_SID = "SM" + "5" * 32


def double_opt_in(runner, *extra: str) -> None:
    result = runner.invoke(args=["smsgate", "brand", "update", "Acme", "--double-opt-in",
                                 "--program", "Acme Deals alerts", *extra])
    assert result.exit_code == 0, result.output
    assert "double_opt_in=" in result.output


def web_opt_in(client, number: str = PERSON):
    return post_json(client, "/api/v1/consents", {
        "brand": "Acme", "number": number, "action": "opt_in", "evidence": OPT_IN_EVIDENCE},
        key_header())


def view(client, number: str = PERSON) -> dict:
    return client.get(f"/api/v1/consents/{number}", headers=key_header("auditor")).get_json()


def campaign(client, recipients):
    return post_json(client, "/api/v1/campaigns", {"brand": "Acme", "body": "Sale today!",
                                                   "recipients": recipients}, key_header())


def entries() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def test_api_opt_in_waits_for_yes_which_links_the_web_form_and_lets_campaigns_send(
        app, client, runner, brand, post_signed, twilio):
    double_opt_in(runner)
    response = web_opt_in(client)
    assert response.status_code == 201
    answer = response.get_json()
    assert (answer["state"], answer["brand"]) == ("pending", "Acme")
    assert entries() == 0  # nothing is consent yet
    run_worker(app, "replies")
    [request] = twilio.sent
    assert (request["To"], request["From"]) == (PERSON, SENDER)
    assert request["Body"] == ("Acme: Reply YES to confirm you want Acme Deals alerts. "
                               "Msg frequency varies. Msg & data rates may apply. "
                               "Reply STOP to opt out.")
    assert view(client)["brands"]["Acme"]["action"] == "pending"
    other = numbers(1)[0]
    consent(brand.id, [other])
    refused = campaign(client, [PERSON, other]).get_json()
    assert refused["refused"] == [{"number": PERSON, "reason": "pending_confirmation"}]

    post_signed(INBOUND_PATH, inbound("Yes", sid=YES_SID))
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.number == PERSON)).one()
    assert (entry.action, entry.source, entry.keyword, entry.message_sid) == (
        "opt_in", "sms", "YES", YES_SID)
    link = json.loads(entry.evidence)["double_opt_in"]
    assert link["pending_id"] == answer["pending_id"]
    assert link["web_form"] == OPT_IN_EVIDENCE
    assert link["confirmed_by"] == YES_SID
    assert view(client)["brands"]["Acme"]["action"] == "opt_in"
    sent = campaign(client, [PERSON])
    assert (sent.status_code, sent.get_json()["accepted"]) == (202, 1)
    run_worker(app, "campaigns")
    sales = [r["To"] for r in twilio.sent if r["Body"].startswith("Acme: Sale")]
    assert sorted(sales) == sorted([other, PERSON])  # the first campaign's, then this one's


def test_an_unanswered_request_expires_and_writes_nothing(client, runner, brand, post_signed):
    double_opt_in(runner, "--confirm-within", "2")
    assert web_opt_in(client).status_code == 201
    with time_machine.travel(utcnow() + timedelta(hours=2, seconds=1)):
        assert entries() == 0
        assert "Acme" not in view(client)["brands"]
        refused = campaign(client, [PERSON])
        assert refused.get_json()["error"]["refused"] == [
            {"number": PERSON, "reason": "no_consent"}]
        # A YES after the window is an opt-in by text on its own, linked to no web form.
        post_signed(INBOUND_PATH, inbound("YES", sid=YES_SID))
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert entry.action == "opt_in"
    assert "double_opt_in" not in json.loads(entry.evidence)


def test_stop_while_pending_is_an_opt_out_and_settles_the_request(
        client, runner, brand, post_signed):
    double_opt_in(runner)
    assert web_opt_in(client).status_code == 201
    post_signed(INBOUND_PATH, inbound("STOP"))
    assert view(client)["brands"]["Acme"]["action"] == "opt_out"
    refused = campaign(client, [PERSON]).get_json()["error"]["refused"]
    assert refused == [{"number": PERSON, "reason": "opted_out"}]
    post_signed(INBOUND_PATH, inbound("YES", sid=YES_SID))  # fresh consent, not a confirmation
    entry = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id.desc())).first()
    assert entry.action == "opt_in" and "double_opt_in" not in json.loads(entry.evidence)


def test_a_request_a_stop_overtook_is_never_sent(app, client, runner, brand, post_signed,
                                                 twilio):
    double_opt_in(runner)
    assert web_opt_in(client).status_code == 201
    post_signed(INBOUND_PATH, inbound("STOP"))  # before any worker ran
    run_worker(app, "replies")
    assert [r["Body"] for r in twilio.sent] == [
        "Acme: You are unsubscribed and will receive no more messages. "
        "Reply START to resubscribe."]
    request = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "confirm")
                                 ).one()
    db.session.refresh(request)
    assert (request.status, request.error_code) == ("failed", "settled")


def test_asking_again_while_pending_sends_no_second_request(client, runner, brand):
    double_opt_in(runner)
    first = web_opt_in(client).get_json()
    again = web_opt_in(client).get_json()
    assert again["pending_id"] == first["pending_id"]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(PendingConfirmation)) == 1


def test_a_batch_records_opt_outs_and_makes_its_opt_ins_pending(client, runner, brand):
    double_opt_in(runner)
    joining, leaving = numbers(2)
    response = post_json(client, "/api/v1/consents", {"brand": "Acme", "consents": [
        {"number": joining, "action": "opt_in", "evidence": OPT_IN_EVIDENCE},
        {"number": leaving, "action": "opt_out"}]}, key_header())
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["count"] == 1 and len(answer["ids"]) == 1
    assert [p["index"] for p in answer["pending"]] == [0]
    assert view(client, leaving)["brands"]["Acme"]["action"] == "opt_out"
    assert view(client, joining)["brands"]["Acme"]["action"] == "pending"


def test_a_pending_opt_in_still_needs_its_evidence_and_a_bad_window_is_refused(
        client, runner, brand):
    double_opt_in(runner)
    response = post_json(client, "/api/v1/consents", {
        "brand": "Acme", "number": PERSON, "action": "opt_in"}, key_header())
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(PendingConfirmation)) == 0
    bad = runner.invoke(args=["smsgate", "brand", "update", "Acme", "--confirm-within", "0"])
    assert bad.exit_code == 1 and "--confirm-within" in bad.output


def test_a_yes_after_the_brand_stopped_asking_is_a_plain_opt_in_that_settles_the_request(
        client, runner, brand, post_signed):
    double_opt_in(runner)
    assert web_opt_in(client).get_json()["state"] == "pending"
    result = runner.invoke(args=["smsgate", "brand", "update", "Acme", "--single-opt-in"])
    assert result.exit_code == 0, result.output
    assert post_signed(INBOUND_PATH, inbound("YES", sid=YES_SID)).status_code == 200
    db.session.expire_all()
    entry = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id.desc())).first()
    assert (entry.action, entry.message_sid) == ("opt_in", YES_SID)
    assert "double_opt_in" not in json.loads(entry.evidence)  # the express YES stands alone
    assert view(client)["brands"]["Acme"]["action"] == "opt_in"  # no longer pending
