"""Twilio's webhooks: inbound texts and delivery status callbacks.

An inbound text is answered 200 only once it is committed, with its consent change and its
reply (`smsgate.consent.inbound_writer` commits the texts of concurrent requests together). A
database failure answers 503 (the app's one handler, in `create_app`) so Twilio retries, and
the unique MessageSid makes that retry safe.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app
from werkzeug.datastructures import MultiDict

from smsgate.consent.inbound import InboundText
from smsgate.consent.inbound_writer import InboundWriter
from smsgate.consent.status import StatusCallback, record_status
from smsgate.errors import BadRequest
from smsgate.extensions import db, queue
from smsgate.http.params import text_problem
from smsgate.http.signature import verified_form
from smsgate.logs import describe_request
from smsgate.messaging.numbers import mask_number

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/twilio")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_FIELD = 1600  # Twilio concatenates at most 10 segments; far longer is not from Twilio
# What the columns hold; Twilio's own values are far shorter (SIDs are 34 characters).
MAX_LENGTHS = {"MessageSid": 64, "From": 32, "To": 32, "MessagingServiceSid": 34}


def inbound_writer() -> InboundWriter:
    """The current app's writer, shared by the requests of this process (created on first
    use, in the worker process: gunicorn forks before any request)."""
    writer: InboundWriter | None = current_app.extensions.get("smsgate_inbound_writer")
    if writer is None:
        writer = current_app.extensions.setdefault(
            "smsgate_inbound_writer", InboundWriter(db.engine, lambda: queue("replies")))
    return writer


def _twiml() -> Response:
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


def _required(form: MultiDict[str, str], name: str) -> str:
    """A field the webhook cannot do without: 400 when absent or blank."""
    value = _field(form, name)
    if value is None or not value.strip():
        raise BadRequest(f"missing form field {name}", code="missing_field")
    return value


def _field(form: MultiDict[str, str], name: str) -> str | None:
    """A field as sent (None when absent or empty); 400 when no column could hold it."""
    value = form.get(name, "")
    if len(value) > MAX_LENGTHS.get(name, MAX_FIELD * 4):
        raise BadRequest(f"field {name} is too long", code="field_too_long")
    problem = text_problem(value)
    if problem is not None:
        raise BadRequest(f"field {name} {problem}", code="invalid_field")
    return value or None


@bp.post("/inbound")
def inbound() -> Response:
    """Record an inbound text, its consent change and its reply; answer empty TwiML."""
    form = verified_form()
    text = InboundText(
        message_sid=_required(form, "MessageSid"), from_number=_required(form, "From"),
        to_number=_required(form, "To"), body=_field(form, "Body") or "",
        messaging_service_sid=_field(form, "MessagingServiceSid"),
        opt_out_type=_field(form, "OptOutType"))
    outcome = inbound_writer().submit(text)  # a database failure: 503 (create_app's handler)
    if outcome.duplicate:
        describe_request("inbound_duplicate", message_sid=text.message_sid)
        return _twiml()
    describe_request("inbound", message_sid=text.message_sid,
                     **{"from": mask_number(text.from_number)},
                     intent=outcome.classification.intent.value,
                     keyword=outcome.classification.keyword, brand_id=outcome.brand_id,
                     entry_id=outcome.entry_id)
    return _twiml()


@bp.post("/status")
def status() -> Response:
    """Record a delivery status; error 21610 becomes a provider opt-out."""
    form = verified_form()
    callback = StatusCallback(
        message_sid=_required(form, "MessageSid"), status=_required(form, "MessageStatus").lower(),
        error_code=_field(form, "ErrorCode"),
        to_number=_field(form, "To"),
        from_number=_field(form, "From"),
        messaging_service_sid=_field(form, "MessagingServiceSid"))
    entry_id = record_status(db.session(), callback)
    db.session.commit()
    if entry_id is not None:
        log.info("provider_opt_out", extra={"message_sid": callback.message_sid,
                                            "entry_id": entry_id})
    return _twiml()
