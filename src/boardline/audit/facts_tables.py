"""The facts a bulk evaluation needs, exported once per run into ``fact_*`` tables.

The compiled SQL (:mod:`boardline.audit.bulk_sql`) joins the events with these
tables and never asks Python anything per event. Everything here is resolved
through the same code the engine uses, so there is one truth for each fact:

* **identity** — per distinct ``(client, username)`` of the events and per span
  between two lease boundaries (:meth:`IdentityPort.lease_bounds`), the answer
  of :meth:`IdentityPort.identify` (identity only changes where a lease starts
  or ends, so one answer holds for the whole span);
* **categories** — per distinct host through :class:`CategoryPort`, and per
  distinct ``(host, path)`` only for hosts whose path can matter (URL entries,
  path overrides; :meth:`CategoryIndex.path_matters`); a rule's hits and the
  grants covering each site are precomputed per site, so the SQL never
  intersects arrays;
* **school hours** — per set of buildings whose hours apply to someone (the
  network's building, else the person's buildings, else the default) and per
  interpretation (staff days counted or not, breaks counted or not), the
  piecewise-constant answer "in hours, and at which building" built from each
  building's compiled boundary table (:mod:`boardline.schedule.table`), split
  at UTC day boundaries so that the SQL joins on ``(set, day)`` equality plus a
  range condition — a hash join, portable to Spark;
* **grants and emergencies** — as rows with their scopes and windows, and the
  scope keys of every identified person in the engine's order.

Moments are the engine's: an event's ``ts`` rounded to the microsecond the way
``datetime.fromtimestamp`` rounds it (see :func:`moment`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from boardline.directory.network import Identity
from boardline.engine.compiled import CompiledPack, CompiledSchoolHours
from boardline.engine.exceptions import ExceptionBook, Scope
from boardline.engine.facts import Facts, schedule_buildings
from boardline.model.errors import InputError
from boardline.schedule.calendar import SchoolCalendar
from boardline.schedule.day import DayKind
from boardline.schedule.table import TimedDay, boundaries, timed

#: Stand-ins for "for ever" that Parquet and Spark carry without special values.
FOREVER = 1e18
DAY = 86400
#: Every table this module writes (the Spark runner ships them all).
TABLES = (
    "fact_people",
    "fact_identity",
    "fact_person_keys",
    "fact_sites",
    "fact_hosts",
    "fact_paths",
    "fact_site_rules",
    "fact_grant_sites",
    "fact_hours",
    "fact_grants",
    "fact_emergencies",
    "fact_rules",
)


def moment(ts: float) -> float:
    """The epoch the engine decides at for a log's ``ts`` (microsecond-rounded, half even)."""
    return at_time(ts).timestamp()


def at_time(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)


def variant(rule: CompiledSchoolHours) -> int:
    """Which school-hours reading a rule uses: bit 1 staff days count, bit 0 breaks count."""
    reading = rule.rule.interpretation
    return 2 * int(reading.staff_days_count) + int(reading.breaks_count)


def range_filter(since: float | None, until: float | None) -> str:
    """The SQL condition selecting events in ``[since, until)`` (literals: Spark runs it too)."""
    parts = ["TRUE"]
    if since is not None:
        parts.append(f"ts >= {float(since)!r}")
    if until is not None:
        parts.append(f"ts < {float(until)!r}")
    return " AND ".join(parts)


@dataclass(frozen=True, slots=True)
class FactsExport:
    """How much was exported, for progress and the report's notes."""

    identities: int
    people: int
    hosts: int
    path_hosts: int
    sites: int
    hour_segments: int


def export_facts(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledPack,
    facts: Facts,
    *,
    since: float | None = None,
    until: float | None = None,
) -> FactsExport:
    """(Re)write every ``fact_*`` table for the ``web_events`` in ``[since, until)``."""
    where = range_filter(since, until)
    rules = compiled.school_hours
    ruled_roles = frozenset(role for rule in rules for role in rule.covers)
    identities, people, sched_sets = _identities(con, facts, where, ruled_roles)
    _people_tables(con, people, facts.exceptions)
    hosts, path_hosts, sites = _sites(con, compiled, facts, where)
    segments = _hours(con, facts, sched_sets, sorted({variant(rule) for rule in rules}))
    _exception_tables(con, facts.exceptions)
    _rules_table(con, compiled)
    return FactsExport(identities, len(people), hosts, path_hosts, sites, segments)


# -- writing tables ------------------------------------------------------------------


