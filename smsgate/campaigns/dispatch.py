"""What a worker does with one batch of campaign recipients: each texted at most once, and
only while its latest consent for the brand is an opt-in.

Per recipient, in a pool of threads sharing one provider (its HTTP session is pooled):
0. pass the send-time gate (smsgate.sendtime): a recipient not due yet is left for the run
   scheduled for it; one outside its local window, or over the brand's daily carrier cap,
   is deferred (`not_before`) to when it may go, and the job schedules a run then;
1. wait for send slots of the brand's rate cap, one per message segment (shared in Redis by
   every worker);
2. claim the row with a conditional UPDATE (queued -> sending, attempts + 1) whose WHERE
   re-reads consent_state, in one short transaction that commits before step 3. No row
   updated means another run has it, or consent is gone (the row becomes `refused`);
3. call the provider; record the SID (`sent`) in a second short transaction.

A STOP committed before step 2 therefore stops the text; one committed after it may not.
The transactions of steps 2 and 3 are group-committed (campaigns.claims): concurrent claims
share one commit, each still committed before its own provider call.

Errors: permanent ones (21211, 21610, 21614, ...) fail the recipient, and 21610 also records
an opt-out (source `provider`). Transient ones are retried in-process with backoff, each retry
re-claiming (and so re-checking consent) first; a 5xx or transport error may hide a text
that did go, so the provider's message list is asked before any retry. When the tries run
out the row goes back to `queued` and the batch raises RetryLater for RQ's delayed retry;
after MAX_PROVIDER_CALLS provider calls it is `failed`. A worker killed between claim and record
leaves `sending`: the sweeper (campaigns.queueing.settle_stale) settles it, never a resend.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from smsgate.campaigns.claims import Claim, Pending, RecipientClaims, refuse_unconsented
from smsgate.campaigns.dailycap import DailyCap
from smsgate.campaigns.ratelimit import RateLimiter
from smsgate.infra import counters
from smsgate.messaging.numbers import mask_number
from smsgate.messaging.provider import (
    FIND_SENT_MARGIN,
    MAX_VALIDITY_PERIOD,
    Provider,
    ProviderError,
)
from smsgate.models import Brand, BrandNumber, Campaign, utcnow
from smsgate.sendtime.gate import BrandLimits, Gate, next_carrier_day

log = logging.getLogger(__name__)

MAX_PROVIDER_CALLS = 8  # per recipient, over every run of its batch, before it is failed
TRIES_PER_RUN = 3  # provider calls per recipient within one job run
BACKOFF = (1.0, 4.0)  # seconds before the 2nd and 3rd call of a run
# Deferred recipients and when each is due; the job edge schedules a run for them.
Schedule = Callable[[list[tuple[int, datetime]]], None]


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
    segments: int = 1
    expires_at: datetime | None = None
    limits: BrandLimits = BrandLimits(None, None, None)

    def validity_period(self, now: datetime) -> int | None:
        """Seconds the provider may still hold the text before it is too late to send."""
        if self.expires_at is None:
            return None
        left = int((self.expires_at - now).total_seconds())
        return max(1, min(MAX_VALIDITY_PERIOD, left))


def load_sender(session: Session, campaign_id: int) -> Sender | None:
    """The campaign's text and the brand's sender: its Messaging Service, else first number."""
    row = session.execute(select(Campaign, Brand)
                          .join(Brand, Brand.id == Campaign.brand_id)
                          .where(Campaign.id == campaign_id)).first()
    if row is None:
        return None
    campaign, brand = row
    service_sid = brand.messaging_service_sid
    number = None if service_sid else session.scalar(
        select(BrandNumber.number).where(BrandNumber.brand_id == brand.id)
        .order_by(BrandNumber.id).limit(1))
    return Sender(campaign_id, brand.id, campaign.body, number, service_sid,
                  brand.messages_per_second or 1, campaign.segments or 1, campaign.expires_at,
                  BrandLimits.of(brand))


class BatchSender:
    """Sends one batch; `send_one` runs in many threads at once."""

    def __init__(self, claims: RecipientClaims, provider: Provider, limiter: RateLimiter,
                 sender: Sender, *, sleep: Callable[[float], None] = time.sleep,
                 daily: DailyCap | None = None) -> None:
        self.claims = claims
        self.provider = provider
        self.limiter = limiter
        self.sender = sender
        self.sleep = sleep
        self.daily = daily
        self.gate = Gate(sender.limits)

    def acquire(self) -> None:
        """Wait for one rate-cap slot per segment of the text: carriers count segments."""
        for _ in range(self.sender.segments):
            self.limiter.acquire(self.sender.brand_id, self.sender.messages_per_second)

    def send_pending(self, pending: Pending) -> str:
        """Pass the send-time gate, then text the recipient at most once."""
        now = utcnow()
        if pending.not_before is not None and pending.not_before > now:
            return "not_due"  # deferred earlier: the run scheduled for then sends it
        decision = self.gate.decide(pending.time_zones, pending.state, now)
        if not decision.open:
            return self.claims.defer(pending.id, decision.until)
        self.acquire()
        sender = self.sender
        now = utcnow()
        if decision.until is not None and now >= decision.until:
            # The rate cap made it wait past its window: decide again.
            decision = self.gate.decide(pending.time_zones, pending.state, now)
            if not decision.open:
                return self.claims.defer(pending.id, decision.until)
        cap = sender.limits.daily_cap
        if self.daily is not None and cap is not None and not self.daily.take(
                sender.brand_id, cap, sender.segments, now):
            return self.claims.defer(pending.id, next_carrier_day(now))
        return self.send_one(pending.id, self.gate.cap(pending.state))

    def settle_error(self, claim: Claim, error: ProviderError, status: str) -> None:
        """Record the error and move the row to `failed` or back to `queued`."""
        self.claims.record_error(claim, error, status)
        if status == "failed":
            log.warning("campaign_text_failed", extra={
                "campaign_id": self.sender.campaign_id, "recipient_id": claim.recipient_id,
                "to": mask_number(claim.number), "error": str(error)})

    def send_one(self, recipient_id: int, cap: int | None) -> str:
        """Text one recipient at most once (under `cap` texts per 24 hours), the rate cap
        already passed; return what happened to it."""
        sender = self.sender
        claim = self.claims.claim(recipient_id, "queued", cap)
        for tried in range(1, TRIES_PER_RUN + 1):
            if isinstance(claim, str):
                return claim
            try:
                sid = self.provider.send(claim.number, sender.body, from_=sender.from_number,
                                         messaging_service_sid=sender.messaging_service_sid,
                                         validity_period=sender.validity_period(
                                             claim.claimed_at))
            except ProviderError as exc:
                if exc.permanent:
                    self.settle_error(claim, exc, "failed")
                    return "failed"
                outcome = self._after_transient(claim, exc, last=tried == TRIES_PER_RUN)
                if outcome is not None:
                    return outcome
                self.sleep(BACKOFF[tried - 1])
                self.acquire()
                claim = self.claims.claim(recipient_id, "sending", cap)  # re-checks consent
                continue
            # Not waited for: the thread moves on to its next recipient. Should the write
            # fail, the batch fails and the row stays `sending` for the sweeper.
            self.claims.record_sent_nowait(claim, sid)
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
                self.claims.record_sent(claim, sid)
                return "sent"
        if claim.attempts >= MAX_PROVIDER_CALLS:
            self.settle_error(claim, exc, "failed")
            return "failed"
        if last:
            self.settle_error(claim, exc, "queued")
            return "requeued"
        return None


def send_batch(sessions: sessionmaker[Session], provider: Provider, limiter: RateLimiter,
               campaign_id: int, recipient_ids: Sequence[int], *, threads: int,
               sleep: Callable[[float], None] = time.sleep,
               metrics: Redis | None = None, daily: DailyCap | None = None,
               schedule: Schedule | None = None) -> dict[str, int]:
    """Send campaign `campaign_id` to those of `recipient_ids` still queued; count outcomes.

    Safe to run twice or concurrently: rows are claimed one by one. Raises RetryLater (after
    every recipient has been tried) when some are queued again after transient errors, and
    re-raises the first unexpected error (rows it left `sending` are the sweeper's). With
    `metrics`, texts sent, refused (by reason) and failed (by error code) are counted there,
    whichever way the batch ends. Recipients deferred (window closed, daily cap spent, over
    the 24-hour cap) are handed to `schedule` with when each is due, also when the batch
    fails; `daily` counts the brand's daily cap (none is applied without it).
    """
    with sessions() as session:
        sender = load_sender(session, campaign_id)
    if sender is None:
        return {}
    refused, todo = refuse_unconsented(sessions, sender.brand_id, campaign_id, recipient_ids)
    # not_pending: sent, settled or held by another run already (a job run twice).
    counts: Counter[str] = Counter(
        refused=sum(refused.values()),
        not_pending=len(recipient_ids) - sum(refused.values()) - len(todo))
    if metrics is not None:
        counters.count_each(metrics, "texts_refused_total", refused)
    if todo:
        claims = RecipientClaims(sessions, sender.brand_id, campaign_id)
        batch = BatchSender(claims, provider, limiter, sender, sleep=sleep, daily=daily)
        outcomes: list[str] = []  # list.append is atomic: each thread adds its own

        def send_one(pending: Pending) -> None:
            outcomes.append(batch.send_pending(pending))

        try:
            with ThreadPoolExecutor(max_workers=max(1, min(threads, len(todo))),
                                    thread_name_prefix=f"campaign-{campaign_id}") as pool:
                # Iterating re-raises a thread's unexpected error, after the pool finished.
                for _ in pool.map(send_one, todo):
                    pass
        finally:
            counts.update(outcomes)
            if metrics is not None:  # also when the batch fails: what went, went
                _count_texts(metrics, outcomes, claims)
            if schedule is not None and claims.deferred:
                schedule(list(claims.deferred))
            claims.flush()
    counts = +counts  # drop zero counts
    log.info("campaign_batch", extra={"campaign_id": campaign_id, **counts})
    if counts["requeued"]:
        raise RetryLater(f"campaign {campaign_id}: {counts['requeued']} recipients queued "
                         "again after transient provider errors")
    return dict(counts)


def _count_texts(metrics: Redis, outcomes: Sequence[str], claims: RecipientClaims) -> None:
    """Add this batch's texts to the metrics: sent (handed to the provider, whether or not
    its SID is recorded yet), refused at the moment of sending, failed for good."""
    counters.count_each(metrics, "texts_sent_total", {"campaign": outcomes.count("sent")})
    counters.count_each(metrics, "texts_refused_total", claims.refused)
    counters.count_each(metrics, "texts_failed_total", claims.failed)
