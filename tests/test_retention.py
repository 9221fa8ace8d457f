"""Retention blanks personal values past their limits, never the chain, never suppression."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import run_worker
from factories import INBOUND_PATH, consent, inbound, key_header, post_json
from sqlalchemy import select

from smsgate.config import ConfigError, RetentionLimits, Settings
from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.models import (
    Campaign,
    ConsentState,
    InboundMessage,
    LedgerEntry,
    OutboxMessage,
    utcnow,
)
from smsgate.privacy.retention import apply_retention

STOPPED = "+14155550123"  # texts STOP: its records expire, its opt-out stays
OPTED_IN = "+14155550124"  # still opted in: its proof of consent is kept
LIMITS = RetentionLimits(consent_days=100, inbound_text_days=10, body_days=50)


@pytest.fixture
def texts(brand, post_signed, twilio, app, client):
    """A STOP and a chat text from STOPPED (the STOP confirmed), an opt-in of OPTED_IN and a
    campaign to it (sent)."""
    assert post_signed(INBOUND_PATH, inbound("STOP", sid="SM" + "1" * 32)).status_code == 200
    assert post_signed(INBOUND_PATH, inbound("what is this about?",
                                             sid="SM" + "2" * 32)).status_code == 200
    consent(brand.id, [OPTED_IN])
    response = post_json(client, "/api/v1/campaigns", {
        "brand": "Acme", "body": "Sale", "recipients": [OPTED_IN]}, key_header("marketer"))
    assert response.status_code == 202
    run_worker(app)
    assert len(twilio.sent) == 2


def _later(days: int):
    return utcnow() + timedelta(days=days)


def _bodies() -> dict[str, str]:
    return dict(db.session.execute(select(InboundMessage.message_sid, InboundMessage.body)).all())


def test_nothing_is_blanked_before_its_limit(texts):
    result = apply_retention(db.session, LIMITS, _later(9))
    assert result.as_dict() == {"ledger_entries": 0, "inbound_texts": 0, "replies": 0,
                                "campaigns": 0, "expired_requests": 0}


def test_a_chat_text_is_blanked_after_its_limit_and_a_keyword_is_kept(texts):
    result = apply_retention(db.session, LIMITS, _later(11))
    db.session.commit()
    assert result.inbound_texts == 1
    assert _bodies() == {"SM" + "1" * 32: "STOP", "SM" + "2" * 32: ""}


def test_reply_and_campaign_bodies_are_blanked_after_their_limit(texts):
    result = apply_retention(db.session, LIMITS, _later(51))
    db.session.commit()
    assert (result.replies, result.campaigns) == (1, 1)
    assert db.session.scalars(select(OutboxMessage.body)).all() == [""]
    assert db.session.execute(select(Campaign.body, Campaign.requested_body)).one() == ("", "")


def test_old_consent_records_are_blanked_but_the_opt_out_and_the_chain_hold(texts, client):
    result = apply_retention(db.session, LIMITS, _later(101))
    db.session.commit()
    assert result.ledger_entries == 1  # STOPPED's STOP; OPTED_IN is still relied on
    numbers = db.session.scalars(select(LedgerEntry.number).order_by(LedgerEntry.id)).all()
    assert numbers == [None, OPTED_IN]
    assert ledger.verify(db.session()).ok is True
    state = db.session.get(ConsentState, (STOPPED, 1))
    assert state is not None and state.action == "opt_out"
    response = post_json(client, "/api/v1/campaigns", {
        "brand": "Acme", "body": "Again", "recipients": [STOPPED]}, key_header("marketer"))
    assert response.status_code == 422  # its one recipient refused: nothing queued
    assert response.json["error"]["refused"] == [{"number": STOPPED, "reason": "opted_out"}]


def test_a_dry_run_counts_what_a_run_blanks_and_changes_nothing(texts):
    before = _bodies()
    dry = apply_retention(db.session, LIMITS, _later(101), dry_run=True)
    db.session.rollback()
    assert _bodies() == before
    assert apply_retention(db.session, LIMITS, _later(101)) == dry


def test_the_command_line_applies_the_configured_limits(texts, runner):
    result = runner.invoke(args=["smsgate", "retention", "apply", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"dry_run": True, "ledger_entries": 0,
                                         "inbound_texts": 0, "replies": 0, "campaigns": 0,
                                         "expired_requests": 0}
    result = runner.invoke(args=["smsgate", "retention", "apply"])
    assert json.loads(result.output)["dry_run"] is False


def test_limits_come_from_the_environment_with_documented_defaults(tmp_path):
    assert Settings.from_env(str(tmp_path), {}).retention == RetentionLimits(
        consent_days=5 * 365 + 1, inbound_text_days=30, body_days=365)
    env = {"SMSGATE_RETAIN_CONSENT_DAYS": "2000", "SMSGATE_RETAIN_INBOUND_TEXT_DAYS": "7",
           "SMSGATE_RETAIN_BODY_DAYS": "90"}
    assert Settings.from_env(str(tmp_path), env).retention == RetentionLimits(2000, 7, 90)
    with pytest.raises(ConfigError, match="SMSGATE_RETAIN_BODY_DAYS"):
        Settings.from_env(str(tmp_path), {"SMSGATE_RETAIN_BODY_DAYS": "0"})


def test_the_sweepers_retention_pass_commits_with_the_configured_limits(texts, app):
    import time_machine
    from factories import settings_changed

    from smsgate import jobs

    with settings_changed(app, retention=RetentionLimits(1, 1, 1)):
        assert jobs.retention()["inbound_texts"] == 0  # nothing is a day old yet
        with time_machine.travel(_later(2)):
            assert jobs.retention() == {"ledger_entries": 1, "inbound_texts": 1, "replies": 1,
                                        "campaigns": 1, "expired_requests": 0}
    db.session.rollback()  # what was committed is what is read now
    assert _bodies()["SM" + "2" * 32] == ""


def test_an_unanswered_double_opt_in_request_goes_after_the_text_limit(brand, client, runner):
    from smsgate.models import PendingConfirmation

    result = runner.invoke(args=["smsgate", "brand", "update", "Acme", "--double-opt-in",
                                 "--confirm-within", "48"])
    assert result.exit_code == 0, result.output
    from factories import OPT_IN_EVIDENCE

    answer = post_json(client, "/api/v1/consents", {
        "brand": "Acme", "number": OPTED_IN, "action": "opt_in",
        "evidence": OPT_IN_EVIDENCE}, key_header("marketer"))
    assert answer.json["state"] == "pending"
    # Still inside the limit after it expired (2 days + 10 days): kept.
    assert apply_retention(db.session, LIMITS, _later(11)).expired_requests == 0
    assert db.session.scalars(select(PendingConfirmation)).all() != []
    assert apply_retention(db.session, LIMITS, _later(13)).expired_requests == 1
    db.session.commit()
    assert db.session.scalars(select(PendingConfirmation)).all() == []
