"""The district's registered documents as one compact inverted index of fingerprints.

A district registers a few thousand documents (handbooks, policies, letters,
newsletters); a post is checked against all of them at once. The index is two
parallel numpy arrays sorted by fingerprint (``uint64`` hash, ``uint32``
document number), about 12 bytes a posting, so 5,000 documents of 2,000 words
take some 50 MB rather than the several hundred a dict of sets would.

**Boilerplate** is ignored on both sides: a fingerprint found in at least
``boilerplate_documents`` registered documents (letterhead, the legal
footer, the non-discrimination notice every letter carries) says nothing about
*which* document was copied, and nor does anything in the district's own
boilerplate texts. Such fingerprints are dropped from the index and from
every query, so a post that quotes only the footer matches nothing.

A query scores each document by the fingerprints it shares: ``containment``
is the share of the post's fingerprints found in the document (high for an
excerpt), ``coverage`` the share of the document's found in the post (high
for a whole copy). A match needs ``min_shared`` shared fingerprints; with
the default winnowing that is a copied run of roughly 15 words or more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from boardline.inspection.winnow import (
    Fingerprinter,
    Fingerprints,
    Hashes,
    Positions,
    word_bounds,
)

DocNumbers = npt.NDArray[np.uint32]


@dataclass(frozen=True, slots=True)
class DocumentMatch:
    """A registered document found in scanned text, with where it is (character spans)."""

    asset: str
    shared: int
    query_fingerprints: int
    reference_fingerprints: int
    spans: tuple[tuple[int, int], ...]
    confidence: float

    @property
    def containment(self) -> float:
        return self.shared / self.query_fingerprints if self.query_fingerprints else 0.0

    @property
    def coverage(self) -> float:
        return self.shared / self.reference_fingerprints if self.reference_fingerprints else 0.0

    @property
    def matched_chars(self) -> int:
        return sum(end - start for start, end in self.spans)


class DocumentIndexBuilder:
    """Collects registered documents and boilerplate, then :meth:`build`\\ s the index."""

    def __init__(self, fingerprinter: Fingerprinter | None = None) -> None:
        self.fingerprinter = fingerprinter or Fingerprinter()
        self._assets: list[str] = []
        self._hashes: list[Hashes] = []
        self._boilerplate: list[Hashes] = []

    def add(self, asset: str, text: str) -> int:
        """Register one document's text; returns how many fingerprints it gave."""
        return self.add_fingerprints(asset, self.fingerprinter.fingerprints(text).hashes)

    def add_fingerprints(self, asset: str, hashes: Hashes) -> int:
        """Register fingerprints computed earlier (a registry stores these, not the text)."""
        if asset in self._assets:
            raise ValueError(f"document {asset!r} is registered twice")
        unique = np.unique(np.asarray(hashes, dtype=np.uint64))
        self._assets.append(asset)
        self._hashes.append(unique)
        return len(unique)

    def add_boilerplate(self, text: str) -> None:
        """Text the district uses everywhere; every shingle of it is ignored.

        All shingles, not only the winnowed ones: inside a document the window
        minima near the boilerplate's edges differ from those of the text alone.
        """
        shingles, _ = self.fingerprinter.shingles(text)
        self._boilerplate.append(np.unique(shingles))

    def build(self, *, boilerplate_documents: int = 8, min_shared: int = 5) -> DocumentIndex:
        if boilerplate_documents < 2:
            raise ValueError("boilerplate_documents must be at least 2")
        counts = np.array([len(h) for h in self._hashes], dtype=np.int64)
        keys = np.concatenate(self._hashes) if self._hashes else np.empty(0, dtype=np.uint64)
        docs = np.repeat(np.arange(len(self._hashes), dtype=np.uint32), counts)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        docs = docs[order]
        # Document frequency of each fingerprint: each document's hashes are unique,
        # so the run length of a key in the sorted array is its number of documents.
        unique, frequency = np.unique(keys, return_counts=True)
        common = unique[frequency >= boilerplate_documents]
        listed = (
            np.unique(np.concatenate(self._boilerplate))
            if self._boilerplate
            else np.empty(0, dtype=np.uint64)
        )
        ignored = np.union1d(common, listed).astype(np.uint64)
        keep = ~np.isin(keys, ignored)
        kept_keys = keys[keep]
        kept_docs = docs[keep]
        reference = np.bincount(kept_docs, minlength=len(self._assets)).astype(np.uint32)
        return DocumentIndex(
            self.fingerprinter,
            tuple(self._assets),
            kept_keys,
            kept_docs,
            reference,
            ignored,
            min_shared=min_shared,
            max_run=boilerplate_documents - 1,
        )


