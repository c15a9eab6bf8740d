"""The policy-text importer: the seed reads back as the demo pack's 5460, the other
district styles read right, and no line of any input is ever lost silently."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from boardline.cli.main import app
from boardline.demo.paths import demo_pack_path
from boardline.model.errors import InputError
from boardline.policy.document import ClauseKind, HistoryEvent, Policy
from boardline.policy.importer import ImportResult, import_policy, import_policy_file
from boardline.policy.pack_loader import load_pack
from boardline.policy.pack_snippet import policy_yaml
from boardline.policy.text_cleanup import WHITESPACE
from tests.shared_data import SEED_5460

SEED = SEED_5460
FIXTURES = Path(__file__).parents[2] / "fixtures" / "policies"

# --- the accounting check ------------------------------------------------------------------

#: Words that labels, field names and document-kind prefixes are made of. A placed line
#: may consist of these and still put none of them into the policy ("Cross Reference:").
_LABEL_TEXT = """
    cross reference references ref refs legal authority statutory related policy policies
    see also documents management resources note notes footnote footnotes drafting history
    legislative adoption revision dates date of adopted approved board reviewed review
    revised amended first second 1st 2nd reading updated last modified originally readopted
    re on by the file code nepn nsba number no title series section district school status
    book bp ar ap e administrative regulation regulations procedure procedures exhibit form
    manual
"""
LABEL_WORDS = frozenset(_LABEL_TEXT.split())


def _haystack(policy: Policy) -> str:
    """Every string the policy holds, one after another."""
    parts: list[str] = [policy.district, policy.series or "", policy.code, policy.title]
    for version in policy.versions:
        parts.append(version.label)
        for clause in version.clauses:
            parts += [clause.text, clause.marker or "", *clause.footnote_refs]
        for note in version.footnotes:
            parts += [note.marker or "", note.text]
        for ref in version.cross_references:
            parts += [ref.code or "", ref.title]
        for legal in version.legal_references:
            parts += [legal.citation, legal.title or ""]
        for entry in version.history:
            parts += [entry.event.value, entry.source_text or ""]
    return "\n".join(parts)


def input_lines(text: str) -> list[str]:
    """The input's lines as the importer numbers them (\\n, \\r\\n and \\r end a line)."""
    return re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))


def unaccounted(text: str, result: ImportResult) -> list[tuple[int, str, list[str]]]:
    """Non-blank lines reported nowhere that have words the policy does not hold.

    A line is accounted for when its number is in ``unplaced`` or ``dropped_chrome``,
    or when every word of it (a run of letters, digits and underscores) occurs in some
    field of the policy, apart from the words labels are made of.
    """
    reported = {u.line for u in result.unplaced} | {u.line for u in result.dropped_chrome}
    haystack = _haystack(result.policy)
    lost: list[tuple[int, str, list[str]]] = []
    for number, raw in enumerate(input_lines(text), 1):
        if not raw.strip() or number in reported:
            continue
        missing = [
            word
            for word in re.findall(r"\w+", raw)
            if word not in haystack and word.casefold() not in LABEL_WORDS
        ]
        if missing:
            lost.append((number, raw, missing))
    return lost


def assert_accounted(text: str, result: ImportResult) -> None:
    lost = unaccounted(text, result)
    assert not lost, f"lines lost silently: {lost}"
    lines = input_lines(text)
    for reported in (*result.unplaced, *result.dropped_chrome):
        assert 1 <= reported.line <= len(lines)
        assert lines[reported.line - 1].strip(), "a blank line was reported"


def test_the_accounting_check_catches_a_lost_line() -> None:
    text = (FIXTURES / "maple-ridge-gbebd-nepn.txt").read_text(encoding="utf-8")
    result = import_policy(text)
    version = result.policy.current
    thinner = version.model_copy(update={"clauses": version.clauses[:-1]})
    shrunk = result.policy.model_copy(update={"versions": (thinner,)})
    fake = ImportResult(shrunk, result.unplaced, result.dropped_chrome, result.warnings)
    lost = unaccounted(text, fake)
    assert lost
    assert "Superintendent" in lost[0][1]


# --- the seed: Cut Bank's 5460 -------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> ImportResult:
    return import_policy_file(SEED)


