"""Run an iterator a step ahead in a background thread, with bounded memory.

The Squid fast path has two halves that can overlap: reading and parsing a chunk
(file I/O, gzip and the compiled kernel, all of which release the GIL) and
inserting the previous chunk into DuckDB (which releases it too). :func:`ahead`
lets the first half run in a thread while the caller does the second, holding
at most ``depth`` finished items plus the one being made, so memory stays
bounded by a few chunks whatever the file size.

An exception in the producer is raised in the consumer at the item where it
happened; a consumer that stops early (an exception, ``break``) stops the
producer at its next item and waits for it, so no thread outlives the read.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Final, TypeVar, cast

T = TypeVar("T")

_DONE: Final = object()
_POLL_SECONDS: Final = 0.1


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def ahead(items: Iterator[T], *, depth: int = 1) -> Iterator[T]:
    """Yield what ``items`` yields, computing up to ``depth`` items ahead in a thread."""
    box: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                box.put(value, timeout=_POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, which re-raises it
            put(_Failure(error))
            return
        put(_DONE)

    worker = threading.Thread(target=produce, name="boardline-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            value = box.get()
            if value is _DONE:
                return
            if isinstance(value, _Failure):
                raise value.error
            yield cast(T, value)
    finally:
        stop.set()
        worker.join()
