"""`GET /api/v1/suppressions?brand=NAME`: the numbers opted out of a brand, as streamed CSV.

For a marketer of the brand (a key scoped to another brand gets 403) or an auditor; the
rows and their columns are `smsgate.audit.suppressions`'.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from smsgate.accounts.brands import get_brand
from smsgate.audit.suppressions import download_name, open_suppressions
from smsgate.errors import Forbidden, InvalidInput
from smsgate.extensions import db
from smsgate.http.auth import require_key
from smsgate.http.export_response import streamed_csv
from smsgate.models import Brand, utcnow

bp = Blueprint("suppressions", __name__, url_prefix="/api/v1")


@bp.get("/suppressions")
def suppressions_csv() -> ResponseReturnValue:
    """Stream `number,since,source` for every number currently opted out of the brand."""
    key = require_key("marketer", "auditor")
    names = request.args.getlist("brand")
    if len(names) != 1 or not names[0] or len(names[0]) > 64 or "\x00" in names[0]:
        raise InvalidInput("give exactly one brand: ?brand=NAME", code="invalid_field",
                           field="brand")
    if key.brand_id is not None:
        own = db.session.get(Brand, key.brand_id)
        if own is None or own.name != names[0]:
            raise Forbidden("this key is limited to another brand", code="wrong_brand")
        brand_id = own.id
    else:
        brand_id = get_brand(db.session(), names[0]).id
    db.session.rollback()  # the rows stream from a connection of their own
    return streamed_csv(lambda connection: open_suppressions(connection, brand_id),
                        download_name(brand_id, utcnow()))
