"""The hash chain: appends link correctly, concurrent appends never fork, verify catches edits."""

from __future__ import annotations

import itertools
import threading

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.models import ConsentState, LedgerEntry, LedgerHead


def record(number: str, brand_id: int, action: str = "opt_in", **kw) -> ledger.ConsentRecord:
    return ledger.ConsentRecord(number=number, brand_id=brand_id, action=action, source="api",
                                **kw)


def test_entries_chain_each_to_the_one_before(brand):
    ids = ledger.append_many(db.session, [record(f"+1415555{i:04d}", brand.id)
                                          for i in range(5)])
    db.session.commit()
    assert ids == [1, 2, 3, 4, 5]
    entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert entries[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    head = db.session.get(LedgerHead, 1)
    assert (head.last_id, head.last_hash) == (5, entries[-1].entry_hash)
    assert ledger.verify(db.session).ok


def test_the_latest_entry_decides_the_current_state(brand):
    number = "+14155550123"
    ledger.append(db.session, record(number, brand.id, "opt_in"))
    ledger.append(db.session, record(number, brand.id, "opt_out"))
    db.session.commit()
    assert db.session.get(ConsentState, (number, brand.id)).action == "opt_out"
    ledger.append(db.session, record(number, brand.id, "opt_in"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ConsentState, (number, brand.id)).action == "opt_in"


def test_an_appended_entry_rolled_back_leaves_no_trace(brand):
    ledger.append(db.session, record("+14155550123", brand.id))
    db.session.rollback()
    ledger.append(db.session, record("+14155550124", brand.id))
    db.session.commit()
    assert [e.id for e in db.session.scalars(select(LedgerEntry))] == [1]
    assert ledger.verify(db.session).ok


def test_concurrent_appends_never_claim_the_same_predecessor(app, brand):
    brand_id, engine = brand.id, db.engine
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            with Session(engine) as session:
                for i in range(15):
                    ledger.append(session, record(f"+1415555{offset + i:04d}", brand_id))
                    session.commit()
        except BaseException as exc:  # noqa: BLE001 - surfaced below: it must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n * 100,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = ledger.verify(db.session)
    assert (result.ok, result.entries) == (True, 60)
    prevs = db.session.scalars(select(LedgerEntry.prev_hash)).all()
    assert len(set(prevs)) == 60


def test_verify_fails_after_a_raw_sql_edit_of_one_entry(brand):
    ledger.append_many(db.session, [record(f"+1415555{i:04d}", brand.id) for i in range(3)])
    db.session.commit()
    db.session.execute(text("UPDATE ledger_entries SET action = 'opt_out' WHERE id = 2"))
    db.session.commit()
    result = ledger.verify(db.session)
    assert (result.ok, result.first_bad, result.reason) == (False, 2, "entry altered")


def test_verify_fails_after_a_deletion(brand):
    # Three changes of one number: only the newest is referenced by consent_state.
    ledger.append_many(db.session, [record("+14155550123", brand.id, action)
                                    for action in ("opt_in", "opt_out", "opt_in")])
    db.session.commit()
    db.session.execute(text("DELETE FROM ledger_entries WHERE id = 2"))
    db.session.commit()
    result = ledger.verify(db.session)
    assert (result.ok, result.first_bad) == (False, 2)


def test_verify_fails_when_the_last_entry_is_deleted(brand):
    ledger.append_many(db.session, [record(f"+1415555{i:04d}", brand.id) for i in range(3)])
    db.session.commit()
    # The entry is the number's current state, so a tamperer must remove that too.
    db.session.execute(text("DELETE FROM consent_state WHERE entry_id = 3"))
    db.session.execute(text("DELETE FROM ledger_entries WHERE id = 3"))
    db.session.commit()
    result = ledger.verify(db.session)
    assert (result.ok, result.first_bad) == (False, 3)


def test_ledger_verify_cli_exits_0_then_1_after_tampering(brand, runner):
    ledger.append_many(db.session, [record(f"+1415555{i:04d}", brand.id) for i in range(3)])
    db.session.commit()
    ok = runner.invoke(args=["smsgate", "ledger", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "ok: 3 entries" in ok.output
    db.session.execute(text("UPDATE ledger_entries SET raw_text = 'x' WHERE id = 1"))
    db.session.commit()
    broken = runner.invoke(args=["smsgate", "ledger", "verify"])
    assert broken.exit_code == 1
    assert "entry 1" in broken.output


def test_a_stop_all_opts_out_of_every_brand_and_the_newest_entry_of_a_call_wins(brand):
    from smsgate.accounts.brands import create_brand

    bolt = create_brand(db.session, "Bolt", ["+14155550101"])
    number, other = "+14155550123", "+14155550124"
    ids = ledger.append_many(db.session, [
        record(number, brand.id, "opt_in"), record(number, bolt.id, "opt_in"),
        record(other, bolt.id, "opt_in"),
        record(number, brand.id, "opt_out", scope="all"),  # STOPALL, sent to Acme's number
        record(number, bolt.id, "opt_in"),  # back in for Bolt only
    ])
    db.session.commit()
    states = {(s.number, s.brand_id): (s.action, s.entry_id)
              for s in db.session.scalars(select(ConsentState))}
    assert states == {(number, brand.id): ("opt_out", ids[3]),
                      (number, bolt.id): ("opt_in", ids[4]),
                      (other, bolt.id): ("opt_in", ids[2])}


def test_an_append_without_a_chain_head_is_refused_as_unavailable_and_writes_nothing(brand):
    import pytest

    db.session.execute(text("DELETE FROM ledger_head"))
    db.session.commit()
    with pytest.raises(ledger.ChainHeadMissing) as refused:
        ledger.append(db.session, record("+14155550123", brand.id))
    assert (refused.value.status, refused.value.code) == (503, "database_unavailable")
    db.session.rollback()
    assert db.session.scalars(select(LedgerEntry)).all() == []
    assert db.session.scalars(select(ConsentState)).all() == []


def test_the_bulk_api_s_largest_append_keeps_one_state_row_per_number_and_brand(brand):
    from smsgate.accounts.brands import create_brand

    bolt = create_brand(db.session, "Bolt", ["+14155550101"])
    # 10,000 entries (the consents API's limit) over 2,500 numbers; every 7th a STOPALL.
    records = [record(f"+1415555{i % 2500:04d}", (brand.id, bolt.id)[i % 2],
                      ("opt_in", "opt_out")[i % 3 == 0], scope="all" if i % 7 == 0 else "brand")
               for i in range(10_000)]
    ids = ledger.append_many(db.session, records)
    db.session.commit()
    expected: dict[tuple[str, int], tuple[str, int]] = {}
    for entry_id, item in zip(ids, records, strict=True):
        for brand_id in ((brand.id, bolt.id) if item.scope == "all" else (item.brand_id,)):
            expected[(item.number, brand_id)] = (item.action, entry_id)
    states = {(s.number, s.brand_id): (s.action, s.entry_id)
              for s in db.session.scalars(select(ConsentState))}
    assert states == expected
    assert ledger.verify(db.session).entries == 10_000
