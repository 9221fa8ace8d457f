"""PostgreSQL: a whole batch of inbound texts written by one statement.

The statement claims the MessageSids, adds the replies, appends the consent changes to the
ledger (hashing the chain inside the database, entry after entry, with a recursive CTE)
and updates the consent state. One statement is one transaction under autocommit: there is
no BEGIN or COMMIT round trip, and the ledger head, locked only once the claims are written,
is released as soon as that statement's commit is flushed.

Each entry's hash is `sha256(utf8(a || id || b || prev_hash || c))` where `a`, `b` and `c`
come from `ledger.hash_input_parts`, which cuts them out of `ledger.compute_hash`'s own
input, so `ledger.verify` recomputes exactly what the database wrote.

The batch is planned with brand lookups its writer may have cached from earlier batches
(the brand a number belongs to, its name and texts, which the replies quote). The statement
checks each lookup against the tables as it sees them; if one no longer holds (a number
moved, added or removed, or the brand changed at all: its revision moved on) it writes
nothing and says so, and the batch is planned again with fresh lookups. A text is thus
attributed as of the very statement that records it.

Two rules are not written here but compiled in from the reference path's own SQLAlchemy
constructs: the check of the brand lookups is `brands.reply_brand_select`, the consent state
update is `ledger.state_from_entries`. `tests/test_inbound_pg.py` pins the whole statement
to `inbound._record_generic` (what SQLite runs) on random batches.

Two batches in different processes that hold the same MessageSid (a Twilio retry racing its
original) can deadlock on that row and the ledger head; PostgreSQL then aborts one, whose
texts answer 503 and are retried, and the unique MessageSid keeps the retry from recording
anything twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ClauseElement, Connection, column, literal_column, table
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from smsgate.accounts.brands import ReplyBrand, reply_brand_select
from smsgate.consent import ledger, personal
from smsgate.errors import Unavailable

# The batch travels as one JSON array of objects with these fields (one parameter: psycopg
# adapts nineteen arrays far more slowly than json.dumps writes them, and PostgreSQL parses
# JSON in C). Field -> SQL type.
_FIELDS = (
    ("message_sid", "text"), ("from_number", "text"), ("to_number", "text"),
    ("brand_id", "integer"), ("body", "text"), ("intent", "text"), ("keyword", "text"),
    ("reply_kind", "text"), ("reply_to", "text"), ("reply_from", "text"),
    ("reply_service", "text"), ("reply_body", "text"),
    ("action", "text"), ("scope", "text"), ("number", "text"), ("evidence", "text"),
    ("salt", "text"), ("digests", "text"),
    ("hash_a", "text"), ("hash_b", "text"), ("hash_c", "text"),
    # The brand lookup the batch was planned with (`brands.brand_for_inbound`): its
    # key, and the revision of the brand it found (NULL when none).
    ("lk_to", "text"), ("lk_svc", "text"), ("b_rev", "integer"),
)
_RECORD = ", ".join(f"{name} {kind}" for name, kind in _FIELDS)


def _postgresql(construct: ClauseElement) -> str:
    """`construct` as PostgreSQL text, its literals inlined (the statement has no other
    parameters than the batch and the time)."""
    dialect = PGDialect_psycopg()  # type: ignore[no-untyped-call]  # SQLAlchemy: unannotated
    return str(construct.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


# The rules written once elsewhere, compiled into the statement: which brand a text to a
# number (or through a Messaging Service) belongs to, over the batch's cached lookups `k`;
# and what consent_state becomes after the entries just inserted (`entry`).
_REPLY_BRAND = _postgresql(reply_brand_select(literal_column("k.lk_to"),
                                              literal_column("k.lk_svc")))
_STATE = _postgresql(ledger.state_from_entries(postgresql.insert, table(
    "entry", *(column(name) for name in ("id", "number", "brand_id", "scope", "action",
                                         "recorded_at")))))

# Readable here; sent compacted (see below). psycopg placeholders: run by exec_driver_sql,
# so SQLAlchemy compiles nothing per batch.
_STATEMENT = f"""WITH RECURSIVE raw AS MATERIALIZED (
    SELECT * FROM ROWS FROM (json_to_recordset(%(batch)s::json) AS ({_RECORD}))
                  WITH ORDINALITY AS t
), stale AS MATERIALIZED (
    -- A brand lookup that no longer finds what the batch was planned with (the planner
    -- caches them): then nothing is written, and one row says so.
    SELECT 1 FROM (SELECT DISTINCT lk_to, lk_svc, brand_id, b_rev FROM raw) k
    LEFT JOIN LATERAL ({_REPLY_BRAND}) c ON true
    WHERE (c.id, c.revision) IS DISTINCT FROM (k.brand_id, k.b_rev)
    LIMIT 1
), input AS MATERIALIZED (
    SELECT * FROM raw WHERE NOT EXISTS (SELECT FROM stale)
), claimed AS (
    INSERT INTO inbound_messages (message_sid, from_number, to_number, brand_id, body, intent,
                                  keyword, received_at)
    SELECT message_sid, from_number, to_number, brand_id, body, intent, keyword,
           %(now)s::timestamptz
    FROM input ORDER BY ordinality
    ON CONFLICT (message_sid) DO NOTHING
    RETURNING id, message_sid
), recorded AS MATERIALIZED (
    SELECT input.*, claimed.id AS inbound_id FROM claimed JOIN input USING (message_sid)
), reply AS (
    INSERT INTO outbox (inbound_id, brand_id, kind, to_number, from_number,
                        messaging_service_sid, body, status, attempts, created_at)
    SELECT inbound_id, brand_id, reply_kind, reply_to, reply_from, reply_service, reply_body,
           'pending', 0, %(now)s::timestamptz
    FROM recorded WHERE reply_kind IS NOT NULL ORDER BY ordinality
    RETURNING id, inbound_id
), change AS MATERIALIZED (
    -- The consent changes among the texts this statement claimed, numbered in text order.
    SELECT recorded.*, row_number() OVER (ORDER BY ordinality) AS n
    FROM recorded WHERE action IS NOT NULL
), head AS MATERIALIZED (
    -- Locked only when there is something to append, and only after the claims above.
    SELECT last_id, last_hash FROM ledger_head
    WHERE id = 1 AND EXISTS (SELECT FROM change)
    FOR UPDATE
), chain AS (
    SELECT 0::bigint AS n, last_id::bigint AS id, last_hash::text AS hash, NULL::text AS prev
    FROM head
    UNION ALL
    SELECT chain.n + 1, chain.id + 1,
           encode(sha256(convert_to(change.hash_a || (chain.id + 1)::text
                                    || change.hash_b || chain.hash || change.hash_c, 'UTF8')),
                  'hex'),
           chain.hash
    FROM chain JOIN change ON change.n = chain.n + 1
), new_head AS (
    UPDATE ledger_head SET last_id = tip.id, last_hash = tip.hash
    FROM (SELECT id, hash FROM chain ORDER BY n DESC LIMIT 1) AS tip
    WHERE ledger_head.id = 1 AND EXISTS (SELECT FROM change)
), entry AS (
    INSERT INTO ledger_entries (id, recorded_at, number, brand_id, scope, action, source,
                                keyword, raw_text, message_sid, evidence, salt, digests,
                                prev_hash, entry_hash)
    SELECT chain.id, %(now)s::timestamptz, number, brand_id, scope, action, 'sms', keyword,
           body, message_sid, evidence, salt, digests, chain.prev, chain.hash
    FROM chain JOIN change ON change.n = chain.n
    ORDER BY chain.n
    RETURNING id, number, brand_id, scope, action, recorded_at
), state AS (
    -- Each (number, brand) as the newest of these entries leaves it (`ledger`'s rule).
    {_STATE}
)
SELECT recorded.message_sid, reply.id AS outbox_id, chain.id AS entry_id,
       -- A consent change without its entry (no chain head row) aborts the whole
       -- statement: a change is never committed without its ledger entry.
       1 / ((SELECT count(*) FROM change) = (SELECT count(*) FROM entry))::int
FROM recorded
LEFT JOIN reply ON reply.inbound_id = recorded.inbound_id
LEFT JOIN change ON change.message_sid = recorded.message_sid
LEFT JOIN chain ON chain.n = change.n
UNION ALL SELECT NULL, NULL, NULL, 1 FROM stale"""
# Sent without comments, indentation and the spaces after commas (no literal in it holds
# one): psycopg caches its parse of a query only up to 4,096 characters (a test guards it).
STATEMENT = re.sub(r",\s+", ",", " ".join(
    line.split("--")[0].strip() for line in _STATEMENT.splitlines()
    if line.split("--")[0].strip()))


class Row(Protocol):
    """One text to write: its inbound row, its reply (or None), its consent change (or
    None). The MessageSids of one batch are distinct."""

    @property
    def claim(self) -> dict[str, Any]: ...
    @property
    def reply(self) -> dict[str, Any] | None: ...
    @property
    def record(self) -> ledger.ConsentRecord | None: ...
    @property
    def brand_key(self) -> tuple[str | None, str | None]:
        """(number texted, Messaging Service SID)"""
    @property
    def brand(self) -> ReplyBrand | None:
        """What `brands.brand_for_inbound` found for `brand_key`."""


class StaleBrands(Unavailable):
    """A brand lookup the batch was planned with no longer holds; nothing was written.
    Raised to the caller only when fresh lookups kept going stale (brands changing as fast
    as batches are written): the texts answer 503 and Twilio retries them."""

    code = "brands_changing"

    def __init__(self) -> None:
        super().__init__("brands changed while the texts were being recorded; retry later")


def record(connection: Connection, rows: Sequence[Row],
           now: datetime) -> dict[str, tuple[int | None, int | None]]:
    """Write `rows` in one statement; return MessageSid -> (outbox id, entry id) for every
    text this statement claimed (a MessageSid stored before is absent).

    Raises StaleBrands, having written nothing, when a row's brand lookup finds something
    else now: the caller plans the batch again with fresh lookups."""
    batch = []
    salts = iter(personal.new_salts(len(rows)))
    for row in rows:
        claim, reply, change = row.claim, row.reply, row.record
        item = {name: claim[name] for name in ("message_sid", "from_number", "to_number",
                                               "brand_id", "body", "intent", "keyword")}
        if reply is not None:
            item.update(reply_kind=reply["kind"], reply_to=reply["to_number"],
                        reply_from=reply["from_number"],
                        reply_service=reply["messaging_service_sid"], reply_body=reply["body"])
        brand = row.brand
        item.update(lk_to=row.brand_key[0], lk_svc=row.brand_key[1])
        if brand is not None:
            item["b_rev"] = brand.revision
        if change is not None:
            fields, hashed_evidence = ledger.entry_fields(change, now, next(salts))
            a, b, c = ledger.hash_input_parts(fields, hashed_evidence)
            item.update(action=change.action, scope=change.scope, number=change.number,
                        evidence=fields["evidence"], salt=fields["salt"],
                        digests=fields["digests"], hash_a=a, hash_b=b, hash_c=c)
        batch.append(item)
    params = {"batch": json.dumps(batch, ensure_ascii=False), "now": now}
    written = {sid: (outbox_id, entry_id)
               for sid, outbox_id, entry_id, _ in connection.exec_driver_sql(STATEMENT, params)}
    if None in written:  # the row `stale` adds
        raise StaleBrands()
    return written
