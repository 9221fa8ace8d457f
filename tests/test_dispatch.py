"""The campaign worker: consent re-checked per text, each number texted once, errors handled,
crashes recovered by the sweeper, and the per-brand rate cap held across workers."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from conftest import run_worker
from factories import INBOUND_PATH as INBOUND
from factories import (
    MessageList,
    assert_provider_opt_out,
    consent,
    inbound,
    key_header,
    numbers,
    post_json,
    run_jobs,
    settings_changed,
)
from rq import Retry
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from smsgate import jobs
from smsgate.campaigns import dispatch, queueing
from smsgate.campaigns.ratelimit import RateLimiter
from smsgate.extensions import db, open_redis, queue, redis_connection
from smsgate.models import Campaign, CampaignRecipient, ConsentState, LedgerEntry, utcnow

CAMPAIGNS = "/api/v1/campaigns"


@pytest.fixture
def fast_retries(monkeypatch):
    """No backoff sleeps, and RQ retries a failed batch at once (no scheduler in tests)."""
    monkeypatch.setattr(dispatch, "BACKOFF", (0.0, 0.0))
    monkeypatch.setattr(queueing, "RETRY", Retry(max=4))


def start_campaign(client, targets, body="Big sale today!") -> int:
    response = post_json(client, CAMPAIGNS, {"brand": "Acme", "body": body,
                                             "recipients": targets}, key_header())
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def rows():
    db.session.expire_all()
    return {r.number: r for r in db.session.scalars(
        select(CampaignRecipient).order_by(CampaignRecipient.id))}


def sent_to(twilio) -> Counter:
    return Counter(request["To"] for request in twilio.sent)


def posts(twilio) -> int:
    return sum(call.request.method == "POST" for call in twilio.mock.calls)


def backdate(**values) -> None:
    """Make sending rows (and campaigns) look old, as after a crash long ago."""
    past = utcnow() - timedelta(hours=1)
    db.session.execute(update(CampaignRecipient).where(CampaignRecipient.status == "sending")
                       .values(claimed_at=past, **values))
    db.session.execute(update(Campaign).values(created_at=past))
    db.session.commit()


def sweep_campaigns(app) -> dict[str, int]:
    with app.app_context():
        return jobs._sweep_campaigns(app.config["SMSGATE"])


class Spy:
    """The real provider, with a hook after each successful send (the HTTP is still mocked)."""

    def __init__(self, real, after_send=None, raise_on_call: int | None = None) -> None:
        self.real, self.after_send, self.raise_on_call = real, after_send, raise_on_call
        self.calls = 0

    def send(self, to, body, **kwargs):
        self.calls += 1
        if self.calls == self.raise_on_call:
            raise RuntimeError("worker died mid-batch")
        sid = self.real.send(to, body, **kwargs)
        if self.after_send:
            self.after_send(to)
        return sid

    def find_sent(self, *args):
        return self.real.find_sent(*args)


@pytest.fixture
def spy_provider(app):
    real = app.extensions["smsgate_provider"]

    def install(**kwargs) -> Spy:
        app.extensions["smsgate_provider"] = Spy(real, **kwargs)
        return app.extensions["smsgate_provider"]

    yield install
    app.extensions["smsgate_provider"] = real


# --- consent at the moment of sending ---------------------------------------------------------

def test_stop_via_webhook_between_batches_stops_every_later_text(app, client, brand, twilio,
                                                                  post_signed):
    targets = numbers(6)
    consent(brand.id, targets)
    quitter = targets[4]  # in the third batch
    with settings_changed(app, recipients_per_job=2):
        cid = start_campaign(client, targets)
        run_jobs(app, 1)
        assert sent_to(twilio) == Counter(targets[:2])
        assert post_signed(INBOUND, inbound("stop", sender=quitter)).status_code == 200
        run_worker(app, "campaigns")
    assert sent_to(twilio) == Counter(t for t in targets if t != quitter)
    row = rows()[quitter]
    assert (row.status, row.refusal_reason, row.attempts) == ("refused", "opted_out", 0)
    progress = client.get(f"{CAMPAIGNS}/{cid}", headers=key_header()).get_json()
    assert progress["counts"] == {"queued": 0, "sent": 5, "delivered": 0, "failed": 0,
                                  "refused": 1, "deferred": 0, "expired": 0, "cancelled": 0}


def test_stop_committed_while_a_text_is_in_flight_stops_the_next_one(
        app, client, brand, twilio, post_signed, spy_provider):
    first, second = numbers(2)
    consent(brand.id, [first, second])
    stopped = []

    def stop_second(to):
        if to == first:  # while the first text is at Twilio, the second person texts STOP
            stopped.append(post_signed(INBOUND, inbound("STOP", sender=second)).status_code)

    spy_provider(after_send=stop_second)
    with settings_changed(app, send_threads=1):
        start_campaign(client, [first, second])
        run_worker(app, "campaigns")
    assert stopped == [200]
    assert sent_to(twilio) == Counter([first])
    assert (rows()[second].status, rows()[second].refusal_reason) == ("refused", "opted_out")


def test_batch_run_twice_or_queued_twice_sends_nothing_twice(app, client, brand, twilio):
    targets = numbers(5)
    consent(brand.id, targets)
    cid = start_campaign(client, targets)
    run_worker(app, "campaigns")
    ids = [r.id for r in rows().values()]
    with app.app_context():
        assert jobs.send_campaign_batch(cid, ids) == {"not_pending": 5}
        assert queueing.enqueue_campaign(queue("campaigns"), cid, ids, 2)
    run_worker(app, "campaigns")
    assert sent_to(twilio) == Counter(targets)


def test_two_workers_on_one_batch_text_each_number_once(app, client, brand, twilio):
    targets = numbers(12)
    consent(brand.id, targets)
    cid = start_campaign(client, targets)
    ids = [r.id for r in rows().values()]
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                results.append(jobs.send_campaign_batch(cid, ids))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sent_to(twilio) == Counter(targets)
    assert sum(r.get("sent", 0) for r in results) == 12
    assert {r.status for r in rows().values()} == {"sent"}


# --- crashes -------------------------------------------------------------------------------

def test_killed_worker_rows_are_settled_from_twilio_and_the_rest_sent_once(
        app, client, brand, twilio):
    targets = numbers(4)
    consent(brand.id, targets)
    listing = MessageList(twilio)
    cid = start_campaign(client, targets)
    body = db.session.get(Campaign, cid).body
    redis_connection().flushdb()  # the worker died and its jobs are gone with it
    went, lost = targets[0], targets[1]
    db.session.execute(update(CampaignRecipient)
                       .where(CampaignRecipient.number.in_([went, lost]))
                       .values(status="sending", attempts=1))
    backdate()
    listing.add(went, body, sid="SM" + "e" * 32)  # Twilio got the first one before the crash
    counts = sweep_campaigns(app)
    assert (counts["found_sent"], counts["stale_requeued"], counts["jobs_requeued"]) == (1, 1, 1)
    run_worker(app, "campaigns")
    assert sent_to(twilio) == Counter(targets[1:])
    assert rows()[went].provider_sid == "SM" + "e" * 32
    assert sweep_campaigns(app)["jobs_requeued"] == 0
    run_worker(app, "campaigns")
    assert sent_to(twilio) == Counter(targets[1:])
    assert {r.status for r in rows().values()} == {"sent"}


def test_provider_raising_mid_batch_then_sweeper_sends_the_rest_exactly_once(
        app, client, brand, twilio, spy_provider, monkeypatch):
    monkeypatch.setattr(queueing, "RETRY", Retry(max=1))
    targets = numbers(4)
    consent(brand.id, targets)
    MessageList(twilio)
    spy_provider(raise_on_call=2)
    with settings_changed(app, send_threads=1):
        start_campaign(client, targets)
        run_worker(app, "campaigns")  # the batch fails, RQ retries it once, it fails for good
    assert sent_to(twilio) == Counter(targets[:1] + targets[2:])
    assert rows()[targets[1]].status == "sending"
    assert sweep_campaigns(app)["stale_requeued"] == 0  # not stale yet: maybe still in flight
    backdate()
    counts = sweep_campaigns(app)
    assert (counts["stale_requeued"], counts["jobs_requeued"]) == (1, 1)
    run_worker(app, "campaigns")
    assert sent_to(twilio) == Counter(targets)


def test_stale_row_stays_unsent_while_twilio_cannot_say_whether_it_went(app, client, brand,
                                                                        twilio):
    target = numbers(1)[0]
    consent(brand.id, [target])
    listing = MessageList(twilio)
    listing.fail = True
    start_campaign(client, [target])
    redis_connection().flushdb()
    db.session.execute(update(CampaignRecipient).values(status="sending", attempts=1))
    backdate()
    assert sweep_campaigns(app)["unsettled"] == 1
    run_worker(app, "campaigns")
    assert twilio.sent == [] and rows()[target].status == "sending"
    listing.fail = False
    assert sweep_campaigns(app)["stale_requeued"] == 1
    run_worker(app, "campaigns")
    assert sent_to(twilio) == Counter([target])


# --- provider errors ----------------------------------------------------------------------

def test_21610_becomes_a_provider_opt_out_and_later_campaigns_refuse_the_number(
        app, client, brand, twilio):
    gone, fine = numbers(2)
    consent(brand.id, [gone, fine])
    twilio.fail_next(400, code=21610, message="Attempt to send to unsubscribed recipient")
    with settings_changed(app, send_threads=1):
        cid = start_campaign(client, [gone, fine])
        run_worker(app, "campaigns")
    assert sent_to(twilio) == Counter([fine])
    row = rows()[gone]
    assert (row.status, row.error_code) == ("failed", "21610")
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.source == "provider")).one()
    # Twilio refused the create: there is no message, so no MessageSid to keep.
    assert_provider_opt_out(entry, gone, brand.id, None, campaign_id=cid)
    assert db.session.get(ConsentState, (gone, brand.id)).action == "opt_out"
    again = post_json(client, CAMPAIGNS, {"brand": "Acme", "body": "Again",
                                          "recipients": [gone]}, key_header())
    assert again.status_code == 422  # every recipient refused
    assert again.get_json()["error"]["refused"] == [{"number": gone, "reason": "opted_out"}]


def test_invalid_number_error_fails_once_without_retry_or_opt_out(app, client, brand, twilio):
    target = numbers(1)[0]
    consent(brand.id, [target])
    twilio.fail_next(400, code=21211, message="Invalid 'To' Phone Number")
    start_campaign(client, [target])
    run_worker(app, "campaigns")
    row = rows()[target]
    assert (row.status, row.error_code, row.attempts, posts(twilio)) == ("failed", "21211", 1, 1)
    assert db.session.get(ConsentState, (target, brand.id)).action == "opt_in"


def test_429_is_retried_without_asking_twilio_then_sent_once(app, client, brand, twilio,
                                                             fast_retries):
    target = numbers(1)[0]
    consent(brand.id, [target])
    listing = MessageList(twilio)
    for _ in range(2):
        twilio.fail_next(429, code=20429, message="Too Many Requests")
    start_campaign(client, [target])
    run_worker(app, "campaigns")
    assert sent_to(twilio) == Counter([target])
    assert (posts(twilio), listing.calls, rows()[target].attempts) == (3, 0, 3)


def test_500_is_checked_against_twilio_before_the_retry(app, client, brand, twilio,
                                                        fast_retries):
    target = numbers(1)[0]
    consent(brand.id, [target])
    listing = MessageList(twilio)
    twilio.fail_next(500, message="Internal Server Error")
    start_campaign(client, [target])
    run_worker(app, "campaigns")
    assert sent_to(twilio) == Counter([target])
    assert (posts(twilio), listing.calls, rows()[target].status) == (2, 1, "sent")


def test_500_for_a_text_twilio_did_accept_is_not_sent_again(app, client, brand, twilio,
                                                            fast_retries):
    target = numbers(1)[0]
    consent(brand.id, [target])
    listing = MessageList(twilio)
    cid = start_campaign(client, [target])
    listing.add(target, db.session.get(Campaign, cid).body, sid="SM" + "a" * 32)
    twilio.fail_next(500, message="Internal Server Error")
    run_worker(app, "campaigns")
    assert posts(twilio) == 1
    assert (rows()[target].status, rows()[target].provider_sid) == ("sent", "SM" + "a" * 32)


def test_persistent_429_and_500_are_retried_then_failed_after_max_attempts(
        app, client, brand, twilio, fast_retries):
    target = numbers(1)[0]
    consent(brand.id, [target])
    MessageList(twilio)
    for attempt in range(dispatch.MAX_PROVIDER_CALLS):
        twilio.fail_next(*((429, 20429) if attempt % 2 else (500, None)))
    start_campaign(client, [target])
    run_worker(app, "campaigns")  # three runs of the batch: RQ retries it twice
    row = rows()[target]
    assert (row.status, row.attempts) == ("failed", dispatch.MAX_PROVIDER_CALLS)
    assert row.error_code in ("20429", "500")
    assert posts(twilio) == dispatch.MAX_PROVIDER_CALLS
    assert twilio.sent == []


# --- the per-brand rate cap ----------------------------------------------------------------

class FakeClock:
    """A clock that moves only when someone sleeps."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def two_limiters(app, clock: FakeClock) -> list[RateLimiter]:
    settings = app.config["SMSGATE"]
    other_connection = open_redis(settings.redis_url, settings.embedded_redis_path)
    return [RateLimiter(redis_connection(), clock=clock, sleep=clock.sleep),
            RateLimiter(other_connection, clock=clock, sleep=clock.sleep)]


