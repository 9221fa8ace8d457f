"""Answer a request for the ledger CSV: shared by the API route and the audit page.

The filters are checked, the brand scope decided and the query run *before* the response
starts, so every refusal is a proper 4xx and a database failure a proper error; only then
does the body stream. The generator runs inside the request (`stream_with_context`), so its
database session lives until the last row is sent and is closed when the client hangs up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Response, stream_with_context

from smsgate.audit.export import download_name, open_export
from smsgate.audit.filters import parse_filters, visible_brand_id
from smsgate.extensions import db
from smsgate.models import utcnow


def csv_response(key_brand_id: int | None, args: Mapping[str, Sequence[str]]) -> Response:
    """A streamed `text/csv` attachment of the ledger for `args`, as seen by a key scoped to
    `key_brand_id` (None: every brand). Raises SmsgateError (4xx) for bad filters."""
    filters = parse_filters(args)
    brand_id = visible_brand_id(db.session, filters, key_brand_id)
    chunks = open_export(db.session, filters, brand_id)
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(utcnow())}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: never in a shared cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Accel-Buffering"] = "no"  # a buffering proxy would defeat streaming
    return response
