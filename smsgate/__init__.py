"""smsgate: an SMS 10DLC opt-in/opt-out gateway with a tamper-evident consent ledger."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from typing import Any

from dotenv import load_dotenv
from flask import Flask, Response, jsonify, request
from sqlalchemy import create_engine
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from smsgate.config import Settings
from smsgate.errors import DatabaseUnavailable, InvalidInput, SmsgateError


def create_app(settings: Settings | None = None, *, instance_path: str | None = None,
               env: Mapping[str, str] | None = None) -> Flask:
    """Build the app from `settings`, or from the environment (and `.env`) when None."""
    if settings is None and env is None:
        load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)
    # SMSGATE_INSTANCE_PATH moves the instance folder (SQLite, embedded Redis, dev token).
    chosen = instance_path or (os.environ if env is None else env).get("SMSGATE_INSTANCE_PATH")
    app = Flask(__name__, instance_path=os.path.abspath(chosen) if chosen else None,
                instance_relative_config=True)
    if settings is None:
        settings = Settings.from_env(app.instance_path, env)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(
        SMSGATE=settings,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        SECRET_KEY=settings.secret_key,
    )
    if settings.proxy_hops:
        # Trust X-Forwarded-For/Proto/Host/Port as set by the last `proxy_hops` proxies only.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from smsgate import extensions, logs
    from smsgate.messaging.provider import LoggingProvider, TwilioProvider

    logs.configure_logging(app, settings.log_json)
    if settings.dev:
        logging.getLogger("smsgate").warning(
            "dev_mode", extra={"detail": "SMSGATE_DEV=1: texts are logged, not sent; "
                               "webhooks are signed with this instance's development token"})
    extensions.db.init_app(app)
    # CSV downloads stream for as long as the client reads: they get connections of their
    # own, so however slowly they are read, webhooks never wait for the main pool.
    app.extensions["smsgate_export_engine"] = create_engine(
        settings.database_url, **_export_engine_options(settings))
    extensions.migrate.init_app(app, extensions.db,
                                directory=os.path.join(os.path.dirname(__file__), os.pardir,
                                                       "migrations"))
    callback = f"{settings.public_base_url}/webhooks/twilio/status" \
        if settings.public_base_url else None
    app.extensions["smsgate_provider"] = LoggingProvider() if settings.dev else TwilioProvider(
        settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base_url,
        status_callback=callback, pool_size=settings.send_threads)

    from smsgate.http import (
        api,
        audit,
        health,
        metrics,
        openapi,
        reviews,
        subjects,
        suppressions,
        webhooks,
    )

    for blueprint in (webhooks.bp, health.bp, metrics.bp, api.bp, reviews.bp, subjects.bp,
                      audit.bp, suppressions.bp,
                      openapi.bp):
        app.register_blueprint(blueprint)

    from smsgate import jobs  # noqa: F401 - registers the job functions queued by name
    from smsgate.cli import smsgate_group

    app.cli.add_command(smsgate_group)
    from smsgate.http.params import check_query_and_cookies

    app.before_request(check_query_and_cookies)
    _register_error_handlers(app)
    return app


def _engine_options(url: str) -> dict[str, Any]:
    # hide_parameters: a database error's text would otherwise carry the statement's bound
    # values (numbers, message bodies) into tracebacks and logs.
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    return {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True, "pool_timeout": 5,
            "hide_parameters": True}


def _export_engine_options(settings: Settings) -> dict[str, Any]:
    """At most `export_connections` connections, none waited for: a download beyond them is
    refused at once (503 `exports_busy`, `smsgate.http.export_response`)."""
    return {**_engine_options(settings.database_url),
            "pool_size": settings.export_connections, "max_overflow": 0, "pool_timeout": 0}


def _register_error_handlers(app: Flask) -> None:
    """Every error leaves as `{"error": {"code", "message"}}`; none as an HTML page."""

    from smsgate.extensions import db

    def rollback() -> None:
        """End the request's transaction: an error writes nothing and releases any lock it
        took (the chain head). The connection may be as dead as the server: never raise."""
        with contextlib.suppress(Exception):
            db.session.rollback()

    @app.errorhandler(SmsgateError)
    def _smsgate_error(exc: SmsgateError) -> tuple[Response, int, dict[str, str]]:
        rollback()
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
        return jsonify(exc.to_dict()), exc.status, headers

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify({"error": {"code": code, "message": exc.description}}), exc.code or 500

    # The one place a database failure becomes 503 `database_unavailable`: the server is down
    # or out of reach, a statement failed (nothing was committed: the request's transaction is
    # rolled back here), or every pooled connection stayed busy past its timeout (a gevent
    # worker serves more requests at once than its pool has connections). Clients and Twilio
    # retry; the unique MessageSid makes a retried webhook safe.
    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(exc: Exception) -> tuple[Response, int]:
        rollback()
        logging.getLogger("smsgate").warning("database_unavailable",
                                             extra={"error": type(exc).__name__})
        body = DatabaseUnavailable()
        return jsonify(body.to_dict()), body.status

    # A value the database refuses to store (out of range, malformed for its column): an API
    # request is at fault, so 422 and nothing written. A webhook still answers 503, so that
    # Twilio retries: a STOP must never be dropped for a failure that may be ours.
    @app.errorhandler(DataError)
    def _data_error(exc: DataError) -> tuple[Response, int]:
        if request.blueprint == "webhooks":
            return _database_unavailable(exc)
        rollback()
        logging.getLogger("smsgate").warning("data_error", extra={"error": type(exc).__name__})
        body = InvalidInput("a value cannot be stored as given", code="invalid_value")
        return jsonify(body.to_dict()), body.status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        app.logger.exception("unhandled_error")
        return jsonify({"error": {"code": "internal_error",
                                  "message": "internal error"}}), 500
