"""`GET /metrics`: Prometheus exposition of counters, queue depth and outbox age.

Unauthenticated like most scrape targets: it holds counts only, never a number or a body;
restrict it to the monitoring network at the proxy (docs/deploying.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from smsgate.errors import Unavailable
from smsgate.extensions import QUEUE_NAMES, db, queue, redis_connection
from smsgate.infra import counters
from smsgate.models import LedgerHead, OutboxMessage, utcnow

bp = Blueprint("metrics", __name__)


def _gauges() -> Iterator[tuple[str, str, dict[str, str], float]]:
    for name in QUEUE_NAMES:
        yield ("queue_depth", "Jobs waiting in an RQ queue.", {"queue": name},
               float(queue(name).count))
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at))
                               .where(OutboxMessage.status == "pending"))
    age = (utcnow() - oldest).total_seconds() if oldest else 0.0
    yield ("outbox_oldest_pending_seconds", "Age of the oldest reply not yet sent.", {}, age)
    head = db.session.get(LedgerHead, 1)
    yield ("ledger_entries", "Entries in the consent ledger.", {},
           float(head.last_id if head else 0))


@bp.get("/metrics")
def scrape() -> Response:
    """Render every metric; 503 when Redis or the database cannot be read."""
    try:
        body = counters.render(redis_connection(), list(_gauges()))
    except (RedisError, DBAPIError) as exc:
        raise Unavailable(f"metrics unavailable: {type(exc).__name__}") from exc
    finally:
        db.session.rollback()
    return Response(body, mimetype="text/plain; version=0.0.4")
