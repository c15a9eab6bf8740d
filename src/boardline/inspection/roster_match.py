"""The roster as something to search text for: every student's names and identifier in
one Aho-Corasick automaton, and birth dates in a table.

Text and keys are folded the same way, one character for one character:
letters to lower case without their accents (``É`` → ``e``), everything
that is not a letter or digit to a space; runs of spaces are then squeezed
to one and the text padded with a space at each end. Keys are stored as
`` key `` with their spaces, so the automaton itself only reports matches on
word boundaries ("Jen Lee" never inside "Jen Leeds") and "Baker, Lily",
"BAKER lily" and "Lily Baker" all reach the same keys. A translation table
and the C automaton do the work; Python runs only for actual matches.

Names come in the forms people write them: given family, family given
(rosters, "Baker, Lily"), an initial with the family name ("L. Baker",
"Baker, L."), and optionally common nicknames ("Will Turner" for William).
Initial forms match only where the text capitalises them, since "a young"
is English long before it is "A. Young".

Birth dates are not in OneRoster's users file; a district that exports
``demographics.csv`` (``birthDate``) gives them through
:func:`read_birth_dates`. They stay in this module's table and never reach
the directory's :class:`~boardline.directory.person.Person`, whose values
appear in decisions and logs.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import re
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, NamedTuple, cast

import ahocorasick
import numpy as np
import numpy.typing as npt

from boardline.directory.csv_table import Problems, read_table
from boardline.directory.directory import Directory
from boardline.inspection.code_points import Codes, code_points, fold_char, fold_codes, from_codes
from boardline.inspection.patterns import DOB_STEMS
from boardline.policy.pack import Role


class Field(IntEnum):
    """Which roster column a key stands for (kept in the automaton's payloads)."""

    IDENTIFIER = 0
    NAME = 1
    INITIAL_NAME = 2
    NICKNAME = 3


_FIELD_BITS = 2
_FIELD_MASK = (1 << _FIELD_BITS) - 1
_FIELDS = tuple(Field)


@dataclass(frozen=True, slots=True)
class RosterRecord:
    """One student as the confidential-data scanner needs them. ``repr`` shows the key only."""

    person_id: str
    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    identifier: str | None = field(default=None, repr=False)
    birth_date: dt.date | None = field(default=None, repr=False)


def records_from_directory(
    directory: Directory,
    *,
    birth_dates: Mapping[str, dt.date] | None = None,
    roles: Iterable[Role] = (Role.STUDENT,),
) -> list[RosterRecord]:
    """The directory's students (or other ``roles``) as roster records, birth dates joined."""
    wanted = frozenset(roles)
    dates = birth_dates or {}
    return [
        RosterRecord(p.id, p.given_name, p.family_name, p.identifier, dates.get(p.id))
        for p in directory.people()
        if p.role in wanted
    ]


def read_birth_dates(root: Path) -> dict[str, dt.date]:
    """``birthDate`` by user sourcedId from a OneRoster ``demographics.csv`` ({} if absent).

    A bad date is reported by file, line and column, never by its value: the
    message may be printed or logged, and a birth date is confidential.
    """
    path = root / "demographics.csv" if root.is_dir() else root
    if not path.exists():
        return {}
    problems = Problems()
    table = read_table(path, problems, required=("sourcedId", "birthDate"))
    found: dict[str, dt.date] = {}
    if table is not None:
        for row in table:
            value = row.get("birthDate")
            if not value:
                continue
            try:
                found[row.get("sourcedId")] = dt.date.fromisoformat(value)
            except ValueError:
                row.problem(problems, "birthDate", "is not a date (YYYY-MM-DD)")
    problems.raise_if_any()
    return found


#: ``str.translate`` table, grown with each new character seen (``translate`` is several
#: times faster with a plain dict than with a subclass's ``__missing__``).
_PLAIN_FOLD: dict[int, str] = {code: fold_char(code) for code in range(128)}
_SPACE_RUNS = re.compile(r" {2,}")
#: Longer non-ASCII texts are folded by table look-up over their code points.
_NUMPY_FOLD_FROM = 2048


def fold(text: str) -> str:
    """One folded character per character of ``text`` (:func:`~.code_points.fold_char`).

    ASCII text goes through one fast ``translate``; ``translate`` has no fast path
    for other text, so a long one is folded as an array of code points instead.
    """
    if text.isascii():
        return text.translate(_PLAIN_FOLD)
    if len(text) >= _NUMPY_FOLD_FROM:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return from_codes(fold_codes(codes))
    table = _PLAIN_FOLD
    for char in set(text):
        if ord(char) not in table:
            table[ord(char)] = fold_char(ord(char))
    return text.translate(table)


def _squeeze(plain: str) -> str:
    """Runs of spaces to one space (a few ``replace`` passes beat a regex on prose)."""
    squeezed = plain
    for _ in range(3):
        if "  " not in squeezed:
            return squeezed
        squeezed = squeezed.replace("  ", " ")
    return _SPACE_RUNS.sub(" ", squeezed)


def fold_key(value: str) -> str:
    """A roster value as the automaton stores it: folded, single-spaced, no padding."""
    return " ".join(fold(value).split())


class FoldedText:
    """``text`` folded and squeezed, with the way back to the original offsets.

    A long text is folded and squeezed as an array of code points (a space is dropped
    exactly when a space precedes it), and a squeezed position's original offset is the
    position of the n-th character kept; a short one is folded with ``translate`` and
    maps back through the runs of spaces it had. Either map is built only when a match
    asks for an offset (most texts have none).
    """

    __slots__ = ("_index", "_keep", "_plain", "_runs", "codes", "folded", "original")

    def __init__(self, text: str) -> None:
        self.original = text
        #: A long text's code points (for the other character-class work on it); None for
        #: a short text, which is folded without them.
        self.codes: Codes | None = None
        self._index: npt.NDArray[np.intp] | None = None
        self._keep: npt.NDArray[np.bool_] | None = None
        self._runs: tuple[list[int], list[int]] | None = None
        self._plain = ""
        if len(text) < _NUMPY_FOLD_FROM:
            self._plain = fold(text)
            self.folded = " " + _squeeze(self._plain) + " "
            return
        # A long text is folded and squeezed as an array, keeping the mask of what stayed.
        codes = self.codes = code_points(text)
        plain: Codes
        if codes.dtype == np.uint8:
            plain = np.frombuffer(text.translate(_PLAIN_FOLD).encode("ascii"), dtype=np.uint8)
        else:
            plain = fold_codes(cast("npt.NDArray[np.uint32]", codes))
        self._keep = _kept_mask(plain == 32)
        squeezed = plain[self._keep]
        if squeezed.dtype == np.uint8:
            self.folded = " " + squeezed.tobytes().decode("ascii") + " "
        else:
            self.folded = " " + from_codes(cast("npt.NDArray[np.uint32]", squeezed)) + " "

    def _shifts(self) -> tuple[list[int], list[int]]:
        """For a short text: where each run of spaces was squeezed (its kept space's
        squeezed position) and how many characters had been dropped once past it."""
        if self._runs is None:
            places: list[int] = []
            dropped: list[int] = []
            total = 0
            for run in _SPACE_RUNS.finditer(self._plain):
                places.append(run.start() - total)
                total += run.end() - run.start() - 1
                dropped.append(total)
            self._runs = places, dropped
        return self._runs

    def original_offset(self, position: int) -> int:
        """The original offset of a position in :attr:`folded` (which has a leading pad)."""
        squeezed = position - 1
        if squeezed <= 0:
            return 0
        if squeezed >= len(self.folded) - 2:
            return len(self.original)
        if self._keep is not None:
            if self._index is None:
                self._index = np.flatnonzero(self._keep)
            return int(self._index[squeezed])
        places, dropped = self._shifts()
        passed = bisect.bisect_left(places, squeezed)
        return squeezed + dropped[passed - 1] if passed else squeezed

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the folded span ``[start, end)``."""
        return self.original_offset(start), self.original_offset(end)


def _kept_mask(space: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """What squeezing keeps: every character but a space right after a space."""
    keep = np.ones(len(space), dtype=bool)
    np.logical_not(space[1:] & space[:-1], out=keep[1:])
    return keep


class KeyHit(NamedTuple):
    """A roster key found in text: which field, for which people (record numbers), where.

    A named tuple (no value in it is confidential): a busy text makes thousands, and a
    frozen dataclass is several times slower to create.
    """

    field: Field
    people: tuple[int, ...]
    start: int
    end: int


#: A small built-in table of common English nicknames, used when asked for.
NICKNAMES: Mapping[str, tuple[str, ...]] = {
    "william": ("will", "bill", "billy", "liam"), "robert": ("rob", "bob", "bobby"),
    "richard": ("rick", "dick", "rich"), "elizabeth": ("liz", "beth", "lizzie", "betsy"),
    "katherine": ("kate", "katie", "kat"), "catherine": ("cathy", "kate", "cat"),
    "margaret": ("maggie", "meg", "peggy"), "michael": ("mike", "mikey"),
    "christopher": ("chris",), "jonathan": ("jon",), "joseph": ("joe", "joey"),
    "daniel": ("dan", "danny"), "matthew": ("matt",), "nicholas": ("nick",),
    "alexander": ("alex",), "benjamin": ("ben",), "samuel": ("sam",), "andrew": ("andy", "drew"),
    "anthony": ("tony",), "thomas": ("tom", "tommy"), "james": ("jim", "jimmy", "jamie"),
    "jennifer": ("jen", "jenny"), "jessica": ("jess",), "rebecca": ("becky",),
    "abigail": ("abby",), "olivia": ("liv",), "isabella": ("bella", "izzy"),
    "nathaniel": ("nate",), "zachary": ("zach",), "joshua": ("josh",), "jacob": ("jake",),
    "madeline": ("maddie",), "samantha": ("sam",), "victoria": ("tori",),
}  # fmt: skip


def _column(values: npt.NDArray[np.int64]) -> array[int]:
    """A numpy column as an ``array``, whose items index as plain ints (numpy's are slow)."""
    column = array("q")
    column.frombytes(values.astype(np.int64).tobytes())
    return column


class RosterAutomaton:
    """Names and identifiers of every record in one automaton, birth dates by date.

    The automaton also holds the date-of-birth context words
    (:data:`~boardline.inspection.patterns.DOB_STEMS`), so the one pass over a text
    that finds the roster's values also finds where those may be.

    Built in bulk: every key of every record is made first, then the keys are
    numbered once each and the automaton stores only that number (a C integer, not
    a Python object per key); which people a key stands for is a slice of one packed
    column, found by the number.
    """

    __slots__ = (
        "_automaton",
        "_lengths",
        "_offsets",
        "_people",
        "_stems",
        "birth_dates",
        "digest",
        "records",
    )

    def __init__(
        self,
        records: Sequence[RosterRecord],
        *,
        nicknames: Mapping[str, Sequence[str]] | None = None,
        min_identifier_length: int = 4,
    ) -> None:
        self.records = tuple(records)
        rows = self.records
        #: Names the roster's contents (48 bits: enough to tell versions apart, too short
        #: to confirm a guess about anyone in it).
        self.digest = hashlib.blake2b(
            "".join(
                f"{r.person_id}\x1f{r.given_name}\x1f{r.family_name}\x1f"
                f"{r.identifier or ''}\x1f{r.birth_date or ''}\x1e"
                for r in rows
            ).encode(),
            digest_size=6,
            person=b"roster",
        ).hexdigest()
        # Given and family names repeat: fold each distinct one once.
        folded = {
            name: fold_key(name)
            for name in {r.given_name for r in rows} | {r.family_name for r in rows}
        }
        named = [
            (n, given, family)
            for n, r in enumerate(rows)
            if (given := folded[r.given_name]) and (family := folded[r.family_name])
        ]
        nick_table = {
            fold_key(k): [short for v in vs if (short := fold_key(v))]
            for k, vs in (nicknames or {}).items()
        }
        nicks = [
            (n, short, family)
            for n, given, family in named
            for short in nick_table.get(given.split(" ", 1)[0], ())
        ]
        idents = [
            (n, key)
            for n, r in enumerate(rows)
            if r.identifier
            and len(key := _identifier_key(r.identifier)) - key.count(" ") >= min_identifier_length
        ]
        name, initial, nick, ident = (
            int(Field.NAME),
            int(Field.INITIAL_NAME),
            int(Field.NICKNAME),
            int(Field.IDENTIFIER),
        )
        keys = [*DOB_STEMS]
        packed = [-1] * len(keys)
        keys += [f" {given} {family} " for _, given, family in named]
        keys += [f" {family} {given} " for _, given, family in named]
        keys += [f" {given[0]} {family} " for _, given, family in named]
        keys += [f" {family} {given[0]} " for _, given, family in named]
        packed += [n << _FIELD_BITS | name for n, _, _ in named] * 2
        packed += [n << _FIELD_BITS | initial for n, _, _ in named] * 2
        keys += [f" {short} {family} " for _, short, family in nicks]
        keys += [f" {family} {short} " for _, short, family in nicks]
        packed += [n << _FIELD_BITS | nick for n, _, _ in nicks] * 2
        keys += [f" {key} " for _, key in idents]
        packed += [n << _FIELD_BITS | ident for n, _ in idents]
        # Number each distinct key once (dict.fromkeys keeps first-seen order).
        numbers = {key: number for number, key in enumerate(dict.fromkeys(keys))}
        key_numbers = np.fromiter(map(numbers.__getitem__, keys), dtype=np.int64, count=len(keys))
        values = np.array(packed, dtype=np.int64)
        # Each key's people in record order (and a record's fields in Field order).
        order = np.lexsort((values, key_numbers))
        counts = np.bincount(key_numbers, minlength=len(numbers))
        offsets = np.zeros(len(numbers) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        self._people = _column(values[order])
        self._offsets = _column(offsets)
        self._lengths = _column(np.fromiter(map(len, numbers), dtype=np.int64, count=len(numbers)))
        self._stems = len(DOB_STEMS)
        automaton: Any = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        add = automaton.add_word
        for key, number in numbers.items():
            add(key, number)
        automaton.make_automaton()
        self._automaton = automaton
        by_date: dict[dt.date, list[int]] = {}
        for number, record in enumerate(rows):
            if record.birth_date is not None:
                by_date.setdefault(record.birth_date, []).append(number)
        self.birth_dates: Mapping[dt.date, tuple[int, ...]] = {
            day: tuple(numbers_) for day, numbers_ in by_date.items()
        }

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"RosterAutomaton({len(self.records)} records)"

    def hits(self, text: FoldedText) -> list[KeyHit]:
        """Every key on a word boundary, initial forms only where the text capitalises them."""
        return self.search(text)[0]

    def search(self, text: FoldedText) -> tuple[list[KeyHit], list[int]]:
        """:meth:`hits`, and the original offsets where a date-of-birth context word may
        start (to be confirmed by :data:`~boardline.inspection.patterns.DOB_CONTEXT`)."""
        found: list[KeyHit] = []
        contexts: list[int] = []
        if not text.original:
            return found, contexts
        lengths, offsets, people, stems = self._lengths, self._offsets, self._people, self._stems
        for end, number in self._automaton.iter(text.folded):
            # A key's words are [end - length + 2, end): past the leading pad space, and up
            # to the trailing one (which a context stem does not have).
            first = end - lengths[number] + 2
            if number < stems:
                contexts.append(text.original_offset(first))
                continue
            start, stop = text.span(first, end)
            low, high = offsets[number], offsets[number + 1]
            if high - low == 1:  # most keys stand for one person
                value = people[low]
                kind = _FIELDS[value & _FIELD_MASK]
                if kind is not Field.INITIAL_NAME or _capitalised(text.original[start:stop]):
                    found.append(KeyHit(kind, (value >> _FIELD_BITS,), start, stop))
                continue
            grouped: dict[Field, list[int]] = {}
            for value in people[low:high]:
                grouped.setdefault(_FIELDS[value & _FIELD_MASK], []).append(value >> _FIELD_BITS)
            for kind, numbers in grouped.items():
                if kind is Field.INITIAL_NAME and not _capitalised(text.original[start:stop]):
                    continue
                found.append(KeyHit(kind, tuple(numbers), start, stop))
        return found, contexts


def _identifier_key(identifier: str) -> str:
    if identifier.isascii() and identifier.isalnum():
        return identifier.lower()
    return fold_key(identifier)


def _capitalised(span: str) -> bool:
    """Every word of ``span`` starts with an upper-case letter ("L. Baker", "BAKER, L")."""
    parts = [part for part in re.split(r"[^\w]+", span) if part]
    return bool(parts) and all(part[0].isupper() for part in parts)
