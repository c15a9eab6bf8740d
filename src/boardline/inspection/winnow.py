"""Winnowing fingerprints of text (Schleimer, Wilkerson and Aiken, SIGMOD 2003).

A document is reduced to words (Unicode NFKC, case folded, punctuation and
whitespace dropped), the words to overlapping k-word shingles, each shingle to
a stable 64-bit hash, and from every window of ``w`` consecutive shingle
hashes the smallest is kept. Two texts that share a run of at least
``k + w - 1`` words are then guaranteed to share a fingerprint, whatever
surrounds the run; that is what finds an excerpt pasted into a post, where
whole-document similarity (Jaccard, MinHash) would not.

Hashes are stable across processes and machines (BLAKE2b of each word, then a
polynomial over the k word hashes with a 64-bit mixer), so fingerprints of a
registered document can be stored and compared later. The arithmetic runs in
numpy: a Python loop per shingle would cap the scanner near 2 MB/s.

Offsets in the scanned text are only needed when something matched, so the
hot path finds words with one regular expression and :func:`word_spans` maps
word numbers back to character offsets on demand.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Hashes = npt.NDArray[np.uint64]
Positions = npt.NDArray[np.int64]

_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
#: ASCII letters folded to lower case, every other ASCII character a separator: with
#: ``str.split`` this is four times faster than a regular expression.
_ASCII_FOLD = str.maketrans(
    {chr(code): chr(code).lower() if chr(code).isalnum() else " " for code in range(128)}
)
_ASCII_ALNUM = np.array([chr(code).isalnum() for code in range(128)], dtype=bool)
_KEY = b"boardline/winnow/1"
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
#: Word-hash cache entries kept before the cache is cleared (vocabularies repeat).
_CACHE_LIMIT = 500_000


def words(text: str) -> list[str]:
    """The normalised words of ``text``, in order."""
    if text.isascii():
        return text.translate(_ASCII_FOLD).split()
    out: list[str] = []
    for token in _WORD.findall(text):
        out.extend(_WORD.findall(unicodedata.normalize("NFKC", token).casefold()))
    return out


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character offsets (start, end) in ``text`` of each word :func:`words` returns."""
    if text.isascii():
        return [match.span() for match in _ASCII_WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        parts = _WORD.findall(unicodedata.normalize("NFKC", match.group()).casefold())
        spans.extend([match.span()] * len(parts))
    return spans


def word_bounds(text: str) -> tuple[Positions, Positions]:
    """:func:`word_spans` as two arrays (starts, ends); for ASCII text found with numpy."""
    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        inside = np.zeros(len(codes) + 2, dtype=bool)
        inside[1:-1] = _ASCII_ALNUM[codes]
        edges = np.flatnonzero(inside[1:] != inside[:-1])
        return edges[0::2], edges[1::2]
    spans = np.array(word_spans(text), dtype=np.int64).reshape(-1, 2)
    return spans[:, 0], spans[:, 1]


@dataclass(frozen=True, slots=True)
class Fingerprints:
    """Winnowed shingle hashes of one text and the word number each shingle starts at."""

    hashes: Hashes
    positions: Positions
    words: int

    def __len__(self) -> int:
        return len(self.hashes)


class Fingerprinter:
    """Shingles of ``k`` words, winnowed with a window of ``w`` shingles.

    The defaults (k = 5, w = 4) detect any shared run of 8 words and keep about
    40 % of the shingles. Not thread-safe (the word-hash cache); one per worker.
    """

    __slots__ = ("_cache", "k", "w")

    def __init__(self, k: int = 5, w: int = 4) -> None:
        if k < 1 or w < 1:
            raise ValueError("k and w must be at least 1")
        self.k = k
        self.w = w
        self._cache: dict[str, int] = {}

    @property
    def revision(self) -> str:
        return f"winnow/1 k={self.k} w={self.w}"

    def _word_hashes(self, found: list[str]) -> Hashes:
        cache = self._cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        for word in set(found).difference(cache):
            digest = hashlib.blake2b(word.encode(), digest_size=8, key=_KEY).digest()
            cache[word] = int.from_bytes(digest, "little")
        return np.fromiter(map(cache.__getitem__, found), dtype=np.uint64, count=len(found))

    def shingles(self, text: str) -> tuple[Hashes, int]:
        """Every k-word shingle's hash, in order, and the number of words."""
        found = words(text)
        count = len(found)
        if count < self.k:
            return np.empty(0, dtype=np.uint64), count
        per_word = self._word_hashes(found)
        span = count - self.k + 1
        acc = per_word[:span].copy()
        for offset in range(1, self.k):
            acc *= _MULTIPLIER
            acc += per_word[offset : offset + span]
        # splitmix64's finaliser: spreads the polynomial's bits so window minima are fair.
        acc ^= acc >> np.uint64(30)
        acc *= _MIX1
        acc ^= acc >> np.uint64(27)
        acc *= _MIX2
        acc ^= acc >> np.uint64(31)
        return acc, count

    def fingerprints(self, text: str) -> Fingerprints:
        """The winnowed fingerprints: the minimum of every window of ``w`` shingles."""
        shingles, count = self.shingles(text)
        if len(shingles) == 0:
            return Fingerprints(shingles, np.empty(0, dtype=np.int64), count)
        if len(shingles) <= self.w:
            chosen = np.array([int(np.argmin(shingles))], dtype=np.int64)
        else:
            chosen = _window_minima(shingles, self.w)
        return Fingerprints(shingles[chosen], chosen, count)


def _window_minima(values: Hashes, w: int) -> Positions:
    """Positions of the minimum of every window of ``w`` values, each position once.

    The rightmost minimum wins a tie, as the paper's robust winnowing asks, which
    also makes the positions non-decreasing window by window, so repeats are
    adjacent and dropping them needs no sort. ``w`` passes of vectorised
    comparisons beat a sliding-window ``argmin`` several times over for small ``w``.
    """
    span = len(values) - w + 1
    best = values[:span].copy()
    where = np.zeros(span, dtype=np.int64)
    for offset in range(1, w):
        candidate = values[offset : offset + span]
        better = candidate <= best
        best = np.where(better, candidate, best)
        where = np.where(better, offset, where)
    where += np.arange(span, dtype=np.int64)
    keep = np.empty(span, dtype=bool)
    keep[0] = True
    np.not_equal(where[1:], where[:-1], out=keep[1:])
    return where[keep]
