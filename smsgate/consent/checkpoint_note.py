"""Signed checkpoints of the consent ledger: the text format, signing, checking, extension.

A checkpoint is a C2SP signed note (the format of Go's checksum database and Sigstore's
transparency log checkpoints, https://c2sp.org/signed-note and https://c2sp.org/tlog-checkpoint),
documented byte for byte in docs/checkpoints.md::

    smsgate/consent-ledger
    42
    <base64 of the 32-byte head hash>
    time 2026-12-06T03:10:00Z

    — smsgate/consent-ledger <base64 of 4-byte key id + 64-byte Ed25519 signature>

The signature covers the body: every line above the blank one, each ending in a newline.

This module imports nothing from smsgate, only the standard library and `cryptography`, so
an auditor can copy this one file and check a checkpoint, and an unfiltered CSV export
against it, with the public key alone and no database: ``python checkpoint_note.py
CHECKPOINT PUBLIC_KEY.pem [EXPORT.csv]``. The gateway uses the same functions, so the
offline check and `smsgate ledger verify --checkpoint` cannot disagree on the format.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ORIGIN = "smsgate/consent-ledger"  # the log's name; also the signing key's name
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space start every signature line
ED25519_KEY_TYPE = b"\x01"  # C2SP's signature-type byte for Ed25519 keys
GENESIS_HASH = "0" * 64  # the `prev_hash` of entry 1: what an empty ledger's head is
MAX_NOTE_BYTES = 16_384  # a checkpoint is some 200 bytes; anything larger is not one


class CheckpointError(ValueError):
    """A checkpoint that is malformed or whose signature does not verify with the key."""


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint commits to: the ledger's size (entries) and its head hash (hex)."""

    size: int
    head_hash: str
    signed_at: datetime


def key_id(public_key: Ed25519PublicKey, name: str = ORIGIN) -> bytes:
    """C2SP's 4-byte key id: SHA-256(name, newline, type byte, raw public key)[:4]."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n" + ED25519_KEY_TYPE + raw).digest()[:4]


def body_text(checkpoint: Checkpoint) -> str:
    """The signed body of `checkpoint`: origin, size, base64 head hash, the time line."""
    root = base64.b64encode(bytes.fromhex(checkpoint.head_hash)).decode()
    when = checkpoint.signed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{ORIGIN}\n{checkpoint.size}\n{root}\ntime {when}\n"


def sign(checkpoint: Checkpoint, private_key: Ed25519PrivateKey) -> str:
    """The complete signed note for `checkpoint`."""
    return sign_text(body_text(checkpoint), private_key)


def open_note(text: str, public_key: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint `text` states, once its signature by `public_key` verifies.

    Raises CheckpointError naming what is wrong.
    """
    return _parse_body(verified_text(text, public_key))


def sign_text(body: str, private_key: Ed25519PrivateKey, name: str = ORIGIN) -> str:
    """A C2SP signed note of `body` (lines ending in newlines) by key `name`."""
    signature = private_key.sign(body.encode())
    blob = base64.b64encode(key_id(private_key.public_key(), name) + signature).decode()
    return f"{body}\n{SIGNATURE_PREFIX}{name} {blob}\n"


def verified_text(text: str, public_key: Ed25519PublicKey, name: str = ORIGIN) -> str:
    """The body of signed note `text`, once a signature by key `name` verifies.

    Signature lines by other keys (a witness's cosignature) are allowed and ignored; one
    line by this key must verify. Raises CheckpointError naming what is wrong.
    """
    if len(text.encode()) > MAX_NOTE_BYTES:
        raise CheckpointError("not a checkpoint: too large")
    body, separator, signatures = text.partition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise CheckpointError("not a signed note: no blank line before the signatures")
    body += "\n"
    wanted = key_id(public_key, name)
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise CheckpointError("not a signed note: a signature line must start with '\u2014 '")
        signer, _, blob = line[len(SIGNATURE_PREFIX):].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error:
            raise CheckpointError("not a signed note: a signature is not base64") from None
        if signer != name or raw[:4] != wanted:
            continue
        try:
            public_key.verify(raw[4:], body.encode())
        except InvalidSignature:
            raise CheckpointError("the signature does not verify with this public key") from None
        return body
    raise CheckpointError("not signed by this public key")


