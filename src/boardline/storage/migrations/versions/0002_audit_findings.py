"""Audit runs and the findings they keep.

Revision 0002. Spelled out here rather than taken from ``boardline.storage.tables``
(as 0001 is) so that later changes need a revision of their own; the schema test
compares the upgraded database with the tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

ID = 200
FINDING_ID = 64
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_runs",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("operator", sa.String(ID), nullable=False, comment="who ran the audit"),
        sa.Column("started_at", INSTANT, nullable=False),
        sa.Column("finished_at", INSTANT, nullable=False),
        sa.Column("range_from", INSTANT, nullable=True),
        sa.Column("range_to", INSTANT, nullable=True),
        sa.Column("audience", sa.String(40), nullable=False, comment="who the report was made for"),
        sa.Column("building", sa.String(ID), nullable=True, comment="the report's building scope"),
        sa.Column("engine", sa.String(20), nullable=False),
        sa.Column("revision", sa.String(ID), nullable=False, comment="the pack revision applied"),
        sa.Column("inputs", sa.JSON, nullable=False, comment="the log files read"),
        sa.Column("totals", sa.JSON, nullable=False, comment="lines, events, errors, hits, visits"),
        sa.Column("new_findings", sa.Integer, nullable=False),
        sa.Column("known_findings", sa.Integer, nullable=False),
        comment="One audit over logs: who ran it, when, over what, and what it counted.",
    )
    op.create_table(
        "findings",
        sa.Column(
            "id", sa.String(FINDING_ID), primary_key=True, comment="hash of the event and rule"
        ),
        sa.Column("at", INSTANT, nullable=False, comment="when the event happened"),
        sa.Column("client", sa.String(255), nullable=True),
        sa.Column("username", sa.String(ID), nullable=True),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("effect", sa.String(10), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(ID), nullable=False),
        sa.Column("revision", sa.String(ID), nullable=False),
        sa.Column("person_id", sa.String(ID), nullable=True),
        sa.Column("building", sa.String(ID), nullable=True),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column(
            "citations",
            sa.JSON,
            nullable=False,
            comment="policy, clause, quote, rule, revision",
        ),
        sa.Column("source", sa.Text, nullable=False, comment="log file and line first found in"),
        sa.Column("line", sa.BigInteger, nullable=False),
        sa.Column("run_id", sa.String(ID), sa.ForeignKey("audit_runs.id"), nullable=False),
        sa.Column("last_run_id", sa.String(ID), sa.ForeignKey("audit_runs.id"), nullable=False),
        sa.Column("first_seen", INSTANT, nullable=False),
        sa.Column("last_seen", INSTANT, nullable=False),
        sa.CheckConstraint("effect IN ('deny', 'flag')", name="effect"),
        comment="Violations an audit found, with their citations; never duplicated by a re-run.",
    )
    op.create_index(op.f("ix_findings_run_id"), "findings", ["run_id"])


def downgrade() -> None:
    # Findings are evidence cases are opened from; dropping them would lose it.
    msg = "audit findings are never downgraded; restore a backup instead"
    raise NotImplementedError(msg)
