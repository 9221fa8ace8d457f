"""Twilio webhook signatures: every webhook request must prove it came from Twilio."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlparse

from flask import current_app, request
from twilio.request_validator import RequestValidator, add_port, compare, remove_port

from smsgate.errors import Forbidden


def signed_url() -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL plus the path and query, or the request's URL."""
    public = current_app.config["SMSGATE"].public_base_url
    if not public:
        return request.url
    query = request.query_string.decode("latin-1")
    return public + request.path + (f"?{query}" if query else "")


@lru_cache(maxsize=8)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def _valid(token: str, url: str, form, signature: str) -> bool:
    """twilio's `RequestValidator.validate`, accepting exactly what it accepts.

    validate always computes two HMACs: over the URL without its port and with it (the
    default port added when it has none). Here the URL as requested is tried first, which is
    one of the two and the one Twilio signed in practice, and the other only on a mismatch.
    """
    validator = _validator(token)
    parsed = urlparse(url)
    as_requested = parsed.geturl()
    other = remove_port(parsed) if parsed.port else add_port(parsed)
    return any(compare(validator.compute_signature(candidate, form), signature)
               for candidate in (as_requested, other))


def require_twilio_signature() -> None:
    """Raise Forbidden unless `X-Twilio-Signature` matches the URL and form parameters."""
    signature = request.headers.get("X-Twilio-Signature", "")
    token = current_app.config["SMSGATE"].twilio_auth_token
    if not signature or not _valid(token, signed_url(), request.form, signature):
        raise Forbidden("missing or invalid X-Twilio-Signature", code="bad_signature")