def parse_unverified(text: str) -> Checkpoint:
    """What `text` claims, its signature NOT checked: only for showing a checkpoint where no
    key is at hand, never as proof."""
    body, separator, _ = text.partition("\n\n")
    if not separator:
        raise CheckpointError("not a signed note: no blank line before the signatures")
    return _parse_body(body + "\n")


def _parse_body(body: str) -> Checkpoint:
    lines = body[:-1].split("\n")
    if len(lines) < 4 or lines[0] != ORIGIN:
        raise CheckpointError(f"not a checkpoint of {ORIGIN}")
    size, root, when = lines[1], lines[2], lines[3]
    if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")):
        raise CheckpointError("the size line is not a whole number")
    try:
        head = base64.b64decode(root, validate=True)
        signed_at = datetime.strptime(when, "time %Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (binascii.Error, ValueError):
        raise CheckpointError("the head hash or time line is malformed") from None
    if len(head) != 32:
        raise CheckpointError("the head hash is not 32 bytes")
    return Checkpoint(int(size), head.hex(), signed_at)


def extension_problem(checkpoint: Checkpoint, entries: Iterable[tuple[int, str, str]],
                      head_size: int, head_hash: str) -> str | None:
    """Why a ledger does not extend `checkpoint`, or None when it does.

    `entries` are (id, prev_hash, entry_hash) in id order, from entry `checkpoint.size` (from
    entry 1 when it is 0) through the head; `head_size` and `head_hash` are the head's. The
    entry at the checkpoint's size must have its hash, and each later one must link to the
    one before it up to the head. Entry hashes are not recomputed here: `ledger verify` does
    that from the first entry, so together the two prove the whole chain.
    """
    if head_size < checkpoint.size:
        return f"the ledger has {head_size} entries, fewer than the checkpoint's {checkpoint.size}"
    expected_id, prev = (1, GENESIS_HASH) if checkpoint.size == 0 else (checkpoint.size, None)
    if checkpoint.size == 0 and checkpoint.head_hash != GENESIS_HASH:
        return "the checkpoint of an empty ledger names a head hash other than the genesis hash"
    for entry_id, prev_hash, entry_hash in entries:
        if entry_id != expected_id:
            return f"entry {expected_id} is missing"
        if prev is None:  # the checkpoint's own last entry
            if entry_hash != checkpoint.head_hash:
                return (f"entry {entry_id} does not have the hash the checkpoint signed: "
                        "the ledger was rewritten")
        elif prev_hash != prev:
            return f"entry {entry_id} does not link to entry {entry_id - 1}"
        prev, expected_id = entry_hash, expected_id + 1
    if checkpoint.size and prev is None:
        return f"entry {checkpoint.size} is missing"
    if expected_id - 1 != head_size or (prev or GENESIS_HASH) != head_hash:
        return "the entries do not end at the recorded head"
    return None


def _export_entries(path: str) -> Iterator[tuple[int, str, str]]:
    """(id, prev_hash, entry_hash) of each row of an unfiltered CSV export, in file order."""
    with open(path, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            yield int(row["entry_id"]), row["prev_hash"], row["entry_hash"]


def main(argv: list[str]) -> int:
    """The auditor's offline check: exit 0 when the checkpoint's signature verifies (and the
    export, if given, extends it), 1 otherwise, 2 on a usage error."""
    if len(argv) not in (2, 3):
        print("usage: checkpoint_note.py CHECKPOINT PUBLIC_KEY.pem [EXPORT.csv]", file=sys.stderr)
        return 2
    with open(argv[1], "rb") as key_file:
        public_key = serialization.load_pem_public_key(key_file.read())
    if not isinstance(public_key, Ed25519PublicKey):
        print("the public key is not an Ed25519 key", file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8") as note_file:
            checkpoint = open_note(note_file.read(), public_key)
    except CheckpointError as exc:
        print(f"BAD checkpoint: {exc}", file=sys.stderr)
        return 1
    print(f"signature ok: {checkpoint.size} entries, head {checkpoint.head_hash}, "
          f"signed {checkpoint.signed_at.isoformat()}")
    if len(argv) == 3:
        rows = [row for row in _export_entries(argv[2]) if row[0] >= checkpoint.size]
        head_size, head_hash = (rows[-1][0], rows[-1][2]) if rows else (0, GENESIS_HASH)
        problem = extension_problem(checkpoint, rows, head_size, head_hash)
        if problem:
            print(f"DOES NOT EXTEND: {problem}", file=sys.stderr)
            return 1
        print(f"the export extends it: {head_size} entries, head {head_hash}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
