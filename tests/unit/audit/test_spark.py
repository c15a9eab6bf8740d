"""Spark runs the same compiled SQL and gives the same outcomes as DuckDB (issue 5, item 5).

One local Spark session (``local[2]``, loopback only, no UI) serves the module
and is stopped at its end.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pyspark.sql import SparkSession

from boardline.audit.bulk import evaluate_web
from boardline.audit.bulk_sql import OUTCOME_COLUMNS
from boardline.audit.readers import load_logs
from boardline.audit.spark import evaluate_web_spark, spark_session, spark_sql
from tests.unit.audit.bulk_world import World, load_events, make_world, random_events

SAMPLE = 2_000
#: A short-lived test JVM starts faster with the client compiler and a serial collector.
QUICK_JVM = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    with spark_session("local[2]", conf=QUICK_JVM) as session:
        yield session
    assert session.sparkContext._jsc is None  # stopped


@pytest.fixture(scope="module", params=["demo", "extended"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("spark-world"), request.param)


def outcomes(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    query = f"SELECT {', '.join(OUTCOME_COLUMNS)} FROM web_outcomes ORDER BY source, line"
    return con.execute(query).fetchall()


def test_spark_outcomes_equal_duckdb_outcomes(
    world: World, spark: SparkSession, tmp_path: Path
) -> None:
    rows = random_events(world, random.Random(2026), SAMPLE)
    duck, sparked = load_events(rows), load_events(rows)
    assert evaluate_web(duck, world.compiled, world.facts) == SAMPLE
    count = evaluate_web_spark(sparked, world.compiled, world.facts, workdir=tmp_path, spark=spark)
    assert count == SAMPLE
    expected = outcomes(duck)
    assert outcomes(sparked) == expected
    # The sample reaches the interesting branches, or equality would prove little.
    branches = {row[OUTCOME_COLUMNS.index("branch")] for row in expected}
    assert {"in_hours", "outside_hours", "grant", "emergency", "not_category"} <= branches


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("spark-demo"), "demo")


def test_a_time_range_replaces_only_its_outcomes(
    demo: World, spark: SparkSession, tmp_path: Path
) -> None:
    world = demo
    rows = random_events(world, random.Random(9), 400)
    con = load_events(rows)
    evaluate_web(con, world.compiled, world.facts)
    before = outcomes(con)
    middle = sorted(float(row[2]) for row in rows)[200]  # type: ignore[arg-type]
    evaluate_web_spark(
        con, world.compiled, world.facts, workdir=tmp_path, spark=spark, since=middle
    )
    assert outcomes(con) == before


def test_the_spark_query_is_transpiled_not_duckdb_text(world: World) -> None:
    text = spark_sql(world.compiled)
    assert "ARRAY<STRING>" in text
    assert "VARCHAR[]" not in text


def test_spark_reads_the_events_a_full_run_keeps_as_parquet(
    demo: World, spark: SparkSession, tmp_path: Path
) -> None:
    """In a full run the fast path's events are Parquet files behind a ``web_events`` view
    (the rows the reference parser reads stay in the table): Spark is handed both."""
    rows = random_events(demo, random.Random(31), 600)
    log = tmp_path / "access.log"
    with log.open("w", encoding="ascii") as out:
        for _, _, ts, client, username, method, host, path, *_ in rows:
            url = f"{host}:443" if method == "CONNECT" else f"http://{host}{path}"
            out.write(f"{float(ts):.3f}     12 {client or '-'} TCP_MISS/200 100 {method} {url} "  # type: ignore[arg-type]
                      f"{username or '-'} HIER_DIRECT/1.2.3.4 -\n")  # fmt: skip
        out.write("1795950062.123 1 10.1.2.3 TCP_MISS/200 1 GET http://a.example/ x\ty HIER/- -\n")
    table = duckdb.connect()
    load_logs(table, [log], directory=None, zone=demo.compiled.zone)
    events = evaluate_web(table, demo.compiled, demo.facts)

    files = tmp_path / "run"
    files.mkdir()
    con = duckdb.connect()
    summary = load_logs(con, [log], directory=None, zone=demo.compiled.zone, into=files)
    assert summary.sources[0].fallback >= 1  # the tab: read by the reference parser
    count = evaluate_web_spark(
        con, demo.compiled, demo.facts, workdir=tmp_path / "spark", spark=spark
    )
    assert count == events > 590
    assert outcomes(con) == outcomes(table)
