"""``boardline scan``: findings with the decision and its clause, and no roster value anywhere."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from boardline.bootstrap import load_directory
from boardline.cli.main import app
from boardline.directory import Directory
from boardline.inspection.image_testset import synthetic_photo
from boardline.inspection.logo_art import cut_bank_crest
from boardline.settings import Settings
from tests.unit.inspection.documents import document, make_pdf

runner = CliRunner()
STUDENTS = ("lily.baker", "noah.hale", "mason.reed")


def roster_post(directory: Directory) -> tuple[str, list[str]]:
    """Three students' names with their ids, and every roster value the post contains."""
    people = [directory.by_username(u) for u in STUDENTS]
    lines, values = [], []
    for person in people:
        assert person is not None
        assert person.identifier
        lines.append(f"{person.given_name} {person.family_name} ({person.identifier})")
        values += [person.given_name, person.family_name, person.identifier, person.username]
    return "Detention list for Friday:\n" + "\n".join(lines) + "\n", values


def leaked(text: str, values: list[str]) -> list[str]:
    lowered = text.lower()
    return [v for v in values if v.lower() in lowered]


def test_scan_reports_findings_decisions_and_clauses(tmp_path: Path) -> None:
    env = {"BOARDLINE_STATE_DIR": str(tmp_path / "var"), "COLUMNS": "200"}
    crest, handbook = tmp_path / "crest.png", tmp_path / "handbook.txt"
    cut_bank_crest(400).save(crest)
    text = document(5460, 1200)
    handbook.write_text(text, encoding="utf-8")
    for path, kind in ((crest, "logo"), (handbook, "document")):
        added = runner.invoke(app, ["assets", "add", str(path), "--kind", kind], env=env)
        assert added.exit_code == 0, added.output
    directory = load_directory(Settings(state_dir=str(tmp_path / "var")))
    post, values = roster_post(directory)
    (tmp_path / "list.txt").write_text(post, encoding="utf-8")
    (tmp_path / "excerpt.pdf").write_bytes(make_pdf(" ".join(text.split(" ")[300:380])))
    synthetic_photo(42, (640, 480)).save(tmp_path / "holiday.jpg", quality=90)
    crest_post = tmp_path / "poster.png"
    cut_bank_crest(400).resize((260, 312)).save(crest_post)
    files = [str(tmp_path / n) for n in ("poster.png", "excerpt.pdf", "list.txt", "holiday.jpg")]

    shown = runner.invoke(app, ["scan", *files, "--user", "mrivera"], env=env)
    assert shown.exit_code == 0, shown.output
    flat = " ".join(shown.output.split())
    assert "poster.png → deny" in flat
    assert "excerpt.pdf → deny" in flat
    assert "list.txt → deny (no-posting-confidential-material)" in flat
    assert "holiday.jpg → allow" in flat
    assert "student_record roster (confidence 0.90, 3 people)" in flat
    assert "Policy 5460, clause 5460.p7" in flat

    as_json = runner.invoke(app, ["scan", *files, "--json", "--user", "mrivera"], env=env)
    data = json.loads(as_json.output)
    assert data["schema"] == "boardline/scan@1"
    by_name = {Path(f["name"]).name: f for f in data["files"]}
    assert by_name["poster.png"]["findings"][0]["kind"] == "district_logo"
    assert by_name["excerpt.pdf"]["findings"][0]["kind"] == "district_document"
    assert by_name["list.txt"]["decision"]["effect"] == "deny"
    assert by_name["list.txt"]["decision"]["citations"][0]["clause"] == "5460.p7"
    assert by_name["holiday.jpg"]["findings"] == []
    assert by_name["holiday.jpg"]["decision"]["effect"] == "allow"

    assert leaked(shown.output, values) == []
    assert leaked(as_json.output, values) == []


def test_unreadable_files_are_reported_and_exit_2(tmp_path: Path) -> None:
    env = {"BOARDLINE_STATE_DIR": str(tmp_path / "var")}
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n garbage")
    result = runner.invoke(
        app, ["scan", str(broken), str(tmp_path / "nope.txt"), "--json"], env=env
    )
    assert result.exit_code == 2
    files = json.loads(result.output)["files"]
    assert files[0]["error"].startswith(str(broken))
    assert files[1]["error"].startswith("cannot read")
