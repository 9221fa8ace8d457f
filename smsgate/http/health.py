"""`/healthz`: whether this node can record texts, for load balancers and monitoring.

The answer is 503 only when the database cannot be reached: that is the one dependency
without which a webhook cannot record a STOP. Redis down is reported (`"redis": "down"`)
but answers 200, since webhooks keep recording then (replies wait in the outbox for the
sweeper); a load balancer that pulled every node on a Redis outage would lose STOPs instead.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from smsgate.extensions import db, redis_connection

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Report each dependency; 503 only when the database does not answer."""
    checks = {"database": "ok", "redis": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except (DBAPIError, PoolTimeout):
        checks["database"] = "down"
    finally:
        db.session.rollback()
    try:
        redis_connection().ping()
    except (RedisError, OSError):
        checks["redis"] = "down"
    ok = checks["database"] == "ok"
    return jsonify({"ok": ok, **checks}), 200 if ok else 503
