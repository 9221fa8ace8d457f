"""Structured logs: one JSON object per line, with the request id, no phone number in clear.

Callers pass fields through `extra={...}` and mask the numbers they know of with
`smsgate.messaging.numbers.mask_number` ("+1415***0123"). The formatters (JSON and plain)
then pass every string of the line (the message, each extra value, in lists and dicts too,
and the exception text) through `mask_digits`, which cuts any number left, however written,
to "***0123": a provider's error text or a database error cannot leak one. Message bodies
are never logged (no regex can recognise them): callers log a body's length instead.

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
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import cast

from flask import Flask, Request, Response, g, has_request_context, request
from werkzeug.local import LocalProxy

from smsgate.messaging.numbers import mask_digits

__all__ = ["JsonFormatter", "PlainFormatter", "configure_logging", "describe_request",
           "mask_digits", "masked"]

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)  # built once: every line uses it
_UNMASKED = (int, float, bool, type(None))  # no digits of a number can hide in these


def masked(value: object) -> object:
    """`value` with `mask_digits` applied to every string in it, dict keys and values, list,
    tuple and set items included; any other object is logged as its masked str()."""
    if isinstance(value, str):
        return mask_digits(value)
    if isinstance(value, _UNMASKED):
        return value
    if isinstance(value, dict):
        return {mask_digits(str(k)): masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [masked(item) for item in value]
    return mask_digits(str(value))


def _fields(record: logging.LogRecord) -> dict[str, object]:
    """The record's `extra` fields, masked (the request id was masked when it was read)."""
    return {k: v if k == "request_id" else masked(v)
            for k, v in vars(record).items() if k not in _STANDARD}


class JsonFormatter(logging.Formatter):
    """Render a record and its `extra` fields as one JSON line, every string masked."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": mask_digits(record.getMessage()),
        }
        fields = _fields(record)
        if "request_id" in fields:  # the request line brings its own
            event["request_id"] = fields.pop("request_id")
        elif has_request_context():
            event["request_id"] = g.get("request_id")
        event.update(fields)
        if record.exc_info:
            event["exception"] = mask_digits(self.formatException(record.exc_info))
        if record.stack_info:
            event["stack"] = mask_digits(self.formatStack(record.stack_info))
        return _ENCODER.encode(event)


class PlainFormatter(logging.Formatter):
    """`time level logger event key=value ...`, then the traceback; every string masked."""

    def format(self, record: logging.LogRecord) -> str:
        line = (f"{self.formatTime(record)} {record.levelname} {record.name} "
                f"{mask_digits(record.getMessage())}")
        fields = _fields(record)
        if fields:
            line += " " + " ".join(f"{k}={_ENCODER.encode(v)}" for k, v in fields.items())
        if record.exc_info:
            line += "\n" + mask_digits(self.formatException(record.exc_info))
        if record.stack_info:
            line += "\n" + mask_digits(self.formatStack(record.stack_info))
        return line


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
    """Send the `smsgate` loggers to stderr as JSON lines and tag requests with an id.

    The same handler serves the root logger, so what other libraries log (RQ's worker,
    SQLAlchemy, twilio, warnings and up unless they set a level) is masked the same way.
    """
    logger = logging.getLogger("smsgate")
    # logging.logThreads/logProcesses stay on: they are global, and other formats in the
    # process need them (gunicorn's error log prints `%(process)d`).
    if not any(getattr(h, "_smsgate", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler._smsgate = True  # type: ignore[attr-defined]
        handler.setFormatter(JsonFormatter() if json_lines else PlainFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        root = logging.getLogger()
        if not any(getattr(h, "_smsgate", False) for h in root.handlers):
            root.addHandler(handler)

    @app.before_request
    def _tag_request() -> None:
        incoming = request.environ.get("HTTP_X_REQUEST_ID", "")  # the header, unparsed
        context = g._get_current_object()
        # Masked here, once: every line of the request carries it (ours are hex: no number).
        context.request_id = mask_digits(incoming[:64]) if incoming.isprintable() and incoming \
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
                       "path": req.path, "status": response.status_code,
                       "ms": round(elapsed, 1)}))
        response.headers["X-Request-Id"] = request_id
        return response
