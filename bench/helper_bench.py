"""Squid helper benchmark: Boardline against squidGuard 1.6 and a plain Python dict helper.

Run: ``.venv/bin/python bench/helper_bench.py`` (options: ``--ut1 PATH``, ``--n 200000``,
``--sample 5000``, ``--out bench/results/helper.md``). Needs Debian's ``squidguard``
(``apt-get install -y squidguard``); bench-only, the product does not use it.

Every helper is a real subprocess fed through pipes, as Squid feeds it:

* **Boardline** ``boardline squid-helper --fields src,user,method,host,port,path,bucket``
  with and without ``--concurrent``, the demo pack (identity from the address plan
  and ``%un``, the school calendar, categories, exceptions) and UT1 loaded;
* **squidGuard 1.6** (the anchor), its databases built by this script with
  ``squidGuard -C all`` (timed apart), fed its own url_rewrite line format
  (``URL client_ip/fqdn ident method myip=... myport=...``), with 16 and with all
  66 UT1 categories as blocked ``dest`` classes;
* **dict walk**: a 30-line stdlib helper written to a temp file that suffix-walks a
  dict of the UT1 ``social_networks`` domains and answers OK/ERR.

One request stream for all (seed 5460): hosts drawn Zipf-like from UT1 lists of
several categories, Boardline's built-in catalogue and unlisted names; clients
from the demo district's address plan. Measured per helper process: start-up
(process start to first answer), throughput with a writer thread pushing the
whole stream and a reader counting replies, latency (round trips one line at a
time on a sample, as Squid does without ``concurrency``; for ``--concurrent``
with 50 lines in flight, as ``concurrency=50``), and VmRSS after the run.

Then the agreement check: squidGuard with only the ``social_networks`` dest and
Boardline with only UT1 ``social_networks`` loaded, every line from a covered staff
laptop at 10:00 on a school day, so that Boardline's deny means "host is social
networking"; per-line verdicts are compared and every difference is classified
(domain list, district override, built-in catalogue, URL list). A URL-list probe
then asks both about variants of every UT1 URL entry of two categories and
classifies each difference (squidGuard's string-prefix matching against
Boardline's segment boundaries, and the bugs either side shows).

The report is printed and written to ``bench/results/helper.md``. Whether the
decision log is on is read from the checkout (is a sink wired into
``boardline squid-helper``?) and stated in the report.
"""

from __future__ import annotations

import argparse
import bisect
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from boardline.bootstrap import load_categories  # noqa: E402
from boardline.categories import builtin_catalogue  # noqa: E402
from boardline.demo.district import DEMO_DEVICES  # noqa: E402
from boardline.demo.paths import demo_pack_path  # noqa: E402
from boardline.policy.pack_loader import load_pack  # noqa: E402
from boardline.settings import Settings  # noqa: E402

DEFAULT_UT1 = ROOT.parent / "shared" / "datasets" / "ut1"
BOARDLINE = ROOT / ".venv" / "bin" / "boardline"
FIELDS = "src,user,method,host,port,path,bucket"
CLOCK = "2026-10-06T10:00:00-06:00"  # a Tuesday, 10:00 in Cut Bank: school hours
BUCKET = "202610061000"
SEED = 5460
WINDOW = 50  # lines in flight with --concurrent, as the generated squid.conf's concurrency
STAFF_LAPTOP = "127.10.1.10"  # mrivera's district laptop: staff, covered by 5460
#: The 16 blocked categories of the smaller anchor configuration (all have domain lists).
BLOCKED_16 = (
    "social_networks",
    "audio-video",
    "chat",
    "cryptojacking",
    "dating",
    "drogue",
    "filehosting",
    "gambling",
    "games",
    "hacking",
    "lingerie",
    "mixed_adult",
    "publicite",
    "shopping",
    "vpn",
    "warez",
)
#: Categories the stream's hosts are drawn from (some blocked, some not).
STREAM_CATEGORIES = (
    "games",
    "gambling",
    "shopping",
    "press",
    "sports",
    "dating",
    "chat",
    "vpn",
    "warez",
    "webmail",
    "audio-video",
    "jobsearch",
    "shortener",
    "bank",
    "blog",
    "publicite",
)

DICT_HELPER = '''\
"""A minimal external ACL helper: ERR when the host is in the list, else OK."""
import sys


def main() -> None:
    concurrent = "--concurrent" in sys.argv[2:]
    table = {}
    with open(sys.argv[1], encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            entry = raw.strip().lower()
            if entry and not entry.startswith("#"):
                table[entry] = True
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        words = line.split()
        channel = words.pop(0) + b" " if concurrent and words else b""
        host = words[3].decode("utf-8", "replace").lower() if len(words) > 3 else ""
        labels = host.split(".")
        hit = any(".".join(labels[i:]) in table for i in range(len(labels)))
        out.write(channel + (b"ERR\\n" if hit else b"OK\\n"))
        out.flush()


if __name__ == "__main__":
    main()
'''


# -- the request stream ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    client: str
    user: str | None
    method: str
    host: str
    path: str  # "" for CONNECT

    def boardline(self) -> str:
        port = "443" if self.method == "CONNECT" else "80"
        path = quote(self.path, safe="/?&=%:;,+@!$'()*~") if self.path else "-"
        return f"{self.client} {self.user or '-'} {self.method} {self.host} {port} {path} {BUCKET}"

    def squidguard(self) -> str:
        url = f"{self.host}:443" if self.method == "CONNECT" else f"http://{self.host}{self.path}"
        return f"{url} {self.client}/- {self.user or '-'} {self.method} myip=127.0.0.1 myport=3128"