def _put(
    con: duckdb.DuckDBPyConnection,
    name: str,
    schema: pa.Schema,
    rows: Sequence[tuple[object, ...]],
) -> None:
    columns: list[Sequence[object]] = [[] for _ in schema]
    if rows:
        columns = list(zip(*rows, strict=True))
    table = pa.table(
        [pa.array(list(col), type=field.type) for col, field in zip(columns, schema, strict=True)],
        schema=schema,
    )
    view = f"_{name}_arrow"
    con.register(view, table)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {view}")  # noqa: S608
    finally:
        con.unregister(view)


_S = pa.string()
_F = pa.float64()
_I = pa.int64()
_B = pa.bool_()
_L = pa.list_(pa.string())


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in fields])


# -- identity ------------------------------------------------------------------------


def _identities(
    con: duckdb.DuckDBPyConnection, facts: Facts, where: str, ruled_roles: frozenset[str]
) -> tuple[int, dict[str, tuple[str, str, tuple[str, ...]]], dict[tuple[str, ...], int]]:
    query = "SELECT coalesce(client, ''), coalesce(username, ''), min(ts), max(ts) FROM web_events"
    keys = con.execute(f"{query} WHERE {where} GROUP BY 1, 2").fetchall()
    people: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    sched_sets: dict[tuple[str, ...], int] = {}
    rows: list[tuple[object, ...]] = []
    for client, username, first, last in keys:
        for low, high, identity in _spans(facts, client, username, moment(first), moment(last)):
            person = identity.person
            role = sched = first_building = None
            if person is not None:
                role = person.role.value
                people[person.id] = (person.username, role, person.buildings)
                if role in ruled_roles:
                    network = identity.network.building if identity.network else None
                    chain = schedule_buildings(network, person.buildings, facts.default_building)
                    sched = sched_sets.setdefault(chain, len(sched_sets))
                    first_building = chain[0]
            rows.append(
                (
                    client,
                    username,
                    low,
                    high,
                    person.id if person else None,
                    role,
                    identity.district_equipment,
                    identity.source,
                    identity.network.building if identity.network else None,
                    sched,
                    first_building,
                )
            )
    schema = _schema(
        ("ckey", _S),
        ("ukey", _S),
        ("lo", _F),
        ("hi", _F),
        ("person_id", _S),
        ("role", _S),
        ("district_equipment", _B),
        ("source", _S),
        ("network_building", _S),
        ("sched_id", _I),
        ("first_building", _S),
    )
    _put(con, "fact_identity", schema, rows)
    return len(rows), people, sched_sets


def _spans(
    facts: Facts, client: str, username: str, first: float, last: float
) -> Iterable[tuple[float, float, Identity]]:
    """Identity per span between lease boundaries, covering ``[first, last]``."""
    address = client or None
    login = username or None
    point = first
    while True:
        at = at_time(point)
        low, high = facts.networks.lease_bounds(address, at)
        identity = facts.networks.identify(facts.directory, address=address, username=login, at=at)
        yield max(low, -FOREVER), min(high, FOREVER), identity
        if high > last or math.isinf(high):
            return
        point = high


def _people_tables(
    con: duckdb.DuckDBPyConnection,
    people: dict[str, tuple[str, str, tuple[str, ...]]],
    book: ExceptionBook,
) -> None:
    _put(
        con,
        "fact_people",
        _schema(("person_id", _S), ("username", _S), ("role", _S), ("buildings", _L)),
        [(pid, name, role, list(b)) for pid, (name, role, b) in sorted(people.items())],
    )
    keys: list[tuple[object, ...]] = []
    if book:
        for pid, (_, role, buildings) in sorted(people.items()):
            # The engine's ExceptionBook._keys order, which breaks ties between exceptions.
            keys.append((pid, Scope.PERSON.value, pid, 0))
            keys.append((pid, Scope.ROLE.value, role, 1))
            keys.append((pid, Scope.DISTRICT.value, "", 2))
            keys.extend((pid, Scope.BUILDING.value, b, 3 + n) for n, b in enumerate(buildings))
    _put(
        con,
        "fact_person_keys",
        _schema(("person_id", _S), ("scope", _S), ("target", _S), ("key_rank", _I)),
        keys,
    )


# -- categories ------------------------------------------------------------------------


