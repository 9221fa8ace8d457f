"""Create, change and find brands, and attribute an inbound text to the brand it was sent to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from smsgate.errors import Conflict, InvalidInput, NotFound
from smsgate.models import Brand, BrandNumber
from smsgate.messaging.numbers import InvalidNumberError, normalize_number


def _sender_numbers(raw_numbers: Sequence[str]) -> list[str]:
    try:
        return [normalize_number(raw) for raw in raw_numbers]
    except InvalidNumberError as exc:
        raise InvalidInput(f"invalid sender number: {exc}", code="invalid_number") from None


def _check_fields(name: str | None, mps: int | None, mss: str | None) -> None:
    if name is not None and not (1 <= len(name.strip()) <= 64):
        raise InvalidInput("a brand name has 1 to 64 characters")
    if mps is not None and not (1 <= mps <= 10_000):
        raise InvalidInput("messages per second must be between 1 and 10000")
    if mss is not None and not (mss.startswith("MG") and len(mss) == 34):
        raise InvalidInput("a Messaging Service SID starts with MG and has 34 characters")


def create_brand(session: Session, name: str, numbers: Sequence[str] = (), *,
                 messaging_service_sid: str | None = None, help_text: str | None = None,
                 messages_per_second: int | None = None,
                 frequency_text: str | None = None) -> Brand:
    """Add a brand with its sender numbers; it needs at least a number or a service SID."""
    _check_fields(name, messages_per_second, messaging_service_sid)
    if not numbers and not messaging_service_sid:
        raise InvalidInput("a brand needs a sender number or a Messaging Service SID")
    name = name.strip()
    if session.scalar(select(Brand.id).where(Brand.name == name)) is not None:
        raise Conflict(f"brand {name!r} exists already", code="brand_exists")
    brand = Brand(name=name, messaging_service_sid=messaging_service_sid, help_text=help_text,
                  messages_per_second=messages_per_second or 10)
    if frequency_text:
        brand.frequency_text = frequency_text
    session.add(brand)
    _add_numbers(session, brand, _sender_numbers(numbers))
    session.flush()
    return brand


def update_brand(session: Session, name: str, *, add_numbers: Sequence[str] = (),
                 messaging_service_sid: str | None = None, help_text: str | None = None,
                 messages_per_second: int | None = None,
                 frequency_text: str | None = None) -> Brand:
    """Change the given fields of brand `name`; numbers are added, never silently moved."""
    _check_fields(None, messages_per_second, messaging_service_sid)
    brand = get_brand(session, name)
    if messaging_service_sid is not None:
        brand.messaging_service_sid = messaging_service_sid
    if help_text is not None:
        brand.help_text = help_text
    if messages_per_second is not None:
        brand.messages_per_second = messages_per_second
    if frequency_text is not None:
        brand.frequency_text = frequency_text
    _add_numbers(session, brand, _sender_numbers(add_numbers))
    session.flush()
    return brand


def _add_numbers(session: Session, brand: Brand, numbers: list[str]) -> None:
    for number in numbers:
        owner = session.scalar(select(BrandNumber).where(BrandNumber.number == number))
        if owner is not None and owner.brand is not brand:
            raise Conflict(f"{number} belongs to brand {owner.brand.name!r}", code="number_taken")
        if owner is None:
            brand.numbers.append(BrandNumber(number=number))


def get_brand(session: Session, name: str) -> Brand:
    """The brand called `name`, or NotFound."""
    brand = session.scalar(select(Brand).where(Brand.name == name))
    if brand is None:
        raise NotFound(f"no brand named {name!r}", code="unknown_brand")
    return brand


def brand_for_inbound(session: Session, to_number: str | None,
                      messaging_service_sid: str | None) -> Brand | None:
    """The brand that owns the number texted, else the Messaging Service it came through."""
    if to_number:
        brand = session.scalar(select(Brand).join(BrandNumber)
                               .where(BrandNumber.number == to_number))
        if brand is not None:
            return brand
    if messaging_service_sid:
        return session.scalar(select(Brand)
                              .where(Brand.messaging_service_sid == messaging_service_sid))
    return None


class ReplyBrand(NamedTuple):
    """The fields of a brand that attributing and answering an inbound text needs."""

    id: int
    name: str
    help_text: str | None
    frequency_text: str


_REPLY_COLUMNS = (Brand.id, Brand.name, Brand.help_text, Brand.frequency_text)
# Built once: the webhook runs it on every text. A NULL parameter matches no row.
# `smsgate.consent.inbound_pg` checks cached results with the same rule in SQL (its `stale`
# step): change one, change both.
_REPLY_BRAND = union_all(
    select(*_REPLY_COLUMNS, literal(0).label("rank")).join(BrandNumber)
    .where(BrandNumber.number == bindparam("to_number")),
    select(*_REPLY_COLUMNS, literal(1).label("rank"))
    .where(Brand.messaging_service_sid == bindparam("service_sid")),
).order_by("rank").limit(1)


def reply_brand_for_inbound(connection: Connection, to_number: str | None,
                            messaging_service_sid: str | None) -> ReplyBrand | None:
    """`brand_for_inbound` in one query and without ORM objects (the webhook's hot path):
    the brand owning the number texted, else the Messaging Service's brand."""
    if not (to_number or messaging_service_sid):
        return None
    row = connection.execute(
        _REPLY_BRAND, {"to_number": to_number, "service_sid": messaging_service_sid}).first()
    return ReplyBrand(*row[:4]) if row else None
