"""Proving the ledger unaltered: every kind of tampering is caught, over HTTP and the CLI."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from audit_support import VERIFY_PATH, bearer, issue, record
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.orm import Session

from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.models import LedgerEntry, LedgerHead, UTCDateTime

COLUMNS = ("recorded_at", "number", "brand_id", "scope", "action", "source", "keyword",
           "raw_text", "message_sid", "evidence", "api_key_id", "salt", "digests", "prev_hash",
           "entry_hash")


def build(brand, count: int = 5) -> str:
    """`count` changes of one number (only the last is referenced by consent_state)."""
    actions = ["opt_in", "opt_out"] * count
    ledger.append_many(db.session, [
        record("+14155550123", brand.id, actions[i], "sms", raw_text=f"text {i}",
               message_sid=f"SM{i:032d}") for i in range(count)])
    db.session.commit()
    return issue("auditor")


def verified(client, key: str) -> dict:
    response = client.get(VERIFY_PATH, headers=bearer(key))
    assert response.status_code == 200
    return response.get_json()


def tamper(sql: str, **params) -> None:
    db.session.execute(text(sql), params)
    db.session.commit()


def insert_after_head(brand, entry_hash_for) -> None:
    """A raw INSERT of entry N+1 after the last, linked to the real last hash; the head is
    left alone. `entry_hash_for(fields)` chooses the forged entry's hash."""
    head = db.session.get(LedgerHead, 1)
    fields, evidence = ledger.entry_fields(
        record("+14155550199", brand.id, "opt_in", "api", evidence={"ip": "203.0.113.9"}),
        datetime(2026, 1, 9, tzinfo=UTC), "5a" * 16)
    fields.update(id=head.last_id + 1, prev_hash=head.last_hash)
    fields["entry_hash"] = entry_hash_for(fields, evidence)
    statement = text(f"INSERT INTO ledger_entries (id, {', '.join(COLUMNS)}) "
                     f"VALUES (:id, {', '.join(':' + name for name in COLUMNS)})") \
        .bindparams(bindparam("recorded_at", type_=UTCDateTime()))
    db.session.execute(statement, fields)
    db.session.commit()


def test_intact_ledger_verifies(brand, client):
    key = build(brand)
    assert verified(client, key) == {
        "ok": True, "entries": 5, "first_bad": None, "reason": None,
        "head_hash": db.session.get(LedgerHead, 1).last_hash}


def test_empty_ledger_verifies(brand, client):
    assert verified(client, issue("auditor"))["ok"] is True


def test_edited_entry_is_detected(brand, client):
    key = build(brand)
    tamper("UPDATE ledger_entries SET raw_text = 'START' WHERE id = 3")
    result = verified(client, key)
    assert (result["ok"], result["entries"], result["first_bad"], result["reason"]) == (
        False, 2, 3, "entry altered")


def test_deleted_entry_is_detected(brand, client):
    key = build(brand)
    tamper("DELETE FROM ledger_entries WHERE id = 2")
    result = verified(client, key)
    assert (result["ok"], result["first_bad"], result["reason"]) == (False, 2, "entry missing")


def test_reordered_pair_is_detected(brand, client):
    key = build(brand)
    # Swap the whole contents of entries 2 and 3, keeping their ids (their positions).
    rows = {row.id: row._mapping for row in db.session.execute(
        select(LedgerEntry.__table__).where(LedgerEntry.id.in_([2, 3])))}
    assignments = ", ".join(f"{name} = :{name}" for name in COLUMNS)
    statement = text(f"UPDATE ledger_entries SET {assignments} WHERE id = :id") \
        .bindparams(bindparam("recorded_at", type_=UTCDateTime()))
    # entry_hash is unique: park entry 2 on a placeholder while entry 3 takes its contents.
    db.session.execute(statement, {**rows[3], "id": 2, "entry_hash": "f" * 64})
    db.session.execute(statement, {**rows[2], "id": 3})
    db.session.execute(text("UPDATE ledger_entries SET entry_hash = :h WHERE id = 2"),
                       {"h": rows[3]["entry_hash"]})
    db.session.commit()
    result = verified(client, key)
    assert (result["ok"], result["first_bad"]) == (False, 2)
    assert result["reason"] == "link to previous entry broken"


def test_forged_entry_appended_with_a_wrong_hash_is_detected(brand, client):
    key = build(brand)
    insert_after_head(brand, lambda fields, evidence: hashlib.sha256(b"forged").hexdigest())
    result = verified(client, key)
    assert (result["ok"], result["first_bad"], result["reason"]) == (False, 6, "entry altered")


def test_forged_entry_with_a_correct_hash_is_caught_by_the_head(brand, client):
    key = build(brand)
    insert_after_head(brand, ledger.compute_hash)
    result = verified(client, key)
    assert (result["ok"], result["first_bad"]) == (False, 6)
    assert result["reason"] == "entry not recorded by the head"


def test_deleted_last_entry_is_caught_by_the_head(brand, client):
    key = build(brand)
    tamper("DELETE FROM consent_state")
    tamper("DELETE FROM ledger_entries WHERE id = 5")
    result = verified(client, key)
    assert (result["ok"], result["first_bad"], result["reason"]) == (False, 5, "entry missing")


def test_append_committed_during_verification_is_not_reported_as_tampering(app, brand):
    build(brand, 3)
    appended = []

    def append_once(_step: int) -> None:
        if not appended:  # a webhook commits a STOP while the auditor's walk is under way
            with Session(db.engine) as other:
                appended.extend(ledger.append_many(other, [record("+14155550177", brand.id)]))
                other.commit()

    result = ledger.verify(db.session, on_progress=append_once)
    assert appended == [4]
    assert (result.ok, result.entries, result.first_bad) == (True, 4, None)


def test_verification_streams_rows_through_yield_per(app, brand):
    """A million entries must not be loaded at once: the walk fetches in batches, through a
    server-side cursor on PostgreSQL (sqlite3 steps its cursor lazily by itself)."""
    build(brand, 3)
    seen = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        if "FROM ledger_entries" in statement and "ORDER BY ledger_entries.id" in statement:
            seen.append((context.execution_options.get("yield_per"), type(cursor).__name__))

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        assert ledger.verify(db.session).ok
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    assert seen and all(batch == 5000 for batch, _ in seen)
    if db.engine.dialect.name == "postgresql":
        assert {cursor for _, cursor in seen} == {"ServerCursor"}


def test_verify_needs_an_auditor_key(brand, client):
    assert client.get(VERIFY_PATH).status_code == 401
    response = client.get(VERIFY_PATH, headers=bearer(issue("marketer")))
    assert response.status_code == 403
    assert client.get(VERIFY_PATH, headers=bearer(issue("admin"))).status_code == 200
    assert client.get(VERIFY_PATH, headers=bearer(issue("auditor", "Acme"))).status_code == 200


def test_ledger_verify_cli_exits_0_when_intact_and_1_naming_the_broken_entry(brand, runner):
    build(brand)
    ok = runner.invoke(args=["smsgate", "ledger", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "ok: 5 entries" in ok.output
    tamper("UPDATE ledger_entries SET evidence = '{\"ip\":\"198.51.100.1\"}' WHERE id = 4")
    broken = runner.invoke(args=["smsgate", "ledger", "verify"])
    assert broken.exit_code == 1
    assert "BROKEN at entry 4: entry altered" in broken.output
