"""Webhook form bodies, read through werkzeug's public API and parsed in one pass.

Every Twilio webhook is a form of some twenty fields, parsed on the busiest path. werkzeug
hands urlencoded bodies to `urllib.parse.parse_qsl`, which calls `unquote` twice per field
and replaces "+" in each name and value, escaped or not; most of Twilio's fields hold
neither "%" nor "+". `parse_urlencoded` touches only those that do, the same way, so its
pairs are parse_qsl's (a property test compares the two on arbitrary input).

`read_form` gives what ``request.form`` gives, for any body: a urlencoded one is read with
``request.get_data()`` and parsed with `parse_urlencoded`, anything else is werkzeug's.
"""

from __future__ import annotations

from urllib.parse import unquote

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler used below
from flask import Request
from werkzeug.datastructures import MultiDict

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


def read_form(req: Request) -> MultiDict[str, str]:
    """The form parameters of `req`: exactly what ``req.form`` holds, for any body.

    A urlencoded body is read whole with ``req.get_data()``, werkzeug's size-checked stream:
    over MAX_CONTENT_LENGTH is a 413, shorter than its Content-Length a 400, and a chunked
    body is read to its end. The body stays cached, so ``req.form`` and ``req.get_data()``
    still give it afterwards. Invalid UTF-8 is an empty form, as werkzeug's parser gives.
    Any other body (multipart, say) is werkzeug's ``req.form``.
    """
    if req.mimetype != URLENCODED:
        return req.form
    try:
        fields = parse_urlencoded(req.get_data().decode())
    except UnicodeDecodeError:
        fields = []
    return req.parameter_storage_class(fields)
