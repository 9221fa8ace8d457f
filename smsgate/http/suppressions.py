"""`GET /api/v1/suppressions?brand=NAME`: the numbers opted out of a brand, as streamed CSV.

For a marketer of the brand (a key scoped to another brand gets 403) or an auditor; the
rows and their columns are `smsgate.audit.suppressions`'.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from smsgate.audit.suppressions import download_name, open_suppressions
from smsgate.errors import InvalidInput
from smsgate.extensions import db
from smsgate.http.auth import brand_for_key, require_key
from smsgate.http.export_response import streamed_csv
from smsgate.models import utcnow

bp = Blueprint("suppressions", __name__, url_prefix="/api/v1")


@bp.get("/suppressions")
def suppressions_csv() -> ResponseReturnValue:
    """Stream `number,since,source` for every number currently opted out of the brand."""
    key = require_key("marketer", "auditor")
    names = request.args.getlist("brand")
    if len(names) != 1 or not names[0] or len(names[0]) > 64:
        raise InvalidInput("give exactly one brand: ?brand=NAME", code="invalid_field",
                           field="brand")
    brand_id = brand_for_key(key, names[0]).id
    db.session.rollback()  # the rows stream from a connection of their own
    return streamed_csv(lambda connection: open_suppressions(connection, brand_id),
                        download_name(brand_id, utcnow()))
