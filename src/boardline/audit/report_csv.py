"""The audit report as CSV, for a spreadsheet.

For an audience allowed to see people (``hr``, ``administrator``) the CSV is
the violations, one row per violating visit, each with its clause, the quoted
words, the rule and the pack revision, followed by one row per violating
staff–student message: the ``kind`` column says which (``web`` or ``message``);
web-only columns are empty on message rows and message-only ones on web rows.
The student of a message is only ever a per-report pseudonym ("student #1").
A board's CSV has no rows about people: it is the aggregates (section, key,
label, value), suppressed cells as ``<5``, the messages' counts among them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from boardline.audit.charts import SUPPRESSED, shown
from boardline.audit.report_data import WEEKDAYS, ReportData
from boardline.audit.report_messages import Count

VIOLATION_COLUMNS: Final = (
    "person_id", "username", "name", "started", "ended", "site", "host", "method", "path",
    "hits", "effect", "severity", "policy", "clause", "quote", "rule", "revision", "building",
    "categories", "visit_rule", "source", "line",
    # Added with the messages part; kept last so the web columns keep their places.
    "kind", "channel", "direction", "message_audience", "student", "catalogue_item",
)  # fmt: skip
AGGREGATE_COLUMNS: Final = ("section", "key", "label", "value")
#: Several citations of one violation are joined with this in one cell.
JOIN: Final = " | "


def violation_rows(data: ReportData) -> Iterator[tuple[str, ...]]:
    for person in data.people or ():
        for v in person.violations:
            yield (
                person.person_id, person.username, person.name, v.started.isoformat(),
                v.ended.isoformat(), v.site, v.host, v.method, v.path, str(v.hits), v.effect,
                v.severity, JOIN.join(dict.fromkeys(c.policy for c in v.citations)),
                JOIN.join(dict.fromkeys(c.clause for c in v.citations)),
                JOIN.join(c.quote for c in v.citations), v.rule, v.revision, v.building or "",
                " ".join(v.categories), v.visit_rule, Path(v.source).name, str(v.line),
                "web", "", "", "", "", "",
            )  # fmt: skip
    for sender in data.messages.people or ():
        for m in sender.violations:
            at = m.at.isoformat()
            yield (
                sender.person_id, sender.username, sender.name, at, at, "", "", "", "", "",
                m.effect, m.severity, JOIN.join(dict.fromkeys(c.policy for c in m.citations)),
                JOIN.join(dict.fromkeys(c.clause for c in m.citations)),
                JOIN.join(c.quote for c in m.citations), m.rule, m.revision,
                sender.building or "", "", "", Path(m.source).name, str(m.line),
                "message", m.channel, m.direction, m.audience, m.student, m.item or "",
            )  # fmt: skip


def aggregate_rows(data: ReportData) -> Iterator[tuple[str, ...]]:
    t = data.totals
    for key, value in (
        ("lines", t.lines), ("events", t.events), ("errors", t.errors), ("hits", t.hits),
        ("visits", t.visits), ("violating_hits", t.violating_hits),
        ("violating_visits", t.violating_visits),
        ("people_with_violations", t.people_with_violations),
    ):  # fmt: skip
        yield ("totals", key, key.replace("_", " "), shown(value).replace(",", ""))
    for section, cells in (
        ("per_day", data.per_day),
        ("by_building", data.by_building),
        ("top_categories", data.top_categories),
        ("top_sites", data.top_sites),
    ):
        for cell in cells:
            yield (section, cell.key, cell.label, shown(cell.value).replace(",", ""))
    m = data.messages
    for key, count in (
        ("decided", m.decided), ("violations", m.violations),
        ("staff_with_violations", m.staff_with_violations),
    ):  # fmt: skip
        yield ("messages", key, f"messages {key.replace('_', ' ')}", shown(count).replace(",", ""))
    for section, counts in (("messages_by_rule", m.by_rule), ("messages_by_channel", m.by_channel)):
        yield from _count_rows(section, counts)
    for d, row in enumerate(data.heat):
        for h, value in enumerate(row):
            label = f"{WEEKDAYS[d]} {h:02d}:00"
            yield ("heat", f"{d + 1}-{h:02d}", label, shown(value).replace(",", ""))
    for use in data.exceptions:
        hits = SUPPRESSED if use.hits is None else str(use.hits)
        yield (
            "exceptions",
            use.id,
            f"{use.kind} ({'justified' if use.justified else 'not justified'})",
            hits,
        )


def _count_rows(section: str, counts: tuple[Count, ...]) -> Iterator[tuple[str, ...]]:
    for c in counts:
        yield (section, c.key, c.label, shown(c.value).replace(",", ""))


def write_csv(data: ReportData, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if data.audience.identified:
            writer.writerow(VIOLATION_COLUMNS)
            writer.writerows(violation_rows(data))
        else:
            writer.writerow(AGGREGATE_COLUMNS)
            writer.writerows(aggregate_rows(data))
    path.chmod(0o600)
    return path
