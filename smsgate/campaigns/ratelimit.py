"""A per-brand cap on texts started per second, shared by every worker through Redis.

Fixed one-second windows: a Lua script increments the counter of (brand, current second) and
admits the caller while the count is within the brand's `messages_per_second`; otherwise it
answers how long until the next second begins. The script runs atomically in Redis, so any
number of threads, processes and machines together start at most N texts per brand in any
calendar second.

Time comes from the Redis server (`TIME`) so that workers on machines whose clocks disagree
still share one window. Tests inject a clock instead (its time is passed to the script),
which keeps them independent of the wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis import Redis

# KEYS[1]: key prefix for the brand. ARGV[1]: limit per second. ARGV[2]: the caller's time in
# microseconds, or "" for the server's. Returns 0 when admitted, else microseconds to wait.
# The window key is built in the script (from the time it reads), so this script is for a
# single Redis, not a cluster; a rejected call still counts, which only ever errs low.
_ADMIT = """
local now
if ARGV[2] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[2])
end
local second = math.floor(now / 1000000)
local key = KEYS[1] .. ':' .. string.format('%d', second)
local count = redis.call('INCR', key)
if count == 1 then
  redis.call('EXPIRE', key, 5)
end
if count <= tonumber(ARGV[1]) then
  return 0
end
return (second + 1) * 1000000 - now
"""


class RateLimitTimeout(Exception):
    """No slot was free within the caller's deadline."""


class RateLimiter:
    """Admit at most `limit` starts per brand per second across every process sharing Redis."""

    def __init__(self, redis: Redis, *, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 prefix: str = "smsgate:rate") -> None:
        self._script = redis.register_script(_ADMIT)
        self._clock = clock
        self._sleep = sleep
        self._prefix = prefix

    def try_acquire(self, brand_id: int, limit: int) -> float:
        """Take a slot now if one is free: 0.0, else the seconds until the next window."""
        if limit <= 0:
            raise ValueError("the limit must be positive")
        now = "" if self._clock is None else str(int(self._clock() * 1_000_000))
        wait_us = self._script(keys=[f"{self._prefix}:{brand_id}"], args=[limit, now])
        return int(wait_us) / 1_000_000

    def acquire(self, brand_id: int, limit: int, timeout: float | None = None) -> None:
        """Block until a slot is taken; RateLimitTimeout after waiting `timeout` seconds."""
        waited = 0.0
        while True:
            wait = self.try_acquire(brand_id, limit)
            if wait <= 0:
                return
            if timeout is not None and waited + wait > timeout:
                raise RateLimitTimeout(f"no send slot for brand {brand_id} within {timeout}s")
            # Everyone refused in this window retries at its end; the +1 ms keeps a caller
            # whose sleep ends a hair early from spinning on the old window.
            self._sleep(wait + 0.001)
            waited += wait + 0.001
