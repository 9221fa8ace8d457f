"""A carrier's opt-out (Twilio error 21610, "unsubscribed recipient") written to the ledger.

Twilio reports it in two places: a status callback for a text it accepted (with that text's
MessageSid), or the refusal of a create call (no message, so no MessageSid). Both record the
same entry, so an auditor reads one evidence shape whichever way it came.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smsgate.consent import ledger
from smsgate.messaging.provider import UNSUBSCRIBED  # a constant; provider never imports consent
from smsgate.models import LedgerEntry

KEYWORD = f"error:{UNSUBSCRIBED}"


def record_provider_opt_out(session: Session, *, number: str, brand_id: int,
                            message_sid: str | None, campaign_id: int | None = None,
                            reply_id: int | None = None) -> int | None:
    """Append an opt-out with source `provider` for `number` at `brand_id`; flush, no commit.

    `message_sid` is the text Twilio reported on, when it named one; `campaign_id` or
    `reply_id` (an outbox row) says what that text was, when we know. Returns the entry id,
    or None when this MessageSid already has its provider opt-out (Twilio calls back more
    than once): at most one entry per MessageSid.
    """
    if message_sid is not None:
        if session.get_bind().dialect.name == "postgresql":
            # Two callbacks for one SID at once must not both miss the other's entry below.
            # (SQLite has one writer: the callback's event, written first, holds the lock.)
            session.execute(select(func.pg_advisory_xact_lock(func.hashtext(message_sid))))
        already = session.scalar(select(LedgerEntry.id).where(
            LedgerEntry.message_sid == message_sid, LedgerEntry.source == "provider").limit(1))
        if already is not None:
            return None
    return ledger.append(session, ledger.ConsentRecord(
        number=number, brand_id=brand_id, action="opt_out", source="provider",
        keyword=KEYWORD, message_sid=message_sid,
        evidence={"error_code": UNSUBSCRIBED, "campaign_id": campaign_id,
                  "reply_id": reply_id}))
