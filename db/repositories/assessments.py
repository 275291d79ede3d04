"""SQL of chapters, assessments and their questions, attempts, answers and chapter results."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.assessments import (
    Answer,
    Assessment,
    AssessmentStatus,
    Attempt,
    AttemptStatus,
    Chapter,
    ChapterResult,
    Question,
)
from db.repositories.base import Page, Repository
from db.repositories.dialect import insert_or_ignore


class ChapterRepository(Repository[Chapter]):
    model = Chapter

    async def named(self, subject: str, name: str) -> Chapter | None:
        return await self.session.scalar(
            select(Chapter).where(Chapter.subject == subject, Chapter.name == name)
        )

    async def listed(self, subject: str | None, *, first: int, after: str | None) -> Page[Chapter]:
        statement = select(Chapter)
        if subject is not None:
            statement = statement.where(Chapter.subject == subject)
        return await self.paginate(statement, first=first, after=after, order_by=[Chapter.id])


class AssessmentRepository(Repository[Assessment]):
    model = Assessment

    async def lock(self, assessment_id: uuid.UUID, now: datetime) -> Assessment | None:
        """The assessment, locked until commit by touching its row (a write: SQLite too)."""
        await self.session.execute(
            update(Assessment).where(Assessment.id == assessment_id).values(updated_at=now)
        )
        return await self.session.get(Assessment, assessment_id, populate_existing=True)

    async def visible(
        self, user_id: uuid.UUID, *, every: bool, mine_only: bool, first: int, after: str | None
    ) -> Page[Assessment]:
        """Published assessments and my own drafts (`every`: drafts of anyone), oldest first;
        `mine_only`: only those I wrote."""
        statement = select(Assessment)
        if mine_only:
            statement = statement.where(Assessment.author_id == user_id)
        elif not every:
            statement = statement.where(
                or_(
                    Assessment.status == AssessmentStatus.PUBLISHED, Assessment.author_id == user_id
                )
            )
        return await self.paginate(statement, first=first, after=after, order_by=[Assessment.id])

    async def questions(
        self, assessment_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[Question]]:
        """Each assessment's questions in their order, in one statement."""
        found: dict[uuid.UUID, list[Question]] = {i: [] for i in assessment_ids}
        if not assessment_ids:
            return found
        rows = await self.session.scalars(
            select(Question)
            .where(Question.assessment_id.in_(assessment_ids))
            .order_by(Question.assessment_id, Question.position)
        )
        for question in rows:
            found[question.assessment_id].append(question)
        return found

    async def replace_questions(self, assessment_id: uuid.UUID, questions: list[Question]) -> None:
        await self.session.execute(delete(Question).where(Question.assessment_id == assessment_id))
        self.session.add_all(questions)
        await self.session.flush()


class AttemptRepository(Repository[Attempt]):
    model = Attempt

    async def open(self, assessment_id: uuid.UUID, user_id: uuid.UUID) -> Attempt | None:
        return await self.session.scalar(
            select(Attempt).where(
                Attempt.assessment_id == assessment_id,
                Attempt.user_id == user_id,
                Attempt.status == AttemptStatus.IN_PROGRESS,
            )
        )

    async def start(self, values: dict[str, Any]) -> bool:
        """Inserts the attempt unless the user has one in progress on the assessment (the
        partial unique index decides, so two starts at once open one)."""
        found = await self.session.execute(insert_or_ignore(self.session, Attempt, "id"), values)
        return found.first() is not None

    async def lock(self, attempt_id: uuid.UUID, now: datetime) -> Attempt | None:
        """The attempt, locked until commit: saving an answer and submitting serialise."""
        await self.session.execute(
            update(Attempt).where(Attempt.id == attempt_id).values(updated_at=now)
        )
        return await self.session.get(Attempt, attempt_id, populate_existing=True)

    async def mine(
        self,
        user_id: uuid.UUID,
        assessment_id: uuid.UUID | None,
        *,
        first: int,
        after: str | None,
    ) -> Page[Attempt]:
        statement = select(Attempt).where(Attempt.user_id == user_id)
        if assessment_id is not None:
            statement = statement.where(Attempt.assessment_id == assessment_id)
        return await self.paginate(statement, first=first, after=after, order_by=[Attempt.id])

    async def answers(self, attempt_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Answer]]:
        found: dict[uuid.UUID, list[Answer]] = {i: [] for i in attempt_ids}
        if not attempt_ids:
            return found
        rows = await self.session.scalars(
            select(Answer).where(Answer.attempt_id.in_(attempt_ids)).order_by(Answer.answered_at)
        )
        for answer in rows:
            found[answer.attempt_id].append(answer)
        return found

    async def save_answer(
        self, attempt_id: uuid.UUID, question_id: uuid.UUID, response: dict[str, Any], now: datetime
    ) -> None:
        """Writes the answer, replacing an earlier one to the same question."""
        module: Any = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = module.insert(Answer).values(
            attempt_id=attempt_id, question_id=question_id, response=response, answered_at=now
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["attempt_id", "question_id"],
                set_={"response": statement.excluded.response, "answered_at": now},
            )
        )

    async def perfected(self, user_id: uuid.UUID) -> int:
        """How many different assessments the user has submitted with every answer right:
        sitting the same one again cannot farm a badge."""
        found = await self.session.scalar(
            select(func.count(func.distinct(Attempt.assessment_id))).where(
                Attempt.user_id == user_id,
                Attempt.status == AttemptStatus.SUBMITTED,
                Attempt.questions > 0,
                Attempt.correct == Attempt.questions,
            )
        )
        return int(found or 0)


class ChapterResultRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add_all(self, results: list[ChapterResult]) -> None:
        self.session.add_all(results)

    async def of_attempts(
        self, attempt_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[ChapterResult]]:
        found: dict[uuid.UUID, list[ChapterResult]] = {i: [] for i in attempt_ids}
        if not attempt_ids:
            return found
        rows = await self.session.scalars(
            select(ChapterResult)
            .where(ChapterResult.attempt_id.in_(attempt_ids))
            .order_by(ChapterResult.id)
        )
        for result in rows:
            if result.attempt_id is not None:
                found[result.attempt_id].append(result)
        return found
