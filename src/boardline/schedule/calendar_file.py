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

from pydantic import ValidationError

from boardline.model.errors import InputError, Problem
from boardline.policy.yaml_source import Located, decode_text, read_yaml, validation_problems
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
    return SchoolCalendar(
        validate_calendar(
            read_yaml(decode_text(text, file, what="calendar", max_bytes=MAX_CALENDAR_BYTES), file)
        )
    )


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
        raise InputError(validation_problems(exc, located)) from None
    problems = cross_check(spec)
    if problems:
        raise InputError([Problem(located.place(loc), msg) for loc, msg in problems])
    return spec
