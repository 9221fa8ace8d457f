"""A person's rights over what is held about their number: access and erasure.

Access gathers every row that holds the number, in any written form (E.164, digits, national),
as one JSON-ready document. Erasure blanks the number and every value tied to it in every
table, deletes its consent state and status events, remembers only its pseudonym (so it stays
suppressed for every brand until it consents again), and appends an erasure entry to the
ledger naming the key that asked and when, never the number. Services: flush, never commit.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, delete, or_, select, text, update
from sqlalchemy.orm import Session

from smsgate.consent import ledger
from smsgate.models import (
    Campaign,
    CampaignRecipient,
    ConsentState,
    ErasedNumber,
    InboundMessage,
    LedgerEntry,
    OutboxMessage,
    PendingConfirmation,
    StatusEvent,
    utcnow,
)
from smsgate.models.ledger import ERASE
from smsgate.privacy.blanking import blank_entries
from smsgate.privacy.pseudonym import pseudonym, written_forms

ERASURE = "erasure"  # the erasure entry's scope and source


def _changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed."""
    return session.connection().execute(statement).rowcount


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else ledger.format_time(moment)


def _provider_sids(session: Session, number: str) -> list[str]:
    """The provider SIDs of texts sent to `number` (status events are keyed by them)."""
    sids = [*session.scalars(select(OutboxMessage.provider_sid).where(
        OutboxMessage.to_number == number, OutboxMessage.provider_sid.is_not(None))),
        *session.scalars(select(CampaignRecipient.provider_sid).where(
            CampaignRecipient.number == number, CampaignRecipient.provider_sid.is_not(None)))]
    return [sid for sid in sids if sid is not None]


def subject_report(session: Session, number: str, key: str) -> dict[str, Any]:
    """Everything held about the E.164 `number`: ledger entries with their evidence, consent
    state, inbound texts, replies, campaign recipient rows and status events, and whether an
    earlier erasure of it is on record."""
    forms = written_forms(number)
    erased = session.get(ErasedNumber, pseudonym(key, number))
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.number == number)
                              .order_by(LedgerEntry.id))
    states = session.scalars(select(ConsentState).where(ConsentState.number == number))
    inbound = session.scalars(select(InboundMessage).where(
        InboundMessage.from_number.in_(forms)).order_by(InboundMessage.id))
    replies = session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == number)
                              .order_by(OutboxMessage.id))
    recipients = session.execute(
        select(CampaignRecipient, Campaign.body, Campaign.brand_id)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(CampaignRecipient.number == number).order_by(CampaignRecipient.id))
    events = session.scalars(select(StatusEvent).where(
        StatusEvent.message_sid.in_(_provider_sids(session, number))).order_by(StatusEvent.id))
    pending = session.scalars(select(PendingConfirmation).where(
        PendingConfirmation.number == number).order_by(PendingConfirmation.id))
    return {
        "number": number,
        "erased_before": None if erased is None else {
            "entry_id": erased.entry_id, "erased_at": _time(erased.erased_at)},
        "ledger_entries": [{
            "id": e.id, "recorded_at": _time(e.recorded_at), "brand_id": e.brand_id,
            "scope": e.scope, "action": e.action, "source": e.source, "keyword": e.keyword,
            "raw_text": e.raw_text, "message_sid": e.message_sid,
            "evidence": json.loads(e.evidence), "api_key_id": e.api_key_id,
            "entry_hash": e.entry_hash} for e in entries],
        "consent_state": [{"brand_id": s.brand_id, "action": s.action, "entry_id": s.entry_id,
                           "updated_at": _time(s.updated_at)} for s in states],
        "inbound_messages": [{
            "id": m.id, "message_sid": m.message_sid, "from_number": m.from_number,
            "to_number": m.to_number, "brand_id": m.brand_id, "body": m.body,
            "intent": m.intent, "keyword": m.keyword, "received_at": _time(m.received_at)}
            for m in inbound],
        "replies": [{
            "id": r.id, "brand_id": r.brand_id, "kind": r.kind, "to_number": r.to_number,
            "from_number": r.from_number, "body": r.body, "status": r.status,
            "provider_sid": r.provider_sid, "created_at": _time(r.created_at),
            "sent_at": _time(r.sent_at)} for r in replies],
        "campaign_recipients": [{
            "id": r.id, "campaign_id": r.campaign_id, "brand_id": brand_id,
            "campaign_body": body, "number": r.number, "status": r.status,
            "refusal_reason": r.refusal_reason, "provider_sid": r.provider_sid,
            "error_code": r.error_code, "sent_at": _time(r.sent_at)}
            for r, body, brand_id in recipients],
        "status_events": [{
            "message_sid": s.message_sid, "status": s.status, "error_code": s.error_code,
            "received_at": _time(s.received_at)} for s in events],
        "pending_confirmations": [{
            "id": p.id, "brand_id": p.brand_id, "source": p.source,
            "evidence": json.loads(p.evidence), "requested_at": _time(p.requested_at),
            "expires_at": _time(p.expires_at)} for p in pending],
    }


