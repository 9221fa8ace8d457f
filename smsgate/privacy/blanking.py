"""Blanking a ledger entry's personal values: the one way erasure and retention forget them.

The number, raw text, salt and every personal evidence key go; what the entry hash covers
(the digests, the evidence without personal keys) stays, so `ledger verify` still passes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from smsgate.consent.personal import canonical_json, split_evidence
from smsgate.models import LedgerEntry

CHUNK = 1000
_ENTRIES = cast(Table, LedgerEntry.__table__)
_BLANK = (update(_ENTRIES).where(_ENTRIES.c.id == bindparam("entry_id"))
          .values(number=None, raw_text=None, salt=None, evidence=bindparam("kept")))


def blank_entries(session: Session, entry_ids: Sequence[int]) -> int:
    """Blank the personal values of the entries `entry_ids`; return how many were changed."""
    changed = 0
    for start in range(0, len(entry_ids), CHUNK):
        rows = session.execute(select(_ENTRIES.c.id, _ENTRIES.c.evidence).where(
            _ENTRIES.c.id.in_(entry_ids[start:start + CHUNK]))).all()
        params = [{"entry_id": entry_id, "kept": _kept_evidence(evidence)}
                  for entry_id, evidence in rows]
        if params:
            session.connection().execute(_BLANK, params)
            changed += len(params)
    return changed


def _kept_evidence(evidence: str) -> str:
    """The evidence without its personal keys, in the canonical form the hash covers."""
    try:
        parsed = json.loads(evidence)
    except ValueError:
        return "{}"  # not JSON (only tampering does this): nothing of it can be trusted as kept
    if not isinstance(parsed, dict):
        return "{}"
    kept, _ = split_evidence(parsed)
    return canonical_json(kept)
