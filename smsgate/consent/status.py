"""Delivery status callbacks: keep each event, advance the message it names, honour 21610."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smsgate.accounts.brands import brand_for_inbound
from smsgate.consent.provider_opt_out import record_provider_opt_out
from smsgate.messaging.numbers import InvalidNumberError, normalize_number
from smsgate.messaging.provider import UNSUBSCRIBED
from smsgate.models import Campaign, CampaignRecipient, OutboxMessage, StatusEvent, utcnow

# Final states a late or repeated callback must not walk back from.
_FINAL = ("delivered", "undelivered", "failed", "refused")
_RECIPIENT_STATUS = {"sent": "sent", "delivered": "delivered", "undelivered": "undelivered",
                     "failed": "failed"}


@dataclass(frozen=True)
class StatusCallback:
    """The fields of Twilio's status callback that the gateway uses."""

    message_sid: str
    status: str
    error_code: str | None = None
    to_number: str | None = None
    from_number: str | None = None
    messaging_service_sid: str | None = None


def record_status(session: Session, callback: StatusCallback) -> int | None:
    """Store the event, update the campaign recipient or reply it names; flush, no commit.

    Returns the ledger entry id when error 21610 (unsubscribed at the carrier) records an
    opt-out with source `provider` (once per MessageSid, however often Twilio calls).
    """
    session.add(StatusEvent(message_sid=callback.message_sid, status=callback.status,
                            error_code=callback.error_code))
    new_status = _RECIPIENT_STATUS.get(callback.status)
    now = utcnow()
    if new_status:
        session.execute(
            update(CampaignRecipient)
            .where(CampaignRecipient.provider_sid == callback.message_sid,
                   CampaignRecipient.status.not_in(_FINAL))
            .values(status=new_status, error_code=callback.error_code, updated_at=now))
    if callback.status in ("failed", "undelivered"):
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.provider_sid == callback.message_sid)
                        .values(status="failed", error_code=callback.error_code))
    session.flush()
    if callback.error_code != str(UNSUBSCRIBED):
        return None
    return _record_provider_opt_out(session, callback)


@dataclass(frozen=True)
class _Recipient:
    """Who a text was for, and which text it was (when we sent it)."""

    number: str
    brand_id: int
    campaign_id: int | None = None
    reply_id: int | None = None


def _record_provider_opt_out(session: Session, callback: StatusCallback) -> int | None:
    recipient = _recipient(session, callback)
    if recipient is None:
        return None
    return record_provider_opt_out(
        session, number=recipient.number, brand_id=recipient.brand_id,
        message_sid=callback.message_sid, campaign_id=recipient.campaign_id,
        reply_id=recipient.reply_id)


def _recipient(session: Session, callback: StatusCallback) -> _Recipient | None:
    """Who the failed text was for: our own records first, the callback's fields second."""
    campaign_text = session.execute(
        select(CampaignRecipient.number, Campaign.brand_id, Campaign.id).join(Campaign)
        .where(CampaignRecipient.provider_sid == callback.message_sid)).first()
    if campaign_text is not None:
        number, brand_id, campaign_id = campaign_text
        # An erased number (None) is suppressed already and must not be written back.
        return None if number is None else _Recipient(number, brand_id, campaign_id=campaign_id)
    reply = session.execute(
        select(OutboxMessage.to_number, OutboxMessage.brand_id, OutboxMessage.id)
        .where(OutboxMessage.provider_sid == callback.message_sid)).first()
    if reply is not None:
        number, brand_id, reply_id = reply
        return None if number is None else _Recipient(number, brand_id, reply_id=reply_id)
    try:
        number = normalize_number(callback.to_number or "")
        sender = normalize_number(callback.from_number) if callback.from_number else None
    except InvalidNumberError:
        return None
    brand = brand_for_inbound(session, sender, callback.messaging_service_sid)
    return _Recipient(number, brand.id) if brand else None
