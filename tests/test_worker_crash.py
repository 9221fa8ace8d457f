"""A worker killed with SIGKILL mid-campaign: after recovery every remaining recipient gets
exactly one text and none gets two.

A real `smsgate worker` process sends through real HTTP to a local recording Twilio fake and
is killed while texts are in flight. Recovery is what production does: the sweeper settles
claimed-but-unrecorded texts from the provider's message list and re-queues batches whose
worker is gone, and a new worker sends the rest. Clocks are moved forward instead of waited
for: the dead worker's key TTL and the sweeper's staleness thresholds.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import ACCOUNT_SID, AUTH_TOKEN, PSEUDONYM_KEY, SECRET_KEY, run_worker
from recording_twilio import RecordingTwilio
from sqlalchemy import func, select, update

from smsgate import jobs
from smsgate.accounts.apikeys import issue_key
from smsgate.consent import ledger
from smsgate.extensions import db, redis_connection
from smsgate.messaging.provider import TwilioProvider
from smsgate.models import Brand, Campaign, CampaignRecipient, utcnow

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = [f"+1415555{n:04d}" for n in range(2000, 2160)]


def _worker_env(app, twilio: RecordingTwilio) -> dict[str, str]:
    settings = app.config["SMSGATE"]
    redis_url = settings.redis_url or (
        "unix://" + redis_connection().connection_pool.connection_kwargs["path"])
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=redis_url,
               TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
               SMSGATE_SECRET_KEY=SECRET_KEY, SMSGATE_PSEUDONYM_KEY=PSEUDONYM_KEY,
               TWILIO_API_BASE_URL=twilio.url, SMSGATE_SEND_THREADS="4")
    env.pop("SMSGATE_DEV", None)
    return env


@pytest.mark.slow
def test_worker_killed_mid_campaign_sends_every_text_exactly_once(app, client, brand):
    db.session.execute(update(Brand).values(messages_per_second=1000))
    ledger.append_many(db.session, [ledger.ConsentRecord(n, brand.id, "opt_in", "api")
                                    for n in RECIPIENTS])
    key = issue_key(db.session, "marketer", "Acme")
    db.session.commit()
    created = client.post("/api/v1/campaigns", headers={"Authorization": f"Bearer {key.secret}"},
                          json={"brand": "Acme", "body": "Spring sale", "recipients": RECIPIENTS})
    assert created.status_code == 202 and created.get_json()["accepted"] == len(RECIPIENTS)

    twilio = RecordingTwilio(latency=0.05)
    # On the test's daytime clock (conftest), so quiet hours never hold the texts back.
    worker = subprocess.Popen([sys.executable, str(ROOT / "tests" / "traveled.py"),
                               utcnow().isoformat(), "-m", "flask", "--app", "wsgi", "smsgate",
                               "worker", "--queue", "campaigns"], cwd=ROOT,
                              env=_worker_env(app, twilio), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while twilio.count() < 40 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.02)
        # The whole process group, as when a machine or container dies: RQ's scheduler runs in
        # a child process that would otherwise outlive the worker (and this test).
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        killed_after = twilio.count()
        assert 40 <= killed_after < len(RECIPIENTS), "the kill must land mid-campaign"
        db.session.expire_all()
        statuses = collections.Counter(db.session.scalars(select(CampaignRecipient.status)))
        assert statuses["queued"] > 0

        # Time passes: the dead worker's key expires (its TTL, 7 minutes), and the sweeper's
        # grace periods run out.
        redis = redis_connection()
        for worker_key in redis.scan_iter(match="rq:worker:*"):
            redis.delete(worker_key)
        db.session.execute(update(Campaign).values(created_at=utcnow() - timedelta(hours=1)))
        db.session.execute(update(CampaignRecipient).where(CampaignRecipient.status == "sending")
                           .values(claimed_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        usual = app.extensions["smsgate_provider"]
        app.extensions["smsgate_provider"] = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, twilio.url)
        try:
            jobs.sweep()
            run_worker(app, "campaigns")
            jobs.sweep()  # a second pass finds nothing left to do
            run_worker(app, "campaigns")
        finally:
            app.extensions["smsgate_provider"] = usual
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        twilio.stop()

    per_number = collections.Counter(message["to"] for message in twilio.sent)
    assert set(per_number) == set(RECIPIENTS)
    assert max(per_number.values()) == 1, [n for n, c in per_number.items() if c > 1]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient).where(
        CampaignRecipient.status != "sent")) == 0

