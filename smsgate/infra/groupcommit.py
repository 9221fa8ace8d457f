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

A caller that needs no answer uses `submit_nowait`: while a batch is being written its item
just joins the queue and the caller goes on; the leader keeps writing batches for as long as
only such items wait, so none is left behind. `flush` waits until they are all written and
raises the first error one of them met.
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
    """One item, and what the batch that wrote it gave back."""

    __slots__ = ("error", "item", "lead", "ready", "result", "taken")

    def __init__(self, item: T, *, waited_for: bool) -> None:
        self.item = item
        # Held until the caller is woken; None when no caller waits (`submit_nowait`). A bare
        # lock, not an Event: releasing a lock is the cheapest way to wake one thread.
        self.ready: threading.Lock | None = None
        if waited_for:
            self.ready = threading.Lock()
            self.ready.acquire()
        self.lead = False  # woken to lead the next batch, not with a result
        self.taken = False  # in a batch already (set under the group's lock)
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
        self._unwritten = 0  # items of `submit_nowait` not yet written
        self._all_written = threading.Condition(self._lock)
        self._nowait_errors: list[BaseException] = []

    def submit(self, item: T) -> R:
        """Write `item` in the next batch and return its result (or raise its error)."""
        slot: _Slot[T, R] = _Slot(item, waited_for=True)
        assert slot.ready is not None
        lead = self._enqueue(slot)
        while True:
            if lead:
                self._lead(slot)  # returns once this caller's own slot was written
            slot.ready.acquire()  # each wake-up releases it exactly once
            if not slot.lead:
                break
            slot.lead, lead = False, True
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # R itself may include None

    def submit_nowait(self, item: T) -> None:
        """Have `item` written without waiting for it; `flush` reports its error, if any.

        While a batch is being written this returns at once (that batch's leader writes the
        item). Otherwise this caller leads, and returns once its item is written.
        """
        slot: _Slot[T, R] = _Slot(item, waited_for=False)
        with self._lock:
            self._unwritten += 1
        if self._enqueue(slot):
            self._lead(slot)

    def flush(self) -> None:
        """Wait until every `submit_nowait` item is written; raise the first error one of
        them met since the last flush (the others are dropped with it)."""
        with self._all_written:
            self._all_written.wait_for(lambda: self._unwritten == 0)
            errors, self._nowait_errors = self._nowait_errors, []
        if errors:
            raise errors[0]

    def waiting(self) -> int:
        """How many callers wait for a batch: `write` may keep what the next batch needs."""
        return len(self._waiting)

    def _enqueue(self, slot: _Slot[T, R]) -> bool:
        """Queue `slot`; True when its caller must lead (no batch is being written)."""
        with self._lock:
            self._waiting.append(slot)
            lead = not self._writing
            self._writing = True
        return lead

    def _lead(self, own: _Slot[T, R] | None) -> None:
        """Write batches until `own` is written and no item is left that only we can write."""
        while True:
            items, results = self._write_batch()
            keep_leading = self._pass_on(own)
            if results is not None and self._after is not None:
                try:
                    self._after(items, results)
                except BaseException:
                    if keep_leading:
                        self._lead(own)  # no queued item may be left without a leader
                    raise
            if not keep_leading:
                return

    def _write_batch(self) -> tuple[list[T], Sequence[R | BaseException] | None]:
        """Write the oldest waiting slots and release their callers; the results, or None
        when `write` raised."""
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
            for slot in batch:
                slot.taken = True
        items = [slot.item for slot in batch]
        results: Sequence[R | BaseException] | None = None
        try:
            results = self._write(items)
            if len(results) != len(batch):
                raise RuntimeError(f"write returned {len(results)} results for "
                                   f"{len(batch)} items")
            for slot, result in zip(batch, results, strict=True):
                if isinstance(result, BaseException):
                    slot.error = result
                else:
                    slot.result = result
        except BaseException as exc:  # noqa: BLE001 - every caller must wake, whatever happened
            results = None
            for slot in batch:
                slot.error = exc
        finally:
            self._release(batch)
        return items, results

    def _release(self, batch: list[_Slot[T, R]]) -> None:
        """Wake the callers of `batch`; keep the errors of the items nobody waits for."""
        unwaited = [slot for slot in batch if slot.ready is None]
        if unwaited:
            with self._all_written:
                self._nowait_errors.extend(slot.error for slot in unwaited
                                           if slot.error is not None)
                self._unwritten -= len(unwaited)
                if self._unwritten == 0:
                    self._all_written.notify_all()
        for slot in batch:
            if slot.ready is not None:
                slot.ready.release()

    def _pass_on(self, own: _Slot[T, R] | None) -> bool:
        """After a batch: True to write the next one too (our own slot still waits, or only
        `submit_nowait` items do); else wake the oldest waiting caller to lead it, or stand
        down."""
        with self._lock:
            if not self._waiting:
                self._writing = False
                return False
            if own is not None and not own.taken:
                return True
            successor = next((slot for slot in self._waiting if slot.ready is not None), None)
            if successor is None:
                return True
        successor.lead = True
        assert successor.ready is not None
        successor.ready.release()
        return False
