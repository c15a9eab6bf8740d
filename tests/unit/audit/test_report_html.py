"""The HTML report: self-contained, charts with titles and data tables, audience respected."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from boardline.audit.charts import bar_chart, column_chart, heat_map
from boardline.audit.report_data import Audience, Cell
from boardline.audit.report_html import CSP, render_html, write_html
from tests.unit.audit.report_fixtures import report


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collect()
    collector.feed(html)
    return collector.tags


def test_the_page_fetches_nothing_and_runs_no_script(state: Path) -> None:
    data, _ = report(state, Audience.HR)
    html = render_html(data)
    tags = parse(html)
    names = {tag for tag, _ in tags}
    assert "script" not in names
    assert "img" not in names
    # The one link is the empty data: favicon that stops the browser asking for /favicon.ico.
    assert [a for tag, a in tags if tag == "link"] == [{"rel": "icon", "href": "data:,"}]
    assert not any(
        value and re.match(r"(https?:)?//", value)
        for tag, attrs in tags
        for name, value in attrs.items()
        if name in {"src", "href", "action", "data"}
    )
    csp = [
        a for tag, a in tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp == [{"http-equiv": "Content-Security-Policy", "content": CSP}]
    assert "default-src 'none'" in CSP
    assert "@import" not in html
    assert "url(" not in html


def test_every_chart_has_a_title_a_description_and_a_data_table(state: Path) -> None:
    data, _ = report(state, Audience.HR)
    html = render_html(data)
    tags = parse(html)
    svgs = [a for tag, a in tags if tag == "svg"]
    assert [a["id"] for a in svgs] == [
        "chart-per-day",
        "chart-heat",
        "chart-buildings",
        "chart-categories",
        "chart-sites",
    ]
    for attrs in svgs:
        assert attrs["role"] == "img"
        assert attrs["aria-labelledby"] == f"{attrs['id']}-title {attrs['id']}-desc"
        assert f'<title id="{attrs["id"]}-title">' in html
    assert html.count("Data for the chart above") == 5
    assert "Thu 09:00: 6" in html  # the heat map cell's tooltip


def test_the_hr_report_cites_clause_words_rule_and_revision(state: Path) -> None:
    data, _ = report(state, Audience.HR)
    html = render_html(data)
    assert "Audience:</strong> hr" in html
    assert "Maria Rivera (mrivera, staff, Cut Bank High School): 8 violating visits" in html
    assert html.count("5460.p7") >= 9
    assert "Accessing social networking websites for individual use during school hours" in html
    assert data.revision in html
    assert "no-social-networking-during-school-hours" in html
    assert "gholt" not in html
    assert "noah.hale" not in html


def test_the_board_report_names_nobody(state: Path) -> None:
    data, _ = report(state, Audience.BOARD)
    html = render_html(data)
    assert "Audience:</strong> board" in html
    assert "Per-person detail" not in html
    for identifying in ("mrivera", "tbaker", "tharper", "Rivera", "127.10.", "noah.hale"):
        assert identifying not in html, identifying
    assert "&lt;5" in html
    assert "not shown to this audience" in html


def test_exceptions_say_whether_each_use_was_justified(state: Path) -> None:
    html = render_html(report(state, Audience.HR)[0])
    row = re.search(r"<tr><td>emergency</td><td>e-lockout</td>.*?</tr>", html, re.S)
    assert row is not None
    assert "no</span> (1 outside the window, 0 outside the scope)" in row.group(0)
    grant = re.search(r"<tr><td>grant</td><td>g-yearbook</td>.*?</tr>", html, re.S)
    assert grant is not None
    assert '<span class="ok">yes</span>' in grant.group(0)
    assert "not used" in html


def test_text_from_logs_is_escaped() -> None:
    svg = bar_chart("x", "<b>t</b>", [Cell("<script>alert(1)</script>", 3, "k")], unit="u")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&lt;b&gt;" in svg


def test_suppressed_cells_are_drawn_empty_and_labelled() -> None:
    svg = column_chart("d", "Per day", [Cell("Mon 2026-10-05", None, "a")], unit="visits")
    assert "&lt;5" in svg
    assert 'height="1"' in svg
    grid = heat_map("h", "Heat", [[None] * 24 for _ in range(7)])
    assert grid.count("<rect") == 7 * 24


def test_the_written_file_is_private(state: Path, tmp_path: Path) -> None:
    data, _ = report(state, Audience.HR)
    out = write_html(data, tmp_path / "out" / "report.html")
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
