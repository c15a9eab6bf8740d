"""Category index benchmark: load time, memory and lookup speed, against a plain ``set``.

Run: ``.venv/bin/python bench/categories_bench.py`` (``--quick`` for a smoke run,
``--no-readme`` to leave bench/README.md alone).

Every measurement runs in a fresh interpreter (this script with ``--child``), so
peak resident memory (VmHWM, the same as ``getrusage().ru_maxrss``) belongs to
that measurement alone. Lists:

* the UT1 snapshot in ../shared/datasets/ut1 (beside the checkout), all categories;
* a generated list of 5,000,000 domains in UT1 format, written to a temporary
  folder from a fixed seed (lengths and TLDs close to UT1's: ~15.7 characters).

The anchor, measured in the same run on the same lists: a Python ``set`` of the
domains (load and memory) and a naive suffix walk over it (lookups).

Lookups: 50% hits (list domains, half of them behind a ``www.`` or ``cdn.x.``
prefix) and 50% misses (random names under common TLDs), all distinct, with the
index's cache disabled ("uncached"); and a repeating workload (200,000 requests
drawn from 10,000 hosts, Zipf-like, as proxy traffic is) with the default cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

UT1 = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ut1"
HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
SEED = 5460
TLDS = [("com", 50), ("net", 8), ("org", 8), ("fr", 6), ("de", 4), ("ru", 4), ("info", 3)]
TLDS += [("co.uk", 3), ("io", 2), ("xyz", 2), ("com.br", 2)]


# -- generated list --------------------------------------------------------------------


def generate(n: int, folder: Path) -> list[str]:
    """Write ``n`` domains to ``folder/generated/domains``; return a sample of them."""
    rng = np.random.default_rng(SEED)
    label = rng.integers(5, 17, n)  # registrable label, 5..16 letters
    sub = np.where(rng.random(n) < 0.2, rng.integers(2, 9, n), 0)  # 20% have a subdomain
    names = [t for t, _ in TLDS]
    weights = np.array([w for _, w in TLDS], dtype=float)
    tld = rng.choice(len(names), n, p=weights / weights.sum())
    tld_len = np.array([len(t) for t in names])[tld]
    line = sub + (sub > 0) + label + 1 + tld_len + 1
    end = np.cumsum(line)
    start = end - line
    out = (rng.integers(0, 26, int(end[-1]), dtype=np.uint8) + ord("a")).astype(np.uint8)
    digits = rng.random(len(out)) < 0.05
    out[digits] = rng.integers(ord("0"), ord("9") + 1, int(digits.sum()), dtype=np.uint8)
    has_sub = sub > 0
    out[(start + sub)[has_sub]] = ord(".")
    dot = start + sub + has_sub + label
    out[dot] = ord(".")
    for k, name in enumerate(names):
        rows = dot[tld == k] + 1
        for j, char in enumerate(name.encode()):
            out[rows + j] = char
    out[end - 1] = ord("\n")
    target = folder / "generated"
    target.mkdir(parents=True, exist_ok=True)
    (target / "domains").write_bytes(out.tobytes())
    picks = np.random.default_rng(SEED + 1).choice(n, 60_000, replace=False)
    return [out[start[i] : end[i] - 1].tobytes().decode() for i in picks.tolist()]


def ut1_sample(root: Path) -> list[str]:
    domains: list[str] = []
    for path in sorted(root.glob("*/domains")):
        if path.parent.is_symlink():
            continue
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            entry = raw.strip().lower()
            if entry and not entry.startswith("#") and not entry[-1].isdigit():
                domains.append(entry)
    return random.Random(SEED).sample(sorted(set(domains)), 60_000)


def workloads(hits: list[str], folder: Path, name: str) -> Path:
    rng = random.Random(SEED + 2)
    letters = "abcdefghijklmnopqrstuvwxyz"
    hit_hosts = [rng.choice(["", "www.", "cdn.x."]) + h for h in hits[:50_000]]
    miss_hosts = [
        ".".join(
            "".join(rng.choices(letters, k=rng.randint(4, 11))) for _ in range(rng.randint(1, 3))
        )
        + "."
        + rng.choice(["com", "net", "org", "fr", "co.uk"])
        for _ in range(50_000)
    ]
    distinct = hit_hosts + miss_hosts
    popular = rng.sample(distinct, 10_000)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(popular))]
    repeating = rng.choices(popular, weights=weights, k=200_000)
    path = folder / f"{name}.workload.json"
    data = {"hits": hit_hosts, "misses": miss_hosts, "repeating": repeating}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- child measurements -----------------------------------------------------------------


def status_mib(field: str) -> float:
    text = Path("/proc/self/status").read_text(encoding="ascii")
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def peak_mib() -> float:
    """Peak resident size of this process: VmHWM.

    Not ``getrusage().ru_maxrss``: on Linux it survives ``exec``, so in a child
    started by this script it would report the parent's peak (reported, for
    reference, as ``ru_maxrss_mib``).
    """
    return status_mib("VmHWM")


def rate(fn: Callable[[str], object], hosts: list[str], repeats: int = 3) -> float:
    """Best-of-``repeats`` calls per second over ``hosts``."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for host in hosts:
            fn(host)
        best = min(best, time.perf_counter() - started)
    return len(hosts) / best


