"""A world for testing bulk evaluation against the engine: the demo district made busier.

The demo district's facts (roster, networks, calendar, pack) with what the demo
lacks and the engine must get right: people in several buildings, in none, or
in a building the calendar does not list; leases (back to back, overlapping,
through a device's MAC, for people the directory does not know); grants and
emergencies of every scope, ties included, in and out of their windows; more
categories (UT1-like games and chat lists, URL entries, path overrides); and,
in the ``extended`` pack, a second school-hours rule with the other readings
(flag outside hours on district equipment, breaks and staff days not counted).

:func:`random_events` draws web events over all of it, concentrated on the days
where the calendar, the clocks and the exceptions change.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from boardline.audit import schema
from boardline.categories.catalogue import builtin_catalogue
from boardline.directory.directory import Directory
from boardline.directory.network import Lease, NetworkMap
from boardline.directory.person import Building, Person
from boardline.engine.compiled import CompiledPack, compile_pack
from boardline.engine.exceptions import Emergency, ExceptionBook, Grant, Scope
from boardline.engine.facts import Facts
from boardline.policy.pack import Pack, Role
from boardline.policy.pack_loader import parse_pack
from tests.demo_facts import demo_facts, demo_pack_text

DENVER = ZoneInfo("America/Denver")

EXTRA_RULE = """
  - id: no-games-or-chat-during-school-hours
    kind: school_hours_access
    title: No games or chat for individual use during school hours
    cites:
      - {policy: "5460", clause: 5460.p7}
    covers: [staff]
    categories: [games, messaging, social_networks]
    effect: flag
    honours: [grant]
    severity: low
    interpretation:
      district_equipment_outside_hours: flag
      personal_equipment_outside_hours: allow
      breaks_count: false
      staff_days_count: false

  - id: no-posting-district-material
"""
EXTRA_OVERRIDES = """category_overrides:
  - domain: reddit.com/r/teachers
    remove_from: [social_networks]
    reason: Professional community the district follows
  - domain: example.org/forum
    add_to: [social_networks]
    reason: A forum that works as a social network