def read_list(path: Path, limit: int | None = None) -> list[str]:
    out: list[str] = []
    if not path.is_file():
        return out
    with path.open(encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            entry = raw.strip().lower()
            if entry and not entry.startswith("#") and " " not in entry:
                out.append(entry)
                if limit is not None and len(out) >= limit:
                    break
    return out


def _is_ip(host: str) -> bool:
    return host[-1:].isdigit() or ":" in host


def make_stream(n: int, root: Path, seed: int = SEED) -> list[Request]:
    """Popular sites repeat (Zipf over a pool of 20k draws); clients from the address plan."""
    rng = random.Random(seed)
    social = read_list(root / "social_networks" / "domains")
    others: list[str] = []
    for category in STREAM_CATEGORIES:
        others += read_list(root / category / "domains", 4000)
    url_entries: list[str] = []
    for category in ("social_networks", "games", "audio-video", "manga", "drogue"):
        url_entries += read_list(root / category / "urls", 300)
    builtin = sorted({d for s in builtin_catalogue().services for d in s.domains})
    pool: list[tuple[str, str | None]] = []  # (host, path of a URL entry or None)
    for _ in range(20000):
        r = rng.random()
        if r < 0.03:
            host, _, path = rng.choice(url_entries).partition("/")
            pool.append((host, "/" + path))
            continue
        if r < 0.25:
            host = rng.choice(social)
        elif r < 0.32:
            host = rng.choice(builtin)
        elif r < 0.72:
            host = rng.choice(others)
        else:
            host = f"site{rng.randrange(3000)}.example.org"
        if not _is_ip(host):
            s = rng.random()
            if s < 0.4:
                host = "www." + host
            elif s < 0.5:
                host = rng.choice(("m.", "cdn.", "api.", "static.")) + host
        pool.append((host, None))
    weights = [1.0 / (rank + 1) for rank in range(len(pool))]
    picks = rng.choices(pool, weights=weights, k=n)
    laptops = [  # staff district laptops at the high school and the middle school
        address
        for _, owner, managed, address, _ in DEMO_DEVICES
        if owner and managed and address.startswith(("127.10.1.", "127.10.2."))
    ]
    staff_users = ["mrivera", "jcarter", "gholt", "tbaker", "swong", "ecole", "superintendent"]
    paths = ["/", "/", "/index.html", "/search?q=homework", "/watch?v=abc123", "/login"]
    out: list[Request] = []
    for host, url_path in picks:
        r = rng.random()
        user: str | None = None
        if r < 0.15:
            client = rng.choice(laptops)
        elif r < 0.25:
            client = f"127.20.{rng.randrange(1, 4)}.{rng.randrange(30, 250)}"
            user = rng.choice(staff_users)
        elif r < 0.85:
            client = f"127.30.{rng.randrange(1, 4)}.{rng.randrange(2, 250)}"
        else:
            client = f"127.40.{rng.randrange(0, 4)}.{rng.randrange(2, 250)}"
        if url_path is None and rng.random() < 0.55:
            out.append(Request(client, user, "CONNECT", host, ""))
        else:
            path = url_path or rng.choice(paths)
            out.append(Request(client, user, "GET", host, path))
    return out


# -- driving a helper through pipes ------------------------------------------------------


@dataclass(slots=True)
class Encoded:
    """A stream as one blob of lines, with the offset where each line ends."""

    blob: bytes
    ends: list[int]

    @classmethod
    def of(cls, lines: Iterable[str], *, channels: bool) -> Encoded:
        parts = [
            (f"{i} {line}\n" if channels else f"{line}\n").encode() for i, line in enumerate(lines)
        ]
        ends: list[int] = []
        total = 0
        for part in parts:
            total += len(part)
            ends.append(total)
        return cls(b"".join(parts), ends)

    def __len__(self) -> int:
        return len(self.ends)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view[:65536]) :]


def _read_line(fd: int) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 65536)
        if not chunk:
            msg = "helper closed its output"
            raise RuntimeError(msg)
        data += chunk
    return data


class Reader(threading.Thread):
    """Reads replies until ``expected`` lines came back; notes (time, lines so far) per read."""

    def __init__(self, fd: int, expected: int, cond: threading.Condition) -> None:
        super().__init__(daemon=True)
        self.fd, self.expected, self.cond = fd, expected, cond
        self.received = 0
        self.chunks: list[bytes] = []
        self.marks: list[tuple[float, int]] = []

    def run(self) -> None:
        clock = time.perf_counter
        while self.received < self.expected:
            data = os.read(self.fd, 1 << 20)
            if not data:
                break
            now = clock()
            self.chunks.append(data)
            with self.cond:
                self.received += data.count(b"\n")
                self.cond.notify()
            self.marks.append((now, self.received))

    def replies(self) -> list[bytes]:
        return b"".join(self.chunks).splitlines()


