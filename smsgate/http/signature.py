"""Twilio webhook signatures: every webhook request must prove it came from Twilio."""

from __future__ import annotations

from flask import current_app, request
from twilio.request_validator import RequestValidator

from smsgate.errors import Forbidden


def signed_url() -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL plus the path and query, or the request's URL."""
    public = current_app.config["SMSGATE"].public_base_url
    if not public:
        return request.url
    query = request.query_string.decode("latin-1")
    return public + request.path + (f"?{query}" if query else "")


def require_twilio_signature() -> None:
    """Raise Forbidden unless `X-Twilio-Signature` matches the URL and form parameters."""
    signature = request.headers.get("X-Twilio-Signature", "")
    token = current_app.config["SMSGATE"].twilio_auth_token
    if not signature or not RequestValidator(token).validate(signed_url(), request.form,
                                                             signature):
        raise Forbidden("missing or invalid X-Twilio-Signature", code="bad_signature")
