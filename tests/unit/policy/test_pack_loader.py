"""The pack loader: the demo pack loads, and bad packs fail naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from boardline.demo.paths import demo_pack_path
from boardline.model.errors import InputError
from boardline.policy.pack_loader import load_pack, parse_pack

DEMO = demo_pack_path()


def demo_text() -> str:
    return DEMO.read_text(encoding="utf-8")


def test_demo_pack_loads_with_a_stable_revision() -> None:
    first = load_pack(DEMO)
    second = parse_pack(demo_text(), "again.yaml")
    assert first.revision == second.revision
    assert first.revision.startswith("sha256:")
    assert first.district.name == "Cut Bank School District"
    version = first.current("5460")
    assert version is not None
    assert [c.id for c in version.clauses] == [f"5460.p{n}" for n in range(1, 9)]


def test_revision_changes_when_content_changes() -> None:
    edited = demo_text().replace("emergency_max_minutes: 60", "emergency_max_minutes: 45")
    assert parse_pack(edited).revision != load_pack(DEMO).revision


def test_revision_ignores_comments_and_layout() -> None:
    edited = "# a new comment\n" + demo_text().replace("\nrules:", "\n\n\nrules:")
    assert parse_pack(edited).revision == load_pack(DEMO).revision


def _error(text: str, file: str = "pack.yaml") -> InputError:
    with pytest.raises(InputError) as info:
        parse_pack(text, file)
    return info.value


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            count += 1
            if count == occurrence:
                return number
    raise AssertionError(needle)


def test_bad_yaml_names_line() -> None:
    error = _error("format: boardline/pack@1\ndistrict: [unclosed\n")
    assert str(error).startswith("pack.yaml:3")
    assert "invalid YAML" in str(error)


def test_unknown_field_names_line_and_field() -> None:
    text = demo_text().replace("  state: MT\n", "  state: MT\n  colour: blue\n")
    error = _error(text)
    problem = error.problems[0]
    assert problem.place.line == _line_of(text, "colour: blue")
    assert problem.place.field == "district.colour"
    assert "unknown field" in str(error)


def test_duplicate_clause_id() -> None:
    text = demo_text().replace("- id: 5460.p3", "- id: 5460.p2")
    error = _error(text)
    assert "duplicate clause id '5460.p2'" in str(error)
    assert error.problems[0].place.field == "policies[0].versions[0].clauses"


def test_rule_citing_a_missing_clause() -> None:
    text = demo_text().replace("clause: 5460.p2}", "clause: 5460.p42}", 1)
    error = _error(text)
    problem = error.problems[0]
    assert "5460.p42" in problem.message
    assert problem.place.field is not None
    assert problem.place.field.endswith(".clause")
    assert problem.place.line == _line_of(text, "5460.p42")


def test_quote_must_be_verbatim() -> None:
    text = demo_text().replace("is prohibited, unless asked", "is forbidden, unless asked", 1)
    error = _error(text)
    assert "the quote is not in the text of clause 5460.p7" in str(error)


def test_impossible_date() -> None:
    text = demo_text().replace("date: 2012-11-13", "date: 2012-02-30")
    error = _error(text)
    problem = error.problems[0]
    assert problem.place.line == _line_of(text, "2012-02-30")
    assert problem.place.field == "policies[0].versions[0].history[0].date"


def test_duplicate_yaml_key() -> None:
    text = demo_text().replace("  state: MT\n", "  state: MT\n  state: WY\n")
    error = _error(text)
    assert "duplicate key 'state'" in str(error)
    assert error.problems[0].place.line == _line_of(text, "state: WY")


def test_binary_input(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(InputError, match=r"pack\.yaml: this is not a text file"):
        load_pack(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_bytes(b"format: boardline/pack@1\ndistrict: caf\xe9\n")
    with pytest.raises(InputError, match=r"pack\.yaml:2: the file is not valid UTF-8"):
        load_pack(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the pack"):
        load_pack(tmp_path / "nope.yaml")


def test_policy_code_kept_as_written() -> None:
    text = demo_text().replace('code: "5460"', "code: 5460", 1)
    assert parse_pack(text).policies[0].code == "5460"


def test_wrong_kind_of_rule_field() -> None:
    text = demo_text().replace("min_confidence: 0.6", "min_confidence: lots")
    problem = _error(text).problems[0]
    assert problem.place.field == "rules[1].min_confidence"
    assert problem.place.line == _line_of(text, "min_confidence: lots")
