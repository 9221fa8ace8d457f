"""Pure time arithmetic: is a daily local window open now in every candidate zone, and if
not, when does it next open in all of them at once?

A window is [start, end) in minutes after local midnight, read on the recipient's wall
clock, so the same rule follows each zone through its DST changes. A number whose area code
spans several zones may be texted only while the window is open in all of them: we cannot
know which one the recipient is in, and the law protects whichever it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from smsgate.errors import InvalidInput

MINUTES_PER_DAY = 24 * 60
# Beyond this, two zones' windows are taken never to overlap (Guam and Hawaii cannot share
# a 08:00-20:00 day): the recipient stays deferred until its campaign expires.
SEARCH_DAYS = 3


@dataclass(frozen=True)
class Window:
    """A daily local window [start, end), minutes after midnight; start < end."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"

    def narrowed(self, other: Window | None) -> Window | None:
        """The part of this window `other` also allows (a brand can only narrow the law's);
        None when they share no minute."""
        if other is None:
            return self
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Window(start, end) if start < end else None


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_window(text: str) -> Window:
    """`HH:MM-HH:MM` (end after start, 24:00 allowed as an end) or InvalidInput."""
    try:
        start_text, end_text = text.strip().split("-")
        start, end = (_minutes(part) for part in (start_text, end_text))
    except ValueError:
        raise InvalidInput(f"a window is HH:MM-HH:MM, not {text!r}", code="invalid_window",
                           field="window") from None
    if not start < end:
        raise InvalidInput("a window's end must come after its start", code="invalid_window",
                           field="window")
    return Window(start, end)


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    if len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(text)
    return value


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (cached: ZoneInfo objects are immutable)."""
    return ZoneInfo(name)


def _open_in(zone_name: str, window: Window, at: datetime) -> bool:
    local = at.astimezone(zone(zone_name))
    minute = local.hour * 60 + local.minute
    return window.start <= minute < window.end


def _next_open_in(zone_name: str, window: Window, at: datetime) -> datetime:
    """The first instant at or after `at` when `window` is open in `zone_name`."""
    if _open_in(zone_name, window, at):
        return at
    tz = zone(zone_name)
    local = at.astimezone(tz)
    for day in range(2):
        start = datetime.combine(local.date() + timedelta(days=day),
                                 time(window.start // 60, window.start % 60), tz)
        if start > at:
            return start
    raise AssertionError("a daily window opens within a day")


def _close_in(zone_name: str, window: Window, at: datetime) -> datetime:
    """When `window`, open at `at` in `zone_name`, closes there."""
    tz = zone(zone_name)
    local = at.astimezone(tz)
    end_date = local.date() + timedelta(days=window.end // MINUTES_PER_DAY)
    end_minute = window.end % MINUTES_PER_DAY
    return datetime.combine(end_date, time(end_minute // 60, end_minute % 60), tz)


@dataclass(frozen=True)
class Decision:
    """Open now (until `until`), or closed (opening at `until`; None: not within days)."""

    open: bool
    until: datetime | None


def decide(zones: tuple[str, ...], window: Window | None, now: datetime) -> Decision:
    """May a text go at `now` to a number in `zones` under `window`? None: never (empty)."""
    if window is None:
        return Decision(False, None)
    if all(_open_in(name, window, now) for name in zones):
        return Decision(True, min(_close_in(name, window, now) for name in zones).astimezone(UTC))
    at = now
    limit = now + timedelta(days=SEARCH_DAYS)
    while at < limit:
        later = max(_next_open_in(name, window, at) for name in zones)
        if all(_open_in(name, window, later) for name in zones):
            return Decision(False, later.astimezone(UTC))
        # Opened in the last zone after it closed in another: try each zone's next day.
        at = min(_close_in(name, window, later) for name in zones
                 if _open_in(name, window, later))
    return Decision(False, None)
