"""What an audit report says, aggregated in DuckDB and shaped for one audience.

The renderers (HTML, CSV, JSON) only format a :class:`ReportData`; every number
and every name in a report is decided here, so the audience rules are enforced
in one place and tested once:

``board``
    De-identified: aggregates only. No names, usernames, addresses or error
    samples (a log line names people), no per-person detail, and any count of
    1 to 4 is suppressed (shown as "<5") so that a small building or a rare
    category cannot point at one person; where a chart's bars add up to the
    published total, a second bar is hidden with a lone small one, so the
    total cannot give it back (:mod:`.suppression`).
``hr`` and ``administrator``
    Per-person detail: each staff member's violating visits with the decision's
    citations (clause, quoted words, rule, pack revision). An administrator's
    report is usually scoped to one building (``building``).

Student data never appears for any audience: violations are counted for staff
and administrators only (5460 covers staff; students fall under another
policy), and anything that names a student in an error sample is masked.
Staff–student messages (:mod:`boardline.audit.report_messages`) name the staff
member only; the student is "student #n", a pseudonym numbered per report.

Counts are of *visits* (:mod:`boardline.audit.visits`) unless they say hits;
times are the district's local time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import duckdb

from boardline.audit import schema
from boardline.audit.options import Audience
from boardline.audit.report_messages import Messages, build_messages
from boardline.audit.suppression import suppress
from boardline.audit.visits import VisitSummary
from boardline.engine.compiled import CompiledPack
from boardline.engine.exceptions import Emergency, Grant, Scope
from boardline.engine.facts import Facts
from boardline.model.decision import Citation, Decision
from boardline.policy.pack import Role

#: Counts below this are suppressed in de-identified reports.
SMALL_CELL: Final = 5
#: Rows in the "top" charts.
TOP: Final = 10
#: Violating visits listed per person (the rest are counted, not listed).
DETAIL_LIMIT: Final = 200
#: Error samples kept per reason.
SAMPLES: Final = 3
__all__ = [
    "Audience",
    "Cell",
    "Messages",
    "ReportData",
    "build_report_data",
    "mask_students",
]

WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Rebuilds the engine's full decision (with citations) from one ``web_outcomes`` row
#: given as a mapping of column to value: :func:`boardline.audit.bulk.outcome_decision`.
DecisionRebuilder = Callable[[Mapping[str, Any], CompiledPack, Facts], Decision]


@dataclass(frozen=True, slots=True)
class Cell:
    """One bar of a chart; ``value`` is None when suppressed (1 to 4 in a board report)."""

    label: str
    value: int | None
    key: str = ""


@dataclass(frozen=True, slots=True)
class ErrorSample:
    source: str
    line: int
    detail: str
    sample: str


@dataclass(frozen=True, slots=True)
class ErrorReason:
    """Lines a reader could not use, by reason, with a few samples (none for the board)."""

    reason: str
    count: int
    samples: tuple[ErrorSample, ...]


@dataclass(frozen=True, slots=True)
class Totals:
    lines: int
    events: int
    web_events: int
    comm_events: int
    errors: int
    hits: int
    visits: int
    violating_hits: int | None
    violating_visits: int | None
    people_with_violations: int | None


@dataclass(frozen=True, slots=True)
class ExceptionUse:
    """A grant or emergency in force during the audit, and how it was used.

    ``justified`` is True when every use fell inside the exception's window and
    scope (re-checked here against the exception book, not taken from the
    decision); an exception listed in the outcomes but missing from the book is
    never justified.
    """

    kind: str
    id: str
    by: str | None
    reason: str
    scope: str
    target: str | None
    starts: dt.datetime | None
    ends: dt.datetime | None
    hits: int | None
    people: int | None
    outside_window: int
    out_of_scope: int

    @property
    def justified(self) -> bool:
        return self.starts is not None and self.outside_window == 0 and self.out_of_scope == 0


@dataclass(frozen=True, slots=True)
class Violation:
    """One violating visit, with the decision that found it and where it was logged."""

    started: dt.datetime
    ended: dt.datetime
    site: str
    host: str
    method: str
    path: str
    hits: int
    effect: str
    severity: str
    rule: str
    revision: str
    building: str | None
    categories: tuple[str, ...]
    visit_rule: str
    source: str
    line: int
    citations: tuple[Citation, ...]
    explanation: str
    client: str | None
    username: str | None
    ts: float


@dataclass(frozen=True, slots=True)
class PersonDetail:
    person_id: str
    username: str
    name: str
    role: str
    building: str | None
    violating_visits: int
    violating_hits: int
    violations: tuple[Violation, ...]

    @property
    def unlisted(self) -> int:
        return self.violating_visits - len(self.violations)


@dataclass(frozen=True, slots=True)
class ReportData:
    district: str
    policy: str
    revision: str
    audience: Audience
    building: str | None
    building_name: str | None
    since: dt.datetime | None
    until: dt.datetime | None
    generated_at: dt.datetime
    timezone: str
    operator: str
    totals: Totals
    sources: VisitSummary
    errors: tuple[ErrorReason, ...]
    per_day: tuple[Cell, ...]
    #: Violating visits by weekday (Mon..Sun) and hour (0..23).
    heat: tuple[tuple[int | None, ...], ...]
    by_building: tuple[Cell, ...]
    top_categories: tuple[Cell, ...]
    top_sites: tuple[Cell, ...]
    exceptions: tuple[ExceptionUse, ...]
    #: None for a de-identified audience.
    people: tuple[PersonDetail, ...] | None
    suppressed_below: int | None
    #: Staff–student messages the engine decided (:mod:`boardline.audit.report_messages`).
    messages: Messages


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> int:
    row = con.execute(sql, params).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


#: The report's violations (``web_visits`` rows in scope), copied once per report by
#: :func:`scope_violations` into a temporary table; the findings are read from it too.
SCOPED: Final = "report_visits"


class _Builder:
    """One report's queries, sharing the audience filter."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        compiled: CompiledPack,
        facts: Facts,
        audience: Audience,
        building: str | None,
        at: dt.datetime,
    ) -> None:
        self.con = con
        #: The report's instant: which network a masked address is on is asked as of then.
        self.at = at
        self.compiled = compiled
        self.facts = facts
        self.audience = audience
        self.building = building
        self.zone = compiled.zone
        self.where, scope = violation_filter(building)
        self.params: dict[str, Any] = {"tz": compiled.timezone, **scope}

    def cell(self, value: int) -> int | None:
        if self.audience.identified or value == 0 or value >= SMALL_CELL:
            return value
        return None

    def cells(self, values: Sequence[int], total: int | None = None) -> list[int | None]:
        """:meth:`cell` over a chart's values, with complementary suppression
        (:mod:`.suppression`) against ``total`` (default: the violating visits in scope)."""
        if self.audience.identified:
            return list(values)
        if total is None:
            total = self.violating_visits
        return suppress(values, total=total, below=SMALL_CELL)

    @functools.cached_property
    def violating_visits(self) -> int:
        return self.count("count(*)")

    def query(self, select: str, tail: str = "", table: str = SCOPED) -> str:
        """``SELECT select FROM table WHERE <violations in scope> tail``.

        Every fragment is a constant of this module; values travel as parameters.
        """
        return f"SELECT {select} FROM {table} WHERE {self.where} {tail}"  # noqa: S608

    def bound(self, sql: str) -> dict[str, Any]:
        """The parameters ``sql`` uses (DuckDB refuses unused ones)."""
        return {k: v for k, v in self.params.items() if f"${k}" in sql}

    def rows(self, select: str, tail: str = "", table: str = SCOPED) -> list[tuple[Any, ...]]:
        sql = self.query(select, tail, table)
        return self.con.execute(sql, self.bound(sql)).fetchall()

    def count(self, select: str, tail: str = "", table: str = SCOPED) -> int:
        sql = self.query(select, tail, table)
        return _scalar(self.con, sql, self.bound(sql))

    def building_label(self, building: str | None) -> str:
        if not building:
            return "(no building)"
        try:
            return self.facts.calendar.building_name(building)
        except (KeyError, ValueError):
            return building

    def per_day(self, since: dt.datetime | None, until: dt.datetime | None) -> tuple[Cell, ...]:
        found = {
            day: int(n)
            for day, n in self.rows(
                "CAST(timezone($tz, to_timestamp(started)) AS DATE) AS day, count(*)",
                "GROUP BY day",
            )
        }
        days = sorted(found)
        first = since.astimezone(self.zone).date() if since else (days[0] if days else None)
        last = (until - dt.timedelta(microseconds=1)).astimezone(self.zone).date() if until else (
            days[-1] if days else None
        )  # fmt: skip
        if first is None or last is None or last < first:
            return ()
        days_shown = []
        day = first
        while day <= last:
            days_shown.append(day)
            day += dt.timedelta(days=1)
        values = self.cells([found.get(d, 0) for d in days_shown])
        return tuple(
            Cell(f"{WEEKDAYS[d.weekday()]} {d.isoformat()}", v, d.isoformat())
            for d, v in zip(days_shown, values, strict=True)
        )

    def heat(self) -> tuple[tuple[int | None, ...], ...]:
        grid = [[0] * 24 for _ in range(7)]
        for dow, hour, n in self.rows(
            "isodow(timezone($tz, to_timestamp(started))) AS dow, "
            "hour(timezone($tz, to_timestamp(started))) AS hr, count(*)",
            "GROUP BY dow, hr",
        ):
            grid[int(dow) - 1][int(hour)] = int(n)
        flat = self.cells([n for row in grid for n in row])
        return tuple(tuple(flat[day * 24 : (day + 1) * 24]) for day in range(7))

    def by_building(self) -> tuple[Cell, ...]:
        rows = self.rows("building, count(*) AS n", "GROUP BY building ORDER BY n DESC, building")
        values = self.cells([int(n) for _, n in rows])
        return tuple(
            Cell(self.building_label(b), v, b or "") for (b, _), v in zip(rows, values, strict=True)
        )

    def top_categories(self) -> tuple[Cell, ...]:
        rows = self.rows(
            "category, count(*) AS n",
            f"GROUP BY category ORDER BY n DESC, category LIMIT {TOP}",
            table=f"(SELECT *, unnest(categories) AS category FROM {SCOPED})",  # noqa: S608
        )
        return tuple(Cell(str(c), self.cell(int(n)), str(c)) for c, n in rows)

    def top_sites(self) -> tuple[Cell, ...]:
        rows = self.rows("site, count(*) AS n", f"GROUP BY site ORDER BY n DESC, site LIMIT {TOP}")
        # A visit has one site: when every site is listed the bars add up to the total.
        values = self.cells([int(n) for _, n in rows])
        return tuple(Cell(str(s), v, str(s)) for (s, _), v in zip(rows, values, strict=True))

    def exceptions(
        self, since: dt.datetime | None, until: dt.datetime | None
    ) -> tuple[ExceptionUse, ...]:
        book = self.facts.exceptions
        records: dict[tuple[str, str], Grant | Emergency] = {}
        for grant in book.grants:
            records[("grant", grant.id)] = grant
        for emergency in book.emergencies:
            records[("emergency", emergency.id)] = emergency
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE exception_windows "
            "(kind VARCHAR, id VARCHAR, starts DOUBLE, ends DOUBLE)"
        )
        if records:
            self.con.executemany(
                "INSERT INTO exception_windows VALUES (?, ?, ?, ?)",
                [[k, i, r.starts.timestamp(), r.ends.timestamp()] for (k, i), r in records.items()],
            )
        used: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        for row in self.con.execute(_EXCEPTION_USES, {"building": self.building}).fetchall():
            used.setdefault((str(row[0]), str(row[1])), []).append(row[2:])
        # Every exception in force during the audited range is listed, used or not.
        for key, record in records.items():
            if (since is None or record.ends > since) and (until is None or record.starts < until):
                used.setdefault(key, [])
        out = [self._use(key, records.get(key), rows) for key, rows in used.items()]
        return tuple(sorted(out, key=_exception_order))

    def _use(
        self, key: tuple[str, str], record: Grant | Emergency | None, rows: list[tuple[Any, ...]]
    ) -> ExceptionUse:
        kind, exception_id = key
        outside = scope_misses = hits = 0
        people: set[str] = set()
        for person_id, role, building, host, categories, n, n_outside in rows:
            hits += int(n)
            outside += int(n_outside)
            people.add(str(person_id))
            if record is not None and (
                not _in_scope(record, str(person_id), str(role), building, self.facts)
                or (
                    isinstance(record, Grant)
                    and not record.covers_site(frozenset(categories), str(host))
                )
            ):
                scope_misses += int(n)
        identified = self.audience.identified
        if record is None:
            return ExceptionUse(kind, exception_id, None, "(not in the exception book)", "",
                                None, None, None, self.cell(hits), self.cell(len(people)),
                                hits, 0)  # fmt: skip
        by = record.approver if isinstance(record, Grant) else record.declared_by
        target: str | None = record.target
        if record.scope is Scope.PERSON:
            person = self.facts.directory.resolve(record.target)
            target = (person.username if person else record.target) if identified else None
        return ExceptionUse(
            kind,
            exception_id,
            by if identified else None,
            record.reason,
            record.scope.value,
            target,
            record.starts.astimezone(self.zone),
            record.ends.astimezone(self.zone),
            self.cell(hits),
            self.cell(len(people)),
            outside,
            scope_misses,
        )

    def people(self, rebuild: DecisionRebuilder) -> tuple[PersonDetail, ...]:
        counts = self.rows(
            "person_id, count(*), sum(hits)", "GROUP BY person_id ORDER BY count(*) DESC, person_id"
        )
        sql = self.query(
            "*",
            "QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY started, source, line)"
            f" <= {DETAIL_LIMIT} ORDER BY person_id, started, source, line",
        )
        cursor = self.con.execute(sql, self.bound(sql))
        names = [d[0] for d in cursor.description or ()]
        listed: dict[str, list[Violation]] = {}
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            listed.setdefault(str(row["person_id"]), []).append(self._violation(row, rebuild))
        out = []
        for person_id, visits, hits in counts:
            person = self.facts.directory.resolve(str(person_id))
            if person is not None and person.role is Role.STUDENT:
                continue  # never: the filter above already keeps students out
            out.append(
                PersonDetail(
                    person_id=str(person_id),
                    username=person.username if person else str(person_id),
                    name=person.display_name if person else "",
                    role=person.role.value if person else "",
                    building=self.building_label(person.buildings[0])
                    if person and person.buildings
                    else None,
                    violating_visits=int(visits),
                    violating_hits=int(hits),
                    violations=tuple(listed.get(str(person_id), ())),
                )
            )
        return tuple(out)

    def _violation(self, row: Mapping[str, Any], rebuild: DecisionRebuilder) -> Violation:
        outcome = {k: row[k] for k in OUTCOME_COLUMNS}
        decision = rebuild(outcome, self.compiled, self.facts)
        return Violation(
            started=dt.datetime.fromtimestamp(row["started"], self.zone),
            ended=dt.datetime.fromtimestamp(row["ended"], self.zone),
            site=row["site"],
            host=row["host"],
            method=row["method"],
            path=row["path"],
            hits=int(row["hits"]),
            effect=decision.effect.value,
            severity=decision.severity.value,
            rule=decision.rule,
            revision=decision.revision,
            building=row["building"],
            categories=tuple(row["categories"]),
            visit_rule=row["visit_rule"],
            source=row["source"],
            line=int(row["line"]),
            citations=decision.citations,
            explanation=decision.explanation,
            client=row["client"],
            username=row["username"],
            ts=float(row["ts"]),
        )

    def errors(self) -> tuple[ErrorReason, ...]:
        out = []
        for reason, count in self.con.execute(
            "SELECT reason, count(*) AS n FROM read_errors GROUP BY reason ORDER BY n DESC, reason"
        ).fetchall():
            samples: tuple[ErrorSample, ...] = ()
            if self.audience.identified:
                rows = self.con.execute(
                    "SELECT source, line, detail, sample FROM read_errors WHERE reason = ? "
                    "ORDER BY source, line LIMIT ?",
                    [reason, SAMPLES],
                ).fetchall()
                samples = tuple(
                    ErrorSample(Path(s).name, int(n), d, mask_students(x, self.facts, self.at))
                    for s, n, d, x in rows
                )
            out.append(ErrorReason(str(reason), int(count), samples))
        return tuple(out)


