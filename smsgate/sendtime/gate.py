"""The send-time gate a recipient passes before it is claimed: its window open now, in every
candidate zone, under the law's rule for its state narrowed by the brand's window.

Decisions are cached per (zones, state) until the instant they change (the window closes or
opens), so a batch of thousands of numbers costs a dictionary look-up per recipient and a
zone computation per distinct area-code profile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from smsgate.models import Brand
from smsgate.sendtime.rules import effective_cap, effective_window, profile_of
from smsgate.sendtime.windows import Decision, Window, decide, zone

# Carriers (T-Mobile) reset 10DLC daily caps at midnight Pacific time.
CARRIER_DAY_ZONE = "America/Los_Angeles"


@dataclass(frozen=True)
class BrandLimits:
    """What a brand adds to the law: a narrower window, a 24-hour cap, a daily carrier cap."""

    window: Window | None
    frequency_cap: int | None
    daily_cap: int | None

    @classmethod
    def of(cls, brand: Brand) -> BrandLimits:
        """The limits stored on `brand`."""
        window = (Window(brand.window_start, brand.window_end)
                  if brand.window_start is not None and brand.window_end is not None else None)
        return cls(window, brand.frequency_cap, brand.daily_cap)


def zones_text(e164: str) -> tuple[str, str | None]:
    """What a recipient row stores: its candidate zones (space-separated) and state."""
    profile = profile_of(e164)
    return " ".join(profile.zones), profile.state


class Gate:
    """Window decisions for one brand, cached per profile until they change; thread-safe."""

    def __init__(self, limits: BrandLimits) -> None:
        self.limits = limits
        # Per profile: the decision and when it was made; it holds from then until `until`.
        self._cache: dict[tuple[str, str | None], tuple[datetime, Decision]] = {}
        self._lock = threading.Lock()

    def decide(self, time_zones: str | None, state: str | None, now: datetime) -> Decision:
        """Open now (until when) or closed (opening when; None: not within days)."""
        key = (time_zones or "", state)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            made, decision = cached
            if decision.until is not None and made <= now < decision.until:
                return decision
        zones = tuple((time_zones or "America/New_York").split())
        decision = decide(zones, effective_window(state, self.limits.window), now)
        with self._lock:
            self._cache[key] = (now, decision)
        return decision

    def cap(self, state: str | None) -> int | None:
        """Texts per number per rolling 24 hours for a recipient in `state`, if capped."""
        return effective_cap(state, self.limits.frequency_cap)


def carrier_day(now: datetime) -> str:
    """The carrier's day `now` falls in (Pacific date), as YYYY-MM-DD."""
    return now.astimezone(zone(CARRIER_DAY_ZONE)).date().isoformat()


def next_carrier_day(now: datetime) -> datetime:
    """The next midnight Pacific after `now`."""
    local = now.astimezone(zone(CARRIER_DAY_ZONE))
    tomorrow = local.date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=local.tzinfo)
