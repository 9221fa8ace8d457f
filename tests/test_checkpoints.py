"""Signed checkpoints: a ledger rewritten end to end (entries and head) passes `ledger verify`
but not `ledger verify --checkpoint`; the sweeper keeps taking them and refuses to sign a
rewrite; auditors fetch them over HTTP and check them offline with the public key alone."""

from __future__ import annotations

import ast
import base64
import logging
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from audit_support import bearer, issue, record, rewrite_from
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from smsgate import jobs
from smsgate.consent import checkpoint_note, checkpoints, ledger
from smsgate.consent.checkpoint_note import ORIGIN, Checkpoint, CheckpointError, open_note
from smsgate.extensions import db
from smsgate.models import GENESIS_HASH, LedgerHead

CHECKPOINT_PATH = "/api/v1/ledger/checkpoint"
NOTE_SCRIPT = Path(checkpoint_note.__file__)


pytest_plugins = ["audit_fixtures"]  # fixtures: store (this test's key and directory)


def append(brand, count: int, start: int = 0) -> None:
    actions = ["opt_in", "opt_out"]
    ledger.append_many(db.session, [
        record(f"+1415555{start + i:04d}", brand.id, actions[i % 2], "sms",
               raw_text=f"text {start + i}") for i in range(count)])
    db.session.commit()


def head_hash() -> str:
    return db.session.execute(select(LedgerHead.last_hash)).scalar_one()


def public_key_pem(runner) -> bytes:
    result = runner.invoke(args=["smsgate", "ledger", "public-key"])
    assert result.exit_code == 0, result.output
    return result.output.encode()


def take(runner) -> Path:
    result = runner.invoke(args=["smsgate", "ledger", "checkpoint"])
    assert result.exit_code == 0, result.output
    return Path(result.output.strip())


def verify_against(runner, tmp_path, checkpoint: Path, pem: bytes):
    key_file = tmp_path / "public.pem"
    key_file.write_bytes(pem)
    return runner.invoke(args=["smsgate", "ledger", "verify", "--checkpoint", str(checkpoint),
                               "--public-key", str(key_file)])


# --- taking a checkpoint ------------------------------------------------------------------------

def test_checkpoint_signs_size_and_head_in_the_documented_format(brand, runner, store):
    append(brand, 5)
    path = take(runner)
    assert path.parent == store.directory and path.name.startswith("checkpoint-000000000005-")
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[:3] == [ORIGIN, "5", base64.b64encode(bytes.fromhex(head_hash())).decode()]
    assert lines[3].startswith("time 20") and lines[4] == "" and lines[6] == ""
    assert lines[5].startswith(f"\u2014 {ORIGIN} ")
    public_key = serialization.load_pem_public_key(public_key_pem(runner))
    assert open_note(path.read_text(encoding="utf-8"), public_key) == Checkpoint(
        5, head_hash(), open_note(path.read_text(encoding="utf-8"), public_key).signed_at)
    assert stat.S_IMODE(store.key_path.stat().st_mode) == 0o600


def test_unmoved_head_reuses_the_latest_checkpoint_and_a_moved_one_gets_a_new_file(
        brand, runner, store):
    append(brand, 2)
    first = take(runner)
    assert take(runner) == first
    append(brand, 1, start=2)
    second = take(runner)
    assert second != first and store.latest() == (second, second.read_text(encoding="utf-8"))
    assert sorted(path.name for path in store.directory.iterdir()) == [first.name, second.name]


def test_the_key_is_made_once_and_reused(brand, runner, store):
    assert not store.key_path.exists()
    assert public_key_pem(runner) == public_key_pem(runner)
    assert store.key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_an_empty_ledger_can_be_checkpointed_and_later_extends_it(brand, runner, store,
                                                                  tmp_path):
    empty = take(runner)
    assert empty.read_text(encoding="utf-8").split("\n")[1] == "0"
    append(brand, 3)
    result = verify_against(runner, tmp_path, empty, public_key_pem(runner))
    assert result.exit_code == 0, result.output
    assert "extends the checkpoint of 0 entries" in result.output


# --- proving the ledger extends a checkpoint ----------------------------------------------------

def test_a_grown_ledger_extends_its_checkpoint(brand, runner, store, tmp_path):
    append(brand, 5)
    checkpoint = take(runner)
    append(brand, 4, start=5)
    result = verify_against(runner, tmp_path, checkpoint, public_key_pem(runner))
    assert result.exit_code == 0, result.output
    assert "ok: 9 entries" in result.output
    assert "extends the checkpoint of 5 entries" in result.output


