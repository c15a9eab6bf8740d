"""Where the demo district's shipped data lives inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def demo_data(name: str) -> Path:
    return Path(str(resources.files("boardline.demo") / "data" / name))


def demo_pack_path() -> Path:
    return demo_data("cut-bank.pack.yaml")


def demo_calendar_path() -> Path:
    return demo_data("cut-bank.calendar.yaml")