def test_seed_header(seed: ImportResult) -> None:
    policy = seed.policy
    assert policy.district == "Cut Bank School District"
    assert policy.series == "PERSONNEL"
    assert policy.code == "5460"
    assert policy.title == "Electronic Resources and Social Networking"
    assert policy.current.label == "2012"


def test_seed_clauses_equal_the_demo_pack(seed: ImportResult) -> None:
    reference = load_pack(demo_pack_path()).policy("5460")
    assert reference is not None
    imported = seed.policy.current.clauses
    expected = reference.current.clauses
    assert [c.id for c in imported] == [f"5460.p{n}" for n in range(1, 9)]
    assert all(c.kind is ClauseKind.PARAGRAPH for c in imported)
    for mine, theirs in zip(imported, expected, strict=True):
        assert mine.id == theirs.id
        assert mine.text == theirs.text, mine.id
        assert mine.footnote_refs == theirs.footnote_refs, mine.id
    assert seed.policy.current.clause("5460.p5") is not None
    assert imported[4].footnote_refs == ("1",)
    assert all(c.footnote_refs == () for c in imported if c.id != "5460.p5")


def test_seed_is_the_demo_pack_policy_exactly(seed: ImportResult) -> None:
    reference = load_pack(demo_pack_path()).policy("5460")
    assert seed.policy == reference


def test_seed_footnote_references_and_history(seed: ImportResult) -> None:
    version = seed.policy.current
    assert len(version.footnotes) == 1
    note = version.footnotes[0]
    assert (note.id, note.marker) == ("5460.n1", "1")
    assert note.text.startswith("What is and is not acceptable")
    assert note.text.endswith("additional bullets to include in the policy.")
    assert [(r.code, r.title) for r in version.cross_references] == [
        ("5015", "Bullying/Harassment/Intimidation"),
        ("5223", "Personal Conduct"),
        ("5255", "Disciplinary Action"),
        (None, "Professional Educators of Montana Code of Ethics"),
    ]
    assert version.legal_references == ()
    assert [(h.event, h.date, h.source_text) for h in version.history] == [
        (HistoryEvent.ADOPTED, dt.date(2012, 11, 13), "November 13, 2012"),
        (HistoryEvent.REVIEWED, None, None),
        (HistoryEvent.REVISED, None, None),
    ]


def test_seed_places_every_line(seed: ImportResult) -> None:
    assert seed.unplaced == ()
    assert seed.dropped_chrome == ()
    assert seed.warnings == ()
    assert_accounted(SEED.read_text(encoding="utf-8"), seed)


def test_seed_keeps_curly_apostrophes_and_collapses_nbsp(seed: ImportResult) -> None:
    p3 = seed.policy.current.clauses[2].text
    assert "District’s goal" in p3
    assert "\u00a0" not in p3
    assert "  " not in p3


runner = CliRunner()


