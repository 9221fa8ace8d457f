"""Possible revocations: paused sending, the review queue, and a person's decision."""

from __future__ import annotations

import json

import pytest
from conftest import run_worker
from factories import INBOUND_PATH, consent, inbound, key_header, post_json
from sqlalchemy import select

from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.models import CampaignRecipient, ConsentState, LedgerEntry

NUMBER = "+14155550123"


def flag(brand_id: int, number: str = NUMBER, text: str = "maybe stop?",
         language: str = "en") -> int:
    """A possible revocation as the inbound path appends it (its own tests: below)."""
    [entry_id] = ledger.append_many(db.session, [ledger.ConsentRecord(
        number=number, brand_id=brand_id, action="review", source="sms",
        keyword="model:test", raw_text=text, message_sid="SM" + "b" * 32,
        evidence={"to": "+14155550100", "score": 0.61, "language": language})])
    db.session.commit()
    return entry_id


def state(number: str, brand_id: int) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(ConsentState.action).where(
        ConsentState.number == number, ConsentState.brand_id == brand_id))


def test_open_reviews_are_listed_with_why_they_were_flagged(client, brand):
    consent(brand.id, [NUMBER])
    review_id = flag(brand.id)
    answer = client.get("/api/v1/reviews", headers=key_header("auditor"))
    assert answer.status_code == 200
    [item] = answer.get_json()["reviews"]
    assert item == {"id": review_id, "number": NUMBER, "brand": "Acme",
                    "received_at": item["received_at"], "text": "maybe stop?",
                    "message_sid": "SM" + "b" * 32, "reason": "model:test", "score": 0.61,
                    "language": "en"}


def test_marketers_cannot_list_or_settle_reviews(client, brand):
    review_id = flag(brand.id)
    headers = key_header("marketer")
    assert client.get("/api/v1/reviews", headers=headers).status_code == 403
    answer = post_json(client, f"/api/v1/reviews/{review_id}", {"decision": "opt_out"}, headers)
    assert answer.status_code == 403
    assert state(NUMBER, brand.id) == "review"


def test_a_campaign_refuses_a_number_under_review(client, brand):
    consent(brand.id, [NUMBER, "+14155550124"])
    flag(brand.id)
    answer = post_json(client, "/api/v1/campaigns",
                       {"brand": "Acme", "body": "Sale today", "recipients": [NUMBER,
                                                                              "+14155550124"]},
                       key_header())
    assert answer.status_code == 202
    assert answer.get_json()["refused"] == [{"number": NUMBER, "reason": "pending_review"}]


def test_a_review_opened_after_queuing_refuses_at_send_time(app, client, brand, twilio):
    consent(brand.id, [NUMBER])
    answer = post_json(client, "/api/v1/campaigns",
                       {"brand": "Acme", "body": "Sale today", "recipients": [NUMBER]},
                       key_header())
    assert answer.status_code == 202
    flag(brand.id)
    run_worker(app, "campaigns")
    assert twilio.sent == []
    db.session.expire_all()
    row = db.session.scalar(select(CampaignRecipient))
    assert (row.status, row.refusal_reason) == ("refused", "pending_review")


def test_opt_out_decision_is_recorded_with_the_reviewer_and_confirmed(app, client, brand,
                                                                       twilio):
    consent(brand.id, [NUMBER])
    review_id = flag(brand.id)
    headers = key_header("auditor")
    answer = post_json(client, f"/api/v1/reviews/{review_id}", {"decision": "opt_out"}, headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["action"], body["confirmation"]) == ("opt_out", True)
    entry = db.session.get(LedgerEntry, body["entry_id"])
    assert (entry.action, entry.source, entry.keyword) == ("opt_out", "review",
                                                          "review:opt_out")
    assert entry.api_key_id is not None
    assert json.loads(entry.evidence) == {"review_of": review_id, "decision": "opt_out"}
    assert state(NUMBER, brand.id) == "opt_out"
    run_worker(app, "replies")
    [sent] = twilio.sent
    assert (sent["To"], sent["From"]) == (NUMBER, "+14155550100")
    assert sent["Body"].startswith("Acme: You are unsubscribed")
    assert client.get("/api/v1/reviews", headers=headers).get_json()["reviews"] == []
    assert ledger.verify(db.session).ok