def _sites(
    con: duckdb.DuckDBPyConnection, compiled: CompiledPack, facts: Facts, where: str
) -> tuple[int, int, int]:
    categories = facts.categories
    path_matters = getattr(categories, "path_matters", None)
    found = con.execute(f"SELECT DISTINCT host FROM web_events WHERE {where}")  # noqa: S608
    hosts = [str(h) for (h,) in found.fetchall()]
    sensitive = {h for h in hosts if path_matters is None or path_matters(h)}
    sites: list[tuple[int, str, str, frozenset[str]]] = []
    host_rows: list[tuple[object, ...]] = []
    for host in hosts:
        if host in sensitive:
            host_rows.append((host, None))
        else:
            site = len(sites)
            sites.append((site, host, "", categories.lookup(host, "")))
            host_rows.append((host, site))
    path_rows: list[tuple[object, ...]] = []
    if sensitive:
        con.register("_sensitive_hosts", pa.table({"host": pa.array(sorted(sensitive), _S)}))
        try:
            query = "SELECT DISTINCT host, path FROM web_events JOIN _sensitive_hosts USING (host)"
            pairs = con.execute(f"{query} WHERE {where}").fetchall()
        finally:
            con.unregister("_sensitive_hosts")
        for host, path in pairs:
            site = len(sites)
            sites.append((site, host, path, categories.lookup(host, path)))
            path_rows.append((host, path, site))
    _put(con, "fact_hosts", _schema(("host", _S), ("site_id", _I)), host_rows)
    _put(con, "fact_paths", _schema(("host", _S), ("path", _S), ("site_id", _I)), path_rows)
    _put(
        con,
        "fact_sites",
        _schema(("site_id", _I), ("host", _S), ("path", _S), ("categories", _L)),
        [(site, host, path, sorted(cats)) for site, host, path, cats in sites],
    )
    hits: list[tuple[object, ...]] = []
    covering: list[tuple[object, ...]] = []
    grants = facts.exceptions.grants
    for site, host, _, cats in sites:
        if not cats & compiled.watched_categories:
            continue
        for index, rule in enumerate(compiled.school_hours):
            hit = cats & rule.categories
            if not hit:
                continue
            hits.append((site, index, sorted(hit)))
            if rule.honours_grants:
                covering.extend(
                    (site, index, pos)
                    for pos, grant in enumerate(grants)
                    if grant.covers_site(hit, host)
                )
    _put(con, "fact_site_rules", _schema(("site_id", _I), ("rule_idx", _I), ("hit", _L)), hits)
    _put(
        con,
        "fact_grant_sites",
        _schema(("site_id", _I), ("rule_idx", _I), ("grant_pos", _I)),
        covering,
    )
    return len(hosts), len(sensitive), len(sites)


# -- school hours ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hours:
    """One calendar building's boundaries and break slots, per staff-days reading."""

    bounds: dict[bool, tuple[float, ...]]
    breaks: dict[bool, tuple[tuple[int, int], ...]]


def _calendar(facts: Facts) -> SchoolCalendar:
    calendar = facts.calendar
    if not isinstance(calendar, SchoolCalendar):
        msg = (
            "bulk evaluation compiles school hours from a SchoolCalendar's interval "
            f"tables; got {type(calendar).__name__}"
        )
        raise TypeError(msg)
    return calendar


def _building_hours(calendar: SchoolCalendar, ident: str) -> _Hours:
    zone = ZoneInfo(calendar.timezone)
    first, last = calendar.year
    days: list[TimedDay] = [
        timed(calendar.day(ident, first + dt.timedelta(days=n)), zone)
        for n in range((last - first).days + 1)
    ]
    breaks: dict[bool, tuple[tuple[int, int], ...]] = {}
    for staff_days in (True, False):
        breaks[staff_days] = tuple(
            sorted(
                (slot.start, slot.end)
                for day in days
                if staff_days or day.day.kind is not DayKind.STAFF_DAY
                for slot in day.slots
                if slot.period.kind.is_break
            )
        )
    return _Hours(
        {True: boundaries(days), False: boundaries(days, staff_days=False)},
        breaks,
    )


def _resolve(calendar: SchoolCalendar, building: str) -> str:
    if building in calendar.buildings():
        return building
    fallback = calendar.spec.default_building
    if fallback is None:
        raise InputError.at(
            "calendar",
            f"building {building!r} is not in the calendar and it names no default_building",
            field="buildings",
        )
    return fallback


