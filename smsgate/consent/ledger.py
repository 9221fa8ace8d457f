"""Append to and verify the hash-chained consent ledger.

Every entry's hash is SHA-256 over a canonical JSON serialisation of its fields, including
its id (its chain position) and the previous entry's hash. Personal values (number, raw
text, identifying evidence) enter it only as salted digests (`smsgate.consent.personal`),
so they can be blanked without breaking the chain; verify checks each value left.
Appending bumps the single `ledger_head` row first: that UPDATE takes the row lock
(PostgreSQL) or the write lock (SQLite), so two concurrent appends can never claim the same
predecessor. Callers append as the last step before committing, which keeps that critical
section short.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import FromClause, Table, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.orm import Session

from smsgate.consent import personal
from smsgate.consent.personal import canonical_json as canonical_json  # re-exported
from smsgate.errors import DatabaseUnavailable
from smsgate.models import GENESIS_HASH, Brand, ConsentState, LedgerEntry, LedgerHead, utcnow

# "evidence" is hashed without its personal keys; "digests" commits to the personal values.
HASHED_FIELDS = (
    "id", "recorded_at", "brand_id", "scope", "action", "source", "keyword", "message_sid",
    "evidence", "api_key_id", "digests", "prev_hash",
)
# What verify reads of each entry.
ENTRY_COLUMNS = (*HASHED_FIELDS, "number", "raw_text", "salt", "entry_hash")


@dataclass(frozen=True)
class ConsentRecord:
    """A consent change to append, with its evidence."""

    number: str | None  # None only for an erasure entry
    brand_id: int | None  # None only for an erasure entry
    action: str  # "opt_in" | "opt_out" | "erase"
    source: str  # "sms" | "api" | "provider" | "import" | "erasure"
    scope: str = "brand"  # "all": STOPALL, applies to every brand; "erasure"
    keyword: str | None = None
    raw_text: str | None = None
    message_sid: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    api_key_id: int | None = None


def format_time(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds: the one text form a time is hashed and exported in."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def compute_hash(fields: Mapping[str, Any], evidence: str) -> str:
    """The entry hash of a row given as a mapping with every name in HASHED_FIELDS, and the
    evidence text the hash covers (`personal.commit` / `personal.check`: no personal keys)."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["recorded_at"] = format_time(payload["recorded_at"])
    payload["evidence"] = evidence
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def append_many(session: Session, records: Sequence[ConsentRecord], *,
                check: Callable[[Session], None] | None = None) -> list[int]:
    """Append `records` in order, update consent state, and return their entry ids.

    The reference append path: every append but the inbound webhook's on PostgreSQL
    (`smsgate.consent.inbound_pg`) goes through here. Flushes, never commits: the caller's
    transaction holds the chain head until it commits. Pending ORM changes are flushed
    before the head is locked; after it, three statements write the entries, the head's
    hash and the consent state. Raises `ChainHeadMissing` when there is no head row.

    `check`, when given, runs once the head is locked and before anything is written: it
    sees every append committed before this one, and none can commit until this one does,
    so a decision it makes cannot be undone by a race. If it raises, the caller's
    transaction must be rolled back (the head was claimed).
    """
    if not records:
        return []
    session.flush()  # pending ORM writes land before the lock, not at commit inside it
    connection = session.connection()
    now = utcnow()
    sealed = [entry_fields(record, now, salt)
              for record, salt in zip(records, personal.new_salts(len(records)), strict=True)]
    rows = [row for row, _ in sealed]
    # The critical section: from this UPDATE until the caller commits.
    head = connection.execute(_CLAIM_HEAD, {"count": len(rows)}).first()
    if head is None:
        raise ChainHeadMissing()
    last_id, prev = head
    if check is not None:
        check(session)
    first_id = last_id - len(rows) + 1
    for offset, (row, evidence) in enumerate(sealed):
        row["id"] = first_id + offset
        row["prev_hash"] = prev
        row["entry_hash"] = prev = compute_hash(row, evidence)
    connection.execute(insert(_ENTRIES), rows)
    connection.execute(_SET_HEAD_HASH, {"head_hash": prev})
    connection.execute(_STATE_FROM_RANGE[connection.dialect.name],
                       {"first_id": first_id, "last_id": last_id})
    return [row["id"] for row in rows]


