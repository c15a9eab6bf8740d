"""The audit report as one self-contained HTML file.

Everything the page needs is inside it: CSS inline, charts as inline SVG
(:mod:`boardline.audit.charts`), no script at all. A Content-Security-Policy
in the page itself (``default-src 'none'``) makes the browser refuse any
request the page might still try, so opening a report never tells anyone it
was opened, and it reads the same offline, in a mail attachment or an archive.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from boardline.audit import charts
from boardline.audit.report_data import WEEKDAYS, ReportData
from boardline.audit.report_json import SCHEMA

TEMPLATES: Final = Path(__file__).parent / "templates"
#: Nothing from anywhere: styles inline, images only as data: URIs (none today).
CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _when(value: dt.datetime) -> str:
    return value.strftime("%a %d %b %Y %H:%M")


def _day(value: dt.datetime) -> str:
    return value.strftime("%a %d %b %Y")


def _day_before(value: dt.datetime) -> str:
    """An exclusive end shown as the last day it includes."""
    return _day(value - dt.timedelta(microseconds=1))


def _number(value: float | None) -> str:
    if value is None:
        return charts.SUPPRESSED
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=_when,
        day=_day,
        day_before=_day_before,
        clock=lambda value: value.strftime("%H:%M"),
        n=_number,
        cell=charts.shown,
        basename=lambda value: Path(str(value)).name,
    )
    return env


def render_html(data: ReportData) -> str:
    """The report as HTML text."""
    drawn = {
        "per_day": charts.column_chart(
            "chart-per-day", "Violating visits per day", data.per_day, unit="Violating visits"
        ),
        "heat": charts.heat_map("chart-heat", "Violating visits by weekday and hour", data.heat),
        "by_building": charts.bar_chart(
            "chart-buildings", "Violating visits by building", data.by_building,
            unit="Violating visits by building",
        ),
        "categories": charts.bar_chart(
            "chart-categories", "Top categories", data.top_categories,
            unit="Violating visits by category",
        ),
        "sites": charts.bar_chart(
            "chart-sites", "Top sites", data.top_sites, unit="Violating visits by site"
        ),
    }  # fmt: skip
    template = _environment().get_template("report.html")
    return template.render(data=data, charts=drawn, csp=CSP, schema=SCHEMA, weekdays=WEEKDAYS)


def write_html(data: ReportData, path: Path) -> Path:
    """Write the report to ``path`` (made readable by its owner only: it may name people)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(data), encoding="utf-8")
    path.chmod(0o600)
    return path
