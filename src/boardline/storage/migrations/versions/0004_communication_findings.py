"""Findings from staff–student communications next to those from web logs.

Revision 0004. A finding was web-shaped (client, method, host, path); a violating
message found in a mail trace is kept in the same table, told apart by ``kind``,
with what identifies the message in ``communication``: channel, direction,
audience, purpose, the student's directory id and the platform's message id
(never an address, a subject or a body). Web findings keep their ids and values;
existing rows become ``kind = 'web'``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                sa.String(20),
                nullable=False,
                server_default="web",
                comment="'web' (a log of web requests) or 'communication' (a message trace)",
            )
        )
        batch.add_column(
            sa.Column(
                "communication",
                sa.JSON,
                nullable=True,
                comment="channel, direction, audience, purpose, student id, message id",
            )
        )
        batch.create_check_constraint("kind", "kind IN ('web', 'communication')")


def downgrade() -> None:
    # Findings are evidence cases are opened from; dropping them would lose it.
    msg = "audit findings are never downgraded; restore a backup instead"
    raise NotImplementedError(msg)
