"""A compact, read-only hash table from domain keys to category-set ids.

Why not a ``set``: a Python set of 370,000 domains already takes ~70 MB (every
entry is a ``str`` object of 50+ bytes plus its slot), and the lists Boardline
must hold reach millions of domains. Here an entry costs 10 bytes and its share
of the bucket index 2–4 bytes, whatever the length of the domain — plus, in an
exact table, the key text itself:

* ``h1 = hash(key)`` picks a bucket (the top ``k`` bits of its low 32 bits);
* ``starts[b]:starts[b+1]`` are the entries of bucket ``b`` (one or two);
* each entry stores a 64-bit fingerprint and the id of its category set.

``hash`` is CPython's keyed SipHash, with a random key per process; the table is
built and probed in the same process, so nothing depends on the key.

Exactness. While the text of all keys fits ``exact_budget`` bytes (32 MiB, about
two million domains of UT1's average length) the table is *exact*: the keys are
kept, the fingerprint is ``h1`` itself (a probe hashes each suffix once) and a
fingerprint hit is confirmed by comparing the key text: no false positives.
Beyond that budget only fingerprints are kept, and the fingerprint is a second,
independent hash ``h2 = hash(key + "\\0")``. A probe for a key that is not in the
table then reports a hit only if its bucket matches (``k`` bits) and its ``h2``
equals the ``h2`` of one of the ``m`` entries of that bucket: probability
``m / 2**64``, about 5.4e-20 per entry of the bucket, which holds two on average
(:attr:`FingerprintTable.false_positive_per_probe` gives the bound for the
fullest bucket). A lookup probes one key per label of the host (3–4 in
practice), so 150,000 uncached lookups per second, all year long, would expect
one false positive in about half a million years; and an error can only add a
category to a host, never remove one.

The table is built with numpy by :mod:`boardline.categories.table_builder`
(sorting millions of entries in pure Python would need gigabytes of ``int``
objects); probing reads the arrays through ``memoryview`` so the hot path makes
no numpy calls at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import numpy as np
import numpy.typing as npt

#: Key text kept for exact verification, at most (see the module docstring).
DEFAULT_EXACT_BUDGET = 32 * 1024 * 1024

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
U16 = npt.NDArray[np.uint16]
U8 = npt.NDArray[np.uint8]
T = TypeVar("T")


class FingerprintTable:
    """The built table. :meth:`probe` answers one key; :meth:`walk` every suffix of a host."""

    __slots__ = (
        "_arrays",
        "_fps",
        "_offsets",
        "_sets",
        "_shift",
        "_single_labels",
        "_starts",
        "_text",
        "size",
    )

    def __init__(
        self,
        shift: int,
        starts: U32,
        fps: I64,
        sets: npt.NDArray[np.unsignedinteger],
        text: bytearray | None,
        offsets: U32 | None,
        single_labels: bool = True,
    ) -> None:
        self._shift = shift
        #: Whether any key is a single label ("localhost", a TLD): else walks skip the last label.
        self._single_labels = single_labels
        self._arrays = (starts, fps, sets, offsets)  # keeps the buffers alive
        self._starts = starts.data
        self._fps = fps.data
        self._sets = sets.data
        self._text = text
        self._offsets = offsets.data if offsets is not None else None
        self.size = len(fps)

    @property
    def false_positive_per_probe(self) -> float:
        """Bound on a false hit for one absent key: 0 when exact, else (fullest bucket) / 2**64."""
        if self._text is not None or self.size == 0:
            return 0.0
        starts = self._arrays[0]
        return float(np.max(np.diff(starts))) / 2.0**64

    @property
    def exact(self) -> bool:
        return self._text is not None

    @property
    def nbytes(self) -> int:
        arrays = sum(a.nbytes for a in self._arrays if a is not None)
        return arrays + (len(self._text) if self._text is not None else 0)

    def set_ids(self) -> npt.NDArray[np.unsignedinteger]:
        """The set id of every entry (for statistics)."""
        return self._arrays[2]

    def probe(self, key: str) -> int:
        """The set id stored for ``key``, or -1."""
        starts = self._starts
        h = hash(key)
        bucket = (h & 0xFFFFFFFF) >> self._shift
        i = starts[bucket]
        end = starts[bucket + 1]
        if i == end:
            return -1
        fps = self._fps
        if self._text is None:
            h = hash(key + "\0")
            while i < end:
                if fps[i] == h:
                    return self._sets[i]
                i += 1
            return -1
        while i < end:
            if fps[i] == h and self._confirm(key, i):
                return self._sets[i]
            i += 1
        return -1

    def walk(
        self, key: str, marked: Mapping[str, T] | None = None
    ) -> tuple[list[tuple[str, int]], list[T]]:
        """Every suffix of ``key`` on label boundaries that is stored, most specific first.

        Returns ``(suffix, set id)`` pairs, and the values of ``marked`` (a small
        mapping of hosts that carry URL entries or overrides) for the suffixes it
        holds: one walk answers both, and the dictionary lookups reuse the hash
        each suffix string caches. IP keys (``[...]``) are probed whole.
        """
        found: list[tuple[str, int]] = []
        extra: list[T] = []
        if key.startswith("["):
            hit = self.probe(key)
            if hit >= 0:
                found.append((key, hit))
            if marked and key in marked:
                extra.append(marked[key])
            return found, extra
        starts = self._starts
        fps = self._fps
        shift = self._shift
        single = self._single_labels
        exact = self._text is not None
        suffix = key
        while True:
            dot = suffix.find(".")
            if dot >= 0 or single:
                h = hash(suffix)
                bucket = (h & 0xFFFFFFFF) >> shift
                i = starts[bucket]
                end = starts[bucket + 1]
                if i != end:
                    if not exact:
                        h = hash(suffix + "\0")
                    while i < end:
                        if fps[i] == h and (not exact or self._confirm(suffix, i)):
                            found.append((suffix, self._sets[i]))
                            break
                        i += 1
            if marked:
                value = marked.get(suffix)
                if value is not None:
                    extra.append(value)
            if dot < 0:
                return found, extra
            suffix = suffix[dot + 1 :]

    def _confirm(self, key: str, i: int) -> bool:
        if self._text is None or self._offsets is None:
            return True
        return self._text.startswith((key + "\n").encode(), self._offsets[i])