class Helper:
    """One helper process; start-up is timed to the answer of the first line."""

    def __init__(self, cmd: Sequence[str], cwd: Path, probe: bytes, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOARDLINE_")}
        self._log = log.open("wb")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            bufsize=0,
        )
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.win, self.rout = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        _write_all(self.win, probe)
        self.first_reply = _read_line(self.rout)
        self.startup = time.perf_counter() - started

    def stream(self, enc: Encoded, window: int | None = None) -> Run:
        """Push ``enc`` (all at once, or ``window`` lines in flight) and collect the replies."""
        cond = threading.Condition()
        reader = Reader(self.rout, len(enc), cond)
        sends: list[tuple[float, int]] = []
        clock = time.perf_counter
        reader.start()
        started = clock()
        if window is None:
            _write_all(self.win, enc.blob)
        else:
            sent = 0
            while sent < len(enc):
                with cond:
                    while sent - reader.received >= window:
                        cond.wait()
                    upto = min(len(enc), reader.received + window)
                start = enc.ends[sent - 1] if sent else 0
                sends.append((clock(), upto))
                _write_all(self.win, memoryview(enc.blob)[start : enc.ends[upto - 1]])
                sent = upto
        reader.join(timeout=600)
        seconds = (reader.marks[-1][0] if reader.marks else clock()) - started
        if reader.received < len(enc):
            msg = f"only {reader.received} of {len(enc)} replies (see {self._log.name})"
            raise RuntimeError(msg)
        return Run(len(enc), seconds, reader.replies(), sends, reader.marks)

    def round_trips(self, lines: Sequence[bytes]) -> list[float]:
        """One line at a time, as Squid talks to a helper without ``concurrency``."""
        clock = time.perf_counter
        out: list[float] = []
        for line in lines:
            t0 = clock()
            _write_all(self.win, line)
            _read_line(self.rout)
            out.append(clock() - t0)
        return out

    def cpu_seconds(self) -> float:
        """User + system CPU time the helper has used so far."""
        with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory(self) -> tuple[float, float]:
        """VmRSS and VmHWM (peak) in MB, read from /proc."""
        values = {}
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    values[line[:5]] = int(line.split()[1]) / 1024
        return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self._log.close()


@dataclass(slots=True)
class Run:
    lines: int
    seconds: float
    replies: list[bytes]
    sends: list[tuple[float, int]]
    marks: list[tuple[float, int]]

    @property
    def rate(self) -> float:
        return self.lines / self.seconds

    def latencies(self) -> list[float]:
        """Per line: reply read minus send, for in-order replies (checked by the caller)."""
        send_upto = [upto for _, upto in self.sends]
        recv_upto = [count for _, count in self.marks]
        out = []
        for i in range(self.lines):
            sent_at = self.sends[bisect.bisect_right(send_upto, i)][0]
            got_at = self.marks[bisect.bisect_right(recv_upto, i)][0]
            out.append(got_at - sent_at)
        return out


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- verdicts ---------------------------------------------------------------------------


def boardline_verdicts(replies: Sequence[bytes], *, channels: bool) -> list[str]:
    """'allow', 'deny' or 'bh' per line; with channels, ordered by channel id."""
    out: dict[int, str] = {}
    for position, reply in enumerate(replies):
        words = reply.split(None, 2)
        index = position
        if channels:
            index = int(words.pop(0))
        head = words[0] if words else b""
        out[index] = {b"OK": "allow", b"ERR": "deny"}.get(head, "bh")
    return [out.get(i, "missing") for i in range(len(replies))]


def in_order(replies: Sequence[bytes]) -> bool:
    return all(r.split(None, 1)[0] == str(i).encode() for i, r in enumerate(replies))


def squidguard_verdicts(replies: Sequence[bytes]) -> list[str]:
    """squidGuard 1.6 answers ``OK rewrite-url=...`` to block and ``ERR`` (or "") to pass."""
    return ["deny" if r.startswith(b"OK") else "allow" for r in replies]


# -- set-up of the helpers --------------------------------------------------------------


def toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def boardline_config(
    tmp: Path,
    name: str,
    root: Path,
    categories: Sequence[str],
    *,
    pack: Path | None = None,
    decision_log: Path | None = None,
) -> Path:
    """A settings file; ``decision_log`` gives the run its own log, never rotated, to count."""
    path = tmp / f"{name}.toml"
    text = (
        f'state_dir = "{tmp / "state"}"\nut1 = "{root}"\n'
        f'ut1_categories = {toml_list(categories)}\nclock = "{CLOCK}"\n'
    )
    if pack is not None:
        text += f'pack = "{pack}"\n'
    if decision_log is not None and "decision_log" in Settings.model_fields:
        text += f'decision_log = "{decision_log}"\ndecision_log_max_mb = 100000\n'
    path.write_text(text, encoding="utf-8")
    return path


def count_and_remove(log: Path) -> int | None:
    """Lines in a decision log (then deleted: a run writes hundreds of MB), None if absent."""
    if not log.exists():
        return None
    lines = 0
    with log.open("rb") as handle:
        while block := handle.read(1 << 22):
            lines += block.count(b"\n")
    log.unlink()
    return lines


def boardline_cmd(config: Path, *, concurrent: bool = False) -> list[str]:
    cmd = [str(BOARDLINE), "squid-helper", "--fields", FIELDS, "--config", str(config)]
    return [*cmd, "--concurrent"] if concurrent else cmd


def squidguard_config(tmp: Path, name: str, dbhome: Path, categories: Sequence[str]) -> Path:
    dests = []
    for c in categories:
        lists = [f"\tdomainlist {c}/domains"]
        if (dbhome / c / "urls").exists():
            lists.append(f"\turllist {c}/urls")
        dests.append(f"dest {c} {{\n" + "\n".join(lists) + "\n}\n")
    blocked = " ".join(f"!{c}" for c in categories)
    (tmp / "sglog").mkdir(exist_ok=True)
    text = (
        f"dbhome {dbhome}\nlogdir {tmp / 'sglog'}\n\n"
        + "\n".join(dests)
        + f"\nacl {{\n\tdefault {{\n\t\tpass {blocked} all\n"
        "\t\tredirect http://127.0.0.1/blocked?url=%u\n\t}\n}\n"
    )
    path = tmp / f"{name}.conf"
    path.write_text(text, encoding="utf-8")
    return path


