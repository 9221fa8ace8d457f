"""Bearer API keys on the HTTP API: who is calling, in which role, for which brand."""

from __future__ import annotations

from flask import g, request

from smsgate.accounts.apikeys import find_key
from smsgate.accounts.brands import get_brand
from smsgate.errors import Forbidden, Unauthorized
from smsgate.extensions import db
from smsgate.models import ApiKey, Brand


def brand_for_key(key: ApiKey, name: str) -> Brand:
    """The brand called `name` as `key` may act on it: 403 `wrong_brand` when the key serves
    another (decided before any look-up, so a scoped key cannot probe which brands exist),
    else 404 when unknown."""
    if key.brand_id is not None:
        own = db.session.get(Brand, key.brand_id)
        if own is None or own.name != name:
            raise Forbidden("this key is limited to another brand", code="wrong_brand")
        return own
    return get_brand(db.session(), name)


def require_key(*roles: str) -> ApiKey:
    """The caller's key if its role is one of `roles` (admin may do anything).

    401 without a valid key, 403 with a key of another role.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("an API key is required: Authorization: Bearer <key>")
    key = find_key(db.session(), secret.strip())
    if key is None:
        raise Unauthorized("invalid or revoked API key", code="invalid_key")
    if key.role != "admin" and key.role not in roles:
        raise Forbidden(f"this endpoint needs a {' or '.join(roles)} key", code="wrong_role")
    g.api_key = key
    return key

