"""Read-ahead in a thread: same items in the same order, errors surface, no thread left."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from boardline.audit.readers.ahead import ahead


def _threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "boardline-read-ahead")


def test_yields_every_item_in_order() -> None:
    assert list(ahead(iter(range(1000)), depth=2)) == list(range(1000))
    assert _threads() == 0


def test_a_producer_error_is_raised_where_it_happened() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("disk gone")

    reader = ahead(items())
    assert [next(reader), next(reader)] == [1, 2]
    with pytest.raises(OSError, match="disk gone"):
        next(reader)
    assert _threads() == 0


def test_a_consumer_that_stops_early_stops_the_producer() -> None:
    made: list[int] = []

    def items() -> Iterator[int]:
        for n in range(10_000):
            made.append(n)
            yield n

    reader = ahead(items())
    for item in reader:
        if item == 3:
            break
    reader.close()

    assert _threads() == 0
    assert len(made) < 10  # at most a step or two ahead, never the whole file
