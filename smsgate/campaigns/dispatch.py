"""What a worker does with one batch of campaign recipients: each texted at most once, and
only while its latest consent for the brand is an opt-in.

Per recipient, in a pool of threads sharing one provider (its HTTP session is pooled):
1. wait for a send slot of the brand's rate cap (shared in Redis by every worker);
2. in ONE short transaction, claim the row with a conditional UPDATE (queued -> sending,
   attempts + 1) whose WHERE re-reads consent_state, and commit. No row updated means
   another run has it, or consent is gone (the row becomes `refused`);
3. call the provider; record the SID (`sent`) in a second short transaction.

A STOP committed before step 2 therefore stops the text; one committed after it may not.
Errors: permanent ones (21211, 21610, 21614, ...) fail the recipient, and 21610 also records
an opt-out (source `provider`). Transient ones are retried in-process with backoff, each retry
re-claiming (and so re-checking consent) first; a 5xx or transport error may hide a text
that did go, so the provider's message list is asked before any retry. When the tries run
out the row goes back to `queued` and the batch raises RetryLater for RQ's delayed retry;
after MAX_ATTEMPTS provider calls it is `failed`. A worker killed between claim and record
leaves `sending`: the sweeper (campaigns.queueing.settle_stale) settles it, never a resend.

Every thread has its own Session from the sessionmaker passed in, committed per recipient.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from smsgate.campaigns.ratelimit import RateLimiter
from smsgate.consent import ledger
from smsgate.consent.policy import current_action, refusal_reason
from smsgate.messaging.provider import UNSUBSCRIBED, Provider, ProviderError
from smsgate.models import (
    Brand,
    BrandNumber,
    Campaign,
    CampaignRecipient,
    ConsentState,
    StatusEvent,
    utcnow,
)
from smsgate.numbers import mask_number

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # provider calls per recipient, over every run, before it is failed
TRIES_PER_RUN = 3  # provider calls per recipient within one job run
BACKOFF = (1.0, 4.0)  # seconds before the 2nd and 3rd call of a run
FIND_SENT_MARGIN = timedelta(minutes=1)  # clock skew between us and Twilio
_FINAL_CALLBACKS = {"delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}

_recipients = CampaignRecipient.__table__
# SQLite allows one writer: queueing our writers on a lock hands the write over at once,
# where SQLite's own busy handler would sleep for milliseconds between polls.
_sqlite_writes = threading.Lock()


class RetryLater(Exception):
    """Some recipients met only transient errors and are queued again; retry the batch later."""


@dataclass(frozen=True)
class Sender:
    """Everything a thread needs to send this campaign's text."""

    campaign_id: int
    brand_id: int
    body: str
    from_number: str | None
    messaging_service_sid: str | None
    messages_per_second: int


@dataclass(frozen=True)
class Claim:
    """A recipient this run holds (`sending`)."""

    recipient_id: int
    number: str
    attempts: int
    claimed_at: datetime


def load_sender(session: Session, campaign_id: int) -> Sender | None:
    """The campaign's text and the brand's sender: its Messaging Service, else first number."""
    row = session.execute(select(Campaign.body, Brand.id, Brand.messaging_service_sid,
                                 Brand.messages_per_second)
                          .join(Brand, Brand.id == Campaign.brand_id)
                          .where(Campaign.id == campaign_id)).first()
    if row is None:
        return None
    body, brand_id, service_sid, mps = row
    number = None if service_sid else session.scalar(
        select(BrandNumber.number).where(BrandNumber.brand_id == brand_id)
        .order_by(BrandNumber.id).limit(1))
    return Sender(campaign_id, brand_id, body, number, service_sid, mps or 1)


