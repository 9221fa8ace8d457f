"""POST/GET /api/v1/campaigns: who may send, what is refused and why, what is queued."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import ACCOUNT_SID, run_worker
from factories import (
    SENDER,
    consent,
    key_header,
    numbers,
    post_json,
    run_jobs,
    settings_changed,
)
from factories import STATUS_PATH as STATUS
from factories import status_callback as callback
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import event, func, select, update

from smsgate import jobs
from smsgate.extensions import db
from smsgate.models import Campaign, CampaignRecipient, LedgerEntry, utcnow

PATH = "/api/v1/campaigns"

# The send-time counts (issue 16) of a campaign sent in daytime, never cancelled.
NOTHING_HELD = {"deferred": 0, "expired": 0, "cancelled": 0}

def create(client, recipients, headers, body="Big sale today!", brand="Acme"):
    return post_json(client, PATH, {"brand": brand, "body": body, "recipients": recipients},
                     headers)


def recipients_by_number():
    db.session.expire_all()
    return {r.number: r for r in db.session.scalars(select(CampaignRecipient))}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_each_refused_recipient_gets_its_exact_reason_in_list_order(client, brand):
    ok, stopped, stranger = numbers(3)
    consent(brand.id, [ok, stopped])
    consent(brand.id, [stopped], "opt_out")
    response = create(client, ["(415) 555-2000", stopped, "12345", stranger, ok,
                               "not a number", "415.555.2000 "], key_header())
    assert response.status_code == 202
    data = response.get_json()
    assert data["accepted"] == 1
    assert data["refused"] == [
        {"number": stopped, "reason": "opted_out"},
        {"number": "12345", "reason": "invalid_number"},
        {"number": stranger, "reason": "no_consent"},
        {"number": ok, "reason": "duplicate"},
        {"number": "not a number", "reason": "invalid_number"},
        {"number": "415.555.2000 ", "reason": "duplicate"},
    ]
    assert list(recipients_by_number()) == [ok]  # stored as E.164
    campaign = db.session.get(Campaign, data["id"])
    assert campaign.refused_at_request == 6


def test_body_is_composed_once_with_brand_first_and_stop_line(client, brand):
    consent(brand.id, numbers(1))
    data = create(client, numbers(1), key_header(), body="  Big sale today!  ").get_json()
    assert data["body"] == "Acme: Big sale today! Reply STOP to opt out."
    assert (data["segments"], data["encoding"]) == (1, "GSM-7")
    kept = create(client, numbers(1), key_header(),
                  body="ACME deals 😀 text STOP to quit").get_json()
    assert kept["body"] == "ACME deals 😀 text STOP to quit"
    assert kept["encoding"] == "UCS-2"


def test_each_consented_recipient_gets_one_text_naming_the_brand(app, client, brand, twilio):
    targets = numbers(3)
    consent(brand.id, targets)
    data = create(client, targets + numbers(1, start=50), key_header()).get_json()
    run_worker(app, "campaigns")
    assert sorted(request["To"] for request in twilio.sent) == targets
    for request in twilio.sent:
        assert request["_url"] == (
            f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
        assert request["From"] == SENDER
        assert "MessagingServiceSid" not in request
        assert request["Body"].startswith("Acme: ")
        assert "Reply STOP to opt out" in request["Body"]
    rows = recipients_by_number()
    assert {r.status for r in rows.values()} == {"sent"}
    assert {r.provider_sid for r in rows.values()} == {f"SM{i:032x}" for i in (1, 2, 3)}
    status = client.get(f"{PATH}/{data['id']}", headers=key_header()).get_json()
    assert (status["id"], status["status"]) == (data["id"], "done")
    assert status["counts"] == {"queued": 0, "sent": 3, "delivered": 0, "failed": 0,
                                "refused": 1, **NOTHING_HELD}


def test_brand_with_a_messaging_service_sends_through_it(app, client, ctx, twilio):
    from smsgate.accounts.brands import create_brand

    service_sid = "MG" + "a" * 32
    brand = create_brand(db.session, "Bolt", messaging_service_sid=service_sid)
    db.session.commit()
    consent(brand.id, numbers(1))
    create(client, numbers(1), key_header(), brand="Bolt")
    run_worker(app, "campaigns")
    [request] = twilio.sent
    assert request["MessagingServiceSid"] == service_sid
    assert "From" not in request
    assert request["Body"].startswith("Bolt: ")


def test_status_moves_from_queued_to_sending_to_done_with_delivery_counts(
        app, client, brand, twilio, post_signed):
    targets = numbers(4)
    consent(brand.id, targets)
    headers = key_header()
    with settings_changed(app, recipients_per_job=2, send_threads=1):
        cid = create(client, targets + ["bad"], headers).get_json()["id"]
        assert client.get(f"{PATH}/{cid}", headers=headers).get_json()["status"] == "queued"
        run_jobs(app, 1)
        progress = client.get(f"{PATH}/{cid}", headers=headers).get_json()
        assert progress["status"] == "sending"
        assert progress["counts"] == {"queued": 2, "sent": 2, "delivered": 0, "failed": 0,
                                      "refused": 1, **NOTHING_HELD}
        run_worker(app, "campaigns")
    post_signed(STATUS, callback(f"SM{1:032x}", "delivered"))
    post_signed(STATUS, callback(f"SM{2:032x}", "undelivered", "30003"))
    progress = client.get(f"{PATH}/{cid}", headers=headers).get_json()
    assert (progress["id"], progress["status"]) == (cid, "done")
    assert progress["counts"] == {"queued": 0, "sent": 2, "delivered": 1, "failed": 1,
                                  "refused": 1, **NOTHING_HELD}


def test_callback_that_beats_the_sid_being_recorded_still_counts(app, client, brand, twilio,
                                                                 post_signed):
    consent(brand.id, numbers(1))
    headers = key_header()
    cid = create(client, numbers(1), headers).get_json()["id"]
    post_signed(STATUS, callback(f"SM{1:032x}", "delivered"))  # Twilio's callback came first
    run_worker(app, "campaigns")
    assert client.get(f"{PATH}/{cid}", headers=headers).get_json()["counts"]["delivered"] == 1


def test_consent_for_many_recipients_is_read_in_a_few_bulk_queries(app, client, brand):
    targets = numbers(3000)
    consent(brand.id, targets[:2000])
    statements = []

    def remember(conn, cursor, statement, *args):
        if "consent_state" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        response = create(client, targets, key_header())
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert response.status_code == 202
    assert response.get_json()["accepted"] == 2000
    assert len(statements) <= 3
    assert count(CampaignRecipient) == 2000


def test_campaign_survives_redis_down_and_the_sweeper_queues_it(app, client, brand, twilio):
    targets = numbers(3)
    consent(brand.id, targets)
    headers = key_header()
    working = app.extensions["smsgate_redis"]
    app.extensions["smsgate_redis"] = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    try:
        response = create(client, targets, headers)
    finally:
        app.extensions["smsgate_redis"] = working
    assert response.status_code == 202
    run_worker(app, "campaigns")
    assert twilio.sent == []  # nothing was queued
    assert jobs.sweep() == {"stale": 0, "requeued": 0}  # too young: its request may still queue
    db.session.execute(update(Campaign).values(created_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    with app.app_context():
        assert jobs._sweep_campaigns(app.config["SMSGATE"])["jobs_requeued"] == 1
    run_worker(app, "campaigns")
    with app.app_context():
        assert jobs._sweep_campaigns(app.config["SMSGATE"])["jobs_requeued"] == 0
    run_worker(app, "campaigns")
    assert sorted(r["To"] for r in twilio.sent) == targets


def test_missing_key_wrong_role_and_wrong_brand_are_refused_and_write_nothing(client, brand):
    from smsgate.accounts.brands import create_brand

    create_brand(db.session, "Other", ["+14155550101"])
    db.session.commit()
    consent(brand.id, numbers(1))
    payload = {"brand": "Acme", "body": "hi", "recipients": numbers(1)}
    cases = [({}, 401, "unauthorized"),
             ({"Authorization": "Bearer sgk_nope_x"}, 401, "invalid_key"),
             (key_header("auditor"), 403, "wrong_role"),
             (key_header("marketer", "Other"), 403, "wrong_brand")]
    for headers, status, code in cases:
        response = post_json(client, PATH, payload, headers)
        assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)
    assert count(Campaign) == count(CampaignRecipient) == 0
    assert create(client, numbers(1), key_header("marketer", "Acme")).status_code == 202


def test_campaign_status_is_for_marketers_of_its_brand(client, brand):
    from smsgate.accounts.brands import create_brand

    create_brand(db.session, "Other", ["+14155550101"])
    db.session.commit()
    consent(brand.id, numbers(1))
    cid = create(client, numbers(1), key_header()).get_json()["id"]
    path = f"{PATH}/{cid}"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=key_header("auditor")).status_code == 403
    assert client.get(path, headers=key_header("marketer", "Other")).status_code == 403
    assert client.get(path, headers=key_header("marketer", "Acme")).status_code == 200
    missing = client.get(f"{PATH}/999999", headers=key_header())
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (404,
                                                                         "unknown_campaign")


def test_a_scoped_key_cannot_tell_another_brands_campaign_from_a_missing_one(client, brand):
    from smsgate.accounts.brands import create_brand

    create_brand(db.session, "Other", ["+14155550101"])
    db.session.commit()
    consent(brand.id, numbers(1))
    cid = create(client, numbers(1), key_header()).get_json()["id"]
    other = key_header("marketer", "Other")
    answers = [client.get(f"{PATH}/{campaign_id}", headers=other)
               for campaign_id in (cid, cid + 1000, 2**40)]
    assert [(a.status_code, a.get_json()["error"]["code"]) for a in answers] == [
        (403, "wrong_brand")] * 3


def test_a_scoped_key_naming_a_brand_that_does_not_exist_is_refused_as_another_brand(
        client, brand):
    payload = {"brand": "Nobody", "body": "hi", "recipients": numbers(1)}
    response = post_json(client, PATH, payload, key_header("marketer", "Acme"))
    assert (response.status_code, response.get_json()["error"]["code"]) == (403,
                                                                           "wrong_brand")


def test_unknown_brand_is_404(client, brand):
    response = create(client, numbers(1), key_header(), brand="Nobody")
    assert (response.status_code, response.get_json()["error"]["code"]) == (404,
                                                                           "unknown_brand")


LONG = "x" * 1601
BAD_BODIES = [
    pytest.param("text/plain", b'{"brand": "Acme"}', 415, id="not-json-content-type"),
    pytest.param("application/x-www-form-urlencoded", b"brand=Acme", 415, id="form"),
    pytest.param("application/json", b'{"brand": "Acme",', 400, id="truncated-json"),
    pytest.param("application/json", b"", 400, id="empty-body"),
    pytest.param("application/json", b"\xff\xfe{}", 400, id="not-utf8"),
    pytest.param("application/json", b'{"brand": NaN}', 400, id="nan"),
    pytest.param("application/json", b"[" * 100_000 + b"]" * 100_000, 400, id="deep-nesting"),
    pytest.param("application/json", b'["Acme"]', 422, id="array"),
    pytest.param("application/json", b"null", 422, id="null"),
]


@pytest.mark.parametrize("content_type, raw, status", BAD_BODIES)
def test_malformed_bodies_get_json_errors_not_500(client, brand, content_type, raw, status):
    response = client.post(PATH, data=raw, headers={**key_header(), "Content-Type": content_type})
    assert response.status_code == status
    assert set(response.get_json()["error"]) >= {"code", "message"}
    assert count(Campaign) == 0


def _payload(**changes):
    payload = {"brand": "Acme", "body": "Sale", "recipients": ["+14155552000"]}
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


BAD_FIELDS = [
    pytest.param(_payload(body=""), "invalid_field", id="empty-body"),
    pytest.param(_payload(body="   "), "invalid_field", id="blank-body"),
    pytest.param(_payload(body=...), "missing_field", id="no-body"),
    pytest.param(_payload(body=12), "invalid_field", id="number-body"),
    pytest.param(_payload(body=LONG), "invalid_field", id="body-over-1600"),
    pytest.param(_payload(body="y" * 1590), "body_too_long", id="composed-over-1600"),
    pytest.param(_payload(brand=...), "missing_field", id="no-brand"),
    pytest.param(_payload(brand=["Acme"]), "invalid_field", id="brand-list"),
    pytest.param(_payload(recipients="+14155552000"), "invalid_field", id="recipients-string"),
    pytest.param(_payload(recipients={"a": 1}), "invalid_field", id="recipients-object"),
    pytest.param(_payload(recipients=["+14155552000", 4155552001]), "invalid_field",
                 id="recipient-number"),
    pytest.param(_payload(recipients=[None]), "invalid_field", id="recipient-null"),
    pytest.param(_payload(recipients=[]), "invalid_field", id="no-recipients"),
    pytest.param(_payload(recipients=...), "missing_field", id="recipients-missing"),
]


@pytest.mark.parametrize("payload, code", BAD_FIELDS)
def test_wrong_field_types_and_sizes_are_422(client, brand, payload, code):
    consent(brand.id, ["+14155552000"])
    response = post_json(client, PATH, payload, key_header())
    assert (response.status_code, response.get_json()["error"]["code"]) == (422, code)
    assert count(Campaign) == count(CampaignRecipient) == 0


def test_too_many_recipients_is_413_and_writes_nothing(app, client, brand):
    with settings_changed(app, max_campaign_recipients=3):
        response = create(client, numbers(4), key_header())
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_many_recipients"
    assert response.get_json()["error"]["limit"] == 3
    assert count(Campaign) == 0


def test_oversized_request_body_is_413_json(app, client, brand):
    original = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = create(client, numbers(100), key_header())
    finally:
        app.config["MAX_CONTENT_LENGTH"] = original
    assert response.status_code == 413
    assert response.is_json and "code" in response.get_json()["error"]
    assert count(Campaign) == 0


def test_full_size_campaign_is_accepted_in_one_request(client, brand):
    targets = [f"+1415{555 + i // 10_000:03d}{i % 10_000:04d}" for i in range(100_000)]
    consent(brand.id, targets[::10])
    response = post_json(client, PATH, {"brand": "Acme", "body": "Sale",
                                        "recipients": targets}, key_header())
    assert response.status_code == 202
    data = response.get_json()
    assert data["accepted"] == 10_000
    assert {r["reason"] for r in data["refused"]} == {"no_consent"}
    assert len(data["refused"]) == 90_000
    assert count(CampaignRecipient) == 10_000
    assert json.loads(response.get_data())["id"] == db.session.scalar(select(Campaign.id))


def test_api_opt_out_makes_the_next_campaign_refuse_the_number(client, brand):
    target = numbers(1)[0]
    consent(brand.id, [target])
    response = post_json(client, "/api/v1/consents",
                         {"brand": "Acme", "number": target, "action": "opt_out"}, key_header())
    assert response.status_code == 201
    response = create(client, [target], key_header())
    assert response.status_code == 422
    assert response.get_json()["error"]["refused"] == [{"number": target, "reason": "opted_out"}]
    assert count(LedgerEntry) == 2


def test_a_campaign_whose_every_recipient_is_refused_answers_422_and_writes_nothing(
        client, brand):
    stopped, stranger = numbers(2)
    consent(brand.id, [stopped], "opt_out")
    response = create(client, [stopped, stranger, "12345"], key_header())
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "all_recipients_refused"
    assert error["refused"] == [{"number": stopped, "reason": "opted_out"},
                                {"number": stranger, "reason": "no_consent"},
                                {"number": "12345", "reason": "invalid_number"}]
    assert (count(Campaign), count(CampaignRecipient)) == (0, 0)


def test_the_answer_says_what_composing_added_and_a_bare_body_ends_its_sentence(client, brand):
    consent(brand.id, numbers(1))
    data = create(client, numbers(1), key_header(), body="Hi").get_json()
    assert data["body"] == "Acme: Hi. Reply STOP to opt out."
    assert data["added"] == {"brand_prefix": True, "stop_line": True}
    kept = create(client, numbers(1), key_header(), body="Acme: hi, reply STOP to end").get_json()
    assert kept["body"] == "Acme: hi, reply STOP to end"
    assert kept["added"] == {"brand_prefix": False, "stop_line": False}