def test_a_ledger_rewritten_end_to_end_passes_verify_but_not_the_checkpoint(
        brand, runner, store, tmp_path):
    append(brand, 5)
    checkpoint = take(runner)
    pem = public_key_pem(runner)
    rewrite_from(2, "START")

    plain = runner.invoke(args=["smsgate", "ledger", "verify"])
    assert plain.exit_code == 0, plain.output  # the chain alone cannot tell
    result = verify_against(runner, tmp_path, checkpoint, pem)
    assert result.exit_code == 1
    assert ("DOES NOT EXTEND the checkpoint: entry 5 does not have the hash the checkpoint "
            "signed: the ledger was rewritten") in result.output


def test_a_rewrite_after_the_checkpoint_position_is_caught_by_the_links(
        brand, runner, store, tmp_path):
    append(brand, 5)
    checkpoint = take(runner)
    append(brand, 3, start=5)
    # Entries 6..8 are rewritten from entry 6 on, but entry 5 is left alone: its hash still
    # matches the checkpoint, and the new chain from it is consistent, so this is a valid
    # extension (what a checkpoint cannot see is what happened after it).
    rewrite_from(6, "rewritten")
    assert verify_against(runner, tmp_path, checkpoint, public_key_pem(runner)).exit_code == 0
    # A link broken after the checkpoint (entry 7 no longer names entry 6) is caught.
    db.session.execute(text("UPDATE ledger_entries SET prev_hash = :h WHERE id = 7"),
                       {"h": "a" * 64})
    db.session.commit()
    assert runner.invoke(args=["smsgate", "ledger", "verify"]).exit_code == 1
    assert checkpoints.extends(db.session, open_note(
        checkpoint.read_text(encoding="utf-8"),
        serialization.load_pem_public_key(public_key_pem(runner)))) == \
        "entry 7 does not link to entry 6"


def test_a_truncated_ledger_does_not_extend_its_checkpoint(brand, runner, store, tmp_path):
    append(brand, 5)
    checkpoint = take(runner)
    db.session.execute(text("DELETE FROM consent_state"))
    db.session.execute(text("DELETE FROM ledger_entries WHERE id > 3"))
    last = db.session.execute(text("SELECT entry_hash FROM ledger_entries WHERE id = 3")).scalar()
    db.session.execute(text("UPDATE ledger_head SET last_id = 3, last_hash = :h"), {"h": last})
    db.session.commit()
    assert runner.invoke(args=["smsgate", "ledger", "verify"]).exit_code == 0
    result = verify_against(runner, tmp_path, checkpoint, public_key_pem(runner))
    assert result.exit_code == 1
    assert "the ledger has 3 entries, fewer than the checkpoint's 5" in result.output


def test_a_checkpoint_signed_by_another_key_or_altered_is_refused(brand, runner, store, tmp_path):
    append(brand, 2)
    checkpoint = take(runner)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    result = verify_against(runner, tmp_path, checkpoint, other)
    assert result.exit_code == 1 and "not signed by this public key" in result.output
    forged = tmp_path / "forged.txt"
    forged.write_text(checkpoint.read_text(encoding="utf-8").replace(f"{ORIGIN}\n2\n",
                                                                     f"{ORIGIN}\n1\n"))
    result = verify_against(runner, tmp_path, forged, public_key_pem(runner))
    assert result.exit_code == 1
    assert "the signature does not verify with this public key" in result.output


def test_checkpoint_and_public_key_options_go_together(brand, runner, store, tmp_path):
    append(brand, 1)
    result = runner.invoke(args=["smsgate", "ledger", "verify", "--checkpoint", str(take(runner))])
    assert result.exit_code == 2 and "--checkpoint and --public-key go together" in result.output
    not_a_key = tmp_path / "junk.pem"
    not_a_key.write_text("junk")
    result = runner.invoke(args=["smsgate", "ledger", "verify", "--checkpoint", str(take(runner)),
                                 "--public-key", str(not_a_key)])
    assert result.exit_code == 2 and "not a PEM public key" in result.output


# --- the sweeper refuses to sign a rewrite ------------------------------------------------------

