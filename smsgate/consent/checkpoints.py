"""Signed checkpoints of the ledger's head, kept outside the database.

An attacker with database access can rewrite every entry and the head so that `ledger
verify` still passes; they cannot rewrite a checkpoint signed with a key the database never
held and kept in files they cannot reach. `take` signs the current size and head hash
(format: `smsgate.consent.checkpoint_note`, docs/checkpoints.md) and writes it to the
checkpoint directory; `extends` proves the current ledger grew from a checkpoint.

`take` refuses to sign a ledger that does not extend the latest checkpoint: otherwise the
next scheduled checkpoint would sign a rewritten ledger and launder the rewrite. The first
checkpoint is signed only after a full `verify`.

Reads the head (`ledger_head`) and the entries' `id`, `prev_hash` and `entry_hash` only, so
it does not depend on how an entry's hash is computed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from smsgate.config import Settings, write_once
from smsgate.consent.checkpoint_note import (
    Checkpoint,
    CheckpointError,
    extension_problem,
    open_note,
    parse_unverified,
    sign,
)
from smsgate.consent.ledger import ChainHeadMissing, verify
from smsgate.errors import Conflict, InvalidInput
from smsgate.models import LedgerEntry, LedgerHead, utcnow

PAGE_WALK_LIMIT = 100_000  # entries a page follows from a checkpoint (some 0.4 s on PostgreSQL)
KEY_FILE = "checkpoint_key.pem"  # default key file, in the instance folder
DIRECTORY = "checkpoints"  # default checkpoint directory, in the instance folder


class LedgerDoesNotExtend(Conflict):
    """The ledger is not a continuation of a signed checkpoint: it was rewritten, truncated
    or rolled back (a restored backup older than the checkpoint)."""

    code = "ledger_does_not_extend_checkpoint"


@dataclass(frozen=True)
class Taken:
    """A checkpoint file and what it states; `new` is False when the head had not moved
    since the latest checkpoint, whose file is then returned rather than a copy written."""

    path: Path
    checkpoint: Checkpoint
    new: bool


@dataclass(frozen=True)
class CheckpointStore:
    """Where the signing key and the checkpoint files live."""

    key_path: Path
    directory: Path

    @classmethod
    def of(cls, settings: Settings, instance_path: str) -> CheckpointStore:
        """The store `settings` name (SMSGATE_CHECKPOINT_KEY/_DIR), else the instance's."""
        instance = Path(instance_path)
        return cls(Path(settings.checkpoint_key or instance / KEY_FILE),
                   Path(settings.checkpoint_dir or instance / DIRECTORY))

    @classmethod
    def current(cls) -> CheckpointStore:
        """The store of the app in context (the edges' one way to find it)."""
        return cls.of(current_app.config["SMSGATE"], current_app.instance_path)

    def private_key(self) -> Ed25519PrivateKey:
        """The signing key, made (mode 0600) on first use; of two sweepers starting together
        the first one's key wins and both use it (`write_once`)."""
        if not self.key_path.exists():
            write_once(self.key_path, Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        try:
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        except (ValueError, TypeError):  # not PEM, or a passphrase-protected key
            key = None
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput(f"{self.key_path} does not hold an unencrypted Ed25519 "
                               "private key in PEM",
                               code="checkpoint_key_invalid")
        return key

    def public_key(self) -> Ed25519PublicKey | None:
        """The signing key's public half, or None when this machine has no key yet (it is
        never made here: a web process only reads)."""
        if not self.key_path.exists():
            return None
        return self.private_key().public_key()

    def latest(self) -> tuple[Path, str] | None:
        """The newest checkpoint file and its text (names sort by size, then time)."""
        if not self.directory.is_dir():
            return None
        names = sorted(path.name for path in self.directory.glob("checkpoint-*.txt"))
        if not names:
            return None
        path = self.directory / names[-1]
        return path, path.read_text(encoding="utf-8")

    def write(self, checkpoint: Checkpoint, text: str) -> Path:
        """Write `text` under a name that sorts after every smaller or older checkpoint;
        renamed into place, so a reader never sees half a file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = checkpoint.signed_at.strftime("%Y%m%dT%H%M%SZ")
        path = self.directory / f"checkpoint-{checkpoint.size:012d}-{stamp}.txt"
        draft = self.directory / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
        draft.write_text(text, encoding="utf-8")
        os.replace(draft, path)
        return path


def head(session: Session) -> tuple[int, str]:
    """The ledger's size and head hash, as the `ledger_head` row states them."""
    row = session.execute(select(LedgerHead.last_id, LedgerHead.last_hash)
                          .where(LedgerHead.id == 1)).first()
    if row is None:  # a schema still being created, or a broken restore
        raise ChainHeadMissing()
    return row.last_id, row.last_hash


def extends(session: Session, checkpoint: Checkpoint) -> str | None:
    """Why the current ledger does not extend `checkpoint`, or None when it does: the
    entry at its size has its hash and every later entry links to the one before, up to
    the head. Streams only the entries since the checkpoint (a few minutes' worth when the
    sweeper takes one every few minutes)."""
    size, head_hash = head(session)
    rows = session.execute(
        select(LedgerEntry.id, LedgerEntry.prev_hash, LedgerEntry.entry_hash)
        .where(LedgerEntry.id >= checkpoint.size, LedgerEntry.id <= size)
        .order_by(LedgerEntry.id).execution_options(yield_per=5000))
    return extension_problem(checkpoint, ((r[0], r[1], r[2]) for r in rows), size, head_hash)


@dataclass(frozen=True)
class Status:
    """The latest checkpoint as the audit page shows it."""

    name: str
    text: str
    checkpoint: Checkpoint | None  # None: the file is not a checkpoint at all
    signature: str  # "verified", "not checked (...)" or why it does not verify
    problem: str | None  # why the ledger does not extend it; None when it does
    unwalked: int = 0  # entries since it whose links were not followed (too many for a page)


def anchored(session: Session, checkpoint: Checkpoint) -> str | None:
    """Why the entry at the checkpoint's size does not have the hash it signed (any rewrite
    of the entries it covers changes that hash), or None when it does. One row read."""
    if checkpoint.size == 0:
        return extension_problem(checkpoint, [], 0, checkpoint.head_hash)
    row = session.execute(select(LedgerEntry.id, LedgerEntry.prev_hash, LedgerEntry.entry_hash)
                          .where(LedgerEntry.id == checkpoint.size)).first()
    if row is None:
        return extension_problem(checkpoint, [], checkpoint.size, "")
    return extension_problem(checkpoint, [(row[0], row[1], row[2])], checkpoint.size, row[2])


def latest_status(session: Session, store: CheckpointStore,
                  walk_limit: int | None = None) -> Status | None:
    """The latest checkpoint, whether its signature verifies with this machine's key, and
    whether the ledger extends it; None when none was taken. When more than `walk_limit`
    entries came after it, only the entry at its size is checked (`anchored`), so a page
    stays fast when the sweeper has not run for a long time."""
    latest = store.latest()
    if latest is None:
        return None
    path, text = latest
    try:
        public_key = store.public_key()
    except InvalidInput as exc:
        return Status(path.name, text, None, f"not checked ({exc.message})",
                      "the checkpoint cannot be checked on this machine")
    try:
        if public_key is None:
            checkpoint = parse_unverified(text)
            signature = "not checked (no signing key on this machine)"
        else:
            checkpoint, signature = open_note(text, public_key), "verified"
    except CheckpointError as exc:
        return Status(path.name, text, None, str(exc), "the file is not a valid checkpoint")
    since = head(session)[0] - checkpoint.size
    if since > (PAGE_WALK_LIMIT if walk_limit is None else walk_limit):
        return Status(path.name, text, checkpoint, signature, anchored(session, checkpoint),
                      unwalked=since)
    return Status(path.name, text, checkpoint, signature, extends(session, checkpoint))


def take(session: Session, store: CheckpointStore) -> Taken:
    """Sign the current head and write it to the store, unless it is already the latest.

    Raises LedgerDoesNotExtend when the ledger is not a continuation of the latest
    checkpoint (or, for the first checkpoint, when `verify` fails): nothing is signed then.
    """
    private_key = store.private_key()
    size, head_hash = head(session)
    latest = store.latest()
    if latest is None:
        result = verify(session)
        if not result.ok:
            raise LedgerDoesNotExtend(f"the ledger does not verify (entry {result.first_bad}: "
                                      f"{result.reason}); no checkpoint signed")
    else:
        path, text = latest
        try:
            previous = open_note(text, private_key.public_key())
        except CheckpointError as exc:
            raise LedgerDoesNotExtend(f"{path.name}: {exc}; no checkpoint signed") from None
        problem = extends(session, previous)
        if problem:
            raise LedgerDoesNotExtend(f"the ledger does not extend {path.name}: {problem}; "
                                      "no checkpoint signed")
        if (previous.size, previous.head_hash) == (size, head_hash):
            return Taken(path, previous, new=False)
    checkpoint = Checkpoint(size, head_hash, utcnow().replace(microsecond=0))
    return Taken(store.write(checkpoint, sign(checkpoint, private_key)), checkpoint, new=True)
