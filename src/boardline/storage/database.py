"""Opening a database and bringing its schema up to date.

One URL names the database: ``sqlite:///var/boardline.db`` (the embedded
default) or ``postgresql+psycopg://user@host/dbname`` (production; a plain
``postgresql://`` URL is taken to mean the psycopg 3 driver). SQLite is opened
the way a store that must not lose an acknowledged write needs it: write-ahead
log, ``synchronous=FULL``, foreign keys on, a busy timeout so two processes
wait for each other instead of failing, and explicit ``BEGIN`` statements so a
read sees one snapshot and a write holds the lock from its first statement.

Errors name the URL with its password masked, never the password itself.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    String,
    column,
    create_engine,
    event,
    inspect,
    select,
    table,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError, StatementError

from boardline.model.errors import InputError, Place, Problem

SETTING = "database_url"
#: How long (ms) a SQLite writer waits for another one before giving up.
SQLITE_BUSY_MS = 30_000
#: A fixed key for PostgreSQL's advisory lock, so two processes never migrate at once.
MIGRATION_LOCK = 5460_0001
MIGRATIONS = "boardline.storage:migrations"
#: The newest revision under ``migrations/versions`` (a test keeps the two equal).
HEAD = "0004"
VERSION_TABLE = "alembic_version"


class StorageError(InputError):
    """The database could not be opened or used; names the URL with the password masked.

    An :class:`InputError` so that every entry point already reports it as one
    line (``url: database_url: message``) instead of a traceback: a database that
    cannot be reached is, from the operator's side, a setting to fix.
    """

    def __init__(self, url: str, message: str) -> None:
        super().__init__([Problem(Place(url, None, None, SETTING), message)])
        self.url = url


def parse_url(url: str) -> URL:
    """The URL as SQLAlchemy reads it, with ``postgresql://`` mapped to psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        # Not echoed: a mistyped URL may still hold a password.
        raise InputError.at(
            SETTING,
            "not a database URL (expected sqlite:///path/to/boardline.db "
            "or postgresql+psycopg://user@host/dbname)",
        ) from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def redact(url: str | URL) -> str:
    """The URL with any password replaced by ``***``, fit for messages and logs."""
    parsed = url if isinstance(url, URL) else parse_url(url)
    return parsed.render_as_string(hide_password=True)


def describe(exc: BaseException) -> str:
    """The driver's own first line of an error, without SQLAlchemy's statement dump."""
    origin = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    lines = str(origin).strip().splitlines()
    return lines[0] if lines else type(origin).__name__


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # Take transactions out of the sqlite3 module's hands; the "begin" hook issues BEGIN.
    connection.isolation_level = None
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        _wal(cursor)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _wal(cursor: Any) -> None:
    """Switch to WAL, waiting as ``busy_timeout`` would.

    Changing the journal mode needs the database to itself. While another process
    holds a write lock on a file still in rollback-journal mode, SQLite answers
    "database is locked" at once, without its busy handler (waiting could
    deadlock): two processes opening a new database together (Squid starting two
    helper children, say) then failed about one time in twenty. So the switch is
    retried until the same timeout as every other statement.
    """
    deadline = time.monotonic() + SQLITE_BUSY_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def open_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder made and the pragmas above."""
    parsed = parse_url(url)
    shown = redact(parsed)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in {None, "", ":memory:"}:
            raise StorageError(shown, "an in-memory database would lose every record; name a file")
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
    elif backend != "postgresql":
        raise StorageError(shown, f"unsupported database {backend!r}: use sqlite or postgresql")
    try:
        engine = create_engine(
            parsed, pool_pre_ping=backend == "postgresql", json_serializer=encode_json
        )
    except (NoSuchModuleError, ImportError) as exc:
        raise StorageError(shown, f"no driver for this URL: {describe(exc)}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


class EncodedJson(str):
    """JSON text already encoded: :func:`encode_json` stores it as it is.

    A bulk writer whose rows share one document (a finding's citations: the same
    for every finding of a rule) encodes it once instead of once per row.
    """

    __slots__ = ()


def encode_json(value: object) -> str:
    """The engines' JSON serializer: :class:`EncodedJson` as is, anything else encoded."""
    if isinstance(value, EncodedJson):
        return str(value)
    return json.dumps(value)


def write_options(engine: Engine) -> dict[str, Any]:
    """Execution options for a write: SQLite takes its write lock at ``BEGIN``."""
    return {"sqlite_begin": "IMMEDIATE"} if engine.dialect.name == "sqlite" else {}


def read_options(engine: Engine) -> dict[str, Any]:
    """Execution options for a read that spans tables: one snapshot on both databases."""
    if engine.dialect.name == "postgresql":
        return {"isolation_level": "REPEATABLE READ"}
    return {}


@contextmanager
def translated(shown: str, doing: str) -> Iterator[None]:
    """Re-raise database failures as :class:`StorageError` naming the (redacted) URL."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StorageError(shown, f"cannot {doing}: {describe(exc)}") from exc


@dataclass(frozen=True, slots=True)
class Migration:
    """What :func:`migrate` did: the schema revision before and after."""

    url: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def head() -> str:
    """The newest revision in the migrations folder (reads it with Alembic: slow to import)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    revision = ScriptDirectory.from_config(config).get_current_head()
    if revision is None:
        msg = f"no schema revision found in {MIGRATIONS}: the installation is incomplete"
        raise RuntimeError(msg)
    return revision


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    query = select(column("version_num", String)).select_from(table(VERSION_TABLE))
    found: str | None = connection.execute(query).scalar()
    return found


def _upgrade(connection: Connection, shown: str) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    try:
        command.upgrade(config, "head")
    except CommandError as exc:
        # Such as a schema written by a newer Boardline than this one.
        raise StorageError(shown, f"cannot upgrade the schema: {exc}") from None


def migrate_engine(engine: Engine) -> Migration:
    """Upgrade the schema to :data:`HEAD`; safe to run again and from two processes at once.

    A schema already current is found with one plain query, without Alembic
    (whose import would double every command's start-up) and without a write
    lock (so a process that may only read can still start). Otherwise the whole
    upgrade is one transaction (both databases have transactional DDL) under a
    lock, SQLite's write lock or a PostgreSQL advisory lock: a second process
    waits, then finds the schema current and does nothing.
    """
    shown = redact(engine.url)
    with translated(shown, "open the database"), engine.connect() as probe, probe.begin():
        before = _revision(probe)
    if before == HEAD:
        return Migration(shown, before, HEAD)
    with (
        translated(shown, "upgrade the schema"),
        engine.connect().execution_options(**write_options(engine)) as connection,
        connection.begin(),
    ):
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        before = _revision(connection)
        if before != HEAD:
            _upgrade(connection, shown)
        after = _revision(connection)
    if after != HEAD:
        raise StorageError(
            shown, f"the schema is at {after}, which this Boardline (at {HEAD}) does not know"
        )
    return Migration(shown, before, HEAD)


def migrate(url: str) -> Migration:
    """Open ``url`` and upgrade its schema (``boardline db upgrade`` and start-up call this)."""
    engine = open_engine(url)
    try:
        return migrate_engine(engine)
    finally:
        engine.dispose()
