"""Storage adapters: where exceptions, decisions and findings persist (embedded default first).

The exception store keeps grants, emergencies, alerts and requests in SQLite
(``sqlite:///var/boardline.db``) or PostgreSQL (``postgresql+psycopg://...``);
:func:`migrate` brings a database's schema up to date.

The asset store is imported on first use (PEP 562): it needs the scanners, and so
OpenCV and the document extractors, which a Squid helper child — one of many,
each its own process — should not load just to read the exception store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from boardline.storage.database import Migration, StorageError, migrate, redact
from boardline.storage.exception_store import SqlExceptionStore
from boardline.storage.finding_store import AuditRunRecord, FindingRecord, Saved, SqlFindingStore

if TYPE_CHECKING:
    from boardline.storage.asset_store import SqlAssetStore, StoredAsset

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

_LAZY = {"SqlAssetStore", "StoredAsset"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from boardline.storage import asset_store

        return getattr(asset_store, name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