def child(kind: str, root: Path, workload_file: Path) -> dict[str, object]:
    # Memory is read right after loading, before the workload is in memory.
    if kind == "index":
        from boardline.categories import load_ut1

        base = status_mib("VmRSS")
        started = time.perf_counter()
        index = load_ut1(root).build()
        seconds = time.perf_counter() - started
        memory = status_mib("VmRSS"), peak_mib()
        work = json.loads(workload_file.read_text(encoding="utf-8"))
        stats = index.stats
        uncached = index.with_cache(0)
        lookup: Callable[[str], object] = lambda host: uncached.lookup(host, "/")  # noqa: E731
        cached_lookup: Callable[[str], object] = lambda host: index.lookup(host, "/")  # noqa: E731
        entries = stats.domains
        found = sum(1 for h in work["hits"] + work["misses"] if uncached.lookup(h, "/"))
        extra = {"exact": stats.exact, "fp_per_probe": stats.false_positive_per_probe}
    else:
        base = status_mib("VmRSS")
        started = time.perf_counter()
        domains: set[str] = set()
        for path in sorted(root.glob("*/domains")):
            if path.parent.is_symlink():
                continue
            with path.open(encoding="utf-8", errors="replace") as lines:
                for raw in lines:
                    entry = raw.strip().lower()
                    if entry and not entry.startswith("#"):
                        domains.add(entry)
        seconds = time.perf_counter() - started
        memory = status_mib("VmRSS"), peak_mib()
        work = json.loads(workload_file.read_text(encoding="utf-8"))

        def naive(host: str) -> list[str]:
            found = []
            name = host.lower()
            while True:
                if name in domains:
                    found.append(name)
                dot = name.find(".")
                if dot < 0:
                    return found
                name = name[dot + 1 :]

        lookup = cached_lookup = naive
        entries = len(domains)
        found = sum(1 for h in work["hits"] + work["misses"] if naive(h))
        extra = {}
    return {
        "kind": kind,
        "entries": entries,
        "load_s": seconds,
        "base_mib": base,
        "peak_mib": memory[1],
        "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_mib": memory[0],
        "hits_per_s": rate(lookup, work["hits"]),
        "misses_per_s": rate(lookup, work["misses"]),
        "mixed_per_s": rate(lookup, work["hits"] + work["misses"]),
        "cached_per_s": rate(cached_lookup, work["repeating"]),
        "found": found,
        **extra,
    }


