"""A per-brand cap on texts started per second, shared by every worker through Redis.

Fixed one-second windows: a Lua script adds the slots a caller asks for to the counter of
(brand, current second) and grants those still within the brand's `messages_per_second`,
answering how long the window has left. The script runs atomically in Redis, so any number
of threads, processes and machines together start at most N texts per brand in any calendar
second.

Time comes from the Redis server (`TIME`) so that workers on machines whose clocks disagree
still share one window. Tests inject a clock instead (its time is passed to the script),
which keeps them independent of the wall clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis

# KEYS[1]: key prefix for the brand. ARGV[1]: limit per second. ARGV[2]: the caller's time in
# microseconds, or "" for the server's. ARGV[3]: slots wanted. Returns {slots granted,
# microseconds left in the window}. The window key is built in the script (from the time it
# reads), so this is for a single Redis, not a cluster. Slots asked for but not granted still
# count, which only ever errs on the safe side.
_TAKE = """
local now
if ARGV[2] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[2])
end
local want = tonumber(ARGV[3])
local second = math.floor(now / 1000000)
local key = KEYS[1] .. ':' .. string.format('%d', second)
local count = redis.call('INCRBY', key, want)
if count == want then
  redis.call('EXPIRE', key, 5)
end
local granted = math.max(0, math.min(want, tonumber(ARGV[1]) - (count - want)))
return {granted, (second + 1) * 1000000 - now}
"""
# Never use a locally held slot this close to the end of its window: the window's end is
# known only to within one Redis round trip.
_SAFETY = 0.002


class RateLimitTimeout(Exception):
    """No slot was free within the caller's deadline."""


@dataclass
class _Reservoir:
    slots: int
    deadline: float  # local time at which the window these slots belong to ends


class RateLimiter:
    """Admit at most `limit` starts per brand per second across every process sharing Redis.

    `acquire` fetches a few slots per Redis call (a quarter of the limit, at most 32) and
    hands them to this process's threads until their window ends; unused ones expire with it.
    One instance is shared by the threads of a batch.
    """

    def __init__(self, redis: Redis, *, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 prefix: str = "smsgate:rate") -> None:
        self._script = redis.register_script(_TAKE)
        self._clock = clock
        self._sleep = sleep
        self._prefix = prefix
        self._lock = threading.Lock()
        self._reservoirs: dict[int, _Reservoir] = {}

    def _local_now(self) -> float:
        return self._clock() if self._clock is not None else time.monotonic()

    def take(self, brand_id: int, limit: int, want: int = 1) -> tuple[int, float]:
        """Take up to `want` slots of the current window from Redis: (slots taken, seconds
        until the window ends)."""
        if limit <= 0 or want <= 0:
            raise ValueError("the limit and the slots wanted must be positive")
        now = "" if self._clock is None else str(int(self._clock() * 1_000_000))
        granted, left_us = self._script(keys=[f"{self._prefix}:{brand_id}"],
                                        args=[limit, now, want])
        return int(granted), int(left_us) / 1_000_000

    def acquire(self, brand_id: int, limit: int, timeout: float | None = None) -> None:
        """Block until the caller may start one send; RateLimitTimeout after `timeout` s."""
        prefetch = max(1, min(limit // 4, 32))
        waited = 0.0
        # One thread at a time asks Redis; the others wait here and then use what it got.
        with self._lock:
            while True:
                reservoir = self._reservoirs.get(brand_id)
                if reservoir and reservoir.slots > 0 and self._local_now() < reservoir.deadline:
                    reservoir.slots -= 1
                    return
                asked_at = self._local_now()
                granted, left = self.take(brand_id, limit, prefetch)
                if granted:
                    self._reservoirs[brand_id] = _Reservoir(granted - 1,
                                                            asked_at + left - _SAFETY)
                    return
                if timeout is not None and waited + left > timeout:
                    raise RateLimitTimeout(f"no send slot for brand {brand_id} within "
                                           f"{timeout}s")
                # The window is full: wait for the next (+1 ms so that a sleep ending a
                # hair early does not ask about the old window again).
                self._sleep(left + 0.001)
                waited += left + 0.001
