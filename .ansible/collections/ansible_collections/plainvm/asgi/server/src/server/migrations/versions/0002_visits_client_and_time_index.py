"""Record the client address of a visit and index visits by time.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, so rows written before this revision stay valid. 45 characters
    # hold the longest textual IPv6 address (an IPv4-mapped one).
    op.add_column("visits", sa.Column("client", sa.String(45), nullable=True))
    op.create_index("ix_visits_created_at", "visits", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_visits_created_at", table_name="visits")
    # Batch mode, because SQLite before 3.35 cannot drop a column in place:
    # Alembic rebuilds the table there and uses ALTER TABLE elsewhere.
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("client")