"""


def extended_pack() -> Pack:
    text = demo_pack_text()
    edits = (
        ("\n  - id: no-posting-district-material\n", EXTRA_RULE),
        ("category_overrides:\n", EXTRA_OVERRIDES),
        ("unknown_subject_effect: allow", "unknown_subject_effect: flag"),
        # Students covered by a posting rule but by no school-hours rule.
        (
            "covers: [staff, administrator]\n    findings: [district_logo",
            "covers: [staff, administrator, student]\n    findings: [district_logo",
        ),
    )
    for old, new in edits:
        if old not in text:
            raise AssertionError(old)
        text = text.replace(old, new, 1)
    return parse_pack(text, "extended.yaml")


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=DENVER)


D = dt.date
#: Days where something changes: regular, late start, early release, no school, the
#: Hay-only early release, the DST changes and the days after, a staff day, a snow
#: closure, a weekend, winter break, the check-out day, and days outside the year.
HOT_DAYS = (
    D(2026, 10, 6),
    D(2026, 10, 19),
    D(2026, 10, 21),
    D(2026, 10, 15),
    D(2026, 10, 29),
    D(2026, 11, 1),
    D(2026, 11, 2),
    D(2027, 3, 14),
    D(2027, 3, 15),
    D(2027, 2, 12),
    D(2027, 1, 14),
    D(2026, 10, 10),
    D(2026, 12, 22),
    D(2027, 6, 7),
    D(2026, 8, 24),
    D(2026, 8, 20),
    D(2027, 6, 10),
)
#: Local wall-clock times where school hours, periods or exceptions start or end.
EDGES = (
    (7, 30), (8, 0), (8, 10), (8, 20), (8, 30), (8, 45), (9, 0), (9, 10), (9, 30), (9, 45),
    (9, 55), (10, 0), (10, 15), (10, 30), (11, 0), (11, 30), (11, 35), (12, 0), (12, 20),
    (13, 0), (14, 0), (14, 15), (14, 30), (15, 0), (15, 20), (15, 30), (16, 0), (16, 30),
    (1, 30), (2, 30), (18, 0),
)  # fmt: skip


STAFF_AT_EDGES = ("mrivera", "tbaker", "ecole", "superintendent", "ttraveler", "admin2", "nobuild")


@dataclass(frozen=True)
class World:
    name: str
    compiled: CompiledPack
    facts: Facts
    usernames: tuple[str | None, ...]
    clients: tuple[str | None, ...]
    sites: tuple[tuple[str, str], ...]
    #: (from, to, usernames): around each grant and emergency, the people it could cover.
    scenarios: tuple[tuple[float, float, tuple[str, ...]], ...]


def _directory(base: Directory) -> Directory:
    extra = (
        Person("x-travel", "ttraveler", Role.STAFF, "Terry", "Traveler", None, ("cbhs", "hay")),
        Person("x-nobuild", "nobuild", Role.STAFF, "Nora", "Nobuild", None, ()),
        Person("x-annex", "annexer", Role.STAFF, "Ann", "Annex", None, ("annex",)),
        Person("x-admin2", "admin2", Role.ADMINISTRATOR, "Al", "Twobuild", None, ("hay", "cbms")),
        Person("x-guest", "visitor", Role.GUEST, "Vi", "Sitor", None, ("cbhs",)),
    )
    buildings = (*base.buildings.values(), Building("annex", "Annex", "school", "cbsd"))
    return Directory.build(buildings, (*base.people(), *extra), base.all_links())


def _leases() -> list[Lease]:
    day, mon, dst = D(2026, 10, 6), D(2026, 10, 19), D(2026, 11, 2)
    spring = D(2027, 3, 15)
    leases = [
        Lease("127.20.1.30", "mrivera", None, local(day, 7), local(day, 12), "dhcp"),
        Lease("127.20.1.30", "gholt", None, local(day, 12), local(day, 18), "dhcp"),
        Lease(
            "127.20.1.30",
            "mrivera@cutbank.example.org",
            None,
            local(dst, 7),
            local(dst, 16),
            "radius",
        ),
        Lease("127.30.1.40", "lily.baker", None, local(day, 6), local(day, 20), "dhcp"),
        Lease(
            "127.10.1.60", "jcarter", "cbhs-library-cart-01", local(mon, 8), local(mon, 16), "dhcp"
        ),
        Lease(
            "127.20.2.21",
            None,
            None,
            local(day, 8),
            local(day, 15),
            "dhcp",
            mac="02-CB-14-02-01-14",
        ),
        Lease("127.40.0.9", "someone-else", None, local(day, 7), local(day, 17), "portal"),
        Lease("127.20.3.5", "ecole", None, local(day, 8), local(day, 14), "dhcp"),
        Lease("127.20.3.5", "rbenson", None, local(day, 10), local(day, 11), "dhcp"),
        Lease("10.1.2.3", "superintendent", None, local(spring, 0), local(spring, 23), "vpn"),
        Lease("127.20.1.31", "ttraveler", None, local(spring, 9, 50), local(spring, 10, 5), "dhcp"),
        Lease(
            "127.10.2.44",
            "admin2",
            None,
            local(D(2027, 2, 12), 8),
            local(D(2027, 2, 12), 17),
            "dhcp",
        ),
    ]
    rng = random.Random(77)
    staff = ("mrivera", "gholt", "tbaker", "ecole", "dmiller", "swong", "nobuild", "annexer")
    for n in range(40):
        start = local(rng.choice(HOT_DAYS), rng.randint(6, 16), rng.choice((0, 15, 30, 45)))
        address = f"127.20.{rng.randint(1, 3)}.{100 + n % 20}"
        end = start + dt.timedelta(minutes=rng.randint(5, 300))
        leases.append(Lease(address, rng.choice(staff), None, start, end, "dhcp"))
    # Leases on one address must not overlap in a way the feed would not send: keep them.
    return leases


def _book(directory: Directory) -> ExceptionBook:
    def pid(username: str) -> str:
        person = directory.by_username(username)
        if person is None:
            raise AssertionError(username)
        return person.id

    day, mon, wed = D(2026, 10, 6), D(2026, 10, 19), D(2026, 10, 21)
    spring, dst = D(2027, 3, 15), D(2026, 11, 2)
    g = Grant
    grants = [
        g(
            "g-person",
            "jcarter",
            Scope.PERSON,
            pid("mrivera"),
            local(day, 9),
            local(day, 11),
            "yearbook",
        ),
        g(
            "g-building",
            "lokafor",
            Scope.BUILDING,
            "cbms",
            local(mon, 8),
            local(mon, 12),
            "club page",
            categories=("social_networks",),
        ),
        g(
            "g-role",
            "superintendent",
            Scope.ROLE,
            "staff",
            local(spring, 9, 30),
            local(spring, 10, 30),
            "photo contest",
            domains=("instagram.com",),
        ),
        g(
            "g-district",
            "superintendent",
            Scope.DISTRICT,
            "",
            local(wed, 10),
            local(wed, 14),
            "game day",
            categories=("games",),
        ),
        # Equal ends: the scope order (person before role) decides, then the book order.
        g(
            "g-tie-b",
            "superintendent",
            Scope.ROLE,
            "administrator",
            local(day, 10),
            local(day, 12),
            "tie b",
        ),
        g(
            "g-tie-c",
            "superintendent",
            Scope.PERSON,
            pid("jcarter"),
            local(day, 9),
            local(day, 12),
            "tie c",
        ),
        g(
            "g-tie-a",
            "superintendent",
            Scope.PERSON,
            pid("jcarter"),
            local(day, 8),
            local(day, 12),
            "tie a",
        ),
        g(
            "g-longer",
            "superintendent",
            Scope.BUILDING,
            "cbhs",
            local(day, 11),
            local(day, 13),
            "longer",
        ),
        g(
            "g-revoked",
            "jcarter",
            Scope.PERSON,
            pid("mrivera"),
            local(D(2026, 10, 29), 0),
            local(D(2026, 10, 29), 23),
            "revoked",
            revoked=True,
        ),
        g(
            "g-fb",
            "jcarter",
            Scope.BUILDING,
            "cbhs",
            local(dst, 8),
            local(dst, 9),
            "fb page",
            domains=("facebook.com",),
        ),
        g(
            "g-annex",
            "superintendent",
            Scope.BUILDING,
            "annex",
            local(day, 8),
            local(day, 16),
            "annex",
        ),
    ]
    e = Emergency
    emergencies = [
        e(
            "e-person",
            "tbaker",
            Scope.PERSON,
            pid("tbaker"),
            local(day, 10, 30),
            local(day, 11, 30),
            "lockdown",
        ),
        e("e-building", "jcarter", Scope.BUILDING, "cbhs", local(mon, 13), local(mon, 14), "fire"),
        e(
            "e-district",
            "superintendent",
            Scope.DISTRICT,
            "",
            local(D(2027, 2, 12), 9),
            local(D(2027, 2, 12), 10),
            "storm",
        ),
        e(
            "e-role",
            "superintendent",
            Scope.ROLE,
            "staff",
            local(dst, 8, 30),
            local(dst, 9, 30),
            "outage",
        ),
        # Overlapping: the person's own comes first in scope order, though listed second.
        e(
            "e-second",
            "superintendent",
            Scope.DISTRICT,
            "",
            local(spring, 10, 10),
            local(spring, 10, 50),
            "second",
        ),
        e(
            "e-first",
            "ecole",
            Scope.PERSON,
            pid("ecole"),
            local(spring, 10),
            local(spring, 10, 40),
            "first",
        ),
    ]
    return ExceptionBook.build(grants, emergencies)


def make_world(state: Path, name: str) -> World:
    demo_compiled, demo = demo_facts(state)
    pack = extended_pack() if name == "extended" else demo_compiled.pack
    compiled = compile_pack(pack)
    directory = _directory(demo.directory)  # type: ignore[arg-type]
    networks = demo.networks
    if not isinstance(networks, NetworkMap):
        raise TypeError(type(networks))
    networks = networks.with_leases(_leases())
    builder = builtin_catalogue().index()
    for domain in ("miniclip.com", "games.example", "coolmath-games.example", "192.0.2.7"):
        builder.add_domain(domain, "games", "ut1:games")
    for domain in ("chat.example", "irc.example.net"):
        builder.add_domain(domain, "chat", "ut1:chat")
    builder.add_domain("facebook.com", "chat", "ut1:chat")  # two lists for one host
    builder.add_url("forum.example.net/viewforum.php?f=14", "social_networks", "ut1:social")
    builder.add_url("example.org/forum", "games", "ut1:games")
    builder.add_url("www.example.com/games", "games", "ut1:games")
    categories = builder.build().with_overrides(pack.category_overrides)
    facts = Facts(directory, networks, demo.calendar, categories, _book(directory))
    people = [p.username for p in directory.people()]
    usernames = (
        *people[:80],
        "mrivera", "jcarter", "superintendent", "tbaker", "ecole", "rbenson", "gholt", "kdoyle",
        "ttraveler", "nobuild", "annexer", "admin2", "visitor", "lily.baker", "noah.hale",
        "CUTBANK\\mrivera", "MRivera", "jcarter@cutbank.example.org", "cutbank%5Cgholt",
        " tbaker ", "nobody", "-", "",
        *([None] * 60),
    )  # fmt: skip
    clients = (
        "127.10.1.10", "127.10.1.11", "127.10.1.12", "127.10.1.50", "127.10.2.10", "127.10.4.10",
        "127.20.2.20", "127.20.1.30", "127.30.1.40", "127.10.1.60", "127.20.2.21", "127.40.0.9",
        "127.20.3.5", "10.1.2.3", "127.20.1.31", "127.10.2.44",
        "127.10.1.77", "127.10.2.77", "127.10.3.77", "127.10.4.77", "127.10.9.9",
        "127.20.1.77", "127.20.2.77", "127.20.3.77", "127.20.9.9",
        "127.30.1.77", "127.30.3.77", "127.40.3.3", "192.0.2.99", "2001:db8::1",
        "::ffff:127.10.1.10", "[127.10.1.11]", "not-an-ip", "", None, None, None,
        *(f"127.20.{k}.{100 + n}" for k in (1, 2, 3) for n in range(20)),
    )  # fmt: skip
    sites = (
        ("facebook.com", "/"), ("www.facebook.com", "/home.php"), ("m.facebook.com", ""),
        ("instagram.com", "/p/x"), ("www.instagram.com", "/"),
        ("scontent.cdninstagram.com", "/i.jpg"),
        ("classroom.google.com", "/c/1"), ("edu.pinterest.com", "/"), ("www.pinterest.com", "/"),
        ("pinterest.co.uk", "/pin/1"), ("notfacebook.com", "/"), ("facebook.com.evil.net", "/"),
        ("youtube.com", "/youtubei/v1/comment"), ("www.youtube.com", "/watch?v=1"),
        ("youtube.com", "/comment_service_ajax?x=1"), ("youtube.com", ""),
        ("reddit.com", "/r/teachers"), ("www.reddit.com", "/r/teachers/comments/1"),
        ("reddit.com", "/r/teachersx"), ("reddit.com", "/"),
        ("miniclip.com", "/"), ("www.miniclip.com", "/play"), ("play.games.example", "/"),
        ("chat.example", "/"), ("web.whatsapp.com", "/"), ("t.me", "/x"),
        ("forum.example.net", "/viewforum.php?f=14"), ("forum.example.net", "/viewforum.php?f=145"),
        ("forum.example.net", "/viewforum.php?x=1&f=14"), ("forum.example.net", "/"),
        ("example.org", "/forum"), ("example.org", "/forums"), ("example.org", "/forum/x?y=1"),
        ("www.example.com", "/games/1"), ("www.example.com", "/"), ("example.com", "/games"),
        ("192.0.2.7", "/"), ("twitter.com", "/home"), ("x.com", "/"), ("discord.com", "/app"),
        *((f"host{n}.example", "/") for n in range(25)),
    )  # fmt: skip
    return World(name, compiled, facts, usernames, clients, sites, _scenarios(directory, facts))


def _scenarios(
    directory: Directory, facts: Facts
) -> tuple[tuple[float, float, tuple[str, ...]], ...]:
    staff = [p for p in directory.people() if p.role in (Role.STAFF, Role.ADMINISTRATOR)]
    out = []
    book = facts.exceptions
    for scope, target, starts, ends in (
        *((g.scope, g.target, g.starts, g.ends) for g in book.grants),
        *((e.scope, e.target, e.starts, e.ends) for e in book.emergencies),
    ):
        if scope is Scope.PERSON:
            people = [p for p in staff if p.id == target]
        elif scope is Scope.BUILDING:
            people = [p for p in staff if target in p.buildings]
        elif scope is Scope.ROLE:
            people = [p for p in staff if p.role.value == target]
        else:
            people = staff
        names = tuple(p.username for p in people[:12])
        half_hour = dt.timedelta(minutes=30)
        out.append(((starts - half_hour).timestamp(), (ends + half_hour).timestamp(), names))
    return tuple(out)


def random_ts(rng: random.Random) -> float:
    """An instant, weighted to the days and times where answers change, in mixed precision."""
    if rng.random() < 0.75:
        day = rng.choice(HOT_DAYS)
    else:
        day = D(2026, 8, 15) + dt.timedelta(days=rng.randint(0, 310))
    pick = rng.random()
    if pick < 0.45:
        hour, minute = rng.choice(EDGES)
        wall = dt.datetime.combine(day, dt.time(hour, minute, fold=rng.randint(0, 1)))
        offset = rng.choice(
            (0.0, 0.0, -1e-6, 1e-6, -4e-7, 4e-7, -5e-7, -0.001, 0.001, -1.0, 1.0, 30.0, -30.0)
        )
    else:
        wall = dt.datetime.combine(day, dt.time(0, fold=rng.randint(0, 1)))
        offset = rng.uniform(0 if pick < 0.6 else 5 * 3600, 86400 if pick < 0.6 else 19 * 3600)
    ts = wall.replace(tzinfo=DENVER).timestamp() + offset
    return _precision(rng, ts)


def _precision(rng: random.Random, ts: float) -> float:
    style = rng.random()
    if style < 0.5:
        return round(ts, 3)  # Squid's milliseconds
    if style < 0.65:
        return round(ts, 6)
    if style < 0.75:
        return float(int(ts))
    if style < 0.85:
        return int(ts) + rng.randint(0, 127) / 128  # exact binary fractions: rounding ties
    return ts  # sub-microsecond: rounds onto boundaries


def random_events(world: World, rng: random.Random, count: int) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for line in range(1, count + 1):
        host, path = rng.choice(world.sites)
        client, username = rng.choice(world.clients), rng.choice(world.usernames)
        mode = rng.random()
        if mode < 0.15:
            # A staff member on a watched site right at an edge of school hours or a period,
            # off by less than the microsecond the engine rounds to.
            hour, minute = rng.choice(EDGES)
            wall = dt.datetime.combine(rng.choice(HOT_DAYS), dt.time(hour, minute))
            offset = rng.choice((0.0, -4e-7, -5e-7, 4e-7, -1e-6, 1e-6, -2.5e-7))
            ts = wall.replace(tzinfo=DENVER).timestamp() + offset
            username = rng.choice(STAFF_AT_EDGES)
            host, path = rng.choice(world.sites[:12])
        elif mode < 0.45:
            # Someone an exception could cover, around its window, on a watched site.
            start, end, names = rng.choice(world.scenarios)
            ts = _precision(rng, rng.uniform(start, end))
            username = rng.choice(names) if names else username
            host, path = rng.choice(world.sites[:40])
        else:
            ts = random_ts(rng)
        method = rng.choices(("GET", "CONNECT", "POST"), (80, 15, 5))[0]
        if method == "CONNECT":
            path = ""
        top = rng.choice((True, False, None))
        rows.append(
            (
                "gen.log",
                line,
                ts,
                client,
                username,
                method,
                host,
                path,
                200,
                1234,
                top,
                None,
                "squid",
            )
        )
    return rows


EVENT_TYPES = (
    pa.string(), pa.int64(), pa.float64(), pa.string(), pa.string(), pa.string(), pa.string(),
    pa.string(), pa.int32(), pa.int64(), pa.bool_(), pa.string(), pa.string(),
)  # fmt: skip


def load_events(rows: list[tuple[object, ...]]) -> duckdb.DuckDBPyConnection:
    """A fresh database with the audit tables and ``rows`` as its ``web_events``."""
    con = duckdb.connect()
    for ddl in schema.ALL:
        con.execute(ddl)
    columns = list(zip(*rows, strict=True))
    table = pa.table([pa.array(list(c), t) for c, t in zip(columns, EVENT_TYPES, strict=True)],
                     names=[f"c{n}" for n in range(13)])  # fmt: skip
    con.register("_rows", table)
    con.execute("INSERT INTO web_events SELECT * FROM _rows")
    con.unregister("_rows")
    return con
