"""Twilio's webhooks: inbound texts and delivery status callbacks.

Inbound texts are written by a group commit (`smsgate.groupcommit`): the texts a process
receives while the previous batch is being written share one transaction, which is
committed before any of them is answered 200. A database failure answers 503 so Twilio
retries, and the unique MessageSid makes that retry safe. Replies are queued after the
commit, one Redis round trip per batch, and a Redis failure never fails the webhook (the
sweeper catches up).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence

from flask import Blueprint, Response, current_app, request
from redis.exceptions import RedisError
from sqlalchemy import Connection
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from smsgate import metrics
from smsgate.consent.inbound import InboundOutcome, InboundText, record_inbound_batch
from smsgate.errors import BadRequest, Unavailable
from smsgate.extensions import db, queue, redis_connection
from smsgate.groupcommit import GroupCommit
from smsgate.http.signature import require_twilio_signature
from smsgate.logs import describe_request
from smsgate.messaging.outbox import enqueue_replies
from smsgate.messaging.status import StatusCallback, record_status
from smsgate.numbers import mask_number

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/twilio")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_FIELD = 1600  # Twilio concatenates at most 10 segments; far longer is not from Twilio
# What the columns hold; Twilio's own values are far shorter (SIDs are 34 characters).
MAX_LENGTHS = {"MessageSid": 64, "From": 32, "To": 32, "MessagingServiceSid": 34}
MAX_BATCH = 64  # texts per group commit; one process rarely has more in flight
_writer_lock = threading.Lock()


def _twiml() -> Response:
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


def _field(name: str, required: bool = True) -> str | None:
    value = request.form.get(name, "")
    if len(value) > MAX_LENGTHS.get(name, MAX_FIELD * 4):
        raise BadRequest(f"field {name} is too long", code="field_too_long")
    if "\x00" in value:  # no database text column can hold it
        raise BadRequest(f"field {name} contains a NUL character", code="invalid_field")
    if required and not value.strip():
        raise BadRequest(f"missing form field {name}", code="missing_field")
    return value or None


def _unavailable(exc: DBAPIError) -> Unavailable:
    """Roll back and answer 503: Twilio retries, and nothing was half-written."""
    db.session.rollback()
    log.error("webhook_db_error", extra={"error": type(exc).__name__})
    return Unavailable("database unavailable, retry later", code="database_unavailable")


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
        outcome = _inbound_writer().submit(text)
    except DBAPIError as exc:
        raise _unavailable(exc) from exc
    if outcome.duplicate:
        describe_request("inbound_duplicate", message_sid=text.message_sid)
        return _twiml()
    describe_request("inbound", message_sid=text.message_sid,
                     **{"from": mask_number(text.from_number)},
                     intent=outcome.classification.intent.value,
                     keyword=outcome.classification.keyword, brand_id=outcome.brand_id,
                     entry_id=outcome.entry_id)
    return _twiml()


def _inbound_writer() -> GroupCommit[InboundText, InboundOutcome]:
    """This app's group commit for inbound texts (one per process: its threads share it)."""
    writer = current_app.extensions.get("smsgate_inbound_writer")
    if writer is None:
        with _writer_lock:
            writer = current_app.extensions.setdefault(
                "smsgate_inbound_writer",
                GroupCommit(_write_batch, max_batch=MAX_BATCH, after=_count_and_queue))
    return writer


def _write_batch(texts: list[InboundText]) -> Sequence[InboundOutcome | BaseException]:
    """Commit `texts` in one transaction (in the thread of the request leading the batch).

    If the database refuses the batch because of what one text holds (a constraint or a
    value it cannot store), each text is written again on its own, so that text fails alone
    and the others are still recorded. Any other failure (the database is down) fails them
    all: each answers 503 and Twilio retries.
    """
    try:
        return _commit(texts)
    except (DataError, IntegrityError) as exc:
        if len(texts) == 1:
            raise
        log.warning("inbound_batch_split", extra={"texts": len(texts),
                                                  "error": type(exc).__name__})
    results: list[InboundOutcome | BaseException] = []
    for text in texts:
        try:
            results.extend(_commit([text]))
        except (DataError, IntegrityError) as exc:
            results.append(exc)
    return results


def _commit(texts: list[InboundText]) -> list[InboundOutcome]:
    """Write `texts` on a connection of their own: on PostgreSQL one autocommitted statement
    (its own transaction: no BEGIN or COMMIT round trip, and the ledger head is released as
    soon as its commit is on disk), elsewhere one transaction."""
    with db.engine.connect() as connection:
        if _autocommit(connection):
            return record_inbound_batch(connection, texts)
        with connection.begin():
            return record_inbound_batch(connection, texts)


def _autocommit(connection: Connection) -> bool:
    """Switch a PostgreSQL connection to autocommit; False elsewhere, or when it is already
    inside a transaction (a checkout hook ran a statement): it then stays in one."""
    if connection.dialect.name != "postgresql":
        return False
    try:
        connection.execution_options(isolation_level="AUTOCOMMIT")
    except connection.dialect.loaded_dbapi.ProgrammingError:  # "can't change 'autocommit' now"
        return False
    return True


def _size_bucket(size: int) -> str:
    for upper, label in ((1, "1"), (4, "2-4"), (16, "5-16")):
        if size <= upper:
            return label
    return f"17-{MAX_BATCH}"


def _count_and_queue(_texts: list[InboundText],
                     outcomes: Sequence[InboundOutcome | BaseException]) -> None:
    """After the commit, in one Redis round trip: count the texts, queue the replies owed.

    Nothing here may fail the webhooks, whose texts are already committed: the replies
    wait in the outbox for the sweeper.
    """
    recorded = [outcome for outcome in outcomes
                if isinstance(outcome, InboundOutcome) and not outcome.duplicate]
    if not recorded:
        return
    owed = [outcome.outbox_id for outcome in recorded if outcome.outbox_id is not None]
    try:
        pipeline = redis_connection().pipeline()
        enqueue_replies(queue("replies"), owed, pipeline=pipeline)
        intents = Counter(outcome.classification.intent.value for outcome in recorded)
        for intent, texts in intents.items():
            metrics.count(pipeline, "inbound_texts_total", intent, texts)
        metrics.count(pipeline, "inbound_batches_total", _size_bucket(len(outcomes)))
        pipeline.execute()
    except RedisError as exc:
        log.warning("reply_not_queued" if owed else "metric_dropped",
                    extra={"outbox_ids": owed, "error": str(exc)})
    except Exception:  # a bug here must not turn recorded texts into 500s
        log.exception("reply_not_queued", extra={"outbox_ids": owed})


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
