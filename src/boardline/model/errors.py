"""Errors that name the place they are about.

Every piece of bad input a district can hand Boardline (a pack, a policy text,
a roster, a log line) is reported as one line: ``file:line: field: message``.
The CLI prints ``str(error)`` and exits non-zero; services log it and go on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    """Where a problem is: a file, optionally a line, a column and a field path."""

    file: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.field:
            where += f": {self.field}"
        return where


@dataclass(frozen=True, slots=True)
class Problem:
    place: Place
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class BoardlineError(Exception):
    """Base of every error Boardline raises on purpose."""


class InputError(BoardlineError):
    """Bad input, with every problem found and where it is."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        if not problems:
            msg = "InputError needs at least one problem"
            raise ValueError(msg)
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(str(self.problems[0]))

    def __str__(self) -> str:
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return first if more == 0 else f"{first} (and {more} more)"

    @classmethod
    def at(
        cls,
        file: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> InputError:
        return cls([Problem(Place(file, line, column, field), message)])
