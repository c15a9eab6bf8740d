"""Decision-log throughput: lines/s for write+flush in batches, with and without fsync.

Run: ``.venv/bin/python bench/decision_log_bench.py [--n 50000] [--seconds 3] [--dir DIR]``

The decisions are real: the demo district's pack and facts decide a stream of
web requests (students by login and by address, staff, unknown addresses) once,
before timing. Each configuration then writes them through
:class:`~boardline.enforcement.decision_log.DecisionLogWriter` exactly as an
enforcement point does — ``write`` for every decision of a batch, ``flush``
before the batch would be acknowledged — with masking on and the directory
lookup that keeps staff in clear. Rotation is on (64 MiB). A configuration stops
after ``--n`` lines or ``--seconds``, whichever comes first (fsync at one line
per batch is slow). ``--dir`` should be on the disk the log will live on: fsync
on a tmpfs costs nothing and proves nothing.

Columns: lines/s; MB/s written; p99 of one ``flush`` in ms; and, for reference,
how many lines/s encoding alone manages (the general record + mask + JSON path,
and the writer's pre-encoded fast path for web decisions) and how many the
engine decides — the log's share of a helper's time per line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from boardline.bootstrap import case_facts_loader  # noqa: E402
from boardline.enforcement.decision_log import DecisionLogWriter  # noqa: E402
from boardline.enforcement.decision_log_record import encode_line, record  # noqa: E402
from boardline.enforcement.decision_log_template import WebLineEncoder  # noqa: E402
from boardline.enforcement.masking import Pseudonymiser, mask_record  # noqa: E402
from boardline.engine.cases import FactsSpec  # noqa: E402
from boardline.engine.evaluate import evaluate  # noqa: E402
from boardline.model.decision import Decision  # noqa: E402
from boardline.model.events import Subject, WebAccess  # noqa: E402
from boardline.policy.pack import Role  # noqa: E402

KEY = b"bench-key-0123456789abcdefghijkl"
HOSTS = ("www.facebook.com", "www.instagram.com", "en.wikipedia.org", "example.org", "x.com")


def stream(n: int, students: list[str]) -> list[tuple[WebAccess, dt.datetime]]:
    """Students by login, staff by login, and addresses nobody can be tied to."""
    staff = ["mrivera", "jcarter", "tbaker", "gholt", "superintendent", "kdoyle"]
    subjects = [Subject(name, f"127.10.1.{10 + k}") for k, name in enumerate(staff * 20)]
    subjects += [Subject(name, f"127.30.2.{k % 250}") for k, name in enumerate(students)]
    subjects += [Subject(None, f"127.30.1.{k}") for k in range(2, 200)]
    start = dt.datetime(2026, 10, 13, 14, 0, tzinfo=dt.UTC)
    return [
        (
            WebAccess(subjects[i % len(subjects)], HOSTS[i % len(HOSTS)], f"/p{i % 97}?q={i}"),
            start + dt.timedelta(seconds=i / 50),
        )
        for i in range(n)
    ]


def run(
    pairs: list[tuple[Decision, WebAccess]],
    folder: Path,
    people: object,
    *,
    batch: int,
    fsync: bool,
    seconds: float,
) -> tuple[float, float, float]:
    path = folder / f"decisions-{batch}-{int(fsync)}.jsonl"
    writer = DecisionLogWriter(path, key=KEY, fsync=fsync, people=people)  # type: ignore[arg-type]
    flushes: list[float] = []
    gc.collect()
    gc.disable()
    done = 0
    begin = time.perf_counter()
    try:
        while done < len(pairs):
            for decision, event in pairs[done : done + batch]:
                writer.write(decision, event)
            t0 = time.perf_counter()
            writer.flush()
            flushes.append(time.perf_counter() - t0)
            done = min(done + batch, len(pairs))
            if time.perf_counter() - begin > seconds:
                break
        elapsed = time.perf_counter() - begin
    finally:
        gc.enable()
        writer.close()
    size = sum(p.stat().st_size for p in folder.glob(f"{path.name}*"))
    flushes.sort()
    p99 = flushes[min(len(flushes) - 1, int(len(flushes) * 0.99))] * 1000
    return done / elapsed, size / elapsed / 1e6, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        pack, facts = case_facts_loader(folder / "state")(FactsSpec(), folder / "state")
        people_in = getattr(facts.directory, "people", lambda: ())
        students = [p.username for p in people_in() if p.role is Role.STUDENT][:300]
        requests = stream(args.n, students)
        t0 = time.perf_counter()
        decisions = [evaluate(event, facts, pack, now) for event, now in requests]
        decide_rate = len(decisions) / (time.perf_counter() - t0)
        pairs = [(d, e) for d, (e, _) in zip(decisions, requests, strict=True)]
        people = facts.directory.resolve
        roles: dict[str, int] = {}
        for d in decisions:
            person = people(d.subject) if d.subject else None
            role = person.role.value if person else "unknown"
            roles[role] = roles.get(role, 0) + 1

        pseudonym = Pseudonymiser(KEY)
        t0 = time.perf_counter()
        for d, e in pairs:
            person = people(d.subject) if d.subject else None
            role: Role | None = person.role if person else None
            encode_line(mask_record(record(d, e, role), pseudonym))
        encode_rate = len(pairs) / (time.perf_counter() - t0)
        # What the writer runs for web decisions: the pre-encoded fast path (same bytes).
        fast = WebLineEncoder(Pseudonymiser(KEY))
        t0 = time.perf_counter()
        for d, e in pairs:
            person = people(d.subject) if d.subject else None
            their_role = person.role if person else None
            username = person.username if person else None
            if fast.line(d, e, their_role, username) is None:
                line = record(d, e, their_role, username=username)
                encode_line(mask_record(line, pseudonym))
        fast_rate = len(pairs) / (time.perf_counter() - t0)

        print(
            f"# decision log bench — {platform.python_implementation()} "
            f"{platform.python_version()}, {os.cpu_count()} CPUs, dir {folder}"
        )
        print(f"# {len(pairs)} real decisions from the demo district; subjects {roles}")
        print(
            f"# engine decides {decide_rate:,.0f}/s; encoding alone (record+mask+JSON) "
            f"{encode_rate:,.0f} lines/s; the writer's fast path for web decisions "
            f"{fast_rate:,.0f} lines/s ({1e6 / fast_rate:.1f} µs a line)"
        )
        print()
        print(f"{'batch':>6} {'fsync':>6} {'lines/s':>12} {'MB/s':>8} {'p99 flush ms':>13}")
        for fsync in (False, True):
            for batch in (1, 16, 256):
                rate, mbps, p99 = run(
                    pairs, folder, people, batch=batch, fsync=fsync, seconds=args.seconds
                )
                print(f"{batch:>6} {'yes' if fsync else 'no':>6} {rate:>12,.0f} "
                      f"{mbps:>8.1f} {p99:>13.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
