"""Retention: personal values older than the configured limits are blanked.

Never the chain (blanking keeps every digest, so `ledger verify` passes) and never
suppression (consent_state and erased numbers stay). Three limits (`RetentionLimits`):

* consent records: a number's ledger entries, once its last entry is older than the limit
  and it is opted in to no brand (an opt-in still relied on keeps its proof);
* inbound texts that are no keyword (intent `none`): their bodies; with the same limit,
  double opt-in requests that expired unanswered are deleted (they recorded nothing, and
  their web-form evidence, IP and user agent, proves no consent);
* reply and campaign bodies (replies already settled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from smsgate.config import RetentionLimits
from smsgate.consent.keywords import Intent
from smsgate.models import (
    Campaign,
    ConsentState,
    InboundMessage,
    LedgerEntry,
    OutboxMessage,
    PendingConfirmation,
)
from smsgate.privacy.blanking import blank_entries

SETTLED = ("sent", "failed")


@dataclass(frozen=True)
class RetentionResult:
    """Rows blanked (or, in a dry run, that would be) per kind."""

    ledger_entries: int
    inbound_texts: int
    replies: int
    campaigns: int
    expired_requests: int  # double opt-in requests deleted

    def as_dict(self) -> dict[str, int]:
        """The counts by name, for the CLI and logs."""
        return {"ledger_entries": self.ledger_entries, "inbound_texts": self.inbound_texts,
                "replies": self.replies, "campaigns": self.campaigns,
                "expired_requests": self.expired_requests}


def apply_retention(session: Session, limits: RetentionLimits, now: datetime, *,
                    dry_run: bool = False) -> RetentionResult:
    """Blank what is older than `limits` at `now` (flush, no commit); `dry_run`: count only."""
    consent_cutoff = now - timedelta(days=limits.consent_days)
    text_cutoff = now - timedelta(days=limits.inbound_text_days)
    body_cutoff = now - timedelta(days=limits.body_days)
    opted_in = select(ConsentState.number).where(ConsentState.action == "opt_in")
    expired = (select(LedgerEntry.number).where(LedgerEntry.number.is_not(None))
               .group_by(LedgerEntry.number)
               .having(func.max(LedgerEntry.recorded_at) < consent_cutoff)
               .where(LedgerEntry.number.not_in(opted_in)))
    entry_ids = list(session.scalars(select(LedgerEntry.id).where(
        LedgerEntry.number.in_(expired))))
    targets: list[tuple[Any, ColumnElement[bool], dict[str, str]]] = [
        (InboundMessage, and_(InboundMessage.intent == Intent.NONE.value,
                              InboundMessage.received_at < text_cutoff,
                              InboundMessage.body != ""), {"body": ""}),
        (OutboxMessage, and_(OutboxMessage.created_at < body_cutoff,
                             OutboxMessage.status.in_(SETTLED), OutboxMessage.body != ""),
         {"body": ""}),
        (Campaign, and_(Campaign.created_at < body_cutoff,
                        or_(Campaign.body != "", Campaign.requested_body != "")),
         {"body": "", "requested_body": ""}),
    ]
    unanswered = PendingConfirmation.expires_at < text_cutoff
    if dry_run:
        counts = [session.scalar(select(func.count()).select_from(model).where(condition)) or 0
                  for model, condition, _ in targets]
        requests = session.scalar(select(func.count()).select_from(PendingConfirmation)
                                  .where(unanswered)) or 0
        inbound, replies, campaigns = counts
        return RetentionResult(len(entry_ids), inbound, replies, campaigns, requests)
    connection = session.connection()
    counts = [connection.execute(update(model).where(condition).values(values)).rowcount
              for model, condition, values in targets]
    requests = connection.execute(delete(PendingConfirmation).where(unanswered)).rowcount
    inbound, replies, campaigns = counts
    return RetentionResult(blank_entries(session, entry_ids), inbound, replies, campaigns,
                           requests)
