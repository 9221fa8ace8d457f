"""The database side of sending a batch: claims, recorded SIDs and errors, group-committed.

The sending threads of a batch hand their writes to one `GroupCommit`
(`smsgate.infra.groupcommit`): the requests waiting at once run in ONE short transaction and
commit once, so N threads cost one commit (one fsync) instead of N, and only one thread at a
time waits on the database's write lock. Nothing about a single request changes:

* a claim is a conditional UPDATE (status as expected, and an opt-in in consent_state right
  now) that is committed before the thread that asked for it calls the provider;
* a claim that finds consent gone marks the row `refused` with the reason, in the same
  transaction;
* a recorded SID only ever moves a row from `sending` to `sent`;
* send-time rules (smsgate.sendtime) ride in the same transaction: a claim never takes a row
  deferred to later (`not_before`), of a cancelled campaign (-> `cancelled`) or past its
  validity (-> `expired`); a capped number's claim also counts the brand's texts to it in
  the last 24 hours (`_capped`), and over the cap the row is deferred until the oldest of
  them ages out, or refused `frequency_cap` when that is after the campaign expires.

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
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import ReturningUpdate

from smsgate.campaigns import frequency
from smsgate.consent.policy import FREQUENCY_CAP, refusal_reason
from smsgate.consent.provider_opt_out import record_provider_opt_out
from smsgate.infra.groupcommit import GroupCommit
from smsgate.messaging.provider import UNSUBSCRIBED, ProviderError
from smsgate.models import Campaign, CampaignRecipient, ConsentState, StatusEvent, utcnow
from smsgate.sendtime.gate import zones_text

# A mapped class's __table__ is typed as any FromClause; this one is a Table.
_recipients = cast(Table, CampaignRecipient.__table__)
_campaigns = cast(Table, Campaign.__table__)
# Send time: a row deferred (window closed, cap reached, send_at ahead) waits for its time;
# nothing of a cancelled or expired campaign is claimed.
_DUE = or_(_recipients.c.not_before.is_(None), _recipients.c.not_before <= bindparam("now"))
_LIVE_CAMPAIGN = exists().where(
    _campaigns.c.id == _recipients.c.campaign_id, _campaigns.c.cancelled_at.is_(None),
    or_(_campaigns.c.expires_at.is_(None), _campaigns.c.expires_at > bindparam("now")))
# The number is opted in to the brand right now (consent_state is the authority).
_CONSENTED = exists().where(ConsentState.number == _recipients.c.number,
                            ConsentState.brand_id == bindparam("brand_id"),
                            ConsentState.action == "opt_in")
# The hot statements are built once, with bound parameters, so each group skips building and
# cache-keying them; they run on the session's Core connection (no ORM layer in between).
_CLAIM = (
    update(_recipients)
    .where(_recipients.c.id.in_(bindparam("ids", expanding=True)),
           _recipients.c.status == bindparam("from_status"), _CONSENTED, _DUE, _LIVE_CAMPAIGN)
    .values(status="sending", claimed_at=bindparam("now"), updated_at=bindparam("now"),
            attempts=_recipients.c.attempts + 1)
    .returning(_recipients.c.id, _recipients.c.number, _recipients.c.attempts))
# A number with a 24-hour cap is claimed only while under it (smsgate.campaigns.frequency).
_CAPPED_CLAIM: ReturningUpdate[Any] = _CLAIM.where(frequency.under_cap())
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
    cap: int | None = None  # texts per rolling 24 hours to this number for the brand


@dataclass(frozen=True)
class Defer:
    """Leave a queued recipient for later: its window is closed, or the brand's day is full.
    `until` None (or at or past the campaign's expiry) expires it instead."""

    recipient_id: int
    until: datetime | None


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


Request = ClaimRecipient | Defer | RecordSent | RecordError
# What a request gives back: a ClaimRecipient its Claim, or why not ("refused": consent is
# gone or the cap outlasts the campaign; "deferred": over the cap, for later; "expired",
# "cancelled": the campaign's; "skipped": not `from_status` any more, or not due yet); a
# Defer "deferred", "expired" or "skipped"; the others None.
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
        # Rows deferred by committed transactions, and when each is due: the job schedules
        # a run for them.
        self.deferred: list[tuple[int, datetime]] = []

    def claim(self, recipient_id: int, from_status: str, cap: int | None = None) -> Claim | str:
        """The Claim, committed, or why not (see `Outcome`)."""
        outcome = self._group.submit(ClaimRecipient(recipient_id, from_status, cap))
        assert outcome is not None
        return outcome

    def defer(self, recipient_id: int, until: datetime | None) -> str:
        """Defer a queued recipient to `until`, committed: "deferred", "expired" or "skipped"."""
        outcome = self._group.submit(Defer(recipient_id, until))
        assert isinstance(outcome, str)
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
        deferred: list[tuple[int, datetime]] = []
        with self._lock:
            with self.sessions.begin() as session:
                results = self._execute(session, requests, refused, deferred)
            # Committed: only now does what it did count.
            self.refused.update(refused)
            self.deferred.extend(deferred)
            self.failed.update(str(r.error.code or r.error.status or "") for r in requests
                               if isinstance(r, RecordError) and r.status == "failed")
        return results

    def _execute(self, session: Session, requests: list[Request], refused: Counter[str],
                 deferred: list[tuple[int, datetime]]) -> list[Outcome]:
        results: list[Outcome] = [None] * len(requests)
        now = utcnow()
        campaign: list[tuple[str | None, datetime | None]] = []  # read once, when needed

        def ended() -> tuple[str | None, datetime | None]:
            if not campaign:
                campaign.append(self._campaign_ended(session, now))
            return campaign[0]

        groups = sorted({(r.from_status, r.cap or 0) for r in requests
                         if isinstance(r, ClaimRecipient)})
        for from_status, cap in groups:
            claims = [(i, r.recipient_id) for i, r in enumerate(requests)
                      if isinstance(r, ClaimRecipient) and r.from_status == from_status
                      and (r.cap or 0) == cap]
            claimed = self._claim(session, [rid for _, rid in claims], from_status, refused,
                                  now, cap or None)
            skipped = [rid for rid, outcome in claimed.items() if outcome == "skipped"]
            if skipped:  # the slow path: why was a consented row not claimed?
                stop, expires_at = ended()
                if stop is not None:
                    claimed.update(_close(session, skipped, from_status, stop, now))
                elif cap:
                    claimed.update(self._over_cap(session, skipped, from_status, cap, now,
                                                  expires_at, refused, deferred))
            for i, rid in claims:
                results[i] = claimed[rid]
        for i, request in enumerate(requests):
            if isinstance(request, Defer):
                stop, expires_at = ended()
                results[i] = (_close(session, [request.recipient_id], "queued", stop, now)
                              [request.recipient_id] if stop is not None else
                              _defer(session, request, expires_at, now, deferred))
        sent = [r for r in requests if isinstance(r, RecordSent)]
        if sent:
            self._record_sent(session, sent)
        for request in requests:
            if isinstance(request, RecordError):
                self._record_error(session, request)
        return results

    def _campaign_ended(self, session: Session, now: datetime
                        ) -> tuple[str | None, datetime | None]:
        """("cancelled" or "expired" when the campaign may send no more, else None), and
        when it expires."""
        row = session.execute(select(_campaigns.c.cancelled_at, _campaigns.c.expires_at)
                              .where(_campaigns.c.id == self.campaign_id)).first()
        if row is None or row.cancelled_at is not None:
            return "cancelled", None
        if row.expires_at is not None and now >= row.expires_at:
            return "expired", row.expires_at
        return None, row.expires_at

    def _claim(self, session: Session, ids: Sequence[int], from_status: str,
               refused: Counter[str], now: datetime, cap: int | None = None
               ) -> dict[int, Claim | str]:
        """Claim `ids` if still `from_status`, due and consented (and, with `cap`, under
        it); the others: refused (counted in `refused` by reason) or skipped."""
        values: dict[str, Any] = {"ids": list(ids), "from_status": from_status,
                                  "brand_id": self.brand_id, "now": now}
        statement = _CLAIM
        if cap is not None:
            statement = _CAPPED_CLAIM
            values.update(cap=cap, since=now - frequency.WINDOW)
            frequency.lock_numbers(session, self.brand_id, ids)
        rows = session.connection().execute(statement, values).all()
        result: dict[int, Claim | str] = {
            row.id: Claim(row.id, row.number, row.attempts, now) for row in rows}
        missing = [rid for rid in ids if rid not in result]
        if not missing:
            return result
        # Still `from_status` but not claimed: consent is gone. Otherwise someone else has it.
        unconsented = session.execute(
            select(_recipients.c.id, ConsentState.action)
            .outerjoin(ConsentState, (ConsentState.number == _recipients.c.number)
                       & (ConsentState.brand_id == self.brand_id))
            .where(_recipients.c.id.in_(missing), _recipients.c.status == from_status)).all()
        for rid, action in unconsented:
            reason = refusal_reason(action)
            if reason is None:
                continue  # consented: not due, campaign ended, or over a cap (see _execute)
            session.execute(update(_recipients).where(
                _recipients.c.id == rid, _recipients.c.status == from_status)
                .values(status="refused", refusal_reason=reason, updated_at=now))
            result[rid] = "refused"
            refused[reason] += 1
        for rid in missing:
            result.setdefault(rid, "skipped")
        return result

    def _over_cap(self, session: Session, skipped: list[int], from_status: str, cap: int,
                  now: datetime, expires_at: datetime | None, refused: Counter[str],
                  deferred: list[tuple[int, datetime]]) -> dict[int, str]:
        """Of the rows a capped claim skipped, those still waiting, due and consented were
        over the cap: defer each until its oldest counted text is 24 hours old, or refuse it
        `frequency_cap` when that comes at or after the campaign's expiry."""
        waiting = session.execute(
            select(_recipients.c.id, _recipients.c.number)
            .where(_recipients.c.id.in_(skipped), _recipients.c.status == from_status,
                   _DUE, _CONSENTED), {"now": now, "brand_id": self.brand_id}).all()
        result: dict[int, str] = {}
        for rid, number in waiting:
            due = frequency.next_free(session, self.brand_id, number, rid, cap, now)
            where = (_recipients.c.id == rid) & (_recipients.c.status == from_status)
            if expires_at is not None and due >= expires_at:
                session.execute(update(_recipients).where(where).values(
                    status="refused", refusal_reason=FREQUENCY_CAP, updated_at=now))
                refused[FREQUENCY_CAP] += 1
                result[rid] = "refused"
            else:
                session.execute(update(_recipients).where(where).values(
                    status="queued", not_before=due, updated_at=now))
                deferred.append((rid, due))
                result[rid] = "deferred"
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


def _close(session: Session, ids: Sequence[int], from_status: str, status: str,
           now: datetime) -> dict[int, Claim | str]:
    """Move those of `ids` still `from_status` to `status` ("cancelled", "expired"): that
    status for them, "skipped" for the others."""
    closed = set(session.scalars(
        update(_recipients).where(_recipients.c.id.in_(ids),
                                  _recipients.c.status == from_status)
        .values(status=status, updated_at=now).returning(_recipients.c.id)))
    return {rid: status if rid in closed else "skipped" for rid in ids}


def _defer(session: Session, request: Defer, expires_at: datetime | None, now: datetime,
           deferred: list[tuple[int, datetime]]) -> str:
    """Defer a queued row to `request.until`, or expire it when that is too late."""
    where = ((_recipients.c.id == request.recipient_id) & (_recipients.c.status == "queued"))
    until = request.until
    if until is None or (expires_at is not None and until >= expires_at):
        done = session.connection().execute(update(_recipients).where(where).values(
            status="expired", updated_at=now)).rowcount
        return "expired" if done else "skipped"
    done = session.connection().execute(update(_recipients).where(where).values(
        not_before=until, updated_at=now)).rowcount
    if done:
        deferred.append((request.recipient_id, until))
    return "deferred" if done else "skipped"


class Pending(NamedTuple):
    """A queued recipient: where it is and when it is due."""

    id: int
    time_zones: str | None
    state: str | None
    not_before: datetime | None


def refuse_unconsented(sessions: sessionmaker[Session], brand_id: int, campaign_id: int,
                       recipient_ids: Sequence[int]) -> tuple[dict[str, int], list[Pending]]:
    """Refuse in bulk what consent already forbids; return how many by reason, and the
    recipients still queued, by id, with where they are and when they are due (a slot of the
    rate cap is then spent only on texts that may go)."""
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
        rows = session.execute(select(_recipients.c.id, _recipients.c.number,
                                      _recipients.c.time_zones, _recipients.c.state,
                                      _recipients.c.not_before)
                               .where(pending).order_by(_recipients.c.id)).all()
    # Rows queued before zones were stored (migration 0005) get theirs from the number now.
    return refused, [Pending(rid, zones, state, not_before) if zones is not None
                     else Pending(rid, *zones_text(number), not_before)
                     for rid, number, zones, state, not_before in rows]
