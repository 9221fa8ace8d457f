"""The ledger commits to personal values by salted digests: blanking one keeps the chain
valid; changing one that remains (or the digest, or the salt beside a value) names its entry."""

from __future__ import annotations

import json

import pytest
from audit_support import record
from sqlalchemy import text

from smsgate.consent import ledger, personal
from smsgate.extensions import db
from smsgate.models import LedgerEntry
from smsgate.privacy.blanking import blank_entries

EVIDENCE = {"consent_text": "Yes, Acme deals", "url": "https://acme.example/join",
            "time": "2024-05-01T12:00:00Z", "ip": "203.0.113.7", "user_agent": "Mozilla/5.0",
            "email": "pat@example.com"}


@pytest.fixture
def entries(brand):
    """Three entries: an opt-in with personal evidence, a STOP with raw text, another opt-in."""
    ledger.append_many(db.session, [
        record("+14155550123", brand.id, "opt_in", "api", evidence=EVIDENCE),
        record("+14155550123", brand.id, "opt_out", "sms", keyword="STOP", raw_text="Stop pls",
               message_sid="SM" + "1" * 32, evidence={"to": "+14155550100"}),
        record("+14155550124", brand.id, "opt_in", "api", evidence=EVIDENCE)])
    db.session.commit()


def _tamper(sql: str, **params) -> None:
    db.session.execute(text(sql), params)
    db.session.commit()


def _outcome():
    result = ledger.verify(db.session())
    return result.ok, result.first_bad, result.reason


def test_only_personal_values_are_digested(entries):
    first = db.session.execute(text("SELECT digests, salt FROM ledger_entries WHERE id = 1")
                               ).one()
    assert set(json.loads(first.digests)) == {"number", "evidence.ip", "evidence.user_agent",
                                              "evidence.email"}
    assert len(first.salt) == 32
    second = json.loads(db.session.scalar(text("SELECT digests FROM ledger_entries "
                                               "WHERE id = 2")))
    assert set(second) == {"number", "raw_text"}


def test_blanked_values_still_verify(entries):
    assert blank_entries(db.session, [1, 2]) == 2
    db.session.commit()
    assert _outcome() == (True, None, None)
    first = db.session.execute(text("SELECT number, salt, evidence FROM ledger_entries "
                                    "WHERE id = 1")).one()
    assert (first.number, first.salt) == (None, None)
    assert json.loads(first.evidence) == {k: v for k, v in EVIDENCE.items()
                                          if k in personal.NON_PERSONAL_EVIDENCE}


def test_a_value_blanked_by_hand_is_accepted_too(entries):
    _tamper("UPDATE ledger_entries SET raw_text = NULL WHERE id = 2")
    assert _outcome() == (True, None, None)


@pytest.mark.parametrize(("sql", "bad"), [
    ("UPDATE ledger_entries SET number = '+14155550999' WHERE id = 3", 3),
    ("UPDATE ledger_entries SET raw_text = 'START' WHERE id = 2", 2),
    ("UPDATE ledger_entries SET evidence = replace(evidence, '203.0.113.7', '198.51.100.1') "
     "WHERE id = 3", 3),
    # A personal key that was never committed to, slipped into the evidence.
    ("UPDATE ledger_entries SET evidence = '{\"name\":\"Pat\",\"to\":\"+14155550100\"}' "
     "WHERE id = 2", 2),
    # A value kept while its salt is gone cannot be checked: refused, not trusted.
    ("UPDATE ledger_entries SET salt = NULL WHERE id = 2", 2),
    ("UPDATE ledger_entries SET salt = 'not hex' WHERE id = 1", 1),
    # The digests themselves are covered by the entry hash.
    ("UPDATE ledger_entries SET digests = '{}', number = NULL WHERE id = 2", 2),
    # The evidence the hash covers as is (no personal key) cannot change either.
    ("UPDATE ledger_entries SET evidence = replace(evidence, 'Yes, Acme deals', 'No') "
     "WHERE id = 1", 1),
])
def test_a_changed_value_that_remains_names_its_entry(entries, sql, bad):
    _tamper(sql)
    assert _outcome() == (False, bad, "entry altered")


def test_the_same_value_is_digested_differently_in_every_entry(entries):
    first, third = (json.loads(d) for d, in db.session.execute(text(
        "SELECT digests FROM ledger_entries WHERE id IN (1, 3) ORDER BY id")))
    assert first["evidence.ip"] != third["evidence.ip"]  # per-entry salt: nothing to link


def test_an_entry_hash_follows_the_documented_recipe(brand, monkeypatch):
    """Recomputed here without the ledger's code: SHA-256 of the canonical JSON of the
    hashed fields, where `digests` maps each personal value's name to
    HMAC-SHA256(salt, name NUL canonical_json(value)) and `evidence` lacks personal keys."""
    import hashlib
    import hmac

    salt = "5a" * 16
    monkeypatch.setattr(personal, "new_salts", lambda count: [salt] * count)
    ledger.append(db.session, record("+14155550123", brand.id, "opt_in", "api",
                                     evidence={"url": "https://a.example", "ip": "203.0.113.7"}))
    db.session.commit()
    row = db.session.execute(text("SELECT entry_hash, recorded_at FROM ledger_entries")).one()

    def mac(name: str, value: str) -> str:
        return hmac.new(bytes.fromhex(salt), f'{name}\0"{value}"'.encode(),
                        hashlib.sha256).hexdigest()

    digests = json.dumps({"evidence.ip": mac("evidence.ip", "203.0.113.7"),
                          "number": mac("number", "+14155550123")}, separators=(",", ":"))
    recorded = db.session.get(LedgerEntry, 1).recorded_at.isoformat(timespec="microseconds")
    payload = {"action": "opt_in", "api_key_id": None, "brand_id": brand.id,
               "digests": digests, "evidence": '{"url":"https://a.example"}', "id": 1,
               "keyword": None, "message_sid": None, "prev_hash": "0" * 64,
               "recorded_at": recorded, "scope": "brand", "source": "api"}
    text_ = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(text_.encode()).hexdigest() == row.entry_hash
