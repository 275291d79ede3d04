"""Chapters and assessments as instructors and admins write them.

A draft is seen and changed only by its author (and admins); publishing freezes it, so
every attempt at it is graded against the same questions and key.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.assessments import (
    DESCRIPTION_MAX,
    NAME_MAX,
    PROMPT_MAX,
    TITLE_MAX,
    Assessment,
    AssessmentStatus,
    Chapter,
    Question,
    QuestionKind,
)
from db.models.goals import Difficulty
from db.models.users import Role
from db.repositories.assessments import AssessmentRepository, ChapterRepository
from db.repositories.base import Page
from resolvers.access import Viewer, require_role, require_viewer
from resolvers.assessments.grading import Given, check_choices, check_key
from resolvers.input_rules import clean_text, clean_title, not_found

AUTHORS = (Role.INSTRUCTOR, Role.ADMIN)
QUESTIONS_MAX = 200
POINTS_MAX = 100
TIME_LIMIT_MAX = 600


@dataclass(frozen=True)
class QuestionDraft:
    kind: QuestionKind
    prompt: str
    chapter_id: uuid.UUID
    difficulty: Difficulty
    key: Given
    choices: list[str] | None = None
    points: int = 1


@dataclass(frozen=True)
class AssessmentDraft:
    """For an update, a None field is left as it is."""

    title: str | None = None
    description: str | None = None
    time_limit_minutes: int | None = None
    questions: list[QuestionDraft] | None = None


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    questions: list[Question]
    chapters: dict[uuid.UUID, Chapter]
    # The author and admins see the answer key; everyone else only the questions.
    sees_key: bool

    @property
    def max_score(self) -> int:
        return sum(q.points for q in self.questions)


def is_author(viewer: Viewer, assessment: Assessment) -> bool:
    return viewer.is_admin or assessment.author_id == viewer.user_id


async def views_of(
    session: AsyncSession, viewer: Viewer, assessments: Sequence[Assessment]
) -> list[AssessmentView]:
    """The assessments with their questions and chapters, in three statements in all."""
    questions = await AssessmentRepository(session).questions([a.id for a in assessments])
    chapter_ids = sorted({q.chapter_id for found in questions.values() for q in found})
    chapters = await ChapterRepository(session).get_many(chapter_ids)
    return [AssessmentView(a, questions[a.id], chapters, is_author(viewer, a)) for a in assessments]


# --- chapters ----------------------------------------------------------------------------


async def create_chapter(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    subject: str,
    name: str,
    exam_weight: float,
) -> Chapter:
    me = require_role(viewer, *AUTHORS).user_id
    subject = clean_title(subject, "subject", most=NAME_MAX)
    name = clean_title(name, "name", most=NAME_MAX)
    if not math.isfinite(exam_weight) or not 0 <= exam_weight <= 1:
        raise UserInputError(
            "An exam weight is a share of the marks, from 0 to 1",
            code="INVALID_EXAM_WEIGHT",
            field="examWeight",
        )
    async with UnitOfWork(session_factory) as uow:
        chapters = ChapterRepository(uow.session)
        if await chapters.named(subject, name) is not None:
            raise _chapter_exists()
        chapter = chapters.add(
            Chapter(subject=subject, name=name, exam_weight=exam_weight, created_by=me)
        )
        try:
            await uow.commit()
        except IntegrityError:  # the same chapter, created a moment before
            raise _chapter_exists() from None
    return chapter


def _chapter_exists() -> UserInputError:
    return UserInputError(
        "That subject has a chapter of this name already", code="CHAPTER_EXISTS", field="name"
    )


async def chapters(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    subject: str | None,
    first: int,
    after: str | None,
) -> Page[Chapter]:
    require_viewer(viewer)
    async with session_factory() as session:
        return await ChapterRepository(session).listed(subject, first=first, after=after)


# --- assessments -------------------------------------------------------------------------


def _time_limit(minutes: int | None) -> int | None:
    if minutes is not None and not 1 <= minutes <= TIME_LIMIT_MAX:
        raise UserInputError(
            f"A time limit is 1 to {TIME_LIMIT_MAX} minutes",
            code="INVALID_TIME_LIMIT",
            field="timeLimitMinutes",
        )
    return minutes


async def _questions(
    session: AsyncSession, assessment_id: uuid.UUID, drafts: list[QuestionDraft]
) -> list[Question]:
    if len(drafts) > QUESTIONS_MAX:
        raise UserInputError(
            f"An assessment has at most {QUESTIONS_MAX} questions",
            code="TOO_MANY_QUESTIONS",
            field="questions",
        )
    known = await ChapterRepository(session).get_many(sorted({d.chapter_id for d in drafts}))
    questions = []
    for i, draft in enumerate(drafts):
        field = f"questions.{i}"
        prompt = clean_text(draft.prompt, f"{field}.prompt", most=PROMPT_MAX)
        if prompt is None:
            raise UserInputError(
                "A question needs a prompt", code="EMPTY_PROMPT", field=f"{field}.prompt"
            )
        choices = check_choices(draft.kind, draft.choices, f"{field}.choices")
        key = check_key(draft.kind, len(choices), draft.key, f"{field}.key")
        if not 1 <= draft.points <= POINTS_MAX:
            raise UserInputError(
                f"A question is worth 1 to {POINTS_MAX} points",
                code="INVALID_POINTS",
                field=f"{field}.points",
            )
        if draft.chapter_id not in known:
            raise not_found("Chapter", f"{field}.chapterId")
        questions.append(
            Question(
                assessment_id=assessment_id,
                position=i + 1,
                kind=draft.kind,
                prompt=prompt,
                choices=choices,
                key=key,
                chapter_id=draft.chapter_id,
                difficulty=draft.difficulty,
                points=draft.points,
            )
        )
    return questions


async def create_assessment(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    draft: AssessmentDraft,
) -> AssessmentView:
    """A new draft of mine, with its questions checked all at once: any fault, no draft."""
    signed_in = require_role(viewer, *AUTHORS)
    title = clean_title(draft.title or "", "title", most=TITLE_MAX)
    description = clean_text(draft.description, "description", most=DESCRIPTION_MAX) or ""
    time_limit = _time_limit(draft.time_limit_minutes)
    async with UnitOfWork(session_factory) as uow:
        assessments = AssessmentRepository(uow.session)
        assessment = assessments.add(
            Assessment(
                author_id=signed_in.user_id,
                title=title,
                description=description,
                status=AssessmentStatus.DRAFT,
                time_limit_minutes=time_limit,
            )
        )
        await uow.session.flush()
        questions = await _questions(uow.session, assessment.id, draft.questions or [])
        await assessments.replace_questions(assessment.id, questions)
        (view,) = await views_of(uow.session, signed_in, [assessment])
        await uow.commit()
    return view


async def _my_draft(uow: UnitOfWork, viewer: Viewer, assessment_id: uuid.UUID) -> Assessment:
    assessment = await AssessmentRepository(uow.session).lock(assessment_id, utcnow())
    if assessment is None or not is_author(viewer, assessment):
        raise not_found("Assessment", "id")
    if assessment.status is not AssessmentStatus.DRAFT:
        raise UserInputError(
            "A published assessment is frozen: its attempts are graded against it",
            code="ASSESSMENT_PUBLISHED",
            field="id",
        )
    return assessment


async def update_assessment(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    assessment_id: uuid.UUID,
    draft: AssessmentDraft,
) -> AssessmentView:
    """Changes a draft; `questions`, when given, replace all of its questions."""
    signed_in = require_role(viewer, *AUTHORS)
    async with UnitOfWork(session_factory) as uow:
        assessment = await _my_draft(uow, signed_in, assessment_id)
        if draft.title is not None:
            assessment.title = clean_title(draft.title, "title", most=TITLE_MAX)
        if draft.description is not None:
            text = clean_text(draft.description, "description", most=DESCRIPTION_MAX)
            assessment.description = text or ""
        if draft.time_limit_minutes is not None:
            assessment.time_limit_minutes = _time_limit(draft.time_limit_minutes)
        if draft.questions is not None:
            questions = await _questions(uow.session, assessment.id, draft.questions)
            await AssessmentRepository(uow.session).replace_questions(assessment.id, questions)
        await uow.session.flush()
        (view,) = await views_of(uow.session, signed_in, [assessment])
        await uow.commit()
    return view


async def publish_assessment(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    assessment_id: uuid.UUID,
) -> AssessmentView:
    signed_in = require_role(viewer, *AUTHORS)
    async with UnitOfWork(session_factory) as uow:
        assessment = await _my_draft(uow, signed_in, assessment_id)
        (view,) = await views_of(uow.session, signed_in, [assessment])
        if not view.questions:
            raise UserInputError(
                "Add a question before publishing", code="NO_QUESTIONS", field="id"
            )
        assessment.status = AssessmentStatus.PUBLISHED
        assessment.published_at = utcnow()
        await uow.commit()
    return view


async def assessments(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    mine: bool,
    first: int,
    after: str | None,
) -> tuple[Page[Assessment], list[AssessmentView]]:
    """Published assessments and my drafts (admins: every draft), or only those I wrote."""
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        page = await AssessmentRepository(session).visible(
            signed_in.user_id, every=signed_in.is_admin, mine_only=mine, first=first, after=after
        )
        return page, await views_of(session, signed_in, page.items)


async def assessment(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    assessment_id: uuid.UUID,
) -> AssessmentView | None:
    """A published assessment, or a draft of mine; None otherwise."""
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        found = await AssessmentRepository(session).get(assessment_id)
        if found is None or not can_see(signed_in, found):
            return None
        (view,) = await views_of(session, signed_in, [found])
    return view


def can_see(viewer: Viewer, assessment: Assessment) -> bool:
    return assessment.status is AssessmentStatus.PUBLISHED or is_author(viewer, assessment)
