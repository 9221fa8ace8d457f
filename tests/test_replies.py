"""Replies go out through RQ from the outbox: exactly one per keyword, even across failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import ACCOUNT_SID, run_worker
from factories import INBOUND_PATH, MessageList, inbound
from sqlalchemy import select, update

from smsgate import jobs
from smsgate.extensions import db, open_redis, redis_connection
from smsgate.messaging.outbox import REPLY_JOBS
from smsgate.messaging.provider import ProviderError
from smsgate.models import OutboxMessage, utcnow


def outbox_rows():
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def reply_stuck_sending(post_signed) -> OutboxMessage:
    """A STOP's reply whose worker claimed it an hour ago and died; its RQ job is gone."""
    post_signed(INBOUND_PATH, inbound("STOP"))
    [row] = outbox_rows()
    db.session.execute(update(OutboxMessage).values(
        status="sending", claimed_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    redis_connection().delete(REPLY_JOBS)
    return row


def twilio_lists(twilio, *messages: dict) -> None:
    """Make Twilio's message list (what the sweeper asks before resending) hold `messages`."""
    twilio.mock.get(
        f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        json={"messages": list(messages), "next_page_uri": None, "page": 0, "page_size": 50})


def test_worker_sends_the_exact_request_twilio_expects(app, brand, post_signed, twilio):
    post_signed(INBOUND_PATH, inbound("STOP"))
    run_worker(app, "replies")
    assert len(twilio.sent) == 1
    request = twilio.sent[0]
    assert request["_url"] == (
        f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    assert request["_auth"].startswith("Basic ")
    assert (request["To"], request["From"]) == ("+14155550123", "+14155550100")
    assert request["Body"] == ("Acme: You are unsubscribed and will receive no more messages. "
                               "Reply START to resubscribe.")
    [row] = outbox_rows()
    assert (row.status, row.provider_sid) == ("sent", "SM" + "0" * 31 + "1")


def test_opt_in_reply_names_brand_frequency_rates_help_and_stop(app, brand, post_signed, twilio):
    post_signed(INBOUND_PATH, inbound("Start"))
    run_worker(app, "replies")
    body = twilio.sent[0]["Body"]
    assert body.startswith("Acme: ")
    for required in ("Msg frequency varies.", "Msg & data rates may apply", "HELP", "STOP"):
        assert required in body


def test_help_reply_names_the_brand_once_and_ends_its_sentence_before_stop(
        app, brand, post_signed, twilio):
    post_signed(INBOUND_PATH, inbound("HELP"))
    run_worker(app, "replies")
    assert twilio.sent[0]["Body"] == (
        "Acme support: help@acme.example or 415-555-0199. Reply STOP to opt out.")


def test_same_message_sid_three_times_sends_one_reply(app, brand, post_signed, twilio):
    for _ in range(3):
        post_signed(INBOUND_PATH, inbound("STOP"))
    run_worker(app, "replies")
    assert len(twilio.sent) == 1


def test_job_run_twice_sends_once(app, brand, post_signed, twilio):
    post_signed(INBOUND_PATH, inbound("HELP"))
    row_id = outbox_rows()[0].id
    assert jobs.send_reply(row_id) == "sent"
    assert jobs.send_reply(row_id) == "skipped"
    run_worker(app, "replies")  # and the queued job itself finds nothing left to do
    assert len(twilio.sent) == 1


def test_stop_while_redis_is_down_is_recorded_and_replied_to_once_redis_returns(
        app, brand, post_signed, twilio):
    healthy = app.extensions.get("smsgate_redis")  # None: reopened lazily
    app.extensions["smsgate_redis"] = open_redis("redis://127.0.0.1:1/0", "")  # refused
    try:
        assert post_signed(INBOUND_PATH, inbound("STOP")).status_code == 200
        health = app.test_client().get("/healthz")  # still in service: it records STOPs
        assert (health.status_code, health.get_json()["redis"]) == (200, "down")
    finally:
        app.extensions["smsgate_redis"] = healthy
    [row] = outbox_rows()
    assert row.status == "pending"
    run_worker(app, "replies")
    assert twilio.sent == []  # nothing was queued while Redis was down
    db.session.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert jobs.sweep()["requeued"] == 1
    assert jobs.sweep()["requeued"] == 0  # the job is in Redis now: not queued twice
    run_worker(app, "replies")
    run_worker(app, "replies")
    assert len(twilio.sent) == 1
    assert outbox_rows()[0].status == "sent"


def test_crash_after_send_is_settled_from_the_provider_not_resent(app, brand, post_signed,
                                                                  twilio):
    # A worker claimed the row, Twilio sent the text, and the worker died before recording it.
    row = reply_stuck_sending(post_signed)
    twilio_lists(twilio, {"sid": "SM" + "f" * 32, "body": row.body, "to": row.to_number,
                          "from": row.from_number, "status": "delivered"})
    assert jobs.sweep() == {"stale": 0, "requeued": 0}
    run_worker(app, "replies")
    assert twilio.sent == []
    assert (outbox_rows()[0].status, outbox_rows()[0].provider_sid) == ("sent", "SM" + "f" * 32)


def test_crash_before_send_is_resent_exactly_once(app, brand, post_signed, twilio):
    post_signed(INBOUND_PATH, inbound("STOP"))
    run_worker(app, "replies")
    twilio.sent.clear()
    db.session.execute(update(OutboxMessage).values(
        status="sending", provider_sid=None, claimed_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    twilio_lists(twilio)
    assert jobs.sweep() == {"stale": 1, "requeued": 1}
    run_worker(app, "replies")
    run_worker(app, "replies")
    assert len(twilio.sent) == 1


def test_transient_twilio_error_is_retried_then_sent(app, brand, post_signed, twilio):
    MessageList(twilio)  # asked before the retry: the text did not go
    post_signed(INBOUND_PATH, inbound("HELP"))
    row_id = outbox_rows()[0].id
    twilio.fail_next(503, message="unavailable")
    # The job re-raises so RQ's Retry schedules another attempt.
    with pytest.raises(ProviderError, match="unavailable"):
        jobs.send_reply(row_id)
    assert outbox_rows()[0].status == "pending"
    assert jobs.send_reply(row_id) == "sent"
    assert len(twilio.sent) == 1


def test_permanent_twilio_error_fails_without_retry(app, brand, post_signed, twilio):
    post_signed(INBOUND_PATH, inbound("HELP"))
    row_id = outbox_rows()[0].id
    twilio.fail_next(400, code=21211, message="invalid To")
    assert jobs.send_reply(row_id) == "failed"
    assert (outbox_rows()[0].status, outbox_rows()[0].error_code) == ("failed", "21211")
    assert jobs.send_reply(row_id) == "skipped"
    assert twilio.sent == []


def test_twilio_500s_and_429s_are_retried_then_marked_failed_not_lost(app, brand, post_signed,
                                                                      twilio):
    from smsgate.messaging.outbox import MAX_CALLS_PER_REPLY, RETRY
    from smsgate.messaging.provider import ProviderError

    assert RETRY.max == MAX_CALLS_PER_REPLY - 1 and RETRY.intervals == sorted(RETRY.intervals)
    listing = MessageList(twilio)  # asked after each 5xx: nothing went, so a retry may send
    post_signed(INBOUND_PATH, inbound("HELP"))
    row_id = outbox_rows()[0].id
    for attempt in range(1, MAX_CALLS_PER_REPLY):
        twilio.fail_next(500 if attempt % 2 else 429, message=f"busy {attempt}")
        try:
            jobs.send_reply(row_id)
        except ProviderError:
            pass  # RQ would schedule the next attempt after RETRY.intervals[attempt - 1]
        else:
            raise AssertionError("a transient error must reach RQ's retry")
        assert (outbox_rows()[0].status, outbox_rows()[0].attempts) == ("pending", attempt)
    twilio.fail_next(503, message="still down")
    assert jobs.send_reply(row_id) == "failed"
    row = outbox_rows()[0]
    assert (row.status, row.attempts, row.error_code) == ("failed", MAX_CALLS_PER_REPLY, "503")
    assert twilio.sent == []
    fives = sum(1 for attempt in range(1, MAX_CALLS_PER_REPLY) if attempt % 2) + 1
    assert listing.calls == fives  # asked after each 5xx, never after a 429


def test_a_reply_twilio_accepted_before_the_answer_timed_out_is_sent_exactly_once(
        app, brand, post_signed, twilio):
    listing = MessageList(twilio)
    post_signed(INBOUND_PATH, inbound("STOP"))
    twilio.time_out_after_accepting_next()
    run_worker(app, "replies")
    run_worker(app, "replies")  # nothing left to retry: the list showed the text had gone
    assert len(twilio.sent) == 1 and listing.calls == 1
    row = outbox_rows()[0]
    assert (row.status, row.provider_sid) == ("sent", "SM" + f"{1:032x}")


def test_a_reply_whose_fate_cannot_be_read_is_left_to_the_sweeper_not_resent(
        app, brand, post_signed, twilio):
    listing = MessageList(twilio)
    listing.fail = True
    post_signed(INBOUND_PATH, inbound("STOP"))
    twilio.time_out_after_accepting_next()
    run_worker(app, "replies")
    assert len(twilio.sent) == 1
    assert outbox_rows()[0].status == "sending"


def test_sweeper_finds_a_text_twilio_accepted_but_has_not_sent_yet(app, brand, post_signed,
                                                                   twilio):
    row = reply_stuck_sending(post_signed)
    # Still queued at Twilio: no date_sent yet, so a date_sent filter would miss it.
    twilio_lists(twilio, {"sid": "SM" + "e" * 32, "body": row.body, "to": row.to_number,
                          "from": row.from_number, "status": "queued", "date_sent": None})
    jobs.sweep()
    run_worker(app, "replies")
    assert twilio.sent == []
    assert outbox_rows()[0].provider_sid == "SM" + "e" * 32
    [listing] = [call.request.url for call in twilio.mock.calls if call.request.method == "GET"]
    assert "DateSent" not in listing and "To=%2B14155550123" in listing


# --- one job per group commit (up to REPLIES_PER_JOB replies) ---------------------------------

def three_texts_in_one_batch():
    """Three keywords written and queued as the webhook's group commit does one batch."""
    from smsgate.consent.inbound import InboundText
    from smsgate.http.webhooks import inbound_writer

    texts = [InboundText(message_sid=f"SM{i:032d}", from_number=f"+1415555012{i}",
                         to_number="+14155550100", body=body)
             for i, body in enumerate(("STOP", "START", "HELP"))]
    writer = inbound_writer()
    writer.count_and_queue(texts, writer.write(texts))


def test_a_batch_of_replies_is_one_job_and_each_reply_goes_once(app, ctx, brand, twilio):
    from smsgate.extensions import queue

    three_texts_in_one_batch()
    assert queue("replies").count == 1
    assert redis_connection().hlen(REPLY_JOBS) == 3
    run_worker(app, "replies")
    assert sorted(sent["To"] for sent in twilio.sent) == [
        "+14155550120", "+14155550121", "+14155550122"]
    assert [row.status for row in outbox_rows()] == ["sent"] * 3
    assert redis_connection().hlen(REPLY_JOBS) == 0  # settled replies are forgotten


def test_a_large_batch_of_replies_is_shared_among_jobs(app, ctx, brand, twilio):
    from smsgate.extensions import queue
    from smsgate.messaging.outbox import REPLIES_PER_JOB, enqueue_replies

    assert enqueue_replies(queue("replies"), list(range(1, 2 * REPLIES_PER_JOB + 2)))
    assert queue("replies").count == 3
    jobs_named = {raw.decode() for raw in redis_connection().hvals(REPLY_JOBS)}
    assert len(jobs_named) == 3 and redis_connection().hlen(REPLY_JOBS) == 2 * REPLIES_PER_JOB + 1


def test_a_transient_error_in_a_batch_holds_up_only_its_own_reply(app, ctx, brand, twilio):
    three_texts_in_one_batch()
    ids = [row.id for row in outbox_rows()]
    twilio.fail_next(429, message="slow down")  # the first reply's first attempt
    with pytest.raises(jobs.RepliesLeftPending):
        jobs.send_replies(ids)
    assert [row.status for row in outbox_rows()] == ["pending", "sent", "sent"]
    assert jobs.send_replies(ids) == {"sent": 1, "skipped": 2}  # RQ's retry
    assert len(twilio.sent) == 3 and len({sent["To"] for sent in twilio.sent}) == 3


def test_sweeper_requeues_replies_whose_job_died_with_its_worker_but_not_live_ones(
        app, ctx, brand, twilio):
    from rq.job import Job, JobStatus

    three_texts_in_one_batch()
    db.session.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert jobs.sweep()["requeued"] == 0  # its job is queued: alive
    job_id = redis_connection().hget(REPLY_JOBS, outbox_rows()[0].id).decode()
    job = Job.fetch(job_id, connection=redis_connection())
    job.set_status(JobStatus.STARTED)  # taken by a worker that was then killed (SIGKILL)
    job.worker_name = "killed-worker"
    job.save()
    assert jobs.sweep()["requeued"] == 3
    run_worker(app, "replies")
    assert len(twilio.sent) == 3
    assert jobs.sweep()["requeued"] == 0


def test_a_reply_the_sweeper_finds_sent_is_forgotten_by_the_job_map(app, ctx, brand, twilio):
    three_texts_in_one_batch()
    [row, *_] = outbox_rows()
    row_id = row.id
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
        status="sending", claimed_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    twilio_lists(twilio, {"sid": "SM" + "e" * 32, "body": row.body, "to": row.to_number,
                          "from": row.from_number, "status": "delivered"})
    jobs.sweep()
    assert outbox_rows()[0].status == "sent"
    assert redis_connection().hget(REPLY_JOBS, row_id) is None  # no entry left behind
    assert redis_connection().hlen(REPLY_JOBS) == 2  # the two still pending keep theirs
