"""Answer a request for the ledger CSV: shared by the API route and the audit page.

The filters are checked, the brand scope decided and the query run *before* the response
starts, so every refusal is a proper 4xx and a database failure a proper error; only then
does the body stream.

The rows come from a connection of their own, not from `db.session`: Flask tears the app
context down (and Flask-SQLAlchemy rolls the session back) when the view returns, before
the body is iterated, and on PostgreSQL that rollback would destroy the server-side cursor
the rows stream from. The connection is closed when the response is (all rows sent, or the
client hung up): by the body itself once it ends, and by `call_on_close` otherwise.

That connection comes from the app's export engine (`create_app`), whose small pool
(`SMSGATE_EXPORT_CONNECTIONS`) is apart from the one webhooks use: a download holds its
connection for as long as its client takes to read it, and slow readers must never leave
webhooks without one. When every export connection is streaming, a new download is
refused at once with 503 `exports_busy` and Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from flask import Response, current_app, stream_with_context
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout

from smsgate.audit.export import download_name, open_export
from smsgate.audit.filters import parse_filters, visible_brand_id
from smsgate.errors import ExportsBusy
from smsgate.extensions import db
from smsgate.models import utcnow


def csv_response(key_brand_id: int | None, args: Mapping[str, Sequence[str]]) -> Response:
    """A streamed `text/csv` attachment of the ledger for `args`, as seen by a key scoped to
    `key_brand_id` (None: every brand). Raises SmsgateError (4xx) for bad filters."""
    filters = parse_filters(args)
    brand_id = visible_brand_id(db.session(), filters, key_brand_id)
    return streamed_csv(lambda connection: open_export(connection, filters, brand_id),
                        download_name(utcnow()))


def streamed_csv(open_chunks: Callable[[Connection], Iterator[bytes]],
                 filename: str) -> Response:
    """A `text/csv` attachment streaming what `open_chunks` returns for an export connection
    of its own (503 `exports_busy` when none is free); every CSV download goes through here."""
    exports: Engine = current_app.extensions["smsgate_export_engine"]
    try:
        connection = exports.connect()
    except PoolTimeout:
        running = current_app.config["SMSGATE"].export_connections
        raise ExportsBusy(f"{running} downloads are running; retry shortly") from None
    try:
        chunks = open_chunks(connection)
    except BaseException:
        connection.close()
        raise
    response = Response(stream_with_context(_closing(chunks, connection)), mimetype="text/csv")
    response.call_on_close(connection.close)  # idempotent; covers a body never iterated
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: never in a shared cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Accel-Buffering"] = "no"  # a buffering proxy would defeat streaming
    return response


def _closing(chunks: Iterator[bytes], connection: Connection) -> Iterator[bytes]:
    """Yield `chunks`, then release the connection (and the snapshot it holds) at once."""
    try:
        yield from chunks
    finally:
        connection.close()
