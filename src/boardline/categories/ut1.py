"""Read category lists in the UT1 folder format (as squidGuard and e2guardian do).

A UT1 tree has one folder per category holding ``domains`` and ``urls`` files —
one entry a line, ``#`` comments and blank lines allowed — a ``usage`` file
(``black``/``white``), sometimes ``expressions`` files (regular expressions,
which Boardline does not use and reports as ignored). Some categories are
aliases of others: a symbolic link (``porn -> adult``) or, when the tree was
copied without links, a small file holding the target's name (``porn``
containing ``adult``). Loading "all categories" reads each real folder once and
reports the aliases; asking for an alias by name reads its target under the
name asked for.

Districts download these lists themselves; they are large (hundreds of
thousands of lines) and not always clean. The reader streams each file in
blocks: a block whose lines are all plain lower-case host names goes to the
index in bulk, without a Python loop per line; any other block is read line by
line, and every line that is not an entry is reported with its file and line
number and counted, never fatal. Line endings may be CRLF; internationalised
names may be in punycode (kept as is) or Unicode (converted to punycode).

UT1 names become Boardline categories unchanged (UT1's ``social_networks`` is our
``social_networks``); ``alias`` maps other names (``{"adult": "adult_content"}``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from boardline.categories.index import CategoryIndex, CategoryIndexBuilder
from boardline.categories.matching import (
    MAX_HOST_LENGTH,
    MAX_LABEL_LENGTH,
    EntryError,
    domain_key,
    url_pattern,
)
from boardline.categories.tags import check_category
from boardline.model.errors import InputError, Place, Problem

BLOCK_SIZE = 1 << 20
#: Bad lines reported one by one per file; the rest are counted in one more problem.
MAX_PROBLEMS_PER_FILE = 50
_ALIAS_FILE_MAX = 256
_LIST_FILES = ("domains", "urls")

# Anything that is not a plain host name on its own line sends a block to the
# line-by-line path: other characters (comments, spaces, Unicode, upper case),
# leading or trailing dots, empty labels or lines, over-long labels or names.
_HOST_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789._-\n"
_LONG_LABEL = re.compile(rb"[^.\n]{%d}" % (MAX_LABEL_LENGTH + 1))
_NEWLINE, _DOT, _ZERO = ord("\n"), ord("."), ord("0")
#: Fewer bytes than any real entry takes, so that reserving by file size never falls short.
_BYTES_PER_ENTRY_GUESS = 8

#: Reads one block of whole lines: (entries added, lines read).
BlockHandler = Callable[[bytes, int], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Ut1Category:
    """What was read for one category."""

    category: str
    folder: str
    domains: int = 0
    urls: int = 0
    bad_lines: int = 0
    usage: tuple[str, ...] = ()
    #: Files of the folder that Boardline does not read (``expressions``...).
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ut1Import:
    root: Path
    categories: tuple[Ut1Category, ...]
    #: Alias folders found in the tree, alias -> target.
    aliases: Mapping[str, str]
    #: Bad lines (file and line), unreadable files and unknown category names.
    problems: tuple[Problem, ...]
    builder: CategoryIndexBuilder = field(repr=False, compare=False)

    @property
    def bad_lines(self) -> int:
        return sum(c.bad_lines for c in self.categories)

    def build(self, **options: int) -> CategoryIndex:
        """Build the index from the builder the lists were read into."""
        return self.builder.build(**options)


def load_ut1(
    root: Path,
    categories: Iterable[str] | None = None,
    *,
    alias: Mapping[str, str] | None = None,
    builder: CategoryIndexBuilder | None = None,
) -> Ut1Import:
    """Read the categories of the UT1 tree at ``root`` (all of them by default).

    Entries go into ``builder`` (a new one if not given: pass one that already
    holds the built-in catalogue to combine them). Raises :class:`InputError`
    only if ``root`` is not a readable folder; everything else is reported.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError.at(str(root), "not a folder of UT1 category lists")
    builder = builder if builder is not None else CategoryIndexBuilder()
    folders, aliases = _survey(root)
    names = alias or {}
    problems: list[Problem] = []
    wanted: list[tuple[str, str]] = []
    if categories is None:
        wanted = [(folder, folder) for folder in folders]
    else:
        for name in dict.fromkeys(categories):
            target = aliases.get(name, name)
            if target in folders:
                wanted.append((name, target))
            else:
                problems.append(Problem(Place(str(root / name)), "no such UT1 category"))
    size = sum(_size(root / folder / "domains") for _, folder in wanted)
    builder.expect(entries=size // _BYTES_PER_ENTRY_GUESS, text_bytes=size)
    loaded: list[Ut1Category] = []
    for name, folder in wanted:
        category = names.get(name, name)
        try:
            check_category(category, str(root / folder))
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        reader = _FolderReader(root / folder, category, f"ut1:{folder}", builder, problems)
        loaded.append(reader.read())
    return Ut1Import(root, tuple(loaded), aliases, tuple(problems), builder)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _survey(root: Path) -> tuple[list[str], dict[str, str]]:
    """Real category folders, and aliases (links or name files) to them."""
    folders: list[str] = []
    aliases: dict[str, str] = {}
    candidates: list[Path] = []
    for child in sorted(root.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_symlink():
            target = Path(os.readlink(child)).name
            if (root / target).is_dir() and not (root / target).is_symlink():
                aliases[child.name] = target
        elif child.is_dir():
            folders.append(child.name)
        elif child.is_file():
            candidates.append(child)
    for child in candidates:
        try:
            if child.stat().st_size > _ALIAS_FILE_MAX:
                continue
            target = child.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if target in folders:
            aliases[child.name] = target
    return folders, aliases


def _plain_hosts(block: bytes) -> tuple[npt.NDArray[np.intp], bool] | None:
    """Where the lines of ``block`` end, if every line is a plain lower-case host name,
    and whether every line has a dot.

    The checks run over the whole block at C speed (``translate``, numpy); a block
    that fails any of them is read line by line, which finds and reports the culprit.
    """
    if block.translate(None, _HOST_BYTES) or block.startswith((b".", b"\n")):
        return None
    data = np.frombuffer(block, dtype=np.uint8)
    newline = data == _NEWLINE
    dot = data == _DOT
    mark = newline | dot
    # "\n.", ".\n", "..", "\n\n": an empty label or line, or a leading or trailing dot
    if (mark[:-1] & mark[1:]).any():
        return None
    ends = np.flatnonzero(newline)
    starts = np.concatenate(([0], ends[:-1] + 1))
    longest = int((ends - starts).max())
    if longest > MAX_HOST_LENGTH or (
        longest > MAX_LABEL_LENGTH and _LONG_LABEL.search(block) is not None
    ):
        return None
    # Every line has a dot if the first dot at or after each line's start comes before its end.
    dots = np.flatnonzero(dot)
    if not len(dots):
        return ends, False
    first = dots[np.minimum(np.searchsorted(dots, starts), len(dots) - 1)]
    return ends, bool(((first >= starts) & (first < ends)).all())


class _FolderReader:
    def __init__(
        self,
        folder: Path,
        category: str,
        source: str,
        builder: CategoryIndexBuilder,
        problems: list[Problem],
    ) -> None:
        self.folder = folder
        self.category = category
        self.source = source
        self.builder = builder
        self.problems = problems
        self.bad = 0
        self._file_bad = 0
        self._file = ""

    def read(self) -> Ut1Category:
        domains = self._read_list(self.folder / "domains", self._domain_block)
        urls = self._read_list(self.folder / "urls", self._url_block)
        usage = self._usage()
        ignored = tuple(
            sorted(
                p.name
                for p in self.folder.iterdir()
                if p.name not in {*_LIST_FILES, "usage"} and not p.name.startswith(".")
            )
        )
        return Ut1Category(self.category, self.folder.name, domains, urls, self.bad, usage, ignored)

    def _read_list(self, path: Path, handle: BlockHandler) -> int:
        if not path.exists():
            return 0
        self._file = str(path)
        self._file_bad = 0
        added = 0
        line = 1
        try:
            with path.open("rb") as stream:
                carry = b""
                while block := stream.read(BLOCK_SIZE):
                    block = carry + block
                    cut = block.rfind(b"\n") + 1
                    carry, block = block[cut:], block[:cut]
                    if block:
                        count, lines = handle(block, line)
                        added += count
                        line += lines
                if carry:
                    added += handle(carry + b"\n", line)[0]
        except OSError as exc:
            self._problem(None, f"cannot read the file: {exc.strerror or exc}")
        hidden = self._file_bad - MAX_PROBLEMS_PER_FILE
        if hidden > 0:
            self.problems.append(
                Problem(Place(self._file), f"{hidden} more bad lines not shown one by one")
            )
        return added

    def _domain_block(self, block: bytes, first_line: int) -> tuple[int, int]:
        clean = block.replace(b"\r\n", b"\n") if b"\r" in block else block
        plain = _plain_hosts(clean)
        if plain is None:
            return self._domain_lines(block, first_line)
        ends, dotted = plain
        text = clean.decode("ascii")
        keys = text.split("\n")
        keys.pop()
        data = np.frombuffer(clean, dtype=np.uint8)
        last = data[ends - 1] - np.uint8(_ZERO)  # wraps for non-digits
        if (last < 10).any():
            # Possibly IP literals: their keys are bracketed (see matching.ip_key).
            for i in np.flatnonzero(last < 10).tolist():
                keys[i] = domain_key(keys[i])
        self.builder.add_domain_keys(keys, self.category, self.source, dotted=dotted)
        return len(keys), len(keys)

    def _domain_lines(self, block: bytes, first_line: int) -> tuple[int, int]:
        keys: list[str] = []
        for number, entry in self._entries(block, first_line):
            try:
                keys.append(domain_key(entry))
            except EntryError as exc:
                self._problem(number, str(exc))
        self.builder.add_domain_keys(keys, self.category, self.source)
        return len(keys), block.count(b"\n")

    def _url_block(self, block: bytes, first_line: int) -> tuple[int, int]:
        added = 0
        for number, entry in self._entries(block, first_line):
            try:
                pattern = url_pattern(entry)
            except EntryError as exc:
                self._problem(number, str(exc))
                continue
            self.builder.add_url_pattern(pattern, self.category, self.source)
            added += 1
        return added, block.count(b"\n")

    def _entries(self, block: bytes, first_line: int) -> Iterable[tuple[int, str]]:
        """``(line number, entry)`` for each line that is not blank or a comment."""
        for offset, raw in enumerate(block.split(b"\n")[:-1]):
            number = first_line + offset
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                self._problem(number, "not UTF-8 text")
                continue
            line = line.lstrip("\ufeff").strip()
            if not line or line.startswith("#"):
                continue
            entry, *rest = line.split(None, 1)
            if rest and not rest[0].startswith("#"):
                self._problem(number, f"unexpected text after the entry: {rest[0][:40]!r}")
                continue
            yield number, entry

    def _usage(self) -> tuple[str, ...]:
        path = self.folder / "usage"
        try:
            text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        except OSError:
            return ()
        words = (line.strip() for line in text.splitlines())
        return tuple(w for w in words if w and not w.startswith("#"))

    def _problem(self, line: int | None, message: str) -> None:
        self.bad += 1 if line is not None else 0
        self._file_bad += 1
        if self._file_bad <= MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(Place(self._file, line), message))
