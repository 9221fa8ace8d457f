"""personal data: the ledger commits to personal values by digest; erased numbers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 03:30:00.000000

The ledger's hash format changes (`smsgate.consent.ledger`): an entry's hash covers salted
digests of its number, raw text and identifying evidence instead of the values. An existing
ledger is converted: the old chain is verified first (a broken one stops the upgrade, having
changed nothing), then every entry is hashed again in the new format, entry 1 linking to
the old head hash (kept as `ledger_head.base_hash`), so a head recorded before the upgrade
is still committed to by the new chain. The personal number columns become nullable (erased).
"""
import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# The new format is the application's own (one implementation, which `ledger verify` uses);
# the old one is frozen here, since nothing else needs it any more.
from smsgate.consent import ledger, personal

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BATCH = 10_000
_OLD_FIELDS = ("id", "recorded_at", "number", "brand_id", "scope", "action", "source",
               "keyword", "raw_text", "message_sid", "evidence", "api_key_id", "prev_hash")
_NULLABLE = (("ledger_entries", "number", sa.String(length=16)),
             ("ledger_entries", "brand_id", sa.Integer()),
             ("inbound_messages", "from_number", sa.String(length=32)),
             ("outbox", "to_number", sa.String(length=16)),
             ("campaign_recipients", "number", sa.String(length=16)))


def _old_hash(row):
    """The entry hash as revisions 0001-0006 computed it (the values themselves hashed)."""
    payload = {name: row[name] for name in _OLD_FIELDS}
    payload["recorded_at"] = ledger.format_time(_aware(row["recorded_at"]))
    return hashlib.sha256(personal.canonical_json(payload).encode("utf-8")).hexdigest()


