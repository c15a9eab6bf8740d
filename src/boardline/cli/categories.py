"""``boardline categories``: look hosts and URLs up, import UT1 category lists."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from boardline.categories import (
    CategoryIndex,
    CategoryIndexBuilder,
    Ut1Import,
    builtin_catalogue,
    load_ut1,
    split_target,
)
from boardline.cli.output import console, emit_json, err_console, fail
from boardline.model.errors import InputError, Problem
from boardline.policy.pack_loader import load_pack

app = typer.Typer(help="Domain categories: look hosts and URLs up, import UT1 lists.")

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
OnlyOpt = Annotated[
    str | None,
    typer.Option("--only", help="Comma-separated UT1 categories to read (default: all)."),
]
#: Problems printed one by one; the JSON output has them all.
SHOWN_PROBLEMS = 20


@app.command()
def lookup(
    targets: Annotated[
        list[str], typer.Argument(help="URLs or hosts, e.g. https://www.instagram.com/x or t.co")
    ],
    ut1: Annotated[
        Path | None, typer.Option("--ut1", help="Also read this UT1 folder.", show_default=False)
    ] = None,
    only: OnlyOpt = None,
    pack: Annotated[
        Path | None,
        typer.Option("--pack", help="Apply this pack's category overrides.", show_default=False),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show the categories of each URL or host and the entries that put it there."""
    builder = builtin_catalogue().index()
    if ut1 is not None:
        imported = _load(ut1, only, builder)
        _warn(imported.problems)
    index = builder.build()
    if pack is not None:
        try:
            index = index.with_overrides(load_pack(pack).category_overrides)
        except InputError as exc:
            fail(exc)
    if json_out:
        emit_json([_lookup_json(index, target) for target in targets])
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("target", "categories", "matched entries"):
        table.add_column(column)
    for target in targets:
        host, path = split_target(target)
        entries = "\n".join(
            [
                f"{m.category}: {m.entry} ({', '.join(v for v in (m.service, m.source) if v)})"
                for m in index.explain(host, path)
            ]
            + [
                f"not {r.match.category}: {r.override} ({r.reason})"
                for r in index.explain_removed(host, path)
            ]
        )
        table.add_row(target, ", ".join(sorted(index.lookup(host, path))) or "—", entries)
    console.print(table)


@app.command("import")
def import_(
    directory: Annotated[Path, typer.Argument(help="A UT1 folder (one folder per category).")],
    only: OnlyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Read a UT1 folder: counts per category, bad lines, load time and memory."""
    started = time.perf_counter()
    imported = _load(directory, only, CategoryIndexBuilder())
    index = imported.build()
    seconds = time.perf_counter() - started
    if json_out:
        emit_json(_report(imported, index, seconds))
        return
    _warn(imported.problems)
    table = Table(show_header=True, header_style="bold")
    for column in ("category", "folder", "domains", "urls", "bad lines", "usage"):
        table.add_column(column, justify="right" if column in {"domains", "urls"} else "left")
    for c in imported.categories:
        table.add_row(
            c.category,
            c.folder,
            f"{c.domains:,}",
            f"{c.urls:,}",
            str(c.bad_lines),
            ",".join(c.usage),
        )
    console.print(table)
    if imported.aliases:
        aliases = ", ".join(f"{a} → {t}" for a, t in sorted(imported.aliases.items()))
        console.print(f"aliases: {aliases}")
    stats = index.stats
    console.print(
        f"{len(imported.categories)} categories, {stats.domains:,} distinct domains, "
        f"{stats.urls:,} URLs, {imported.bad_lines} bad lines; loaded in {seconds:.2f} s; "
        f"index {stats.memory_bytes / 2**20:.1f} MiB "
        f"({'exact' if stats.exact else 'fingerprints'}), "
        f"process {_status_bytes('VmRSS') / 2**20:.0f} MiB resident, "
        f"peak {_status_bytes('VmHWM') / 2**20:.0f} MiB"
    )


def _load(directory: Path, only: str | None, builder: CategoryIndexBuilder) -> Ut1Import:
    wanted = [name.strip() for name in only.split(",") if name.strip()] if only else None
    try:
        return load_ut1(directory, wanted, builder=builder)
    except InputError as exc:
        fail(exc)


def _lookup_json(index: CategoryIndex, target: str) -> dict[str, object]:
    host, path = split_target(target)
    return {
        "target": target,
        "host": host,
        "path": path,
        "categories": sorted(index.lookup(host, path)),
        "matches": [
            {"category": m.category, "entry": m.entry, "source": m.source, "service": m.service}
            for m in index.explain(host, path)
        ],
    }


def _report(imported: Ut1Import, index: CategoryIndex, seconds: float) -> dict[str, object]:
    stats = index.stats
    return {
        "root": str(imported.root),
        "seconds": round(seconds, 3),
        "categories": [
            {
                "category": c.category,
                "folder": c.folder,
                "domains": c.domains,
                "urls": c.urls,
                "bad_lines": c.bad_lines,
                "usage": list(c.usage),
                "ignored_files": list(c.ignored),
            }
            for c in imported.categories
        ],
        "aliases": dict(imported.aliases),
        "bad_lines": imported.bad_lines,
        "problems": [str(p) for p in imported.problems],
        "index": {
            "distinct_domains": stats.domains,
            "urls": stats.urls,
            "exact": stats.exact,
            "false_positive_per_probe": stats.false_positive_per_probe,
        },
        "memory": {
            "index_bytes": stats.memory_bytes,
            "rss_bytes": _status_bytes("VmRSS"),
            "peak_rss_bytes": _status_bytes("VmHWM"),
        },
    }


def _warn(problems: tuple[Problem, ...]) -> None:
    for problem in problems[:SHOWN_PROBLEMS]:
        err_console.print(f"[yellow]warning:[/yellow] {problem}", markup=True, soft_wrap=True)
    if len(problems) > SHOWN_PROBLEMS:
        err_console.print(
            f"[yellow]warning:[/yellow] {len(problems) - SHOWN_PROBLEMS} more problems "
            "(--json lists them all)",
            markup=True,
        )


def _status_bytes(field: str) -> int:
    """A memory figure of this process from /proc (0 where there is no /proc)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return 0
    found = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else 0
