"""Create, change and find brands, and attribute an inbound text to the brand it was sent to."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    String,
    Table,
    bindparam,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from smsgate.errors import Conflict, InvalidInput, NotFound
from smsgate.messaging import compose
from smsgate.messaging.numbers import InvalidNumberError, normalize_number
from smsgate.models import Brand, BrandNumber
from smsgate.models.brand import DEFAULT_FREQUENCY
from smsgate.sendtime.windows import parse_window

# (kind, language) -> the brand's own text; an empty text removes it (the template returns).
ReplyTexts = Mapping[tuple[str, str], str]


def _sender_numbers(raw_numbers: Sequence[str]) -> list[str]:
    try:
        return [normalize_number(raw) for raw in raw_numbers]
    except InvalidNumberError as exc:
        raise InvalidInput(f"invalid sender number: {exc}", code="invalid_number") from None


@dataclass(frozen=True)
class SendLimits:
    """A brand's own send-time limits as given (None: leave as is). `window` is
    `HH:MM-HH:MM` in the recipient's local time or `none`; a cap of 0 removes it."""

    window: str | None = None
    frequency_cap: int | None = None
    daily_cap: int | None = None

    def apply(self, brand: Brand) -> None:
        """Check and store these limits on `brand`; InvalidInput when one is malformed."""
        if self.window is not None:
            if self.window.strip().lower() == "none":
                brand.window_start = brand.window_end = None
            else:
                window = parse_window(self.window)
                brand.window_start, brand.window_end = window.start, window.end
        for name, value, top in (("frequency cap", self.frequency_cap, 1000),
                                 ("daily cap", self.daily_cap, 10_000_000)):
            if value is not None and not 0 <= value <= top:
                raise InvalidInput(f"the {name} is 0 (none) to {top}")
        if self.frequency_cap is not None:
            brand.frequency_cap = self.frequency_cap or None
        if self.daily_cap is not None:
            brand.daily_cap = self.daily_cap or None


def _check_fields(name: str | None, mps: int | None, mss: str | None) -> None:
    if name is not None and not (1 <= len(name.strip()) <= 64):
        raise InvalidInput("a brand name has 1 to 64 characters")
    if mps is not None and not (1 <= mps <= 10_000):
        raise InvalidInput("messages per second must be between 1 and 10000")
    if mss is not None and not (mss.startswith("MG") and len(mss) == 34):
        raise InvalidInput("a Messaging Service SID starts with MG and has 34 characters")


@dataclass(frozen=True)
class OptInSettings:
    """How a brand takes API opt-ins: `double_opt_in` waits `confirm_within_hours` for the
    number's YES; `program_name` is what the confirmation request calls the program. None
    leaves a setting as it is."""

    double_opt_in: bool | None = None
    confirm_within_hours: int | None = None
    program_name: str | None = None

    def apply(self, brand: Brand) -> None:
        """Check the given settings and set them on `brand`."""
        hours = self.confirm_within_hours
        if hours is not None and not 1 <= hours <= MAX_CONFIRM_HOURS:
            raise InvalidInput(f"--confirm-within is 1 to {MAX_CONFIRM_HOURS} hours")
        if self.program_name is not None and not 1 <= len(self.program_name.strip()) <= 64:
            raise InvalidInput("a program name has 1 to 64 characters")
        if self.double_opt_in is not None:
            brand.double_opt_in = self.double_opt_in
        if hours is not None:
            brand.confirm_within_hours = hours
        if self.program_name is not None:
            brand.program_name = self.program_name.strip()


MAX_CONFIRM_HOURS = 30 * 24  # a month: a request older than that no longer reads as asked


def create_brand(session: Session, name: str, numbers: Sequence[str] = (), *,
                 messaging_service_sid: str | None = None, help_text: str | None = None,
                 messages_per_second: int | None = None,
                 frequency_text: str | None = None, reply_texts: ReplyTexts | None = None,
                 limits: SendLimits | None = None,
                 opt_in: OptInSettings = OptInSettings()) -> Brand:
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
    _set_reply_texts(brand, reply_texts or {})
    (limits or SendLimits()).apply(brand)
    opt_in.apply(brand)
    session.add(brand)
    _add_numbers(session, brand, _sender_numbers(numbers))
    session.flush()
    return brand


