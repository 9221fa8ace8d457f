"""Helpers shared by the audit tests: keys, a frozen ledger clock, ledger builders, CSV parsing.

Their fixtures live in `audit_fixtures` (loaded with `pytest_plugins`).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, text

from smsgate.accounts.apikeys import issue_key
from smsgate.accounts.brands import create_brand
from smsgate.consent import ledger, personal
from smsgate.extensions import db
from smsgate.models import GENESIS_HASH, LedgerEntry, UTCDateTime

CSV_PATH = "/api/v1/ledger.csv"
VERIFY_PATH = "/api/v1/ledger/verify"


class FrozenClock:
    """What `ledger.append` believes the time is; tests move it by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

    def set(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso)


def issue(role: str, brand: str | None = None) -> str:
    """A committed API key's secret."""
    secret = issue_key(db.session, role, brand).secret
    db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def add_brand(name: str, number: str):
    created = create_brand(db.session, name, [number])
    db.session.commit()
    return created


def record(number: str, brand_id: int, action: str = "opt_in", source: str = "api",
           **fields) -> ledger.ConsentRecord:
    return ledger.ConsentRecord(number=number, brand_id=brand_id, action=action, source=source,
                                **fields)


def append_at(clock: FrozenClock, when: str, *records: ledger.ConsentRecord) -> list[int]:
    """Append `records` recorded at ISO time `when`, and commit."""
    clock.set(when)
    ids = ledger.append_many(db.session, list(records))
    db.session.commit()
    return ids


def csv_rows(data: bytes) -> list[list[str]]:
    """Parse a CSV export (header row included)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def ids_of(data: bytes) -> list[int]:
    """The entry ids in a CSV export, in order."""
    return [int(row[0]) for row in csv_rows(data)[1:]]


def rewrite_from(entry_id: int, raw_text: str) -> None:
    """What an attacker with database access does: edit entry `entry_id`, recompute its hash
    and every later one's (links included), and move the head to the new last hash."""
    entries = LedgerEntry.__table__
    rows = [dict(row._mapping) for row in db.session.execute(
        select(entries).where(entries.c.id >= entry_id).order_by(entries.c.id))]
    prev = db.session.execute(select(entries.c.entry_hash)
                              .where(entries.c.id == entry_id - 1)).scalar_one_or_none()
    rows[0]["raw_text"] = raw_text
    for row in rows:
        # Everything the hash covers is recomputed, the edited value's digest included.
        evidence = json.loads(row["evidence"])
        hashed_evidence, row["digests"] = personal.commit(row["salt"], row["number"],
                                                          row["raw_text"], evidence)
        row["prev_hash"] = prev or GENESIS_HASH
        row["entry_hash"] = prev = ledger.compute_hash(row, hashed_evidence)
    # entry_hash is unique: park the rewritten rows on placeholders first.
    db.session.execute(text("UPDATE ledger_entries SET entry_hash = 'x' || CAST(id AS TEXT) "
                            "WHERE id >= :id"), {"id": entry_id})
    db.session.execute(
        text("UPDATE ledger_entries SET raw_text = :raw_text, digests = :digests, "
             "prev_hash = :prev_hash, entry_hash = :entry_hash, recorded_at = :recorded_at "
             "WHERE id = :id")
        .bindparams(bindparam("recorded_at", type_=UTCDateTime())), rows)
    db.session.execute(text("UPDATE ledger_head SET last_hash = :h"), {"h": prev})
    db.session.commit()