def test_cli_import_json_of_the_seed() -> None:
    result = runner.invoke(app, ["policy", "import", str(SEED), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["unplaced"] == []
    assert data["dropped"] == []
    assert data["warnings"] == []
    policy = Policy.model_validate(data["policy"])
    assert policy == import_policy_file(SEED).policy
    assert data["policy"]["versions"][0]["clauses"][4]["footnote_refs"] == ["1"]


def test_cli_import_yaml_is_a_pack_entry_that_loads_back() -> None:
    result = runner.invoke(app, ["policy", "import", str(SEED), "--format", "yaml"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("  # imported from ")
    assert "\n  - district: Cut Bank School District\n" in result.stdout
    entries = yaml.safe_load(result.stdout)
    assert Policy.model_validate(entries[0]) == import_policy_file(SEED).policy


def test_cli_yaml_snippet_pasted_into_the_demo_pack_loads(tmp_path: Path) -> None:
    demo = demo_pack_path().read_text(encoding="utf-8")
    start = demo.index("policies:\n") + len("policies:\n")
    end = demo.index("\n# The district's list")
    imported = import_policy_file(SEED).policy
    pasted = demo[:start] + policy_yaml(imported) + demo[end:]
    path = tmp_path / "pasted.pack.yaml"
    path.write_text(pasted, encoding="utf-8")
    pack = load_pack(path)
    assert pack.policy("5460") == imported
    assert pack.revision == load_pack(demo_pack_path()).revision


def test_cli_import_default_view_lists_unplaced_lines() -> None:
    web = FIXTURES / "valle-verde-bp5460-web.txt"
    result = runner.invoke(app, ["policy", "import", str(web)])
    assert result.exit_code == 0, result.output
    assert "5460.p2.i1" in result.stdout
    assert "Lines not placed" in result.stdout
    assert "5460-AR" in result.stdout


def test_cli_import_json_warns_about_unplaced_lines_on_stderr() -> None:
    web = FIXTURES / "valle-verde-bp5460-web.txt"
    result = runner.invoke(app, ["policy", "import", str(web), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [u["line"] for u in data["unplaced"]] == [43, 45]
    assert "valle-verde-bp5460-web.txt:43: not placed" in result.stderr
    assert {d["reason"] for d in data["dropped"]} >= {"breadcrumb", "cookie banner"}


def test_cli_import_options_name_district_and_label() -> None:
    args = ["policy", "import", str(SEED), "--format", "json", "--label", "v1"]
    result = runner.invoke(app, [*args, "--district", "Cut Bank Public Schools"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["policy"]["district"] == "Cut Bank Public Schools"
    assert data["policy"]["versions"][0]["label"] == "v1"
    assert data["unplaced"][0]["line"] == 1


def test_cli_import_fails_with_exit_2_on_bad_input(tmp_path: Path) -> None:
    binary = tmp_path / "scan.pdf"
    binary.write_bytes(b"%PDF-1.4\n\x00\x01\x02binary")
    result = runner.invoke(app, ["policy", "import", str(binary)])
    assert result.exit_code == 2
    assert f"{binary}:" in result.stderr
    assert "not a text file" in result.stderr
    bad = runner.invoke(app, ["policy", "import", str(SEED), "--format", "xml"])
    assert bad.exit_code == 2
    assert "json or yaml" in bad.stderr


# --- binary and empty input ---------------------------------------------------------------


def test_binary_file_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.docx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00")
    with pytest.raises(InputError) as info:
        import_policy_file(path)
    assert str(info.value).startswith(f"{path}:1:")
    assert "NUL" in str(info.value)


def test_undecodable_file_is_an_input_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("PERSONNEL   5460\nTitle\n\nCaf\u00e9 policy\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        import_policy_file(path)
    assert str(info.value).startswith(f"{path}:4:")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        import_policy_file(tmp_path / "nope.txt")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no policy code"),
        ("Just a sentence about nothing in particular.\n", "no policy code"),
        ("Pine Hollow Public Schools\nPolicy 5460\n", "no title"),
        ("Pine Hollow Public Schools\nPolicy 5460\nStaff Use of Email\n", "no body text"),
    ],
)
def test_input_error_when_no_policy_can_be_made(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        import_policy(text, source="pasted.txt")
    assert str(info.value).startswith("pasted.txt:")
    assert info.value.problems[0].place.line is not None


# --- other district styles ---------------------------------------------------------------


def _fixture(name: str, **kw: str) -> tuple[str, ImportResult]:
    path = FIXTURES / name
    text = path.read_text(encoding="utf-8")
    result = import_policy_file(path, **kw)
    assert_accounted(text, result)
    return text, result


def test_montana_style_with_legal_references() -> None:
    _, result = _fixture("pine-hollow-3612-montana.txt")
    policy = result.policy
    assert (policy.district, policy.series, policy.code) == (
        "Pine Hollow Public Schools",
        "STUDENTS",
        "3612",
    )
    assert policy.title == "Student Use of District Technology"
    version = policy.current
    assert [c.id for c in version.clauses] == ["3612.p1", "3612.p2", "3612.p3", "3612.p4"]
    assert version.clauses[2].text == "The following uses of District technology are not permitted:"
    assert version.clauses[2].footnote_refs == ("2",)
    assert version.footnotes[0].id == "3612.n2"
    assert version.footnotes[0].text.endswith("do not narrow this policy.")
    assert [(r.code, r.title) for r in version.cross_references] == [
        ("3225", "Sexual Harassment and Intimidation of Students"),
        ("3300", "Corrective Actions and Punishment"),
        (None, "Pine Hollow Acceptable Use Agreement"),
    ]
    assert [(r.citation, r.title) for r in version.legal_references] == [
        ("§ 20-5-201, MCA", "Duties and sanctions"),
        ("§ 20-4-302, MCA", "Discipline and punishment of pupils"),
        ("10.55.701, ARM", "Board of Trustees"),
    ]
    # Out of order, blank and repeated history lines are kept as published.
    assert [(h.event.value, h.date) for h in version.history] == [
        ("reviewed", dt.date(2019, 4, 9)),
        ("adopted", dt.date(2014, 9, 8)),
        ("revised", None),
        ("revised", dt.date(2021, 10, 12)),
    ]
    assert version.label == "2021"
    assert result.unplaced == ()


def test_nepn_letter_code_policy() -> None:
    _, result = _fixture("maple-ridge-gbebd-nepn.txt")
    policy = result.policy
    assert policy.district == "MAPLE RIDGE REGIONAL SCHOOL UNIT"
    assert policy.code == "GBEBD"
    assert policy.title == "Staff Communication with Students Through Electronic Media"
    version = policy.current
    assert [c.id for c in version.clauses] == [f"GBEBD.p{n}" for n in range(1, 5)]
    assert version.clauses[2].text.startswith('Employees shall not "friend," follow')
    assert [(r.code, r.title) for r in version.cross_references] == [
        ("GBEB", "Staff Conduct"),
        ("JICFB", "Bullying"),
        ("IJNDB", "Student Computer and Internet Use"),
    ]
    assert [(r.citation, r.title) for r in version.legal_references] == [
        ("20 U.S.C. § 1232g", "Family Educational Rights and Privacy Act"),
        ("47 U.S.C. § 254(h)", "Children's Internet Protection Act"),
    ]
    assert [(h.event.value, h.date, h.source_text) for h in version.history] == [
        ("adopted", dt.date(2010, 5, 12), "May 12, 2010"),
        ("revised", dt.date(2015, 3, 12), "3/12/2015"),
        ("revised", dt.date(2019, 6, 9), "6/9/2019"),
    ]
    assert result.unplaced == ()


def test_nepn_procedure_with_headings_and_nested_items() -> None:
    _, result = _fixture("maple-ridge-gbebd-r-nepn.txt")
    policy = result.policy
    assert policy.code == "GBEBD-R"
    assert policy.title.startswith("STAFF COMMUNICATION WITH STUDENTS")
    clauses = {c.id: c for c in policy.current.clauses}
    assert clauses["GBEBD-R.h1"].kind is ClauseKind.HEADING
    assert clauses["GBEBD-R.h1"].text == "APPROVED PLATFORMS"
    item = clauses["GBEBD-R.h1.i1"]
    assert (item.kind, item.marker, item.level) == (ClauseKind.ITEM, "1.", 0)
    assert item.text.endswith("district messaging application to communicate with students.")
    nested = clauses["GBEBD-R.h1.i2.i2"]
    assert (nested.marker, nested.level, nested.text) == ("b.", 1, "the employee responsible; and")
    assert clauses["GBEBD-R.h2.i2"].marker == "4."
    assert result.unplaced == ()


def test_california_web_page_with_chrome_and_a_second_document() -> None:
    _, result = _fixture("valle-verde-bp5460-web.txt")
    policy = result.policy
    assert policy.district == "Valle Verde Unified School District"
    assert (policy.code, policy.series) == ("5460", "Students")
    assert policy.title == "Electronic Resources and Social Networking"
    version = policy.current
    assert [c.id for c in version.clauses] == [
        "5460.p1",
        "5460.p2",
        "5460.p2.i1",
        "5460.p2.i2",
        "5460.p2.i3",
        "5460.p3",
    ]
    assert version.clauses[1].text.endswith("The agreement explains that:")
    assert version.clauses[2].marker == "•"
    assert [(r.citation, r.title) for r in version.legal_references] == [
        ("EDUCATION CODE 48900", "Grounds for suspension or expulsion"),
        ("EDUCATION CODE 51006", "Computer education and resources"),
        ("GOVERNMENT CODE 6250-6270", "Public records"),
    ]
    assert [(r.code, r.title) for r in version.cross_references] == [
        (None, "Valle Verde USD Digital Citizenship Handbook")
    ]
    assert [(h.event.value, h.date) for h in version.history] == [
        ("adopted", dt.date(2016, 3, 9)),
        ("revised", dt.date(2022, 2, 14)),
    ]
    dropped = {d.text: d.reason for d in result.dropped_chrome}
    assert dropped["Skip to main content"] == "web page control"
    assert dropped["Download policy"] == "web page control"
    assert dropped["Home > Board of Education > Board Policies > 5000 Students"] == "breadcrumb"
    assert dropped["Print | Share"] == "web page toolbar"
    assert dropped["Back to top"] == "web page control"
    assert any(reason == "cookie banner" for reason in dropped.values())
    # The regulation that follows on the same page is not mixed into the policy.
    assert [u.line for u in result.unplaced] == [43, 45]
    assert "5460-AR" in result.unplaced[0].reason
    assert any("another document (5460-AR)" in w for w in result.warnings)


def test_pdf_copy_with_page_headers_footers_and_hyphenation() -> None:
    _, result = _fixture("north-fork-5460-pdf.txt")
    policy = result.policy
    assert policy.district == "North Fork School District No. 7"
    assert (policy.series, policy.code) == ("PERSONNEL", "5460")
    version = policy.current
    assert len(version.clauses) == 4
    p2 = version.clauses[1].text
    assert "which protects students and staff alike" in p2
    assert "is discouraged; when it occurs" in p2
    # A paragraph broken by a page footer and the next page's header is one clause.
    p3 = version.clauses[2].text
    assert p3 == (
        "An employee who learns that a student is in danger through any electronic "
        "communication, including a post on a site the employee follows privately, shall "
        "report it to the principal the same day."
    )
    reasons = [d.reason for d in result.dropped_chrome]
    assert reasons.count("running page header/footer") == 2
    assert reasons.count("repeated page header/footer") == 2
    assert [(h.event.value, h.date, h.precision) for h in version.history] == [
        ("adopted", dt.date(2013, 8, 19), "day"),
        ("reviewed", dt.date(2018, 6, 6), "day"),
        ("revised", dt.date(2020, 9, 14), "day"),
    ]
    assert sum("joined a word broken across lines" in w for w in result.warnings) == 2
    assert [u.text for u in result.unplaced] == ["Board Policy Manual"]


def test_bullets_of_every_kind_and_nesting() -> None:
    _, result = _fixture("cedar-bend-6141.326-bullets.txt")
    policy = result.policy
    assert (policy.code, policy.title) == (
        "6141.326",
        "Online Instruction and Digital Learning Tools",
    )
    clauses = {c.id: c for c in policy.current.clauses}

    def shape(clause_id: str) -> tuple[ClauseKind, str | None, int]:
        clause = clauses[clause_id]
        return clause.kind, clause.marker, clause.level

    heading, item = ClauseKind.HEADING, ClauseKind.ITEM
    assert shape("6141.326.h1") == (heading, None, 0)
    assert clauses["6141.326.h2"].text == "Approval of Tools:"
    assert clauses["6141.326.p3"].kind is ClauseKind.PARAGRAPH
    assert shape("6141.326.p3.i2") == (item, "•", 0)
    assert shape("6141.326.p3.i2.i3") == (item, "◦", 1)
    assert shape("6141.326.p4.i3") == (item, "3)", 0)
    assert shape("6141.326.p5.i2") == (item, "b)", 0)
    assert shape("6141.326.p5.i2.i2") == (item, "(ii)", 1)
    assert shape("6141.326.p5.i3") == (item, "c.", 0)
    assert shape("6141.326.p6.i3") == (item, "-", 0)
    assert shape("6141.326.p7.i2") == (item, "*", 0)
    assert shape("6141.326.p7.i3") == (item, "▪", 0)
    assert shape("6141.326.p8.i1") == (item, "i.", 0)
    assert shape("6141.326.p8.i3") == (item, "iii.", 0)
    assert shape("6141.326.p8.i4") == (item, "(a)", 0)
    # A bullet alone on its line takes the next line as its text.
    assert clauses["6141.326.p8.i6"].marker == "•"
    assert (
        clauses["6141.326.p8.i6"].text
        == "Exceptions require the Superintendent's written approval."
    )
    assert result.unplaced == ()


def test_readings_adoption_date_last_updated_and_verbatim_text() -> None:
    text, result = _fixture("aspen-falls-4040-readings.txt")
    policy = result.policy
    assert (policy.district, policy.code, policy.title) == (
        "Aspen Falls School District",
        "4040",
        "Employee Use of Technology",
    )
    version = policy.current
    assert len(version.clauses) == 4  # lines of spaces, tabs and NBSP separate paragraphs
    p3 = version.clauses[2].text
    assert "personal “social media” page" in p3
    assert "non\u2011disclosure" in p3
    history = [(h.event, h.date, h.precision, h.source_text) for h in version.history]
    assert history == [
        (HistoryEvent.FIRST_READING, dt.date(2011, 4, 11), "day", "April 11, 2011"),
        (HistoryEvent.SECOND_READING, dt.date(2011, 5, 9), "day", "May 9, 2011"),
        (HistoryEvent.ADOPTED, dt.date(2011, 5, 23), "day", "5-23-11"),
        (HistoryEvent.REVIEWED, None, "day", "2/30/2015"),
        (HistoryEvent.UPDATED, dt.date(2011, 8, 1), "month", "August 2011"),
    ]
    line = input_lines(text).index("Reviewed: 2/30/2015") + 1
    assert any(
        w.startswith(f"{FIXTURES / 'aspen-falls-4040-readings.txt'}:{line}:")
        for w in result.warnings
    )
    assert version.label == "2011"


# --- smaller behaviours ---------------------------------------------------------------------


def test_header_styles() -> None:
    body = "\n\nStaff shall use district accounts.\n"
    cases = {
        "Pine Hollow Public Schools\nBoard Policy 5460\nStaff Email": ("5460", "Staff Email"),
        "Pine Hollow Public Schools\nPolicy Code: 4040\nStaff Email": ("4040", "Staff Email"),
        "Pine Hollow Public Schools\nPolicy 6141.326\nStaff Email": ("6141.326", "Staff Email"),
        "Pine Hollow Public Schools\nFile: IJNDD-E\nStaff Email": ("IJNDD-E", "Staff Email"),
        "Pine Hollow Public Schools\nNEPN/NSBA Code: IJNDD\nStaff Email": ("IJNDD", "Staff Email"),
        "Pine Hollow Public Schools\nGBEBD - Staff Email": ("GBEBD", "Staff Email"),
        "Pine Hollow Public Schools\n5450P\nStaff Email": ("5450P", "Staff Email"),
        "Pine Hollow Public Schools\nAR 3200\nStaff Email": ("3200-AR", "Staff Email"),
        "Pine Hollow Public Schools\nPolicy 3200-R\nStaff Email": ("3200-R", "Staff Email"),
        "Staff Email\nPolicy 5460": ("5460", "Staff Email"),
        "Code: BP 5460\nTitle: Staff Email": ("5460", "Staff Email"),
    }
    for header, (code, title) in cases.items():
        result = import_policy(header + body, district="Pine Hollow Public Schools")
        assert (result.policy.code, result.policy.title) == (code, title), header
        assert result.policy.current.clauses[0].id == f"{code}.p1"
        assert_accounted(header + body, result)


def test_district_is_a_warning_when_missing_and_an_option_overrides_it() -> None:
    result = import_policy("Policy 5460\nStaff Email\n\nStaff shall use district accounts.\n")
    assert result.policy.district == "(district not given)"
    assert any("no district line" in w for w in result.warnings)
    named = import_policy(
        "Policy 5460\nStaff Email\n\nStaff shall use district accounts.\n",
        district="North Fork School District No. 7",
        version_label="2024",
    )
    assert named.policy.district == "North Fork School District No. 7"
    assert named.policy.current.label == "2024"
    assert named.warnings == ()


def test_footnote_marker_is_only_stripped_when_the_note_exists() -> None:
    text = (
        "Cedar Bend Community Schools\nPolicy 5460\nStaff Email\n\n"
        "Teachers of grades K-12 use district accounts.\n\nThe list follows:3\n"
    )
    version = import_policy(text).policy.current
    assert version.clauses[0].text.endswith("grades K-12 use district accounts.")
    assert version.clauses[1].text == "The list follows:3"
    assert version.clauses[1].footnote_refs == ()


def test_history_variants_on_one_line() -> None:
    text = (
        "Cedar Bend Community Schools\nPolicy 5460\nStaff Email\n\nStaff use email.\n\n"
        "Adopted: 5/12/2010  Revised: 3/3/2015\nRevised:\n6/9/2019\n"
        "Date of Adoption: Mar. 3, 1998 at the regular meeting\n"
    )
    result = import_policy(text)
    history = [(h.event.value, h.date) for h in result.policy.current.history]
    assert history == [
        ("adopted", dt.date(2010, 5, 12)),
        ("revised", dt.date(2015, 3, 3)),
        ("revised", dt.date(2019, 6, 9)),
        ("adopted", dt.date(1998, 3, 3)),
    ]
    assert [(u.line, u.text) for u in result.unplaced] == [(10, "at the regular meeting")]
    assert_accounted(text, result)


def test_chrome_lines_are_reported_never_silent() -> None:
    text = (
        "Skip to main content\nHome » Policies\nCedar Bend Community Schools\nPolicy 5460\n"
        "Staff Email\nPrint\n\nStaff use email.\nPage 1 of 3\nShare\nDownload PDF\n"
    )
    result = import_policy(text)
    assert [d.line for d in result.dropped_chrome] == [1, 2, 6, 9, 10, 11]
    assert result.policy.current.clauses[0].text == "Staff use email."
    assert_accounted(text, result)


def test_crlf_and_cr_line_ends_number_lines_like_editors() -> None:
    text = "Cedar Bend Community Schools\r\nPolicy 5460\r\nStaff Email\r\rStaff use email.\rPrint\r"
    result = import_policy(text)
    assert [d.line for d in result.dropped_chrome] == [6]
    assert result.policy.current.clauses[0].text == "Staff use email."


# --- properties ---------------------------------------------------------------------------

FRAGMENTS = [
    "Cross Reference:",
    "Cross Reference:   5015    Bullying",
    "Legal Reference:   § 20-1-213, MCA    School calendar",
    "Adopted on:",
    "Adopted on: November 13, 2012",
    "Revised: 2/30/2015, 6/9/2019",
    "Last Updated: August 2011",
    "Policy History:",
    "Note: 1 ",
    "Notes",
    "PERSONNEL\u00a0 \u00a0 \u00a0 5460",
    "Board Policy 5460",
    "File: GBEBD",
    "AR 5460",
    "• ",
    "◦ ",
    "1. ",
    "(a) ",
    "- ",
    "DEFINITIONS",
    "Definitions:",
    "Page 1 of 2",
    "Home > Board > Policies",
    "Skip to main content",
    "forbidden:1",
    "tech-",
    "\u00a0",
    "\t",
    "    ",
]
_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    list("\u00a0\u2011•◦▪-*:;.,()§/ 0123456789aAzZ\f\v\u2028\x85")
)
_LINE = st.one_of(
    st.text(_CHARS, max_size=40),
    st.sampled_from(FRAGMENTS),
    st.tuples(st.sampled_from(FRAGMENTS), st.text(_CHARS, max_size=30)).map("".join),
)
_TEXT = st.lists(_LINE, max_size=25).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda end: end.join(lines))
)
_HEADERS = st.sampled_from(
    [
        "Cut Bank School District\nPERSONNEL\u00a0 \u00a0 5460\nElectronic Resources\n",
        "NEPN/NSBA Code: GBEBD\nStaff Conduct\n",
        "Skip to main content\nValle Verde Unified School District\nBP 5460(a)\nStudents\nTitle\n",
        "Policy 6141.326\nOnline Instruction\n",
    ]
)


def _import_or_input_error(text: str) -> ImportResult | None:
    try:
        return import_policy(text, source="fuzz.txt")
    except InputError as exc:
        problem = exc.problems[0]
    assert problem.place.file == "fuzz.txt"
    assert problem.place.line is not None
    return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_arbitrary_text_imports_or_is_an_input_error_and_loses_nothing(text: str) -> None:
    result = _import_or_input_error(text)
    if result is not None:
        assert_accounted(text, result)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_HEADERS, _TEXT)
def test_policy_with_arbitrary_body_loses_nothing(header: str, body: str) -> None:
    text = header + "\nThe Board expects staff to use district accounts.\n" + body
    result = _import_or_input_error(text)
    if result is not None:
        assert_accounted(text, result)
        ids = [c.id for c in result.policy.current.clauses]
        assert len(ids) == len(set(ids))


def test_layout_knows_every_whitespace_character() -> None:
    """Column gaps are found with this table; it must agree with str.split()."""
    every = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}
    assert set(WHITESPACE) == every