def test_no_checkpoint_is_signed_over_a_rewritten_ledger(brand, runner, store):
    append(brand, 4)
    first = take(runner)
    rewrite_from(1, "rewritten")
    append(brand, 1, start=4)
    refused = runner.invoke(args=["smsgate", "ledger", "checkpoint"])
    assert refused.exit_code == 1
    assert f"the ledger does not extend {first.name}: entry 4 does not have the hash" \
        in refused.output
    errors: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = errors.append  # type: ignore[method-assign]
    logging.getLogger("smsgate").addHandler(handler)
    try:
        assert jobs.checkpoint() == "refused"
    finally:
        logging.getLogger("smsgate").removeHandler(handler)
    assert [record.msg for record in errors] == ["checkpoint_refused"]
    assert list(store.directory.iterdir()) == [first]


def test_a_broken_ledger_gets_no_first_checkpoint(brand, runner, store):
    append(brand, 3)
    db.session.execute(text("UPDATE ledger_entries SET raw_text = 'x' WHERE id = 2"))
    db.session.commit()
    refused = runner.invoke(args=["smsgate", "ledger", "checkpoint"])
    assert refused.exit_code == 1
    assert "the ledger does not verify (entry 2: entry altered)" in refused.output
    assert not store.directory.exists()


def test_the_sweeper_takes_a_checkpoint(brand, runner, store, twilio):
    append(brand, 2)
    result = runner.invoke(args=["smsgate", "sweep"])
    assert result.exit_code == 0, result.output
    path = store.latest()[0]
    assert f"checkpoint: {path}" in result.output
    assert path.read_text(encoding="utf-8").split("\n")[1] == "2"


# --- what the auditor gets -----------------------------------------------------------------------

def test_the_api_serves_the_latest_checkpoint_to_auditors(brand, client, runner, store):
    auditor = issue("auditor")
    missing = client.get(CHECKPOINT_PATH, headers=bearer(auditor))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "no_checkpoint"
    append(brand, 2)
    take(runner)
    append(brand, 1, start=2)
    latest = take(runner)
    response = client.get(CHECKPOINT_PATH, headers=bearer(auditor))
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.get_data() == latest.read_bytes()
    assert client.get(CHECKPOINT_PATH).status_code == 401
    assert client.get(CHECKPOINT_PATH, headers=bearer(issue("marketer"))).status_code == 403
    assert client.get(CHECKPOINT_PATH, headers=bearer(issue("auditor", "Acme"))).status_code == 200


def test_the_offline_check_needs_only_the_note_the_key_and_an_export(
        brand, runner, store, tmp_path):
    append(brand, 4)
    checkpoint = take(runner)
    append(brand, 2, start=4)
    key_file = tmp_path / "public.pem"
    key_file.write_bytes(public_key_pem(runner))
    export = tmp_path / "ledger.csv"
    assert runner.invoke(args=["smsgate", "ledger", "export", "-o", str(export)]).exit_code == 0
    # A copy of the one file, run from an empty folder: it needs no smsgate and no database.
    alone = tmp_path / "auditor"
    alone.mkdir()
    shutil.copy(NOTE_SCRIPT, alone / "checkpoint_note.py")

    def check(*files: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-I", "checkpoint_note.py", *map(str, files)],
                              cwd=alone, capture_output=True, text=True, timeout=60)

    ok = check(checkpoint, key_file, export)
    assert ok.returncode == 0, ok.stderr
    assert "signature ok: 4 entries" in ok.stdout
    assert f"the export extends it: 6 entries, head {head_hash()}" in ok.stdout

    rewrite_from(1, "rewritten")
    assert runner.invoke(args=["smsgate", "ledger", "export", "-o", str(export)]).exit_code == 0
    bad = check(checkpoint, key_file, export)
    assert bad.returncode == 1
    assert "DOES NOT EXTEND: entry 4 does not have the hash the checkpoint signed" in bad.stderr


