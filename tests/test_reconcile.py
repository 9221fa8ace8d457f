"""Lost webhooks: `smsgate reconcile` records what Twilio received but never delivered to us.

Twilio is the local fake (`recording_twilio`): it lists received texts, pages and filters them
as Twilio does, and records the replies the worker sends. The database is taken down for real
(`database_blocked`: another connection holds the lock the webhook needs).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from conftest import ACCOUNT_SID, AUTH_TOKEN, run_worker
from factories import INBOUND_PATH, SENDER, database_blocked, inbound
from recording_twilio import RecordingTwilio
from sqlalchemy import func, select

from smsgate import jobs
from smsgate.consent import reconcile
from smsgate.extensions import db
from smsgate.messaging.provider import TwilioProvider
from smsgate.models import InboundMessage, LedgerEntry, OutboxMessage, ReconcileWatermark

CONSUMER = "+14155550123"


@pytest.fixture
def fake_twilio(app):
    """The app's provider pointed at a local Twilio fake for the test's duration."""
    server = RecordingTwilio()
    original = app.extensions["smsgate_provider"]
    app.extensions["smsgate_provider"] = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, server.url)
    try:
        yield server
    finally:
        app.extensions["smsgate_provider"] = original
        server.stop()


@pytest.fixture
def raw_logs():
    """Every `smsgate` log record of the test, unformatted (nothing masked yet)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect(level=logging.DEBUG)
    logger = logging.getLogger("smsgate")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def confirmations(server: RecordingTwilio, to: str = CONSUMER) -> list[str]:
    return [message["body"] for message in server.sent if message["to"] == to]


def recorded(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def watermark() -> ReconcileWatermark | None:
    db.session.expire_all()
    return db.session.get(ReconcileWatermark, SENDER)


def test_a_stop_answered_503_in_an_outage_is_recorded_by_reconcile_and_confirmed_once(
        app, brand, post_signed, runner, fake_twilio):
    sid = "SM" + "5" * 32
    with database_blocked(db.engine):
        assert post_signed(INBOUND_PATH, inbound("STOP", sid=sid)).status_code == 503
    fake_twilio.receive(CONSUMER, SENDER, "STOP", sid=sid)  # Twilio has it; we do not

    result = runner.invoke(args=["smsgate", "reconcile"])
    assert result.exit_code == 0, result.output
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.number, entry.action, entry.source, entry.message_sid) == (
        CONSUMER, "opt_out", "sms", sid)
    run_worker(app, "replies")
    assert len(confirmations(fake_twilio)) == 1
    assert confirmations(fake_twilio)[0].startswith("Acme:")

    # The webhook arriving late, and reconcile running again, change nothing.
    assert post_signed(INBOUND_PATH, inbound("STOP", sid=sid)).status_code == 200
    assert runner.invoke(args=["smsgate", "reconcile"]).exit_code == 0
    run_worker(app, "replies")
    assert len(confirmations(fake_twilio)) == 1
    assert (recorded(InboundMessage), recorded(LedgerEntry), recorded(OutboxMessage)) == (1, 1, 1)


def test_reconcile_records_only_unclaimed_inbound_texts_across_every_page(
        app, brand, post_signed, fake_twilio, monkeypatch):
    texts = [fake_twilio.receive(f"+1415555{2000 + i:04d}", SENDER, "STOP") for i in range(5)]
    fake_twilio.receive(CONSUMER, "+14155550999", "STOP")  # to a number no brand owns
    claimed = texts[2]
    assert post_signed(INBOUND_PATH, inbound("STOP", sid=claimed,
                                             sender="+14155552002")).status_code == 200
    monkeypatch.setattr(TwilioProvider, "list_inbound", _with_page_size(2))

    counts = jobs.reconcile()

    assert counts["recorded"] == 4
    assert sorted(db.session.scalars(select(InboundMessage.message_sid))) == sorted(texts)
    assert recorded(LedgerEntry) == 5
    assert [q.get("Page", "0") for q in fake_twilio.list_queries] == ["0", "1", "2"]


def _with_page_size(size):
    original = TwilioProvider.list_inbound

    def list_inbound(self, to, sent_after, sent_before, limit, page_size=1000):
        return original(self, to, sent_after, sent_before, limit, page_size=size)

    return list_inbound


def test_a_backlog_beyond_one_run_is_read_over_several_and_the_watermark_waits_for_it(
        app, brand, fake_twilio, monkeypatch):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    sids = [fake_twilio.receive(f"+1415555{2000 + i:04d}", SENDER, "STOP",
                                sent_at=start + timedelta(minutes=i)) for i in range(7)]
    monkeypatch.setattr(reconcile, "TEXTS_PER_NUMBER", 3)

    jobs.reconcile(since=start - timedelta(minutes=1))
    first = watermark()
    pass_until = first.pass_until
    assert first.resume_before is not None and pass_until is not None
    assert first.read_until <= start  # not moved past what was read
    assert recorded(InboundMessage) == 3  # the newest three

    for _ in range(3):
        jobs.reconcile()
    assert sorted(db.session.scalars(select(InboundMessage.message_sid))) == sorted(sids)
    done = watermark()
    assert done.pass_until is None and done.resume_before is None
    assert done.read_until == pass_until


def test_reconcile_reads_from_the_watermark_minus_the_margin(app, brand, fake_twilio):
    mark = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    db.session.add(ReconcileWatermark(number=SENDER, read_until=mark))
    db.session.commit()

    jobs.reconcile()

    query = fake_twilio.list_queries[-1]
    assert query["To"] == SENDER
    assert query["DateSent>"] == (mark - reconcile.MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "DateSent<" not in query
    assert watermark().read_until > mark


def test_a_twilio_error_keeps_the_watermark_and_logs_no_number_or_body(
        app, brand, fake_twilio, raw_logs):
    mark = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    db.session.add(ReconcileWatermark(number=SENDER, read_until=mark))
    db.session.commit()
    fake_twilio.receive(CONSUMER, SENDER, "STOP please, secret words")
    fake_twilio.list_failures = 1

    counts = jobs.reconcile()

    assert counts["failed"] == 1
    assert watermark().read_until == mark
    assert recorded(InboundMessage) == 0
    logged = "\n".join(record.getMessage() + json.dumps(record.__dict__, default=str)
                       for record in raw_logs)
    assert "reconcile_list_failed" in logged
    for secret in (SENDER, CONSUMER, "4155550100", "4155550123", "secret words"):
        assert secret not in logged

    jobs.reconcile()  # Twilio answers again: the text is recorded, still without a number
    assert recorded(InboundMessage) == 1
    logged = "\n".join(record.getMessage() + json.dumps(record.__dict__, default=str)
                       for record in raw_logs)
    assert "4155550123" not in logged and "secret words" not in logged
