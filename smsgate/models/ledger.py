"""The consent ledger: append-only, hash-chained entries, and the current state they imply.

No code path deletes a `LedgerEntry` or updates what its hash covers. Entry ids are the
chain positions 1..N, handed out by the single `LedgerHead` row, so a deleted entry leaves a
visible gap. The personal values (number, raw_text, the personal keys of evidence) are
committed to by salted digests, not hashed themselves, so erasure and retention may blank
them with their salt (`smsgate.privacy.blanking`) and the chain holds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from smsgate.models.base import Base, UTCDateTime

GENESIS_HASH = "0" * 64

ACTIONS = ("opt_in", "opt_out")  # what the API records; the ledger also holds "review", "none"
# (smsgate.consent.reviews)
# An entry recording that a person's data was erased (no number; scope and source "erasure").
ERASE = "erase"


class LedgerEntry(Base):
    """One consent change with its evidence; `entry_hash` chains it to its predecessor."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_number_brand", "number", "brand_id"),
        # The few STOPALLs, by number: every opt-in checked against them (API, import) finds
        # them here instead of scanning the ledger.
        Index("ix_ledger_stopalls", "number", postgresql_where=text("scope = 'all'"),
              sqlite_where=text("scope = 'all'")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    number: Mapped[str | None] = mapped_column(String(16))  # None: erased, or an erasure
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"), index=True)
    # "all": a STOPALL, which opts the number out of every brand (brand_id is where it came in);
    # "erasure": an erasure entry (no brand, no number).
    scope: Mapped[str] = mapped_column(String(8), default="brand")
    action: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(10))  # sms | api | provider | import | review
    keyword: Mapped[str | None] = mapped_column(String(64))
    raw_text: Mapped[str | None] = mapped_column(Text)
    message_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    # Canonical JSON text, hashed exactly as stored (a JSON column could reorder keys).
    evidence: Mapped[str] = mapped_column(Text, default="{}")
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    # Random per entry: the key of its personal values' HMAC digests.
    salt: Mapped[str | None] = mapped_column(String(32))
    # Canonical JSON {field: HMAC-SHA256 hex}: what the hash covers instead of the values.
    digests: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class LedgerHead(Base):
    """The single row (id=1) naming the chain's last entry; locking it serialises appends."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    # What entry 1 links to: the genesis hash, or the head of the ledger this one replaced
    # (migration 0007 rewrote the chain in the digest format, committing to the old head).
    base_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class ConsentState(Base):
    """The latest consent per (number, brand), written with each entry for O(1) look-ups."""

    __tablename__ = "consent_state"

    number: Mapped[str] = mapped_column(String(16), primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), primary_key=True)
    action: Mapped[str] = mapped_column(String(8))
    entry_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                          ForeignKey("ledger_entries.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