def _hours(
    con: duckdb.DuckDBPyConnection,
    facts: Facts,
    sched_sets: dict[tuple[str, ...], int],
    variants: Sequence[int],
) -> int:
    rows: list[tuple[object, ...]] = []
    if sched_sets and variants:
        calendar = _calendar(facts)
        cache: dict[str, _Hours] = {}

        def hours_of(building: str) -> _Hours:
            ident = _resolve(calendar, building)
            if ident not in cache:
                cache[ident] = _building_hours(calendar, ident)
            return cache[ident]

        for chain, sched in sched_sets.items():
            tables = [hours_of(b) for b in chain]
            for var in variants:
                for start, end, inside, where in _segments(tables, var):
                    rows.extend(
                        (sched, var, bucket, float(start), float(end), inside, chain[where])
                        for bucket in range(start // DAY, (end - 1) // DAY + 1)
                    )
    schema = _schema(
        ("sched_id", _I),
        ("variant", _I),
        ("bucket", _I),
        ("seg_start", _F),
        ("seg_end", _F),
        ("in_hours", _B),
        ("building", _S),
    )
    _put(con, "fact_hours", schema, rows)
    return len(rows)


def _segments(tables: list[_Hours], var: int) -> list[tuple[int, int, bool, int]]:
    """``(start, end, in_hours, where)`` wherever some building of the set is in hours.

    ``where`` is the first building in hours (the engine's loop); with breaks
    not counted, its break slots are out of hours but still name it.
    """
    staff_days, breaks_count = bool(var & 2), bool(var & 1)
    points: set[int] = set()
    for hours in tables:
        points.update(int(b) for b in hours.bounds[staff_days])
        if not breaks_count:
            points.update(t for slot in hours.breaks[staff_days] for t in slot)
    ordered = sorted(points)
    out: list[tuple[int, int, bool, int]] = []
    for start, end in itertools.pairwise(ordered):
        where = next(
            (
                n
                for n, hours in enumerate(tables)
                if bisect.bisect_right(hours.bounds[staff_days], start) % 2 == 1
            ),
            None,
        )
        if where is None:
            continue
        inside = breaks_count or not _in_slot(tables[where].breaks[staff_days], start)
        if out and out[-1][1] == start and out[-1][2:] == (inside, where):
            out[-1] = (out[-1][0], end, inside, where)
        else:
            out.append((start, end, inside, where))
    return out


def _in_slot(slots: tuple[tuple[int, int], ...], t: int) -> bool:
    index = bisect.bisect_right(slots, (t, math.inf)) - 1
    return index >= 0 and slots[index][0] <= t < slots[index][1]


# -- exceptions and rules ----------------------------------------------------------------


def _exception_tables(con: duckdb.DuckDBPyConnection, book: ExceptionBook) -> None:
    _put(
        con,
        "fact_grants",
        _schema(
            ("grant_pos", _I),
            ("grant_id", _S),
            ("scope", _S),
            ("target", _S),
            ("starts", _F),
            ("ends", _F),
        ),
        [
            (pos, g.id, g.scope.value, g.target, g.starts.timestamp(), g.ends.timestamp())
            for pos, g in enumerate(book.grants)
        ],
    )
    _put(
        con,
        "fact_emergencies",
        _schema(
            ("em_pos", _I),
            ("em_id", _S),
            ("scope", _S),
            ("target", _S),
            ("starts", _F),
            ("ends", _F),
        ),
        [
            (pos, e.id, e.scope.value, e.target, e.starts.timestamp(), e.ends.timestamp())
            for pos, e in enumerate(book.emergencies)
        ],
    )


def _rules_table(con: duckdb.DuckDBPyConnection, compiled: CompiledPack) -> None:
    """The school-hours rules as rows: what the report shows next to its findings."""
    rows = []
    for index, rule in enumerate(compiled.school_hours):
        spec = rule.rule
        reading = spec.interpretation
        rows.append(
            (
                index,
                spec.id,
                spec.title,
                spec.effect.value,
                spec.severity.value,
                sorted(rule.covers),
                sorted(rule.categories),
                reading.district_equipment_outside_hours.value,
                reading.personal_equipment_outside_hours.value,
                reading.breaks_count,
                reading.staff_days_count,
                rule.honours_grants,
                rule.honours_emergencies,
                compiled.revision,
            )
        )
    schema = _schema(
        ("rule_idx", _I),
        ("rule_id", _S),
        ("title", _S),
        ("effect", _S),
        ("severity", _S),
        ("covers", _L),
        ("categories", _L),
        ("district_equipment_outside_hours", _S),
        ("personal_equipment_outside_hours", _S),
        ("breaks_count", _B),
        ("staff_days_count", _B),
        ("honours_grants", _B),
        ("honours_emergencies", _B),
        ("revision", _S),
    )
    _put(con, "fact_rules", schema, rows)