def test_rate_limiter_admits_at_most_n_per_second_across_two_instances(ctx):
    clock = FakeClock(1_700_000_000.25)
    first, second = two_limiters(ctx, clock)
    granted = [limiter.take(7, 5)[0] for limiter in [first, second] * 10]
    assert granted == [1] * 5 + [0] * 15
    clock.now = 1_700_000_000.75
    assert second.take(7, 5) == (0, pytest.approx(0.25))
    assert first.take(8, 5) == (1, pytest.approx(0.25))  # another brand has its own cap
    clock.now = 1_700_000_001.0
    assert [first.take(7, 5, want=3)[0], second.take(7, 5, want=3)[0],
            first.take(7, 5, want=3)[0]] == [3, 2, 0]


def test_slots_held_by_one_worker_expire_with_their_second(ctx):
    clock = FakeClock(1_700_000_050.5)
    first, second = two_limiters(ctx, clock)
    first.acquire(9, 40)  # fetches 10 slots of this second and uses one
    clock.now = 1_700_000_051.5
    assert second.take(9, 40, want=40)[0] == 40  # the next second, all taken elsewhere
    first.acquire(9, 40)  # its 9 left-over slots belong to the past second: it must wait
    assert clock.now >= 1_700_000_052.0


def test_blocking_acquire_never_starts_more_than_n_in_any_second(ctx):
    clock = FakeClock(1_700_000_100.6)
    limiters = two_limiters(ctx, clock)
    starts = []
    for i in range(40):
        limiters[i % 2].acquire(3, 6)
        starts.append(clock())
    per_second = Counter(int(moment) for moment in starts)
    assert max(per_second.values()) == 6
    assert len(per_second) == 7  # 40 starts at 6 a second need 7 windows


def test_worker_sends_no_faster_than_the_brands_messages_per_second(app, client, brand, twilio):
    brand.messages_per_second = 2
    db.session.commit()
    targets = numbers(5)
    consent(brand.id, targets)
    cid = start_campaign(client, targets)
    clock = FakeClock(1_700_000_200.5)
    limiter = RateLimiter(redis_connection(), clock=clock, sleep=clock.sleep)
    started = []

    class Timed:
        def send(self, to, body, **kwargs):
            started.append(clock())
            return app.extensions["smsgate_provider"].send(to, body, **kwargs)

    with app.app_context():
        outcome = dispatch.send_batch(sessionmaker(bind=db.engine), Timed(), limiter, cid,
                                      [r.id for r in rows().values()], threads=1)
    assert outcome["sent"] == 5
    assert sorted(Counter(int(moment) for moment in started).values()) == [1, 2, 2]
