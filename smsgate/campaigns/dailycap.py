"""A per-brand cap on message segments per carrier day (T-Mobile caps 10DLC brands per day,
resetting at midnight Pacific), shared by every worker through one Redis counter per brand
and day.

`take` adds a text's segments to the counter and allows it only when the total stays within
the cap. Segments of a text refused here still count: that errs on the safe side and keeps
the check one atomic INCRBY.
"""

from __future__ import annotations

from datetime import datetime

from redis import Redis

from smsgate.sendtime.gate import carrier_day

_KEEP_SECONDS = 2 * 24 * 3600  # a day's counter outlives its day, whatever the zone


class DailyCap:
    """Segments per brand per Pacific day, counted in Redis."""

    def __init__(self, redis: Redis, prefix: str = "smsgate:daily") -> None:
        self._redis = redis
        self._prefix = prefix

    def key(self, brand_id: int, now: datetime) -> str:
        """The Redis counter of `brand_id`'s carrier day at `now`."""
        return f"{self._prefix}:{brand_id}:{carrier_day(now)}"

    def take(self, brand_id: int, cap: int, segments: int, now: datetime) -> bool:
        """Spend `segments` of today's `cap`: True when the text may go today."""
        key = self.key(brand_id, now)
        pipe = self._redis.pipeline()
        pipe.incrby(key, segments)
        pipe.expire(key, _KEEP_SECONDS)
        total, _ = pipe.execute()
        return int(total) <= cap

    def used(self, brand_id: int, now: datetime) -> int:
        """Segments counted so far on `brand_id`'s carrier day at `now`."""
        value = self._redis.get(self.key(brand_id, now))
        return int(value) if value else 0
