"""Urlencoded form bodies parsed in one pass, with exactly werkzeug's result.

Every Twilio webhook is a form of some twenty fields, parsed on the busiest path. werkzeug
hands urlencoded bodies to `urllib.parse.parse_qsl`, which calls `unquote` twice per field
and replaces "+" in each name and value, escaped or not; most of Twilio's fields hold
neither "%" nor "+". `parse_urlencoded` touches only those that do, the same way, so its
pairs are parse_qsl's (a property test compares the two on arbitrary input).

`GatewayRequest` uses it twice: for a urlencoded body of a declared length within the size
limit (every webhook), read straight from the WSGI input; for any other urlencoded body, as
werkzeug's form parser (`Request.form_data_parser_class`). Multipart bodies, the 413 for a
body over the limit, and the empty form werkzeug gives for invalid UTF-8 stay werkzeug's.
"""

from __future__ import annotations

from io import BytesIO
from typing import IO
from urllib.parse import unquote

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler used below
from flask import Request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.formparser import FormDataParser

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


class OnePassFormParser(FormDataParser):
    """werkzeug's parser, with `parse_urlencoded` for urlencoded bodies."""

    def parse(self, stream: IO[bytes], mimetype: str, content_length: int | None,
              options: dict[str, str] | None = None):
        if mimetype != URLENCODED:
            return super().parse(stream, mimetype, content_length, options)
        try:
            # werkzeug's stream, limited to the request's size limit. (A body of declared
            # length comes here only when `get_data` cached it: `GatewayRequest` reads the rest.)
            fields = parse_urlencoded(stream.read().decode())
        except ValueError:  # invalid UTF-8: werkzeug's parser is silent too, by default
            if not self.silent:
                raise
            fields = []
        return stream, self.cls(fields), self.cls()


class GatewayRequest(Request):
    """The app's request class (`create_app` sets it)."""

    form_data_parser_class = OnePassFormParser

    def _load_form_data(self) -> None:
        """werkzeug's, less its plumbing for a urlencoded body of a declared length within
        the size limit: that body is read straight from the WSGI input, at most its declared
        length, which is all werkzeug's limited stream lets through. The plumbing (a parser,
        a limited stream, the limit looked up twice) cost as much as parsing a webhook's
        form. Any other body (multipart, no length, over the limit: a 413) goes werkzeug's
        way. (`_load_form_data` is the hook Flask's own Request overrides.)"""
        if "form" in self.__dict__:
            return
        length = self.content_length
        limit = self.max_content_length
        if (self.mimetype != URLENCODED or length is None
                or (limit is not None and length > limit)
                or getattr(self, "_cached_data", None) is not None):
            super()._load_form_data()
            return
        source, chunks, missing = self.environ["wsgi.input"], [], length
        while missing > 0:
            chunk = source.read(missing)
            if not chunk:  # the client sent less than it declared: werkzeug's 400 too
                raise ClientDisconnected()
            chunks.append(chunk)
            missing -= len(chunk)
        try:
            fields = parse_urlencoded(b"".join(chunks).decode())
        except ValueError:  # invalid UTF-8: an empty form, as werkzeug's parser gives
            fields = []
        d = self.__dict__
        # The body is consumed, as werkzeug leaves it: reading the stream gives nothing.
        d["stream"] = BytesIO()
        d["form"] = self.parameter_storage_class(fields)
        d["files"] = self.parameter_storage_class()
