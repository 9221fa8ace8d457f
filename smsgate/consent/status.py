"""Delivery status callbacks: keep each event, advance the message it names, honour 21610."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smsgate.accounts.brands import brand_for_inbound
from smsgate.consent import ledger
from smsgate.messaging.provider import UNSUBSCRIBED
from smsgate.models import (
    Campaign,
    CampaignRecipient,
    LedgerEntry,
    OutboxMessage,
    StatusEvent,
    utcnow,
)
from smsgate.messaging.numbers import InvalidNumberError, normalize_number

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


def _record_provider_opt_out(session: Session, callback: StatusCallback) -> int | None:
    already = session.scalar(select(LedgerEntry.id).where(
        LedgerEntry.message_sid == callback.message_sid, LedgerEntry.source == "provider"))
    if already is not None:
        return None
    target = _number_and_brand(session, callback)
    if target is None:
        return None
    number, brand_id = target
    return ledger.append(session, ledger.ConsentRecord(
        number=number, brand_id=brand_id, action="opt_out", source="provider",
        keyword=f"error:{UNSUBSCRIBED}", message_sid=callback.message_sid,
        evidence={"status": callback.status, "error_code": callback.error_code}))


def _number_and_brand(session: Session, callback: StatusCallback) -> tuple[str, int] | None:
    """Who the failed text was for: our own records first, the callback's fields second."""
    row = session.execute(
        select(CampaignRecipient.number, Campaign.brand_id).join(Campaign)
        .where(CampaignRecipient.provider_sid == callback.message_sid)).first()
    if row is None:
        row = session.execute(select(OutboxMessage.to_number, OutboxMessage.brand_id)
                              .where(OutboxMessage.provider_sid == callback.message_sid)).first()
    if row is not None:
        return row[0], row[1]
    try:
        number = normalize_number(callback.to_number or "")
        sender = normalize_number(callback.from_number) if callback.from_number else None
    except InvalidNumberError:
        return None
    brand = brand_for_inbound(session, sender, callback.messaging_service_sid)
    return (number, brand.id) if brand else None
