"""Send-time compliance end to end, on the real database and Redis with a frozen clock:
quiet hours defer (never refuse, never lose), the 24-hour cap is counted in the claim, the
daily carrier cap, validity, send_at and cancel."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from conftest import ACCOUNT_SID, AUTH_TOKEN, run_worker
from factories import consent, key_header, post_json
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler
from sqlalchemy import insert, select, update
from sqlalchemy.orm import sessionmaker

from smsgate import jobs
from smsgate.campaigns import dispatch
from smsgate.campaigns.dailycap import DailyCap
from smsgate.campaigns.ratelimit import RateLimiter
from smsgate.extensions import db, queue, redis_connection
from smsgate.models import Brand, Campaign, CampaignRecipient, utcnow

PATH = "/api/v1/campaigns"
NEW_YORK, MIAMI, LOS_ANGELES, HONOLULU = ("+12125550123", "+13055550123", "+13105550123",
                                          "+18085550123")
EVENING_IN_NEW_YORK = datetime(2026, 12, 8, 1, 30, tzinfo=UTC)  # 20:30 EST, Monday 7 Dec
NEXT_MORNING_IN_NEW_YORK = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)  # 08:00 EST
DAY = timedelta(hours=24)


def start(client, recipients, headers, **extra):
    answer = post_json(client, PATH, {"brand": "Acme", "body": "Big sale today!",
                                      "recipients": recipients, **extra}, headers)
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()


def view(client, cid, headers):
    return client.get(f"{PATH}/{cid}", headers=headers).get_json()


def statuses() -> dict[str, tuple[str, str | None]]:
    db.session.expire_all()
    return {r.number: (r.status, r.refusal_reason)
            for r in db.session.scalars(select(CampaignRecipient))}


def sent_to(twilio) -> list[str]:
    return sorted(request["To"] for request in twilio.sent)


def run_due(app) -> None:
    """What RQ's scheduler does when the time comes: queue the scheduled runs now due, then
    let a worker run them."""
    with app.app_context():
        campaigns = queue("campaigns")
        scheduler = RQScheduler([campaigns], connection=campaigns.connection)
        scheduler.prepare_registries(["campaigns"])  # what holding its lock does in a worker
        scheduler.enqueue_scheduled_jobs()
    run_worker(app, "campaigns")


def set_window(brand_id: int, start: int | None, end: int | None) -> None:
    db.session.execute(update(Brand).where(Brand.id == brand_id)
                       .values(window_start=start, window_end=end))
    db.session.commit()


def test_at_2030_in_new_york_new_york_waits_for_morning_while_la_and_honolulu_go(
        app, client, brand, twilio):
    set_window(brand.id, 8 * 60, 20 * 60)  # the brand's own 08:00-20:00
    consent(brand.id, [NEW_YORK, LOS_ANGELES, HONOLULU])
    headers = key_header()
    with time_machine.travel(EVENING_IN_NEW_YORK, tick=False):
        created = start(client, [NEW_YORK, LOS_ANGELES, HONOLULU], headers, valid_for=86400)
        assert created["schedule"] == {
            "in_window": 2, "deferred": 1, "next_due": NEXT_MORNING_IN_NEW_YORK.isoformat(),
            "by_zone": {"America/Los_Angeles": {"in_window": 1, "deferred": 0},
                        "America/New_York": {"in_window": 0, "deferred": 1},
                        "Pacific/Honolulu": {"in_window": 1, "deferred": 0}}}
        run_worker(app, "campaigns")
        assert sent_to(twilio) == sorted([LOS_ANGELES, HONOLULU])
        progress = view(client, created["id"], headers)
        assert progress["counts"]["deferred"] == 1 and progress["counts"]["sent"] == 2
        assert progress["schedule"]["next_due"] == NEXT_MORNING_IN_NEW_YORK.isoformat()
        run_due(app)  # nothing is due yet
        assert len(twilio.sent) == 2
    with time_machine.travel(NEXT_MORNING_IN_NEW_YORK + timedelta(seconds=2), tick=False):
        run_due(app)
    assert sent_to(twilio) == sorted([LOS_ANGELES, HONOLULU, NEW_YORK])
    assert statuses()[NEW_YORK] == ("sent", None)


def test_the_law_alone_at_2030_defers_miami_but_lets_new_york_go_until_nine(
        app, client, brand, twilio):
    consent(brand.id, [NEW_YORK, MIAMI])
    with time_machine.travel(EVENING_IN_NEW_YORK, tick=False):
        created = start(client, [NEW_YORK, MIAMI], key_header(), valid_for=86400)
        assert (created["schedule"]["in_window"], created["schedule"]["deferred"]) == (1, 1)
        run_worker(app, "campaigns")
    assert sent_to(twilio) == [NEW_YORK]
    db.session.expire_all()
    miami = db.session.scalars(select(CampaignRecipient).filter_by(number=MIAMI)).one()
    assert (miami.status, miami.not_before) == ("queued", NEXT_MORNING_IN_NEW_YORK)


def test_a_deferred_text_past_its_validity_expires_and_is_never_sent_late(
        app, client, brand, twilio):
    consent(brand.id, [MIAMI])
    headers = key_header()
    with time_machine.travel(EVENING_IN_NEW_YORK, tick=False):
        cid = start(client, [MIAMI], headers)["id"]  # valid 10 hours: until 11:30 UTC
        run_worker(app, "campaigns")
    with time_machine.travel(NEXT_MORNING_IN_NEW_YORK + timedelta(seconds=2), tick=False):
        run_due(app)
        assert view(client, cid, headers)["counts"]["expired"] == 1
    assert twilio.sent == [] and statuses()[MIAMI] == ("expired", None)


def test_a_window_that_closes_before_the_worker_gets_there_defers_instead(
        app, client, brand, twilio):
    consent(brand.id, [MIAMI])
    with time_machine.travel(EVENING_IN_NEW_YORK - timedelta(hours=1), tick=False):  # 19:30
        start(client, [MIAMI], key_header(), valid_for=86400)
    with time_machine.travel(EVENING_IN_NEW_YORK, tick=False):  # the job runs at 20:30
        run_worker(app, "campaigns")
        assert twilio.sent == []
        [scheduled] = ScheduledJobRegistry(queue=queue("campaigns")).get_job_ids()
        assert f"-at-{int(NEXT_MORNING_IN_NEW_YORK.timestamp()) + 1}-" in scheduled
    with time_machine.travel(NEXT_MORNING_IN_NEW_YORK + timedelta(seconds=2), tick=False):
        run_due(app)
    assert sent_to(twilio) == [MIAMI]


def test_a_deferred_text_whose_scheduled_run_was_lost_is_sent_once_by_the_sweeper(
        app, client, brand, twilio):
    consent(brand.id, [MIAMI, NEW_YORK])
    with time_machine.travel(EVENING_IN_NEW_YORK, tick=False):
        start(client, [MIAMI, NEW_YORK], key_header(), valid_for=86400)
        run_worker(app, "campaigns")
        assert sent_to(twilio) == [NEW_YORK]
        jobs.sweep()  # not due: the sweeper leaves it to its scheduled run
        assert queue("campaigns").count == 0
    # The worker holding the wait dies and Redis loses everything it had scheduled.
    redis_connection().flushdb()
    with time_machine.travel(NEXT_MORNING_IN_NEW_YORK + timedelta(minutes=2), tick=False):
        jobs.sweep()
        run_worker(app, "campaigns")
        jobs.sweep()
        run_worker(app, "campaigns")
    assert sent_to(twilio) == sorted([MIAMI, NEW_YORK])


def test_a_deferred_text_waits_in_rqs_scheduler_while_no_worker_runs(
        app, client, brand, twilio):
    consent(brand.id, [MIAMI])
    with time_machine.travel(EVENING_IN_NEW_YORK, tick=False):
        start(client, [MIAMI], key_header(), valid_for=86400)
    # No worker ran at all in the evening; the run scheduled when the campaign was created
    # is in Redis, and a worker started in the morning sends it, once, with the sweeper too.
    assert len(ScheduledJobRegistry(queue=queue("campaigns"))) == 1
    with time_machine.travel(NEXT_MORNING_IN_NEW_YORK + timedelta(minutes=2), tick=False):
        jobs.sweep()
        run_due(app)
        run_due(app)
    assert sent_to(twilio) == [MIAMI]


def _prior_texts(brand_id: int, number: str, times: list[datetime]) -> None:
    """Texts the brand sent `number` at `times` (an earlier campaign)."""
    campaign = Campaign(brand_id=brand_id, requested_body="x", body="Acme: x", encoding="GSM-7",
                        segments=1, created_at=min(times))
    db.session.add(campaign)
    db.session.flush()
    db.session.execute(insert(CampaignRecipient), [
        {"campaign_id": campaign.id, "number": number, "status": "sent", "attempts": 1,
         "claimed_at": when, "sent_at": when, "time_zones": "America/New_York", "state": "FL"}
        for when in times])
    db.session.commit()


def test_a_fourth_florida_text_within_24_hours_waits_until_the_first_is_a_day_old(
        app, client, brand, twilio):
    consent(brand.id, [MIAMI, NEW_YORK])
    noon = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)  # 12:00 in Miami
    first = noon - timedelta(hours=3)
    # Distinct campaigns, so the unique (campaign, number) pair allows three earlier texts.
    for hours in (3, 2, 1):
        _prior_texts(brand.id, MIAMI, [noon - timedelta(hours=hours)])
    _prior_texts(brand.id, NEW_YORK, [noon - timedelta(hours=h) for h in (3,)])
    with time_machine.travel(noon, tick=False):
        cid = start(client, [MIAMI, NEW_YORK], key_header(), valid_for=86400)["id"]
        run_worker(app, "campaigns")
    assert sent_to(twilio) == [NEW_YORK]  # New York has no state cap
    db.session.expire_all()
    row = db.session.scalars(select(CampaignRecipient).filter_by(campaign_id=cid,
                                                                 number=MIAMI)).one()
    assert (row.status, row.not_before) == ("queued", first + DAY)
    with time_machine.travel(first + DAY - timedelta(minutes=1), tick=False):
        run_due(app)
        assert sent_to(twilio) == [NEW_YORK]
    with time_machine.travel(first + DAY + timedelta(seconds=2), tick=False):
        run_due(app)
    assert sent_to(twilio) == sorted([MIAMI, NEW_YORK])


def test_a_fourth_florida_text_is_refused_frequency_cap_when_the_campaign_expires_first(
        app, client, brand, twilio):
    consent(brand.id, [MIAMI])
    noon = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    for hours in (3, 2, 1):
        _prior_texts(brand.id, MIAMI, [noon - timedelta(hours=hours)])
    headers = key_header()
    with time_machine.travel(noon, tick=False):
        cid = start(client, [MIAMI], headers)["id"]  # 10 hours: the cap frees at 14:00 UTC
        run_worker(app, "campaigns")
        assert view(client, cid, headers)["counts"]["refused"] == 1
    assert twilio.sent == []
    assert statuses()[MIAMI] == ("refused", "frequency_cap")


def test_two_workers_racing_never_send_a_capped_number_over_its_cap(app, client, brand, twilio):
    miami = [f"+1305555{1000 + i:04d}" for i in range(20)]
    consent(brand.id, miami)
    noon = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    for number in miami:
        for hours in (2, 1):
            _prior_texts(brand.id, number, [noon - timedelta(hours=hours)])
    headers = key_header()
    with time_machine.travel(noon, tick=True):
        campaigns = [start(client, miami, headers, valid_for=86400)["id"] for _ in range(2)]
        sessions = sessionmaker(bind=db.engine)
        provider = app.extensions["smsgate_provider"]
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def worker(cid: int) -> None:
            try:
                with app.app_context():
                    ids = list(db.session.scalars(select(CampaignRecipient.id)
                                                  .filter_by(campaign_id=cid)))
                    barrier.wait()
                    dispatch.send_batch(sessions, provider, RateLimiter(redis_connection()),
                                        cid, ids, threads=8)
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(cid,)) for cid in campaigns]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sorted(sent_to(twilio)) == sorted(miami)  # the third text each, exactly once
    db.session.expire_all()
    waiting = db.session.scalars(select(CampaignRecipient)
                                 .where(CampaignRecipient.campaign_id.in_(campaigns),
                                        CampaignRecipient.status == "queued")).all()
    assert len(waiting) == len(miami)
    assert {row.not_before for row in waiting} == {noon - timedelta(hours=2) + DAY}


def test_the_daily_cap_counts_segments_across_workers_and_waits_for_pacific_midnight(
        app, client, brand, twilio):
    db.session.execute(update(Brand).where(Brand.id == brand.id).values(daily_cap=4))
    db.session.commit()
    targets = [f"+1310555{1000 + i:04d}" for i in range(6)]
    consent(brand.id, targets)
    at = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)  # 12:00 in Los Angeles
    midnight_pacific = datetime(2026, 12, 9, 8, 0, tzinfo=UTC)
    headers = key_header()
    with time_machine.travel(at, tick=False):
        first = start(client, targets[:3], headers, valid_for=86400)["id"]
        run_worker(app, "campaigns")
        second = start(client, targets[3:], headers, valid_for=86400)["id"]
        run_worker(app, "campaigns")  # another run: the same counter in Redis
        assert len(twilio.sent) == 4
        assert DailyCap(redis_connection()).used(brand.id, at) >= 4
        held = [view(client, cid, headers)["counts"]["deferred"] for cid in (first, second)]
        assert sum(held) == 2
    db.session.expire_all()
    assert {row.not_before for row in db.session.scalars(
        select(CampaignRecipient).filter_by(status="queued"))} == {midnight_pacific}
    with time_machine.travel(midnight_pacific + timedelta(seconds=2), tick=False):
        run_due(app)
        assert len(twilio.sent) == 4  # 00:00 in Los Angeles: the day is new, the window not
    with time_machine.travel(midnight_pacific + timedelta(hours=8, seconds=2), tick=False):
        run_due(app)  # 08:00 in Los Angeles
    assert sorted(sent_to(twilio)) == sorted(targets)


def test_a_three_segment_text_spends_three_slots_of_the_rate_cap(app, client, brand, twilio):
    consent(brand.id, [LOS_ANGELES])
    taken: list[int] = []

    class Counting(RateLimiter):
        def acquire(self, brand_id, limit, timeout=None):
            taken.append(brand_id)
            return super().acquire(brand_id, limit, timeout)

    cid = start(client, [LOS_ANGELES], key_header(), body="x" * 400)["id"]
    db.session.expire_all()
    assert db.session.get(Campaign, cid).segments == 3
    ids = list(db.session.scalars(select(CampaignRecipient.id)))
    dispatch.send_batch(sessionmaker(bind=db.engine), app.extensions["smsgate_provider"],
                        Counting(redis_connection()), cid, ids, threads=1)
    assert len(twilio.sent) == 1 and len(taken) == 3


def test_twilio_is_told_how_long_the_text_stays_valid(app, client, brand, twilio):
    consent(brand.id, [LOS_ANGELES])
    start(client, [LOS_ANGELES], key_header(), valid_for=600)
    run_worker(app, "campaigns")
    [request] = twilio.sent
    assert 590 <= int(request["ValidityPeriod"]) <= 600


def test_a_campaign_past_its_validity_sends_nothing(app, client, brand, twilio):
    consent(brand.id, [LOS_ANGELES, HONOLULU])
    headers = key_header()
    cid = start(client, [LOS_ANGELES, HONOLULU], headers, valid_for=60)["id"]
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        run_worker(app, "campaigns")
    assert twilio.sent == []
    assert view(client, cid, headers)["counts"]["expired"] == 2


def test_send_at_holds_every_text_until_then(app, client, brand, twilio):
    consent(brand.id, [LOS_ANGELES, NEW_YORK])
    headers = key_header()
    at = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    later = at + timedelta(hours=2)
    with time_machine.travel(at, tick=False):
        created = start(client, [LOS_ANGELES, NEW_YORK], headers,
                        send_at=later.astimezone().isoformat())
        assert created["schedule"]["deferred"] == 2
        assert created["schedule"]["next_due"] == later.isoformat()
        assert created["expires_at"] == (later + timedelta(hours=10)).isoformat()
        run_worker(app, "campaigns")
        assert twilio.sent == []
    with time_machine.travel(later + timedelta(seconds=2), tick=False):
        run_due(app)
    assert sent_to(twilio) == sorted([LOS_ANGELES, NEW_YORK])


def test_bad_send_at_and_valid_for_get_422_and_write_nothing(client, brand):
    consent(brand.id, [LOS_ANGELES])
    headers = key_header()
    for extra in ({"send_at": "2026-12-08T09:00:00"}, {"send_at": "tomorrow"},
                  {"send_at": 5}, {"valid_for": "600"}, {"valid_for": True},
                  {"valid_for": 10}, {"valid_for": 10**9}):
        answer = post_json(client, PATH, {"brand": "Acme", "body": "hi",
                                          "recipients": [LOS_ANGELES], **extra}, headers)
        assert answer.status_code == 422, extra
        assert answer.get_json()["error"]["code"] == "invalid_field"
    assert db.session.scalars(select(Campaign)).all() == []


def test_cancel_stops_every_unsent_text_and_shows_cancelled(app, client, brand, twilio):
    consent(brand.id, [LOS_ANGELES, HONOLULU, MIAMI])
    headers = key_header()
    with time_machine.travel(EVENING_IN_NEW_YORK, tick=False):
        cid = start(client, [LOS_ANGELES, HONOLULU, MIAMI], headers, valid_for=86400)["id"]
        answer = client.post(f"{PATH}/{cid}/cancel", headers=headers)
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["status"] == "cancelled" and body["counts"]["cancelled"] == 3
        run_worker(app, "campaigns")
    with time_machine.travel(NEXT_MORNING_IN_NEW_YORK + timedelta(minutes=2), tick=False):
        jobs.sweep()
        run_due(app)
        assert view(client, cid, headers)["status"] == "cancelled"
    assert twilio.sent == []


def test_a_retry_after_cancel_does_not_send(app, client, brand, twilio):
    consent(brand.id, [LOS_ANGELES])
    headers = key_header()
    cid = start(client, [LOS_ANGELES], headers)["id"]
    # A transient error puts the row back to `queued` for a later run; then it is cancelled.
    twilio.fail_next(429, 20429)
    twilio.fail_next(429, 20429)
    twilio.fail_next(429, 20429)
    dispatch.BACKOFF = (0.0, 0.0)
    try:
        ids = list(db.session.scalars(select(CampaignRecipient.id)))
        try:
            dispatch.send_batch(sessionmaker(bind=db.engine), app.extensions["smsgate_provider"],
                                RateLimiter(redis_connection()), cid, ids, threads=1)
        except dispatch.RetryLater:
            pass
        assert client.post(f"{PATH}/{cid}/cancel", headers=headers).status_code == 200
        dispatch.send_batch(sessionmaker(bind=db.engine), app.extensions["smsgate_provider"],
                            RateLimiter(redis_connection()), cid, ids, threads=1)
    finally:
        dispatch.BACKOFF = (1.0, 4.0)
    assert twilio.sent == [] and statuses()[LOS_ANGELES] == ("cancelled", None)


def test_cancel_needs_a_marketer_of_the_campaigns_brand(app, client, brand):
    from smsgate.accounts.brands import create_brand

    create_brand(db.session, "Other", ["+14155550111"])
    db.session.commit()
    consent(brand.id, [LOS_ANGELES])
    cid = start(client, [LOS_ANGELES], key_header())["id"]
    assert client.post(f"{PATH}/{cid}/cancel").status_code == 401
    assert client.post(f"{PATH}/{cid}/cancel",
                       headers=key_header("auditor")).status_code == 403
    other = client.post(f"{PATH}/{cid}/cancel", headers=key_header("marketer", "Other"))
    assert other.status_code == 403
    assert client.post(f"{PATH}/999/cancel", headers=key_header()).status_code == 404
    assert statuses()[LOS_ANGELES] == ("queued", None)


def test_a_stop_while_deferred_stops_the_morning_text(app, client, brand, twilio, post_signed):
    from factories import INBOUND_PATH, inbound

    consent(brand.id, [MIAMI])
    with time_machine.travel(EVENING_IN_NEW_YORK, tick=False):
        start(client, [MIAMI], key_header(), valid_for=86400)
        run_worker(app, "campaigns")
        reply = post_signed(INBOUND_PATH, inbound("STOP", sender=MIAMI))
        assert reply.status_code == 200
    with time_machine.travel(NEXT_MORNING_IN_NEW_YORK + timedelta(seconds=2), tick=False):
        run_due(app)
    campaign_texts = [r for r in twilio.sent if "Big sale" in r.get("Body", "")]
    assert campaign_texts == [] and statuses()[MIAMI] == ("refused", "opted_out")


def test_brand_window_and_caps_are_set_shown_and_removed_from_the_command_line(ctx, runner):
    made = runner.invoke(args=["smsgate", "brand", "create", "--name", "Zed", "--number",
                               "+14155550177", "--window", "09:00-17:30", "--frequency-cap",
                               "2", "--daily-cap", "5000"])
    assert made.exit_code == 0, made.output
    assert "window=09:00-17:30\tfrequency_cap=2\tdaily_cap=5000" in made.output
    brand = db.session.scalars(select(Brand).filter_by(name="Zed")).one()
    assert (brand.window_start, brand.window_end) == (9 * 60, 17 * 60 + 30)
    cleared = runner.invoke(args=["smsgate", "brand", "update", "Zed", "--window", "none",
                                  "--frequency-cap", "0"])
    assert cleared.exit_code == 0, cleared.output
    assert "window=-\tfrequency_cap=-\tdaily_cap=5000" in cleared.output
    for bad in (["--window", "17:30-09:00"], ["--window", "9am-5pm"], ["--daily-cap", "-1"]):
        refused = runner.invoke(args=["smsgate", "brand", "update", "Zed", *bad])
        assert refused.exit_code != 0 and "Traceback" not in refused.output, bad
    db.session.expire_all()
    assert db.session.scalars(select(Brand).filter_by(name="Zed")).one().window_start is None


def test_a_text_whose_window_closes_while_it_waits_for_the_rate_cap_is_deferred(
        app, client, brand, twilio):
    consent(brand.id, [LOS_ANGELES])
    just_before_nine = datetime(2026, 12, 9, 4, 59, 50, tzinfo=UTC)  # 20:59:50 in Los Angeles
    with time_machine.travel(just_before_nine, tick=False) as clock:

        class Slow(RateLimiter):
            def acquire(self, brand_id, limit, timeout=None):
                clock.shift(timedelta(seconds=30))  # a full rate cap: 21:00:20 when it admits
                return super().acquire(brand_id, limit, timeout)

        cid = start(client, [LOS_ANGELES], key_header(), valid_for=86400)["id"]
        ids = list(db.session.scalars(select(CampaignRecipient.id)))
        outcome = dispatch.send_batch(sessionmaker(bind=db.engine),
                                      app.extensions["smsgate_provider"],
                                      Slow(redis_connection()), cid, ids, threads=1)
    assert outcome.get("deferred") == 1 and twilio.sent == []
    db.session.expire_all()
    row = db.session.get(CampaignRecipient, ids[0])
    assert (row.status, row.not_before) == ("queued", datetime(2026, 12, 9, 16, 0, tzinfo=UTC))


@pytest.mark.slow
def test_a_deferred_text_outlives_a_worker_killed_while_it_waits(app, client, brand):
    from recording_twilio import RecordingTwilio
    from test_worker_crash import ROOT, _worker_env

    from smsgate.messaging.provider import TwilioProvider

    consent(brand.id, [MIAMI, LOS_ANGELES])
    twilio = RecordingTwilio()
    worker = None
    try:
        with time_machine.travel(EVENING_IN_NEW_YORK, tick=True):
            start(client, [MIAMI, LOS_ANGELES], key_header(), valid_for=86400)
            # A real `smsgate worker` (with RQ's scheduler) on the same evening clock.
            worker = subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "traveled.py"), utcnow().isoformat(),
                 "-m", "flask", "--app", "wsgi", "smsgate", "worker", "--queue", "campaigns"],
                cwd=ROOT, env=_worker_env(app, twilio), stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + 30
            while twilio.count() < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert [m["to"] for m in twilio.sent] == [LOS_ANGELES]
            os.killpg(worker.pid, signal.SIGKILL)  # the worker and its scheduler, at once
            worker.wait(10)
        assert len(ScheduledJobRegistry(queue=queue("campaigns"))) == 1  # still in Redis
        usual = app.extensions["smsgate_provider"]
        app.extensions["smsgate_provider"] = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, twilio.url)
        try:
            with time_machine.travel(NEXT_MORNING_IN_NEW_YORK + timedelta(minutes=2),
                                     tick=False):
                jobs.sweep()
                run_due(app)
                jobs.sweep()
                run_due(app)
        finally:
            app.extensions["smsgate_provider"] = usual
    finally:
        if worker is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
        twilio.stop()
    assert sorted(m["to"] for m in twilio.sent) == sorted([LOS_ANGELES, MIAMI])


def test_a_row_queued_before_zones_were_stored_gets_them_from_its_number(
        app, client, brand, twilio):
    consent(brand.id, [MIAMI, LOS_ANGELES])
    with time_machine.travel(EVENING_IN_NEW_YORK, tick=False):
        cid = start(client, [MIAMI, LOS_ANGELES], key_header(), valid_for=86400)["id"]
        # As a row written by the previous version: no zones, no state, not deferred.
        db.session.execute(update(CampaignRecipient).values(time_zones=None, state=None,
                                                            not_before=None))
        db.session.commit()
        ids = list(db.session.scalars(select(CampaignRecipient.id)))
        dispatch.send_batch(sessionmaker(bind=db.engine), app.extensions["smsgate_provider"],
                            RateLimiter(redis_connection()), cid, ids, threads=2)
    assert sent_to(twilio) == [LOS_ANGELES]
    db.session.expire_all()
    miami = db.session.scalars(select(CampaignRecipient).filter_by(number=MIAMI)).one()
    assert (miami.status, miami.not_before) == ("queued", NEXT_MORNING_IN_NEW_YORK)


def test_the_cap_counts_only_the_brands_own_texts_that_may_have_gone(app, client, brand, twilio):
    from smsgate.accounts.brands import create_brand

    other = create_brand(db.session, "Other", ["+14155550111"])
    db.session.commit()
    consent(brand.id, [MIAMI])
    noon = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    for hours in (3, 2, 1):  # another brand's texts: its own cap, not Acme's
        _prior_texts(other.id, MIAMI, [noon - timedelta(hours=hours)])
    _prior_texts(brand.id, MIAMI, [noon - timedelta(hours=2)])
    _prior_texts(brand.id, MIAMI, [noon - timedelta(minutes=30)])  # Acme's second today
    _prior_texts(brand.id, MIAMI, [noon - timedelta(hours=25)])  # more than a day ago
    _prior_texts(brand.id, MIAMI, [noon - timedelta(hours=1)])
    db.session.execute(update(CampaignRecipient).where(  # refused by Twilio: never went
        CampaignRecipient.claimed_at == noon - timedelta(hours=1)).values(status="failed"))
    db.session.commit()
    with time_machine.travel(noon, tick=False):
        start(client, [MIAMI], key_header(), valid_for=86400)
        run_worker(app, "campaigns")
    assert sent_to(twilio) == [MIAMI]
