"""A person's data: access returns all of it; erasure forgets the number everywhere while the
ledger still verifies, the number stays suppressed for every brand, and a later START starts
a new consent. On SQLite and PostgreSQL (a whole-database dump is grepped for the number)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import run_worker
from factories import INBOUND_PATH, OPT_IN_EVIDENCE, STATUS_PATH, inbound, key_header, post_json
from factories import status_callback as callback
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from smsgate.accounts.brands import create_brand
from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.models import ConsentState, ErasedNumber, LedgerEntry, utcnow

PERSON = "+14155550123"
# Every written form of PERSON: E.164, national, digits (which the others contain).
FORMS = [PERSON.encode(), b"(415) 555-0123", b"4155550123"]
OTHER = "+14155550177"


@pytest.fixture
def history(brand, client, post_signed, twilio, app):
    """PERSON's life with two brands: a web-form opt-in (IP, user agent), a chat text, a STOP
    and its confirmation (sent, with a status callback), an opt-in to Bolt and a campaign
    text from Bolt (sent, delivered). OTHER opts in to Acme too."""
    create_brand(db.session, "Bolt", ["+14155550101"])
    db.session.commit()
    marketer = key_header("marketer")
    for name, number in (("Acme", PERSON), ("Bolt", PERSON), ("Acme", OTHER)):
        response = post_json(client, "/api/v1/consents", {
            "brand": name, "number": number, "action": "opt_in",
            "evidence": OPT_IN_EVIDENCE}, marketer)
        assert response.status_code == 201
    assert post_signed(INBOUND_PATH, inbound("hello, is this 415-555-0123's account?",
                                             sid="SM" + "1" * 32)).status_code == 200
    assert post_signed(INBOUND_PATH, inbound("STOP", sid="SM" + "2" * 32)).status_code == 200
    response = post_json(client, "/api/v1/campaigns", {
        "brand": "Bolt", "body": "Spring sale", "recipients": [PERSON]}, marketer)
    assert response.json["accepted"] == 1
    run_worker(app)
    assert len(twilio.sent) == 2  # the STOP's confirmation, Bolt's campaign text
    for position in range(1, 3):
        sid = f"SM{position:032x}"  # the SIDs the mock hands out
        assert post_signed(STATUS_PATH, callback(sid, "delivered")).status_code == 200
    return marketer


def _erase(client, admin: dict[str, str], number: str = PERSON):
    return client.post(f"/api/v1/subjects/{number}/erase", headers=admin)


def _verified(client) -> dict:
    response = client.get("/api/v1/ledger/verify", headers=key_header("auditor"))
    assert response.status_code == 200
    return response.json


def _refusals(client, marketer, brand: str) -> dict[str, str]:
    response = post_json(client, "/api/v1/campaigns", {
        "brand": brand, "body": "Another sale", "recipients": [PERSON, OTHER]}, marketer)
    # 422 when every recipient is refused (nothing queued), with the same refusal list
    assert response.status_code in (202, 422)
    refused = response.json["refused"] if response.status_code == 202 \
        else response.json["error"]["refused"]
    return {r["number"]: r["reason"] for r in refused}


def _database_bytes() -> bytes:
    """The whole database as bytes: the SQLite file and its log, or a pg_dump."""
    url = make_url(db.engine.url)
    if url.get_backend_name() == "sqlite":
        data = b""
        for suffix in ("", "-wal"):
            if os.path.exists(url.database + suffix):
                with open(url.database + suffix, "rb") as file:
                    data += file.read()
        return data
    command = ["pg_dump", "--no-owner", "-h", url.host or "127.0.0.1", "-p",
               str(url.port or 5432), "-U", url.username or "postgres", url.database]
    env = dict(os.environ, PGPASSWORD=url.password or "")
    return subprocess.run(command, env=env, capture_output=True, check=True).stdout


def test_subject_access_returns_every_record_of_the_number(history, client):
    response = client.get(f"/api/v1/subjects/{PERSON}", headers=key_header("auditor"))
    assert response.status_code == 200
    report = response.json
    assert report["number"] == PERSON and report["erased_before"] is None
    assert [(e["action"], e["source"]) for e in report["ledger_entries"]] == [
        ("opt_in", "api"), ("opt_in", "api"), ("opt_out", "sms")]
    assert report["ledger_entries"][0]["evidence"]["ip"] == OPT_IN_EVIDENCE["ip"]
    assert sorted(s["action"] for s in report["consent_state"]) == ["opt_in", "opt_out"]
    assert [m["body"] for m in report["inbound_messages"]] == [
        "hello, is this 415-555-0123's account?", "STOP"]
    assert [r["kind"] for r in report["replies"]] == ["opt_out"]
    assert [(r["status"], r["campaign_body"].startswith("Bolt: Spring sale"))
            for r in report["campaign_recipients"]] == [("delivered", True)]
    assert sorted(e["status"] for e in report["status_events"]) == ["delivered", "delivered"]
    assert OTHER not in json.dumps(report)


def test_subject_access_is_the_same_document_on_the_command_line(history, client, runner):
    result = runner.invoke(args=["smsgate", "subject", "export", "(415) 555-0123"])
    assert result.exit_code == 0, result.output
    over_http = client.get(f"/api/v1/subjects/{PERSON}", headers=key_header("auditor")).json
    assert json.loads(result.output) == over_http


def test_erasure_forgets_the_number_and_the_ledger_still_verifies(history, client):
    before = db.session.scalar(select(func.count()).select_from(LedgerEntry))
    response = _erase(client, key_header("admin"))
    assert response.status_code == 200
    assert response.json["ledger_entries"] == 3 and response.json["inbound_messages"] == 2
    result = _verified(client)
    assert result["ok"] is True and result["entries"] == before + 1
    entry = db.session.get(LedgerEntry, response.json["erasure_entry_id"])
    assert (entry.number, entry.brand_id, entry.action, entry.scope) == (
        None, None, "erase", "erasure")
    assert entry.api_key_id is not None and "requested_by" in entry.evidence
    assert db.session.scalar(select(func.count()).select_from(ErasedNumber)) == 1
    assert db.session.scalars(select(ConsentState.number)).all() == [OTHER]
    dump = _database_bytes()
    assert OTHER.encode() in dump  # the dump does hold numbers that were not erased
    assert [form for form in FORMS if form in dump] == []


def test_an_erased_number_is_refused_as_opted_out_by_every_brand(history, client):
    _erase(client, key_header("admin"))
    assert _refusals(client, history, "Acme") == {PERSON: "opted_out"}
    assert _refusals(client, history, "Bolt") == {PERSON: "opted_out", OTHER: "no_consent"}


def test_a_start_after_erasure_starts_a_new_fully_recorded_consent(history, client,
                                                                   post_signed):
    _erase(client, key_header("admin"))
    assert post_signed(INBOUND_PATH, inbound("START", sid="SM" + "3" * 32)).status_code == 200
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.number == PERSON)).one()
    assert (entry.action, entry.raw_text, entry.message_sid) == ("opt_in", "START",
                                                                 "SM" + "3" * 32)
    assert _refusals(client, history, "Acme") == {}
    assert _refusals(client, history, "Bolt") == {PERSON: "opted_out", OTHER: "no_consent"}
    assert _verified(client)["ok"] is True
    report = client.get(f"/api/v1/subjects/{PERSON}", headers=key_header("auditor")).json
    assert report["erased_before"]["entry_id"] > 0
    assert [e["raw_text"] for e in report["ledger_entries"]] == ["START"]


def test_queued_campaign_texts_of_an_erased_number_are_refused(brand, client, app):
    marketer = key_header("marketer")
    ledger.append(db.session, ledger.ConsentRecord(number=PERSON, brand_id=brand.id,
                                                   action="opt_in", source="api"))
    db.session.commit()
    created = post_json(client, "/api/v1/campaigns", {
        "brand": "Acme", "body": "Sale", "recipients": [PERSON]}, marketer).json
    _erase(client, key_header("admin"))
    run_worker(app)  # nothing to send: the row was refused by the erasure
    progress = client.get(f"/api/v1/campaigns/{created['id']}", headers=marketer).json
    assert progress["counts"]["refused"] == 1 and progress["counts"]["sent"] == 0


def test_erasure_on_the_command_line_records_no_key(history, client, runner):
    result = runner.invoke(args=["smsgate", "subject", "erase", PERSON, "--yes"])
    assert result.exit_code == 0, result.output
    entry_id = json.loads(result.output)["erasure_entry_id"]
    entry = db.session.get(LedgerEntry, entry_id)
    assert entry.api_key_id is None and json.loads(entry.evidence)["requested_by"] == "cli"
    assert [form for form in FORMS if form in _database_bytes()] == []


@pytest.mark.parametrize(("role", "brand_name", "status"), [
    ("marketer", None, 403), ("auditor", None, 403), ("auditor", "Acme", 403)])
def test_erasure_needs_an_admin_key(brand, client, role, brand_name, status):
    assert _erase(client, key_header(role, brand_name)).status_code == status


def test_access_needs_an_unscoped_auditor_or_admin_key(brand, client):
    path = f"/api/v1/subjects/{PERSON}"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=key_header("marketer")).status_code == 403
    assert client.get(path, headers=key_header("auditor", "Acme")).status_code == 403
    assert client.get(path, headers=key_header("admin")).status_code == 200


@pytest.mark.parametrize("number", ["not-a-number", "+1" + "9" * 20])
def test_a_bad_number_gets_a_json_error_and_changes_nothing(brand, client, number):
    response = _erase(client, key_header("admin"), number)
    assert response.status_code in (400, 422)
    assert response.json["error"]["code"] == "invalid_number"
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_tampering_with_a_value_left_beside_an_erased_one_names_its_entry(history, client):
    _erase(client, key_header("admin"))
    other = db.session.scalars(select(LedgerEntry.id).where(LedgerEntry.number == OTHER)).one()
    db.session.execute(text("UPDATE ledger_entries SET evidence = :e WHERE id = :id"),
                       {"e": json.dumps({**OPT_IN_EVIDENCE, "ip": "198.51.100.1"}),
                        "id": other})
    db.session.commit()
    result = _verified(client)
    assert (result["ok"], result["first_bad"], result["reason"]) == (False, other,
                                                                      "entry altered")


def test_the_audit_page_shows_an_erased_number_and_erased_values_as_erased(history, client,
                                                                          post_signed):
    from audit_support import issue
    from test_audit_page import page_text, sign_in

    _erase(client, key_header("admin"))
    assert post_signed(INBOUND_PATH, inbound("START", sid="SM" + "3" * 32)).status_code == 200
    sign_in(client, issue("auditor"))
    html = page_text(client.get("/audit", query_string={"number": PERSON}))
    assert 'id="erased"' in html and "<em>erased</em>" not in html
    db.session.execute(text("UPDATE ledger_entries SET raw_text = NULL WHERE number = :n"),
                       {"n": PERSON})
    db.session.commit()
    html = page_text(client.get("/audit", query_string={"number": PERSON}))
    assert "<em>erased</em>" in html
    other = page_text(client.get("/audit", query_string={"number": OTHER}))
    assert 'id="erased"' not in other


def test_an_old_consent_cannot_undo_an_erasure_but_a_new_one_can(history, client):
    _erase(client, key_header("admin"))
    old = post_json(client, "/api/v1/consents", {
        "brand": "Acme", "number": PERSON, "action": "opt_in",
        "evidence": OPT_IN_EVIDENCE}, history)  # consent given in 2024, before the erasure
    assert old.status_code == 422
    assert "consent_predates_opt_out" in old.json["error"]["message"]
    new = post_json(client, "/api/v1/consents", {
        "brand": "Acme", "number": PERSON, "action": "opt_in",
        "evidence": {**OPT_IN_EVIDENCE, "time": ledger.format_time(utcnow())}}, history)
    assert new.status_code == 201
    assert _refusals(client, history, "Acme") == {}


def test_a_brand_created_after_an_erased_stop_all_is_created_and_still_refuses_it(
        brand, client, post_signed):
    assert post_signed(INBOUND_PATH, inbound("STOP ALL")).status_code == 200
    _erase(client, key_header("admin"))
    create_brand(db.session, "Cora", ["+14155550102"])
    db.session.commit()
    assert _refusals(client, key_header("marketer"), "Cora") == {
        PERSON: "opted_out", OTHER: "no_consent"}
    as_of = client.get("/api/v1/ledger.csv", query_string={"as_of": "2100-01-01"},
                       headers=key_header("auditor"))
    assert as_of.status_code == 200 and as_of.get_data().count(b"\r\n") == 1  # header only


def test_the_pseudonym_key_is_required_outside_dev_mode_and_generated_in_it(tmp_path):
    from smsgate.config import ConfigError, Settings

    env = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "token",
           "SMSGATE_SECRET_KEY": "s" * 32}
    with pytest.raises(ConfigError, match="SMSGATE_PSEUDONYM_KEY is required"):
        Settings.from_env(str(tmp_path), env).require_web()
    with pytest.raises(ConfigError, match="at least 32 characters"):
        Settings.from_env(str(tmp_path), {**env, "SMSGATE_PSEUDONYM_KEY": "short"})
    Settings.from_env(str(tmp_path), {**env, "SMSGATE_PSEUDONYM_KEY": "p" * 32}).require_web()
    assert not (tmp_path / "pseudonym_key").exists()
    dev = Settings.from_env(str(tmp_path), {"SMSGATE_DEV": "1"})
    assert dev.pseudonym_key == (tmp_path / "pseudonym_key").read_text().strip()
    assert Settings.from_env(str(tmp_path), {"SMSGATE_DEV": "1"}).pseudonym_key == \
        dev.pseudonym_key


def test_a_provider_error_quoting_the_number_is_erased_too(brand, client, twilio, app):
    ledger.append(db.session, ledger.ConsentRecord(number=PERSON, brand_id=brand.id,
                                                   action="opt_in", source="api"))
    db.session.commit()
    twilio.fail_next(400, 21614, f"To number: {PERSON}, is not a mobile number")
    post_json(client, "/api/v1/campaigns", {"brand": "Acme", "body": "Sale",
                                            "recipients": [PERSON]}, key_header("marketer"))
    run_worker(app)
    assert PERSON.encode() in _database_bytes()
    _erase(client, key_header("admin"))
    assert [form for form in FORMS if form in _database_bytes()] == []


def test_erasure_covers_a_pending_double_opt_in_and_a_review(brand, client, post_signed):
    """What the later features keep about a number: a double opt-in request awaiting its YES
    (with the web form's IP) at one brand, and a possible revocation under review at another."""
    from smsgate.accounts.brands import OptInSettings, update_brand

    create_brand(db.session, "Bolt", ["+14155550101"])
    update_brand(db.session, "Bolt", opt_in=OptInSettings(True, None, None))
    db.session.commit()
    marketer = key_header("marketer")
    assert post_json(client, "/api/v1/consents", {
        "brand": "Acme", "number": PERSON, "action": "opt_in",
        "evidence": OPT_IN_EVIDENCE}, marketer).status_code == 201
    pending = post_json(client, "/api/v1/consents", {
        "brand": "Bolt", "number": PERSON, "action": "opt_in",
        "evidence": OPT_IN_EVIDENCE}, marketer)
    assert pending.json["state"] == "pending"
    assert post_signed(INBOUND_PATH, inbound("Maybe I dont need these",
                                             sid="SM" + "3" * 32)).status_code == 200
    report = client.get(f"/api/v1/subjects/{PERSON}", headers=key_header("auditor")).json
    assert [p["evidence"]["ip"] for p in report["pending_confirmations"]] == [
        OPT_IN_EVIDENCE["ip"]]
    assert [e["action"] for e in report["ledger_entries"]] == ["opt_in", "review"]

    erased = _erase(client, key_header("admin"))
    assert erased.status_code == 200 and erased.json["pending_confirmations"] == 1
    assert client.get("/api/v1/reviews", headers=key_header("auditor")).json["reviews"] == []
    assert _verified(client)["ok"] is True
    dump = _database_bytes()
    assert [form for form in FORMS if form in dump] == []
    assert OPT_IN_EVIDENCE["ip"].encode() not in dump
