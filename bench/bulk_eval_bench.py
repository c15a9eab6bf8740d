"""Bulk evaluation alone: the pack compiled to SQL over generated ``web_events`` in DuckDB.

Run: ``.venv/bin/python bench/bulk_eval_bench.py [--events 1000000] [--threads 2]``.

The events are generated inside DuckDB (no parsing is measured; ``audit_bench.py``
measures the whole ``boardline audit`` run against sarg and GoAccess): a school
week in Cut Bank (Mon 5 – Fri 9 October 2026, 06:00–22:00 local), 4,000 clients
from the demo address plan, a third of them with a proxy login (demo staff,
students and unknown names; one login per client, as in real logs), 20,000 hosts
of which 4 % are social networks (subdomains of the built-in catalogue's
services) and the rest unknown, ~55 % CONNECT. Facts are the demo district's,
with an administrator grant and an emergency in the week so those paths run.

Reported: events/s for ``evaluate_web`` (fact export + the compiled query +
writing ``web_outcomes``), with the fact export's share, and the branches seen.
The anchor, in the same run: the engine's own ``Evaluator`` deciding the first
``--anchor`` of the same events one by one in Python (what an audit without the
compiled SQL would do), and whether its effects equal the SQL's for them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from boardline.audit.bulk import create_tables, evaluate_web, event_time, web_event
from boardline.audit.facts_tables import export_facts
from boardline.bootstrap import case_facts_loader
from boardline.engine.cases import FactsSpec
from boardline.engine.evaluator import Evaluator
from boardline.engine.exceptions import Emergency, ExceptionBook, Grant, Scope

DENVER = ZoneInfo("America/Denver")
SOCIAL = ("facebook.com", "instagram.com", "tiktok.com", "x.com", "reddit.com", "pinterest.com")


def generate(con: duckdb.DuckDBPyConnection, events: int, usernames: list[str]) -> None:
    start = dt.datetime(2026, 10, 5, 6, 0, tzinfo=DENVER).timestamp()
    con.execute(
        "CREATE TEMP TABLE users AS SELECT row_number() OVER () - 1 AS k, u "
        "FROM (SELECT unnest(?::VARCHAR[]) AS u)",
        [usernames],
    )
    con.execute(
        """
        INSERT INTO web_events
        SELECT 'bench.log', i,
            ? + (i % 5) * 86400 + (hash(i, 1) % 57600) + (hash(i, 2) % 1000) / 1000.0,
            CASE c % 4 WHEN 0 THEN '127.10.' WHEN 1 THEN '127.20.'
                 WHEN 2 THEN '127.30.' ELSE '127.40.' END
              || CAST(1 + c // 4 % 4 AS VARCHAR) || '.' || CAST(c // 16 AS VARCHAR),
            CASE WHEN c % 3 = 0 THEN users.u END,
            CASE WHEN hash(i, 8) % 100 < 55 THEN 'CONNECT' ELSE 'GET' END,
            CASE WHEN hash(i, 9) % 100 < 4
                 THEN 'w' || CAST(hash(i, 10) % 50 AS VARCHAR) || '.'
                      || ?[CAST(1 + hash(i, 11) % 6 AS BIGINT)]
                 ELSE 'h' || CAST(hash(i, 12) % 19200 AS VARCHAR) || '.example' END,
            CASE WHEN hash(i, 8) % 100 < 55 THEN ''
                 ELSE '/p' || CAST(hash(i, 13) % 100 AS VARCHAR) END,
            200, 1000, NULL, NULL, 'squid'
        FROM (SELECT i, hash(i, 4) % 4000 AS c FROM range(1, ? + 1) t(i))
        JOIN users ON users.k = hash(c, 7) % ?
        """,
        [start, list(SOCIAL), events, len(usernames)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--anchor", type=int, default=100_000, help="events the engine decides")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        compiled, facts = case_facts_loader(Path(state))(FactsSpec(), Path(state))
    staff = facts.directory.resolve("mrivera")
    assert staff is not None
    day = dt.datetime(2026, 10, 7, 9, 0, tzinfo=DENVER)
    hour = dt.timedelta(hours=1)
    grant = Grant("g1", "jcarter", Scope.BUILDING, "cbhs", day, day + 3 * hour, "yearbook")
    emergency = Emergency("e1", "superintendent", Scope.DISTRICT, "", day, day + hour, "storm")
    book = ExceptionBook.build([grant], [emergency])
    facts = facts.with_exceptions(book)
    people = [p.username for p in facts.directory.people()][:300]  # type: ignore[attr-defined]
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    create_tables(con)
    began = time.perf_counter()
    generate(con, args.events, [*people, "nobody", "guest1"])
    print(f"generated {args.events:,} events in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    export_facts(con, compiled, facts)
    export = time.perf_counter() - began
    began = time.perf_counter()
    rows = evaluate_web(con, compiled, facts)
    total = time.perf_counter() - began
    print(f"evaluate_web: {rows:,} outcomes in {total:.2f} s = {rows / total:,.0f} events/s")
    print(f"  of which the fact export: ~{export:.2f} s (measured separately)")
    for branch, count in con.execute(
        "SELECT branch, count(*) FROM web_outcomes GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall():
        print(f"  {branch:<14} {count:>9,}")
    cursor = con.execute(
        "SELECT e.*, o.effect AS sql_effect FROM web_events e "
        "JOIN web_outcomes o USING (source, line) ORDER BY e.line LIMIT ?",
        [args.anchor],
    )
    names = [d[0] for d in cursor.description]
    sample = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    evaluator = Evaluator(compiled, facts)
    began = time.perf_counter()
    effects = [
        evaluator.decide(web_event(row), event_time(float(row["ts"]))).effect.value
        for row in sample
    ]
    engine = time.perf_counter() - began
    same = sum(e == row["sql_effect"] for e, row in zip(effects, sample, strict=True))
    print(
        f"anchor, engine Evaluator one by one: {len(sample):,} events in {engine:.2f} s = "
        f"{len(sample) / engine:,.0f} events/s; "
        f"effects equal to the SQL's: {same:,}/{len(sample):,}"
    )
    print(f"compiled SQL vs engine: {(rows / total) / (len(sample) / engine):.1f}x events/s")


if __name__ == "__main__":
    main()
