"""schedules

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_plans",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_job_id", sa.Uuid(), nullable=True),
        sa.Column("replan_reason", sa.String(length=200), nullable=True),
        sa.Column("next_night_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pending_job_id"],
            ["jobs.id"],
            name=op.f("fk_schedule_plans_pending_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_schedule_plans_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_schedule_plans")),
    )
    with op.batch_alter_table("schedule_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_schedule_plans_next_night_at"), ["next_night_at"], unique=False
        )
    op.create_table(
        "schedule_slots",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "TASK", "BREAK", "BUFFER", "REVIEW", name="slot_kind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_schedule_slots_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_schedule_slots_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_slots")),
    )
    with op.batch_alter_table("schedule_slots", schema=None) as batch_op:
        batch_op.create_index("ix_schedule_slots_task_id", ["task_id"], unique=False)
        batch_op.create_index(
            "ix_schedule_slots_user_id_start_at", ["user_id", "start_at"], unique=False
        )

    op.create_table(
        "task_risks",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "code",
            sa.Enum(
                "NOT_ENOUGH_TIME",
                "DEPENDENCY_LATE",
                "OVERDUE",
                "NO_STUDY_WINDOWS",
                name="risk_code",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_risks_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_task_risks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_risks")),
    )
    with op.batch_alter_table("task_risks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_risks_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_risks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_risks_user_id"))

    op.drop_table("task_risks")
    with op.batch_alter_table("schedule_slots", schema=None) as batch_op:
        batch_op.drop_index("ix_schedule_slots_user_id_start_at")
        batch_op.drop_index("ix_schedule_slots_task_id")

    op.drop_table("schedule_slots")
    with op.batch_alter_table("schedule_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_plans_next_night_at"))

    op.drop_table("schedule_plans")
