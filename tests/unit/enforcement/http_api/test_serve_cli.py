"""``boardline serve api``'s administrator key file, and the command's registration."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from boardline.cli.main import app
from boardline.cli.serve import read_admin_keys
from boardline.model.errors import InputError


def test_the_key_file_maps_keys_to_usernames(tmp_path: Path) -> None:
    path = tmp_path / "admin-keys"
    path.write_text(
        "# interim sign-in\nkdoyle: 0123456789abcdef-kd\n\njcarter:0123456789abcdef-jc\n"
    )
    assert read_admin_keys(path) == {
        "0123456789abcdef-kd": "kdoyle",
        "0123456789abcdef-jc": "jcarter",
    }


def test_every_bad_line_is_reported_by_number(tmp_path: Path) -> None:
    path = tmp_path / "admin-keys"
    path.write_text(
        "kdoyle\nkdoyle:short\n:0123456789abcdef\na:0123456789abcdef\nb:0123456789abcdef\n"
    )
    with pytest.raises(InputError) as caught:
        read_admin_keys(path)
    lines = [(p.place.line, p.message) for p in caught.value.problems]
    assert [n for n, _ in lines] == [1, 2, 3, 5]
    assert "username:key" in lines[0][1]
    assert "used twice" in lines[3][1]


def test_a_missing_key_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_admin_keys(tmp_path / "nope")


def test_serve_api_is_a_command() -> None:
    result = CliRunner().invoke(app, ["serve", "api", "--help"])
    assert result.exit_code == 0
    assert "--admin-keys" in result.output
    assert "--port" in result.output