def update_brand(session: Session, name: str, *, add_numbers: Sequence[str] = (),
                 messaging_service_sid: str | None = None, help_text: str | None = None,
                 messages_per_second: int | None = None,
                 frequency_text: str | None = None, reply_texts: ReplyTexts | None = None,
                 limits: SendLimits | None = None,
                 opt_in: OptInSettings = OptInSettings()) -> Brand:
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
    _set_reply_texts(brand, reply_texts or {})
    (limits or SendLimits()).apply(brand)
    opt_in.apply(brand)
    _add_numbers(session, brand, _sender_numbers(add_numbers))
    session.flush()
    return brand


def _set_reply_texts(brand: Brand, changes: ReplyTexts) -> None:
    """Set (or, with an empty text, remove) the brand's own reply texts, each checked."""
    if not changes:
        return
    texts = json.loads(brand.reply_texts or "{}")
    for (kind, language), text in changes.items():
        if not text.strip():
            texts.pop(f"{kind}.{language}", None)
            continue
        problem = compose.check_reply_text(kind, language, text, brand.name)
        if problem is not None:
            raise InvalidInput(problem, code="invalid_reply_text")
        texts[f"{kind}.{language}"] = text.strip()
    brand.reply_texts = json.dumps(texts, sort_keys=True, ensure_ascii=False)


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


class ReplyBrand(NamedTuple):
    """The fields of a brand that attributing and answering an inbound text needs."""

    id: int
    revision: int
    name: str
    help_text: str | None
    frequency_text: str
    reply_texts: str  # JSON {"kind.language": text}
    double_opt_in: bool  # its API opt-ins wait for a YES (smsgate.consent.confirmations)

    def reply(self, kind: str, language: str, all_brands: bool = False) -> str:
        """This brand's reply of `kind` in `language` (its own text, else the template)."""
        return compose.reply_text(kind, language, brand_name=self.name,
                                  frequency_text=self.frequency_text, help_text=self.help_text,
                                  custom=_custom_texts(self.reply_texts), all_brands=all_brands,
                                  default_frequency=DEFAULT_FREQUENCY)


def _custom_texts(encoded: str) -> dict[str, str]:
    return json.loads(encoded) if encoded and encoded != "{}" else {}


def reply_brand_select(to_number: ColumnElement[Any], messaging_service_sid: ColumnElement[Any]
                       ) -> CompoundSelect[*tuple[Any, ...]]:
    """The reply-brand rule, written once: the brand owning the number texted wins, else the
    brand of the Messaging Service the text came through (a NULL matches no brand).

    Returns at most one row with `ReplyBrand`'s columns (and a rank). `brand_for_inbound`
    runs it with bound parameters; `smsgate.consent.inbound_pg` compiles it over its batch's
    columns to check the lookups its writer cached, so the two can never disagree.
    """
    brand, number = _BRANDS.alias("b"), _NUMBERS.alias("n")
    columns = [brand.c[name] for name in ReplyBrand._fields]
    return union_all(
        select(*columns, literal_column("0").label("r"))
        .join_from(brand, number, number.c.brand_id == brand.c.id)
        .where(number.c.number == to_number),
        select(*columns, literal_column("1").label("r"))
        .where(brand.c.messaging_service_sid == messaging_service_sid),
    ).order_by("r").limit(1)


_BRANDS = cast(Table, Brand.__table__)
_NUMBERS = cast(Table, BrandNumber.__table__)
# Built once: the webhook runs it for every (number texted, service) it has not cached.
_REPLY_BRAND = reply_brand_select(bindparam("to_number", type_=String),
                                  bindparam("service_sid", type_=String))


def brand_for_inbound(db: Session | Connection, to_number: str | None,
                      messaging_service_sid: str | None) -> ReplyBrand | None:
    """The brand a text to `to_number` through `messaging_service_sid` belongs to (see
    `reply_brand_select`), or None; one query, no ORM objects (the webhook's hot path)."""
    if not (to_number or messaging_service_sid):
        return None
    row = db.execute(
        _REPLY_BRAND, {"to_number": to_number, "service_sid": messaging_service_sid}).first()
    return ReplyBrand(*row[:len(ReplyBrand._fields)]) if row else None


def brand_for_reply(db: Session | Connection, brand_id: int) -> ReplyBrand:
    """The reply fields of brand `brand_id` (which exists: replies follow its own records)."""
    row = db.execute(select(*(_BRANDS.c[name] for name in ReplyBrand._fields))
                     .where(_BRANDS.c.id == brand_id)).one()
    return ReplyBrand(*row)
