"""Thin RQ entry points: take ids, open a session, call a service, commit.

Each job is registered under the name its domain module queues it by (`jobqueue.register`).
Jobs run inside the app context that `smsgate worker` pushes; none builds an app at import
time. Every job is safe to run twice: the services claim their rows before acting.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy.orm import sessionmaker

from smsgate.campaigns import dispatch, queueing
from smsgate.campaigns.ratelimit import RateLimiter
from smsgate.config import Settings
from smsgate.extensions import db, queue, redis_connection
from smsgate.infra import counters
from smsgate.infra.jobqueue import register
from smsgate.messaging import outbox
from smsgate.messaging.provider import Provider, ProviderError

log = logging.getLogger(__name__)
T = TypeVar("T")


def provider() -> Provider:
    """The app's SMS provider (Twilio, or the logging one in development)."""
    provider: Provider = current_app.extensions["smsgate_provider"]
    return provider


def _fresh_session(job: Callable[..., T]) -> Callable[..., T]:
    """Roll back what a failed job left and drop the session, so jobs never share state."""

    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> T:
        try:
            return job(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()

    return run


class RepliesLeftPending(Exception):
    """Some replies of a batch met transient provider errors: RQ retries the job later."""


@register(outbox.SEND_REPLIES_JOB)
@_fresh_session
def send_replies(outbox_ids: list[int]) -> dict[str, int]:
    """Send each reply in `outbox_ids` once; the others of the batch are not held up by one
    that fails. Raises RepliesLeftPending when some met transient errors, so RQ retries the
    job: replies already sent are skipped then, being no longer pending."""
    counts: dict[str, int] = {}
    settled, retry = [], []
    try:
        for outbox_id in outbox_ids:
            try:
                status = send_reply(outbox_id)
            except ProviderError:
                retry.append(outbox_id)
                status = "pending"
            else:
                settled.append(outbox_id)
            counts[status] = counts.get(status, 0) + 1
    finally:  # also when another error ends the job early: RQ retries the rest
        outbox.forget_jobs(redis_connection(), settled)
    if retry:
        raise RepliesLeftPending(f"{len(retry)} of {len(outbox_ids)} replies left pending")
    return counts


@_fresh_session
def send_reply(outbox_id: int) -> str:
    """Send the reply in outbox row `outbox_id` once; a transient error re-raises for RQ's
    retry, unless the provider's list shows the text went, or cannot be read (then the row
    stays `sending` and the sweeper settles it).

    Jobs queued by earlier versions (one per reply) still call this; `send_replies` does too.
    """
    message = outbox.claim(db.session(), outbox_id)
    db.session.commit()  # the claim is durable before the provider is called
    if message is None:
        return "skipped"
    try:
        outbox.deliver(db.session(), message, provider())
    except ProviderError:
        db.session.commit()  # back to pending with the error recorded, then RQ retries
        raise
    db.session.commit()
    if message.status == "sent":
        counters.count(redis_connection(), "texts_sent_total", "reply")
    elif message.status == "failed":
        counters.count(redis_connection(), "texts_failed_total", message.error_code or "")
    return message.status


@_fresh_session
def sweep() -> dict[str, int]:
    """Settle crashed sends and re-queue replies Redis never got. Safe to run any time."""
    settings = current_app.config["SMSGATE"]
    replies = queue("replies")
    stale = outbox.resolve_stale(db.session(), provider(),
                                 timedelta(seconds=settings.stale_sending_seconds))
    db.session.commit()
    outbox.forget_jobs(replies.connection, stale.found_sent)
    missing = outbox.pending_without_job(db.session(), replies, timedelta(seconds=5))
    requeue = sorted(set(stale.requeue) | set(missing))
    requeued = len(requeue) if outbox.enqueue_replies(replies, requeue) else 0
    counts = {"stale": len(stale.requeue), "requeued": requeued}
    # A reply a crash interrupted after the provider took it was never counted as sent.
    counters.count_each(replies.connection, "texts_sent_total", {"reply": len(stale.found_sent)})
    _sweep_campaigns(settings)
    if stale.found_sent or stale.requeue or requeued:
        log.info("sweep", extra=counts)
    return counts


@register(queueing.SEND_BATCH_JOB)
@_fresh_session
def send_campaign_batch(campaign_id: int, recipient_ids: list[int]) -> dict[str, int]:
    """Text the batch's still-queued recipients once each, consent re-checked per text.

    Raises dispatch.RetryLater when some met only transient errors, so RQ retries the job.
    """
    settings = current_app.config["SMSGATE"]
    return dispatch.send_batch(sessionmaker(bind=db.engine), provider(),
                               RateLimiter(redis_connection()), campaign_id, recipient_ids,
                               threads=settings.send_threads, metrics=redis_connection())


def _sweep_campaigns(settings: Settings) -> dict[str, int]:
    """Settle campaign texts a dead worker left `sending`, then re-queue batches whose job is
    gone; commits between the two so nothing is queued before its rows say `queued`."""
    settled = queueing.settle_stale(db.session(), provider(),
                                    timedelta(seconds=settings.stale_sending_seconds))
    db.session.commit()
    counters.count_each(redis_connection(), "texts_sent_total", {"campaign": settled.found})
    jobs = queueing.requeue_orphans(db.session(), queue("campaigns"), settings.recipients_per_job)
    db.session.commit()
    counts = {"found_sent": settled.found, "stale_requeued": settled.requeued,
              "failed": settled.failed, "unsettled": settled.unsettled, "jobs_requeued": jobs}
    if any(counts.values()):
        log.info("campaign_sweep", extra=counts)
    return counts
