"""The bulk evaluation on Apache Spark: the same compiled SQL, for a consortium's volumes.

Nothing here decides anything. The facts are exported exactly as for DuckDB
(:func:`~boardline.audit.facts_tables.export_facts`), the query is the DuckDB
query of :mod:`~boardline.audit.bulk_sql` transpiled to Spark SQL by sqlglot (one
dialect maintained, not two), and the tables travel as Parquet:

1. DuckDB writes ``web_events`` (or Spark reads them where they already are, e.g.
   ``s3a://consortium-logs/web_events/``) and every ``fact_*`` table as Parquet into
   ``workdir``;
2. Spark registers each as a view under its own name, runs the query and writes
   ``web_outcomes`` as Parquet into ``workdir``;
3. DuckDB reads the outcomes back into the connection's ``web_outcomes``.

So ``evaluate_web_spark`` has the same effect on ``con`` as
:func:`boardline.audit.bulk.evaluate_web`, and ``tests/unit/audit/test_spark.py``
holds the two to identical rows. On a cluster ``workdir`` must be a directory every
executor sees (a shared mount); see ``docs/audit.md`` ("Spark").

PySpark is an optional dependency (the ``dev`` extra, or installed by the
consortium next to its cluster): it is imported only when Spark is asked for.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import sqlglot

from boardline.audit.bulk import create_tables
from boardline.audit.bulk_sql import OUTCOME_COLUMNS, outcomes_sql
from boardline.audit.facts_tables import TABLES, export_facts, range_filter
from boardline.engine.compiled import CompiledPack
from boardline.engine.facts import Facts

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["evaluate_web_spark", "spark_session", "spark_sql"]

#: Shuffle partitions for local mode: Spark's default of 200 costs seconds on small data.
LOCAL_PARTITIONS = 4


def spark_sql(
    compiled: CompiledPack, *, since: float | None = None, until: float | None = None
) -> str:
    """The bulk query in Spark SQL (transpiled from the DuckDB text, never written by hand)."""
    duck = outcomes_sql(compiled, since=since, until=until)
    return sqlglot.transpile(duck, read="duckdb", write="spark")[0]


@contextmanager
def spark_session(
    master: str = "local[2]",
    *,
    app: str = "boardline-audit",
    conf: Mapping[str, str] | None = None,
) -> Iterator[SparkSession]:
    """A Spark session for one audit, stopped on the way out.

    Local masters bind the driver to 127.0.0.1 with the web UI off: an audit on
    one machine opens no port beyond loopback. A cluster master (``spark://``,
    ``yarn``, ``k8s://``) keeps the cluster's own networking settings. ``conf``
    adds Spark settings (executor memory, object-storage credentials providers...).
    """
    from pyspark.sql import SparkSession  # an optional dependency: imported when asked for

    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if master.startswith("local"):
        builder = (
            builder.config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", str(LOCAL_PARTITIONS))
        )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        session.stop()


def evaluate_web_spark(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledPack,
    facts: Facts,
    *,
    master: str = "local[2]",
    workdir: Path,
    since: float | None = None,
    until: float | None = None,
    events_uri: str | None = None,
    spark: SparkSession | None = None,
) -> int:
    """:func:`~boardline.audit.bulk.evaluate_web`, with Spark running the query.

    ``events_uri`` names ``web_events`` Parquet that Spark reads where it lies
    (object storage); ``con`` must still see the same events (e.g. a view over
    ``read_parquet``) because the facts are exported from their distinct hosts
    and clients. ``spark`` reuses a running session instead of starting one on
    ``master`` (and then leaves it running).
    """
    create_tables(con)
    export_facts(con, compiled, facts, since=since, until=until)
    workdir.mkdir(parents=True, exist_ok=True)
    where = range_filter(since, until)
    inputs = _stage_inputs(con, workdir, where, events_uri)
    output = workdir / "web_outcomes"
    if output.exists():
        shutil.rmtree(output)
    query = spark_sql(compiled, since=since, until=until)
    if spark is None:
        with spark_session(master) as session:
            _run(session, inputs, query, output)
    else:
        _run(spark, inputs, query, output)
    columns = ", ".join(OUTCOME_COLUMNS)
    parts = str(output / "*.parquet")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM web_outcomes WHERE {where}")  # noqa: S608
        con.execute(
            f"INSERT INTO web_outcomes ({columns}) SELECT {columns} FROM read_parquet(?)",  # noqa: S608
            [parts],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    found = con.execute(f"SELECT count(*) FROM web_outcomes WHERE {where}").fetchone()  # noqa: S608
    return int(found[0]) if found else 0


def _stage_inputs(
    con: duckdb.DuckDBPyConnection, workdir: Path, where: str, events_uri: str | None
) -> dict[str, str]:
    """Write the facts (and, unless they are elsewhere, the events) as Parquet."""
    inputs: dict[str, str] = {}
    for table in TABLES:
        target = workdir / f"{table}.parquet"
        con.execute(f"COPY {table} TO '{_quoted(target)}' (FORMAT parquet)")
        inputs[table] = str(target)
    if events_uri is not None:
        inputs["web_events"] = events_uri
    else:
        target = workdir / "web_events.parquet"
        con.execute(
            f"COPY (SELECT * FROM web_events WHERE {where}) "  # noqa: S608
            f"TO '{_quoted(target)}' (FORMAT parquet)"
        )
        inputs["web_events"] = str(target)
    return inputs


def _run(session: SparkSession, inputs: dict[str, str], query: str, output: Path) -> None:
    for name, location in inputs.items():
        session.read.parquet(location).createOrReplaceTempView(name)
    session.sql(query).write.mode("overwrite").parquet(str(output))


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
