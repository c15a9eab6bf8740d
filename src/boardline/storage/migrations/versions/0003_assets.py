"""The district asset registry: logos, photographs, documents and value lists as fingerprints.

Revision 0003. Spelled out here rather than taken from ``boardline.storage.tables``
so that later changes need a revision of their own; the schema test compares the
upgraded database with the tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

ID = 200
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.String(ID), primary_key=True, comment="kind and content hash"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("label", sa.String(ID), nullable=False),
        sa.Column("added_by", sa.String(ID), nullable=False),
        sa.Column("added_at", INSTANT, nullable=False),
        sa.Column(
            "revision", sa.String(64), nullable=False, comment="content hash of the registered file"
        ),
        sa.Column(
            "fingerprinting",
            sa.String(ID),
            nullable=False,
            comment="what computed the fingerprint",
        ),
        sa.Column(
            "fingerprint", sa.LargeBinary, nullable=False, comment="fingerprints, never content"
        ),
        sa.Column("removed_at", INSTANT, nullable=True),
        sa.Column("removed_by", sa.String(ID), nullable=True),
        sa.CheckConstraint("kind IN ('logo', 'photo', 'document', 'data_source')", name="kind"),
        sa.CheckConstraint("(removed_at IS NULL) = (removed_by IS NULL)", name="removed"),
        comment="District-owned material the inspection scanners recognise, as fingerprints.",
    )


def downgrade() -> None:
    op.drop_table("assets")
