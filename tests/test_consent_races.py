"""Consent decisions that a race or a later brand must not undo: an API opt-in is checked
against opt-outs with the chain head locked, and a STOPALL covers brands created after it."""

from __future__ import annotations

from datetime import timedelta

from conftest import run_worker  # noqa: F401 - fixtures only
from factories import (
    INBOUND_PATH,
    OPT_IN_EVIDENCE,
    inbound,
    key_header,
    post_json,
)
from sqlalchemy.orm import Session

from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.models import ConsentState, utcnow

NUMBER = "+14155552000"


def _opt_in(client, brand: str, when: str, headers):
    return post_json(client, "/api/v1/consents", {
        "brand": brand, "number": NUMBER, "action": "opt_in",
        "evidence": {**OPT_IN_EVIDENCE, "time": when}}, headers)


def test_a_stop_committed_while_an_older_api_opt_in_is_recorded_is_not_undone(
        client, brand, monkeypatch):
    """The STOP commits after the API request has looked the number up but before it
    appends (the window the old check left open); the opt-in must be refused."""
    real_append = ledger.append_many

    def stop_lands_first(session, records, **options):
        monkeypatch.setattr(ledger, "append_many", real_append)  # once only
        with Session(bind=db.engine) as other:  # another request, its own transaction
            ledger.append(other, ledger.ConsentRecord(
                number=NUMBER, brand_id=brand.id, action="opt_out", source="sms",
                keyword="STOP", raw_text="STOP", message_sid="SM" + "7" * 32))
            other.commit()
        return real_append(session, records, **options)

    headers = key_header()
    monkeypatch.setattr(ledger, "append_many", stop_lands_first)
    response = _opt_in(client, "Acme", "2024-05-01T12:00:00Z", headers)
    assert response.status_code == 422
    assert "consent_predates_opt_out" in response.get_json()["error"]["message"]
    db.session.expire_all()
    assert db.session.get(ConsentState, (NUMBER, brand.id)).action == "opt_out"
    assert ledger.verify(db.session).ok


def test_a_stopall_covers_a_brand_created_after_it(client, runner, brand, post_signed):
    post_signed(INBOUND_PATH, inbound("STOPALL", sender=NUMBER))
    result = runner.invoke(args=["smsgate", "brand", "create", "--name", "Gamma",
                                 "--number", "+14155550177"])
    assert result.exit_code == 0, result.output
    headers = key_header()
    before = (utcnow() - timedelta(days=1)).isoformat()
    refused = _opt_in(client, "Gamma", before, headers)
    assert refused.status_code == 422
    assert "consent_predates_opt_out" in refused.get_json()["error"]["message"]
    view = client.get(f"/api/v1/consents/{NUMBER}", headers=headers).get_json()
    assert view["brands"]["Gamma"]["action"] == "opt_out"
    campaign = post_json(client, "/api/v1/campaigns", {
        "brand": "Gamma", "body": "Sale", "recipients": [NUMBER]}, headers)
    assert campaign.status_code == 422  # its one recipient refused
    assert campaign.get_json()["error"]["refused"] == [{"number": NUMBER, "reason": "opted_out"}]
    # Consent given after the STOPALL is fresh consent: recorded, and the number may be texted.
    assert _opt_in(client, "Gamma", utcnow().isoformat(), headers).status_code == 201
    campaign = post_json(client, "/api/v1/campaigns", {
        "brand": "Gamma", "body": "Sale", "recipients": [NUMBER]}, headers).get_json()
    assert campaign["accepted"] == 1


def test_an_old_opt_in_for_a_brand_made_without_the_cli_still_meets_the_stopall(
        client, brand, post_signed):
    """The API's check reads STOPALLs from the ledger itself, whatever the consent state."""
    from smsgate.accounts.brands import create_brand

    post_signed(INBOUND_PATH, inbound("STOPALL", sender=NUMBER))
    create_brand(db.session, "Delta", ["+14155550178"])
    db.session.commit()
    before = (utcnow() - timedelta(days=1)).isoformat()
    assert _opt_in(client, "Delta", before, key_header()).status_code == 422