def erase_subject(session: Session, number: str, key: str, *, api_key_id: int | None,
                  requested_by: str) -> dict[str, int]:
    """Forget the E.164 `number` everywhere (see the module docstring); return how many rows
    of each kind were blanked or deleted, and the erasure entry's id. `requested_by` says
    through which edge ("api" or "cli"), since a CLI erasure has no key."""
    forms = written_forms(number)
    now = utcnow()
    counts: dict[str, int] = {}
    if session.get_bind().dialect.name == "sqlite":
        # Overwrite what is deleted or replaced instead of leaving it in free pages.
        session.execute(text("PRAGMA secure_delete = ON"))
    sids = _provider_sids(session, number)
    counts["status_events"] = _changed(session, delete(StatusEvent).where(
        StatusEvent.message_sid.in_(sids))) if sids else 0
    entry_ids = list(session.scalars(select(LedgerEntry.id).where(LedgerEntry.number == number)))
    counts["consent_state"] = _changed(session,
        delete(ConsentState).where(ConsentState.number == number))
    # A double opt-in request not yet confirmed: its web-form evidence goes, and with it the
    # request (its text, if unsent, fails with the other replies below).
    counts["pending_confirmations"] = _changed(session, delete(PendingConfirmation).where(
        PendingConfirmation.number == number))
    counts["ledger_entries"] = blank_entries(session, entry_ids)
    inbound_ids = list(session.scalars(select(InboundMessage.id).where(
        InboundMessage.from_number.in_(forms))))
    counts["inbound_messages"] = _changed(session,
        update(InboundMessage).where(InboundMessage.id.in_(inbound_ids))
        .values(from_number=None, body="")) if inbound_ids else 0
    replies = or_(OutboxMessage.to_number == number, OutboxMessage.inbound_id.in_(inbound_ids))
    # A reply not yet sent can no longer be: it has nowhere to go.
    _changed(session, update(OutboxMessage).where(replies, OutboxMessage.status.in_(
        ("pending", "sending"))).values(status="failed", error_code="erased"))
    # Provider error messages may quote the number they were about.
    counts["replies"] = _changed(session, update(OutboxMessage).where(replies).values(
        to_number=None, body="", error_message=None))
    recipients = CampaignRecipient.number == number
    # Texts not yet sent are refused as the opt-out an erasure implies.
    _changed(session, update(CampaignRecipient).where(recipients, CampaignRecipient.status.in_(
        ("queued", "sending"))).values(status="refused", refusal_reason="opted_out",
                                       updated_at=now))
    counts["campaign_recipients"] = _changed(session, update(CampaignRecipient).where(
        recipients).values(number=None, error_message=None))  # as for replies
    name = pseudonym(key, number)
    entry_id = ledger.append(session, ledger.ConsentRecord(
        number=None, brand_id=None, action=ERASE, source=ERASURE, scope=ERASURE,
        evidence={"pseudonym": name, "requested_by": requested_by}, api_key_id=api_key_id))
    existing = session.get(ErasedNumber, name)
    if existing is None:
        session.add(ErasedNumber(pseudonym=name, entry_id=entry_id, erased_at=now))
    else:
        existing.entry_id, existing.erased_at = entry_id, now
    session.flush()
    counts["erasure_entry_id"] = entry_id
    return counts


def scrub_after_erasure(session: Session) -> None:
    """After the erasure committed: on SQLite, copy the write-ahead log into the database and
    empty it, so the number's old page images survive in neither file. (PostgreSQL's dead
    row versions are invisible to pg_dump and reclaimed by autovacuum.)"""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.commit()
