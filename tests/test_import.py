"""`smsgate consents import`: good rows recorded per chunk, every bad row refused by line."""

from __future__ import annotations

import json

from factories import INBOUND_PATH, inbound
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from smsgate.consent import ledger
from smsgate.extensions import db
from smsgate.models import ConsentState, LedgerEntry

HEADER = "number,action,time,consent_text,url,ip\n"
FORM = "2024-05-01T12:00:00Z,Yes text me Acme deals,https://acme.example/join,203.0.113.7"


def run_import(runner, tmp_path, text: str, *options: str):
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["smsgate", "consents", "import", str(path), "--brand", "Acme",
                               *options])


def ledger_rows():
    db.session.expire_all()
    return db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()


def test_an_import_records_good_rows_and_refuses_each_bad_one_with_its_line(
        runner, tmp_path, brand, post_signed):
    post_signed(INBOUND_PATH, inbound("STOP", sender="+14155552005"))  # after 2024-05-01
    text = (HEADER
            + f"+14155552001,opt_in,{FORM}\n"              # line 2: recorded
            + "(415) 555-2002,opt_out,,,,\n"               # line 3: recorded, E.164
            + f"12345,opt_in,{FORM}\n"                     # line 4: invalid number
            + "+14155552003,opt_in,,,,\n"                  # line 5: no evidence
            + f"+14155552004,maybe,{FORM}\n"               # line 6: bad action
            + "+14155552004,opt_in\n"                      # line 7: too few cells
            + f"+14155552005,opt_in,{FORM}\n"              # line 8: predates the STOP
            + "\n"
            + '+14155552006,opt_in,2024-05-01T12:00:00Z,"multi\nline",https://a.example,\n')
    result = run_import(runner, tmp_path, text, "--chunk", "3")
    assert result.exit_code == 1
    refusals = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in refusals] == [
        "line 4", "line 5", "line 6", "line 7", "line 8"]
    assert "invalid_number" in refusals[0]
    assert "evidence.consent_text" in refusals[1]
    assert "consent_predates_opt_out" in refusals[4]
    assert "3 recorded, 5 refused" in result.output
    imported = [entry for entry in ledger_rows() if entry.source == "import"]
    assert [(e.number, e.action) for e in imported] == [
        ("+14155552001", "opt_in"), ("+14155552002", "opt_out"), ("+14155552006", "opt_in")]
    assert json.loads(imported[0].evidence)["url"] == "https://acme.example/join"
    assert json.loads(imported[2].evidence)["consent_text"] == "multi\nline"
    state = db.session.get(ConsentState, ("+14155552001", brand.id))
    assert state.action == "opt_in"


def test_a_header_naming_an_unknown_column_imports_nothing(runner, tmp_path, brand):
    result = run_import(runner, tmp_path, "number,action,consent_txt\n+14155552001,opt_out,x\n")
    assert result.exit_code == 1
    assert "unknown: consent_txt" in result.output
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_a_clean_file_exits_zero_and_its_chain_verifies(runner, tmp_path, brand):
    rows = "".join(f"+1415555{3000 + i:04d},opt_in,{FORM}\n" for i in range(25))
    result = run_import(runner, tmp_path, HEADER + rows, "--chunk", "10")
    assert result.exit_code == 0, result.output
    assert "25 recorded, 0 refused" in result.output
    verified = runner.invoke(args=["smsgate", "ledger", "verify"])
    assert verified.exit_code == 0 and "25 entries" in verified.output


def test_an_opt_out_landing_between_a_chunks_check_and_its_append_is_honoured(
        runner, tmp_path, brand):
    """A STOP committed by another connection just before the chunk claims the chain head:
    the chunk is rolled back and imported again, and the opt-in it now predates is refused."""
    target = "+14155552001"
    raced = []

    def stop_arrives(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE LEDGER_HEAD") and not raced:
            raced.append(True)
            with db.engine.connect() as other, other.begin():
                ledger.append(Session(bind=other), ledger.ConsentRecord(
                    number=target, brand_id=brand.id, action="opt_out", source="sms"))

    event.listen(db.engine, "before_cursor_execute", stop_arrives)
    try:
        result = run_import(runner, tmp_path, HEADER + f"{target},opt_in,{FORM}\n")
    finally:
        event.remove(db.engine, "before_cursor_execute", stop_arrives)
    assert raced
    assert result.exit_code == 1
    assert "line 2: consent_predates_opt_out" in result.output
    assert [(e.number, e.action, e.source) for e in ledger_rows()] == [
        (target, "opt_out", "sms")]
