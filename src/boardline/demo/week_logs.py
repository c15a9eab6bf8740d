"""A generated week of proxy logs for the demo district, for the audit tour and the benchmark.

The week starts on Monday 5 October 2026 in Cut Bank (America/Denver). Every
line comes from a seeded random generator (same seed and size, same file), is
written as soon as it is made (memory does not grow with the line count) and is
in time order, as Squid writes it. The lines are Squid's native format, and the
pages a TLS-inspecting proxy saw carry the Boardline format's ``sfd=``/``sfm=``
notes (the browser's Sec-Fetch-Dest and Sec-Fetch-Mode); HTTPS the proxy only
tunnelled is a ``CONNECT`` line without them, as on a real proxy.

Traffic follows a school week: busy from 07:30 to 15:30 on weekdays, a lunch
bump, a trickle in the evening and at the weekend. Background traffic is staff
on district laptops and their own phones, students and guests, mostly on
school sites, with a little social networking and news pages that embed social
widgets. On top of it a fixed script of scenes the audit should find (or must
not find):

* ``mrivera`` opens Facebook in class on Tuesday and Thursday mornings, and at
  home on Tuesday evening (outside school hours: allowed);
* Wednesday 13:00-14:00 ``jcarter`` grants her Facebook to post the yearbook
  sale (:data:`GRANT`), and she does;
* ``tbaker`` checks Instagram on his phone at lunch on Monday and Friday;
* ``tharper`` declares an emergency on Thursday at 14:00 (:data:`EMERGENCY`)
  and follows the sheriff's Facebook page during it;
* ``gholt`` reads the local paper every morning, whose pages embed Facebook's
  and X's widgets: hits on social networks, but no visit;
* students on TikTok (another policy; never in the report).

:func:`write_mail_trace` writes a small Microsoft 365 message-trace export for
the same week (staff mailing students, one from a personal address).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO
from zoneinfo import ZoneInfo

ZONE: Final = ZoneInfo("America/Denver")
MONDAY: Final = dt.date(2026, 10, 5)
DAYS: Final = 7
#: Lines in the demo's week unless asked for another size.
DEMO_LINES: Final = 20_000


@dataclass(frozen=True, slots=True)
class ExceptionScene:
    """A grant or emergency the scripted week relies on (the demo records it first)."""

    id: str
    by: str
    target: str
    starts: dt.datetime
    minutes: int
    reason: str
    domains: tuple[str, ...] = ()


GRANT: Final = ExceptionScene(
    "g-yearbook",
    "jcarter",
    "mrivera",
    dt.datetime(2026, 10, 7, 13, 0, tzinfo=ZONE),
    60,
    "post the yearbook sale",
    ("facebook.com",),
)
EMERGENCY: Final = ExceptionScene(
    "e-lockout",
    "tharper",
    "tharper",
    dt.datetime(2026, 10, 8, 14, 0, tzinfo=ZONE),
    30,
    "lockout: following the sheriff's updates",
)

# (username, building, district laptop address or "", phone address or "")
STAFF: Final = (
    ("mrivera", "cbhs", "127.10.1.10", "127.20.1.21"),
    ("jcarter", "cbhs", "127.10.1.11", "127.20.1.22"),
    ("gholt", "cbhs", "127.10.1.12", "127.20.1.23"),
    ("swong", "cbhs", "127.10.1.13", "127.20.1.24"),
    ("dmiller", "cbhs", "127.10.1.14", ""),
    ("wthorne", "cbhs", "127.10.1.15", "127.20.1.25"),
    ("glindgren", "cbhs", "127.10.1.16", ""),
    ("ewalsh", "cbhs", "127.10.1.17", "127.20.1.26"),
    ("tbaker", "cbms", "127.10.2.10", "127.20.2.20"),
    ("lokafor", "cbms", "127.10.2.11", ""),
    ("snelson", "cbms", "127.10.2.12", "127.20.2.21"),
    ("jmarsh", "cbms", "127.10.2.13", ""),
    ("tharper", "hay", "127.10.3.20", "127.20.3.21"),
    ("rbenson", "hay", "127.10.3.11", ""),
    ("ecole", "hay", "127.10.3.12", "127.20.3.22"),
    ("wwells", "hay", "127.10.3.13", ""),
    ("superintendent", "cbsd", "127.10.4.10", ""),
    ("kdoyle", "cbsd", "127.10.4.11", ""),
)
SCHOOL: Final = (
    "classroom.google.com", "docs.google.com", "mail.google.com", "www.khanacademy.org",
    "opi.mt.gov", "en.wikipedia.org", "www.nasa.gov", "www.britannica.com",
    "quizlet.com", "www.desmos.com", "www.youtube.com", "www.pbslearningmedia.org",
)  # fmt: skip
SOCIAL: Final = (
    "www.facebook.com", "www.instagram.com", "x.com", "www.pinterest.com",
    "www.linkedin.com", "www.reddit.com",
)  # fmt: skip
NEWS: Final = ("www.cutbankpioneerpress.com", "www.greatfallstribune.com", "www.kxlh.com")
#: What a news page embeds: social widgets the reader never chose to open.
WIDGETS: Final = (
    ("connect.facebook.net", "/en_US/sdk.js", "script"),
    ("www.facebook.com", "/plugins/like.php", "iframe"),
    ("platform.twitter.com", "/widgets.js", "script"),
)
SUBRESOURCES: Final = (("/static/app.js", "script"), ("/static/site.css", "style"),
                       ("/img/banner.jpg", "image"))  # fmt: skip
STUDENT_SITES: Final = (*SCHOOL, "www.tiktok.com", "www.snapchat.com", "www.roblox.com")


def _hour_weight(day: int, minute: int) -> float:
    """Relative traffic in a minute of the week (``day`` 0 is Monday)."""
    hour = minute / 60
    if day >= 5:
        return 0.6 if 9 <= hour < 22 else 0.05
    if 7.5 <= hour < 15.5:
        return 6.0 if 11.5 <= hour < 12.75 else 5.0
    if 6 <= hour < 7.5 or 15.5 <= hour < 18:
        return 1.2
    if 18 <= hour < 23:
        return 0.5
    return 0.05


class _Writer:
    """Formats native Squid lines (with Sec-Fetch notes where the proxy saw them)."""

    def __init__(self, out: TextIO, rng: random.Random) -> None:
        self.out = out
        self.rng = rng
        self.count = 0

    def line(
        self,
        ts: float,
        client: str,
        user: str,
        method: str,
        url: str,
        *,
        status: int = 200,
        dest: str | None = None,
    ) -> None:
        elapsed = self.rng.randrange(3, 900)
        size = self.rng.randrange(300, 90_000)
        code = "TCP_TUNNEL" if method == "CONNECT" else "TCP_MISS"
        mime = "-" if method == "CONNECT" else ("text/html" if dest == "document" else "-")
        authority = url.split("/", 3)[2] if "://" in url else url
        host = authority.split(":", 1)[0]
        peer = f"HIER_DIRECT/{_peer(host)}"
        text = (
            f"{ts:.3f} {elapsed:6d} {client} {code}/{status:03d} {size} {method} {url} "
            f"{user} {peer} {mime}"
        )
        if dest is not None:
            mode = "navigate" if dest == "document" else "no-cors"
            text += f" sfd={dest} sfm={mode}"
        self.out.write(text + "\n")
        self.count += 1


def _peer(host: str) -> str:
    digest = sum(host.encode()) % 200
    return f"192.0.2.{digest + 1}"


@dataclass(frozen=True, slots=True)
class _Hit:
    ts: float
    client: str
    user: str
    method: str
    url: str
    dest: str | None


def _visit(ts: float, client: str, user: str, host: str, inspected: bool,
           rng: random.Random, *, path: str = "/") -> list[_Hit]:  # fmt: skip
    """The lines one visit to ``host`` makes: a page and its parts, or a tunnel or two."""
    if not inspected:
        tunnels = 1 + (rng.random() < 0.4)
        return [
            _Hit(ts + n * rng.uniform(1, 240), client, user, "CONNECT", f"{host}:443", None)
            for n in range(tunnels)
        ]
    hits = [_Hit(ts, client, user, "GET", f"https://{host}{path}", "document")]
    for n, (sub, dest) in enumerate(rng.sample(SUBRESOURCES, rng.randrange(1, 4))):
        hits.append(_Hit(ts + 0.2 + n * 0.1, client, user, "GET", f"https://{host}{sub}", dest))
    if host in NEWS:
        for n, (widget, wpath, dest) in enumerate(WIDGETS):
            hits.append(
                _Hit(ts + 0.5 + n * 0.1, client, user, "GET", f"https://{widget}{wpath}", dest)
            )
    return hits


def _at(day: int, hour: int, minute: int = 0) -> float:
    moment = dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(hour, minute), ZONE)
    return moment.timestamp()


def _scenes(rng: random.Random) -> list[_Hit]:
    """The scripted week (see the module docstring)."""
    hits: list[_Hit] = []
    rivera, rivera_phone = "127.10.1.10", "127.20.1.21"
    for day, hour, minute in ((1, 10, 0), (3, 9, 40)):
        hits += _visit(_at(day, hour, minute), rivera, "mrivera", "www.facebook.com", True, rng)
        hits += _visit(_at(day, hour, minute + 7), rivera, "mrivera", "www.facebook.com", True,
                       rng, path="/groups/cutbankalumni")  # fmt: skip
    hits += _visit(_at(1, 19, 0), rivera_phone, "mrivera", "www.facebook.com", False, rng)
    grant_at = GRANT.starts.timestamp() + 5 * 60
    hits += _visit(grant_at, rivera, "mrivera", "www.facebook.com", True, rng,
                   path="/cutbankhigh")  # fmt: skip
    for day in (0, 4):
        hits += _visit(_at(day, 12, 10), "127.20.2.20", "tbaker", "www.instagram.com", False, rng)
    for minute in (3, 12, 21):
        hits += _visit(EMERGENCY.starts.timestamp() + minute * 60, "127.10.3.20", "tharper",
                       "www.facebook.com", True, rng, path="/glaciersheriff")  # fmt: skip
    for day in range(5):
        for minute in (0, 20):
            page = f"/news/{day}{minute}"
            hits += _visit(_at(day, 7, 35 + minute), "127.10.1.12", "gholt",
                           "www.cutbankpioneerpress.com", True, rng, path=page)  # fmt: skip
    for day in range(5):
        hits += _visit(_at(day, 10, 30), "127.30.1.40", "-", "www.tiktok.com", False, rng)
    return hits


def _background(minute_ts: float, rng: random.Random, inschool: bool) -> list[_Hit]:
    """One random visit starting within the minute at ``minute_ts``."""
    ts = minute_ts + rng.uniform(0, 59)
    roll = rng.random()
    if roll < 0.55:
        user, _building, laptop, phone = rng.choice(STAFF)
        on_phone = not laptop or (phone and rng.random() < 0.2)
        client = phone if on_phone else laptop
        pick = rng.random()
        if user in {"mrivera", "tbaker", "tharper", "gholt"}:
            pick = max(pick, 0.2)  # the scripted staff behave off-script only on school sites
            host = rng.choice(SCHOOL) if pick < 0.97 else rng.choice(NEWS)
        elif pick < (0.03 if inschool else 0.12):
            host = rng.choice(SOCIAL)
        elif pick < 0.15:
            host = rng.choice(NEWS)
        else:
            host = rng.choice(SCHOOL)
        return _visit(ts, client, user, host, not on_phone and rng.random() < 0.7, rng)
    if roll < 0.9:
        client = f"127.30.{rng.randrange(1, 4)}.{rng.randrange(10, 250)}"
        return _visit(ts, client, "-", rng.choice(STUDENT_SITES), False, rng)
    client = f"127.40.0.{rng.randrange(10, 250)}"
    return _visit(ts, client, "-", rng.choice((*SCHOOL, *SOCIAL)), False, rng)


def _minutes() -> Iterator[tuple[float, float, bool]]:
    for day in range(DAYS):
        for minute in range(24 * 60):
            ts = _at(day, 0) + minute * 60
            hour = minute / 60
            yield ts, _hour_weight(day, minute), day < 5 and 7.5 <= hour < 15.5


def write_week_log(
    path: Path, *, lines: int = DEMO_LINES, seed: int = 5460, scenes: bool = True
) -> int:
    """Write about ``lines`` lines (at least the scripted scenes) to ``path``; return the count.

    Each minute gets its share of the lines by the school-week profile; its
    visits are generated, sorted and written before the next minute starts, so
    the file is in time order and memory holds one minute at a time. A visit's
    last lines may spill into the next minute's; they are held back until then.
    """
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, not secrets
    scene_rng = random.Random(seed + 1)  # noqa: S311
    scripted = sorted(_scenes(scene_rng), key=lambda h: h.ts) if scenes else []
    minutes = list(_minutes())
    total_weight = sum(w for _, w, _ in minutes)
    budget = max(lines - len(scripted), 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="ascii", newline="\n") as out:
        writer = _Writer(out, rng)
        pending: list[_Hit] = []
        owed = 0.0
        made = 0
        last = minutes[-1][0]
        for ts, weight, inschool in minutes:
            owed += budget * weight / total_weight
            batch: list[_Hit] = []
            target = budget if ts == last else min(round(owed), budget)
            while made < target:
                visit = _background(ts, rng, inschool)[: budget - made]
                batch += visit
                made += len(visit)
            while scripted and scripted[0].ts < ts + 60:
                batch.append(scripted.pop(0))
            pending += batch
            pending.sort(key=lambda h: h.ts)
            cut = 0
            while cut < len(pending) and pending[cut].ts < ts + 60:
                cut += 1
            for hit in pending[:cut]:
                writer.line(hit.ts, hit.client, hit.user, hit.method, hit.url, dest=hit.dest)
            pending = pending[cut:]
        for hit in sorted(pending + scripted, key=lambda h: h.ts):
            writer.line(hit.ts, hit.client, hit.user, hit.method, hit.url, dest=hit.dest)
    return writer.count


#: mrivera's personal mail account, which the roster does not list (HR knows it).
PERSONAL_ADDRESS = "maria.rivera.home@mail.example"


def write_mail_trace(path: Path, *, seed: int = 5460) -> int:
    """A small Microsoft 365 message-trace export (CSV) for the week; returns its rows.

    Staff write to students' district addresses about school work; on Thursday
    evening ``mrivera`` writes to a student from a personal address. No message
    content, only the trace fields the platform exports.
    """
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, not secrets
    staff = "cutbank.example.org"
    students = "students.cutbank.example.org"
    rows = [
        (_at(0, 8, 5), f"mrivera@{staff}", f"noah.hale@{students}", "Essay draft due Friday"),
        (_at(1, 14, 30), f"gholt@{staff}", f"ava.sorensen@{students}", "FFA permission slip"),
        (_at(2, 9, 15), f"swong@{staff}", f"mason.reed@{students}", "Counseling appointment"),
        (_at(3, 20, 40), PERSONAL_ADDRESS, f"noah.hale@{students}", "hey"),
        (_at(4, 11, 0), f"tbaker@{staff}", f"lily.baker@{students}", "Science fair"),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["Received", "SenderAddress", "RecipientAddress", "Subject", "Status", "ToIP",
             "FromIP", "Size", "MessageId", "MessageTraceId"]
        )  # fmt: skip
        for ts, sender, recipient, subject in rows:
            received = dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
            ident = f"{rng.getrandbits(64):016x}"
            writer.writerow([received, sender, recipient, subject, "Delivered", "", "192.0.2.9",
                             str(rng.randrange(2_000, 40_000)), f"<{ident}@cutbank.example.org>",
                             f"{rng.getrandbits(128):032x}"])  # fmt: skip
    return len(rows)
