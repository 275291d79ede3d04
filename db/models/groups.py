"""Study groups and their members."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Entity, text_enum, utcnow

NAME_MAX = 100
DESCRIPTION_MAX = 500
INVITE_CODE_LENGTH = 22  # 16 random bytes, URL-safe base64 without padding


class GroupVisibility(enum.StrEnum):
    PUBLIC = "PUBLIC"  # listed and open to anyone
    PRIVATE = "PRIVATE"  # unlisted; joined with the invite code


class GroupRole(enum.StrEnum):
    ADMIN = "ADMIN"
    MODERATOR = "MODERATOR"
    MEMBER = "MEMBER"


class StudyGroup(Entity):
    """A change of membership first touches the group's row (`updated_at`), which locks it
    until commit on PostgreSQL and SQLite alike; members are then counted, not kept in a
    counter that an account's deletion (a cascade) would leave behind."""

    __tablename__ = "study_groups"
    __table_args__ = (Index("ix_study_groups_visibility_name", "visibility", "name_key"),)

    name: Mapped[str] = mapped_column(String(NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(NAME_MAX))  # casefolded, for search
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    visibility: Mapped[GroupVisibility] = mapped_column(
        text_enum(GroupVisibility, "group_visibility")
    )
    member_limit: Mapped[int]
    invite_code: Mapped[str] = mapped_column(String(INVITE_CODE_LENGTH), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[GroupRole] = mapped_column(text_enum(GroupRole, "group_role"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
