"""Assessments: chapters with their exam weight, question sets written by instructors,
students' attempts at them and the per-chapter results they leave."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Entity, text_enum, utcnow
from db.models.goals import Difficulty

NAME_MAX = 100
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
PROMPT_MAX = 2000
CHOICE_MAX = 500


class QuestionKind(enum.StrEnum):
    SINGLE_CHOICE = "SINGLE_CHOICE"
    MULTIPLE_CHOICE = "MULTIPLE_CHOICE"
    NUMERIC = "NUMERIC"
    SHORT_TEXT = "SHORT_TEXT"


class AssessmentStatus(enum.StrEnum):
    DRAFT = "DRAFT"  # its author edits it; students cannot see it
    PUBLISHED = "PUBLISHED"  # frozen, so every attempt is graded against the same key


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"


class ResultSource(enum.StrEnum):
    ASSESSMENT = "ASSESSMENT"  # a submitted attempt here
    EXTERNAL = "EXTERNAL"  # a test taken elsewhere, recorded by the student


class Chapter(Entity):
    """A chapter of a subject; `exam_weight` is its share of the exam's marks, 0 to 1."""

    __tablename__ = "chapters"
    __table_args__ = (UniqueConstraint("subject", "name"),)

    subject: Mapped[str] = mapped_column(String(NAME_MAX))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    exam_weight: Mapped[float]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class Assessment(Entity):
    """Written by an instructor or admin; an author who leaves takes nothing from the
    students who sat it (`author_id` becomes null and admins keep it)."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_status_id", "status", "id"),)

    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    status: Mapped[AssessmentStatus] = mapped_column(
        text_enum(AssessmentStatus, "assessment_status"), default=AssessmentStatus.DRAFT
    )
    time_limit_minutes: Mapped[int | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)


class Question(Entity):
    """`choices` lists the options of a choice question; `key` is the right answer:
    {"choices": [indexes]}, {"number": x, "tolerance": t} or {"texts": [accepted]}."""

    __tablename__ = "assessment_questions"
    __table_args__ = (UniqueConstraint("assessment_id", "position"),)

    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(text_enum(QuestionKind, "question_kind"))
    prompt: Mapped[str] = mapped_column(String(PROMPT_MAX))
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    key: Mapped[dict[str, Any]] = mapped_column(JSON)
    chapter_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chapters.id", ondelete="RESTRICT"), index=True
    )
    difficulty: Mapped[Difficulty] = mapped_column(text_enum(Difficulty, "difficulty"))
    points: Mapped[int] = mapped_column(default=1)


class Attempt(Entity):
    """One sitting of an assessment. A student has at most one in progress per
    assessment; the grade is written once, on submission."""

    __tablename__ = "assessment_attempts"
    __table_args__ = (
        Index(
            "uq_assessment_attempts_open",
            "assessment_id",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'IN_PROGRESS'"),
            sqlite_where=text("status = 'IN_PROGRESS'"),
        ),
        Index("ix_assessment_attempts_user_id_id", "user_id", "id"),
    )

    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[AttemptStatus] = mapped_column(
        text_enum(AttemptStatus, "attempt_status"), default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Answers saved after this are refused; null when the assessment has no time limit.
    deadline_at: Mapped[datetime | None] = mapped_column(default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    score: Mapped[int | None] = mapped_column(default=None)
    max_score: Mapped[int | None] = mapped_column(default=None)
    correct: Mapped[int | None] = mapped_column(default=None)
    questions: Mapped[int | None] = mapped_column(default=None)


class Answer(Base):
    __tablename__ = "attempt_answers"

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_questions.id", ondelete="CASCADE"), primary_key=True
    )
    # {"choices": [indexes]}, {"number": x} or {"text": "..."}, as the question's kind asks.
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    correct: Mapped[bool | None] = mapped_column(default=None)  # set on submission
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChapterResult(Entity):
    """How a student did on one chapter in one sitting, here or elsewhere: what weak
    areas, mastery and the class heatmap are computed from."""

    __tablename__ = "chapter_results"
    __table_args__ = (Index("ix_chapter_results_user_id_taken_at", "user_id", "taken_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    chapter_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[ResultSource] = mapped_column(text_enum(ResultSource, "result_source"))
    attempt_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assessment_attempts.id", ondelete="CASCADE"), default=None, index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    correct: Mapped[int]
    wrong: Mapped[int]
    unanswered: Mapped[int] = mapped_column(default=0)
    # Known for tests recorded with their times; an attempt does not time each question.
    seconds: Mapped[int | None] = mapped_column(default=None)
    taken_at: Mapped[datetime]