def test_opt_out_decision_on_a_spanish_text_is_confirmed_in_spanish(app, client, brand, twilio):
    consent(brand.id, [NUMBER])
    review_id = flag(brand.id, text="ya no quiero esto creo", language="es")
    post_json(client, f"/api/v1/reviews/{review_id}", {"decision": "opt_out"},
              key_header("auditor"))
    run_worker(app, "replies")
    assert twilio.sent[0]["Body"].startswith("Acme: Te has dado de baja")


def test_not_opt_out_restores_the_opt_in_it_paused_and_sends_nothing(app, client, brand,
                                                                      twilio):
    [opt_in] = consent(brand.id, [NUMBER])
    review_id = flag(brand.id)
    answer = post_json(client, f"/api/v1/reviews/{review_id}", {"decision": "not_opt_out"},
                       key_header("auditor"))
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["action"], body["confirmation"]) == ("opt_in", False)
    entry = db.session.get(LedgerEntry, body["entry_id"])
    assert json.loads(entry.evidence) == {"review_of": review_id, "decision": "not_opt_out",
                                          "restores": opt_in}
    assert state(NUMBER, brand.id) == "opt_in"
    run_worker(app, "replies")
    assert twilio.sent == []


def test_not_opt_out_without_an_earlier_decision_leaves_no_consent(client, brand):
    review_id = flag(brand.id)
    answer = post_json(client, f"/api/v1/reviews/{review_id}", {"decision": "not_opt_out"},
                       key_header("auditor"))
    assert answer.get_json()["action"] == "none"
    assert state(NUMBER, brand.id) == "none"
    refused = post_json(client, "/api/v1/campaigns",
                        {"brand": "Acme", "body": "Hi", "recipients": [NUMBER]}, key_header())
    assert refused.status_code == 422  # every recipient refused: nothing queued
    assert refused.get_json()["error"]["refused"] == [{"number": NUMBER,
                                                       "reason": "no_consent"}]


def test_a_review_settles_once(client, brand):
    consent(brand.id, [NUMBER])
    review_id = flag(brand.id)
    headers = key_header("auditor")
    first = post_json(client, f"/api/v1/reviews/{review_id}", {"decision": "opt_out"}, headers)
    second = post_json(client, f"/api/v1/reviews/{review_id}", {"decision": "not_opt_out"},
                       headers)
    assert first.status_code == 200
    assert (second.status_code, second.get_json()["error"]["code"]) == (409, "review_closed")
    assert state(NUMBER, brand.id) == "opt_out"


def test_a_newer_keyword_from_the_number_closes_the_review(client, brand, post_signed):
    consent(brand.id, [NUMBER])
    review_id = flag(brand.id)
    post_signed(INBOUND_PATH, inbound("START", sender=NUMBER))
    answer = post_json(client, f"/api/v1/reviews/{review_id}", {"decision": "opt_out"},
                       key_header("auditor"))
    assert answer.status_code == 409
    assert state(NUMBER, brand.id) == "opt_in"


@pytest.mark.parametrize("payload,code", [({"decision": "maybe"}, "invalid_field"),
                                          ({}, "invalid_field")])
def test_bad_decisions_are_refused_and_change_nothing(client, brand, payload, code):
    review_id = flag(brand.id)
    answer = post_json(client, f"/api/v1/reviews/{review_id}", payload, key_header("auditor"))
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, code)
    assert state(NUMBER, brand.id) == "review"


def test_unknown_and_other_brands_reviews_are_not_found(client, brand):
    from smsgate.accounts.brands import create_brand

    other = create_brand(db.session, "Zeta", ["+14155550199"])
    db.session.commit()
    review_id = flag(other.id)
    scoped = key_header("auditor", "Acme")
    assert client.get("/api/v1/reviews", headers=scoped).get_json()["reviews"] == []
    for target in (review_id, review_id + 100):
        answer = post_json(client, f"/api/v1/reviews/{target}", {"decision": "opt_out"}, scoped)
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (404,
                                                                            "unknown_review")
    assert state(NUMBER, other.id) == "review"


