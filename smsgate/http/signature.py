"""Twilio webhook signatures: every webhook request must prove it came from Twilio."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable, Mapping
from hashlib import sha1
from operator import itemgetter
from urllib.parse import ParseResult, urlparse

from flask import Request, current_app, request
from werkzeug.datastructures import MultiDict

from smsgate.config import Settings
from smsgate.errors import Forbidden
from smsgate.http.forms import read_form

WEBHOOK_MAX_BYTES = 64 * 1024  # Twilio's forms are a few KiB: ten segments, ten media URLs
WEBHOOK_MAX_FIELDS = 256  # Twilio sends 20 to 40 (two more per media item, at most ten)


def signed_url(public_base_url: str, req: Request) -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL plus the path and query, or the request's URL."""
    if not public_base_url:
        return req.url
    query = req.query_string.decode("latin-1")
    return public_base_url + req.path + (f"?{query}" if query else "")


def compute_signature(token: str, url: str, form: Mapping[str, str]) -> str:
    """What twilio's `RequestValidator.compute_signature` computes (HMAC-SHA1), faster.

    The same input: the URL, then each parameter name (sorted, once) followed by each of its
    distinct values (sorted). twilio's own version asks a Flask MultiDict for `getall`
    first and gets there through an AttributeError per parameter, on every request; here a
    MultiDict's `lists()` gives each name with its values in one pass.
    """
    named_values: Iterable[tuple[str, list[str]]]
    if isinstance(form, MultiDict):
        named_values = form.lists()
    else:
        named_values = ((name, [value]) for name, value in form.items())
    parts = [url]
    for name, values in sorted(named_values, key=itemgetter(0)):
        if len(values) == 1:  # nearly every parameter: nothing to sort or deduplicate
            parts += (name, values[0])
            continue
        for value in sorted(set(values)):
            parts += (name, value)
    digest = hmac.new(token.encode("utf-8"), "".join(parts).encode("utf-8"), sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def url_with_port(url: ParseResult) -> str:
    """`url` with a port: its own, else its scheme's default (443 for https, 80 otherwise).
    (`_replace` is the named tuple's public method; urllib's documentation uses it.)"""
    if url.port:
        return url.geturl()
    default = 443 if url.scheme == "https" else 80
    return url._replace(netloc=f"{url.netloc}:{default}").geturl()


def url_without_port(url: ParseResult) -> str:
    """`url` without its port: its network location cut at the first colon, as twilio's
    validator cuts it."""
    if not url.port:
        return url.geturl()
    return url._replace(netloc=url.netloc.split(":", 1)[0]).geturl()


def _valid(token: str, url: str, form: Mapping[str, str], signature: str) -> bool:
    """twilio's `RequestValidator.validate`, accepting exactly what it accepts.

    validate computes two HMACs: over the URL without its port and with it (the default port
    added when it has none). Here the URL as requested is tried first, which is one of the
    two and the one Twilio signed in practice, and the other only on a mismatch. A port that
    is not a number or out of range (a forged Host header) matches nothing (validate raises).
    """
    parsed = urlparse(url)
    try:
        port = parsed.port
    except ValueError:  # urllib: "Port could not be cast to integer value", out of range
        return False
    expected = signature.encode("utf-8")

    def signs(candidate: str) -> bool:
        return hmac.compare_digest(compute_signature(token, candidate, form).encode("ascii"),
                                   expected)

    if signs(parsed.geturl()):
        return True
    return signs(url_without_port(parsed) if port else url_with_port(parsed))


def _signed_by_a_token(settings: Settings, url: str, form: Mapping[str, str],
                       signature: str) -> bool:
    """Whether the current auth token signed the request, else the previous one (accepted
    while Twilio rotates tokens). An empty token signs nothing: anyone can compute that HMAC."""
    for token in (settings.twilio_auth_token, settings.twilio_auth_token_previous):
        if token and _valid(token, url, form, signature):
            return True
    return False


def verified_form() -> MultiDict[str, str]:
    """The request's form parameters, once `X-Twilio-Signature` proves that Twilio sent them
    to this URL; raise Forbidden otherwise.

    A request that cannot be Twilio's is refused before its body is read: no signature
    (403), or a declared Content-Length over WEBHOOK_MAX_BYTES (413). A body of unknown
    length is read to at most one byte past the cap, and more than WEBHOOK_MAX_FIELDS fields
    is a 413 before it is parsed: a hostile body costs a worker microseconds, not the seconds
    every STOP in the process would wait behind it.
    """
    # One context lookup, not one per attribute. `_get_current_object` is LocalProxy's
    # documented accessor; flask types `request` as the Request it proxies.
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature:
        raise Forbidden("missing or invalid X-Twilio-Signature", code="bad_signature")
    settings = current_app.config["SMSGATE"]
    form = read_form(req, max_bytes=WEBHOOK_MAX_BYTES, max_fields=WEBHOOK_MAX_FIELDS)
    if not _signed_by_a_token(settings, signed_url(settings.public_base_url, req), form,
                              signature):
        raise Forbidden("missing or invalid X-Twilio-Signature", code="bad_signature")
    return form
