"""Inbound messages (claimed by MessageSid), reply outbox and provider status events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smsgate.models.base import Base, UTCDateTime, utcnow

# Outbox life cycle: pending -> sending -> sent | failed. A "pending" row whose RQ job
# is missing (Redis was down, or lost it) is what the sweeper re-queues.


class InboundMessage(Base):
    """Every inbound text we accepted; the unique MessageSid makes Twilio's retries no-ops."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str | None] = mapped_column(String(32))  # None: erased
    to_number: Mapped[str] = mapped_column(String(32))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str] = mapped_column(String(8))
    keyword: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """A reply owed to an inbound keyword, written in the same transaction as the consent."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"), unique=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # NULL once erased; erasure settles a pending or sending row first (failed), and no
    # sending path reads a settled row, so code that sends may take it as a str.
    to_number: Mapped[str] = mapped_column(String(16), nullable=True)
    from_number: Mapped[str | None] = mapped_column(String(16))
    messaging_service_sid: Mapped[str | None] = mapped_column(String(34))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StatusEvent(Base):
    """A delivery status callback from Twilio, kept as received (append-only)."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
