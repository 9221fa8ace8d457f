"""POST/GET /api/v1/consents: written consent with its evidence, all-or-nothing batches."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from factories import (
    INBOUND_PATH,
    OPT_IN_EVIDENCE,
    consent,
    inbound,
    key_header,
    numbers,
    post_json,
    settings_changed,
)
from sqlalchemy import func, select

from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.models import ApiKey, ConsentState, LedgerEntry, LedgerHead

PATH = "/api/v1/consents"
PERSON = "+14155552000"


def opt_in(number: str = "(415) 555-2000", **evidence_changes) -> dict:
    evidence = {**OPT_IN_EVIDENCE, **evidence_changes}
    return {"number": number, "action": "opt_in",
            "evidence": {k: v for k, v in evidence.items() if v is not None}}


def entries() -> list[LedgerEntry]:
    db.session.expire_all()
    return db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()


def assert_nothing_written() -> None:
    assert entries() == []
    assert db.session.get(LedgerHead, 1).last_id == 0
    assert db.session.scalar(select(func.count()).select_from(ConsentState)) == 0


def test_opt_in_is_recorded_with_its_evidence_and_the_key_that_sent_it(client, brand):
    headers = key_header()
    response = post_json(client, PATH, {"brand": "Acme", **opt_in()}, headers)
    assert response.status_code == 201
    [entry] = entries()
    assert response.get_json() == {"id": entry.id, "brand": "Acme"}
    key = db.session.scalars(select(ApiKey)).one()
    assert (entry.number, entry.brand_id, entry.action, entry.source, entry.api_key_id,
            entry.keyword, entry.message_sid) == (PERSON, brand.id, "opt_in", "api", key.id,
                                                  None, None)
    assert json.loads(entry.evidence) == OPT_IN_EVIDENCE
    assert db.session.get(ConsentState, (PERSON, brand.id)).action == "opt_in"
    assert ledger.verify(db.session).ok


def test_import_source_is_kept_and_other_sources_are_refused(client, brand):
    headers = key_header()
    ok = post_json(client, PATH, {"brand": "Acme", "source": "import", **opt_in()}, headers)
    assert ok.status_code == 201
    assert entries()[0].source == "import"
    for source in ("sms", "provider", "web", 7):
        response = post_json(client, PATH, {"brand": "Acme", "source": source, **opt_in()},
                             headers)
        assert response.status_code == 422, source
    assert len(entries()) == 1


def test_opt_out_needs_no_evidence(client, brand):
    response = post_json(client, PATH, {"brand": "Acme", "number": PERSON,
                                        "action": "opt_out"}, key_header())
    assert response.status_code == 201
    assert db.session.get(ConsentState, (PERSON, brand.id)).action == "opt_out"


@pytest.mark.parametrize("changes, reason", [
    ({"consent_text": None}, "consent_text"),
    ({"url": None}, "evidence.url or evidence.form_id"),
    ({"time": None}, "evidence.time"),
    ({"time": "yesterday"}, "ISO 8601"),
    ({"time": "2024-05-01T12:00:00"}, "time zone"),
    ({"time": "2999-01-01T00:00:00Z"}, "future"),
    ({"ip": "999.1.1.1"}, "IP address"),
    ({"user_agent": 42}, "evidence.user_agent"),
    ({"note": "x" * 5000}, "larger than"),
])
def test_opt_in_without_proper_evidence_is_refused(client, brand, changes, reason):
    response = post_json(client, PATH, {"brand": "Acme", **opt_in(**changes)}, key_header())
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_consents"
    assert error["errors"][0]["index"] == 0 and reason in error["errors"][0]["reason"]
    assert_nothing_written()


def test_form_id_stands_in_for_a_url(client, brand):
    body = {"brand": "Acme", **opt_in(url=None, form_id="paper-2024-17")}
    assert post_json(client, PATH, body, key_header()).status_code == 201


def test_opt_in_given_before_the_latest_stop_cannot_undo_it(client, brand, post_signed):
    post_signed(INBOUND_PATH, inbound("STOP", sender=PERSON))  # recorded now, long after 2024
    headers = key_header()
    stale = post_json(client, PATH, {"brand": "Acme", **opt_in()}, headers)
    assert stale.status_code == 422
    assert "consent_predates_opt_out" in stale.get_json()["error"]["errors"][0]["reason"]
    assert db.session.get(ConsentState, (PERSON, brand.id)).action == "opt_out"
    now = datetime.now(UTC).isoformat()  # consent given again, after the STOP
    renewed = post_json(client, PATH, {"brand": "Acme", **opt_in(time=now)}, headers)
    assert renewed.status_code == 201
    assert db.session.get(ConsentState, (PERSON, brand.id)).action == "opt_in"


def test_bulk_consents_are_recorded_in_order_in_one_append(client, brand):
    people = numbers(3)
    body = {"brand": "Acme", "source": "import", "consents": [
        opt_in(people[0]), opt_in(people[1]),
        {"number": people[0], "action": "opt_out", "evidence": {"form_id": "call-center"}},
        opt_in(people[2])]}
    response = post_json(client, PATH, body, key_header())
    assert response.status_code == 201
    written = entries()
    assert response.get_json() == {"brand": "Acme", "count": 4, "ids": [e.id for e in written]}
    assert [(e.number, e.action, e.source) for e in written] == [
        (people[0], "opt_in", "import"), (people[1], "opt_in", "import"),
        (people[0], "opt_out", "import"), (people[2], "opt_in", "import")]
    assert db.session.get(ConsentState, (people[0], brand.id)).action == "opt_out"
    assert ledger.verify(db.session).ok


def test_bulk_with_any_bad_entry_lists_each_and_writes_nothing(client, brand):
    people = numbers(4)
    body = {"brand": "Acme", "consents": [
        opt_in(people[0]), opt_in("555"), opt_in(people[2]),
        {"number": people[3], "action": "subscribe"}, "not an object", opt_in(people[1])]}
    response = post_json(client, PATH, body, key_header())
    assert response.status_code == 422
    errors = response.get_json()["error"]["errors"]
    assert [e["index"] for e in errors] == [1, 3, 4]
    assert errors[0]["reason"].startswith("invalid_number")
    assert "action" in errors[1]["reason"] and "object" in errors[2]["reason"]
    assert_nothing_written()


def test_bulk_of_the_maximum_size_is_accepted_and_one_more_is_413(app, client, brand):
    people = [f"+1415{555 + i // 10_000:03d}{i % 10_000:04d}" for i in range(10_000)]
    headers = key_header()
    entries_ = [{"number": n, "action": "opt_out"} for n in people]
    assert post_json(client, PATH, {"brand": "Acme", "consents": entries_ + [
        {"number": "+16505550100", "action": "opt_out"}]}, headers).status_code == 413
    assert_nothing_written()
    response = post_json(client, PATH, {"brand": "Acme", "consents": entries_}, headers)
    assert response.status_code == 201
    assert response.get_json()["count"] == 10_000
    with settings_changed(app, max_bulk_consents=2):
        too_many = post_json(client, PATH, {"brand": "Acme", "consents": entries_[:3]}, headers)
    assert (too_many.status_code, too_many.get_json()["error"]["code"]) == (413,
                                                                          "too_many_consents")


def test_empty_or_malformed_consent_lists_are_422(client, brand):
    headers = key_header()
    for consents in ([], "x", {"number": PERSON}):
        response = post_json(client, PATH, {"brand": "Acme", "consents": consents}, headers)
        assert response.status_code == 422, consents
    assert_nothing_written()


def test_recording_consent_needs_a_marketer_key_for_the_brand(client, brand):
    from smsgate.accounts.brands import create_brand

    create_brand(db.session, "Other", ["+14155550101"])
    db.session.commit()
    body = {"brand": "Acme", **opt_in()}
    for headers, status in [({}, 401), (key_header("auditor"), 403),
                            (key_header("marketer", "Other"), 403)]:
        assert post_json(client, PATH, body, headers).status_code == status
    unknown = post_json(client, PATH, {**body, "brand": "Nobody"}, key_header())
    assert unknown.status_code == 404
    # A key scoped to a brand learns nothing about which other brands exist.
    probing = post_json(client, PATH, {**body, "brand": "Nobody"}, key_header("marketer", "Acme"))
    assert (probing.status_code, probing.get_json()["error"]["code"]) == (403, "wrong_brand")
    assert_nothing_written()
    assert post_json(client, PATH, body, key_header("marketer", "Acme")).status_code == 201


@pytest.mark.parametrize("content_type, raw, status", [
    ("text/plain", b"{}", 415),
    ("application/json", b"{", 400),
    ("application/json", b"[1, 2]", 422),
    ("application/json", b'{"brand": 5, "number": "+14155552000", "action": "opt_in"}', 422),
])
def test_malformed_requests_are_4xx_json(client, brand, content_type, raw, status):
    response = client.post(PATH, data=raw, headers={**key_header(),
                                                    "Content-Type": content_type})
    assert response.status_code == status
    assert "code" in response.get_json()["error"]
    assert_nothing_written()


def test_report_shows_state_per_brand_and_every_entry(client, brand, post_signed):
    from smsgate.accounts.brands import create_brand

    other = create_brand(db.session, "Other", ["+14155550101"])
    db.session.commit()
    consent(other.id, [PERSON])
    post_json(client, PATH, {"brand": "Acme", **opt_in()}, key_header())
    post_signed(INBOUND_PATH, inbound("Stop texting me", sender=PERSON))
    response = client.get(f"{PATH}/(415) 555-2000", headers=key_header("auditor"))
    assert response.status_code == 200
    data = response.get_json()
    assert data["number"] == PERSON
    assert {name: state["action"] for name, state in data["brands"].items()} == {
        "Acme": "opt_out", "Other": "opt_in"}
    assert [(e["brand"], e["action"], e["source"]) for e in data["entries"]] == [
        ("Other", "opt_in", "api"), ("Acme", "opt_in", "api"), ("Acme", "opt_out", "sms")]
    stop = data["entries"][-1]
    assert (stop["raw_text"], stop["message_sid"], stop["evidence"]) == (
        "Stop texting me", "SM" + "a" * 32, {"to": "+14155550100"})
    assert data["entries"][1]["evidence"] == OPT_IN_EVIDENCE
    assert all(e["recorded_at"].endswith("+00:00") for e in data["entries"])
    assert data["truncated"] is False


def test_report_for_a_brand_scoped_key_shows_only_its_brand(client, brand):
    from smsgate.accounts.brands import create_brand

    other = create_brand(db.session, "Other", ["+14155550101"])
    db.session.commit()
    consent(other.id, [PERSON])
    consent(brand.id, [PERSON], "opt_out")
    data = client.get(f"{PATH}/{PERSON}", headers=key_header("marketer", "Other")).get_json()
    assert list(data["brands"]) == ["Other"]
    assert {e["brand"] for e in data["entries"]} == {"Other"}


def test_report_refuses_bad_numbers_and_missing_keys(client, brand):
    assert client.get(f"{PATH}/{PERSON}").status_code == 401
    response = client.get(f"{PATH}/12", headers=key_header())
    assert (response.status_code, response.get_json()["error"]["code"]) == (422,
                                                                           "invalid_number")
    assert client.get(f"{PATH}/{PERSON}", headers=key_header()).get_json() == {
        "number": PERSON, "brands": {}, "entries": [], "truncated": False}
