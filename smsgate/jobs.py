"""Thin RQ entry points: take ids, open a session, call a service, commit.

Jobs run inside the app context that `smsgate worker` pushes; none builds an app at import
time. Every job is safe to run twice: the services claim their rows before acting.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from flask import current_app

from smsgate.extensions import db, queue
from smsgate.messaging import outbox
from smsgate.messaging.provider import Provider, ProviderError

log = logging.getLogger(__name__)
T = TypeVar("T")


def provider() -> Provider:
    """The app's SMS provider (Twilio, or the logging one in development)."""
    return current_app.extensions["smsgate_provider"]


def _fresh_session(job: Callable[..., T]) -> Callable[..., T]:
    """Roll back what a failed job left and drop the session, so jobs never share state."""

    @functools.wraps(job)
    def run(*args, **kwargs) -> T:
        try:
            return job(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()

    return run


@_fresh_session
def send_reply(outbox_id: int) -> str:
    """Send the reply in outbox row `outbox_id` once; a transient error re-raises for RQ's retry."""
    message = outbox.claim(db.session, outbox_id)
    db.session.commit()  # the claim is durable before the provider is called
    if message is None:
        return "skipped"
    try:
        outbox.deliver(db.session, message, provider())
    except ProviderError:
        db.session.commit()  # back to pending with the error recorded, then RQ retries
        raise
    db.session.commit()
    return message.status


@_fresh_session
def sweep() -> dict[str, int]:
    """Settle crashed sends and re-queue replies Redis never got. Safe to run any time."""
    settings = current_app.config["SMSGATE"]
    replies = queue("replies")
    stale = outbox.resolve_stale(db.session, provider(),
                                 timedelta(seconds=settings.stale_sending_seconds))
    db.session.commit()
    missing = outbox.pending_without_job(db.session, replies, timedelta(seconds=5))
    requeued = sum(outbox.enqueue_reply(replies, i) for i in sorted(set(stale) | set(missing)))
    counts = {"stale": len(stale), "requeued": requeued}
    if stale or requeued:
        log.info("sweep", extra=counts)
    return counts
