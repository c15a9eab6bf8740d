"""Storage adapters: where exceptions, decisions and findings persist (embedded default first).

The exception store keeps grants, emergencies, alerts and requests in SQLite
(``sqlite:///var/boardline.db``) or PostgreSQL (``postgresql+psycopg://...``);
:func:`migrate` brings a database's schema up to date.
"""

from boardline.storage.asset_store import SqlAssetStore, StoredAsset
from boardline.storage.database import Migration, StorageError, migrate, redact
from boardline.storage.exception_store import SqlExceptionStore
from boardline.storage.finding_store import AuditRunRecord, FindingRecord, Saved, SqlFindingStore

__all__ = [
    "AuditRunRecord",
    "FindingRecord",
    "Migration",
    "Saved",
    "SqlAssetStore",
    "SqlExceptionStore",
    "SqlFindingStore",
    "StorageError",
    "StoredAsset",
    "migrate",
    "redact",
]
