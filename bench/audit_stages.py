"""Where an audit's time goes: wall and CPU seconds per stage, and the Squid kernel per line.

Run: ``.venv/bin/python bench/audit_stages.py`` (options: ``--lines 10000000``, ``--ut1
PATH``, ``--work DIR``, ``--out bench/results/audit_stages.md``). Uses the logs and the
settings of ``audit_bench.py`` (generated once, cached in ``--work``).

What is measured, in one run:

* **the Squid kernel** (``squid_jit.parse_chunk``): CPU per line over the first 1M lines,
  against the reference parser (``squid.parse_line``, the anchor) on the first 100,000;
* **run_audit in process**, three times over the same log: with the stage tables as
  Parquet files (what ``boardline audit`` does) saving into an empty findings database,
  the same again (every finding already known), and with the tables kept in the run's
  DuckDB file (``database``; every finding known). The stage callback marks the
  boundaries; CPU is the process's (all threads).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from audit_bench import DEFAULT_UT1, boardline_config, generate  # noqa: E402

from boardline.audit.options import ReportFormat  # noqa: E402
from boardline.audit.pipeline import AuditRequest, run_audit  # noqa: E402
from boardline.audit.readers import squid  # noqa: E402
from boardline.audit.readers.lines import Chunk, read_pieces  # noqa: E402
from boardline.audit.readers.squid_jit import parse_chunk  # noqa: E402
from boardline.audit.report_data import Audience  # noqa: E402
from boardline.bootstrap import bootstrap  # noqa: E402
from boardline.settings import load_settings  # noqa: E402
from boardline.storage.finding_store import SqlFindingStore  # noqa: E402

STAGES = ("read", "evaluate", "report", "save")


def kernel_rates(log: Path) -> tuple[float, float]:
    """CPU µs per line: the compiled kernel (first 1M lines), the reference parser (100k)."""
    chunks: list[Chunk] = []
    lines = 0
    for piece in read_pieces(log):
        if isinstance(piece, Chunk):
            chunks.append(piece)
            lines += piece.lines
            if lines >= 1_000_000:
                break
    parse_chunk(chunks[0].data, chunks[0].lines)  # compiled (or loaded from the cache)
    start = time.process_time()
    for chunk in chunks:
        parse_chunk(chunk.data, chunk.lines)
    kernel = (time.process_time() - start) / lines * 1e6
    sample = [raw.decode("ascii") for raw in chunks[0].data.split(b"\n")[:-1]]
    sample = (sample * (100_000 // len(sample) + 1))[:100_000]
    start = time.process_time()
    for text in sample:
        squid.parse_line(text, "squid")
    reference = (time.process_time() - start) / len(sample) * 1e6
    return kernel, reference


def stages(
    log: Path, config: Path, findings_url: str, database: Path | None
) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds per stage of one in-process audit."""
    rt = bootstrap(load_settings(config))
    compiled, facts = rt.snapshot()
    zone = compiled.zone
    request = AuditRequest(
        logs=(log,),
        out=log.with_suffix(".stages.json"),
        operator="bench",
        audience=Audience.ADMINISTRATOR,
        report_format=ReportFormat.JSON,
        since=dt.datetime(2026, 10, 5, tzinfo=zone),
        until=dt.datetime(2026, 10, 10, tzinfo=zone),
        database=database,
    )
    marks: list[tuple[str, float, float]] = []

    def stage(name: str) -> None:
        marks.append((name, time.perf_counter(), time.process_time()))

    with SqlFindingStore(findings_url) as store:
        run_audit(request, compiled, facts, findings=store, clock=_now, stage=stage)
    stage("end")
    return {
        name: (wall_next - wall, cpu_next - cpu)
        for (name, wall, cpu), (_, wall_next, cpu_next) in itertools.pairwise(marks)
    }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--ut1", type=Path, default=DEFAULT_UT1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/boardline-audit-bench"))
    parser.add_argument("--out", type=Path, default=HERE / "results" / "audit_stages.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    log = args.work / f"access-{args.lines}.log"
    generate(log, args.lines, args.ut1)
    config = boardline_config(args.work, args.ut1)
    kernel, reference = kernel_rates(log)
    print(f"kernel {kernel:.2f} µs/line, reference parser {reference:.2f} µs/line", flush=True)
    runs: list[tuple[str, dict[str, tuple[float, float]]]] = []
    with tempfile.TemporaryDirectory(prefix="boardline-stages-") as folder:
        url = f"sqlite:///{Path(folder) / 'findings.db'}"
        plan: list[tuple[str, Callable[[], Path | None]]] = [
            ("Parquet stage files, findings new", lambda: None),
            ("Parquet stage files, findings known", lambda: None),
            ("tables in the run's DuckDB file, findings known", lambda: Path(folder) / "run.db"),
        ]
        for label, database in plan:
            measured = stages(log, config, url, database())
            print(label, {k: f"{w:.2f}/{c:.2f}" for k, (w, c) in measured.items()}, flush=True)
            runs.append((label, measured))
    header = "| run | " + " | ".join(f"{s} (wall / CPU s)" for s in STAGES) + " |"
    lines = [
        "# Audit stages",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Command: `.venv/bin/python bench/audit_stages.py "
        f"--lines {args.lines}`. Load average (1 min) {os.getloadavg()[0]:.1f} at the end.",
        "",
        f"Squid kernel: {kernel:.2f} µs of CPU a line (first 1M lines); the reference parser "
        f"{reference:.2f} µs (first 100,000), {reference / kernel:.0f}× more.",
        "",
        f"`run_audit` in process over {args.lines:,} lines:",
        "",
        header,
        "|---|" + "--:|" * len(STAGES),
    ]
    for label, measured in runs:
        cells = [
            f"{measured[s][0]:.2f} / {measured[s][1]:.2f}" if s in measured else "—" for s in STAGES
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    report = "\n".join([*lines, ""])
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
