"""Numbers whose data was erased, kept only as a keyed hash so they stay suppressed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smsgate.models.base import Base, UTCDateTime


class ErasedNumber(Base):
    """An erased number's pseudonym (HMAC-SHA256 under SMSGATE_PSEUDONYM_KEY): without a later
    consent of its own for a brand, the number counts as opted out of that brand."""

    __tablename__ = "erased_numbers"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The erasure's ledger entry (no foreign key: ledger tables are truncated in tests alone).
    entry_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
