"""The exception store: grants, emergencies, alerts, revocations, requests and the counter.

Revision 0001, the first. Spelled out here rather than taken from
``boardline.storage.tables`` so that later changes to the tables need a
revision of their own; a test checks the upgraded schema matches the tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ID = 200
SCOPES = "scope IN ('person', 'building', 'role', 'district')"
INSTANT = sa.DateTime(timezone=True)


def _written() -> list[sa.Column[object]]:
    return [
        sa.Column("change", sa.BigInteger, nullable=False, comment="exception_counter value"),
        sa.Column("recorded_at", INSTANT, nullable=False, comment="when it was written"),
    ]


def upgrade() -> None:
    counter = op.create_table(
        "exception_counter",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="single_row"),
        comment="One row, bumped by every write: the store's version.",
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0}])
    op.create_table(
        "grants",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("approver", sa.String(ID), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("target", sa.String(ID), nullable=False),
        sa.Column("starts", INSTANT, nullable=False),
        sa.Column("ends", INSTANT, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("domains", sa.JSON, nullable=False),
        *_written(),
        sa.CheckConstraint(SCOPES, name="scope"),
        sa.CheckConstraint("ends > starts", name="window"),
        comment="Administrators' grants (5460: 'unless asked to do so by administration').",
    )
    op.create_table(
        "emergencies",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("declared_by", sa.String(ID), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("target", sa.String(ID), nullable=False),
        sa.Column("starts", INSTANT, nullable=False),
        sa.Column("ends", INSTANT, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        *_written(),
        sa.CheckConstraint(SCOPES, name="scope"),
        sa.CheckConstraint("ends > starts", name="window"),
        comment="Declared emergencies (5460: 'except in an emergency situation').",
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(ID), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("emergency_id", sa.String(ID), sa.ForeignKey("emergencies.id"), nullable=True),
        *_written(),
        comment="What administrators must see, such as a declared emergency.",
    )
    op.create_table(
        "revocations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("grant_id", sa.String(ID), sa.ForeignKey("grants.id"), nullable=True),
        sa.Column("emergency_id", sa.String(ID), sa.ForeignKey("emergencies.id"), nullable=True),
        sa.Column("revoked_by", sa.String(ID), nullable=False),
        sa.Column("revoked_at", INSTANT, nullable=False),
        *_written(),
        sa.CheckConstraint("(grant_id IS NULL) <> (emergency_id IS NULL)", name="one_target"),
        comment="A grant revoked or an emergency ended early: added, never an edit.",
    )
    op.create_index(op.f("ix_revocations_grant_id"), "revocations", ["grant_id"])
    op.create_index(op.f("ix_revocations_emergency_id"), "revocations", ["emergency_id"])
    op.create_table(
        "exception_requests",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("person", sa.String(ID), nullable=False),
        sa.Column("decision_id", sa.String(ID), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created", INSTANT, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(ID), nullable=True),
        sa.Column("decided_at", INSTANT, nullable=True),
        sa.Column("grant_id", sa.String(ID), sa.ForeignKey("grants.id"), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("change", sa.BigInteger, nullable=False, comment="exception_counter value"),
        sa.Column(
            "decided_change", sa.BigInteger, nullable=True, comment="exception_counter value"
        ),
        sa.Column("recorded_at", INSTANT, nullable=False, comment="when it was written"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'declined')", name="status"),
        sa.CheckConstraint(
            "status = 'pending' OR (decided_by IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided",
        ),
        sa.CheckConstraint("(status = 'approved') = (grant_id IS NOT NULL)", name="grant"),
        comment="Staff requests for an exception, waiting for or decided by an administrator.",
    )


def downgrade() -> None:
    # Dropping these tables would erase who was granted what, which 5460's review needs.
    msg = "the exception store is never downgraded; restore a backup instead"
    raise NotImplementedError(msg)