def _aware(moment):
    """A stored time as an aware datetime: SQLite gives naive UTC text, PostgreSQL aware."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _batches(conn, columns):
    """Every ledger entry in id order, `BATCH` rows a query (keyset, so updates in between
    are safe on both databases)."""
    after = 0
    query = sa.text(f"SELECT {', '.join(columns)} FROM ledger_entries WHERE id > :after "
                    f"ORDER BY id LIMIT {BATCH}")
    while True:
        rows = [dict(row._mapping) for row in conn.execute(query, {"after": after})]
        if not rows:
            return
        yield rows
        after = rows[-1]["id"]


def _verify_old(conn, last_id, last_hash):
    """Raise unless the old-format chain is intact up to the recorded head."""
    prev, expected = GENESIS, 1
    for rows in _batches(conn, (*_OLD_FIELDS, "entry_hash")):
        for row in rows:
            if row["id"] != expected or row["prev_hash"] != prev or _old_hash(row) != row[
                    "entry_hash"]:
                raise RuntimeError(f"the ledger is broken at entry {expected}: not converting "
                                   "it (run `smsgate ledger verify` on the previous version)")
            prev, expected = row["entry_hash"], expected + 1
    if expected - 1 != last_id or prev != last_hash:
        raise RuntimeError("the ledger does not end at its recorded head: not converting it")


_NEW = ("id", "salt", "digests", "prev_hash", "entry_hash")


def _writer(conn):
    """A function writing a batch of new (id, salt, digests, prev_hash, entry_hash), and one
    to call at the end. PostgreSQL: COPY into a temporary table, then one UPDATE (a million
    single-row UPDATEs take minutes); SQLite: executemany."""
    if conn.dialect.name != "postgresql":
        update = sa.text("UPDATE ledger_entries SET salt = :salt, digests = :digests, "
                         "prev_hash = :prev_hash, entry_hash = :entry_hash WHERE id = :id")
        return lambda changes: conn.execute(update, changes), lambda: None
    conn.execute(sa.text("CREATE TEMPORARY TABLE ledger_rechain (id bigint PRIMARY KEY, "
                         "salt text, digests text, prev_hash text, entry_hash text) "
                         "ON COMMIT DROP"))
    raw = conn.connection.driver_connection

    def write(changes):
        with raw.cursor() as cursor, cursor.copy(
                f"COPY ledger_rechain ({', '.join(_NEW)}) FROM STDIN") as copy:
            for change in changes:
                copy.write_row(tuple(change[name] for name in _NEW))

    def finish():
        conn.execute(sa.text(
            "UPDATE ledger_entries e SET salt = r.salt, digests = r.digests, "
            "prev_hash = r.prev_hash, entry_hash = r.entry_hash "
            "FROM ledger_rechain r WHERE e.id = r.id"))

    return write, finish


def _rechain(conn, base):
    """Hash every entry again in the new format after `base`; return the new head hash."""
    write, finish = _writer(conn)
    prev = base
    columns = (*ledger.HASHED_FIELDS, "number", "raw_text")
    columns = tuple(name for name in columns if name not in ("salt", "digests", "prev_hash"))
    for rows in _batches(conn, columns):
        changes = []
        for row, salt in zip(rows, personal.new_salts(len(rows)), strict=True):
            hashed_evidence, digests = personal.commit(salt, row["number"], row["raw_text"],
                                                       json.loads(row["evidence"]))
            fields = {**row, "recorded_at": _aware(row["recorded_at"]), "digests": digests,
                      "prev_hash": prev}
            prev = ledger.compute_hash(fields, hashed_evidence)
            changes.append({"id": row["id"], "salt": salt, "digests": digests,
                            "prev_hash": fields["prev_hash"], "entry_hash": prev})
        write(changes)
    finish()
    return prev


def upgrade():
    conn = op.get_bind()
    head = conn.execute(sa.text("SELECT last_id, last_hash FROM ledger_head WHERE id = 1")
                        ).first()
    converting = head is not None and head.last_id > 0
    if converting:  # before any change: SQLite's DDL is not transactional
        _verify_old(conn, head.last_id, head.last_hash)
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("salt", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("digests", sa.Text(), nullable=False,
                                      server_default="{}"))
    with op.batch_alter_table("ledger_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_hash", sa.String(length=64), nullable=False,
                                      server_default=GENESIS))
    for table, column, kind in _NULLABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=kind, nullable=True)
    op.create_table(
        "erased_numbers",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", name=op.f("pk_erased_numbers")),
    )
    if not converting:
        return
    tip = _rechain(conn, head.last_hash)
    conn.execute(sa.text("UPDATE ledger_head SET last_hash = :tip, base_hash = :base "
                         "WHERE id = 1"), {"tip": tip, "base": head.last_hash})


def downgrade():
    conn = op.get_bind()
    blanked = conn.execute(sa.text(
        "SELECT count(*) FROM ledger_entries WHERE number IS NULL OR (salt IS NULL AND "
        "digests <> '{}')")).scalar()
    if blanked:
        raise RuntimeError(f"{blanked} ledger entries hold erased or expired personal data: "
                           "the old format cannot verify them, so there is no way back")
    prev = GENESIS
    update = sa.text("UPDATE ledger_entries SET prev_hash = :prev_hash, "
                     "entry_hash = :entry_hash WHERE id = :id")
    for rows in _batches(conn, _OLD_FIELDS):
        changes = []
        for row in rows:
            row["prev_hash"] = prev
            prev = _old_hash(row)
            changes.append({"id": row["id"], "prev_hash": row["prev_hash"], "entry_hash": prev})
        conn.execute(update, changes)
    conn.execute(sa.text("UPDATE ledger_head SET last_hash = :tip WHERE id = 1"), {"tip": prev})
    op.drop_table("erased_numbers")
    for table, column, kind in reversed(_NULLABLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=kind, nullable=False)
    with op.batch_alter_table("ledger_head", schema=None) as batch_op:
        batch_op.drop_column("base_hash")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_column("digests")
        batch_op.drop_column("salt")
