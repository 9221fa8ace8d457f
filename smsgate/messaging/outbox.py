"""Replies owed to inbound keywords: enqueue after commit, send exactly once, sweep.

Exactly once: a job claims its row with a conditional UPDATE (pending -> sending) before the
provider call and records the SID after it. A crash between the two leaves a `sending` row;
the sweeper asks the provider whether the text went before it ever sends again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smsgate.messaging.provider import Provider, ProviderError
from smsgate.models import OutboxMessage, utcnow
from smsgate.numbers import mask_number

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY = Retry(max=MAX_ATTEMPTS - 1, interval=[5, 15, 60, 180, 600])


def job_id(outbox_id: int) -> str:
    """One RQ job id per reply, so the sweeper can tell whether Redis still holds it."""
    return f"reply-{outbox_id}"


def enqueue_reply(replies: Queue, outbox_id: int, pipeline: Pipeline | None = None) -> bool:
    """Queue the reply's job; False (and logged) when Redis is unreachable: the sweeper retries.

    With `pipeline` the job's commands are only added to it; the caller executes it and
    handles a RedisError the same way (the webhook sends them with its metrics in one trip).
    """
    try:
        replies.enqueue("smsgate.jobs.send_reply", outbox_id, job_id=job_id(outbox_id),
                        retry=RETRY, failure_ttl=7 * 24 * 3600, pipeline=pipeline)
    except RedisError as exc:
        log.warning("reply_not_queued", extra={"outbox_id": outbox_id, "error": str(exc)})
        return False
    return True


def claim(session: Session, outbox_id: int) -> OutboxMessage | None:
    """Move the row pending -> sending; None if another worker or an earlier run has it."""
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "pending")
        .values(status="sending", claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
    ).rowcount
    if claimed != 1:
        return None
    return session.get(OutboxMessage, outbox_id)


def deliver(session: Session, message: OutboxMessage, provider: Provider) -> None:
    """Send a claimed row and record the outcome. Transient errors return it to pending."""
    try:
        sid = provider.send(message.to_number, message.body, from_=message.from_number,
                            messaging_service_sid=message.messaging_service_sid)
    except ProviderError as exc:
        message.error_code = str(exc.code or exc.status or "")
        message.error_message = exc.message[:500]
        if exc.permanent or message.attempts >= MAX_ATTEMPTS:
            message.status = "failed"
            log.warning("reply_failed", extra={"outbox_id": message.id, "error": str(exc),
                                               "to": mask_number(message.to_number)})
            return
        message.status = "pending"
        raise
    message.status, message.provider_sid, message.sent_at = "sent", sid, utcnow()
    log.info("reply_sent", extra={"outbox_id": message.id, "sid": sid, "kind": message.kind,
                                  "to": mask_number(message.to_number)})


def resolve_stale(session: Session, provider: Provider, older_than: timedelta) -> list[int]:
    """Settle `sending` rows left by a crash; return ids to re-queue (proved unsent)."""
    cutoff = utcnow() - older_than
    requeue = []
    stale = session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == "sending", OutboxMessage.claimed_at < cutoff)).all()
    for message in stale:
        sid = provider.find_sent(message.to_number, message.from_number,
                                 message.claimed_at - timedelta(minutes=1), message.body)
        if sid:
            message.status, message.provider_sid, message.sent_at = "sent", sid, utcnow()
        else:
            message.status = "pending"
            requeue.append(message.id)
    return requeue


def pending_without_job(session: Session, replies: Queue, older_than: timedelta) -> list[int]:
    """Pending replies whose job Redis does not hold (it was down, or lost the job)."""
    cutoff = utcnow() - older_than
    ids = session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == "pending", OutboxMessage.created_at < cutoff)
        .order_by(OutboxMessage.id)).all()
    connection = replies.connection
    return [i for i in ids if not connection.exists(f"rq:job:{job_id(i)}")]
