"""Group commit: concurrent callers in one process share one write per batch.

Every inbound webhook commits a transaction, and on a small machine the fixed cost of each
(round trips, the commit's flush, the ledger head held across it, the Redis round trip
after it) is most of what the webhook costs. `GroupCommit` lets the requests a process is
serving combine: the first caller to arrive while no write is under way becomes the leader
and writes every item waiting at that moment, its own among them, in one call. The others
wait for their result. When the leader is done it wakes them, hands leadership to the
oldest caller that arrived meanwhile, and only then runs the batch's after-commit work, so
the next batch's write never waits for it.

There is no background thread: a batch is written inside the request of the caller that
leads it (its app context), and a lone caller simply writes a batch of one. Each item's
result, or its exception, goes back to the caller that submitted it. Callers are threads,
or greenlets under the Procfile's gevent workers, whose monkey-patching turns the locks
below into greenlet locks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

GATHER_PASSES = 3  # at most, before a leader takes its batch

T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T, R]):
    """One caller's item, and what the batch that wrote it gave back."""

    __slots__ = ("error", "item", "lead", "ready", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        # Held until the caller is woken. A bare lock, not an Event: the leader wakes every
        # caller of its batch while holding the GIL, and py-spy found 8 % of a web worker's
        # GIL time in Event.set's condition; a lock's release is the least that wakes a thread.
        self.ready = threading.Lock()
        self.ready.acquire()
        self.lead = False  # woken to lead the next batch, not with a result
        self.result: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """Batch concurrent `submit` calls into calls of `write`.

    `write(items)` returns one result per item, in order; a result that is an exception is
    raised in that item's caller. If `write` itself raises, every caller in the batch gets
    that exception. `after(items, results)` runs once per batch that `write` completed,
    after the callers were released (in the leader's thread); it must not raise.
    """

    def __init__(self, write: Callable[[list[T]], Sequence[R | BaseException]], *,
                 max_batch: int = 64,
                 after: Callable[[list[T], Sequence[R | BaseException]], None] | None = None
                 ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._write, self._after, self._max_batch = write, after, max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Slot[T, R]] = []
        self._writing = False

    def submit(self, item: T) -> R:
        """Write `item` in the next batch and return its result (or raise its error)."""
        slot: _Slot[T, R] = _Slot(item)
        with self._lock:
            self._waiting.append(slot)
            lead = not self._writing
            self._writing = True
        while True:
            if lead:
                self._write_batch()  # the batch always holds this caller's own slot
            slot.ready.acquire()  # each wake-up releases it exactly once
            if not slot.lead:
                break
            slot.lead, lead = False, True
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def waiting(self) -> int:
        """How many callers wait for a batch: `write` may keep what the next batch needs."""
        return len(self._waiting)

    def _write_batch(self) -> None:
        """Write the oldest waiting slots, release them, pass leadership on, then `after`."""
        # Let every caller that is ready to submit join this batch first. Under gevent (the
        # Procfile's workers) a sleep(0) runs each other runnable greenlet, and polls for
        # requests that arrived, before the leader goes on; under threads it gives up the GIL.
        # Again while that brought more (each pass is cheap; a bigger batch saves a write).
        for _ in range(GATHER_PASSES):
            before = len(self._waiting)
            time.sleep(0)
            if len(self._waiting) == before:
                break
        with self._lock:
            batch = self._waiting[:self._max_batch]
            del self._waiting[:self._max_batch]
        items = [slot.item for slot in batch]
        results: Sequence[R | BaseException] | None = None
        try:
            results = self._write(items)
            if len(results) != len(batch):
                raise RuntimeError(f"write returned {len(results)} results for "
                                   f"{len(batch)} items")
            for slot, result in zip(batch, results):
                if isinstance(result, BaseException):
                    slot.error = result
                else:
                    slot.result = result
        except BaseException as exc:  # noqa: BLE001 - every caller must wake, whatever happened
            results = None
            for slot in batch:
                slot.error = exc
        finally:
            for slot in batch:
                slot.ready.release()
            self._pass_on()
        if results is not None and self._after is not None:
            self._after(items, results)

    def _pass_on(self) -> None:
        """Wake the oldest waiting caller to lead the next batch, or stand down."""
        with self._lock:
            if not self._waiting:
                self._writing = False
                return
            successor = self._waiting[0]
        successor.lead = True
        successor.ready.release()
