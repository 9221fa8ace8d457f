"""Parse and check an auditor's export filters; decide which brand a key may see.

The filters, as the HTTP query, the CLI options and the audit page all spell them:

* ``brand``: a brand name. Selects that brand's entries **and every STOPALL entry**
  (``scope == "all"``), whichever brand it came in through, since a STOPALL applies to
  every brand. An unknown name is **404** ``unknown_brand``.
* ``number``: any form ``normalize_number`` accepts (default region US); compared as E.164.
* ``since`` / ``until``: recorded time, both ends **inclusive**. Each is a calendar date
  ``YYYY-MM-DD`` or an ISO 8601 date-time (``2026-01-31T12:00:00Z``, ``...+02:00``); a
  naive date-time is UTC. A date as ``since`` means that day's first instant, as ``until``
  the whole of that day (so ``since=2026-01-01&until=2026-01-31`` is all of January).
* ``as_of``: the state of consent as it stood at that moment (same forms; a date means
  the end of that day). See `smsgate.audit.query` for exactly which entries that selects.
  It describes a moment, not a period, so it cannot be combined with since/until (422).

Empty values count as not given (an HTML form sends every field). Anything else wrong is
**422** with a code: ``unknown_parameter``, ``repeated_parameter``, ``invalid_time``,
``invalid_number``, ``invalid_brand``, ``invalid_range``, ``conflicting_filters``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smsgate.accounts.brands import get_brand
from smsgate.errors import Forbidden, InvalidInput
from smsgate.messaging.numbers import InvalidNumberError, normalize_number
from smsgate.models import Brand

FILTER_NAMES = ("brand", "number", "since", "until", "as_of")
MAX_VALUE_CHARS = 64

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}.*")
_ONE_MICROSECOND = timedelta(microseconds=1)
_INVALID = {"brand": "invalid_brand", "number": "invalid_number", "since": "invalid_time",
            "until": "invalid_time", "as_of": "invalid_time"}


@dataclass(frozen=True)
class ExportFilters:
    """Checked filters. Times are half-open UTC bounds: ``since <= recorded_at < before``.

    ``before`` is the exclusive form of ``until`` (the instant after it; recorded times have
    microsecond precision), ``as_of_before`` the same for ``as_of``. None: no bound.
    """

    brand: str | None = None
    number: str | None = None
    since: datetime | None = None
    before: datetime | None = None
    as_of_before: datetime | None = None

    @property
    def as_of(self) -> bool:
        """True when this asks for the state at a moment rather than a list of entries."""
        return self.as_of_before is not None


def parse_filters(args: Mapping[str, str | Sequence[str]]) -> ExportFilters:
    """Check raw filter values (query args or CLI options) and return ExportFilters.

    A value may be a string or a list of strings (a repeated query parameter, refused).
    Raises InvalidInput (422) naming the filter at fault; never anything else.
    """
    values: dict[str, str] = {}
    for name, raw in args.items():
        if name not in FILTER_NAMES:
            raise InvalidInput(f"unknown filter {name!r}; filters are {', '.join(FILTER_NAMES)}",
                               code="unknown_parameter")
        if raw is None:
            continue
        if not isinstance(raw, str):
            given = [item for item in raw if item]
            if len(given) > 1:
                raise InvalidInput(f"filter {name!r} given more than once",
                                   code="repeated_parameter")
            raw = given[0] if given else ""
        if len(raw) > MAX_VALUE_CHARS:
            raise InvalidInput(f"filter {name!r} is longer than {MAX_VALUE_CHARS} characters",
                               code=_INVALID[name])
        if raw.strip():
            values[name] = raw.strip()

    number = None
    if "number" in values:
        try:
            number = normalize_number(values["number"])
        except InvalidNumberError as exc:
            raise InvalidInput(f"number: {exc}", code="invalid_number") from None
    since = _moment(values, "since", end_of_day=False)
    before = _exclusive(_moment(values, "until", end_of_day=True), "until")
    as_of_before = _exclusive(_moment(values, "as_of", end_of_day=True), "as_of")
    if as_of_before is not None and (since is not None or "until" in values):
        raise InvalidInput("as_of is a moment; it cannot be combined with since or until",
                           code="conflicting_filters")
    if since is not None and before is not None and since >= before:
        raise InvalidInput("since is after until", code="invalid_range")
    return ExportFilters(values.get("brand"), number, since, before, as_of_before)


def _moment(values: Mapping[str, str], name: str, *, end_of_day: bool) -> datetime | None:
    """Parse one time filter to the last (end_of_day) or first instant it names, in UTC."""
    text = values.get(name)
    if text is None:
        return None
    try:
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
            if end_of_day:
                return datetime.combine(day, time.max, UTC)
            return datetime.combine(day, time.min, UTC)
        if _DATETIME.fullmatch(text):
            moment = datetime.fromisoformat(text)
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise InvalidInput(f"{name}: expected an ISO 8601 date (2026-01-31) or date-time "
                       f"(2026-01-31T12:00:00Z), got {text!r}", code="invalid_time")


def _exclusive(moment: datetime | None, name: str) -> datetime | None:
    """The instant just after `moment`: `<= moment` becomes `< result` (None: unbounded)."""
    if moment is None:
        return None
    try:
        return moment + _ONE_MICROSECOND
    except OverflowError:
        return None  # the end of year 9999: nothing can be recorded after it


def visible_brand_id(session: Session, filters: ExportFilters,
                     key_brand_id: int | None) -> int | None:
    """The brand whose entries (plus STOPALLs) the export shows; None means every brand.

    A key scoped to a brand sees that brand only: asking for another is 403 ``wrong_brand``
    (decided before looking the name up, so a scoped key cannot probe which brands exist).
    An unscoped key may name any brand; an unknown name is 404 ``unknown_brand``.
    """
    if key_brand_id is not None:
        own = session.scalar(select(Brand.name).where(Brand.id == key_brand_id))
        if filters.brand is not None and filters.brand != own:
            raise Forbidden("this key is limited to another brand", code="wrong_brand")
        return key_brand_id
    if filters.brand is None:
        return None
    return get_brand(session, filters.brand).id