def build_squidguard(tmp: Path, name: str, root: Path, categories: Sequence[str]) -> Path:
    """A dbhome of links to the UT1 lists, and ``squidGuard -C all`` to build the .db files."""
    dbhome = tmp / f"db-{name}"
    for c in categories:
        (dbhome / c).mkdir(parents=True)
        for kind in ("domains", "urls"):
            if (root / c / kind).is_file():
                (dbhome / c / kind).symlink_to(root / c / kind)
    return dbhome


def squidguard_version() -> str:
    done = subprocess.run(
        ["squidGuard", "-v"],
        capture_output=True,
        text=True,
        check=False,
    )
    return (done.stdout + done.stderr).strip().splitlines()[0]


# -- machine facts ----------------------------------------------------------------------


def cpu_model() -> str:
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def git_revision() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    dirty = " (working tree has changes)" if git("status", "--porcelain", "--", "src") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def decision_log_state() -> str:
    module = ROOT / "src" / "boardline" / "enforcement" / "decision_log.py"
    cli = (ROOT / "src" / "boardline" / "cli" / "squid_helper.py").read_text(encoding="utf-8")
    if not module.exists():
        return "off: src/boardline/enforcement/decision_log.py does not exist yet"
    if "sink=" not in cli and "decision_log" not in cli:
        return "off: decision_log.py exists but `boardline squid-helper` does not wire a sink"
    return "on: `boardline squid-helper` wires the decision log"


# -- measuring --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setup:
    """What every measurement shares."""

    tmp: Path
    sample: Sequence[int]  # stream positions of the round-trip sample
    window_lines: int  # lines of the windowed run with --concurrent


@dataclass(slots=True)
class Row:
    helper: str
    lists: str
    mode: str
    rate: float
    cpu_us: float  # helper CPU time per line over the stream run
    startup: float
    rss: float
    peak: float
    latency: str  # how p50/p99 were taken
    p50: float
    p99: float
    one_in_flight: float | None  # lines/s with one line at a time
    verdicts: Counter[str] = field(default_factory=Counter)
    answered: int = 0  # every line the process answered (probe, stream, latency runs)
    logged: int | None = None  # lines in its decision log


def measure(
    helper: str,
    lists: str,
    cmd: Sequence[str],
    lines: Sequence[str],
    setup: Setup,
    *,
    concurrent: bool = False,
    parse: str = "boardline",
) -> Row:
    mode = "--concurrent" if concurrent else "no concurrency"
    print(f"  {helper} [{lists}] {mode} ...", file=sys.stderr, flush=True)
    enc = Encoded.of(lines, channels=concurrent)
    probe = enc.blob[: enc.ends[0]]
    proc = Helper(cmd, setup.tmp, probe, setup.tmp / f"helper-{time.monotonic_ns()}.log")
    try:
        cpu = proc.cpu_seconds()
        run = proc.stream(enc)
        cpu = proc.cpu_seconds() - cpu
        if parse == "squidguard":
            verdicts = squidguard_verdicts(run.replies)
        else:
            verdicts = boardline_verdicts(run.replies, channels=concurrent)
        if concurrent:
            part = Encoded.of(lines[: setup.window_lines], channels=True)
            windowed = proc.stream(part, window=WINDOW)
            if not in_order(windowed.replies):
                msg = "replies out of order; latency by channel is not implemented"
                raise RuntimeError(msg)
            lat = windowed.latencies()
            latency, one = f"{WINDOW} in flight, {len(part):,} lines", None
        else:
            raw = [f"{lines[i]}\n".encode() for i in setup.sample]
            lat = proc.round_trips(raw)
            latency, one = f"1 in flight, {len(raw):,} lines", len(lat) / sum(lat)
        rss, peak = proc.memory()
    finally:
        proc.close()
    return Row(
        helper,
        lists,
        mode,
        run.rate,
        cpu / run.lines * 1e6,
        proc.startup,
        rss,
        peak,
        latency,
        percentile(lat, 0.5) * 1e6,
        percentile(lat, 0.99) * 1e6,
        one,
        Counter(verdicts),
        answered=1 + run.lines + len(lat),
    )


def answers(cmd: Sequence[str], tmp: Path, lines: Sequence[str], *, squidguard: bool) -> list[str]:
    """Verdict per line from one pipelined run (for the agreement checks)."""
    enc = Encoded.of(lines, channels=False)
    proc = Helper(cmd, tmp, enc.blob[: enc.ends[0]], tmp / f"answers-{time.monotonic_ns()}.log")
    try:
        run = proc.stream(enc)
    finally:
        proc.close()
    if squidguard:
        return squidguard_verdicts(run.replies)
    return boardline_verdicts(run.replies, channels=False)


# -- agreement --------------------------------------------------------------------------


def suffix_hit(host: str, table: set[str]) -> str | None:
    labels = host.split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in table:
            return candidate
    return None


DOMAIN_LIST = "UT1 domain list read differently (must not happen)"


@dataclass(slots=True)
class Agreement:
    lines: int
    requests: int  # distinct (method, host, path) asked
    ut1_domain_lines: int
    agree: int  # lines
    causes: Counter[str]  # lines per cause of difference
    distinct: Counter[str]  # distinct requests per cause
    examples: list[str]

    def domain_list(self) -> int:
        return sum(v for k, v in self.causes.items() if k.startswith(DOMAIN_LIST))