class BatchSender:
    """Sends one batch; one instance per job run, its methods called from many threads."""

    def __init__(self, sessions: sessionmaker[Session], provider: Provider, limiter: RateLimiter,
                 sender: Sender, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sessions = sessions
        self.provider = provider
        self.limiter = limiter
        self.sender = sender
        self.sleep = sleep
        sqlite = sessions.kw["bind"].dialect.name == "sqlite"
        self._lock: Callable[[], AbstractContextManager[Any]] = (
            (lambda: _sqlite_writes) if sqlite else nullcontext)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One short write transaction, committed on exit."""
        with self._lock(), self.sessions.begin() as session:
            yield session

    def _consented(self) -> Any:
        return exists().where(ConsentState.number == _recipients.c.number,
                              ConsentState.brand_id == self.sender.brand_id,
                              ConsentState.action == "opt_in")

    def refuse_unconsented(self, recipient_ids: Sequence[int]) -> tuple[int, list[int]]:
        """Refuse in bulk what consent already forbids; return how many, and the ids still
        queued (a slot of the rate cap is then spent only on texts that may go)."""
        now = utcnow()
        brand = self.sender.brand_id
        pending = ((_recipients.c.id.in_(recipient_ids))
                   & (_recipients.c.campaign_id == self.sender.campaign_id)
                   & (_recipients.c.status == "queued"))
        state = exists().where(ConsentState.number == _recipients.c.number,
                               ConsentState.brand_id == brand)
        opted_out = state.where(ConsentState.action == "opt_out")
        with self.write() as session:
            refused = session.execute(update(_recipients).where(pending, opted_out).values(
                status="refused", refusal_reason="opted_out", updated_at=now)).rowcount
            refused += session.execute(update(_recipients).where(pending, ~state).values(
                status="refused", refusal_reason="no_consent", updated_at=now)).rowcount
            return refused, list(session.scalars(select(_recipients.c.id).where(pending)
                                                 .order_by(_recipients.c.id)))

    def claim(self, recipient_id: int, from_status: str) -> Claim | str:
        """Claim the row if it is `from_status` and consent is an opt-in right now.

        Returns the Claim, or why not: "refused" (consent gone; the row says why) or
        "skipped" (someone else holds or settled it).
        """
        now = utcnow()
        with self.write() as session:
            row = session.execute(
                update(_recipients)
                .where(_recipients.c.id == recipient_id, _recipients.c.status == from_status,
                       self._consented())
                .values(status="sending", claimed_at=now, updated_at=now,
                        attempts=_recipients.c.attempts + 1)
                .returning(_recipients.c.number, _recipients.c.attempts)).first()
            if row is not None:
                return Claim(recipient_id, row.number, row.attempts, now)
            number = session.scalar(select(_recipients.c.number).where(
                _recipients.c.id == recipient_id, _recipients.c.status == from_status))
            if number is None:
                return "skipped"
            reason = refusal_reason(current_action(session, number, self.sender.brand_id))
            session.execute(update(_recipients).where(
                _recipients.c.id == recipient_id, _recipients.c.status == from_status)
                .values(status="refused", refusal_reason=reason, updated_at=now))
            return "refused"

    def record_sent(self, claim: Claim, sid: str) -> None:
        """The text went: keep its SID, and any final status Twilio reported before we could."""
        now = utcnow()
        with self.write() as session:
            session.execute(update(_recipients).where(
                _recipients.c.id == claim.recipient_id, _recipients.c.status == "sending")
                .values(status="sent", provider_sid=sid, sent_at=now, updated_at=now,
                        error_code=None, error_message=None))
            early = session.execute(
                select(StatusEvent.status, StatusEvent.error_code)
                .where(StatusEvent.message_sid == sid).order_by(StatusEvent.id.desc())
                .limit(1)).first()
            if early is not None and early.status in _FINAL_CALLBACKS:
                session.execute(update(_recipients).where(
                    _recipients.c.id == claim.recipient_id, _recipients.c.status == "sent")
                    .values(status=_FINAL_CALLBACKS[early.status],
                            error_code=early.error_code))

    def settle_error(self, claim: Claim, error: ProviderError, status: str) -> None:
        """Record the error and move the row to `failed` or back to `queued`."""
        code = str(error.code or error.status or "")
        with self.write() as session:
            session.execute(update(_recipients).where(
                _recipients.c.id == claim.recipient_id, _recipients.c.status == "sending")
                .values(status=status, error_code=code or None,
                        error_message=error.message[:500], updated_at=utcnow()))
            if status == "failed" and error.code == UNSUBSCRIBED:
                # The carrier (or Twilio) says this person unsubscribed: that is consent news.
                ledger.append(session, ledger.ConsentRecord(
                    number=claim.number, brand_id=self.sender.brand_id, action="opt_out",
                    source="provider", keyword=f"error:{UNSUBSCRIBED}", message_sid=None,
                    evidence={"campaign_id": self.sender.campaign_id,
                              "error_code": UNSUBSCRIBED}))
        if status == "failed":
            log.warning("campaign_text_failed", extra={
                "campaign_id": self.sender.campaign_id, "recipient_id": claim.recipient_id,
                "to": mask_number(claim.number), "error": str(error)})

    def send_one(self, recipient_id: int) -> str:
        """Text one recipient at most once; return what happened to it."""
        sender = self.sender
        self.limiter.acquire(sender.brand_id, sender.messages_per_second)
        claim = self.claim(recipient_id, "queued")
        for tried in range(1, TRIES_PER_RUN + 1):
            if isinstance(claim, str):
                return claim
            try:
                sid = self.provider.send(claim.number, sender.body, from_=sender.from_number,
                                         messaging_service_sid=sender.messaging_service_sid)
            except ProviderError as exc:
                if exc.permanent:
                    self.settle_error(claim, exc, "failed")
                    return "failed"
                outcome = self._after_transient(claim, exc, last=tried == TRIES_PER_RUN)
                if outcome is not None:
                    return outcome
                self.sleep(BACKOFF[tried - 1])
                self.limiter.acquire(sender.brand_id, sender.messages_per_second)
                claim = self.claim(recipient_id, "sending")  # re-checks consent first
                continue
            self.record_sent(claim, sid)
            return "sent"
        raise AssertionError("unreachable: the last try always returns")

    def _after_transient(self, claim: Claim, exc: ProviderError, last: bool) -> str | None:
        """After a transient error: an outcome to return, or None to try again now."""
        if exc.status != 429:
            # A 5xx or a lost connection may hide a text Twilio did accept: look before
            # sending again. If we cannot look, the row stays `sending` for the sweeper.
            try:
                sid = self.provider.find_sent(claim.number, self.sender.from_number,
                                              claim.claimed_at - FIND_SENT_MARGIN,
                                              self.sender.body)
            except ProviderError:
                return "unsettled"
            if sid:
                self.record_sent(claim, sid)
                return "sent"
        if claim.attempts >= MAX_ATTEMPTS:
            self.settle_error(claim, exc, "failed")
            return "failed"
        if last:
            self.settle_error(claim, exc, "queued")
            return "requeued"
        return None


def send_batch(sessions: sessionmaker[Session], provider: Provider, limiter: RateLimiter,
               campaign_id: int, recipient_ids: Sequence[int], *, threads: int,
               sleep: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """Send campaign `campaign_id` to those of `recipient_ids` still queued; count outcomes.

    Safe to run twice or concurrently: rows are claimed one by one. Raises RetryLater (after
    every recipient has been tried) when some are queued again after transient errors, and
    re-raises the first unexpected error (rows it left `sending` are the sweeper's).
    """
    with sessions() as session:
        sender = load_sender(session, campaign_id)
    if sender is None:
        return {}
    batch = BatchSender(sessions, provider, limiter, sender, sleep=sleep)
    refused, todo = batch.refuse_unconsented(recipient_ids)
    # not_pending: sent, settled or held by another run already (a job run twice).
    counts: Counter[str] = Counter(refused=refused,
                                   not_pending=len(recipient_ids) - refused - len(todo))
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(threads, len(todo))),
                                thread_name_prefix=f"campaign-{campaign_id}") as pool:
            # Iterating re-raises a thread's unexpected error, after the pool has finished.
            counts.update(pool.map(batch.send_one, todo))
    counts = +counts  # drop zero counts
    log.info("campaign_batch", extra={"campaign_id": campaign_id, **counts})
    if counts["requeued"]:
        raise RetryLater(f"campaign {campaign_id}: {counts['requeued']} recipients queued "
                         "again after transient provider errors")
    return dict(counts)
