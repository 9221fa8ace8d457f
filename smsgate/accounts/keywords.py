"""A brand's own keywords: add, remove, list, and find the ones an inbound batch used.

A brand keyword is matched like a standard one: the whole message, normalised by
`keywords_text.keyword_core` (case, accents, surrounding punctuation ignored). The standard
keywords always win and cannot be taken: a word that `classify` already reads as anything
(a keyword, a tolerated misspelling, a plain-language opt-out) is refused, as is a word
another brand holds (`BrandKeyword`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.orm import Session

from smsgate.consent.keywords import Intent, classify
from smsgate.consent.keywords_text import keyword_core
from smsgate.errors import Conflict, InvalidInput
from smsgate.models import KEYWORD_KINDS, Brand, BrandKeyword

MAX_KEYWORD_CHARS = 32
_PLAIN = re.compile(r"[a-z0-9]+( [a-z0-9]+)*")


def normalise(word: str) -> str:
    """`word` as stored and matched; InvalidInput unless it is 1-32 letters, digits, spaces."""
    core = keyword_core(word) if word else None
    if core is None or len(core) > MAX_KEYWORD_CHARS or not _PLAIN.fullmatch(core):
        raise InvalidInput(f"keyword {word!r}: use 1 to {MAX_KEYWORD_CHARS} letters, digits "
                           "and single spaces", code="invalid_keyword")
    return core


def add_keywords(session: Session, brand: Brand, kind: str, words: Sequence[str]) -> None:
    """Give `brand` the keywords `words` of `kind` (join, help, opt_out); flush.

    Conflict when a word is standard, or another brand's; adding one it has is a no-op
    when the kind is the same and a Conflict when it is not (remove it first)."""
    if kind not in KEYWORD_KINDS:
        raise InvalidInput(f"keyword kind must be one of {', '.join(KEYWORD_KINDS)}")
    for word in words:
        core = normalise(word)
        standard = classify(core)
        if standard.intent is not Intent.NONE:
            raise Conflict(f"keyword {core.upper()!r} is a standard keyword "
                           f"({standard.intent.value}) and cannot be reassigned",
                           code="standard_keyword")
        held = session.execute(select(BrandKeyword, Brand.name).join(Brand)
                               .where(BrandKeyword.core == core)).first()
        if held is not None:
            keyword, owner = held
            if keyword.brand_id == brand.id and keyword.kind == kind:
                continue
            raise Conflict(f"keyword {core.upper()!r} is already brand {owner!r}'s "
                           f"{keyword.kind} keyword", code="keyword_taken")
        session.add(BrandKeyword(brand_id=brand.id, core=core, kind=kind))
        session.flush()


def remove_keywords(session: Session, brand: Brand, words: Sequence[str]) -> None:
    """Remove `brand`'s keywords `words`; InvalidInput for one it does not have."""
    for word in words:
        core = normalise(word)
        removed = session.execute(delete(BrandKeyword).where(
            BrandKeyword.brand_id == brand.id, BrandKeyword.core == core))
        if not getattr(removed, "rowcount", 0):
            raise InvalidInput(f"brand {brand.name!r} has no keyword {core.upper()!r}",
                               code="unknown_keyword")


def brand_keywords(session: Session, brand_id: int) -> list[tuple[str, str]]:
    """(kind, KEYWORD) of a brand's keywords, by kind then keyword."""
    return [(kind, core.upper()) for kind, core in session.execute(
        select(BrandKeyword.kind, BrandKeyword.core).where(BrandKeyword.brand_id == brand_id)
        .order_by(BrandKeyword.kind, BrandKeyword.core))]


def keywords_used(connection: Connection,
                  cores: Iterable[str]) -> dict[tuple[int, str], str]:
    """(brand id, core) -> kind, for each of `cores` some brand holds; one query."""
    # Only what `normalise` could have stored: most texts are no candidate, and skip the query.
    wanted = sorted({core for core in cores
                     if len(core) <= MAX_KEYWORD_CHARS and _PLAIN.fullmatch(core)})
    if not wanted:
        return {}
    return {(brand_id, core): kind for brand_id, core, kind in connection.execute(
        _USED, {"cores": wanted})}


# Built once: the webhook runs it for every batch holding a text that is no standard keyword.
_USED = select(BrandKeyword.brand_id, BrandKeyword.core, BrandKeyword.kind).where(
    BrandKeyword.core.in_(bindparam("cores", expanding=True)))
