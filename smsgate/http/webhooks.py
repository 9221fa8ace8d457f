"""Twilio's webhooks: inbound texts and delivery status callbacks.

Each request is one transaction, committed before we answer 200; a database failure answers
503 so Twilio retries, and the unique MessageSid makes that retry safe. Replies are queued
only after the commit, and a Redis failure never fails the webhook (the sweeper catches up).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError

from smsgate import metrics
from smsgate.consent.inbound import (
    DuplicateMessage,
    InboundOutcome,
    InboundText,
    record_inbound,
)
from smsgate.errors import BadRequest, Unavailable
from smsgate.extensions import db, queue, redis_connection
from smsgate.http.signature import require_twilio_signature
from smsgate.messaging.outbox import enqueue_reply
from smsgate.messaging.status import StatusCallback, record_status
from smsgate.numbers import mask_number

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/twilio")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_FIELD = 1600  # Twilio concatenates at most 10 segments; far longer is not from Twilio


def _twiml() -> Response:
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


def _field(name: str, required: bool = True) -> str | None:
    value = request.form.get(name, "")
    if len(value) > MAX_FIELD * 4:
        raise BadRequest(f"field {name} is too long", code="field_too_long")
    if required and not value.strip():
        raise BadRequest(f"missing form field {name}", code="missing_field")
    return value or None


def _unavailable(exc: DBAPIError) -> Unavailable:
    """Roll back and answer 503: Twilio retries, and nothing was half-written."""
    db.session.rollback()
    log.error("webhook_db_error", extra={"error": type(exc).__name__})
    return Unavailable("database unavailable, retry later", code="database_unavailable")


def _autocommit_on_postgresql() -> None:
    """On PostgreSQL record_inbound writes everything in one statement, a transaction of its
    own: autocommit spares the BEGIN and COMMIT round trips, and the ledger's chain head is
    released as soon as that statement's commit is on disk. A session or connection already
    inside a transaction (a test's, a checkout hook's) just stays in it: same atomicity."""
    engine = db.engine
    if engine.dialect.name != "postgresql" or db.session().in_transaction():
        return
    try:
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    except engine.dialect.loaded_dbapi.ProgrammingError:  # "can't change 'autocommit' now"
        db.session.rollback()
        db.session.connection()


@bp.post("/inbound")
def inbound() -> Response:
    """Record an inbound text, its consent change and its reply; answer empty TwiML."""
    require_twilio_signature()
    text = InboundText(
        message_sid=_field("MessageSid"), from_number=_field("From"), to_number=_field("To"),
        body=_field("Body", required=False) or "",
        messaging_service_sid=_field("MessagingServiceSid", required=False),
        opt_out_type=_field("OptOutType", required=False))
    try:
        _autocommit_on_postgresql()
        outcome = record_inbound(db.session, text)
        db.session.commit()
    except DuplicateMessage:
        db.session.rollback()
        log.info("inbound_duplicate", extra={"message_sid": text.message_sid})
        return _twiml()
    except DBAPIError as exc:
        raise _unavailable(exc) from exc
    log.info("inbound", extra={"message_sid": text.message_sid,
                               "from": mask_number(text.from_number),
                               "intent": outcome.classification.intent.value,
                               "keyword": outcome.classification.keyword,
                               "brand_id": outcome.brand_id, "entry_id": outcome.entry_id})
    _count_and_queue(outcome)
    return _twiml()


def _count_and_queue(outcome: InboundOutcome) -> None:
    """After the commit, in one Redis round trip: count the text, queue the reply it owes.

    A Redis failure never fails the webhook: the reply waits in the outbox for the sweeper.
    """
    pipeline = redis_connection().pipeline()
    if outcome.outbox_id is not None:  # first: RQ starts the pipeline's MULTI itself
        enqueue_reply(queue("replies"), outcome.outbox_id, pipeline=pipeline)
    metrics.count(pipeline, "inbound_texts_total", outcome.classification.intent.value)
    try:
        pipeline.execute()
    except RedisError as exc:
        log.warning("reply_not_queued" if outcome.outbox_id is not None else "metric_dropped",
                    extra={"outbox_id": outcome.outbox_id, "error": str(exc)})


@bp.post("/status")
def status() -> Response:
    """Record a delivery status; error 21610 becomes a provider opt-out."""
    require_twilio_signature()
    callback = StatusCallback(
        message_sid=_field("MessageSid"), status=_field("MessageStatus").lower(),
        error_code=_field("ErrorCode", required=False), to_number=_field("To", required=False),
        from_number=_field("From", required=False),
        messaging_service_sid=_field("MessagingServiceSid", required=False))
    try:
        entry_id = record_status(db.session, callback)
        db.session.commit()
    except DBAPIError as exc:
        raise _unavailable(exc) from exc
    if entry_id is not None:
        log.info("provider_opt_out", extra={"message_sid": callback.message_sid,
                                            "entry_id": entry_id})
    return _twiml()