#: Uses of each exception by person and site, with the uses outside its window.
_EXCEPTION_USES: Final = """
SELECT o.exception_kind, o.exception_id, o.person_id, o.role, o.building, o.host,
       o.categories, count(*),
       count(*) FILTER (WHERE o.ts < w.starts OR o.ts >= w.ends)
FROM web_outcomes AS o
LEFT JOIN exception_windows AS w ON w.kind = o.exception_kind AND w.id = o.exception_id
WHERE o.exception_id IS NOT NULL
  AND o.role IN ('staff', 'administrator')
  AND ($building::VARCHAR IS NULL OR o.building = $building)
GROUP BY ALL
"""

#: The ``web_outcomes`` columns handed to the decision rebuilder.
OUTCOME_COLUMNS: Final = schema.WEB_OUTCOME_COLUMNS

_TOKEN = re.compile(r"[^\s\"'\[\]<>,;()]+")


def mask_students(text: str, facts: Facts, at: dt.datetime) -> str:
    """``text`` with every student login, e-mail and student-network address masked.

    Error samples are raw log lines; a line from a student's laptop names the
    student. Whatever resolves to a student in the directory, or is an address
    on a student network, becomes ``[student]``. ``at`` is the instant leases are
    read at (the report's own time, never the wall clock read here).
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        for candidate in {token, token.split("@")[0], token.rsplit("/", 1)[-1]}:
            person = facts.directory.resolve(candidate) if candidate else None
            if person is not None and person.role is Role.STUDENT:
                return "[student]"
        if token[:1].isdigit() or ":" in token:
            identity = facts.networks.identify(facts.directory, address=token, username=None, at=at)
            network = identity.network
            if network is not None and network.kind.value == "student":
                return "[student]"
        return token

    return _TOKEN.sub(replace, text)


def _exception_order(use: ExceptionUse) -> tuple[bool, float, str]:
    return (use.starts is None, use.starts.timestamp() if use.starts else 0.0, use.id)


def _in_scope(
    record: Grant | Emergency, person_id: str, role: str, building: str | None, facts: Facts
) -> bool:
    if record.scope is Scope.DISTRICT:
        return True
    if record.scope is Scope.ROLE:
        return record.target == role
    person = facts.directory.resolve(person_id)
    if record.scope is Scope.PERSON:
        return person is not None and record.target in {person.id, person.username}
    buildings = set(person.buildings) if person is not None else set()
    return record.target in buildings or record.target == building


def _policy(compiled: CompiledPack) -> str:
    """The policy the web rules cite (5460 for every pack so far)."""
    for rule in compiled.school_hours:
        for citation in rule.citations:
            return citation.policy
    return "5460"


def violation_filter(building: str | None) -> tuple[str, dict[str, Any]]:
    """The ``WHERE`` condition (and its parameters) of the violations a report covers:
    staff and administrators only, never students; optionally one building."""
    where = "effect <> 'allow' AND role IN ('staff', 'administrator')"
    if building is None:
        return where, {}
    return where + " AND building = $building", {"building": building}


def scope_violations(con: duckdb.DuckDBPyConnection, building: str | None) -> None:
    """Copy the violations in scope (:func:`violation_filter`) out of ``web_visits`` (a
    view joining every visit to its outcome row) into :data:`SCOPED`, once: the report's
    dozen queries and the findings then read only them."""
    where, params = violation_filter(building)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SCOPED} AS SELECT * FROM web_visits WHERE {where}",  # noqa: S608
        params,
    )


def build_report_data(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledPack,
    facts: Facts,
    visits: VisitSummary,
    *,
    rebuild: DecisionRebuilder,
    audience: Audience,
    generated_at: dt.datetime,
    operator: str,
    building: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    lines: int | None = None,
) -> ReportData:
    """Aggregate ``web_outcomes``/``web_visits``/``read_errors`` into one audience's report.

    ``visits`` is what :func:`~boardline.audit.visits.count_visits` returned for
    the same connection; ``lines`` is the readers' line count (events plus
    errors when not given: blank lines and comments are then not counted).
    """
    b = _Builder(con, compiled, facts, audience, building, generated_at)
    scope_violations(con, building)
    web_events = _scalar(con, "SELECT count(*) FROM web_events")
    comm_events = _scalar(con, "SELECT count(*) FROM comm_events")
    errors = _scalar(con, "SELECT count(*) FROM read_errors")
    violating_visits = b.violating_visits
    # Every request counts here, embedded widgets too: the contrast with visits is the point.
    violating_hits = b.count("count(*)", table="web_outcomes")
    violators = b.count("count(DISTINCT person_id)")
    totals = Totals(
        lines=lines if lines is not None else web_events + comm_events + errors,
        events=web_events + comm_events,
        web_events=web_events,
        comm_events=comm_events,
        errors=errors,
        hits=visits.hits,
        visits=visits.visits,
        violating_hits=b.cell(violating_hits),
        violating_visits=b.cell(violating_visits),
        people_with_violations=b.cell(violators),
    )
    zone = ZoneInfo(compiled.timezone)
    return ReportData(
        district=compiled.pack.district.name,
        policy=_policy(compiled),
        revision=compiled.revision,
        audience=audience,
        building=building,
        building_name=b.building_label(building) if building else None,
        since=since.astimezone(zone) if since else None,
        until=until.astimezone(zone) if until else None,
        generated_at=generated_at.astimezone(zone),
        timezone=compiled.timezone,
        operator=operator if audience.identified else "",
        totals=totals,
        sources=visits,
        errors=b.errors(),
        per_day=b.per_day(since, until),
        heat=b.heat(),
        by_building=b.by_building(),
        top_categories=b.top_categories(),
        top_sites=b.top_sites(),
        exceptions=b.exceptions(since, until),
        people=b.people(rebuild) if audience.identified else None,
        suppressed_below=None if audience.identified else SMALL_CELL,
        messages=build_messages(
            con,
            compiled,
            facts,
            identified=audience.identified,
            building=building,
            cell=b.cell,
            cells=b.cells,
            building_label=b.building_label,
            mask=lambda text: mask_students(text, facts, generated_at),
        ),
    )
