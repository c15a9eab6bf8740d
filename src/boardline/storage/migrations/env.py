"""Alembic's entry point for Boardline's schema.

Boardline runs migrations itself (:func:`boardline.storage.migrate`, called at
start-up and by ``boardline db upgrade``), handing over a connection that is
already inside a locked transaction. The ``alembic`` command works too, for
writing new revisions: give it ``-x url=...`` (or ``sqlalchemy.url``) and it
opens the database the way Boardline does.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from boardline.storage.database import open_engine, parse_url
from boardline.storage.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or context.config.get_main_option("sqlalchemy.url")
    if not url:
        msg = "say which database: alembic -x url=sqlite:///var/boardline.db ..."
        raise SystemExit(msg)
    return url


def main() -> None:
    config = context.config
    if context.is_offline_mode():
        context.configure(url=parse_url(_url()), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
        return
    engine = open_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


main()
