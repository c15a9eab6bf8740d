"""``boardline categories lookup`` and ``import``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from boardline.cli.main import app

runner = CliRunner()


def ut1_tree(root: Path) -> Path:
    folder = root / "social_networks"
    folder.mkdir(parents=True)
    (folder / "domains").write_text("small-network.example\nbad entry\n", encoding="utf-8")
    (folder / "urls").write_text("example.com/forum\n", encoding="utf-8")
    (root / "social").write_text("social_networks", encoding="utf-8")
    return root


def test_lookup_json_names_entries_services_and_sources(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "categories",
            "lookup",
            "--json",
            "--ut1",
            str(ut1_tree(tmp_path)),
            "https://scontent.cdninstagram.com/v/x.jpg",
            "classroom.google.com",
            "www.example.com/forum/1",
        ],
    )
    assert result.exit_code == 0, result.output
    start = result.stdout.index("[")
    data = json.loads(result.stdout[start:])
    assert data[0]["categories"] == ["social_networks"]
    assert data[0]["matches"] == [
        {
            "category": "social_networks",
            "entry": "cdninstagram.com",
            "source": "builtin",
            "service": "Instagram",
        }
    ]
    assert data[1]["categories"] == []
    assert data[2]["host"] == "www.example.com"
    assert data[2]["matches"][0]["entry"] == "example.com/forum"


def test_lookup_table_output() -> None:
    result = runner.invoke(app, ["categories", "lookup", "t.co"])
    assert result.exit_code == 0
    assert "social_networks" in result.stdout
    assert "X (Twitter)" in result.stdout


def test_import_reports_counts_bad_lines_aliases_and_memory(tmp_path: Path) -> None:
    root = ut1_tree(tmp_path)
    result = runner.invoke(app, ["categories", "import", str(root), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["categories"][0]["domains"] == 1
    assert report["categories"][0]["urls"] == 1
    assert report["bad_lines"] == 1
    assert report["problems"] == [
        f"{root / 'social_networks' / 'domains'}:2: unexpected text after the entry: 'entry'"
    ]
    assert report["aliases"] == {"social": "social_networks"}
    assert report["index"]["exact"] is True
    assert report["memory"]["index_bytes"] > 0
    assert report["seconds"] >= 0


def test_import_human_output_and_only(tmp_path: Path) -> None:
    root = ut1_tree(tmp_path)
    result = runner.invoke(app, ["categories", "import", str(root), "--only", "social,missing"])
    assert result.exit_code == 0, result.output
    assert "1 categories" in result.stdout
    assert "no such UT1 category" in result.output


def test_import_of_a_missing_folder_fails_with_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["categories", "import", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "not a folder of UT1 category lists" in result.output


def test_lookup_applies_a_packs_overrides_and_says_why() -> None:
    from boardline.demo.paths import demo_pack_path

    pack = str(demo_pack_path())
    result = runner.invoke(
        app, ["categories", "lookup", "edu.pinterest.com", "www.pinterest.com", "--pack", pack]
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "not social_networks: edu.pinterest.com" in text
    assert "Curriculum planning boards" in text
    plain = runner.invoke(app, ["categories", "lookup", "--json", "edu.pinterest.com"])
    with_pack = runner.invoke(
        app, ["categories", "lookup", "--json", "edu.pinterest.com", "--pack", pack]
    )
    assert json.loads(plain.output)[0]["categories"] == ["social_networks"]
    assert json.loads(with_pack.output)[0]["categories"] == []


def test_lookup_with_a_broken_pack_names_the_place(tmp_path: Path) -> None:
    broken = tmp_path / "pack.yaml"
    broken.write_text("format: [\n", encoding="utf-8")
    result = runner.invoke(app, ["categories", "lookup", "x.com", "--pack", str(broken)])
    assert result.exit_code == 2
    assert "pack.yaml:2" in result.output
