"""Structured logs: one JSON object per line, with the request id, numbers already masked.

Callers pass fields through `extra={...}`; phone numbers are masked by the caller with
`smsgate.messaging.numbers.mask_number` before they reach a log record.

Every request is logged once, when it ends: event "request", or the event a view named
with `describe_request` (the inbound webhook's "inbound"), with that view's fields added to
the method, path, status and duration. One line per webhook instead of two is also one
write to stderr fewer on the busiest path.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import cast

from flask import Flask, Request, Response, g, has_request_context, request
from werkzeug.local import LocalProxy

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)  # built once: every line uses it


class JsonFormatter(logging.Formatter):
    """Render a record and its `extra` fields as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if "request_id" in fields:  # the request line brings its own
            event["request_id"] = fields.pop("request_id")
        elif has_request_context():
            event["request_id"] = g.get("request_id")
        event.update(fields)
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(event)


_LONG_DIGITS = re.compile(r"(?:%2[bB]|\+)?\d[\d.\-]{2,}(\d{4})")


def mask_digits(text: str) -> str:
    """`text` with every run of 7+ digits (a phone number, in any form) cut to its last 4."""
    return _LONG_DIGITS.sub(lambda m: "***" + m.group(1) if len(re.sub(r"\D", "", m.group(0)))
                            >= 7 else m.group(0), text)


class _RequestIds:
    """Request ids unique without a system call each: a random prefix per process (a fork
    draws a new one), then a counter (itertools.count is atomic across threads)."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix, self.counter = uuid.uuid4().hex[:16], itertools.count(1)

    def next(self) -> str:
        return f"{self.prefix}{next(self.counter):016x}"


_request_ids = _RequestIds()


def describe_request(event: str, **fields: object) -> None:
    """Log this request as `event` with `fields` instead of "request" (mask numbers first)."""
    g.request_event = (event, fields)


def configure_logging(app: Flask, json_lines: bool = True) -> None:
    """Send the `smsgate` loggers to stderr as JSON lines and tag requests with an id."""
    logger = logging.getLogger("smsgate")
    # logging.logThreads/logProcesses stay on: they are global, and other formats in the
    # process need them (gunicorn's error log prints `%(process)d`).
    if not any(getattr(h, "_smsgate", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler._smsgate = True  # type: ignore[attr-defined]
        handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def _tag_request() -> None:
        incoming = request.environ.get("HTTP_X_REQUEST_ID", "")  # the header, unparsed
        context = g._get_current_object()
        context.request_id = incoming[:64] if incoming.isprintable() and incoming \
            else _request_ids.next()
        context.started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        # Our own access log (gunicorn's would print paths like /api/v1/consents/+1415...
        # and query strings with numbers in them, unmasked).
        context = g._get_current_object()  # one proxy lookup instead of one per use
        elapsed = (time.perf_counter() - getattr(context, "started", time.perf_counter())) * 1000
        request_id = getattr(context, "request_id", "")
        if logger.isEnabledFor(logging.INFO):
            untagged: tuple[str, dict[str, object]] = ("request", {})
            event, fields = getattr(context, "request_event", untagged)
            req = cast("LocalProxy[Request]", request)._get_current_object()
            # makeRecord + handle is what logger.info does, less the search of the stack for
            # the caller's file and line, which no line shows (once per request).
            logger.handle(logger.makeRecord(
                logger.name, logging.INFO, "", 0, event, (), None,
                extra={"request_id": request_id, **fields, "method": req.method,
                       "path": mask_digits(req.path), "status": response.status_code,
                       "ms": round(elapsed, 1)}))
        response.headers["X-Request-Id"] = request_id
        return response
