"""The scripted tour of the demo district. Each later capability adds a chapter."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from rich.console import Console

from boardline.policy.pack_loader import load_pack


def demo_pack_path() -> Path:
    return Path(str(resources.files("boardline.demo") / "data" / "cut-bank.pack.yaml"))


def run_tour(console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    pack = load_pack(demo_pack_path())
    console.rule("[bold]Boardline demo — Cut Bank School District")
    console.print(f"Validated the demo pack: revision {pack.revision}")
