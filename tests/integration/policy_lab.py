"""A Boardline configuration that Squid's helpers (user ``proxy``) can use, with a clock file."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from boardline.enforcement.decision_token import SECRET_FILE, load_secret
from boardline.enforcement.squid.lab import give_to_squid_user, make_run_dir

SCHOOL_DAY = "2026-10-06T{}:00-06:00"


def boardline_command() -> Path:
    """The `boardline` script of the interpreter running the tests (its venv)."""
    path = Path(sys.executable).with_name("boardline")
    if not path.exists():
        pytest.fail(f"{path} is missing: install Boardline into this venv (make install)")
    return path


class Lab:
    """A Boardline configuration Squid's helper reads, plus its clock file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = root / "clock"
        self.config = root / "boardline.toml"
        self.state = root / "state"
        self.config.write_text(
            f'state_dir = "{self.state}"\nclock = "@{self.clock}"\n', encoding="utf-8"
        )
        self.set_time("10:00")
        self.state.mkdir(parents=True, exist_ok=True)
        # Made now, before any helper or server (running as another user) needs it.
        self.secret = load_secret(self.state / SECRET_FILE)

    def set_time(self, hhmm: str) -> None:
        self.clock.write_text(SCHOOL_DAY.format(hhmm), encoding="utf-8")

    def boardline(self, *args: str) -> str:
        env = {**os.environ, "BOARDLINE_STATE_DIR": str(self.state)}
        result = subprocess.run(
            [str(boardline_command()), *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        self.give_to_proxy()
        return result.stdout

    def give_to_proxy(self) -> None:
        give_to_squid_user(self.root)


@contextlib.contextmanager
def policy_lab() -> Iterator[Lab]:
    """A lab in a fresh run directory, the demo district generated once before Squid starts
    several helpers at a time; removed afterwards."""
    root = make_run_dir()
    try:
        lab = Lab(root)
        lab.boardline("exceptions", "list")
        yield lab
    finally:
        shutil.rmtree(root, ignore_errors=True)
