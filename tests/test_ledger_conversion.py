"""Migration 0007 converts a ledger written in the old format: it verifies the old chain,
hashes every entry again with salted digests, and links entry 1 to the old head, so that a
head recorded before the upgrade is still committed to. A broken old chain stops it."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import bindparam, inspect, text
from test_migrations import migration_app  # noqa: F401 - the fixture: a fresh database

from smsgate.consent import ledger, personal
from smsgate.extensions import db
from smsgate.models import GENESIS_HASH, UTCDateTime

_PATH = Path(__file__).parent.parent / "migrations" / "versions" / "0007_personal_data.py"
_SPEC = importlib.util.spec_from_file_location("migration_0007", _PATH)
MIGRATION = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(MIGRATION)
COLUMNS = MIGRATION._OLD_FIELDS + ("entry_hash",)


def _old_ledger(count: int = 6) -> str:
    """Write `count` entries hashed as revisions 0002 to 0006 did, with a brand and the head; return
    the head hash."""
    db.session.execute(text("INSERT INTO brands (id, name, frequency_text, "
                            "messages_per_second, created_at) VALUES (1, 'Acme', 'x', 1, "
                            ":now)"), {"now": datetime(2025, 1, 1, tzinfo=UTC)})
    prev = GENESIS_HASH
    for i in range(1, count + 1):
        row = {"id": i, "recorded_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=i),
               "number": f"+1415555{i:04d}", "brand_id": 1, "scope": "brand",
               "action": "opt_in" if i % 2 else "opt_out", "source": "api",
               "keyword": None, "raw_text": f"text {i}", "message_sid": None,
               "evidence": personal.canonical_json({"ip": "203.0.113.7", "url": "https://a.b"}),
               "api_key_id": None, "prev_hash": prev}
        prev = row["entry_hash"] = MIGRATION._old_hash(row)
        db.session.execute(text(f"INSERT INTO ledger_entries ({', '.join(COLUMNS)}) VALUES "
                                f"({', '.join(':' + c for c in COLUMNS)})")
                           .bindparams(bindparam("recorded_at", type_=UTCDateTime())), row)
    db.session.execute(text("UPDATE ledger_head SET last_id = :n, last_hash = :h"),
                       {"n": count, "h": prev})
    db.session.commit()
    return prev


def test_an_old_ledger_is_converted_and_verifies_committing_to_its_old_head(migration_app):  # noqa: F811
    flask_migrate.upgrade(revision="0006")
    old_head = _old_ledger()
    flask_migrate.upgrade()
    result = ledger.verify(db.session())
    assert (result.ok, result.entries) == (True, 6)
    assert result.head_hash != old_head
    first = db.session.execute(text("SELECT prev_hash, salt, digests, evidence FROM "
                                    "ledger_entries WHERE id = 1")).one()
    assert first.prev_hash == old_head
    assert db.session.scalar(text("SELECT base_hash FROM ledger_head")) == old_head
    assert set(json.loads(first.digests)) == {"number", "raw_text", "evidence.ip"}
    # The converted entries are in the new format: a value changed is caught.
    db.session.execute(text("UPDATE ledger_entries SET raw_text = 'edited' WHERE id = 4"))
    db.session.commit()
    assert ledger.verify(db.session()).first_bad == 4


def test_a_broken_old_ledger_stops_the_upgrade(migration_app):  # noqa: F811
    flask_migrate.upgrade(revision="0006")
    _old_ledger()
    db.session.execute(text("UPDATE ledger_entries SET raw_text = 'edited' WHERE id = 3"))
    db.session.commit()
    with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits 1
        flask_migrate.upgrade()
    db.session.rollback()
    assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == "0006"
    assert "salt" not in {c["name"] for c in inspect(db.engine).get_columns("ledger_entries")}


def test_the_conversion_goes_down_again_when_nothing_was_erased(migration_app):  # noqa: F811
    flask_migrate.upgrade(revision="0006")
    old_head = _old_ledger()
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="0006")
    assert db.session.scalar(text("SELECT last_hash FROM ledger_head")) == old_head
