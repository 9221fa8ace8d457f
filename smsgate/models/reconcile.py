"""How far `smsgate reconcile` has read Twilio's list of texts received at each sender number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from smsgate.models.base import Base, UTCDateTime


class ReconcileWatermark(Base):
    """Per brand number: every text received there and sent before `read_until` was read.

    Twilio lists newest first, so a pass cut short by its per-run limit has read the newest
    texts only: `pass_until` is where that pass began and `resume_before` where the next run
    continues it; `read_until` moves (to `pass_until`) only when the pass reaches its end.
    """

    __tablename__ = "reconcile_watermarks"

    number: Mapped[str] = mapped_column(String(16), primary_key=True)
    read_until: Mapped[datetime] = mapped_column(UTCDateTime)
    pass_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resume_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
