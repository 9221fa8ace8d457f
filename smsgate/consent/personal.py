"""Commitments to a ledger entry's personal values: what its hash covers instead of them.

An entry's number, raw text and the evidence values that identify a person are each
committed to by `HMAC-SHA256(salt, name NUL canonical_json(value))`, the salt random per
entry. The entry hash covers the digests (and the evidence without its personal keys), so
the values can later be blanked (erasure, retention) and the chain still verifies, while a
value that remains can still be checked against its digest. Blanking the salt with the
values leaves digests nobody can test a guessed number against.

Which evidence keys are personal: every key not in `NON_PERSONAL_EVIDENCE`. Marketers may
send any key (`name`, `email`...), so an unknown key is treated as identifying.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Iterator, Mapping
from json.encoder import encode_basestring as _encode_string
from typing import Any

# Evidence keys that describe the consent or the brand, never the person: kept in the hashed
# evidence itself, and kept by erasure (what was agreed to, where, when, through which number).
NON_PERSONAL_EVIDENCE = frozenset({
    "consent_text", "consent_language", "disclosure", "terms", "url", "consent_url",
    "form_url", "page_url", "form", "form_id", "time", "to", "opt_out_type", "error_code",
    "campaign_id", "reply_id", "pseudonym", "requested_by",
    # how an inbound decision was made and answered (keywords, model, review queue)
    "score", "language", "service", "join_keyword", "review_of", "decision", "restores",
})
SALT_BYTES = 16


# One encoder, built once: `json.dumps` with these options builds a new JSONEncoder per call,
# which costs more than encoding a ledger entry's few short values.
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str).encode


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return _ENCODE(value)


def split_evidence(evidence: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the evidence the hash covers as is, its personal keys)."""
    kept = {k: v for k, v in evidence.items() if k in NON_PERSONAL_EVIDENCE}
    personal = {k: v for k, v in evidence.items() if k not in NON_PERSONAL_EVIDENCE}
    return kept, personal


def personal_values(number: str | None, raw_text: str | None,
                    personal_evidence: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Each personal value present, named as in the digests map."""
    if number is not None:
        yield "number", number
    if raw_text is not None:
        yield "raw_text", raw_text
    for key, value in personal_evidence.items():
        if value is not None:
            yield "evidence." + key, value


def _mac(key: bytes, name: str, value: Any) -> str:
    # A string (numbers, texts) encodes as `canonical_json` would, without its dispatch.
    text = _encode_string(value) if type(value) is str else canonical_json(value)
    return hmac.digest(key, f"{name}\0{text}".encode(), "sha256").hex()


def new_salts(count: int) -> list[str]:
    """`count` fresh salts, drawn in one system call (the inbound path appends in batches)."""
    pool = secrets.token_hex(SALT_BYTES * count)
    step = SALT_BYTES * 2
    return [pool[i:i + step] for i in range(0, len(pool), step)]


def commit(salt: str, number: str | None, raw_text: str | None,
           evidence: Mapping[str, Any]) -> tuple[str, str]:
    """(the evidence text the hash covers, the digests text) of a new entry."""
    kept, personal = split_evidence(evidence)
    key = bytes.fromhex(salt)
    digests = {name: _mac(key, name, value)
               for name, value in personal_values(number, raw_text, personal)}
    return canonical_json(kept), canonical_json(digests)


def check(salt: str | None, digests_text: str, number: str | None, raw_text: str | None,
          evidence_text: str) -> tuple[str | None, str | None]:
    """(the evidence text the hash covers, None) when every value still present matches its
    digest, or (None, why not). A blanked value (None, or an evidence key removed) passes.

    Evidence without personal keys is hashed as stored (entries store canonical JSON, so this
    is what `commit` returned; any other spelling of it fails the hash, as an edit should)."""
    try:
        evidence = json.loads(evidence_text)
        digests = json.loads(digests_text)
    except ValueError:
        return None, "entry altered"
    if not isinstance(evidence, dict) or not isinstance(digests, dict):
        return None, "entry altered"
    kept, personal = split_evidence(evidence)
    hashed_evidence = canonical_json(kept) if personal else evidence_text
    key = None
    for name, value in personal_values(number, raw_text, personal):
        expected = digests.get(name)
        try:
            key = key or bytes.fromhex(salt or "")
            matches = bool(key) and isinstance(expected, str) \
                and hmac.compare_digest(_mac(key, name, value), expected)
        except ValueError:  # a salt that is not hex
            matches = False
        if not matches:
            return None, "entry altered"  # a personal value no longer matches its digest
    return hashed_evidence, None
