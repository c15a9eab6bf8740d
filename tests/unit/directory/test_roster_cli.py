"""``boardline roster import``: a summary of a good bundle; exit 2 and every problem otherwise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from boardline.cli.main import app

FIXTURES = Path(__file__).parents[2] / "fixtures" / "oneroster"
runner = CliRunner()


def test_summary() -> None:
    result = runner.invoke(app, ["roster", "import", str(FIXTURES / "v1p2")])
    assert result.exit_code == 0, result.output
    assert "OneRoster 1.2" in result.output
    assert "Red Rock High School" in result.output
    assert "nsolis" in result.output  # the family relationship found


def test_json() -> None:
    result = runner.invoke(app, ["roster", "import", str(FIXTURES / "v1p1"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["version"] == "1.1"
    assert data["counts"]["student"] == 3
    assert {r["relationship"] for r in data["relationships"]} == {"family", "employment"}
    assert data["skipped"] == {"enrollments.csv: tobedeleted": 1, "users.csv: tobedeleted": 1}


def test_bad_bundle_exits_2_with_every_problem(tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(FIXTURES / "v1p1", tmp_path / "bad"))
    users = bundle / "users.csv"
    users.write_text(
        users.read_text(encoding="utf-8").replace("gv-hs,aide,klane", "gv-hs,wizard,klane"),
        encoding="utf-8",
    )
    (bundle / "orgs.csv").write_text(
        (bundle / "orgs.csv").read_text(encoding="utf-8") + "gv-x,,,Short\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["roster", "import", str(bundle)])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any(f"{users}:5:6: role: unknown role 'wizard'" in line for line in lines)
    assert any(f"{bundle / 'orgs.csv'}:5: has 4 fields" in line for line in lines)


def test_extension_roles_are_mapped_on_the_command_line(tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(FIXTURES / "v1p2", tmp_path / "ext"))
    roles = bundle / "roles.csv"
    roles.write_text(
        roles.read_text(encoding="utf-8").replace("primary,counselor", "primary,ext:nurse"),
        encoding="utf-8",
    )
    refused = runner.invoke(app, ["roster", "import", str(bundle)])
    assert refused.exit_code == 2
    mapped = runner.invoke(
        app, ["roster", "import", str(bundle), "--json", "--map-role", "ext:nurse=staff"]
    )
    assert mapped.exit_code == 0, mapped.output
    assert json.loads(mapped.stdout)["counts"]["staff"] == 2
    bad = runner.invoke(app, ["roster", "import", str(bundle), "--map-role", "ext:nurse=cook"])
    assert bad.exit_code == 2
