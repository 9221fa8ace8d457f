"""Issue and check API keys. Only a SHA-256 of a key is stored; keys carry 256 random bits,
so a fast hash is enough (no password stretching needed), and comparison is constant-time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsgate.accounts.brands import get_brand
from smsgate.errors import InvalidInput
from smsgate.models import ROLES, ApiKey, utcnow

KEY_PREFIX = "sgk_"


@dataclass(frozen=True)
class IssuedKey:
    """A new key: `secret` is shown once and never stored."""

    id: int
    secret: str
    role: str
    brand: str | None


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_key(session: Session, role: str, brand_name: str | None = None,
              label: str | None = None) -> IssuedKey:
    """Create a key for `role`, optionally limited to one brand; flush, do not commit."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    brand = get_brand(session, brand_name) if brand_name else None
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(prefix=prefix, key_hash=hash_key(secret), role=role,
                 brand_id=brand.id if brand else None, label=label)
    session.add(key)
    session.flush()
    return IssuedKey(key.id, secret, role, brand_name)


def find_key(session: Session, secret: str) -> ApiKey | None:
    """The live key matching `secret`, or None (unknown, malformed, revoked or wrong)."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 128:
        return None
    prefix = secret[len(KEY_PREFIX):].split("_", 1)[0]
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or key.revoked_at is not None:
        return None
    return key if hmac.compare_digest(key.key_hash, hash_key(secret)) else None


def revoke_key(session: Session, key_id: int) -> bool:
    """Revoke key `key_id`; False if there is no such live key."""
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    return True
