"""Audit benchmark: ``boardline audit`` against sarg and GoAccess on the same Squid log.

Run: ``.venv/bin/python bench/audit_bench.py`` (options: ``--sizes 1000000,2000000,5000000,
10000000``, ``--ut1 PATH``, ``--work DIR``, ``--skip-anchors``, ``--out
bench/results/audit.md``). Needs Debian's ``sarg`` and ``goaccess`` (``apt-get install -y
sarg goaccess``); bench-only, the product uses neither.

What is measured, all in one run on the same files:

* **the log**: Squid's native format, generated here (seed 5460) for the demo
  district: a school week (Mon 5 – Fri 9 October 2026, 06:00–22:00 Cut Bank time),
  clients from the demo address plan (staff laptops, BYOD with proxy logins,
  student and guest networks), hosts drawn Zipf-like from several UT1 lists (the
  same request pool as ``helper_bench.py``), ~55 % CONNECT tunnels. Each size is
  generated on its own with the same distribution and cached in ``--work``.
* **Boardline**: ``boardline audit LOG --format json`` with the *full* UT1 snapshot
  (every category) and the demo pack: read and parse, evaluate policy 5460 for
  every line (identity, school hours, categories, exceptions), count visits,
  aggregate the report and save the findings. Wall time and peak RSS come from
  ``/usr/bin/time``; lines/s is lines in the file over wall time, start-up included.
* **sarg 2.4** on the same file (report files written to ``--work``; their size is
  reported) and **GoAccess 1.7** with the custom format equivalent to its SQUID
  preset without the syslog prefix (``%x.%^ %~%L %h %^/%s %b %m %U %^``), JSON
  output. Both only count; neither evaluates a policy.
* **Python loop**: a plain single-threaded loop that splits each line, takes the
  host and suffix-walks a dict of every UT1 domain — categorising only.

Time growth from the smallest to the largest size is reported (it should be linear).

Boardline runs once untimed on a small log first: the first run after an install or an
upgrade compiles the audit's numba kernels and caches them on disk (a few seconds, once).
At the largest size Boardline runs ``--repeat`` times (default 3) and the median run is
the one compared: it uses both cores of a shared machine, so its wall time moves more
between runs than the single-threaded anchors' (each anchor runs once; sarg alone takes
minutes).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from helper_bench import Request, make_stream  # noqa: E402

DEFAULT_UT1 = ROOT.parent / "shared" / "datasets" / "ut1"
BOARDLINE = ROOT / ".venv" / "bin" / "boardline"
SEED = 5460
#: Monday 5 October 2026, 00:00 in America/Denver (UTC-6 in October).
WEEK_START = 1791180000
DAYS = 5
GOACCESS_FORMAT = "%x.%^ %~%L %h %^/%s %b %m %U %^"


@dataclass(frozen=True, slots=True)
class Measure:
    tool: str
    lines: int
    seconds: float
    peak_mb: float
    note: str = ""
    #: User plus system CPU seconds of the process and its threads (GNU time).
    cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return self.lines / self.cpu if self.cpu else 0.0


def squid_line(ts: float, req: Request, rng: random.Random) -> str:
    if req.method == "CONNECT":
        status, url, mime = "TCP_TUNNEL/200", f"{req.host}:443", "-"
    else:
        status = rng.choice(("TCP_MISS/200", "TCP_MISS/200", "TCP_HIT/200", "TCP_MISS/304"))
        url, mime = f"http://{req.host}{req.path or '/'}", "text/html"
    size = rng.randrange(300, 90000)
    elapsed = rng.randrange(1, 900)
    user = req.user or "-"
    return (
        f"{ts:.3f} {elapsed:6d} {req.client} {status} {size} {req.method} {url} {user} "
        f"HIER_DIRECT/127.0.0.1 {mime}\n"
    )


def generate(path: Path, lines: int, ut1: Path) -> None:
    """A time-ordered week of ``lines`` lines; written in blocks, never held whole."""
    if path.exists() and path.stat().st_size > 0:
        return
    rng = random.Random(SEED + lines)
    pool = make_stream(200_000, ut1, SEED)
    per_day = lines // DAYS
    tmp = path.with_suffix(".part")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("w", encoding="ascii", errors="replace") as out:
        written = 0
        for day in range(DAYS):
            count = per_day if day < DAYS - 1 else lines - written
            start = WEEK_START + day * 86400 + 6 * 3600
            step = 16 * 3600 / max(count, 1)
            block: list[str] = []
            for i in range(count):
                block.append(squid_line(start + i * step, pool[rng.randrange(len(pool))], rng))
                if len(block) == 50_000:
                    out.write("".join(block))
                    block.clear()
            out.write("".join(block))
            written += count
    tmp.rename(path)


def timed(cmd: Sequence[str], cwd: Path) -> tuple[float, float, float, str]:
    """Wall seconds, peak RSS (MB) and CPU seconds of a command, via GNU time; its stderr tail.

    The machine is shared, so wall time depends on what else runs; CPU time (user plus
    system, all threads) is the steadier figure to compare runs by.
    """
    stats = cwd / "time.txt"
    full = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", str(stats), *cmd]
    start = time.perf_counter()
    done = subprocess.run(full, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    _, peak_kb, user, system = stats.read_text().split()[-4:]
    return wall, int(peak_kb) / 1024, float(user) + float(system), done.stderr[-400:]


def boardline_config(work: Path, ut1: Path) -> Path:
    categories = sorted(p.name for p in ut1.iterdir() if (p / "domains").is_file())
    listed = ", ".join(f'"{c}"' for c in categories)
    path = work / "boardline.toml"
    path.write_text(
        f'state_dir = "{work / "state"}"\nut1 = "{ut1}"\nut1_categories = [{listed}]\n',
        encoding="utf-8",
    )
    return path


def run_boardline(log: Path, lines: int, config: Path, work: Path) -> Measure:
    out = work / f"report-{lines}.json"
    cmd = [
        str(BOARDLINE),
        "audit",
        str(log),
        "--from",
        "2026-10-05",
        "--to",
        "2026-10-09",
        "--format",
        "json",
        "--audience",
        "administrator",
        "--out",
        str(out),
        "--config",
        str(config),
    ]
    wall, peak, cpu, _ = timed(cmd, work)
    return Measure("boardline audit (DuckDB)", lines, wall, peak, cpu=cpu)


def run_sarg(log: Path, lines: int, work: Path) -> Measure:
    outdir = work / f"sarg-{lines}"
    shutil.rmtree(outdir, ignore_errors=True)
    conf = work / "sarg.conf"
    conf.write_text(
        f"output_dir {outdir}\nresolve_ip no\ndate_format e\noverwrite_report yes\n",
        encoding="ascii",
    )
    wall, peak, cpu, _ = timed(["sarg", "-f", str(conf), "-l", str(log), "-o", str(outdir)], work)
    size = sum(f.stat().st_size for f in outdir.rglob("*") if f.is_file())
    shutil.rmtree(outdir, ignore_errors=True)
    note = f"wrote {size / 2**20:,.0f} MiB of report"
    return Measure("sarg 2.4", lines, wall, peak, note, cpu)


def run_goaccess(log: Path, lines: int, work: Path) -> Measure:
    out = work / f"goaccess-{lines}.json"
    cmd = [
        "goaccess",
        str(log),
        f"--log-format={GOACCESS_FORMAT}",
        "--datetime-format=%s",
        "--no-progress",
        "-o",
        str(out),
    ]
    wall, peak, cpu, _ = timed(cmd, work)
    out.unlink(missing_ok=True)
    return Measure("GoAccess 1.7", lines, wall, peak, cpu=cpu)


LOOP = r"""
import sys, time
root = sys.argv[2]
import os
table = {}
for cat in os.listdir(root):
    p = os.path.join(root, cat, "domains")
    if os.path.isfile(p):
        with open(p, encoding="utf-8", errors="replace") as h:
            for raw in h:
                e = raw.strip().lower()
                if e and not e.startswith("#"):
                    table.setdefault(e, cat)