class ChainHeadMissing(DatabaseUnavailable):
    """The `ledger_head` row is gone (a broken restore, a truncated table): nothing can be
    appended until an operator restores it, so callers answer 503 and Twilio retries."""

    def __init__(self) -> None:
        super().__init__("the consent ledger has no chain head; retry later")


def state_from_entries(dialect_insert: Callable[[Table], PgInsert | SqliteInsert],
                       entries: FromClause) -> PgInsert | SqliteInsert:
    """The consent_state upsert for `entries` just appended, written once for both paths.

    `entries` has the ledger's columns id, number, brand_id, scope, action and recorded_at.
    Each entry sets its (number, brand) pair, a STOPALL (scope "all") the pair of every
    brand; per pair the newest entry wins. `append_many` runs it over the id range it wrote
    (indexed, so a 10,000-entry append reads its own rows once); the PostgreSQL fast path
    compiles it over its inserted rows. `dialect_insert` is `postgresql.insert` or
    `sqlite.insert` (the two have ON CONFLICT). An erasure entry has neither number nor brand
    nor scope "all", so the join gives it no pair and it changes no state.
    """
    brand = _BRANDS.alias("b")
    fanned = select(
        entries.c.number, brand.c.id.label("brand_id"), entries.c.action,
        entries.c.id.label("entry_id"), entries.c.recorded_at.label("updated_at"),
        func.row_number().over(partition_by=(entries.c.number, brand.c.id),
                               order_by=entries.c.id.desc()).label("newer"),
    ).join_from(entries, brand, or_(entries.c.scope == "all", brand.c.id == entries.c.brand_id)
                ).subquery("f")
    statement = dialect_insert(_STATE).from_select(
        _STATE_COLUMNS, select(*(fanned.c[name] for name in _STATE_COLUMNS))
        .where(fanned.c.newer == 1))
    return statement.on_conflict_do_update(
        index_elements=[_STATE.c.number, _STATE.c.brand_id],
        set_={name: statement.excluded[name] for name in ("action", "entry_id", "updated_at")})


def entry_fields(record: ConsentRecord, recorded_at: datetime,
                 salt: str) -> tuple[dict[str, Any], str]:
    """The columns of `record`'s entry that do not depend on its place in the chain, and the
    evidence text its hash covers; `salt` (`personal.new_salts`) keys its digests."""
    evidence = dict(record.evidence)
    hashed_evidence, digests = personal.commit(salt, record.number, record.raw_text, evidence)
    return {
        "recorded_at": recorded_at, "number": record.number, "brand_id": record.brand_id,
        "scope": record.scope, "action": record.action, "source": record.source,
        "keyword": record.keyword, "raw_text": record.raw_text,
        "message_sid": record.message_sid, "evidence": canonical_json(evidence),
        "api_key_id": record.api_key_id, "salt": salt, "digests": digests,
    }, hashed_evidence


def hash_input_parts(fields: Mapping[str, Any], evidence: str) -> tuple[str, str, str]:
    """The text `compute_hash` hashes, split around the two chain-dependent values.

    For `fields, evidence` from `entry_fields`: `a + str(id) + b + prev_hash + c`, in UTF-8,
    is exactly what `compute_hash` hashes for that entry at chain position `id` after
    `prev_hash`. It is cut out of `canonical_json` itself (markers stand in for the two
    values), so the two can never disagree on the format.
    """
    token = _MARKER_TOKEN
    while True:
        id_marker, prev_marker = f"@id-{token}@", f"@prev-{token}@"
        payload = {**fields, "id": id_marker, "prev_hash": prev_marker}
        payload = {name: payload[name] for name in HASHED_FIELDS}
        payload["recorded_at"] = format_time(payload["recorded_at"])
        payload["evidence"] = evidence
        text = canonical_json(payload)
        # '"id":"@id-...@"' -> '"id":' + id; '"prev_hash":"@prev-...@"' keeps its quotes.
        head, *tail = text.split(f'"{id_marker}"')
        if len(tail) == 1:
            b, *c = tail[0].split(prev_marker)
            if len(c) == 1:
                return head, b, c[0]
        token = secrets.token_hex(16)  # a field held a marker (no sender knows them)


# The markers' random part. Drawn once per process rather than per entry (a system call
# each): no sender can write a marker into a text without knowing it, and a field that held
# one anyway would only make `hash_input_parts` draw another.
_MARKER_TOKEN = secrets.token_hex(16)


def head_id(session: Session) -> int:
    """The id of the last entry appended (0 for an empty ledger, or no head row yet)."""
    return session.scalar(select(LedgerHead.last_id).where(LedgerHead.id == 1)) or 0


