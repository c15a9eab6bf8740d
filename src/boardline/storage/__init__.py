"""Storage adapters: where exceptions, decisions and findings persist (embedded default first).

The exception store keeps grants, emergencies, alerts and requests in SQLite
(``sqlite:///var/boardline.db``) or PostgreSQL (``postgresql+psycopg://...``);
:func:`migrate` brings a database's schema up to date.
"""

from boardline.storage.database import Migration, StorageError, migrate, redact
from boardline.storage.exception_store import SqlExceptionStore

__all__ = ["Migration", "SqlExceptionStore", "StorageError", "migrate", "redact"]
