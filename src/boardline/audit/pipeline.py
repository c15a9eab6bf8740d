"""One audit, end to end: logs in, a report and saved findings out.

:func:`run_audit` runs the stages of :mod:`boardline.audit.schema` on one DuckDB
database — read the logs, evaluate the pack over them (DuckDB, or Spark for a
consortium), collapse hits into visits, aggregate the report for its audience,
save the findings, render — and records the run (who, when, over what) with
the findings. The caller (the CLI, the demo) builds the compiled pack and the
facts and hands them in; nothing here reads settings.

Memory stays bounded whatever the log size: DuckDB gets a ``memory_limit`` and
a spill folder, the readers stream, and only aggregates and the listed
violations come back into Python. The run's tables live in a temporary DuckDB
file in that folder (compressed, evictable), or in a file the caller names
(``database``) to keep them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import duckdb

from boardline.audit import schema
from boardline.audit.bulk import evaluate_comm, evaluate_web, outcome_decision
from boardline.audit.message_findings import message_findings
from boardline.audit.options import AuditEngine, ReportFormat
from boardline.audit.readers import ReadSummary, load_logs
from boardline.audit.report_csv import write_csv
from boardline.audit.report_data import (
    OUTCOME_COLUMNS,
    SCOPED,
    Audience,
    ReportData,
    build_report_data,
    violation_filter,
)
from boardline.audit.report_html import write_html
from boardline.audit.report_json import write_json
from boardline.audit.visits import DEFAULT_WINDOW_MINUTES, VisitSummary, count_visits
from boardline.directory.directory import Directory
from boardline.engine.compiled import CompiledPack
from boardline.engine.facts import Facts
from boardline.model.decision import Citation
from boardline.storage.finding_store import AuditRunRecord, FindingRecord, Saved, SqlFindingStore

#: Findings are built and saved this many at a time.
BATCH: Final = 5000


@dataclass(frozen=True, slots=True)
class AuditRequest:
    """What to audit and how to report it."""

    logs: tuple[Path, ...]
    out: Path
    operator: str
    audience: Audience = Audience.HR
    report_format: ReportFormat = ReportFormat.HTML
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    building: str | None = None
    engine: AuditEngine = AuditEngine.DUCKDB
    spark_master: str = "local[2]"
    log_format: str | None = None
    year: int | None = None
    window_minutes: float = DEFAULT_WINDOW_MINUTES
    #: A DuckDB file to keep the run's tables in (None: a temporary file, removed after).
    database: Path | None = None
    memory_limit: str = "2GB"
    threads: int | None = None
    #: Addresses the roster lacks that the district knows are a person's (lower case ->
    #: directory id; :mod:`boardline.audit.readers.known_addresses`), for mail traces.
    known_addresses: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class AuditResult:
    run_id: str
    report: Path
    data: ReportData
    read: ReadSummary
    visits: VisitSummary
    outcomes: int
    saved: Saved | None
    seconds: dict[str, float] = field(default_factory=dict)


Stage = Callable[[str], None]


def _connect(request: AuditRequest, spill: Path) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = {
        "memory_limit": request.memory_limit,
        "temp_directory": str(spill),
        # Insertion order is not needed by any stage; dropping it lets DuckDB stream.
        "preserve_insertion_order": False,
    }
    if request.threads:
        config["threads"] = request.threads
    if request.database is not None:
        con = duckdb.connect(str(request.database), config=config)
    else:
        # A throw-away file rather than ":memory:": DuckDB compresses what it writes
        # to a database file (a tenth of the size here), and under the memory limit
        # evicts those blocks, where an in-memory database keeps every table
        # uncompressed and spills it, at ten million lines several times over.
        # Nothing needs the file after the run, so closing skips the checkpoint.
        con = duckdb.connect(str(spill / "audit.duckdb"), config=config)
        con.execute("PRAGMA disable_checkpoint_on_shutdown")
    for statement in schema.ALL:
        con.execute(statement)
    return con


def _citations(decision_citations: tuple[Citation, ...]) -> tuple[dict[str, str], ...]:
    return tuple(c.as_dict() for c in decision_citations)


def violation_findings(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledPack,
    facts: Facts,
    *,
    building: str | None = None,
    table: str = "web_visits",
) -> Iterator[FindingRecord]:
    """One finding per violating visit of a staff member: its first hit with the worst effect.

    Citations come from the engine's decision for that hit (rebuilt from the row);
    they depend only on the rule and branch, so each pair is rebuilt once.
    """
    where, params = violation_filter(building)
    columns = ", ".join(OUTCOME_COLUMNS)
    cursor = con.execute(
        f"SELECT {columns} FROM {table} WHERE {where} ORDER BY ts, source, line",  # noqa: S608
        params,
    )
    cited: dict[tuple[str, str, str], tuple[dict[str, str], ...]] = {}
    at = {name: n for n, name in enumerate(OUTCOME_COLUMNS)}
    ts, client, username, method, host, path = (
        at[c] for c in ("ts", "client", "username", "method", "host", "path")
    )
    effect, severity, rule, revision, branch = (
        at[c] for c in ("effect", "severity", "rule", "revision", "branch")
    )
    person, building_at, categories, source, line = (
        at[c] for c in ("person_id", "building", "categories", "source", "line")
    )
    while rows := cursor.fetchmany(BATCH):
        for values in rows:
            key = (str(values[rule]), str(values[branch]), str(values[revision]))
            if key not in cited:
                row = dict(zip(OUTCOME_COLUMNS, values, strict=True))
                cited[key] = _citations(outcome_decision(row, compiled, facts).citations)
            yield FindingRecord(
                at=dt.datetime.fromtimestamp(float(values[ts]), dt.UTC),
                client=values[client],
                username=values[username],
                method=str(values[method]),
                host=str(values[host]),
                path=str(values[path]),
                effect=str(values[effect]),
                severity=str(values[severity]),
                rule=key[0],
                revision=key[2],
                person_id=values[person],
                building=values[building_at],
                categories=tuple(values[categories]),
                citations=cited[key],
                source=str(values[source]),
                line=int(values[line]),
            )


def _render(data: ReportData, request: AuditRequest) -> Path:
    if request.report_format is ReportFormat.CSV:
        return write_csv(data, request.out)
    if request.report_format is ReportFormat.JSON:
        return write_json(data, request.out)
    return write_html(data, request.out)


def _directory(facts: Facts) -> Directory | None:
    """The roster the mail readers map addresses with (a plain port has no addresses)."""
    directory = facts.directory
    return directory if isinstance(directory, Directory) else None


def _bytes_of(
    logs: Sequence[Path], progress: Callable[[int, int], None] | None
) -> Callable[[int], None] | None:
    """The readers count bytes across all files; a bar also wants the total."""
    if progress is None:
        return None
    total = sum(path.stat().st_size for path in logs if path.is_file())
    report = progress

    def done(count: int) -> None:
        report(count, total)

    return done


def run_audit(
    request: AuditRequest,
    compiled: CompiledPack,
    facts: Facts,
    *,
    findings: SqlFindingStore | None,
    clock: Callable[[], dt.datetime],
    progress: Callable[[int, int], None] | None = None,
    stage: Stage | None = None,
) -> AuditResult:
    """Run one audit (see the module docstring); ``findings=None`` saves nothing.

    ``progress(done, total)`` is the readers' byte count, for a progress bar;
    ``stage(name)`` is told when each stage starts.
    """
    started = clock()
    run_id = f"audit-{started.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tell = stage or (lambda _name: None)
    seconds: dict[str, float] = {}
    since = request.since.timestamp() if request.since else None
    until = request.until.timestamp() if request.until else None
    with tempfile.TemporaryDirectory(prefix="boardline-audit-") as spill:
        con = _connect(request, Path(spill))
        try:
            mark = time.perf_counter()
            tell("read")
            # The tables with a row per log line go to Parquet files in the spill folder,
            # unless the caller keeps the run's tables in a database file.
            files = Path(spill) if request.database is None else None
            read = load_logs(
                con,
                list(request.logs),
                directory=_directory(facts),
                zone=compiled.zone,
                year=request.year,
                fmt=request.log_format,
                progress=_bytes_of(request.logs, progress),
                known_addresses=request.known_addresses,
                into=files,
            )
            seconds["read"] = time.perf_counter() - mark
            mark = time.perf_counter()
            tell("evaluate")
            if request.engine is AuditEngine.SPARK:
                from boardline.audit.spark import evaluate_web_spark

                outcomes = evaluate_web_spark(
                    con,
                    compiled,
                    facts,
                    master=request.spark_master,
                    workdir=Path(spill) / "spark",
                    since=since,
                    until=until,
                )
            else:
                outcomes = evaluate_web(con, compiled, facts, since=since, until=until, into=files)
            evaluate_comm(con, compiled, facts)
            seconds["evaluate"] = time.perf_counter() - mark
            mark = time.perf_counter()
            tell("report")
            visits = count_visits(con, window_minutes=request.window_minutes)
            data = build_report_data(
                con,
                compiled,
                facts,
                visits,
                rebuild=outcome_decision,
                audience=request.audience,
                generated_at=started,
                operator=request.operator,
                building=request.building,
                since=request.since,
                until=request.until,
                lines=read.lines,
            )
            seconds["report"] = time.perf_counter() - mark
            saved: Saved | None = None
            if findings is not None:
                mark = time.perf_counter()
                tell("save")
                run = AuditRunRecord(
                    id=run_id,
                    operator=request.operator,
                    started_at=started,
                    finished_at=clock(),
                    range_from=request.since,
                    range_to=request.until,
                    audience=request.audience.value,
                    building=request.building,
                    engine=request.engine.value,
                    revision=compiled.revision,
                    inputs=tuple(str(p) for p in request.logs),
                    totals={
                        "lines": data.totals.lines,
                        "events": data.totals.events,
                        "errors": data.totals.errors,
                        "hits": data.totals.hits,
                        "visits": data.totals.visits,
                        # Staff violating visits in scope, unsuppressed.
                        "violating_visits": _count(con, f"SELECT count(*) FROM {SCOPED}"),  # noqa: S608
                    },
                )
                # The report copied the violations in scope out of web_visits (a view).
                saved = findings.save(
                    run,
                    itertools.chain(
                        violation_findings(
                            con, compiled, facts, building=request.building, table=SCOPED
                        ),
                        message_findings(con, compiled, facts, building=request.building),
                    ),
                )
                seconds["save"] = time.perf_counter() - mark
        finally:
            con.close()
    mark = time.perf_counter()
    tell("render")
    report = _render(data, request)
    seconds["render"] = time.perf_counter() - mark
    return AuditResult(run_id, report, data, read, visits, outcomes, saved, seconds)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    found = con.execute(sql).fetchone()
    return int(found[0]) if found else 0
