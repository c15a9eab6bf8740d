"""The decision log's files: rotation, lazy compression and reading back.

Layout. ``decisions.jsonl`` is written; rotation renames it to
``decisions.jsonl.1`` and shifts older files up to ``.{keep}``; the oldest is
deleted, so retention is about ``keep × max_bytes``. Ship or archive rotated
files before then if the district keeps decisions longer.

Several writers. Squid runs several helper processes, and each appends to the
same file (``O_APPEND`` keeps their lines whole and apart). Rotation takes an
exclusive ``flock`` on a hidden lock file beside the log and checks that the
file it means to rotate is still the one it wrote to, so two writers that cross
the size limit together rotate once. The others notice the rename on their next
flush (the path names another file) and reopen.

Compression is lazy and separate (:func:`compress_rotated`, meant for a timer or
a helper command), never done by a writer: gzip of a 64 MiB file takes seconds,
and a writer that stops for seconds stalls Squid. It leaves ``.1``
alone, because a writer that has not noticed the rotation yet may still append
to it, and holds the lock only for the final rename.

Reading. :func:`read_log` reads every file, oldest first. A final line without
its newline is what a writer killed in the middle of ``write`` leaves; it was
never acknowledged, so it is skipped and reported in ``LogRead.torn``. A writer
that later appends to such a file starts on a fresh line, so the fragment stays
a line of its own; it is reported in ``LogRead.bad`` with every other line that
does not parse. Nothing is dropped without a report.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import gzip
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from boardline.enforcement.decision_log_schema import (
    DecisionLogError,
    DecisionLogEventV1,
    parse_line,
)
from boardline.model.errors import Place, Problem


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


def rotated(path: Path, index: int) -> Path:
    return path.with_name(f"{path.name}.{index}")


def _gz(path: Path) -> Path:
    return path.with_name(path.name + ".gz")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _identity(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


def _numbered(path: Path) -> list[tuple[int, Path]]:
    """The rotated files that exist, plain and gzipped, with their index."""
    found: list[tuple[int, Path]] = []
    for candidate in path.parent.glob(f"{glob.escape(path.name)}.*"):
        index = candidate.name[len(path.name) + 1 :].removesuffix(".gz")
        if index.isdigit():
            found.append((int(index), candidate))
    # plain before gzipped for the same index, so readers can prefer the plain one
    return sorted(found, key=lambda item: (item[0], item[1].name.endswith(".gz")))


def rotate(path: Path, keep: int, identity: tuple[int, int]) -> bool:
    """Rotate ``path`` if it is still the file ``identity`` names; return whether it did."""
    with _locked(path):
        try:
            current = os.stat(path)
        except FileNotFoundError:
            return False
        if _identity(current) != identity:
            return False  # another writer rotated it already
        # Oldest first, so every target name is free; only files that exist are
        # touched (a glob, not a walk over every possible index).
        for index, file in sorted(_numbered(path), reverse=True):
            if index >= keep:
                os.unlink(file)
            else:
                target = rotated(path, index + 1)
                os.rename(file, _gz(target) if file.name.endswith(".gz") else target)
        os.rename(path, rotated(path, 1))
        return True


def compress_rotated(path: str | Path) -> list[Path]:
    """Gzip the rotated files from ``.2`` on; return the files written.

    Safe beside running writers and rotations: the compressed copy replaces the
    plain file only if, under the lock, the plain file is still the one read.
    """
    path = Path(path)
    done: list[Path] = []
    for index, plain in _numbered(path):
        if index < 2 or plain.name.endswith(".gz"):
            continue
        partial = plain.with_name(f".{plain.name}.gz.partial")
        try:
            with open(plain, "rb") as source:
                before = _identity(os.fstat(source.fileno()))
                with gzip.open(partial, "wb", compresslevel=6) as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
        except FileNotFoundError:  # deleted by a rotation since the listing
            continue
        with _locked(path):
            try:
                still = _identity(os.stat(plain)) == before
            except FileNotFoundError:
                still = False
            if still:
                os.rename(partial, _gz(plain))
                os.unlink(plain)
                done.append(_gz(plain))
            else:  # shifted by a rotation meanwhile; the next run compresses it
                os.unlink(partial)
    return done


def log_files(path: str | Path) -> list[Path]:
    """The log's files, oldest first: ``.N`` ... ``.1`` (plain or gzipped), then ``path``."""
    path = Path(path)
    numbered: dict[int, Path] = {}
    for index, candidate in _numbered(path):
        if candidate.name.endswith(".gz") and index in numbered:
            continue
        # Both ``.N`` and ``.N.gz``: compression stopped before removing the plain
        # file, and the plain one is complete; read it once.
        numbered[index] = candidate
    files = [numbered[index] for index in sorted(numbered, reverse=True)]
    if path.exists():
        files.append(path)
    return files


@dataclass(frozen=True, slots=True)
class LogRead:
    """What :func:`read_log` found: the events, and every line it could not use."""

    events: tuple[DecisionLogEventV1, ...]
    #: Final lines without a newline (a writer killed mid-write); never acknowledged.
    torn: tuple[Problem, ...] = ()
    #: Lines that do not parse, with the reason.
    bad: tuple[Problem, ...] = ()

    def raise_for_bad(self) -> None:
        """Raise :class:`DecisionLogError` listing every bad line, if there is one."""
        if self.bad:
            raise DecisionLogError(self.bad)


def _open(file: Path) -> io.BufferedIOBase:
    if file.name.endswith(".gz"):
        return gzip.open(file, "rb")
    return open(file, "rb")


def read_file(file: str | Path) -> LogRead:
    """Read one log file (plain or gzipped)."""
    file = Path(file)
    events: list[DecisionLogEventV1] = []
    torn: list[Problem] = []
    bad: list[Problem] = []
    with _open(file) as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.endswith(b"\n"):
                where = Place(str(file), number)
                torn.append(Problem(where, "last line has no newline: cut short, skipped"))
                break
            text = raw[:-1]
            if not text.strip():
                continue
            try:
                events.append(parse_line(text, file=str(file), line=number))
            except DecisionLogError as exc:
                bad.extend(exc.problems)
    return LogRead(tuple(events), tuple(torn), tuple(bad))


def read_log(path: str | Path) -> LogRead:
    """Read the log at ``path`` with its rotated files, oldest first."""
    events: list[DecisionLogEventV1] = []
    torn: list[Problem] = []
    bad: list[Problem] = []
    for file in log_files(path):
        part = read_file(file)
        events.extend(part.events)
        torn.extend(part.torn)
        bad.extend(part.bad)
    return LogRead(tuple(events), tuple(torn), tuple(bad))
