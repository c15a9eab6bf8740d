"""The exception store's tables, declared once with SQLAlchemy Core.

Written for the embedded default (SQLite) and PostgreSQL alike, so the types
are the portable ones: strings and text, JSON for short lists, and
:class:`UtcDateTime` for every instant (PostgreSQL ``timestamptz``; SQLite,
which has no time zones, keeps UTC text and gets the zone back on reading).

Nothing is ever deleted. A revocation is a new row in ``revocations``; deciding
a request fills in its decision columns once. Every write first bumps the one
row of ``exception_counter`` in the same transaction, and stamps the rows it
adds with that number (``change``): the counter is the store's ``version()``
and, because that row lock serialises writers, its numbers follow commit order
(a sequence's would not, and a poller could miss a write that committed late).

The migrations in ``migrations/versions`` create the same schema; a test
compares the two so they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

#: Constraint names are spelled out so that migrations can refer to them on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

ID = 200
SCOPES = "scope IN ('person', 'building', 'role', 'district')"
STATUSES = "status IN ('pending', 'approved', 'declined')"


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An instant: refuses naive datetimes, stores UTC, reads back aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            msg = f"refusing to store a time without a time zone: {value.isoformat()}"
            raise ValueError(msg)
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _change() -> Column[int]:
    return Column("change", BigInteger, nullable=False, comment="exception_counter value")


def _recorded() -> Column[dt.datetime]:
    return Column("recorded_at", UtcDateTime, nullable=False, comment="when it was written")


exception_counter = Table(
    "exception_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
    comment="One row, bumped by every write: the store's version.",
)

grants = Table(
    "grants",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("approver", String(ID), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("target", String(ID), nullable=False),
    Column("starts", UtcDateTime, nullable=False),
    Column("ends", UtcDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("categories", JSON, nullable=False),
    Column("domains", JSON, nullable=False),
    _change(),
    _recorded(),
    CheckConstraint(SCOPES, name="scope"),
    CheckConstraint("ends > starts", name="window"),
    comment="Administrators' grants (5460: 'unless asked to do so by administration').",
)

emergencies = Table(
    "emergencies",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("declared_by", String(ID), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("target", String(ID), nullable=False),
    Column("starts", UtcDateTime, nullable=False),
    Column("ends", UtcDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    _change(),
    _recorded(),
    CheckConstraint(SCOPES, name="scope"),
    CheckConstraint("ends > starts", name="window"),
    comment="Declared emergencies (5460: 'except in an emergency situation').",
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(50), nullable=False),
    Column("subject", String(ID), nullable=False),
    Column("message", Text, nullable=False),
    Column("emergency_id", String(ID), ForeignKey("emergencies.id"), nullable=True),
    _change(),
    _recorded(),
    comment="What administrators must see, such as a declared emergency.",
)

revocations = Table(
    "revocations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("grant_id", String(ID), ForeignKey("grants.id"), nullable=True, index=True),
    Column("emergency_id", String(ID), ForeignKey("emergencies.id"), nullable=True, index=True),
    Column("revoked_by", String(ID), nullable=False),
    Column("revoked_at", UtcDateTime, nullable=False),
    _change(),
    _recorded(),
    CheckConstraint("(grant_id IS NULL) <> (emergency_id IS NULL)", name="one_target"),
    comment="A grant revoked or an emergency ended early: added, never an edit.",
)

exception_requests = Table(
    "exception_requests",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("person", String(ID), nullable=False),
    Column("decision_id", String(ID), nullable=False),
    Column("host", String(255), nullable=False),
    Column("categories", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("decided_by", String(ID), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("grant_id", String(ID), ForeignKey("grants.id"), nullable=True),
    Column("note", Text, nullable=False),
    _change(),
    Column("decided_change", BigInteger, nullable=True, comment="exception_counter value"),
    _recorded(),
    CheckConstraint(STATUSES, name="status"),
    CheckConstraint(
        "status = 'pending' OR (decided_by IS NOT NULL AND decided_at IS NOT NULL)",
        name="decided",
    ),
    CheckConstraint("(status = 'approved') = (grant_id IS NOT NULL)", name="grant"),
    comment="Staff requests for an exception, waiting for or decided by an administrator.",
)

# --- Audit findings (revision 0002) ------------------------------------------------------
#
# An audit run reads logs, evaluates the pack over them and keeps what it found here so
# that the workspace can open cases from them. A finding's id is a hash of the event's
# identity (instant, client, login, method, host, path) and the rule and pack revision
# that judged it, so running the same audit again, even over renamed or re-compressed
# files, finds the same ids and adds nothing.

FINDING_ID = 64

audit_runs = Table(
    "audit_runs",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("operator", String(ID), nullable=False, comment="who ran the audit"),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
    Column("range_from", UtcDateTime, nullable=True),
    Column("range_to", UtcDateTime, nullable=True),
    Column("audience", String(40), nullable=False, comment="who the report was made for"),
    Column("building", String(ID), nullable=True, comment="the report's building scope"),
    Column("engine", String(20), nullable=False),
    Column("revision", String(ID), nullable=False, comment="the pack revision applied"),
    Column("inputs", JSON, nullable=False, comment="the log files read"),
    Column("totals", JSON, nullable=False, comment="lines, events, errors, hits, visits"),
    Column("new_findings", Integer, nullable=False),
    Column("known_findings", Integer, nullable=False),
    comment="One audit over logs: who ran it, when, over what, and what it counted.",
)

findings = Table(
    "findings",
    metadata,
    Column("id", String(FINDING_ID), primary_key=True, comment="hash of the event and rule"),
    Column("at", UtcDateTime, nullable=False, comment="when the event happened"),
    Column("client", String(255), nullable=True),
    Column("username", String(ID), nullable=True),
    Column("method", String(20), nullable=False),
    Column("host", String(255), nullable=False),
    Column("path", Text, nullable=False),
    Column("effect", String(10), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("rule", String(ID), nullable=False),
    Column("revision", String(ID), nullable=False),
    Column("person_id", String(ID), nullable=True),
    Column("building", String(ID), nullable=True),
    Column("categories", JSON, nullable=False),
    Column("citations", JSON, nullable=False, comment="policy, clause, quote, rule, revision"),
    Column("source", Text, nullable=False, comment="log file and line first found in"),
    Column("line", BigInteger, nullable=False),
    Column("run_id", String(ID), ForeignKey("audit_runs.id"), nullable=False, index=True),
    Column("last_run_id", String(ID), ForeignKey("audit_runs.id"), nullable=False),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    # Revision 0004: messages found in mail traces are findings too.
    Column(
        "kind",
        String(20),
        nullable=False,
        server_default="web",
        comment="'web' (a log of web requests) or 'communication' (a message trace)",
    ),
    Column(
        "communication",
        JSON,
        nullable=True,
        comment="channel, direction, audience, purpose, student id, message id",
    ),
    CheckConstraint("effect IN ('deny', 'flag')", name="effect"),
    CheckConstraint("kind IN ('web', 'communication')", name="kind"),
    comment="Violations an audit found, with their citations; never duplicated by a re-run.",
)

# --- The district asset registry (revision 0003) ------------------------------------------
#
# What the district owns (logos, photographs, documents) and its staff-provided value lists,
# as fingerprints only: PDQ hashes and keypoints of a picture, the winnowing fingerprints of
# a document, the salted digests of a value list. Never the picture, the text or a value.
# Removing an asset stamps ``removed_at``; the row stays, so what was registered when (and
# by whom) can always be answered.

ASSET_KINDS = "kind IN ('logo', 'photo', 'document', 'data_source')"

assets = Table(
    "assets",
    metadata,
    Column("id", String(ID), primary_key=True, comment="kind and content hash"),
    Column("kind", String(20), nullable=False),
    Column("label", String(ID), nullable=False),
    Column("added_by", String(ID), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("revision", String(64), nullable=False, comment="content hash of the registered file"),
    Column("fingerprinting", String(ID), nullable=False, comment="what computed the fingerprint"),
    Column("fingerprint", LargeBinary, nullable=False, comment="fingerprints, never content"),
    Column("removed_at", UtcDateTime, nullable=True),
    Column("removed_by", String(ID), nullable=True),
    CheckConstraint(ASSET_KINDS, name="kind"),
    CheckConstraint("(removed_at IS NULL) = (removed_by IS NULL)", name="removed"),
    comment="District-owned material the inspection scanners recognise, as fingerprints.",
)
