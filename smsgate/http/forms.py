"""Webhook form bodies, read through werkzeug's public API and parsed in one pass.

Every Twilio webhook is a form of some twenty fields, parsed on the busiest path. werkzeug
hands urlencoded bodies to `urllib.parse.parse_qsl`, which calls `unquote` twice per field
and replaces "+" in each name and value, escaped or not; most of Twilio's fields hold
neither "%" nor "+". `parse_urlencoded` touches only those that do, the same way, so its
pairs are parse_qsl's (a property test compares the two on arbitrary input).

`read_form` gives what ``request.form`` gives, for any body: a urlencoded one is read with
``request.get_data()`` and parsed with `parse_urlencoded`, anything else is werkzeug's.
Given `max_bytes` and `max_fields` (the webhooks give them) it refuses, with 413, a body
too large or with too many fields before parsing it, and never reads more than
`max_bytes` + 1 bytes of it.
"""

from __future__ import annotations

from typing import IO
from urllib.parse import unquote

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler used below
from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from smsgate.errors import PayloadTooLarge

URLENCODED = "application/x-www-form-urlencoded"


def parse_urlencoded(body: str) -> list[tuple[str, str]]:
    """What `parse_qsl(body, keep_blank_values=True, errors="werkzeug.url_quote")` returns."""
    pairs = []
    for field in body.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "%" in name or "+" in name:
            name = unquote(name.replace("+", " "), errors="werkzeug.url_quote")
        if "%" in value or "+" in value:
            value = unquote(value.replace("+", " "), errors="werkzeug.url_quote")
        pairs.append((name, value))
    return pairs


def read_form(req: Request, *, max_bytes: int | None = None,
              max_fields: int | None = None) -> MultiDict[str, str]:
    """The form parameters of `req`: exactly what ``req.form`` holds, for any body.

    A urlencoded body is read whole with ``req.get_data()``, werkzeug's size-checked stream:
    over MAX_CONTENT_LENGTH is a 413, shorter than its Content-Length a 400, and a chunked
    body is read to its end. The body stays cached, so ``req.form`` and ``req.get_data()``
    still give it afterwards. Invalid UTF-8 is an empty form, as werkzeug's parser gives.
    Any other body (multipart, say) is werkzeug's ``req.form``.

    With `max_bytes`: a declared Content-Length over it is a 413 before anything is read, and
    a body of unknown length (chunked) is read to at most `max_bytes` + 1 bytes, a 413 if it
    has them. With `max_fields`: a body of more fields is a 413 `too_many_fields` before it
    is parsed (for multipart, werkzeug's own part limit, also 413). Must be called before
    anything touches ``req.stream``, which reads the limit when it is first opened. A
    capped body of declared length (every webhook) is read straight from the WSGI input
    (PEP 3333's ``wsgi.input``), which werkzeug's limited stream would only wrap at a cost
    like that of parsing the form; it is then consumed, not cached.
    """
    if max_bytes is not None:
        if req.content_length is not None and req.content_length > max_bytes:
            raise RequestEntityTooLarge()
        # One byte more than allowed, so a chunked body that goes past the cap is seen to
        # (werkzeug's stream stops quietly at its limit).
        req.max_content_length = min(max_bytes + 1, req.max_content_length or max_bytes + 1)
    if req.mimetype != URLENCODED:
        if max_fields is not None:
            req.max_form_parts = max_fields
        return req.form
    length = req.content_length
    if max_bytes is not None and length is not None:
        data = _read_declared(req.environ["wsgi.input"], length)
    else:
        data = req.get_data()
    if max_bytes is not None and len(data) > max_bytes:
        raise RequestEntityTooLarge()
    if max_fields is not None and data.count(b"&") >= max_fields:  # pairs are split on "&"
        raise PayloadTooLarge(f"the form has more than {max_fields} fields",
                              code="too_many_fields", limit=max_fields)
    try:
        fields = parse_urlencoded(data.decode())
    except UnicodeDecodeError:
        fields = []
    return req.parameter_storage_class(fields)


def _read_declared(stream: IO[bytes], length: int) -> bytes:
    """Exactly `length` bytes of `stream`; a body shorter than declared is werkzeug's 400."""
    chunks, missing = [], length
    while missing > 0:
        chunk = stream.read(missing)
        if not chunk:
            raise ClientDisconnected()
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
