"""Thin RQ entry points: take ids, open a session, call a service, commit.

Each job is registered under the name its domain module queues it by (`jobqueue.register`).
Jobs run inside the app context that `smsgate worker` pushes; none builds an app at import
time. Every job is safe to run twice: the services claim their rows before acting.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy.orm import sessionmaker

from smsgate.campaigns import dispatch, queueing
from smsgate.campaigns.dailycap import DailyCap
from smsgate.campaigns.ratelimit import RateLimiter
from smsgate.config import Settings
from smsgate.consent import checkpoints, confirmations
from smsgate.consent import reconcile as lost_webhooks
from smsgate.consent.inbound_writer import MAX_BATCH, InboundWriter
from smsgate.consent.ledger import ChainHeadMissing
from smsgate.extensions import db, queue, redis_connection
from smsgate.infra import counters
from smsgate.infra.jobqueue import register
from smsgate.messaging import outbox
from smsgate.messaging.provider import Provider, ProviderError
from smsgate.models import utcnow
from smsgate.privacy.retention import apply_retention

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
    if message.kind == confirmations.REQUEST_KIND and not confirmations.request_still_live(
            db.session(), message.id, message.to_number, utcnow()):
        # Settled (a STOP) or expired before its turn: asking now would text unasked.
        message.status, message.error_code = "failed", "settled"
        db.session.commit()
        return "settled"
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


@_fresh_session
def checkpoint() -> str:
    """Sign the ledger's head into a checkpoint file (`smsgate.consent.checkpoints`); its
    path, or "refused" (logged as an error: the ledger no longer extends the latest
    checkpoint, which an operator must look into, so nothing more is signed)."""
    try:
        taken = checkpoints.take(db.session(), checkpoints.CheckpointStore.current())
    except checkpoints.LedgerDoesNotExtend as exc:
        log.error("checkpoint_refused", extra={"reason": exc.message})
        return "refused"
    except ChainHeadMissing:  # the schema is still being made (first start): next time
        log.warning("checkpoint_deferred", extra={"reason": "no chain head"})
        return "deferred"
    if taken.new:
        log.info("checkpoint", extra={"entries": taken.checkpoint.size, "path": str(taken.path)})
    return str(taken.path)


def retention(dry_run: bool = False) -> dict[str, int]:
    """Blank personal values older than the configured limits (`smsgate.privacy.retention`);
    the sweeper runs it once an hour, `smsgate retention apply` on demand. Safe to run any
    time; `dry_run` counts and changes nothing."""
    limits = current_app.config["SMSGATE"].retention
    result = apply_retention(db.session(), limits, utcnow(), dry_run=dry_run).as_dict()
    if dry_run:
        db.session.rollback()
        return result
    db.session.commit()
    if any(result.values()):
        log.info("retention_applied", extra=result)
    return result


@register(queueing.SEND_BATCH_JOB)
@_fresh_session
def send_campaign_batch(campaign_id: int, recipient_ids: list[int]) -> dict[str, int]:
    """Text the batch's still-queued recipients once each, consent re-checked per text.

    Raises dispatch.RetryLater when some met only transient errors, so RQ retries the job.
    """
    settings = current_app.config["SMSGATE"]

    def schedule(deferred: list[tuple[int, datetime]]) -> None:
        queueing.schedule_deferred(queue("campaigns"), campaign_id, deferred,
                                   settings.recipients_per_job)

    return dispatch.send_batch(sessionmaker(bind=db.engine), provider(),
                               RateLimiter(redis_connection()), campaign_id, recipient_ids,
                               threads=settings.send_threads, metrics=redis_connection(),
                               daily=DailyCap(redis_connection()), schedule=schedule)


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


@_fresh_session
def reconcile(since: datetime | None = None) -> dict[str, int]:
    """Record the texts Twilio received at each brand number that no webhook recorded, and
    queue their replies, through the webhook's own writer. Safe to run any time, and beside
    the webhook: a MessageSid is recorded once, whoever claims it first.

    Each number commits on its own; one whose list cannot be read is logged (its brand id,
    never the number) and keeps its watermark, and the others go on.
    """
    writer = InboundWriter(db.engine, lambda: queue("replies"))
    counts = {"numbers": 0, "listed": 0, "recorded": 0, "refused": 0, "failed": 0}
    for number, brand_id in lost_webhooks.brand_numbers(db.session()):
        read = lost_webhooks.window(db.session(), number, brand_id, utcnow(), since)
        db.session.commit()  # no transaction held while Twilio is asked
        counts["numbers"] += 1
        try:
            listed = provider().list_inbound(number, read.sent_after, read.sent_before,
                                             limit=lost_webhooks.TEXTS_PER_NUMBER)
        except ProviderError as exc:
            log.warning("reconcile_list_failed", extra={
                "brand_id": brand_id, "status": exc.status, "code": exc.code})
            counts["failed"] += 1
            continue
        fresh = [lost_webhooks.as_inbound(text)
                 for text in lost_webhooks.unclaimed(db.session(), listed.texts)]
        db.session.commit()
        counts["listed"] += len(listed.texts)
        for start in range(0, len(fresh), MAX_BATCH):
            texts = fresh[start:start + MAX_BATCH]
            outcomes = writer.write(texts)  # committed; a database error ends the run
            writer.count_and_queue(texts, outcomes)
            for text, outcome in zip(texts, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    # Refused for what it holds, as its webhook would be on every retry.
                    log.error("reconcile_text_refused", extra={
                        "message_sid": text.message_sid,
                        "error": type(outcome).__name__})
                    counts["refused"] += 1
                elif not outcome.duplicate:
                    counts["recorded"] += 1
        lost_webhooks.advance(db.session(), read, listed)
        db.session.commit()
    if counts["recorded"] or counts["refused"] or counts["failed"]:
        log.info("reconcile", extra=counts)
    return counts
