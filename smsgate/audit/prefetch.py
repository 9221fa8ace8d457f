"""Fetch the next batch of export rows in a thread while the current one is rendered.

An export spends its time in two places: waiting for the database to produce and send a
batch, and rendering the batch as CSV in Python. Done in turn, the two add up; with the
fetch one batch ahead in a thread (the driver releases the GIL while it waits on the
socket) they overlap. Only the thread touches the cursor while it runs; the consumer
stops it, and waits for it, before anyone closes the cursor or its connection.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any

_DONE = object()
_POLL_SECONDS = 0.1  # how soon a blocked producer notices that the consumer has gone


def prefetched(batches_in: Iterator[Sequence[Any]], depth: int = 2) -> Iterator[Sequence[Any]]:
    """Yield the batches of `batches_in`, fetched up to `depth` ahead in a thread.

    A database error in the thread is raised here, in the consumer. Closing this generator
    (exhausted, failed, or a client that hung up) stops the thread and joins it.
    """
    batches: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                batches.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for rows in batches_in:
                if not put(rows):
                    return
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, who raises it
            put(exc)

    thread = threading.Thread(target=produce, name="ledger-export-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = batches.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
