"""channel events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_events",
        sa.Column("channel", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "seq", name=op.f("pk_channel_events")),
    )
    op.create_index("ix_channel_events_created_at", "channel_events", ["created_at"], unique=False)
    op.create_table(
        "channel_sequences",
        sa.Column("channel", sa.String(length=120), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_sequences")),
    )


def downgrade() -> None:
    op.drop_table("channel_sequences")
    op.drop_index("ix_channel_events_created_at", table_name="channel_events")
    op.drop_table("channel_events")