def measure(kind: str, root: Path, workload: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, str(root), str(workload)]
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        sys.exit(f"{kind} on {root} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout))


# -- report ------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    cores = len(os.sched_getaffinity(0))
    return (
        f"{cores} cores (nproc), {model}, Python {platform.python_version()}, {platform.system()}"
    )


def table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    head = (
        "| list | structure | entries | load (s) | peak RSS (MiB) | RSS after load (MiB) "
        "| uncached hits/s | uncached misses/s | uncached mixed/s (µs each) | cached/s |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for name, r in rows:
        if r["kind"] == "index":
            structure = "CategoryIndex (" + ("exact" if r["exact"] else "fingerprints") + ")"
        else:
            structure = "anchor: Python set + suffix walk"
        mixed = r["mixed_per_s"]
        lines.append(
            f"| {name} | {structure} | {r['entries']:,} | {r['load_s']:.2f} "
            f"| {r['peak_mib']:.0f} | {r['rss_mib']:.0f} "
            f"| {r['hits_per_s']:,.0f} | {r['misses_per_s']:,.0f} "
            f"| {mixed:,.0f} ({1e6 / mixed:.1f}) | {r['cached_per_s']:,.0f} |"
        )
    return "\n".join(lines)


def write_readme(section: str) -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    start = text.find("\n## Categories")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + 1)
        rest = text[following:] if following >= 0 else "\n"
        text = text[:start] + "\n" + section.rstrip("\n") + "\n" + rest
    README.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="500,000 generated domains")
    parser.add_argument("--no-readme", action="store_true", help="print only")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "ROOT", "WORKLOAD"))
    args = parser.parse_args()
    if args.child:
        kind, root, workload = args.child
        print(json.dumps(child(kind, Path(root), Path(workload))))
        return
    n = 500_000 if args.quick else 5_000_000
    rows: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="boardline-categories-bench-") as tmp:
        folder = Path(tmp)
        print(f"generating {n:,} domains in {folder} ...", file=sys.stderr)
        generated = folder / "list"
        sample = generate(n, generated)
        lists = [
            ("UT1 snapshot, all categories", UT1, workloads(ut1_sample(UT1), folder, "ut1")),
            (f"generated, {n:,} domains", generated, workloads(sample, folder, "generated")),
        ]
        for name, root, workload in lists:
            for kind in ("index", "set"):
                print(f"measuring {kind} on {name} ...", file=sys.stderr)
                rows.append((name, measure(kind, root, workload)))
    for (name, a), (_, b) in zip(rows[::2], rows[1::2], strict=True):
        if a["found"] != b["found"]:
            print(f"warning: {name}: index found {a['found']}, set {b['found']}", file=sys.stderr)
    result = table(rows)
    base = rows[0][1]["base_mib"]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    section = (
        "## Categories\n\n"
        f"Machine: {machine()}; load average at the end of the run {load} "
        "(the machine is shared: a load above the core count slows every figure).\n\n"
        "Command: `.venv/bin/python bench/categories_bench.py` "
        "(see its docstring for the lists and workloads).\n\n"
        f"{result}\n\n"
        f"Resident memory includes the interpreter with numpy and the categories package "
        f"(about {base:.0f} MiB before loading anything; the set anchor starts lower, "
        "without numpy). The UT1 index also holds its 41,000 URL entries; the set anchor "
        "holds domains only. Index lookups include host normalisation (case, port, trailing "
        "dot, IP literals, IDN) and the URL-entry check; the naive walk does none of that.\n\n"
        "Reading the table: the UT1 snapshot fits the exactness budget, so its index "
        "confirms every hit on the key text; the 5-million list does not, and its index "
        "keeps 64-bit fingerprints only (false-positive bound per probe in "
        '`src/boardline/categories/table.py`). "uncached" is the cost of a host the '
        'helper has not seen recently; "cached" is what repeating proxy traffic costs '
        "(an LRU of 65,536 hosts in front of the table). The set anchor has no cache: "
        "its cached column is the same walk again.\n"
    )
    print(section)
    if not args.no_readme:
        write_readme(section)


if __name__ == "__main__":
    main()
