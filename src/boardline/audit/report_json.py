"""The audit report as JSON, under a versioned schema (``boardline/audit-report@1``).

The wire shape is spelled out here, apart from :class:`ReportData`, so the
dataclasses can change without breaking whoever reads the files (a state
consortium's dashboards, the workspace that opens cases). A change that
removes or renames a field makes ``@2``; an added one does not (``messages``,
the staff–student messages part, was added under ``@1``). Suppressed counts
are ``null``. Times are ISO 8601 with the district's offset.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Final, Protocol

from boardline.audit.report_data import Cell, ReportData, Violation
from boardline.audit.report_messages import Count, Messages, MessageViolation

SCHEMA: Final = "boardline/audit-report@1"


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _cells(cells: tuple[Cell, ...]) -> list[dict[str, Any]]:
    return [{"key": c.key, "label": c.label, "value": c.value} for c in cells]


def violation_json(v: Violation) -> dict[str, Any]:
    return {
        "started": _time(v.started),
        "ended": _time(v.ended),
        "site": v.site,
        "host": v.host,
        "method": v.method,
        "path": v.path,
        "hits": v.hits,
        "effect": v.effect,
        "severity": v.severity,
        "rule": v.rule,
        "revision": v.revision,
        "building": v.building,
        "categories": list(v.categories),
        "visit_rule": v.visit_rule,
        "source": v.source,
        "line": v.line,
        "explanation": v.explanation,
        "citations": [c.as_dict() for c in v.citations],
    }


def _counts(counts: tuple[Count, ...]) -> list[dict[str, Any]]:
    return [{"key": c.key, "label": c.label, "value": c.value} for c in counts]


def message_json(v: MessageViolation) -> dict[str, Any]:
    return {
        "at": _time(v.at),
        "channel": v.channel,
        "direction": v.direction,
        "audience": v.audience,
        "purpose": v.purpose,
        "student": v.student,
        "effect": v.effect,
        "severity": v.severity,
        "rule": v.rule,
        "item": v.item,
        "revision": v.revision,
        "source": v.source,
        "line": v.line,
        "explanation": v.explanation,
        "follow_up": list(v.follow_up),
        "citations": [c.as_dict() for c in v.citations],
    }


class _Identified(Protocol):
    @property
    def person_id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def building(self) -> str | None: ...


def _person(p: _Identified, **detail: object) -> dict[str, Any]:
    """Who a per-person entry is about (identified audiences only), then its detail."""
    return {
        "person_id": p.person_id,
        "username": p.username,
        "name": p.name,
        "role": p.role,
        "building": p.building,
        **detail,
    }


def messages_json(m: Messages) -> dict[str, Any]:
    """The staff–student messages part; the student is only ever a per-report pseudonym."""
    return {
        "decided": m.decided,
        "violations": m.violations,
        "staff_with_violations": m.staff_with_violations,
        "by_rule": _counts(m.by_rule),
        "by_channel": _counts(m.by_channel),
        "people": None
        if m.people is None
        else [
            _person(
                p,
                violating_messages=p.violating_messages,
                unlisted=p.unlisted,
                violations=[message_json(v) for v in p.violations],
            )
            for p in m.people
        ],
    }


def report_json(data: ReportData) -> dict[str, Any]:
    """The report as plain JSON values."""
    t = data.totals
    return {
        "schema": SCHEMA,
        "district": data.district,
        "policy": data.policy,
        "revision": data.revision,
        "audience": data.audience.value,
        "audience_description": data.audience.description,
        "suppressed_below": data.suppressed_below,
        "building": data.building,
        "since": _time(data.since),
        "until": _time(data.until),
        "timezone": data.timezone,
        "generated_at": _time(data.generated_at),
        "operator": data.operator or None,
        "totals": {
            "lines": t.lines,
            "events": t.events,
            "web_events": t.web_events,
            "comm_events": t.comm_events,
            "errors": t.errors,
            "hits": t.hits,
            "visits": t.visits,
            "violating_hits": t.violating_hits,
            "violating_visits": t.violating_visits,
            "people_with_violations": t.people_with_violations,
        },
        "visit_rules": {
            "window_minutes": data.sources.window_minutes,
            "site": data.sources.site_rule,
            "sources": [
                {
                    "source": s.source,
                    "hits": s.hits,
                    "visits": s.visits,
                    "violating_visits": s.violating_visits,
                    "rule": s.rule,
                }
                for s in data.sources.sources
            ],
        },
        "errors": [
            {
                "reason": e.reason,
                "count": e.count,
                "samples": [
                    {"source": s.source, "line": s.line, "detail": s.detail, "sample": s.sample}
                    for s in e.samples
                ],
            }
            for e in data.errors
        ],
        "per_day": _cells(data.per_day),
        "heat": {"rows": "Mon..Sun", "columns": "hour 0..23", "values": data.heat},
        "by_building": _cells(data.by_building),
        "top_categories": _cells(data.top_categories),
        "top_sites": _cells(data.top_sites),
        "exceptions": [
            {
                "kind": u.kind,
                "id": u.id,
                "by": u.by,
                "reason": u.reason,
                "scope": u.scope,
                "target": u.target,
                "starts": _time(u.starts),
                "ends": _time(u.ends),
                "hits": u.hits,
                "people": u.people,
                "outside_window": u.outside_window,
                "out_of_scope": u.out_of_scope,
                "justified": u.justified,
            }
            for u in data.exceptions
        ],
        "people": None
        if data.people is None
        else [
            _person(
                p,
                violating_visits=p.violating_visits,
                violating_hits=p.violating_hits,
                unlisted=p.unlisted,
                violations=[violation_json(v) for v in p.violations],
            )
            for p in data.people
        ],
        "messages": messages_json(data.messages),
    }


def write_json(data: ReportData, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report_json(data), indent=2, ensure_ascii=False) + "\n", "utf-8")
    path.chmod(0o600)
    return path
