"""The database side of sending a batch: claims, recorded SIDs and errors, group-committed.

The sending threads of a batch hand their writes to one `GroupCommit`
(`smsgate.infra.groupcommit`): the requests waiting at once run in ONE short transaction and
commit once, so N threads cost one commit (one fsync) instead of N, and only one thread at a
time waits on the database's write lock. Nothing about a single request changes:

* a claim is a conditional UPDATE (status as expected, and an opt-in in consent_state right
  now) that is committed before the thread that asked for it calls the provider;
* a claim that finds consent gone marks the row `refused` with the reason, in the same
  transaction;
* a recorded SID only ever moves a row from `sending` to `sent`.

If a group's transaction fails, every request in it fails with that error: no claim in it
was committed, so nothing is sent for it; a SID not recorded leaves the row `sending` for
the sweeper, which asks the provider rather than resending.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from smsgate.consent.policy import refusal_reason
from smsgate.consent.provider_opt_out import record_provider_opt_out
from smsgate.infra.groupcommit import GroupCommit
from smsgate.messaging.provider import UNSUBSCRIBED, ProviderError
from smsgate.models import CampaignRecipient, ConsentState, StatusEvent, utcnow

# A mapped class's __table__ is typed as any FromClause; this one is a Table.
_recipients = cast(Table, CampaignRecipient.__table__)
# The hot statements are built once, with bound parameters, so each group skips building and
# cache-keying them; they run on the session's Core connection (no ORM layer in between).
_CLAIM = (
    update(_recipients)
    .where(_recipients.c.id.in_(bindparam("ids", expanding=True)),
           _recipients.c.status == bindparam("from_status"),
           exists().where(ConsentState.number == _recipients.c.number,
                          ConsentState.brand_id == bindparam("brand_id"),
                          ConsentState.action == "opt_in"))
    .values(status="sending", claimed_at=bindparam("now"), updated_at=bindparam("now"),
            attempts=_recipients.c.attempts + 1)
    .returning(_recipients.c.id, _recipients.c.number, _recipients.c.attempts))
_RECORD_SENT = (
    update(_recipients)
    .where(_recipients.c.id == bindparam("rid"), _recipients.c.status == "sending")
    .values(status="sent", provider_sid=bindparam("sid"), sent_at=bindparam("now"),
            updated_at=bindparam("now"), error_code=None, error_message=None))
_EARLY_STATUS = (
    select(StatusEvent.message_sid, StatusEvent.status, StatusEvent.error_code)
    .where(StatusEvent.message_sid.in_(bindparam("sids", expanding=True)))
    .order_by(StatusEvent.id))
_FINAL_CALLBACKS = {"delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}
# SQLite allows one writer: two batches in one process take turns here rather than in
# SQLite's busy handler, which sleeps for milliseconds between polls.
_sqlite_writes = threading.Lock()
MAX_REQUESTS_PER_TRANSACTION = 256  # one per sending thread (32) is usual; more only queue up


@dataclass(frozen=True)
class Claim:
    """A recipient this run holds (`sending`)."""

    recipient_id: int
    number: str
    attempts: int
    claimed_at: datetime


@dataclass(frozen=True)
class ClaimRecipient:
    """Move a recipient to `sending` if it is still `from_status` and consented."""

    recipient_id: int
    from_status: str  # "queued", or "sending" when a retry re-checks consent


@dataclass(frozen=True)
class RecordSent:
    """Record the SID the provider gave a claimed text: `sending` -> `sent`."""

    claim: Claim
    sid: str


@dataclass(frozen=True)
class RecordError:
    """Record a provider error: `sending` -> `failed`, or back to `queued` for a later run."""

    claim: Claim
    error: ProviderError
    status: str  # "failed" or "queued"


Request = ClaimRecipient | RecordSent | RecordError
# What a request gives back: a ClaimRecipient its Claim, or why not ("refused": consent is
# gone; "skipped": not `from_status` any more, another run has it); the others None.
Outcome = Claim | str | None


class RecipientClaims:
    """The writes of one campaign batch, from many sending threads, many per transaction."""

    def __init__(self, sessions: sessionmaker[Session], brand_id: int, campaign_id: int) -> None:
        self.sessions = sessions
        self.brand_id = brand_id
        self.campaign_id = campaign_id
        sqlite = sessions.kw["bind"].dialect.name == "sqlite"
        self._lock = _sqlite_writes if sqlite else threading.Lock()  # PG: uncontended
        self._group: GroupCommit[Request, Outcome] = GroupCommit(
            self.write, max_batch=MAX_REQUESTS_PER_TRANSACTION)
        # What this batch's committed transactions did, for the metrics: rows refused at the
        # moment of sending by reason, and rows failed by error code.
        self.refused: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()

    def claim(self, recipient_id: int, from_status: str) -> Claim | str:
        """The Claim, committed, or why not: "refused" (consent gone) or "skipped"."""
        outcome = self._group.submit(ClaimRecipient(recipient_id, from_status))
        assert outcome is not None
        return outcome

    def record_sent(self, claim: Claim, sid: str) -> None:
        """Record the SID, committed when this returns."""
        self._group.submit(RecordSent(claim, sid))

    def record_sent_nowait(self, claim: Claim, sid: str) -> None:
        """Record the SID without waiting for the commit; `flush` raises if it failed (the
        row then stays `sending` for the sweeper)."""
        self._group.submit_nowait(RecordSent(claim, sid))

    def record_error(self, claim: Claim, error: ProviderError, status: str) -> None:
        """Record the error and move the row to `status`, committed when this returns."""
        self._group.submit(RecordError(claim, error, status))

    def flush(self) -> None:
        """Wait for every SID recorded without waiting; raise the first that failed."""
        self._group.flush()

    def write(self, requests: list[Request]) -> list[Outcome]:
        """Apply `requests` in one transaction; one outcome each, in order."""
        refused: Counter[str] = Counter()
        with self._lock:
            with self.sessions.begin() as session:
                results = self._execute(session, requests, refused)
            # Committed: only now does what it did count.
            self.refused.update(refused)
            self.failed.update(str(r.error.code or r.error.status or "") for r in requests
                               if isinstance(r, RecordError) and r.status == "failed")
        return results

    def _execute(self, session: Session, requests: list[Request], refused: Counter[str]
                 ) -> list[Outcome]:
        results: list[Outcome] = [None] * len(requests)
        for from_status in ("queued", "sending"):
            claims = [(i, r.recipient_id) for i, r in enumerate(requests)
                      if isinstance(r, ClaimRecipient) and r.from_status == from_status]
            if claims:
                claimed = self._claim(session, [rid for _, rid in claims], from_status, refused)
                for i, rid in claims:
                    results[i] = claimed[rid]
        sent = [r for r in requests if isinstance(r, RecordSent)]
        if sent:
            self._record_sent(session, sent)
        for request in requests:
            if isinstance(request, RecordError):
                self._record_error(session, request)
        return results

    def _claim(self, session: Session, ids: Sequence[int], from_status: str,
               refused: Counter[str]) -> dict[int, Claim | str]:
        """Claim `ids` if still `from_status` and consented; the others: refused (counted in
        `refused` by reason) or skipped."""
        now = utcnow()
        rows = session.connection().execute(_CLAIM, {
            "ids": list(ids), "from_status": from_status, "brand_id": self.brand_id,
            "now": now}).all()
        result: dict[int, Claim | str] = {
            row.id: Claim(row.id, row.number, row.attempts, now) for row in rows}
        missing = [rid for rid in ids if rid not in result]
        if not missing:
            return result
        # Still `from_status` but not claimed: consent is gone. Otherwise someone else has it.
        unconsented = session.execute(
            select(_recipients.c.id, _recipients.c.number, ConsentState.action)
            .outerjoin(ConsentState, (ConsentState.number == _recipients.c.number)
                       & (ConsentState.brand_id == self.brand_id))
            .where(_recipients.c.id.in_(missing), _recipients.c.status == from_status)).all()
        for rid, _number, action in unconsented:
            reason = refusal_reason(action)
            session.execute(update(_recipients).where(
                _recipients.c.id == rid, _recipients.c.status == from_status)
                .values(status="refused", refusal_reason=reason, updated_at=now))
            result[rid] = "refused"
            refused[reason or ""] += 1
        for rid in missing:
            result.setdefault(rid, "skipped")
        return result

    def _record_sent(self, session: Session, sent: list[RecordSent]) -> None:
        """`sent` with their SIDs, plus any final status Twilio reported before we could."""
        now = utcnow()
        connection = session.connection()
        connection.execute(_RECORD_SENT, [{"rid": r.claim.recipient_id, "sid": r.sid,
                                           "now": now} for r in sent])
        by_sid = {r.sid: r.claim.recipient_id for r in sent}
        early = connection.execute(_EARLY_STATUS, {"sids": list(by_sid)}).all()
        latest = {sid: (status, code) for sid, status, code in early}  # the last one wins
        for sid, (status, code) in latest.items():
            if status in _FINAL_CALLBACKS:
                session.execute(update(_recipients).where(
                    _recipients.c.id == by_sid[sid], _recipients.c.status == "sent")
                    .values(status=_FINAL_CALLBACKS[status], error_code=code))

    def _record_error(self, session: Session, request: RecordError) -> None:
        """Record the error; `failed` with 21610 also records the carrier's opt-out."""
        error, claim = request.error, request.claim
        code = str(error.code or error.status or "")
        session.execute(update(_recipients).where(
            _recipients.c.id == claim.recipient_id, _recipients.c.status == "sending")
            .values(status=request.status, error_code=code or None,
                    error_message=error.message[:500], updated_at=utcnow()))
        if request.status == "failed" and error.code == UNSUBSCRIBED:
            # A refused create has no message, so no MessageSid to keep.
            record_provider_opt_out(session, number=claim.number, brand_id=self.brand_id,
                                    message_sid=None, campaign_id=self.campaign_id)


