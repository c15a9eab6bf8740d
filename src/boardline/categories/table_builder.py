"""Building a :class:`~boardline.categories.table.FingerprintTable` from millions of keys.

Keys arrive in batches (a UT1 file is read a megabyte at a time). Each batch is
hashed at once (``map(hash, ...)`` into numpy arrays) and its entries are filed
by the top bits of ``h1`` into partitions of growable columns. Building then
sorts one partition at a time by bucket, folds duplicate keys into one entry
whose category set is the union of theirs, writes the partition into the final
arrays and frees it. The columns live in anonymous memory maps so that freeing
really returns their pages: peak memory stays near the input columns plus the
finished table (about 120 MiB for five million domains, interpreter included).
"""

from __future__ import annotations

import mmap
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from boardline.categories.table import (
    DEFAULT_EXACT_BUDGET,
    I64,
    U8,
    U16,
    U32,
    FingerprintTable,
)

_PARTITION_BITS = 5  # entries are grouped by the top bits of h1 while they are added
_FLUSH_AT = 1 << 17
_MAX_SET_ID = 0xFFFF


def _dotless(keys: Sequence[str]) -> list[str]:
    if all(map(operator.contains, keys, repeat("."))):
        return []
    return [k for k in keys if "." not in k]


class _Column:
    """A growable array in its own anonymous memory map.

    Reserved capacity costs address space, not memory, until it is written; and
    when the column is dropped its pages go back to the system at once. (Plain
    numpy arrays of a few megabytes come from the C heap, which keeps freed
    memory: building would then hold the input columns and the table at once.)
    """

    __slots__ = ("data", "size")

    def __init__(self, dtype: type[np.generic], capacity: int) -> None:
        self.data: npt.NDArray[Any] = _mapped(dtype, max(capacity, 1024))
        self.size = 0

    def extend(self, values: npt.NDArray[Any]) -> None:
        end = self.size + len(values)
        if end > len(self.data):
            grown = _mapped(self.data.dtype.type, max(end, len(self.data) * 3 // 2))
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = values
        self.size = end

    def view(self) -> npt.NDArray[Any]:
        return self.data[: self.size]


def _mapped(dtype: type[np.generic], length: int) -> npt.NDArray[Any]:
    size = np.dtype(dtype).itemsize * length
    return np.frombuffer(mmap.mmap(-1, size), dtype=dtype)


class _Partition:
    """The entries whose h1 falls in one part of the hash space, as named columns.

    ``low`` (the low 32 bits of h1, which pick the bucket) and ``sets`` always;
    ``h1`` (all 64 bits), ``offsets`` and ``lengths`` while the table may be exact;
    ``h2`` while it may not be.
    """

    __slots__ = ("columns",)

    def __init__(self, capacity: int, names: Iterable[str]) -> None:
        self.columns = {name: _Column(_DTYPES[name], capacity) for name in names}


_DTYPES: dict[str, type[np.generic]] = {
    "low": np.uint32,
    "sets": np.uint16,
    "h1": np.int64,
    "h2": np.int64,
    "offsets": np.uint32,
    "lengths": np.uint8,
}
_EXACT_COLUMNS = ("h1", "offsets", "lengths")


class TableBuilder:
    """Collects ``(key, set id)`` pairs in compact arrays and builds a :class:`FingerprintTable`.

    Keys must already be in normal form (see :mod:`boardline.categories.matching`).
    Pairs are hashed in batches and filed by the top bits of ``h1`` as they come,
    so that building sorts one partition at a time, writes it out and frees it:
    peak memory stays close to the size of the input columns plus the table.

    An exact table stores h1 as the fingerprint (a hit is confirmed on the key
    text anyway) so that probing hashes each suffix once; a fingerprint-only
    table stores the independent h2. Until exactness is decided both are kept.
    """

    def __init__(self, *, exact: bool | None = None, exact_budget: int = DEFAULT_EXACT_BUDGET):
        self._exact = exact
        self._budget = exact_budget
        self._keep_text = exact is not False
        self._need_h2 = exact is not True
        self._pending: list[str] = []
        self._pending_sets: list[tuple[int, int]] = []
        self._parts: list[_Partition] | None = None
        self._capacity = 1 << 12
        self._text = bytearray()
        self._single_labels = False
        self.count = 0

    def expect(self, entries: int, text_bytes: int) -> None:
        """Size hint before a bulk load: columns are reserved and exactness is decided once.

        Reserving more than is used costs nothing resident (pages are touched on
        first write), so an estimate from file sizes is good enough.
        """
        if self._exact is None:
            if len(self._text) + text_bytes > self._budget:
                self._drop_text()
            elif self._parts is None:
                # Decided: exact (the budget is a guide; a slightly low estimate is fine),
                # so the second hash is never needed.
                self._exact = True
                self._need_h2 = False
        if self._parts is None:
            self._capacity = max(self._capacity, (entries >> _PARTITION_BITS) * 9 // 8)

    def add(self, keys: Sequence[str], set_id: int, *, dotted: bool = False) -> None:
        """Add keys in normal form; ``dotted`` promises that each has at least two labels."""
        if not 0 <= set_id <= _MAX_SET_ID:
            msg = f"set id {set_id} out of range"
            raise ValueError(msg)
        if not keys:
            return
        if not dotted and not self._single_labels:
            dotless = _dotless(keys)
            self._single_labels = any(not k.startswith("[") for k in dotless)
        self._pending.extend(keys)
        self._pending_sets.append((set_id, len(keys)))
        self.count += len(keys)
        if len(self._pending) >= _FLUSH_AT or len(keys) >= _FLUSH_AT // 16:
            self._flush()  # a bulk caller's batch is hashed while it is still in memory

    def _partitions(self) -> list[_Partition]:
        if self._parts is None:
            names = ["low", "sets"]
            names += list(_EXACT_COLUMNS) if self._keep_text else []
            names += ["h2"] if self._need_h2 else []
            self._parts = [_Partition(self._capacity, names) for _ in range(1 << _PARTITION_BITS)]
        return self._parts

    def _flush(self) -> None:
        keys = self._pending
        if not keys:
            return
        n = len(keys)
        parts = self._partitions()
        values: dict[str, npt.NDArray[Any]] = {}
        h1 = np.fromiter(map(hash, keys), dtype=np.int64, count=n)
        values["low"] = h1.astype(np.uint32)
        if self._need_h2:
            tagged = map(operator.add, keys, repeat("\0"))
            values["h2"] = np.fromiter(map(hash, tagged), dtype=np.int64, count=n)
        ids, runs = zip(*self._pending_sets, strict=True)
        values["sets"] = np.repeat(
            np.asarray(ids, dtype=np.uint16), np.asarray(runs, dtype=np.int64)
        )
        if self._keep_text:
            text = self._add_text(keys)
            if text is not None:
                values["h1"] = h1
                values["offsets"], values["lengths"] = text
        del h1
        self._pending = []
        self._pending_sets = []
        part = (values["low"] >> np.uint32(32 - _PARTITION_BITS)).astype(np.uint8)
        order = np.argsort(part, kind="stable")
        bounds = np.cumsum(np.bincount(part, minlength=1 << _PARTITION_BITS)).tolist()
        ordered = {name: value[order] for name, value in values.items()}
        start = 0
        for target, end in zip(parts, bounds, strict=True):
            if end > start:
                for name, column in target.columns.items():
                    column.extend(ordered[name][start:end])
            start = end

    def _add_text(self, keys: list[str]) -> tuple[U32, U8] | None:
        chunk = "\n".join(keys) + "\n"
        if not chunk.isascii():
            msg = "keys must be in normal (ASCII) form"
            raise ValueError(msg)
        size = len(self._text)
        if self._exact is None and size + len(chunk) > self._budget:
            self._drop_text()
            return None
        if size + len(chunk) >= 1 << 32:
            msg = "exact verification needs less than 4 GiB of key text"
            raise ValueError(msg)
        lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        if lengths.max() > 255:
            msg = "keys must be in normal form (at most 253 characters)"
            raise ValueError(msg)
        offsets = np.empty(len(keys), dtype=np.int64)
        offsets[0] = 0
        np.cumsum(lengths[:-1] + 1, out=offsets[1:])
        offsets += size
        self._text += chunk.encode("ascii")
        return offsets.astype(np.uint32), lengths.astype(np.uint8)

    def _drop_text(self) -> None:
        self._exact = False
        self._keep_text = False
        self._need_h2 = True
        self._text = bytearray()
        for part in self._parts or ():
            for name in _EXACT_COLUMNS:
                part.columns.pop(name, None)

    def build(self, merge: Callable[[int, int], int]) -> FingerprintTable:
        """Sort, merge duplicate keys (``merge`` unites two set ids) and freeze.

        ``merge`` may return ids above 65,535; the set-id array then widens.
        """
        self._flush()
        parts = self._partitions()
        self._parts = None
        total = sum(part.columns["low"].size for part in parts)
        text = self._text if self._keep_text else None
        self._text = bytearray()
        # Exact tables get about one bucket per key (more empty buckets, fewer
        # candidates per probe); fingerprint tables one per two keys, to save memory.
        bits = total.bit_length() - (0 if text is not None else 1)
        bits = min(max(bits, _PARTITION_BITS), 28)
        fps = np.empty(total, dtype=np.int64)
        sets: npt.NDArray[np.unsignedinteger] = np.empty(total, dtype=np.uint16)
        offsets = np.empty(total, dtype=np.uint32) if text is not None else None
        # Bucket sizes first, at starts[b + 1]; a cumulative sum in place makes them starts.
        starts = np.zeros((1 << bits) + 1, dtype=np.uint32)
        span = 1 << (bits - _PARTITION_BITS)
        cursor = 0
        for p in range(1 << _PARTITION_BITS):
            sorted_part = _Sorted.of(parts[p], bits, "h1" if text is not None else "h2")
            parts[p].columns.clear()  # frees the partition's input columns
            keep, ids = sorted_part.merge_duplicates(text, merge)
            if ids.dtype != sets.dtype:
                sets = sets.astype(ids.dtype)
            m = len(ids) if keep is None else int(np.count_nonzero(keep))
            sel = slice(cursor, cursor + m)
            fps[sel] = sorted_part.fps if keep is None else sorted_part.fps[keep]
            sets[sel] = ids if keep is None else ids[keep]
            if offsets is not None and sorted_part.offsets is not None:
                offsets[sel] = sorted_part.offsets if keep is None else sorted_part.offsets[keep]
            kept = sorted_part.buckets if keep is None else sorted_part.buckets[keep]
            base = np.uint32(p * span)
            starts[p * span + 1 : (p + 1) * span + 1] = np.bincount(kept - base, minlength=span)
            cursor += m
        np.cumsum(starts, out=starts)
        if cursor < total:
            # Views, not copies: the unused tails were never written, so never resident.
            fps, sets = fps[:cursor], sets[:cursor]
            offsets = offsets[:cursor] if offsets is not None else None
        return FingerprintTable(
            32 - bits, starts, fps, sets, text, offsets, single_labels=self._single_labels
        )


@dataclass(slots=True)
class _Sorted:
    """One partition's entries, sorted by bucket and then fingerprint."""

    buckets: U32
    fps: I64
    ids: U16
    offsets: U32 | None
    lengths: U8 | None

    @classmethod
    def of(cls, part: _Partition, bits: int, fingerprint: str) -> _Sorted:
        columns = {name: column.view() for name, column in part.columns.items()}
        buckets = columns["low"] >> np.uint32(32 - bits)
        fps = columns[fingerprint]
        # One 64-bit key (bucket, then the high bits of the fingerprint) sorts far
        # faster than lexsort; equal keys still end up adjacent.
        key = (buckets.astype(np.uint64) << np.uint64(64 - bits)) | (
            fps.view(np.uint64) >> np.uint64(bits)
        )
        order = np.argsort(key)
        del key
        offsets = columns["offsets"][order] if "offsets" in columns else None
        lengths = columns["lengths"][order] if "lengths" in columns else None
        return cls(buckets[order], fps[order], columns["sets"][order], offsets, lengths)

    def merge_duplicates(
        self, text: bytearray | None, merge: Callable[[int, int], int]
    ) -> tuple[npt.NDArray[np.bool_] | None, npt.NDArray[np.unsignedinteger]]:
        """Fold entries with the same key into one whose set id is the union of theirs.

        Sorting made equal ``(bucket, h2)`` pairs adjacent. With the key text at
        hand (exact tables) the keys themselves are compared, so two different keys
        that share a fingerprint both stay; without it the fingerprint decides.
        """
        if len(self.fps) < 2:
            return None, self.ids
        same = (self.buckets[1:] == self.buckets[:-1]) & (self.fps[1:] == self.fps[:-1])
        repeats = np.flatnonzero(same).tolist()
        if not repeats:
            return None, self.ids
        merged = self.ids.tolist()
        same_key = self._key_comparer(text)
        dropped: list[int] = []
        leaders: list[int] = []
        previous = -2
        for i in repeats:
            if i != previous + 1:  # a new run of equal fingerprints starts at i
                leaders = [i]
            previous, j = i, i + 1
            for leader in leaders:
                if same_key(leader, j):
                    merged[leader] = merge(merged[leader], merged[j])
                    dropped.append(j)
                    break
            else:
                leaders.append(j)
        keep = np.ones(len(self.fps), dtype=np.bool_)
        keep[dropped] = False
        widest = np.uint16 if max(merged) <= _MAX_SET_ID else np.uint32
        return keep, np.asarray(merged, dtype=widest)

    def _key_comparer(self, text: bytearray | None) -> Callable[[int, int], bool]:
        if text is None or self.offsets is None or self.lengths is None:
            return lambda a, b: True
        view = memoryview(text)  # slices of a view compare without copying the text
        offsets: list[int] = self.offsets.tolist()
        lengths: list[int] = self.lengths.tolist()

        def same(a: int, b: int) -> bool:
            size = lengths[a]
            if size != lengths[b]:
                return False
            start_a, start_b = offsets[a], offsets[b]
            return view[start_a : start_a + size] == view[start_b : start_b + size]

        return same
