"""``boardline assets add|add-values|list|remove`` against the embedded default database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from boardline.cli.main import app
from boardline.inspection.logo_art import cut_bank_crest
from tests.unit.inspection.documents import document

runner = CliRunner()


def _env(state: Path) -> dict[str, str]:
    return {"BOARDLINE_STATE_DIR": str(state), "COLUMNS": "200"}


def test_add_list_remove(tmp_path: Path) -> None:
    env = _env(tmp_path / "var")
    crest = tmp_path / "crest.png"
    cut_bank_crest(300).save(crest)
    handbook = tmp_path / "handbook.txt"
    handbook.write_text(document(5460, 800), encoding="utf-8")
    added = runner.invoke(
        app, ["assets", "add", str(crest), "--kind", "logo", "--label", "Crest", "--by", "jc"],
        env=env,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "registered logo-" in added.output
    again = runner.invoke(app, ["assets", "add", str(crest), "--kind", "logo"], env=env)
    assert "already registered" in again.output
    doc = runner.invoke(app, ["assets", "add", str(handbook), "--kind", "document"], env=env)
    assert doc.exit_code == 0, doc.output
    listed = json.loads(runner.invoke(app, ["assets", "list", "--json"], env=env).output)
    assert [(a["kind"], a["label"], a["added_by"]) for a in listed["assets"]] == [
        ("logo", "Crest", "jc"),
        ("document", "handbook.txt", listed["assets"][1]["added_by"]),
    ]
    logo_id = listed["assets"][0]["id"]
    assert runner.invoke(app, ["assets", "list"], env=env).output.count("logo-") == 1
    removed = runner.invoke(app, ["assets", "remove", logo_id, "--by", "kd"], env=env)
    assert removed.exit_code == 0, removed.output
    after = json.loads(runner.invoke(app, ["assets", "list", "--json"], env=env).output)
    assert [a["kind"] for a in after["assets"]] == ["document"]
    assert after["revision"] != listed["revision"]
    everything = runner.invoke(app, ["assets", "list", "--json", "--removed"], env=env)
    assert json.loads(everything.output)["assets"][0]["removed_by"] == "kd"
    missing = runner.invoke(app, ["assets", "remove", logo_id], env=env)
    assert missing.exit_code == 2
    assert "no registered asset" in missing.output


def test_bad_files_are_reported_by_name_and_the_good_ones_kept(tmp_path: Path) -> None:
    env = _env(tmp_path / "var")
    good = tmp_path / "crest.png"
    cut_bank_crest(300).save(good)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    result = runner.invoke(
        app, ["assets", "add", str(bad), str(tmp_path / "nope.jpg"), str(good), "--kind", "photo"],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "broken.png" in result.output
    assert "nope.jpg: cannot read" in result.output
    assert "registered photo-" in result.output
    assert runner.invoke(app, ["assets", "add", str(good), "--kind", "banner"], env=env).exit_code


def test_add_values_keeps_only_digests_and_never_prints_a_value(tmp_path: Path) -> None:
    env = _env(tmp_path / "var")
    values = tmp_path / "ssns.csv"
    values.write_text("ssn,owner\n123-45-6789,stu-1\n222334444\n", encoding="utf-8")
    result = runner.invoke(app, ["assets", "add-values", str(values), "--kind", "ssn"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 salted ssn digests" in result.output
    assert (tmp_path / "var" / "inspection.salt").stat().st_mode & 0o077 == 0
    database = (tmp_path / "var" / "boardline.db").read_bytes()
    for clear in (b"123-45-6789", b"123456789", b"222334444"):
        assert clear not in database
        assert clear.decode() not in result.output
    broken = tmp_path / "broken.csv"
    broken.write_text("123-45-6789\n123-45-678\n", encoding="utf-8")
    refused = runner.invoke(app, ["assets", "add-values", str(broken)], env=env)
    assert refused.exit_code == 2
    assert "broken.csv:2: ssn: not a 9-digit SSN" in " ".join(refused.output.split())
    assert "123-45-678" not in refused.output
