"""Alembic migrations of the storage schema; run by :func:`boardline.storage.migrate`."""
