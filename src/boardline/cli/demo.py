"""``boardline demo``: the scripted tour that ``make demo`` runs."""

from __future__ import annotations

from boardline.demo.tour import run_tour


def demo() -> None:
    """Run the demo tour on the embedded default (SQLite, DuckDB; no server needed)."""
    run_tour()
