"""Addresses the roster does not hold but the district knows to be a person's.

A message trace proves who wrote only through the roster's e-mail addresses. A
staff member writing to a student from a personal account is exactly what 5460's
interaction clause is about, and the roster never lists that account; without it
the message is ``unmapped`` and the audit cannot see it. Districts that record the
personal accounts staff declared (or that an investigation established) hand them
to the audit as a small CSV::

    address,person
    maria.rivera.home@mail.example,mrivera

``person`` is a username or directory id. The file is read at the edge for one run
and never stored: it is HR's record, not Boardline's. Each line is checked (an
address with one ``@``, a person the directory knows, no address given twice for
two people) and a bad line is an :class:`InputError` naming the file and line.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Final

from boardline.directory.directory import Directory
from boardline.model.errors import InputError, Place, Problem

HEADER: Final = ("address", "person")


def read_known_addresses(path: Path, directory: Directory) -> dict[str, str]:
    """``address (lower case) -> directory id`` from ``path``; see the module docstring."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.at(source, f"cannot read the known addresses: {exc}") from None
    known: dict[str, str] = {}
    problems: list[Problem] = []
    rows = csv.reader(text.splitlines())
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and tuple(c.lower() for c in cells[:2]) == HEADER:
            continue
        place = Place(source, line=number)
        if len(cells) != 2:
            problems.append(Problem(place, "expected two values: address,person"))
            continue
        address, who = cells[0].lower(), cells[1]
        local, at, domain = address.partition("@")
        if not at or not local or not domain or "@" in domain or " " in address:
            problems.append(Problem(Place(source, line=number, field="address"),
                                    f"{cells[0][:80]!r} is not an e-mail address"))  # fmt: skip
            continue
        person = directory.resolve(who)
        if person is None:
            problems.append(Problem(Place(source, line=number, field="person"),
                                    f"{who[:80]!r} is not in the directory"))  # fmt: skip
            continue
        if known.get(address, person.id) != person.id:
            problems.append(Problem(Place(source, line=number, field="address"),
                                    f"{address} is already given to another person"))  # fmt: skip
            continue
        known[address] = person.id
    if problems:
        raise InputError(tuple(problems))
    return known