def agreement(
    requests: Sequence[Request],
    weights: Sequence[int],
    sg: Sequence[str],
    bl: Sequence[str],
    root: Path,
) -> Agreement:
    """Compare per request (each weighed by its lines); classify every difference."""
    index = load_categories(
        Settings(ut1=str(root), ut1_categories=("social_networks",)), load_pack(demo_pack_path())
    )
    ut1 = set(read_list(root / "social_networks" / "domains"))
    url_entries = [e.partition("/") for e in read_list(root / "social_networks" / "urls")]
    causes: Counter[str] = Counter()
    distinct: Counter[str] = Counter()
    found: dict[str, list[str]] = {}
    domain_lines = 0
    for request, weight, a, b in zip(requests, weights, sg, bl, strict=True):
        if suffix_hit(request.host, ut1) is not None:
            domain_lines += weight
        if a == b:
            continue
        path = "" if request.method == "CONNECT" else request.path
        social = [m for m in index.explain(request.host, path) if m.category == "social_networks"]
        removed = [
            r
            for r in index.explain_removed(request.host, path)
            if r.match.category == "social_networks"
        ]
        prefix_url = any(
            request.host in (h, "www." + h) and path.startswith("/" + p) for h, _, p in url_entries
        )
        if b == "bh":
            cause = "Boardline answered BH"
        elif removed:
            cause = f"district override in the pack ({removed[0].override})"
        elif social and all(m.source == "builtin" for m in social):
            cause = "Boardline built-in catalogue entry, not in UT1"
        elif any("/" in m.entry for m in social) or prefix_url:
            cause = "URL list"
        else:
            cause = DOMAIN_LIST
        causes[cause] += weight
        distinct[cause] += 1
        found.setdefault(cause, []).append(
            f"`{request.method} {request.host}{path or ':443'}` ({weight} lines): "
            f"squidGuard {a}, Boardline {b} — {cause}"
        )
    # Up to 20 examples, every cause represented, the rarest causes first.
    examples: list[str] = []
    for cause, _ in sorted(distinct.items(), key=lambda item: item[1]):
        examples += found[cause][: max(1, (20 - len(examples)) // max(1, len(distinct)))]
    for cause in distinct:
        examples += [e for e in found[cause] if e not in examples][: 20 - len(examples)]
    total = sum(weights)
    return Agreement(
        total, len(requests), domain_lines, total - causes.total(), causes, distinct, examples[:20]
    )


#: How a request can differ from a URL entry; the order of the report's table.
URL_VARIANTS = (
    "as written",
    "without the trailing /",
    "a page below",
    "longer last segment",
    "parameter added",
    "www. in front",
    "subdomain m.",
    "CONNECT (no path)",
)


def url_variants(host: str, path: str, query: str) -> list[tuple[str, str, str]]:
    """(variant, host, path) for one entry; variants that make no sense for it are left out."""
    written = path + ("?" + query if query else "")
    base = path.rstrip("/") or "/"
    out = [("as written", host, written)]
    if path.endswith("/") and len(path) > 1:
        out.append(("without the trailing /", host, base + ("?" + query if query else "")))
    if not query:
        out.append(("a page below", host, base.rstrip("/") + "/page.html"))
    out.append(("longer last segment", host, written + "x" if query else base + "x"))
    out.append(("parameter added", host, written + ("&" if query else "?") + "utm=1"))
    out.append(("www. in front", "www." + host, written))
    out.append(("subdomain m.", "m." + host, written))
    return out


def url_probe(root: Path) -> tuple[list[tuple[str, str, Request]], int]:
    """Requests around each URL entry of social_networks and games whose host is not listed."""
    pack = demo_pack_path()
    index = load_categories(
        Settings(ut1=str(root), ut1_categories=("social_networks", "games")), load_pack(pack)
    )
    entries = read_list(root / "social_networks" / "urls") + read_list(root / "games" / "urls")
    probes: list[tuple[str, str, Request]] = []
    used = 0
    for entry in entries:
        host, _, rest = entry.partition("/")
        path, _, query = ("/" + rest).partition("?")
        if rest in {"", "/"} or ":" in host or _is_ip(host) or host.startswith("www."):
            continue
        if index.lookup(host, "") & {"social_networks", "games"}:
            continue  # the host is blocked whole by a domain list: nothing to compare
        used += 1
        probes.extend(
            (name, entry, Request(STAFF_LAPTOP, None, "GET", h, p))
            for name, h, p in url_variants(host, path, query)
        )
        connect = Request(STAFF_LAPTOP, None, "CONNECT", host, "")
        probes.append(("CONNECT (no path)", entry, connect))
    return probes, used


def derived_pack(tmp: Path, categories: Sequence[str]) -> Path:
    """The demo pack with its social-networking rule extended to ``categories``."""
    text = demo_pack_path().read_text(encoding="utf-8")
    old = "    categories: [social_networks]\n"
    if text.count(old) != 1:
        msg = "the demo pack's rule categories line changed; update derived_pack()"
        raise RuntimeError(msg)
    path = tmp / "url-probe.pack.yaml"
    path.write_text(text.replace(old, f"    categories: [{', '.join(categories)}]\n"), "utf-8")
    return path


# -- report -----------------------------------------------------------------------------


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def load_average() -> str:
    with open("/proc/loadavg", encoding="ascii") as handle:
        return " ".join(handle.read().split()[:3])


def table(rows: Sequence[Row]) -> list[str]:
    anchors = {r.lists: r.rate for r in rows if r.helper.startswith("squidGuard")}
    out = [
        "| helper | lists | mode | lines/s (stream) | vs squidGuard | helper CPU µs/line "
        "| lines/s (1 in flight) | p50 µs | p99 µs | latency taken with | start-up s "
        "| RSS MB (peak) | answers | decisions logged |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|---|--:|--:|---|--:|",
    ]
    for r in rows:
        anchor = anchors.get(r.lists)
        ratio = f"{r.rate / anchor:.2f}×" if anchor and r.helper == "Boardline" else ""
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(r.verdicts.items()))
        logged = "" if r.logged is None else f"{r.logged:,} of {r.answered:,}"
        out.append(
            f"| {r.helper} | {r.lists} | {r.mode} | {r.rate:,.0f} | {ratio} | {r.cpu_us:.1f} | "
            f"{fmt_rate(r.one_in_flight)} | {r.p50:,.0f} | {r.p99:,.0f} | {r.latency} | "
            f"{r.startup:.2f} | {r.rss:.0f} ({r.peak:.0f}) | {counts} | {logged} |"
        )
    return out


@dataclass(slots=True)
class Anchor:
    """squidGuard's databases and the dict helper, set up in the scratch folder."""

    homes: dict[str, Path]
    builds: dict[str, float]
    dict_script: Path


def set_up_anchors(tmp: Path, root: Path, all_categories: Sequence[str]) -> Anchor:
    """Build squidGuard's databases the way a district would (timed apart from the rates)."""
    builds: dict[str, float] = {}
    homes: dict[str, Path] = {}
    for name, cats in (("16", BLOCKED_16), ("66", all_categories)):
        homes[name] = build_squidguard(tmp, name, root, cats)
        conf = squidguard_config(tmp, f"sg{name}", homes[name], cats)
        t0 = time.perf_counter()
        subprocess.run(
            ["squidGuard", "-c", str(conf), "-C", "all"], check=True, capture_output=True
        )
        builds[name] = time.perf_counter() - t0
    dict_script = tmp / "dict_helper.py"
    dict_script.write_text(DICT_HELPER, encoding="utf-8")
    return Anchor(homes, builds, dict_script)


def measure_all(
    setup: Setup, root: Path, all_categories: Sequence[str], anchor: Anchor, stream: list[Request]
) -> list[Row]:
    tmp = setup.tmp
    bl_lines = [r.boardline() for r in stream]
    sg_lines = [r.squidguard() for r in stream]
    rows: list[Row] = []
    for n, cats in (("16", BLOCKED_16), ("66", all_categories)):
        cmd = ["squidGuard", "-c", str(tmp / f"sg{n}.conf")]
        lists = f"{len(cats)} UT1 categories"
        rows.append(measure("squidGuard 1.6", lists, cmd, sg_lines, setup, parse="squidguard"))
    social = root / "social_networks" / "domains"
    for concurrent in (False, True):
        cmd = [sys.executable, str(anchor.dict_script), str(social)]
        cmd += ["--concurrent"] if concurrent else []
        lists = "UT1 social_networks"
        rows.append(measure("dict walk", lists, cmd, bl_lines, setup, concurrent=concurrent))
    # The first start generates the demo district's roster into the state folder: not timed.
    first = boardline_config(tmp, "bl-first", root, BLOCKED_16)
    Helper(boardline_cmd(first), tmp, f"{bl_lines[0]}\n".encode(), tmp / "0.log").close()
    for cats in (BLOCKED_16, all_categories):
        for concurrent in (False, True):
            name = f"bl{len(cats)}{'c' if concurrent else ''}"
            log = tmp / f"decisions-{name}.jsonl"
            config = boardline_config(tmp, name, root, cats, decision_log=log)
            cmd = boardline_cmd(config, concurrent=concurrent)
            lists = f"{len(cats)} UT1 categories"
            row = measure("Boardline", lists, cmd, bl_lines, setup, concurrent=concurrent)
            row.logged = count_and_remove(log)
            rows.append(row)
    return rows


def check_agreement(tmp: Path, root: Path, anchor: Anchor, stream: list[Request]) -> Agreement:
    """social_networks only on both sides, every line from a covered staff laptop at school."""
    # The answer depends on method, host and path only: ask each distinct request once.
    counts = Counter(Request(STAFF_LAPTOP, None, r.method, r.host, r.path) for r in stream)
    staff = list(counts)
    sg_conf = squidguard_config(tmp, "sg-social", anchor.homes["16"], ["social_networks"])
    bl_conf = boardline_config(tmp, "bl-social", root, ["social_networks"])
    sg = answers(
        ["squidGuard", "-c", str(sg_conf)], tmp, [r.squidguard() for r in staff], squidguard=True
    )
    bl = answers(boardline_cmd(bl_conf), tmp, [r.boardline() for r in staff], squidguard=False)
    return agreement(staff, [counts[r] for r in staff], sg, bl, root)


#: Why squidGuard and Boardline answer a URL-list probe differently: (what, who is right, why).
URL_CAUSES = {
    "escape": (
        "the entry holds %-escapes (`label/jogos%20gratuitos`)",
        "squidGuard",
        "Boardline bug if any remain: entries and requests are now compared in one escaped "
        "form (`matching.request_path`), so no difference should be left here",
    ),
    "inner": (
        "the entry's host has `web.`/`www.`/`ftp.` inside a label (`nuweb.co.uk/play`)",
        "squidGuard",
        "Boardline bug if any remain: only a leading `www.`/`web.`/`ftp.` label is dropped "
        "now (`matching._WWW_PREFIX_RE` is anchored)",
    ),
    "prefix": (
        "the request extends the entry's last segment (`/gamesx` for `/games`)",
        "Boardline",
        "squidGuard compares a string prefix, so it blocks a page the entry does not name "
        "(`/game` also blocks `/gamestop-deals`); Boardline matches whole segments",
    ),
    "sibling": (
        "a page below or a parameter added, with a sibling entry sorting in between "
        "(`/game/page.html` for `/game` when `/games` is also listed)",
        "Boardline",
        "squidGuard misses a page under a listed path whenever another entry of the same host "
        "sorts between the two — consistent with its B-tree lookup checking only the nearest "
        "key; the entry names the section, so the page below is in it",
    ),
    "slash": (
        "the entry ends in `/` and the request does not (`/tg` for `/tg/`)",
        "Boardline (the same section)",
        "Boardline ignores an entry's trailing slash; `/tg` is the section's own address "
        "(servers redirect it to `/tg/`), squidGuard lets it through",
    ),
    "subdomain": (
        "a subdomain of the entry's host (`m.host/path`)",
        "a choice, documented",
        "squidGuard's URL lists take the host exactly (after dropping `www.`); Boardline reads "
        "the host part like a domain entry (host and subdomains), as UT1's domain lists are read",
    ),
    "other": ("anything else", "?", "not classified: look at the examples"),
}
_INNER_WWW = re.compile(r"(?<=.)(?:www|web|ftp)[0-9]*\.(?=[^.]+\.)")


def url_cause(variant: str, entry: str, sg: str, bl: str) -> str:
    """The cause of one difference: the variant's own explanation first, then the entry's.

    Escaped entries and hosts with ``www``/``web``/``ftp`` inside a label were Boardline
    bugs (fixed in 02456f4); they are only blamed for a difference no variant explains.
    """
    host, _, rest = entry.partition("/")
    if variant == "longer last segment" and (sg, bl) == ("deny", "allow"):
        return "prefix"
    if variant in {"a page below", "parameter added"} and (sg, bl) == ("allow", "deny"):
        return "sibling"
    if variant == "without the trailing /":
        return "slash"
    if variant == "subdomain m.":
        return "subdomain"
    if "%" in rest:
        return "escape"
    if _INNER_WWW.search(host):
        return "inner"
    return "other"


@dataclass(slots=True)
class UrlProbe:
    entries: int
    counts: dict[str, Counter[str]]
    causes: Counter[str]
    examples: dict[str, list[str]]


def probe_urls(tmp: Path, root: Path, anchor: Anchor) -> UrlProbe:
    probes, entries = url_probe(root)
    cats = ["social_networks", "games"]
    sg_conf = squidguard_config(tmp, "sg-probe", anchor.homes["16"], cats)
    bl_conf = boardline_config(tmp, "bl-probe", root, cats, pack=derived_pack(tmp, cats))
    sg_lines = [p.squidguard() for _, _, p in probes]
    bl_lines = [p.boardline() for _, _, p in probes]
    sg = answers(["squidGuard", "-c", str(sg_conf)], tmp, sg_lines, squidguard=True)
    bl = answers(boardline_cmd(bl_conf), tmp, bl_lines, squidguard=False)
    counts: dict[str, Counter[str]] = {}
    causes: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for (variant, entry, request), a, b in zip(probes, sg, bl, strict=True):
        key = (
            "both block" if a == b == "deny"
            else "both allow" if a == b
            else "squidGuard only" if (a, b) == ("deny", "allow")
            else "Boardline only" if (a, b) == ("allow", "deny")
            else "bh"
        )  # fmt: skip
        counts.setdefault(variant, Counter())[key] += 1
        if a == b:
            continue
        cause = url_cause(variant, entry, a, b)
        causes[cause] += 1
        shown = examples.setdefault(cause, [])
        if len(shown) < 3:
            target = request.path or ":443"
            shown.append(
                f"`{request.host}{target}` (entry `{entry}`): squidGuard {a}, Boardline {b}"
            )
    return UrlProbe(entries, counts, causes, examples)


def render(
    rows: Sequence[Row],
    agree: Agreement,
    urls: UrlProbe,
    anchor: Anchor,
    facts: dict[str, str],
) -> list[str]:
    out = [
        "# Squid helper benchmark",
        "",
        f"Command: `{facts['command']}` from the checkout root; took {facts['elapsed']} s. "
        f"Load average (1/5/15 min) {facts['load_before']} before, {facts['load_after']} after: "
        "the 2 cores are shared, so read the rates with the load in mind; the helper's own "
        "CPU time per line is much less sensitive to it.",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores (nproc), Python "
        f"{platform.python_version()}, {squidguard_version()}. Boardline {git_revision()}.",
        "",
        f"Stream: {facts['stream']}. Boardline clock {CLOCK} (a school day); "
        f"decision log {decision_log_state()}.",
        "",
        f"squidGuard databases (`squidGuard -C all`, not in the rates): "
        f"{len(BLOCKED_16)} categories {anchor.builds['16']:.1f} s, "
        f"{facts['all']} categories {anchor.builds['66']:.1f} s.",
        "",
        *table(rows),
        "",
        f"*lines/s (stream)*: a writer thread pushes the whole stream into the helper's stdin "
        "while a reader counts the replies (first write to last reply); *helper CPU µs/line*: "
        "the helper process's user+system time over that run, per line. *1 in flight*: one line, "
        f"wait for its answer, then the next, on {facts['sample']} — how Squid drives a helper "
        "child without `concurrency`; p50/p99 are those round trips. For `--concurrent`, "
        f"p50/p99 are taken with at most {WINDOW} lines in flight (Squid's "
        f"`concurrency={WINDOW}`) over the first {facts['window']} lines of the stream. "
        "Start-up: process start to the first answer. RSS: VmRSS of the helper after the run "
        "(VmHWM in brackets). squidGuard 1.6 cannot take channel ids (it reads the id as the "
        "URL), so it runs without concurrency only; its ACL is `pass !dest ... all`. "
        "*decisions logged*: each Boardline run writes its own decision log (rotation off), "
        "counted after the helper exited, against every line it answered. The dict "
        "walk knows social_networks only and ignores who asks and when.",
        "",
        "## Agreement with squidGuard on UT1 social_networks",
        "",
        "Both helpers know `social_networks` only (squidGuard: one dest with its domains and "
        "urls; Boardline: UT1 `social_networks` loaded, the demo pack, whose rule denies it to "
        f"staff in school hours), every line from {STAFF_LAPTOP} (mrivera's district laptop) at "
        f"{CLOCK}: {agree.lines:,} lines ({agree.requests:,} distinct method/host/path, each "
        f"asked once), {agree.ut1_domain_lines:,} of them naming a host in the UT1 domain list; "
        f"{agree.agree:,} lines answered alike, {agree.lines - agree.agree:,} differently.",
        "",
        f"**Disagreements on domain-list entries: {agree.domain_list()}.**",
        "",
    ]
    if agree.causes:
        out += ["| cause of the difference | lines | distinct requests |", "|---|--:|--:|"]
        out += [
            f"| {cause} | {count:,} | {agree.distinct[cause]:,} |"
            for cause, count in agree.causes.most_common()
        ]
        out += ["", "Examples:", "", *(f"- {e}" for e in agree.examples), ""]
        if not agree.domain_list():
            out += [AGREEMENT_NOTE, ""]
    out += [
        "## URL lists: squidGuard's string prefix against Boardline's segment boundaries",
        "",
        f"{urls.entries:,} URL entries of UT1 `social_networks` and `games` whose host is in no "
        "domain list, each asked in the variants below that apply to it, by the same staff "
        "laptop (squidGuard: both dests; Boardline: the demo pack with its rule extended to "
        "both categories).",
        "",
        "| variant | both block | both allow | only squidGuard blocks | only Boardline blocks |",
        "|---|--:|--:|--:|--:|",
    ]
    for variant in URL_VARIANTS:
        c = urls.counts.get(variant, Counter())
        extra = f" (+{c['bh']} BH)" if c["bh"] else ""
        out.append(
            f"| {variant} | {c['both block']:,} | {c['both allow']:,} | "
            f"{c['squidGuard only']:,} | {c['Boardline only']:,}{extra} |"
        )
    out += [
        "",
        "Every difference, by cause:",
        "",
        "| the request and the entry | lines | who is right | why |",
        "|---|--:|---|---|",
    ]
    for cause, count in urls.causes.most_common():
        what, right, why = URL_CAUSES[cause]
        out.append(f"| {what} | {count:,} | {right} | {why} |")
    out += ["", "Examples (up to 3 per cause):", ""]
    for cause, _ in urls.causes.most_common():
        out += [f"- {e}" for e in urls.examples[cause]]
    out += ["", URL_NOTE]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ut1", type=Path, default=DEFAULT_UT1)
    parser.add_argument("--n", type=int, default=200_000, help="lines in the stream")
    parser.add_argument("--sample", type=int, default=5000, help="round-trip sample size")
    parser.add_argument("--window-lines", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "helper.md")
    args = parser.parse_args()
    root: Path = args.ut1.resolve()
    if shutil.which("squidGuard") is None:
        sys.exit("squidGuard is not installed: apt-get install -y squidguard")
    began, load_before = time.perf_counter(), load_average()
    all_categories = sorted(p.parent.name for p in root.glob("*/domains") if p.is_file())
    print(f"generating {args.n:,} requests (seed {SEED}) ...", file=sys.stderr)
    stream = make_stream(args.n, root)
    step = max(1, len(stream) // args.sample)
    sample = list(range(0, len(stream), step))[: args.sample]
    with tempfile.TemporaryDirectory(prefix="helper-bench-") as scratch:
        tmp = Path(scratch)
        anchor = set_up_anchors(tmp, root, all_categories)
        print("measuring ...", file=sys.stderr)
        rows = measure_all(Setup(tmp, sample, args.window_lines), root, all_categories, anchor,
                           stream)  # fmt: skip
        print("agreement on social_networks ...", file=sys.stderr)
        agree = check_agreement(tmp, root, anchor, stream)
        print("URL-list probe ...", file=sys.stderr)
        urls = probe_urls(tmp, root, anchor)
    command = ".venv/bin/python bench/helper_bench.py"
    defaults = parser.parse_args([])
    for name in ("n", "sample", "window_lines"):
        if getattr(args, name) != getattr(defaults, name):
            command += f" --{name.replace('_', '-')} {getattr(args, name)}"
    facts = {
        "command": command,
        "elapsed": f"{time.perf_counter() - began:.0f}",
        "load_before": load_before,
        "load_after": load_average(),
        "stream": (
            f"{len(stream):,} lines, seed {SEED}, {len({r.host for r in stream}):,} distinct hosts "
            f"(Zipf-like over UT1 lists, the built-in catalogue and unlisted names), "
            f"{sum(r.method == 'CONNECT' for r in stream):,} CONNECT; clients from the demo "
            "address plan: staff laptops 127.10.1.10-12 and 127.10.2.10, staff on BYOD with "
            "`%un` 127.20.x, students 127.30.x, guests 127.40.x"
        ),
        "all": str(len(all_categories)),
        "sample": f"every {step}th line ({len(sample):,} lines) after the stream run",
        "window": f"{min(args.window_lines, len(stream)):,}",
    }
    report = render(rows, agree, urls, anchor, facts)
    print("\n".join(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}", file=sys.stderr)


AGREEMENT_NOTE = (
    "Every difference above is Boardline denying a host that UT1's list lacks but Boardline's "
    "own built-in catalogue names (CDN, short-link and API domains of the services, other "
    "country domains), or a district override in the pack, or a URL-list entry; none is a "
    "host on which the two read the same UT1 domain list differently."
)


URL_NOTE = (
    "A CONNECT carries no path, so neither helper can apply a URL entry to HTTPS without TLS "
    "inspection (the CONNECT row). squidGuard's answers come from its URL database alone here: "
    "the probe hosts are in no domain list of either category."
)


if __name__ == "__main__":
    main()
