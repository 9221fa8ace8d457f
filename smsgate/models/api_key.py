"""API keys: only a SHA-256 of the key is stored, with its role and optional brand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from smsgate.models.base import Base, UTCDateTime, utcnow

ROLES = ("marketer", "auditor", "admin")


class ApiKey(Base):
    """A bearer key; `prefix` finds the row, `key_hash` proves the caller holds the key."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(10))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"))
    label: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
