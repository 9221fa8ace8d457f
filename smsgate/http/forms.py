"""Urlencoded form bodies parsed in one pass, with exactly werkzeug's result.

Every Twilio webhook is a form of some twenty fields, parsed on the busiest path. werkzeug
hands urlencoded bodies to `urllib.parse.parse_qsl`, which calls `unquote` twice per field
and replaces "+" in each name and value, escaped or not; most of Twilio's fields hold
neither "%" nor "+". `parse_urlencoded` touches only those that do, the same way, so its
pairs are parse_qsl's (a property test compares the two on arbitrary input). It plugs in
through Flask's public `Request.form_data_parser_class`; multipart bodies, size limits and
invalid UTF-8 (an empty form, as werkzeug gives) stay werkzeug's own.
"""

from __future__ import annotations

from typing import IO
from urllib.parse import unquote

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler used below
from flask import Request
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
            # The stream is werkzeug's own, limited to the request's size limit. Asked for
            # the declared length it reads once, where read() reads again to find the end.
            body = b"" if content_length is None else stream.read(content_length)
            if content_length is None or len(body) < content_length:  # to the end, then
                body += stream.read()
            fields = parse_urlencoded(body.decode())
        except ValueError:  # invalid UTF-8: werkzeug's parser is silent too, by default
            if not self.silent:
                raise
            fields = []
        return stream, self.cls(fields), self.cls()


class GatewayRequest(Request):
    """The app's request class (`create_app` sets it)."""

    form_data_parser_class = OnePassFormParser
