"""Sitting an assessment: starting, saving answers, submitting for an automatic grade.

The attempt row is locked by every save and by the submission, so an answer saved while
the attempt is submitted either counts or is refused, never lost in between. With a time
limit, answers saved after the deadline are refused; an attempt left open past its
deadline is graded as it stood when the student next starts one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.ids import new_id
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.assessments import (
    Answer,
    Assessment,
    AssessmentStatus,
    Attempt,
    AttemptStatus,
    ChapterResult,
    ResultSource,
)
from db.models.badges import Badge, BadgeCriterion
from db.repositories.assessments import (
    AssessmentRepository,
    AttemptRepository,
    ChapterResultRepository,
)
from db.repositories.base import Page
from resolvers.access import Viewer, require_viewer
from resolvers.assessments.authoring import AssessmentView, can_see, views_of
from resolvers.assessments.grading import accuracy_of, check_response, is_correct
from resolvers.gamification.badges import earn_badges
from resolvers.input_rules import not_found
from resolvers.live import tell, user_channel

SUBMITTED_EVENT = "attemptSubmitted"


@dataclass(frozen=True)
class AttemptView:
    attempt: Attempt
    assessment: AssessmentView
    answers: list[Answer]
    results: list[ChapterResult]
    badges: list[Badge]

    @property
    def accuracy(self) -> float | None:
        a = self.attempt
        if a.questions is None or a.correct is None:
            return None  # not graded yet
        return accuracy_of(a.correct, a.questions)

    @property
    def time_taken(self) -> timedelta | None:
        if self.attempt.submitted_at is None:
            return None
        return self.attempt.submitted_at - self.attempt.started_at


async def _view(
    session: AsyncSession, viewer: Viewer, attempt: Attempt, badges: Sequence[Badge] = ()
) -> AttemptView:
    (view,) = await _views(session, viewer, [attempt])
    return replace(view, badges=list(badges))


async def _views(
    session: AsyncSession, viewer: Viewer, attempts: Sequence[Attempt]
) -> list[AttemptView]:
    ids = [a.id for a in attempts]
    found = await AssessmentRepository(session).get_many(
        sorted({a.assessment_id for a in attempts})
    )
    assessments = {
        v.assessment.id: v for v in await views_of(session, viewer, list(found.values()))
    }
    answers = await AttemptRepository(session).answers(ids)
    results = await ChapterResultRepository(session).of_attempts(ids)
    return [
        AttemptView(a, assessments[a.assessment_id], answers[a.id], results[a.id], [])
        for a in attempts
    ]


async def _grade(uow: UnitOfWork, attempt: Attempt, assessment: Assessment, at: datetime) -> None:
    """Grades the attempt as its answers stand, and records its chapter results."""
    session = uow.session
    questions = (await AssessmentRepository(session).questions([assessment.id]))[assessment.id]
    attempts = AttemptRepository(session)
    answers = {a.question_id: a for a in (await attempts.answers([attempt.id]))[attempt.id]}
    graded = {
        q.id: is_correct(q.kind, q.key, answers[q.id].response)
        for q in questions
        if q.id in answers
    }
    for question_id, correct in graded.items():
        answers[question_id].correct = correct
    tally: dict[uuid.UUID, Counter[str]] = {}
    for question in questions:
        outcome = (
            "unanswered"
            if question.id not in graded
            else ("correct" if graded[question.id] else "wrong")
        )
        tally.setdefault(question.chapter_id, Counter())[outcome] += 1
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = at
    attempt.questions = len(questions)
    attempt.correct = sum(graded.values())
    attempt.score = sum(q.points for q in questions if graded.get(q.id))
    attempt.max_score = sum(q.points for q in questions)
    ChapterResultRepository(session).add_all(
        [
            ChapterResult(
                user_id=attempt.user_id,
                chapter_id=chapter_id,
                source=ResultSource.ASSESSMENT,
                attempt_id=attempt.id,
                title=assessment.title,
                correct=counts["correct"],
                wrong=counts["wrong"],
                unanswered=counts["unanswered"],
                taken_at=at,
            )
            for chapter_id, counts in tally.items()
        ]
    )
    await session.flush()
    tell(
        uow,
        user_channel(attempt.user_id),
        SUBMITTED_EVENT,
        {"attemptId": attempt.id, "score": attempt.score, "maxScore": attempt.max_score},
    )


def _closing(attempt: Attempt, now: datetime) -> datetime:
    """When an attempt submitted now ends: now, or its deadline if that has passed."""
    return now if attempt.deadline_at is None else min(now, attempt.deadline_at)


async def start_attempt(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    assessment_id: uuid.UUID,
) -> AttemptView:
    """My attempt in progress at the assessment, or a new one. Starting again while one is
    open returns it (a double click opens one); one whose time ran out is graded first."""
    signed_in = require_viewer(viewer)
    me = signed_in.user_id
    now = utcnow()
    async with UnitOfWork(session_factory) as uow:
        assessment = await AssessmentRepository(uow.session).get(assessment_id)
        if assessment is None or not can_see(signed_in, assessment):
            raise not_found("Assessment", "assessmentId")
        if assessment.status is not AssessmentStatus.PUBLISHED:
            raise UserInputError(
                "Publish the assessment before sitting it",
                code="ASSESSMENT_NOT_PUBLISHED",
                field="assessmentId",
            )
        attempts = AttemptRepository(uow.session)
        current = await attempts.open(assessment_id, me)
        if current is not None:
            current = await attempts.lock(current.id, now)
        if current is not None and current.status is AttemptStatus.IN_PROGRESS:
            if current.deadline_at is None or current.deadline_at > now:
                view = await _view(uow.session, signed_in, current)
                await uow.commit()
                return view
            await _grade(uow, current, assessment, current.deadline_at)
        limit = assessment.time_limit_minutes
        attempt_id = new_id()
        await attempts.start(
            {
                "id": attempt_id,
                "created_at": now,
                "updated_at": now,
                "assessment_id": assessment_id,
                "user_id": me,
                "status": AttemptStatus.IN_PROGRESS,
                "started_at": now,
                "deadline_at": None if limit is None else now + timedelta(minutes=limit),
                "submitted_at": None,
                "score": None,
                "max_score": None,
                "correct": None,
                "questions": None,
            }
        )
        # Ours, or the one a concurrent start opened a moment before.
        opened = await attempts.open(assessment_id, me)
        assert opened is not None
        view = await _view(uow.session, signed_in, opened)
        await uow.commit()
    return view


async def _my_open_attempt(
    uow: UnitOfWork, me: uuid.UUID, attempt_id: uuid.UUID, now: datetime
) -> Attempt:
    attempt = await AttemptRepository(uow.session).lock(attempt_id, now)
    if attempt is None or attempt.user_id != me:
        raise not_found("Attempt", "attemptId")
    if attempt.status is not AttemptStatus.IN_PROGRESS:
        raise UserInputError(
            "This attempt was submitted already", code="ATTEMPT_SUBMITTED", field="attemptId"
        )
    return attempt


async def save_answer(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    attempt_id: uuid.UUID,
    question_id: uuid.UUID,
    choices: list[int] | None,
    number: float | None,
    text: str | None,
) -> AttemptView:
    """Saves (or replaces) my answer to one question of my attempt in progress."""
    signed_in = require_viewer(viewer)
    now = utcnow()
    async with UnitOfWork(session_factory) as uow:
        attempt = await _my_open_attempt(uow, signed_in.user_id, attempt_id, now)
        if attempt.deadline_at is not None and now >= attempt.deadline_at:
            raise UserInputError(
                "The time for this attempt is up", code="TIME_UP", field="attemptId"
            )
        questions = await AssessmentRepository(uow.session).questions([attempt.assessment_id])
        question = next((q for q in questions[attempt.assessment_id] if q.id == question_id), None)
        if question is None:
            raise not_found("Question", "questionId")
        response = check_response(question.kind, len(question.choices), choices, number, text)
        await AttemptRepository(uow.session).save_answer(attempt.id, question.id, response, now)
        view = await _view(uow.session, signed_in, attempt)
        await uow.commit()
    return view


async def submit_attempt(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    attempt_id: uuid.UUID,
) -> AttemptView:
    """Grades my attempt: score, accuracy and per-chapter results, and any badge earned."""
    signed_in = require_viewer(viewer)
    now = utcnow()
    async with UnitOfWork(session_factory) as uow:
        attempt = await _my_open_attempt(uow, signed_in.user_id, attempt_id, now)
        assessment = await AssessmentRepository(uow.session).get(attempt.assessment_id)
        assert assessment is not None  # the attempt cascades with it
        await _grade(uow, attempt, assessment, _closing(attempt, now))
        badges: list[Badge] = []
        if attempt.questions and attempt.correct == attempt.questions:
            perfected = await AttemptRepository(uow.session).perfected(signed_in.user_id)
            badges = await earn_badges(
                uow, signed_in.user_id, {BadgeCriterion.PERFECT_ASSESSMENTS: perfected}
            )
        view = await _view(uow.session, signed_in, attempt, badges)
        await uow.commit()
    return view


async def attempts(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    assessment_id: uuid.UUID | None,
    first: int,
    after: str | None,
) -> tuple[Page[Attempt], list[AttemptView]]:
    """My attempts, oldest first; of one assessment when it is given."""
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        page = await AttemptRepository(session).mine(
            signed_in.user_id, assessment_id, first=first, after=after
        )
        return page, await _views(session, signed_in, page.items)


async def attempt(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    attempt_id: uuid.UUID,
) -> AttemptView | None:
    """One of my attempts (admins: anyone's); None otherwise."""
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        found = await AttemptRepository(session).get(attempt_id)
        if found is None or not (signed_in.is_admin or found.user_id == signed_in.user_id):
            return None
        return await _view(session, signed_in, found)
