"""The review queue over HTTP: possible revocations a person settles (`consent.reviews`).

| route | role | answer |
|---|---|---|
| `GET /api/v1/reviews` | auditor (admin) | `{"reviews": [...]}`, the open ones, oldest first |
| `POST /api/v1/reviews/<id>` | auditor (admin) | `{"decision": "opt_out" \\| "not_opt_out"}` |

A key scoped to a brand sees and settles only that brand's reviews. An opt-out decision owes
the usual confirmation, queued after the commit like an inbound STOP's.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from smsgate.consent import reviews
from smsgate.extensions import db, queue
from smsgate.http import params
from smsgate.http.auth import require_key
from smsgate.messaging.outbox import enqueue_replies

log = logging.getLogger(__name__)
bp = Blueprint("reviews", __name__, url_prefix="/api/v1/reviews")


@bp.get("")
def list_reviews() -> ResponseReturnValue:
    """The open reviews this key may see."""
    key = require_key("auditor")
    found = reviews.open_reviews(db.session(), key.brand_id)
    return jsonify({"reviews": found}), 200, {"Cache-Control": "no-store"}


@bp.post("/<int:review_id>")
def settle_review(review_id: int) -> ResponseReturnValue:
    """Write the reviewer's decision into the ledger; an opt-out is confirmed by text."""
    key = require_key("auditor")
    payload = params.json_object()
    decided = reviews.decide(db.session(), review_id, payload.get("decision"),
                             api_key_id=key.id, brand_id=key.brand_id)
    db.session.commit()
    if decided.outbox_id is not None:
        enqueue_replies(queue("replies"), [decided.outbox_id])  # the sweeper covers a miss
    log.info("review_settled", extra={"review_id": review_id, "action": decided.action})
    return jsonify({"id": review_id, "decision": payload["decision"],
                    "entry_id": decided.entry_id, "action": decided.action,
                    "confirmation": decided.outbox_id is not None})
