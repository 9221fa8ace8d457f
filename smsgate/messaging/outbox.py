"""Replies owed to inbound keywords: enqueue after commit, send exactly once, sweep.

Exactly once: a job claims its row with a conditional UPDATE (pending -> sending) before the
provider call and records the SID after it. A crash between the two leaves a `sending` row;
the sweeper asks the provider whether the text went before it ever sends again.

One RQ job (`SEND_REPLIES_JOB`) sends the replies of one group commit, up to
`REPLIES_PER_JOB` of them: creating a job costs far more than sending its ids. The
Redis hash `REPLY_JOBS` names the job holding each pending reply, so the sweeper can tell a
reply whose job is alive from one whose job was never queued (Redis was down), lost, or
died with its worker; it queues those again.
Queuing a reply twice is harmless: it is claimed before it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from smsgate.infra.jobqueue import alive, job_function
from smsgate.messaging.numbers import mask_number
from smsgate.messaging.provider import FIND_SENT_MARGIN, Provider, ProviderError
from smsgate.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

MAX_CALLS_PER_REPLY = 6  # provider calls, over every retry, before a reply is `failed`
RETRY = Retry(max=MAX_CALLS_PER_REPLY - 1, interval=[5, 15, 60, 180, 600])


REPLY_JOBS = "smsgate:reply_jobs"  # hash: outbox id -> id of the RQ job that sends it
SEND_REPLIES_JOB = "send_replies"  # registered by smsgate.jobs: (outbox_ids) -> counts
# Enough for one group commit under load (10 to 16 texts, docs/benchmarks.md) in one job;
# past it, more jobs let several workers send a large batch's confirmations at once.
REPLIES_PER_JOB = 16


def enqueue_replies(replies: Queue, outbox_ids: Sequence[int],
                    pipeline: Pipeline | None = None) -> bool:
    """Queue jobs sending `outbox_ids` (`REPLIES_PER_JOB` each); False (and logged) when
    Redis is unreachable: the sweeper retries.

    With `pipeline` the commands are only added to it; the caller executes it and handles a
    RedisError the same way (the webhook sends them with its metrics in one round trip).
    """
    if not outbox_ids:
        return True
    try:
        own = pipeline if pipeline is not None else replies.connection.pipeline()
        for start in range(0, len(outbox_ids), REPLIES_PER_JOB):
            ids = list(outbox_ids[start:start + REPLIES_PER_JOB])
            job = replies.enqueue(job_function(SEND_REPLIES_JOB), ids, retry=RETRY,
                                  failure_ttl=7 * 24 * 3600,
                                  pipeline=own)  # first: RQ starts the pipeline's MULTI itself
            own.hset(REPLY_JOBS, mapping=dict.fromkeys(ids, job.id))
        if pipeline is None:
            own.execute()
    except RedisError as exc:
        log.warning("reply_not_queued", extra={"outbox_ids": list(outbox_ids),
                                               "error": str(exc)})
        return False
    return True


def forget_jobs(connection: Redis, outbox_ids: Sequence[int]) -> None:
    """Drop settled replies from `REPLY_JOBS`; never raises (a stale entry only names a job
    the sweeper finds dead, for a row it no longer looks at)."""
    if not outbox_ids:
        return
    try:
        connection.hdel(REPLY_JOBS, *outbox_ids)
    except RedisError as exc:
        log.debug("reply_jobs_not_pruned", extra={"error": str(exc)})


def claim(session: Session, outbox_id: int) -> OutboxMessage | None:
    """Move the row pending -> sending; None if another worker or an earlier run has it."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "pending")
        .values(status="sending", claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1))
    claimed = cast("CursorResult[Any]", result).rowcount
    if claimed != 1:
        return None
    return session.get(OutboxMessage, outbox_id)


