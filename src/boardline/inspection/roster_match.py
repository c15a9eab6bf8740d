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

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np
import numpy.typing as npt

from boardline.directory.csv_table import Problems, read_table
from boardline.directory.directory import Directory
from boardline.policy.pack import Role


class Field(IntEnum):
    """Which roster column a key stands for (kept in the automaton's payloads)."""

    IDENTIFIER = 0
    NAME = 1
    INITIAL_NAME = 2
    NICKNAME = 3


_FIELD_BITS = 2
_FIELD_MASK = (1 << _FIELD_BITS) - 1


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


class _Fold(dict[int, str]):
    """``str.translate`` table: one lower-case, accent-free character per character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if not char.isalnum():
            folded = " "
        else:
            base = unicodedata.normalize("NFKD", char)[:1]
            folded = (base if base.isalnum() else char).lower()[:1] or " "
        self[code] = folded
        return folded


_FOLD = _Fold()
#: The same folding as a plain dict, grown with each new character seen: ``str.translate``
#: is several times faster with a plain dict than with a subclass's ``__missing__``.
_PLAIN_FOLD: dict[int, str] = {code: _FOLD[code] for code in range(128)}
_SPACE_RUNS = re.compile(r" {2,}")


_ASCII_PUNCTUATION = re.compile(r"[\x00-\x1f!-/:-@\[-`{-\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_char(match: re.Match[str]) -> str:
    return _FOLD[ord(match.group())]


def fold(text: str) -> str:
    """One folded character per character of ``text``.

    ASCII text goes through one fast ``translate``. Other text is mostly ASCII too,
    and ``translate`` has no fast path for it, so it is lower-cased, ASCII punctuation
    blanked and only the non-ASCII characters mapped one by one (half the time again).
    """
    if text.isascii():
        return text.translate(_PLAIN_FOLD)
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lower-cases to two characters
        for char in set(text).difference(map(chr, _PLAIN_FOLD)):
            _PLAIN_FOLD[ord(char)] = _FOLD[ord(char)]
        return text.translate(_PLAIN_FOLD)
    return _NON_ASCII.sub(_fold_char, _ASCII_PUNCTUATION.sub(" ", lowered))


def fold_key(value: str) -> str:
    """A roster value as the automaton stores it: folded, single-spaced, no padding."""
    return " ".join(fold(value).split())


class FoldedText:
    """``text`` folded and squeezed, with the way back to the original offsets.

    The map back is built only when a match asks for an offset (most texts have
    none), with numpy: a squeezed position's original offset is the position of the
    n-th character kept, and a space is dropped exactly when a space precedes it.
    """

    __slots__ = ("_index", "_plain", "folded", "original")

    def __init__(self, text: str) -> None:
        self.original = text
        self._plain = fold(text)
        self._index: npt.NDArray[np.intp] | None = None
        self.folded = " " + _SPACE_RUNS.sub(" ", self._plain) + " "

    def _kept(self) -> npt.NDArray[np.intp]:
        if self._index is None:
            raw = self._plain.encode("utf-32-le", errors="surrogatepass")
            space = np.frombuffer(raw, dtype=np.uint32) == 32
            keep = np.ones(len(space), dtype=bool)
            keep[1:] = ~(space[1:] & space[:-1])
            self._index = np.flatnonzero(keep)
        return self._index

    def original_offset(self, position: int) -> int:
        """The original offset of a position in :attr:`folded` (which has a leading pad)."""
        squeezed = position - 1
        if squeezed <= 0:
            return 0
        kept = self._kept()
        if squeezed >= len(kept):
            return len(self.original)
        return int(kept[squeezed])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the folded span ``[start, end)``."""
        return self.original_offset(start), self.original_offset(end)


@dataclass(frozen=True, slots=True)
class KeyHit:
    """A roster key found in text: which field, for which people (record numbers), where."""

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