def test_the_offline_checker_imports_nothing_from_smsgate():
    tree = ast.parse(NOTE_SCRIPT.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not [name for name in imported if name.startswith("smsgate")]
    assert checkpoint_note.GENESIS_HASH == GENESIS_HASH  # its copy of the one constant


# --- the note format ----------------------------------------------------------------------------

def _note(size: int = 7) -> tuple[str, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    from datetime import UTC, datetime

    return checkpoint_note.sign(Checkpoint(size, "ab" * 32, datetime(2026, 1, 5, tzinfo=UTC)),
                                key), key


def test_every_byte_of_the_body_is_covered_by_the_signature():
    note, key = _note()
    body_length = note.index("\n\n") + 1
    for position in range(body_length):
        altered = note[:position] + chr(ord(note[position]) ^ 1) + note[position + 1:]
        with pytest.raises(CheckpointError):
            open_note(altered, key.public_key())


def test_a_cosignature_by_another_key_is_ignored():
    note, key = _note()
    witness, _ = _note()
    cosigned = note + witness.split("\n\n", 1)[1].replace(ORIGIN, "witness.example/w", 1)
    assert open_note(cosigned, key.public_key()).size == 7


@pytest.mark.parametrize("garbage", ["", "no blank line\n", f"{ORIGIN}\n1\n\n- x y\n",
                                     "x" * 20_000, f"{ORIGIN}\n1\n\n\u2014 {ORIGIN} !!!\n"])
def test_malformed_notes_are_refused_with_a_reason(garbage):
    with pytest.raises(CheckpointError):
        open_note(garbage, Ed25519PrivateKey.generate().public_key())


# --- configuration and bad files ----------------------------------------------------------------

def test_checkpoint_paths_come_from_the_environment_or_the_instance(tmp_path):
    from smsgate.config import Settings

    named = Settings.from_env(str(tmp_path), {"SMSGATE_CHECKPOINT_KEY": "/keys/cp.pem",
                                              "SMSGATE_CHECKPOINT_DIR": "/srv/checkpoints"})
    assert checkpoints.CheckpointStore.of(named, str(tmp_path)) == checkpoints.CheckpointStore(
        Path("/keys/cp.pem"), Path("/srv/checkpoints"))
    default = Settings.from_env(str(tmp_path), {})
    assert checkpoints.CheckpointStore.of(default, str(tmp_path)) == checkpoints.CheckpointStore(
        tmp_path / "checkpoint_key.pem", tmp_path / "checkpoints")
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "`SMSGATE_CHECKPOINT_KEY`" in readme and "`SMSGATE_CHECKPOINT_DIR`" in readme


def test_a_key_file_that_is_not_an_ed25519_key_is_refused_with_a_message(brand, runner, store):
    store.key_path.parent.mkdir(parents=True)
    store.key_path.write_text("not a key")
    for command in ("checkpoint", "public-key"):
        result = runner.invoke(args=["smsgate", "ledger", command])
        assert result.exit_code == 1
        assert "does not hold an unencrypted Ed25519 private key in PEM" in result.output


def test_the_page_survives_a_broken_key_file(brand, client, runner, store):
    append(brand, 1)
    take(runner)
    store.key_path.write_text("not a key")
    client.post("/audit/session", data={"key": issue("auditor")})
    html = client.get("/audit").get_data(as_text=True)
    assert "the checkpoint cannot be checked on this machine" in html


def test_a_checkpoint_file_that_is_not_text_is_refused(brand, runner, store, tmp_path):
    append(brand, 1)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00")
    result = verify_against(runner, tmp_path, binary, public_key_pem(runner))
    assert result.exit_code == 1 and "the checkpoint file is not UTF-8 text" in result.output


def test_the_sweeper_defers_a_checkpoint_while_the_chain_head_is_missing(brand, store):
    db.session.execute(text("DELETE FROM ledger_head"))
    db.session.commit()
    assert jobs.checkpoint() == "deferred"
    assert not store.directory.exists()


# The known-answer example of Go's golang.org/x/mod/sumdb/note (its package documentation):
# Ed25519 signatures are deterministic, so signing its text with its key must give its note
# byte for byte, and any C2SP signed-note verifier accepts what this module writes.
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuG"
           "UgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def test_notes_match_go_sumdb_note_byte_for_byte():
    _, _, name, key_hash, material = GO_SIGNER_KEY.split("+", 4)
    seed = base64.b64decode(material)
    assert seed[0] == 1  # the Ed25519 type byte, then the 32-byte seed
    key = Ed25519PrivateKey.from_private_bytes(seed[1:])
    assert checkpoint_note.key_id(key.public_key(), name).hex() == key_hash
    assert checkpoint_note.sign_text(GO_TEXT, key, name) == GO_NOTE
    assert checkpoint_note.verified_text(GO_NOTE, key.public_key(), name) == GO_TEXT
    with pytest.raises(CheckpointError):
        checkpoint_note.verified_text(GO_NOTE.replace("cryptography", "cryptographY"),
                                      key.public_key(), name)
