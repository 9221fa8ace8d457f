"""GroupCommit: concurrent callers share writes, and every caller gets its own answer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate.infra.groupcommit import GroupCommit


class Recorder:
    """A write function that records its batches; the first batch can be held open so
    that the callers arriving meanwhile pile up behind it."""

    def __init__(self, hold_first: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.after: list[list[int]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def write(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        self.entered.set()
        self.release.wait(5)
        return [item * 10 for item in items]

    def after_batch(self, items: list[int], results) -> None:
        self.after.append(list(items))


def wait_for_waiters(group: GroupCommit, count: int) -> None:
    """Until `count` callers are queued behind the batch being written."""
    for _ in range(500):
        if len(group._waiting) >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"{len(group._waiting)} callers waiting, expected {count}")


def pile_up(pool, group: GroupCommit, recorder: Recorder, items):
    """Submit 0, hold its write open until `items` are all queued behind it, release it;
    return the futures of 0 and of `items`."""
    first = pool.submit(group.submit, 0)
    assert recorder.entered.wait(5)
    rest = [pool.submit(group.submit, item) for item in items]
    wait_for_waiters(group, len(items))
    recorder.release.set()
    return first, rest


def test_a_lone_caller_writes_a_batch_of_one():
    recorder = Recorder()
    group = GroupCommit(recorder.write, after=recorder.after_batch)
    assert group.submit(4) == 40
    assert group.submit(5) == 50
    assert recorder.batches == [[4], [5]]
    assert recorder.after == [[4], [5]]


def test_callers_arriving_during_a_write_share_the_next_one():
    recorder = Recorder(hold_first=True)
    group = GroupCommit(recorder.write, after=recorder.after_batch)
    with ThreadPoolExecutor(8) as pool:
        first, rest = pile_up(pool, group, recorder, range(1, 8))
        assert first.result(5) == 0
        assert [future.result(5) for future in rest] == [10, 20, 30, 40, 50, 60, 70]
    assert recorder.batches[0] == [0]
    assert sorted(recorder.batches[1]) == [1, 2, 3, 4, 5, 6, 7]  # one write for all seven
    assert len(recorder.batches) == 2
    assert sorted(map(tuple, recorder.after)) == sorted(map(tuple, recorder.batches))


def test_batches_never_exceed_max_batch():
    recorder = Recorder(hold_first=True)
    group = GroupCommit(recorder.write, max_batch=3)
    with ThreadPoolExecutor(8) as pool:
        first, rest = pile_up(pool, group, recorder, range(1, 8))
        assert [future.result(5) for future in [first, *rest]] == [i * 10 for i in range(8)]
    assert max(len(batch) for batch in recorder.batches) == 3
    assert sorted(item for batch in recorder.batches for item in batch) == list(range(8))


def test_a_failed_write_fails_every_caller_in_it_and_the_next_batch_still_runs():
    calls = []

    def write(items):
        calls.append(list(items))
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return items

    group = GroupCommit(write)
    with pytest.raises(ConnectionError):
        group.submit(1)
    assert group.submit(2) == 2  # leadership was handed on, not lost


def test_a_result_that_is_an_exception_is_raised_in_its_own_caller_only():
    recorder = Recorder(hold_first=True)

    def write(items):
        recorder.write(items)
        return [ValueError(f"bad {item}") if item == 3 else item for item in items]

    group = GroupCommit(write)
    with ThreadPoolExecutor(4) as pool:
        first, rest = pile_up(pool, group, recorder, (2, 3, 4))
        futures = dict(zip((2, 3, 4), rest, strict=True))
        assert first.result(5) == 0
        assert futures[2].result(5) == 2 and futures[4].result(5) == 4
        with pytest.raises(ValueError, match="bad 3"):
            futures[3].result(5)


def test_a_write_returning_the_wrong_number_of_results_fails_loudly():
    group = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="0 results for 1 items"):
        group.submit(1)


def test_after_runs_once_the_callers_are_released():
    recorder = Recorder(hold_first=True)
    after_may_finish = threading.Event()

    def after(items, results):
        if len(items) > 1:  # the batch of callers 1 and 2, led by one of them
            after_may_finish.wait(5)

    group = GroupCommit(recorder.write, after=after)
    with ThreadPoolExecutor(3) as pool:
        first, futures = pile_up(pool, group, recorder, (1, 2))
        assert first.result(5) == 0
        # The follower of the second batch has its answer while its leader is still in
        # `after`: the batch's Redis work never delays the answers it owes.
        done = [future for future in futures if future.done() or _finishes(future)]
        assert len(done) == 1 and done[0].result() in (10, 20)
        after_may_finish.set()
        assert sorted(future.result(5) for future in futures) == [10, 20]


def _finishes(future, seconds: float = 2) -> bool:
    try:
        future.result(seconds)
    except TimeoutError:
        return False
    return True


# --- submit_nowait: items no caller waits for ---------------------------------------------

def test_a_lone_nowait_item_is_written_before_submit_nowait_returns():
    recorder = Recorder()
    group = GroupCommit(recorder.write, after=recorder.after_batch)
    group.submit_nowait(4)
    assert recorder.batches == [[4]] and recorder.after == [[4]]
    group.flush()


def test_nowait_items_during_a_write_return_at_once_and_the_leader_writes_them():
    recorder = Recorder(hold_first=True)
    group = GroupCommit(recorder.write)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(group.submit, 0)
        assert recorder.entered.wait(5)
        for item in (1, 2, 3):
            group.submit_nowait(item)  # returns while batch [0] is still being written
        assert recorder.batches == [[0]]
        recorder.release.set()
        assert first.result(5) == 0  # its leader wrote the nowait items before returning
        assert sorted(item for batch in recorder.batches[1:] for item in batch) == [1, 2, 3]
    group.flush()
    assert group.waiting() == 0


def test_flush_waits_for_nowait_items_still_being_written():
    recorder = Recorder(hold_first=True)
    group = GroupCommit(recorder.write)
    with ThreadPoolExecutor(2) as pool:
        leading = pool.submit(group.submit_nowait, 0)  # leads, and its write is held open
        assert recorder.entered.wait(5)
        group.submit_nowait(1)
        flushed = pool.submit(group.flush)
        assert not _finishes(flushed, 0.2)
        recorder.release.set()
        flushed.result(5)
        leading.result(5)
    assert sorted(item for batch in recorder.batches for item in batch) == [0, 1]


def test_flush_raises_a_failed_nowait_item_once_and_waiting_callers_keep_their_results():
    recorder = Recorder(hold_first=True)

    def write(items):
        recorder.write(items)
        return [ValueError(f"bad {item}") if item == 3 else item for item in items]

    group = GroupCommit(write)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(group.submit, 0)
        assert recorder.entered.wait(5)
        group.submit_nowait(3)
        second = pool.submit(group.submit, 4)
        wait_for_waiters(group, 2)
        recorder.release.set()
        assert (first.result(5), second.result(5)) == (0, 4)
    with pytest.raises(ValueError, match="bad 3"):
        group.flush()
    group.flush()  # reported once


def test_a_failed_batch_fails_its_nowait_items_too():
    def write(items):
        raise ConnectionError("database went away")

    group = GroupCommit(write)
    group.submit_nowait(1)  # nobody else was writing: this caller led the failed batch
    with pytest.raises(ConnectionError):
        group.flush()


def test_a_caller_behind_more_nowait_items_than_a_batch_holds_still_gets_its_result():
    recorder = Recorder(hold_first=True)
    group = GroupCommit(recorder.write, max_batch=2)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(group.submit, 0)
        assert recorder.entered.wait(5)
        for item in range(1, 6):
            group.submit_nowait(item)
        last = pool.submit(group.submit, 6)
        wait_for_waiters(group, 6)
        recorder.release.set()
        assert (first.result(5), last.result(5)) == (0, 60)
    group.flush()
    assert [item for batch in recorder.batches for item in batch] == list(range(7))
    assert max(len(batch) for batch in recorder.batches) == 2


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 3)), min_size=1, max_size=24),
       st.integers(1, 4))
def test_mixed_callers_get_their_own_results_and_every_item_is_written_once(plan, max_batch):
    """Any mix of waiting and nowait callers (some failing): each item is written exactly
    once, each waiting caller gets its own result or error, and flush reports the rest."""
    written: list[int] = []

    def write(items):
        written.extend(items)
        return [ValueError(item) if item % 5 == 4 else item * 10 for item in items]

    group = GroupCommit(write, max_batch=max_batch)
    results: dict[int, object] = {}
    barrier = threading.Barrier(len(plan))

    def call(item: int, waits: bool, pause: int) -> None:
        barrier.wait(5)
        for _ in range(pause):
            time.sleep(0)
        if not waits:
            group.submit_nowait(item)
            return
        try:
            results[item] = group.submit(item)
        except ValueError as exc:
            results[item] = exc

    threads = [threading.Thread(target=call, args=(item, waits, pause))
               for item, (waits, pause) in enumerate(plan)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    nowait_failures = sum(1 for item, (waits, _) in enumerate(plan)
                          if not waits and item % 5 == 4)
    if nowait_failures:
        assert isinstance(_flush_within(group, 5), ValueError)
    assert _flush_within(group, 5) is None
    assert sorted(written) == list(range(len(plan)))
    for item, (waits, _) in enumerate(plan):
        if waits:
            outcome = results[item]
            if item % 5 == 4:
                assert isinstance(outcome, ValueError) and outcome.args == (item,)
            else:
                assert outcome == item * 10
    assert group.waiting() == 0


def _flush_within(group: GroupCommit, seconds: float) -> BaseException | None:
    """`group.flush()`'s error, or None; fails the test if flush still waits after `seconds`
    (an item left without a leader), without hanging it."""
    outcome: list[BaseException | None] = []

    def flush() -> None:
        try:
            group.flush()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=flush, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, "flush still waiting: an item was left without a leader"
    return outcome[0]
