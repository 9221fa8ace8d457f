"""Turn one inbound text into its consent change and the one reply it owes.

The MessageSid is claimed first (a unique row), so a retried webhook is a no-op; the ledger
entry is appended last, so the chain head is held only until the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smsgate.brands import brand_for_inbound
from smsgate.consent import ledger
from smsgate.consent.keywords import Classification, Intent, classify
from smsgate.models import Brand, InboundMessage, OutboxMessage
from smsgate.messaging import compose
from smsgate.numbers import InvalidNumberError, normalize_number


class DuplicateMessage(Exception):
    """This MessageSid was processed before; nothing must change and nothing be sent."""


@dataclass(frozen=True)
class InboundText:
    """The fields of Twilio's inbound webhook that the gateway uses."""

    message_sid: str
    from_number: str
    to_number: str
    body: str
    messaging_service_sid: str | None = None
    opt_out_type: str | None = None


@dataclass(frozen=True)
class InboundOutcome:
    """What an inbound text did: its intent, brand, ledger entry and owed reply."""

    classification: Classification
    brand_id: int | None
    entry_id: int | None
    outbox_id: int | None


def record_inbound(session: Session, text: InboundText) -> InboundOutcome:
    """Record `text`, its consent change and its reply; flush, do not commit.

    Raises DuplicateMessage when the MessageSid was seen before (the caller rolls back).
    """
    classification = classify(text.body, text.opt_out_type)
    sender = _e164_or_none(text.from_number)
    to_number = _e164_or_none(text.to_number)
    brand = brand_for_inbound(session, to_number, text.messaging_service_sid)
    inbound = InboundMessage(
        message_sid=text.message_sid, from_number=text.from_number, to_number=text.to_number,
        brand_id=brand.id if brand else None, body=text.body,
        intent=classification.intent.value, keyword=classification.keyword)
    session.add(inbound)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateMessage(text.message_sid) from None
    if brand is None or sender is None or classification.intent is Intent.NONE:
        # Kept in inbound_messages either way: a text to a number we cannot attribute is
        # never silently dropped, but it cannot change a brand's consent.
        return InboundOutcome(classification, brand.id if brand else None, None, None)
    outbox = OutboxMessage(
        inbound_id=inbound.id, brand_id=brand.id, kind=classification.intent.value,
        to_number=sender, from_number=to_number,
        messaging_service_sid=text.messaging_service_sid if not to_number else None,
        body=_reply_body(brand, classification))
    session.add(outbox)
    session.flush()
    entry_id = None
    if classification.intent in (Intent.OPT_IN, Intent.OPT_OUT):
        entry_id = ledger.append(session, ledger.ConsentRecord(
            number=sender, brand_id=brand.id, action=classification.intent.value, source="sms",
            scope="all" if classification.all_brands else "brand",
            keyword=classification.keyword, raw_text=text.body, message_sid=text.message_sid,
            evidence={"to": text.to_number, "opt_out_type": text.opt_out_type}
            if text.opt_out_type else {"to": text.to_number}))
    return InboundOutcome(classification, brand.id, entry_id, outbox.id)


def _e164_or_none(raw: str) -> str | None:
    try:
        return normalize_number(raw)
    except InvalidNumberError:
        return None  # short codes, alphanumeric senders: not a consumer we keep consent for


def _reply_body(brand: Brand, classification: Classification) -> str:
    if classification.intent is Intent.OPT_OUT:
        return compose.opt_out_reply(brand.name, classification.all_brands)
    if classification.intent is Intent.OPT_IN:
        return compose.opt_in_reply(brand.name, brand.frequency_text)
    return compose.help_reply(brand.name, brand.help_text)
