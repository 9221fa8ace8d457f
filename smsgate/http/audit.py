"""The auditor's HTTP API: the consent ledger as a streamed CSV, and whether it is intact.

| route | role | answer |
|---|---|---|
| `GET /api/v1/ledger.csv` | auditor (admin) | CSV; filters in `smsgate.audit.filters` |
| `GET /api/v1/ledger/verify` | auditor (admin) | `{"ok", "entries", "first_bad", "reason",
  "head_hash"}` |
| `GET /api/v1/ledger/checkpoint` | auditor (admin) | the latest signed checkpoint, as text |

A key scoped to a brand exports only that brand's entries and the STOPALLs; verification
always covers the whole chain (a chain cannot be checked in part), so it also tells a scoped
auditor how many entries the ledger holds in all. The auditor's web page (`/audit`) is a
blueprint nested in this one, so `create_app` registers both with `audit.bp`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from smsgate.consent.checkpoints import CheckpointStore
from smsgate.consent.ledger import Verification, verify
from smsgate.errors import NotFound
from smsgate.extensions import db
from smsgate.http import audit_page
from smsgate.http.auth import require_key
from smsgate.http.export_response import csv_response

bp = Blueprint("audit", __name__)
bp.register_blueprint(audit_page.bp)


@bp.get("/api/v1/ledger.csv")
def ledger_csv() -> ResponseReturnValue:
    """Stream the ledger (or the filtered part of it this key may see) as CSV."""
    key = require_key("auditor")
    return csv_response(key.brand_id, request.args.to_dict(flat=False))


@bp.get("/api/v1/ledger/verify")
def ledger_verify() -> ResponseReturnValue:
    """Walk the whole hash chain and say whether it is intact, and where not."""
    require_key("auditor")
    result = verify(db.session())
    db.session.rollback()  # end the read transaction the walk held open
    return jsonify(verification_json(result)), 200, {"Cache-Control": "no-store"}


@bp.get("/api/v1/ledger/checkpoint")
def ledger_checkpoint() -> ResponseReturnValue:
    """The latest signed checkpoint's text (docs/checkpoints.md), exactly as written."""
    require_key("auditor")
    latest = CheckpointStore.current().latest()
    if latest is None:
        raise NotFound("no checkpoint has been taken yet (`smsgate ledger checkpoint`)",
                       code="no_checkpoint")
    path, text = latest
    return text, 200, {"Content-Type": "text/plain; charset=utf-8",
                       "Content-Disposition": f'inline; filename="{path.name}"',
                       "Cache-Control": "no-store"}


def verification_json(result: Verification) -> dict[str, Any]:
    """The JSON form of a verification (the contract's three fields, plus two to explain)."""
    return {"ok": result.ok, "entries": result.entries, "first_bad": result.first_bad,
            "reason": result.reason, "head_hash": result.head_hash}
