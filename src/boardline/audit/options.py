"""The choices an audit is run with, apart from the code that runs it.

Kept free of DuckDB and the readers so that the command line can declare its
options without loading the audit machinery (every other command starts faster).
"""

from __future__ import annotations

from enum import StrEnum


class Audience(StrEnum):
    """Who a report is for; decides what it may show (see :mod:`boardline.audit.report_data`)."""

    BOARD = "board"
    HR = "hr"
    ADMINISTRATOR = "administrator"

    @property
    def identified(self) -> bool:
        """May this audience see who did what?"""
        return self is not Audience.BOARD

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Audience.BOARD: "the school board: de-identified aggregates; counts under 5 suppressed",
    Audience.HR: "human resources: per-person detail for staff, with citations",
    Audience.ADMINISTRATOR: "administrators: per-person detail for staff, with citations",
}


class ReportFormat(StrEnum):
    HTML = "html"
    CSV = "csv"
    JSON = "json"


class AuditEngine(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"