def test_an_opt_in_entry_is_not_a_review(client, brand):
    [opt_in] = consent(brand.id, [NUMBER])
    answer = post_json(client, f"/api/v1/reviews/{opt_in}", {"decision": "opt_out"},
                       key_header("auditor"))
    assert answer.status_code == 404


def test_an_old_consent_cannot_resume_sending_paused_for_review(client, brand):
    from factories import OPT_IN_EVIDENCE

    consent(brand.id, [NUMBER])
    flag(brand.id)
    answer = post_json(client, "/api/v1/consents",
                       {"brand": "Acme", "number": NUMBER, "action": "opt_in",
                        "evidence": OPT_IN_EVIDENCE}, key_header())
    assert answer.status_code == 422
    assert "consent_predates_opt_out" in answer.get_json()["error"]["errors"][0]["reason"]
    assert state(NUMBER, brand.id) == "review"


# --- through the webhook ------------------------------------------------------------------------

UNSURE = "Maybe I dont need these"  # the model's review band (docs/keywords.md)


def test_possible_revocation_through_the_webhook_to_a_confirmed_decision(app, client, brand,
                                                                         post_signed, twilio):
    consent(brand.id, [NUMBER])
    assert post_signed(INBOUND_PATH, inbound(UNSURE, sender=NUMBER)).status_code == 200
    run_worker(app, "replies")
    assert twilio.sent == []  # no confirmation for a text nobody has decided on
    assert state(NUMBER, brand.id) == "review"
    entry = db.session.scalar(select(LedgerEntry).order_by(LedgerEntry.id.desc()).limit(1))
    assert (entry.action, entry.keyword, entry.raw_text) == ("review", "model:lr1", UNSURE)
    assert 0.5 <= json.loads(entry.evidence)["score"] < 1

    campaign = post_json(client, "/api/v1/campaigns",
                         {"brand": "Acme", "body": "Sale", "recipients": [NUMBER]}, key_header())
    assert campaign.status_code == 422
    assert campaign.get_json()["error"]["refused"] == [{"number": NUMBER,
                                                        "reason": "pending_review"}]

    auditor = key_header("auditor")
    [item] = client.get("/api/v1/reviews", headers=auditor).get_json()["reviews"]
    assert (item["id"], item["text"], item["reason"]) == (entry.id, UNSURE, "model:lr1")
    settled = post_json(client, f"/api/v1/reviews/{entry.id}", {"decision": "opt_out"}, auditor)
    assert settled.status_code == 200
    run_worker(app, "replies")
    [sent] = twilio.sent
    assert sent["To"] == NUMBER and sent["Body"].startswith("Acme: You are unsubscribed")
    assert state(NUMBER, brand.id) == "opt_out"
    assert ledger.verify(db.session).ok


def test_a_spanish_possible_revocation_is_confirmed_in_spanish(app, client, brand, post_signed,
                                                               twilio):
    consent(brand.id, [NUMBER])
    post_signed(INBOUND_PATH, inbound("ya no me sirven creo", sender=NUMBER))
    [item] = client.get("/api/v1/reviews", headers=key_header("auditor")).get_json()["reviews"]
    assert item["language"] == "es"
    post_json(client, f"/api/v1/reviews/{item['id']}", {"decision": "opt_out"},
              key_header("auditor"))
    run_worker(app, "replies")
    assert twilio.sent[0]["Body"].startswith("Acme: Te has dado de baja")


def test_a_plain_language_opt_out_records_the_rule_that_decided(app, brand, post_signed, twilio):
    post_signed(INBOUND_PATH, inbound("Please discontinue text messages to this number.",
                                      sender=NUMBER))
    entry = db.session.scalar(select(LedgerEntry))
    assert (entry.action, entry.keyword) == ("opt_out", "rule:stop-the-texts")
    run_worker(app, "replies")
    assert twilio.sent[0]["Body"].startswith("Acme: You are unsubscribed")
