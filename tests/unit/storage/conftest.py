"""Databases for the storage tests: a SQLite file per test, and real PostgreSQL.

PostgreSQL is the production database, so its tests never skip: if the server
at 127.0.0.1:5432 cannot be reached they fail and say how to start it. The
session makes one uniquely named database (connecting first to ``test``) and
drops it at the end; each test gets a fresh schema in it, chosen through the
connection's ``search_path``, so every test starts from an empty database.
``BOARDLINE_TEST_POSTGRES`` may name another server's administrative URL.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

HOST = "127.0.0.1"
PORT = 5432
START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
_schemas = itertools.count(1)


def _admin_url() -> URL:
    given = os.environ.get("BOARDLINE_TEST_POSTGRES")
    candidates = (
        [given]
        if given
        else [f"postgresql+psycopg://{user}@{HOST}:{PORT}/test" for user in ("postgres", "root")]
    )
    problems = []
    for candidate in candidates:
        url = make_url(candidate)
        engine = create_engine(url, connect_args={"connect_timeout": 5})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            problems.append(f"{url.render_as_string(hide_password=True)}: {exc.orig}")
            continue
        finally:
            engine.dispose()
        return url
    pytest.fail(
        "PostgreSQL is needed for the storage tests and could not be reached. "
        f"Start it with `{START}` (.ci/run does). Tried: " + "; ".join(problems),
        pytrace=False,
    )


@pytest.fixture(scope="session")
def pg_database() -> Iterator[URL]:
    """A fresh database for this test session, dropped at the end."""
    admin = _admin_url()
    name = f"boardline_test_{os.getpid()}_{secrets.token_hex(4)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin.set(database=name)
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def pg_schema_url(database: URL) -> str:
    """A URL for a new, empty schema of ``database`` (its tables go there)."""
    schema = f"t{next(_schemas)}_{secrets.token_hex(3)}"
    engine = create_engine(database, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    url = database.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind the store supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'boardline.db'}"
    database: URL = request.getfixturevalue("pg_database")
    return pg_schema_url(database)
