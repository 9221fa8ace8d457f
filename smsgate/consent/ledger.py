"""Append to and verify the hash-chained consent ledger.

Every entry's hash is SHA-256 over a canonical JSON serialisation of its fields, including
its id (its chain position) and the previous entry's hash. Appending bumps the single
`ledger_head` row first: that UPDATE takes the row lock (PostgreSQL) or the write lock
(SQLite), so two concurrent appends can never claim the same predecessor. Callers append as
the last step before committing, which keeps that critical section short.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from smsgate.models import GENESIS_HASH, Brand, ConsentState, LedgerEntry, LedgerHead, utcnow

HASHED_FIELDS = (
    "id", "recorded_at", "number", "brand_id", "scope", "action", "source", "keyword",
    "raw_text", "message_sid", "evidence", "api_key_id", "prev_hash",
)


@dataclass(frozen=True)
class ConsentRecord:
    """A consent change to append, with its evidence."""

    number: str
    brand_id: int
    action: str  # "opt_in" | "opt_out"
    source: str  # "sms" | "api" | "provider" | "import"
    scope: str = "brand"  # "all": STOPALL, applies to every brand
    keyword: str | None = None
    raw_text: str | None = None
    message_sid: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    api_key_id: int | None = None


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def format_time(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds: the one text form a time is hashed and exported in."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def compute_hash(fields: Mapping[str, Any]) -> str:
    """The entry hash of a row given as a mapping with every name in HASHED_FIELDS."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["recorded_at"] = format_time(payload["recorded_at"])
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def append_many(session: Session, records: Sequence[ConsentRecord]) -> list[int]:
    """Append `records` in order, update consent state, and return their entry ids.

    Flushes, never commits: the caller's transaction holds the chain head until it commits.
    """
    if not records:
        return []
    now = utcnow()
    head_id, prev = session.execute(
        update(LedgerHead.__table__)
        .where(LedgerHead.__table__.c.id == 1)
        .values(last_id=LedgerHead.__table__.c.last_id + len(records))
        .returning(LedgerHead.__table__.c.last_id, LedgerHead.__table__.c.last_hash)
    ).one()
    rows = []
    for offset, record in enumerate(records):
        row = {
            "id": head_id - len(records) + 1 + offset, "recorded_at": now,
            "number": record.number, "brand_id": record.brand_id, "scope": record.scope,
            "action": record.action, "source": record.source, "keyword": record.keyword,
            "raw_text": record.raw_text, "message_sid": record.message_sid,
            "evidence": canonical_json(dict(record.evidence)), "api_key_id": record.api_key_id,
            "prev_hash": prev,
        }
        row["entry_hash"] = prev = compute_hash(row)
        rows.append(row)
    session.execute(insert(LedgerEntry), rows)
    session.execute(update(LedgerHead.__table__).where(LedgerHead.__table__.c.id == 1)
                    .values(last_hash=prev))
    _apply_to_state(session, rows)
    return [row["id"] for row in rows]


def append(session: Session, record: ConsentRecord) -> int:
    """Append one record; see `append_many`."""
    return append_many(session, [record])[0]


def _apply_to_state(session: Session, rows: list[dict[str, Any]]) -> None:
    """Make `consent_state` say what the newest entry per (number, brand) says."""
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    all_brand_ids: list[int] | None = None
    for row in rows:
        if row["scope"] == "all":
            if all_brand_ids is None:
                all_brand_ids = list(session.scalars(select(Brand.id)))
            brand_ids = all_brand_ids
        else:
            brand_ids = [row["brand_id"]]
        for brand_id in brand_ids:
            latest[(row["number"], brand_id)] = {
                "number": row["number"], "brand_id": brand_id, "action": row["action"],
                "entry_id": row["id"], "updated_at": row["recorded_at"],
            }
    existing: set[tuple[str, int]] = set()
    keys = list(latest)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        numbers = {number for number, _ in chunk}
        existing.update(session.execute(
            select(ConsentState.number, ConsentState.brand_id)
            .where(ConsentState.number.in_(numbers))
        ))
    new = [value for key, value in latest.items() if key not in existing]
    changed = [value for key, value in latest.items() if key in existing]
    if new:
        session.execute(insert(ConsentState), new)
    if changed:
        session.execute(update(ConsentState), changed)


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the chain: `first_bad` is the first entry id that fails."""

    ok: bool
    entries: int
    first_bad: int | None = None
    reason: str | None = None
    head_hash: str = GENESIS_HASH


def count_entries(session: Session) -> int:
    """How many entries the ledger holds (for progress bars)."""
    return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def iter_entries(session: Session, batch: int = 5000, *, after: int = 0,
                 through: int | None = None) -> Iterable[Any]:
    """Entries with `after` < id <= `through` (default: all) in chain order, streamed in
    batches (server-side cursor on PostgreSQL)."""
    columns = [getattr(LedgerEntry, name) for name in (*HASHED_FIELDS, "entry_hash")]
    statement = select(*columns).where(LedgerEntry.id > after)
    if through is not None:
        statement = statement.where(LedgerEntry.id <= through)
    result = session.execute(statement.order_by(LedgerEntry.id)
                             .execution_options(yield_per=batch))
    yield from result


def verify(session: Session, on_progress: Callable[[int], None] | None = None) -> Verification:
    """Walk the whole chain once, in constant memory, and report the first broken entry.

    Detects an edited entry (its hash), a deleted one (a gap in ids or a broken link), a
    reordered pair (links and hashed ids), and entries added or removed behind the head.
    """
    prev, expected_id, count = GENESIS_HASH, 1, 0
    rows, head = iter_entries(session), None
    while True:
        for row in rows:
            fields = row._mapping
            if fields["id"] != expected_id:
                return Verification(False, count, expected_id, "entry missing", prev)
            if fields["prev_hash"] != prev:
                return Verification(False, count, fields["id"], "link to previous entry broken",
                                    prev)
            if compute_hash(fields) != fields["entry_hash"]:
                return Verification(False, count, fields["id"], "entry altered", prev)
            prev, expected_id, count = fields["entry_hash"], expected_id + 1, count + 1
            if on_progress:
                on_progress(1)
        if head is not None:
            break
        # Read with a Core select, not session.get: an ORM head cached earlier in this session
        # would be stale after a Core append.
        head = session.execute(select(LedgerHead.last_id, LedgerHead.last_hash)
                               .where(LedgerHead.id == 1)).first()
        if head is None or head.last_id <= count:
            break
        # Appends that committed while we walked moved the head past the rows we saw (an
        # entry and the head that names it commit together). Walk on, once, up to the head we
        # read, rather than report a live append as a deletion.
        rows = iter_entries(session, after=count, through=head.last_id)
    last_id = head.last_id if head else 0
    if last_id > count:  # entries removed from the end
        return Verification(False, count, count + 1, "entry missing", prev)
    if last_id < count:  # entries added behind the head's back
        return Verification(False, count, last_id + 1, "entry not recorded by the head", prev)
    if head is None or head.last_hash != prev:
        return Verification(False, count, count, "chain does not end at the recorded head", prev)
    return Verification(True, count, None, None, prev)