def append(session: Session, record: ConsentRecord) -> int:
    """Append one record; see `append_many`."""
    return append_many(session, [record])[0]


_HEAD = cast(Table, LedgerHead.__table__)
_ENTRIES = cast(Table, LedgerEntry.__table__)
_STATE = cast(Table, ConsentState.__table__)
_BRANDS = cast(Table, Brand.__table__)
_STATE_COLUMNS = ("number", "brand_id", "action", "entry_id", "updated_at")

# Statements built once (appends are the webhook's hot path).
_CLAIM_HEAD = update(_HEAD).where(_HEAD.c.id == 1) \
    .values(last_id=_HEAD.c.last_id + bindparam("count", type_=_HEAD.c.last_id.type)) \
    .returning(_HEAD.c.last_id, _HEAD.c.last_hash)
_SET_HEAD_HASH = update(_HEAD).where(_HEAD.c.id == 1) \
    .values(last_hash=bindparam("head_hash", type_=_HEAD.c.last_hash.type))
_APPENDED = select(_ENTRIES).where(
    _ENTRIES.c.id.between(bindparam("first_id", type_=_ENTRIES.c.id.type),
                          bindparam("last_id", type_=_ENTRIES.c.id.type))).subquery("entry")
_STATE_FROM_RANGE = {"postgresql": state_from_entries(postgresql.insert, _APPENDED),
                     "sqlite": state_from_entries(sqlite.insert, _APPENDED)}



def extend_stopalls_to_brand(session: Session, brand_id: int) -> None:
    """Give a new brand the consent state every STOPALL recorded before it implies: each
    number's latest STOPALL opts it out of this brand too (a STOPALL covers every brand,
    brands created later included). Rows the brand already has are left as they are."""
    stopalls = _ENTRIES.alias("stopall")
    # An erased STOPALL (no number) binds nobody: its number is suppressed by its pseudonym.
    latest = (select(stopalls.c.number, func.max(stopalls.c.id).label("id"))
              .where(stopalls.c.scope == "all", stopalls.c.number.is_not(None))
              .group_by(stopalls.c.number).subquery())
    rows = (select(_ENTRIES.c.number, literal(brand_id), _ENTRIES.c.action, _ENTRIES.c.id,
                   _ENTRIES.c.recorded_at)
            .join(latest, latest.c.id == _ENTRIES.c.id))
    dialect_insert = postgresql.insert if session.connection().dialect.name == "postgresql" \
        else sqlite.insert
    session.execute(dialect_insert(_STATE).from_select(
        ["number", "brand_id", "action", "entry_id", "updated_at"], rows)
        .on_conflict_do_nothing(index_elements=["number", "brand_id"]))


def latest_stopalls(session: Session, numbers: Sequence[str]) -> dict[str, tuple[int, datetime]]:
    """Each of `numbers` that ever sent a STOPALL: (its latest STOPALL's entry id, when)."""
    latest = (select(_ENTRIES.c.number, func.max(_ENTRIES.c.id).label("id"))
              .where(_ENTRIES.c.scope == "all", _ENTRIES.c.number.in_(numbers))
              .group_by(_ENTRIES.c.number).subquery())
    found = session.execute(select(_ENTRIES.c.number, _ENTRIES.c.id, _ENTRIES.c.recorded_at)
                            .join(latest, latest.c.id == _ENTRIES.c.id))
    return {number: (entry_id, recorded_at) for number, entry_id, recorded_at in found}


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
    columns = [getattr(LedgerEntry, name) for name in ENTRY_COLUMNS]
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
    base = session.scalar(select(LedgerHead.base_hash).where(LedgerHead.id == 1))
    prev, expected_id, count = base or GENESIS_HASH, 1, 0
    rows, head = iter_entries(session), None
    while True:
        for row in rows:
            fields = row._mapping
            if fields["id"] != expected_id:
                return Verification(False, count, expected_id, "entry missing", prev)
            if fields["prev_hash"] != prev:
                return Verification(False, count, fields["id"], "link to previous entry broken",
                                    prev)
            evidence, problem = personal.check(fields["salt"], fields["digests"],
                                               fields["number"], fields["raw_text"],
                                               fields["evidence"])
            if evidence is None:
                return Verification(False, count, fields["id"], problem, prev)
            if compute_hash(fields, evidence) != fields["entry_hash"]:
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
