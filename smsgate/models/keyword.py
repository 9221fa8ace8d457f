"""Keywords a brand adds to the standard ones: text-to-join, and extra help or opt-out words."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from smsgate.models.base import Base

KEYWORD_KINDS = ("join", "help", "opt_out")


class BrandKeyword(Base):
    """One brand keyword, stored as its normalised core (`keywords_text.keyword_core`).

    A core is unique across brands: a text is attributed to one brand by the number it was
    sent to, and no brand's keyword may mean something else at another's number.
    """

    __tablename__ = "brand_keywords"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"),
                                          index=True)
    core: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
