"""Double opt-in: an API opt-in waiting for the number's YES before it becomes consent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smsgate.models.base import Base, UTCDateTime


class PendingConfirmation(Base):
    """Web-form consent for a double-opt-in brand, not yet confirmed by text.

    Never updated: it is live while `expires_at` is ahead and no consent entry for its
    number and brand is newer than `after_entry_id` (the ledger's head when it was made), so
    a YES (which confirms it), a STOP or any other change settles it, and expiry writes
    nothing. `evidence` is the canonical JSON of the web-form evidence the API received.
    """

    __tablename__ = "pending_confirmations"
    __table_args__ = (Index("ix_pending_confirmations_number_brand", "number", "brand_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16))
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    source: Mapped[str] = mapped_column(String(10))
    evidence: Mapped[str] = mapped_column(Text)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    after_entry_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
