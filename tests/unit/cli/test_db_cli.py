"""``boardline db upgrade``: creates the schema, then finds nothing to do; errors are one line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from boardline.cli.main import app
from boardline.storage.database import HEAD

runner = CliRunner()


def test_upgrade_creates_then_finds_the_schema_current(tmp_path: Path) -> None:
    env = {"BOARDLINE_STATE_DIR": str(tmp_path / "state")}
    first = runner.invoke(app, ["db", "upgrade", "--json"], env=env)
    assert first.exit_code == 0, first.output
    done = json.loads(first.output)
    assert done["url"] == f"sqlite:///{tmp_path / 'state' / 'boardline.db'}"
    assert (done["before"], done["after"], done["changed"]) == (None, HEAD, True)
    again = runner.invoke(app, ["db", "upgrade"], env=env)
    assert again.exit_code == 0, again.output
    assert f"is already at {HEAD}" in again.output


def test_upgrade_takes_a_url_and_the_setting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 0, result.output
    assert "upgraded" in result.output
    assert (tmp_path / "elsewhere.db").exists()
    result = runner.invoke(app, ["db", "upgrade"], env={"BOARDLINE_DATABASE_URL": url})
    assert f"is already at {HEAD}" in result.output


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    url = "postgresql+psycopg://boardline:hunter2@127.0.0.1:1/boardline"
    result = runner.invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 2
    assert "hunter2" not in result.output
    assert "boardline:***@127.0.0.1:1/boardline: database_url: cannot open the database" in (
        " ".join(result.output.split())
    )
