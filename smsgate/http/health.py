"""`/healthz`: 200 when the database and Redis both answer, 503 otherwise."""

from __future__ import annotations

from flask import Blueprint, jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from smsgate.extensions import db, redis_connection

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report each dependency; any failure makes the whole answer 503."""
    checks = {"database": "ok", "redis": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except DBAPIError:
        checks["database"] = "unavailable"
    finally:
        db.session.rollback()
    try:
        redis_connection().ping()
    except (RedisError, OSError):
        checks["redis"] = "unavailable"
    ok = all(value == "ok" for value in checks.values())
    return jsonify({"ok": ok, **checks}), 200 if ok else 503