start = time.perf_counter()
counts = {}
with open(sys.argv[1], "rb") as h:
    for line in h:
        parts = line.split(None, 7)
        if len(parts) < 7:
            continue
        url = parts[6].decode("ascii", "replace").lower()
        host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        labels = host.split(".")
        for i in range(len(labels)):
            cat = table.get(".".join(labels[i:]))
            if cat is not None:
                counts[cat] = counts.get(cat, 0) + 1
                break
print(time.perf_counter() - start)
"""


def run_loop(log: Path, lines: int, ut1: Path, work: Path) -> Measure:
    script = work / "loop.py"
    script.write_text(LOOP, encoding="utf-8")
    wall, peak, cpu, _ = timed([sys.executable, str(script), str(log), str(ut1)], work)
    note = "includes loading UT1"
    return Measure("Python loop (categorise only)", lines, wall, peak, note, cpu)


def table(rows: Sequence[Measure]) -> str:
    out = [
        "| tool | lines | seconds | lines/s | CPU s | lines per CPU s | peak RSS MB | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    out.extend(
        f"| {m.tool} | {m.lines:,} | {m.seconds:.1f} | {m.rate:,.0f} | {m.cpu:.1f} "
        f"| {m.cpu_rate:,.0f} | {m.peak_mb:,.0f} | {m.note} |"
        for m in rows
    )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,2000000,5000000,10000000")
    parser.add_argument("--ut1", type=Path, default=DEFAULT_UT1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/boardline-audit-bench"))
    parser.add_argument("--skip-anchors", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="Boardline runs at the largest size")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "audit.md")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    config = boardline_config(work, args.ut1)
    rows: list[Measure] = []
    scaling: list[Measure] = []
    load_before = os.getloadavg()[0]
    warm = work / "warm-up.log"
    generate(warm, 20_000, args.ut1)
    run_boardline(warm, 20_000, config, work)  # compiles and caches the kernels, untimed
    runs: list[Measure] = []
    for lines in sizes:
        log = work / f"access-{lines}.log"
        print(f"generating {lines:,} lines …", flush=True)
        generate(log, lines, args.ut1)
        repeats = args.repeat if lines == sizes[-1] else 1
        measured = []
        for _ in range(max(repeats, 1)):
            m = run_boardline(log, lines, config, work)
            print(
                f"  boardline: {m.seconds:.1f} s ({m.cpu:.1f} s CPU), {m.rate:,.0f} lines/s, "
                f"{m.peak_mb:.0f} MB",
                flush=True,
            )
            measured.append(m)
        runs = measured
        scaling.append(sorted(measured, key=lambda r: r.seconds)[len(measured) // 2])
    largest = work / f"access-{sizes[-1]}.log"
    rows.append(scaling[-1])
    if not args.skip_anchors:
        for run in (
            lambda: run_sarg(largest, sizes[-1], work),
            lambda: run_goaccess(largest, sizes[-1], work),
            lambda: run_loop(largest, sizes[-1], args.ut1, work),
        ):
            m = run()
            print(
                f"  {m.tool}: {m.seconds:.1f} s ({m.cpu:.1f} s CPU), {m.rate:,.0f} lines/s",
                flush=True,
            )
            rows.append(m)
    ours = scaling[-1]
    ratios = [
        f"- Boardline vs {m.tool}: {ours.rate / m.rate:.2f}× lines/s, "
        f"{ours.cpu_rate / m.cpu_rate:.2f}× lines per CPU second"
        for m in rows[1:]
        if m.rate and m.cpu_rate
    ]
    spread = ", ".join(f"{r.seconds:.1f}" for r in runs)
    ratios.append(
        f"- Boardline at {sizes[-1]:,} lines, each of the {len(runs)} runs: {spread} s "
        "(the median is the one in the table)"
    )
    first, last = scaling[0], scaling[-1]
    growth = (last.seconds / first.seconds) / (last.lines / first.lines)
    cpu_growth = (last.cpu / first.cpu) / (last.lines / first.lines) if first.cpu else 0.0
    load_after = os.getloadavg()[0]
    report = "\n".join(
        [
            "# Audit benchmark",
            "",
            f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}. Command: `.venv/bin/python bench/audit_bench.py "
            f"--sizes {args.sizes}`. Load average (1 min) {load_before:.1f} before, "
            f"{load_after:.1f} after; the 2 cores are shared, so compare CPU seconds too.",
            "",
            f"## Same {sizes[-1]:,}-line Squid log, full UT1 snapshot",
            "",
            table(rows),
            "",
            *ratios,
            "",
            "## Boardline from the smallest to the largest log",
            "",
            table(scaling),
            "",
            f"Time per line at {last.lines:,} lines over time per line at {first.lines:,}: "
            f"{growth:.2f} by wall time, {cpu_growth:.2f} by CPU time (1.00 is exactly "
            "linear). Peak memory from "
            f"{first.peak_mb:,.0f} MB to {last.peak_mb:,.0f} MB.",
            "",
        ]
    )
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