class RosterAutomaton:
    """Names and identifiers of every record in one automaton, birth dates by date."""

    __slots__ = ("_automaton", "birth_dates", "digest", "records")

    def __init__(
        self,
        records: Sequence[RosterRecord],
        *,
        nicknames: Mapping[str, Sequence[str]] | None = None,
        min_identifier_length: int = 4,
    ) -> None:
        self.records = tuple(records)
        keys: dict[str, list[int]] = {}
        by_date: dict[dt.date, list[int]] = {}
        nick_table = {fold_key(k): v for k, v in (nicknames or {}).items()}
        folded: dict[str, str] = {}  # given and family names repeat: fold each once
        digest = hashlib.blake2b(digest_size=6, person=b"roster")
        slot = keys.setdefault
        name, initial, nick, ident = (
            Field.NAME,
            Field.INITIAL_NAME,
            Field.NICKNAME,
            Field.IDENTIFIER,
        )
        for number, record in enumerate(self.records):
            born = record.birth_date
            digest.update(
                f"{record.person_id}\x1f{record.given_name}\x1f{record.family_name}\x1f"
                f"{record.identifier or ''}\x1f{born or ''}\x1e".encode()
            )
            given = folded.get(record.given_name)
            if given is None:
                given = folded[record.given_name] = fold_key(record.given_name)
            family = folded.get(record.family_name)
            if family is None:
                family = folded[record.family_name] = fold_key(record.family_name)
            packed = number << _FIELD_BITS
            if given and family:
                slot(f" {given} {family} ", []).append(packed | name)
                slot(f" {family} {given} ", []).append(packed | name)
                slot(f" {given[0]} {family} ", []).append(packed | initial)
                slot(f" {family} {given[0]} ", []).append(packed | initial)
                for nickname in nick_table.get(given.split(" ", 1)[0], ()):
                    short = fold_key(nickname)
                    slot(f" {short} {family} ", []).append(packed | nick)
                    slot(f" {family} {short} ", []).append(packed | nick)
            if record.identifier:
                identifier = fold_key(record.identifier)
                if len(identifier) - identifier.count(" ") >= min_identifier_length:
                    slot(f" {identifier} ", []).append(packed | ident)
            if born is not None:
                by_date.setdefault(born, []).append(number)
        #: Names the roster's contents (48 bits: enough to tell versions apart, too short
        #: to confirm a guess about anyone in it).
        self.digest = digest.hexdigest()
        automaton: Any = ahocorasick.Automaton()
        for key, payload in keys.items():
            automaton.add_word(key, (len(key), tuple(payload)))
        if keys:
            automaton.make_automaton()
        self._automaton = automaton
        self.birth_dates: Mapping[dt.date, tuple[int, ...]] = {
            day: tuple(numbers) for day, numbers in by_date.items()
        }

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"RosterAutomaton({len(self.records)} records)"

    def hits(self, text: FoldedText) -> list[KeyHit]:
        """Every key on a word boundary, initial forms only where the text capitalises them."""
        if len(self.records) == 0 or not text.original:
            return []
        found: list[KeyHit] = []
        for end, (length, payload) in self._automaton.iter(text.folded):
            # The match covers both pad spaces: the key's words are [end - length + 2, end).
            start, stop = text.span(end - length + 2, end)
            grouped: dict[Field, list[int]] = {}
            for packed in payload:
                grouped.setdefault(Field(packed & _FIELD_MASK), []).append(packed >> _FIELD_BITS)
            for kind, people in grouped.items():
                if kind is Field.INITIAL_NAME and not _capitalised(text.original[start:stop]):
                    continue
                found.append(KeyHit(kind, tuple(people), start, stop))
        return found


def _capitalised(span: str) -> bool:
    """Every word of ``span`` starts with an upper-case letter ("L. Baker", "BAKER, L")."""
    parts = [part for part in re.split(r"[^\w]+", span) if part]
    return bool(parts) and all(part[0].isupper() for part in parts)
