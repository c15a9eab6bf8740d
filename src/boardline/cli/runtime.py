"""Shared CLI plumbing: read settings once, build the runtime, parse times in the district zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from boardline.bootstrap import bootstrap
from boardline.cli.output import fail
from boardline.model.errors import InputError
from boardline.runtime import Runtime, now_utc
from boardline.settings import load_settings

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Settings file (default: ./boardline.toml).")
]


def runtime(config: Path | None) -> Runtime:
    try:
        return bootstrap(load_settings(config))
    except InputError as exc:
        fail(exc)


def parse_at(text: str | None, zone: str) -> dt.datetime:
    """An instant from ``--at``: ISO 8601; without an offset it is the district's local time."""
    if text is None:
        return now_utc()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at: {text!r} is not a date and time (e.g. 2026-10-06T10:00)")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value
