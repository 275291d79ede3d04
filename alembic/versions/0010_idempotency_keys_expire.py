"""idempotency keys of redemptions: up to 255 characters, forgotten after 24 hours

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.alter_column(
            "idempotency_key",
            existing_type=sa.String(length=100),
            type_=sa.String(length=255),
            nullable=True,
        )
        batch_op.create_index(
            "ix_redemptions_keyed_created_at",
            ["created_at"],
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
            sqlite_where=sa.text("idempotency_key IS NOT NULL"),
        )


def downgrade() -> None:
    # Forgotten keys get the redemption's id: unique per user, as the constraint needs.
    op.execute(
        "UPDATE redemptions SET idempotency_key = CAST(id AS VARCHAR(100)) "
        "WHERE idempotency_key IS NULL"
    )
    op.execute(
        "UPDATE redemptions SET idempotency_key = CAST(id AS VARCHAR(100)) "
        "WHERE length(idempotency_key) > 100"
    )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_index("ix_redemptions_keyed_created_at")
        batch_op.alter_column(
            "idempotency_key",
            existing_type=sa.String(length=255),
            type_=sa.String(length=100),
            nullable=False,
        )
