"""Data subjects' rights over HTTP: `GET /api/v1/subjects/<number>` (auditor) returns all
that is held about a number; `POST /api/v1/subjects/<number>/erase` (admin) erases it.

Both need a key that serves every brand: a person's data spans brands, and a key limited to
one may neither read the others' nor erase them. Each route is an edge: one transaction.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from smsgate.errors import Forbidden
from smsgate.extensions import db
from smsgate.http.auth import require_key
from smsgate.messaging.numbers import number_from_input
from smsgate.models import ApiKey
from smsgate.privacy.subjects import erase_subject, scrub_after_erasure, subject_report

bp = Blueprint("subjects", __name__, url_prefix="/api/v1/subjects")


def _unscoped(key: ApiKey) -> None:
    if key.brand_id is not None:
        raise Forbidden("a person's data spans brands: this needs a key for every brand",
                        code="wrong_brand")


@bp.get("/<number>")
def subject_access(number: str) -> ResponseReturnValue:
    """Everything held about `number`, as one JSON document."""
    key = require_key("auditor")
    _unscoped(key)
    e164 = number_from_input(number)
    pseudonym_key = current_app.config["SMSGATE"].require_pseudonym_key()
    report = subject_report(db.session(), e164, pseudonym_key)
    db.session.rollback()
    return jsonify(report)


@bp.post("/<number>/erase")
def subject_erase(number: str) -> ResponseReturnValue:
    """Blank `number` everywhere and record the erasure in the ledger: 200 with the counts."""
    key = require_key("admin")
    e164 = number_from_input(number)
    pseudonym_key = current_app.config["SMSGATE"].require_pseudonym_key()
    counts = erase_subject(db.session(), e164, pseudonym_key, api_key_id=key.id,
                           requested_by="api")
    db.session.commit()
    scrub_after_erasure(db.session())
    return jsonify({"erased": True, **counts})