class DocumentIndex:
    """Registered documents' fingerprints; :meth:`match` finds them in scanned text."""

    __slots__ = (
        "_buckets",
        "_docs",
        "_ignored",
        "_keys",
        "_max_run",
        "_reference",
        "_shift",
        "_widest",
        "assets",
        "fingerprinter",
        "min_shared",
        "revision",
    )

    def __init__(
        self,
        fingerprinter: Fingerprinter,
        assets: tuple[str, ...],
        keys: Hashes,
        docs: DocNumbers,
        reference: DocNumbers,
        ignored: Hashes,
        *,
        min_shared: int = 5,
        max_run: int = 8,
    ) -> None:
        self.fingerprinter = fingerprinter
        self._max_run = max(1, max_run)
        self.assets = assets
        self._keys = keys
        self._docs = docs
        self._reference = reference
        self._ignored = ignored
        self.min_shared = min_shared
        # Bucket table over the top bits of the sorted keys: about eight keys a bucket, so
        # half a byte a posting.
        bits = max(1, len(keys).bit_length() - 4)
        self._shift = np.uint64(64 - bits)
        row = np.int32 if len(keys) < 2**31 else np.int64
        self._buckets = np.empty((1 << bits) + 1, dtype=row)
        self._buckets[:-1] = np.searchsorted(
            keys, np.arange(1 << bits, dtype=np.uint64) << self._shift
        )
        self._buckets[-1] = len(keys)
        self._widest = int(np.diff(self._buckets).max())
        digest = hashlib.blake2b(digest_size=6)
        digest.update(fingerprinter.revision.encode())
        digest.update(f"|{min_shared}|".encode())
        for asset in assets:
            digest.update(asset.encode() + b"\0")
        digest.update(keys.tobytes())
        digest.update(ignored.tobytes())
        #: Changes whenever the registered documents, boilerplate or parameters do.
        self.revision = f"{fingerprinter.revision} index={digest.hexdigest()}"

    def __len__(self) -> int:
        return len(self.assets)

    @property
    def postings(self) -> int:
        return len(self._keys)

    @property
    def nbytes(self) -> int:
        """Memory held by the index arrays."""
        return int(
            self._keys.nbytes
            + self._docs.nbytes
            + self._reference.nbytes
            + self._ignored.nbytes
            + self._buckets.nbytes
        )

    def match(self, text: str, *, limit: int = 10) -> list[DocumentMatch]:
        """The registered documents ``text`` copies from, best first (at most ``limit``)."""
        found = self.fingerprinter.fingerprints(text)
        return self.match_fingerprints(found, text, limit=limit)

    def match_fingerprints(
        self, found: Fingerprints, text: str, *, limit: int = 10
    ) -> list[DocumentMatch]:
        if len(found) == 0 or len(self._keys) == 0:
            return []
        useful = ~_member(found.hashes, self._ignored)
        hashes = found.hashes[useful]
        positions = found.positions[useful]
        query, which = np.unique(hashes, return_inverse=True)
        if len(query) < self.min_shared:
            return []
        # A kept fingerprint is in fewer than ``boilerplate_documents`` documents, so its
        # postings are the next few rows after its first.
        low = self._first_at_least(query)
        rows = low[:, None] + np.arange(self._max_run)
        inside = rows < len(self._keys)
        np.minimum(rows, len(self._keys) - 1, out=rows)
        hit = inside & (self._keys[rows] == query[:, None])
        if not hit.any():
            return []
        hit_docs = self._docs[rows[hit]]
        hit_query = np.nonzero(hit)[0]
        shared = np.bincount(hit_docs, minlength=len(self.assets))
        candidates = np.flatnonzero(shared >= self.min_shared)
        if len(candidates) == 0:
            return []
        ranked = candidates[np.argsort(-shared[candidates], kind="stable")][:limit]
        word_starts, word_ends = word_bounds(text)
        matches = []
        for doc in ranked:
            # Every occurrence in the text of the fingerprints this document shares.
            shared_query = np.zeros(len(query), dtype=bool)
            shared_query[hit_query[hit_docs == doc]] = True
            starts = positions[shared_query[which]]  # already in text order
            count = int(shared[doc])
            matches.append(
                DocumentMatch(
                    asset=self.assets[int(doc)],
                    shared=count,
                    query_fingerprints=len(query),
                    reference_fingerprints=int(self._reference[doc]),
                    spans=_merge(starts, word_starts, word_ends, self.fingerprinter.k),
                    confidence=self._confidence(count),
                )
            )
        return matches

    def _first_at_least(self, query: Hashes) -> Positions:
        """``np.searchsorted(keys, query)``, through the bucket table.

        A binary search over millions of keys misses the cache at nearly every step;
        fingerprints are uniform hashes, so the top bits name a bucket of a few keys,
        and one look-up plus a short scan of adjacent keys finds the same row.
        """
        keys = self._keys
        bucket = query >> self._shift
        first = self._buckets[bucket]
        size = self._buckets[bucket + 1] - first
        rows = first[:, None] + np.arange(self._widest)
        inside = np.arange(self._widest) < size[:, None]
        np.minimum(rows, len(keys) - 1, out=rows)
        below = inside & (keys[rows] < query[:, None])
        found: Positions = first + below.sum(axis=1, dtype=np.int64)
        return found

    def _confidence(self, shared: int) -> float:
        """0.6 at the threshold, rising towards 1 with each further shared fingerprint."""
        return round(1.0 - 0.4 * 0.85 ** max(0, shared - self.min_shared), 3)


def _member(values: Hashes, sorted_set: Hashes) -> npt.NDArray[np.bool_]:
    """``np.isin`` for a set that is already sorted: one binary search, no sorting."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    where = np.searchsorted(sorted_set, values)
    np.minimum(where, len(sorted_set) - 1, out=where)
    found: npt.NDArray[np.bool_] = sorted_set[where] == values
    return found


def _merge(
    starts: Positions, word_starts: Positions, word_ends: Positions, k: int
) -> tuple[tuple[int, int], ...]:
    """Character spans of the matched shingles (word numbers ``starts``, ascending),
    overlapping or touching ones joined."""
    last = len(word_starts) - 1
    starts = starts[starts <= last]
    if len(starts) == 0:
        return ()
    begin = word_starts[starts]
    end = word_ends[np.minimum(starts + k - 1, last)]
    # A shingle starts a new span when it begins past every earlier one's end (+1).
    reach = np.maximum.accumulate(end)
    first = np.ones(len(begin), dtype=bool)
    first[1:] = begin[1:] > reach[:-1] + 1
    heads = np.flatnonzero(first)
    return tuple(zip(begin[heads].tolist(), np.maximum.reduceat(end, heads).tolist(), strict=True))
