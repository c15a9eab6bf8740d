"""Settings: declared once, read from a file and the environment, reference generated."""

from __future__ import annotations

from pathlib import Path

import pytest

from boardline.model.errors import InputError
from boardline.settings import load_settings, settings_reference

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "boardline.toml"
    path.write_text('pack = "district.pack.yaml"\nstate_dir = "/srv/boardline"\n', encoding="utf-8")
    settings = load_settings(
        path, {"BOARDLINE_STATE_DIR": "/tmp/x", "BOARDLINE_UT1_CATEGORIES": "a,b"}
    )
    assert settings.pack == "district.pack.yaml"
    assert settings.state_dir == "/tmp/x"
    assert settings.ut1_categories == ("a", "b")


def test_secret_references_are_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "roster-path"
    secret.write_text("/secret/roster\n", encoding="utf-8")
    path = tmp_path / "boardline.toml"
    path.write_text(f'roster = "$file:{secret}"\nnetworks = "$env:NETS"\n', encoding="utf-8")
    settings = load_settings(path, {"NETS": "/etc/nets.yaml"})
    assert settings.roster == "/secret/roster"
    assert settings.networks == "/etc/nets.yaml"


def test_unknown_setting_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "boardline.toml"
    path.write_text('colour = "blue"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"boardline\.toml: colour"):
        load_settings(path, {})


def test_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "boardline.toml"
    path.write_text("pack = \n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid TOML"):
        load_settings(path, {})


def test_reference_in_docs_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == settings_reference()
