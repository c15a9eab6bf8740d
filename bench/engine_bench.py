"""In-process decision throughput and latency, with the full UT1 snapshot loaded.

Run: ``.venv/bin/python bench/engine_bench.py [--ut1 ../shared/datasets/ut1] [--n 200000]``

The request mix is generated deterministically (seed 5460): staff by proxy login
and by address, students, guests and unknown addresses; hosts drawn from the
UT1 lists (social networks and other categories), the built-in catalogue and
sites in no list; instants spread over school days, evenings and weekends.

The anchor, measured in the same run on the same stream: a plain dictionary
walk that only categorises the host (suffix walk over a dict of the UT1 social
domains) and answers allow/deny — what a minimal Python helper does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from boardline.bootstrap import bootstrap  # noqa: E402
from boardline.directory.directory import Directory  # noqa: E402
from boardline.engine.evaluate import evaluate  # noqa: E402
from boardline.engine.evaluator import Evaluator  # noqa: E402
from boardline.model.decision import Decision  # noqa: E402
from boardline.model.events import Subject, WebAccess  # noqa: E402
from boardline.settings import Settings  # noqa: E402

DEFAULT_UT1 = ROOT.parent / "shared" / "datasets" / "ut1"


def read_domains(path: Path, limit: int | None = None) -> list[str]:
    out: list[str] = []
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                line = raw.strip()
                if line and not line.startswith("#"):
                    out.append(line)
                    if limit and len(out) >= limit:
                        break
    except OSError:
        pass
    return out


def ut1_categories(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "domains").is_file())


def make_stream(
    n: int, root: Path, staff: list[str], seed: int = 5460
) -> list[tuple[WebAccess, dt.datetime]]:
    """A proxy's view of a school week: popular sites repeat (Zipf), time moves forward."""
    rng = random.Random(seed)
    social = read_domains(root / "social_networks" / "domains", 20000)
    others: list[str] = []
    for category in (
        "press",
        "shopping",
        "sports",
        "educational_games",
        "webmail",
        "adult",
        "games",
    ):
        others += read_domains(root / category / "domains", 5000)
    builtin = [
        "www.facebook.com",
        "scontent.cdninstagram.com",
        "www.tiktok.com",
        "x.com",
        "www.reddit.com",
    ]
    unlisted = [f"site{n}.example.org" for n in range(2000)]
    users = ["noah.hale", "lily.baker"]  # students who log in to the proxy too
    zone = ZoneInfo("America/Denver")
    days = [dt.date(2026, 10, 5) + dt.timedelta(days=d) for d in range(21)]
    pool: list[str] = []
    for _ in range(20000):
        r = rng.random()
        if r < 0.25:
            host = rng.choice(social)
        elif r < 0.35:
            host = rng.choice(builtin)
        elif r < 0.75:
            host = rng.choice(others)
        else:
            host = rng.choice(unlisted)
        if rng.random() < 0.5 and not host.startswith("www."):
            host = "www." + host
        pool.append(host)
    weights = [1.0 / (rank + 1) for rank in range(len(pool))]
    hosts = rng.choices(pool, weights=weights, k=n)
    # Each person keeps one address for the week, as on a real district network.
    subjects = [
        Subject(name, f"127.20.{n // 250}.{n % 250 + 2}") for n, name in enumerate(users + staff)
    ]
    subjects += [
        Subject(None, address) for address in ("127.10.1.10", "127.10.1.11", "127.10.1.12")
    ]
    subjects += [Subject(None, f"127.30.{n // 250}.{n % 250 + 2}") for n in range(600)]
    subjects += [Subject(None, f"127.40.0.{n + 2}") for n in range(50)]
    stream: list[tuple[WebAccess, dt.datetime]] = []
    for i in range(n):
        host = hosts[i]
        subject = rng.choice(subjects)
        minute = rng.randrange(6 * 60, 22 * 60)
        at = dt.datetime.combine(rng.choice(days), dt.time(minute // 60, minute % 60), zone)
        stream.append((WebAccess(subject, host, "/", "GET", True, str(i)), at.astimezone(dt.UTC)))
    stream.sort(key=lambda pair: pair[1])
    return stream


@dataclass(frozen=True)
class Result:
    rate: float
    p50: float
    p99: float
    effects: dict[str, int]


def measure(
    decide: Callable[[WebAccess, dt.datetime], Decision],
    stream: list[tuple[WebAccess, dt.datetime]],
) -> Result:
    gc.collect()
    gc.disable()
    latencies: list[int] = []
    clock = time.perf_counter_ns
    effects: dict[str, int] = {}
    started = time.perf_counter()
    for event, at in stream:
        t0 = clock()
        decision = decide(event, at)
        latencies.append(clock() - t0)
        effects[decision.effect.value] = effects.get(decision.effect.value, 0) + 1
    total = time.perf_counter() - started
    gc.enable()
    latencies.sort()
    return Result(
        len(stream) / total,
        latencies[len(latencies) // 2] / 1000,
        latencies[int(len(latencies) * 0.99)] / 1000,
        effects,
    )


def cpu_model() -> str:
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def anchor(stream: list[tuple[WebAccess, dt.datetime]], root: Path) -> float:
    social = dict.fromkeys(read_domains(root / "social_networks" / "domains"), "social_networks")
    hosts = [event.host for event, _ in stream]
    started = time.perf_counter()
    denied = 0
    for host in hosts:
        labels = host.split(".")
        for i in range(len(labels) - 1):
            if ".".join(labels[i:]) in social:
                denied += 1
                break
    elapsed = time.perf_counter() - started
    return len(hosts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ut1", type=Path, default=DEFAULT_UT1)
    parser.add_argument("--n", type=int, default=200_000)
    args = parser.parse_args()
    root: Path = args.ut1
    categories = ut1_categories(root)
    with tempfile.TemporaryDirectory() as state:
        before = rss_mb()
        started = time.perf_counter()
        rt = bootstrap(Settings(state_dir=state, ut1=str(root), ut1_categories=tuple(categories)))
        load_s = time.perf_counter() - started
        loaded_rss = rss_mb()
        pack, facts = rt.snapshot()
        directory = rt.facts.directory
        assert isinstance(directory, Directory)
        staff = sorted(p.username for p in directory.people() if p.is_staff)
        stream = make_stream(args.n, root, staff)
        # Warm-up: the same stream once (as a proxy's steady state sees repeated hosts).
        for event, at in stream[:20000]:
            evaluate(event, facts, pack, at)
        raw = measure(lambda e, a: evaluate(e, facts, pack, a), stream)
        evaluator = Evaluator(pack, facts)
        memo = measure(evaluator.decide, stream)
        anchor_rate = anchor(stream, root)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"UT1 categories loaded: {len(categories)}; load {load_s:.2f} s; "
        f"RSS {before:.0f} -> {loaded_rss:.0f} MB"
    )
    print(f"decisions: {len(stream)}  effects: {memo.effects}")
    for name, result in (("evaluate() (no reuse)", raw), ("Evaluator (as deployed)", memo)):
        print(
            f"{name}: {result.rate:,.0f} decisions/s  p50 {result.p50:.1f} us  "
            f"p99 {result.p99:.1f} us"
        )
    print(f"anchor (dict walk, categorise only): {anchor_rate:,.0f} hosts/s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
