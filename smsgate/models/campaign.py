"""Campaigns marketers enqueue, and one row per recipient (the unit a worker claims)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smsgate.models.base import Base, UTCDateTime, utcnow

# Recipient life cycle: queued -> sending -> sent -> delivered | failed | undelivered;
# queued -> refused when consent is gone at the moment of sending; queued -> expired when its
# campaign's validity ran out first; queued -> cancelled when its campaign was cancelled.
RECIPIENT_STATUSES = ("queued", "sending", "sent", "delivered", "undelivered", "failed", "refused",
                      "expired", "cancelled")


class Campaign(Base):
    """A composed text for one brand, sent to its consenting recipients."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    requested_body: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(8))
    segments: Mapped[int] = mapped_column(Integer)
    refused_at_request: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Nothing goes before send_at; nothing goes at or after expires_at (its validity period).
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignRecipient(Base):
    """One number of one campaign; claimed with a conditional UPDATE so it is sent once."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number"),
        Index("ix_campaign_recipients_campaign_status", "campaign_id", "status"),
        # The rolling 24-hour frequency cap counts a number's recent claims.
        Index("ix_campaign_recipients_number_claimed", "number", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # NULL once erased; erasure settles a queued or sending row first (refused), and no
    # sending path reads a settled row, so code that sends may take it as a str.
    number: Mapped[str] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    refusal_reason: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the number is (computed once, when the campaign is created): its area code's
    # candidate zones, space-separated, and its US state; the send window is read from them.
    time_zones: Mapped[str | None] = mapped_column(String(96))
    state: Mapped[str | None] = mapped_column(String(2))
    # Deferred (outside its window, over a cap, or before send_at): not claimed before this.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