def refuse_unconsented(sessions: sessionmaker[Session], brand_id: int, campaign_id: int,
                       recipient_ids: Sequence[int]) -> tuple[dict[str, int], list[int]]:
    """Refuse in bulk what consent already forbids; return how many by reason, and the ids
    still queued (a slot of the rate cap is then spent only on texts that may go)."""
    now = utcnow()
    pending = ((_recipients.c.id.in_(recipient_ids))
               & (_recipients.c.campaign_id == campaign_id)
               & (_recipients.c.status == "queued"))
    state = exists().where(ConsentState.number == _recipients.c.number,
                           ConsentState.brand_id == brand_id)
    sqlite = sessions.kw["bind"].dialect.name == "sqlite"
    with (_sqlite_writes if sqlite else threading.Lock()), sessions.begin() as session:
        connection = session.connection()  # Core: its result has a rowcount
        refused = {reason: connection.execute(update(_recipients).where(
            pending, state.where(ConsentState.action == action)).values(
            status="refused", refusal_reason=reason, updated_at=now)).rowcount
            for action, reason in (("opt_out", "opted_out"), ("review", "pending_review"))}
        refused["no_consent"] = connection.execute(update(_recipients).where(
            pending, ~state).values(status="refused", refusal_reason="no_consent",
                                    updated_at=now)).rowcount
        return refused, list(session.scalars(select(_recipients.c.id).where(pending)
                                             .order_by(_recipients.c.id)))
