"""Text as an array of code points, for the character-class work numpy does in bulk.

The confidential-data scanner asks two questions of every character of a post:
what it folds to (:func:`boardline.inspection.roster_match.fold`) and whether it
is a decimal digit (where an SSN or a date can be). ``str.translate`` answers the
first fast only for ASCII text and the regex engine answers the second one
character at a time, so both are table look-ups over the code points here
instead: one ``encode`` to UTF-32, one fancy index, and back.

The tables cover all of Unicode but are filled lazily, a character the first time
some text carries it (looked up with the same functions as the slow path, so the
answers are the same); a filled entry never changes, so concurrent scans may
share them.
"""

from __future__ import annotations

import codecs
import unicodedata
from typing import Final

import numpy as np
import numpy.typing as npt

Codes = npt.NDArray[np.uint8] | npt.NDArray[np.uint32]

_UNKNOWN: Final = 0xFFFFFFFF
_SIZE: Final = 0x110000


def fold_char(code: int) -> str:
    """One character folded: lower case without accents, anything not alphanumeric a space.

    Character by character, so Greek final sigma (which ``str.lower`` picks by context)
    is folded to ``σ`` like every other sigma.
    """
    char = chr(code)
    if not char.isalnum():
        return " "
    base = unicodedata.normalize("NFKD", char)[:1]
    folded = (base if base.isalnum() else char).lower()[:1] or " "
    return "σ" if folded == "ς" else folded


class _Tables:
    """The fold target and the decimal-digit flag of every code point seen so far."""

    def __init__(self) -> None:
        self.fold = np.full(_SIZE, _UNKNOWN, dtype=np.uint32)
        # 0 = not a digit, 1 = a decimal digit (what ``\\d`` matches), 2 = not looked up yet.
        self.decimal = np.full(_SIZE, 2, dtype=np.uint8)
        self.learn(np.arange(128, dtype=np.uint32))

    def learn(self, codes: npt.NDArray[np.uint32]) -> None:
        for code in np.flatnonzero(np.bincount(codes)).tolist():
            self.fold[code] = ord(fold_char(code))
            self.decimal[code] = chr(code).isdecimal()


_tables: _Tables | None = None


def _get_tables() -> _Tables:
    global _tables  # noqa: PLW0603 - one table for the process, built on first use
    if _tables is None:
        _tables = _Tables()
    return _tables


def code_points(text: str) -> Codes:
    """The code points of ``text``: bytes if it is ASCII, else 32-bit (lone surrogates kept)."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def fold_codes(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Each code point folded (see :func:`fold_char`)."""
    tables = _get_tables()
    folded: npt.NDArray[np.uint32] = tables.fold[codes]
    unknown = folded == _UNKNOWN
    if unknown.any():
        tables.learn(codes[unknown])
        folded = tables.fold[codes]
    return folded


def from_codes(codes: npt.NDArray[np.uint32]) -> str:
    """The text of ``codes`` (decoded from the array's buffer, not a copy of it)."""
    buffer = np.ascontiguousarray(codes).data
    return codecs.utf_32_le_decode(buffer, "surrogatepass", True)[0]


def decimal_mask(codes: Codes) -> npt.NDArray[np.bool_]:
    """Where ``codes`` has a decimal digit (Unicode category Nd, as ``\\d`` and int() read)."""
    mask: npt.NDArray[np.bool_]
    if codes.dtype == np.uint8:
        mask = (codes - np.uint8(48)) < 10
        return mask
    tables = _get_tables()
    flags = tables.decimal[codes]
    unknown = flags == 2
    if unknown.any():
        tables.learn(codes[unknown])
        flags = tables.decimal[codes]
    mask = flags == 1
    return mask
