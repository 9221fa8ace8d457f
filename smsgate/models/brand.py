"""Brands (the businesses that text) and the sender numbers they own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smsgate.models.base import Base, UTCDateTime, utcnow

DEFAULT_FREQUENCY = "Msg frequency varies."
DEFAULT_CONFIRM_HOURS = 48  # how long a double opt-in waits for its YES


class Brand(Base):
    """A business whose texts must name it; consent is kept per brand."""

    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    messaging_service_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    help_text: Mapped[str | None] = mapped_column(Text)
    frequency_text: Mapped[str] = mapped_column(String(160), default=DEFAULT_FREQUENCY)
    messages_per_second: Mapped[int] = mapped_column(Integer, default=10)
    # The brand's own reply texts, JSON {"kind.language": text} (messaging.compose).
    reply_texts: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    # Bumped by every UPDATE of the row: the inbound fast path checks the brand it cached
    # by (id, revision) instead of comparing every field a reply quotes.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1",
                                          onupdate=literal_column("revision") + 1)
    # Double opt-in: every API opt-in waits for the number's YES (smsgate.consent.confirmations).
    double_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    confirm_within_hours: Mapped[int] = mapped_column(Integer, default=DEFAULT_CONFIRM_HOURS,
                                                      server_default=str(DEFAULT_CONFIRM_HOURS))
    # What the confirmation request calls the program ("Acme Deals alerts"); default: the name.
    program_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The brand's own send window in the recipient's local time, minutes after midnight
    # [start, end); it only narrows the law's. Both NULL: the law's window alone.
    window_start: Mapped[int | None] = mapped_column(Integer)
    window_end: Mapped[int | None] = mapped_column(Integer)
    frequency_cap: Mapped[int | None] = mapped_column(Integer)  # texts per number per 24 h
    daily_cap: Mapped[int | None] = mapped_column(Integer)  # segments per Pacific day

    numbers: Mapped[list[BrandNumber]] = relationship(
        back_populates="brand", cascade="all, delete-orphan", order_by="BrandNumber.id"
    )


class BrandNumber(Base):
    """A 10DLC sender number (E.164); each belongs to exactly one brand."""

    __tablename__ = "brand_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)

    brand: Mapped[Brand] = relationship(back_populates="numbers")
