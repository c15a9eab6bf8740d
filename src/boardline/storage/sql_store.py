"""What every SQL store shares: one pooled engine, migrated on open, closed with the store.

The exception, finding and asset stores differ in their tables and queries only; how
a store opens its database (URL redacted for messages, schema brought to ``HEAD``
unless ``boardline db upgrade`` is run apart, the pool disposed if that fails) is
written once here.
"""

from __future__ import annotations

from typing import Any, Self

from sqlalchemy import Engine

from boardline.storage.database import (
    migrate_engine,
    open_engine,
    read_options,
    redact,
    write_options,
)


class SqlStore:
    """Base of the SQL stores; ``with store:`` closes the pooled connections."""

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        self.url = redact(url)
        self._engine: Engine = open_engine(url)
        self._write_options: dict[str, Any] = write_options(self._engine)
        self._read_options: dict[str, Any] = read_options(self._engine)
        if upgrade:
            try:
                migrate_engine(self._engine)
            except BaseException:
                self._engine.dispose()
                raise

    def close(self) -> None:
        """Close the pooled connections (a later call opens new ones)."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"
