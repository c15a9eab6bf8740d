"""Boardline's own decision log (``boardline/decision-log@1``) to ``web_events`` rows.

The live helper wrote one JSON line per decision; reading them back lets an audit
cover what enforcement saw, with the live decision's id on each row so the audit
can show where its bulk verdict and the live one differ. Only web decisions
become events; posts and communications are skipped and counted (their people
are pseudonyms in the log, so they cannot be matched with the roster again).

A line of another schema version is an error (``version``) naming the version
found, so a log written by a newer Boardline is reported, not misread.
"""

from __future__ import annotations

import json
from typing import Final

from boardline.audit.readers.errors import MALFORMED, VERSION, Bad, Skip
from boardline.audit.readers.rows import WebRow
from boardline.enforcement.decision_log_schema import (
    SCHEMA,
    DecisionLogError,
    WebEventV1,
)
from boardline.enforcement.decision_log_schema import (
    parse_line as parse_record,
)

FORMATS: Final = ("decision_log",)
BLANK: Final = Skip("blank")
NOT_WEB: Final = Skip("not_web")
_MARK: Final = f'"schema":"{SCHEMA}"'

Parsed = WebRow | Bad | Skip


def parse_line(text: str, *, source: str, line: int) -> Parsed:
    if not text.strip(" \t"):
        return BLANK
    if _MARK not in text:
        version = _version(text)
        if version is not None and version != SCHEMA:
            return Bad(VERSION, f"schema: {version[:60]!r} is not {SCHEMA}")
    try:
        record = parse_record(text, file=source, line=line)
    except DecisionLogError as exc:
        problem = exc.problems[0]
        field = problem.place.field or "line"
        return Bad(MALFORMED, f"{field}: {problem.message}")
    event = record.event
    if not isinstance(event, WebEventV1):
        return NOT_WEB
    return WebRow(
        record.at.timestamp(),
        event.client,
        event.user,
        event.method,
        event.host.lower().rstrip("."),
        "" if event.method == "CONNECT" else event.path,
        None,
        None,
        event.top_level,
        record.decision_id,
    )


def _version(text: str) -> str | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict):
        value = data.get("schema")
        return value if isinstance(value, str) else None
    return None
