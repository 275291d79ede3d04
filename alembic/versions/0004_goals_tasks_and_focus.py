"""goals, tasks and focus

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocked_sites",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("pattern", sa.String(length=253), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_blocked_sites_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_sites")),
        sa.UniqueConstraint("user_id", "pattern", name=op.f("uq_blocked_sites_user_id_pattern")),
    )
    with op.batch_alter_table("blocked_sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blocked_sites_user_id"), ["user_id"], unique=False)

    op.create_table(
        "goals",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(
                "EXAM",
                "SKILL",
                "CERTIFICATION",
                "PLACEMENT",
                "OTHER",
                name="goal_category",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum("LOW", "MEDIUM", "HIGH", name="goal_priority", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "ACTIVE",
                "PAUSED",
                "COMPLETED",
                "ARCHIVED",
                name="goal_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_goals_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.create_index("ix_goals_user_id_status", ["user_id", "status"], unique=False)

    op.create_table(
        "milestones",
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_milestones_goal_id_goals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_milestones_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(
            "ix_milestones_goal_id_position", ["goal_id", "position"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_milestones_user_id"), ["user_id"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=True),
        sa.Column("milestone_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("estimated_minutes", sa.Integer(), nullable=False),
        sa.Column("actual_minutes", sa.Integer(), nullable=True),
        sa.Column(
            "difficulty",
            sa.Enum("EASY", "MEDIUM", "HARD", name="task_difficulty", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "IN_PROGRESS",
                "COMPLETED",
                "SKIPPED",
                name="task_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "timeliness",
            sa.Enum(
                "EARLY",
                "ON_TIME",
                "LATE",
                "NO_DUE_DATE",
                name="task_timeliness",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("skip_reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_tasks_goal_id_goals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_tasks_milestone_id_milestones"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tasks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_goal_id", ["goal_id"], unique=False)
        batch_op.create_index("ix_tasks_milestone_id", ["milestone_id"], unique=False)
        batch_op.create_index("ix_tasks_user_id_status", ["user_id", "status"], unique=False)

    op.create_table(
        "focus_sessions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "ACTIVE",
                "PAUSED",
                "COMPLETED",
                "ABANDONED",
                name="focus_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("planned_minutes", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("pause_count", sa.Integer(), nullable=False),
        sa.Column("distraction_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_focus_sessions_task_id_tasks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_focus_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_sessions")),
    )
    with op.batch_alter_table("focus_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_focus_sessions_task_id"), ["task_id"], unique=False)
        batch_op.create_index(
            "ix_focus_sessions_user_id_started_at", ["user_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "uq_focus_sessions_open_user_id",
            ["user_id"],
            unique=True,
            postgresql_where=sa.text("status IN ('ACTIVE', 'PAUSED')"),
            sqlite_where=sa.text("status IN ('ACTIVE', 'PAUSED')"),
        )

    op.create_table(
        "task_dependencies",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("depends_on_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["depends_on_id"],
            ["tasks.id"],
            name=op.f("fk_task_dependencies_depends_on_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_dependencies_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "depends_on_id", name=op.f("pk_task_dependencies")),
    )
    with op.batch_alter_table("task_dependencies", schema=None) as batch_op:
        batch_op.create_index("ix_task_dependencies_depends_on_id", ["depends_on_id"], unique=False)

    op.create_table(
        "focus_distractions",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "WEBSITE",
                "APP",
                "NOTIFICATION",
                "PERSON",
                "OTHER",
                name="distraction_kind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["focus_sessions.id"],
            name=op.f("fk_focus_distractions_session_id_focus_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_focus_distractions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_distractions")),
    )
    with op.batch_alter_table("focus_distractions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_focus_distractions_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_focus_distractions_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("focus_distractions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_focus_distractions_user_id"))
        batch_op.drop_index(batch_op.f("ix_focus_distractions_session_id"))

    op.drop_table("focus_distractions")
    with op.batch_alter_table("task_dependencies", schema=None) as batch_op:
        batch_op.drop_index("ix_task_dependencies_depends_on_id")

    op.drop_table("task_dependencies")
    with op.batch_alter_table("focus_sessions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_focus_sessions_open_user_id",
            postgresql_where=sa.text("status IN ('ACTIVE', 'PAUSED')"),
            sqlite_where=sa.text("status IN ('ACTIVE', 'PAUSED')"),
        )
        batch_op.drop_index("ix_focus_sessions_user_id_started_at")
        batch_op.drop_index(batch_op.f("ix_focus_sessions_task_id"))

    op.drop_table("focus_sessions")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_user_id_status")
        batch_op.drop_index("ix_tasks_milestone_id")
        batch_op.drop_index("ix_tasks_goal_id")

    op.drop_table("tasks")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_user_id"))
        batch_op.drop_index("ix_milestones_goal_id_position")

    op.drop_table("milestones")
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_index("ix_goals_user_id_status")

    op.drop_table("goals")
    with op.batch_alter_table("blocked_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blocked_sites_user_id"))

    op.drop_table("blocked_sites")
