"""Load a calendar file, reporting every problem with its file, line and field.

The file format is described in :mod:`boardline.schedule.spec`. Loading reads
the YAML with the line of every value kept
(:func:`boardline.policy.yaml_source.read_yaml`), validates it with the
pydantic models, runs the cross-field checks of
:mod:`boardline.schedule.checks`, and compiles the year
(:class:`~boardline.schedule.calendar.SchoolCalendar`). Any problem raises one
:class:`~boardline.model.errors.InputError` that lists them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from boardline.model.errors import InputError, Problem
from boardline.policy.yaml_source import Loc, Located, read_yaml
from boardline.schedule.calendar import SchoolCalendar
from boardline.schedule.checks import cross_check
from boardline.schedule.spec import CALENDAR_FORMAT, CalendarSpec

MAX_CALENDAR_BYTES = 4 * 1024 * 1024


def load_calendar(path: str | Path) -> SchoolCalendar:
    """Read, validate and compile the calendar file at ``path``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.at(str(path), f"cannot read the calendar: {exc.strerror or exc}") from None
    return parse_calendar(raw, str(path))


def parse_calendar(text: str | bytes, file: str = "<calendar>") -> SchoolCalendar:
    """Validate and compile a calendar given as text (or bytes); ``file`` names it in errors."""
    return SchoolCalendar(validate_calendar(read_yaml(_decode(text, file), file)))


def validate_calendar(located: Located) -> CalendarSpec:
    """The validated spec of a parsed calendar file (no compilation)."""
    if not isinstance(located.data, dict):
        raise InputError.at(
            located.file,
            f"a calendar is a mapping starting with 'format: {CALENDAR_FORMAT}'",
            line=located.line_of(()),
        )
    try:
        spec = CalendarSpec.model_validate(located.data)
    except ValidationError as exc:
        raise InputError(_problems(exc, located)) from None
    problems = cross_check(spec)
    if problems:
        raise InputError([Problem(located.place(loc), msg) for loc, msg in problems])
    return spec


def _decode(raw: str | bytes, file: str) -> str:
    if isinstance(raw, str):
        return raw
    if len(raw) > MAX_CALENDAR_BYTES:
        raise InputError.at(file, f"the calendar is larger than {MAX_CALENDAR_BYTES >> 20} MiB")
    if b"\x00" in raw[:8192]:
        raise InputError.at(file, "this is not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.at(file, "the file is not valid UTF-8", line=line) from None


def _problems(exc: ValidationError, located: Located) -> list[Problem]:
    return [
        Problem(located.place(_document_loc(error["loc"], located.data)), _message(error))
        for error in exc.errors(include_url=False)
    ]


def _document_loc(loc: tuple[Any, ...], data: Any) -> Loc:
    """The error's path in the document, without pydantic's own steps (``[key]``)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        own_step = isinstance(part, str) and part.startswith(("[", "function-"))
        if own_step and not (isinstance(node, dict) and part in node):
            continue
        out.append(part)
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    return str(error["msg"]).removeprefix("Value error, ")