def deliver(session: Session, message: OutboxMessage, provider: Provider) -> None:
    """Send a claimed row and record the outcome.

    A permanent error fails the row. A transient error that may hide a text the provider did
    accept (a 5xx, a timeout, a lost connection; not a 429) is checked against the provider's
    message list first: listed -> `sent`; the list cannot be read -> the row stays `sending`
    for the sweeper, which asks again. Otherwise the row goes back to `pending` and the error
    is re-raised for RQ's retry (or `failed` after MAX_CALLS_PER_REPLY calls).
    """
    try:
        sid = provider.send(message.to_number, message.body, from_=message.from_number,
                            messaging_service_sid=message.messaging_service_sid)
    except ProviderError as exc:
        message.error_code = str(exc.code or exc.status or "")
        message.error_message = exc.message[:500]
        if exc.permanent:
            _fail(message, exc)
            return
        if exc.status != 429:
            try:
                found = provider.find_sent(message.to_number, message.from_number,
                                           _claimed_at(message) - FIND_SENT_MARGIN, message.body)
            except ProviderError as listing:  # its text may name the number: not logged
                log.warning("reply_unsettled", extra={
                    "outbox_id": message.id, "error_code": listing.code or listing.status})
                return
            if found:
                _record_sent(message, found)
                return
        if message.attempts >= MAX_CALLS_PER_REPLY:
            _fail(message, exc)
            return
        message.status = "pending"
        raise
    _record_sent(message, sid)


def _claimed_at(message: OutboxMessage) -> datetime:
    """When the row was claimed; every `sending` row has that time (`claim` sets it)."""
    return message.claimed_at if message.claimed_at is not None else utcnow()


def _record_sent(message: OutboxMessage, sid: str) -> None:
    message.status, message.provider_sid, message.sent_at = "sent", sid, utcnow()
    log.info("reply_sent", extra={"outbox_id": message.id, "sid": sid, "kind": message.kind,
                                  "to": mask_number(message.to_number)})


def _fail(message: OutboxMessage, exc: ProviderError) -> None:
    message.status = "failed"
    log.warning("reply_failed", extra={"outbox_id": message.id, "error": str(exc),
                                       "to": mask_number(message.to_number)})


class StaleReplies(NamedTuple):
    """`sending` rows a crash left: those the provider had sent, those to queue again."""

    found_sent: list[int]
    requeue: list[int]


def resolve_stale(session: Session, provider: Provider, older_than: timedelta) -> StaleReplies:
    """Settle `sending` rows left by a crash: sent if the provider lists them, else pending
    again (proved unsent) and returned for re-queueing."""
    cutoff = utcnow() - older_than
    found_sent, requeue = [], []
    stale = session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == "sending", OutboxMessage.claimed_at < cutoff)).all()
    for message in stale:
        sid = provider.find_sent(message.to_number, message.from_number,
                                 _claimed_at(message) - FIND_SENT_MARGIN, message.body)
        if sid:
            message.status, message.provider_sid, message.sent_at = "sent", sid, utcnow()
            found_sent.append(message.id)
        else:
            message.status = "pending"
            requeue.append(message.id)
    return StaleReplies(found_sent, requeue)


def pending_without_job(session: Session, replies: Queue, older_than: timedelta) -> list[int]:
    """Pending replies no live job will send: never queued (Redis was down), lost, given up,
    or held by a worker that died."""
    cutoff = utcnow() - older_than
    ids = session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == "pending", OutboxMessage.created_at < cutoff)
        .order_by(OutboxMessage.id)).all()
    if not ids:
        return []
    connection = replies.connection
    job_ids = [raw.decode() if isinstance(raw, bytes) else raw
               for raw in connection.hmget(REPLY_JOBS, ids)]
    wanted = sorted({job_id for job_id in job_ids if job_id})
    jobs = dict(zip(wanted, Job.fetch_many(wanted, connection=connection), strict=True))
    return [outbox_id for outbox_id, job_id in zip(ids, job_ids, strict=True)
            if not _job_alive(jobs.get(job_id) if job_id else None, connection)]


def _job_alive(job: Job | None, connection: Redis) -> bool:
    return job is not None and alive(job, connection)
