"""Without Squid the demo's live chapter says how to get it instead of failing the tour."""

from __future__ import annotations

from pathlib import Path

import pytest

from boardline.cli import demo_squid
from boardline.cli.output import console
from boardline.enforcement.squid.lab import LabError


def test_the_live_chapter_explains_a_missing_squid(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_squid(command: Path) -> None:
        raise LabError("Squid is not installed; `apt-get install -y squid`")

    monkeypatch.setattr(demo_squid, "check_runnable", no_squid)
    with console.capture() as captured:
        demo_squid.chapter_live_squid()
    text = " ".join(captured.get().split())
    assert "Skipping the live chapter" in text
    assert "apt-get install squid" in text
    assert "chapter 3 replayed the day in-process" in text
