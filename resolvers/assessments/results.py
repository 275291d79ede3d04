"""Results of tests taken elsewhere, recorded by the student per chapter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.assessments import TITLE_MAX, Chapter, ChapterResult, ResultSource
from db.repositories.assessments import ChapterRepository, ChapterResultRepository
from resolvers.access import Viewer, require_viewer
from resolvers.input_rules import clean_title, not_found

CHAPTERS_MAX = 100
COUNT_MAX = 10_000
MINUTES_MAX = 24 * 60
# A clock a little ahead of ours is not a result from the future.
CLOCK_SKEW = timedelta(minutes=5)
OLDEST = timedelta(days=3650)


@dataclass(frozen=True)
class ChapterScore:
    chapter_id: uuid.UUID
    correct: int
    wrong: int
    unanswered: int = 0
    minutes: int | None = None


def _checked(scores: list[ChapterScore]) -> None:
    if not 1 <= len(scores) <= CHAPTERS_MAX:
        raise UserInputError(
            f"Give 1 to {CHAPTERS_MAX} chapters", code="INVALID_CHAPTERS", field="chapters"
        )
    if len({s.chapter_id for s in scores}) != len(scores):
        raise UserInputError(
            "Each chapter appears once", code="DUPLICATE_CHAPTER", field="chapters"
        )
    for i, score in enumerate(scores):
        counts = (score.correct, score.wrong, score.unanswered)
        if any(not 0 <= c <= COUNT_MAX for c in counts) or sum(counts) == 0:
            raise UserInputError(
                f"Counts are 0 to {COUNT_MAX}, and a chapter had at least one question",
                code="INVALID_COUNTS",
                field=f"chapters.{i}",
            )
        if score.minutes is not None and not 0 <= score.minutes <= MINUTES_MAX:
            raise UserInputError(
                f"Minutes must be between 0 and {MINUTES_MAX}",
                code="INVALID_MINUTES",
                field=f"chapters.{i}.minutes",
            )


async def record_test_result(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    title: str,
    taken_at: datetime,
    scores: list[ChapterScore],
) -> list[tuple[ChapterResult, Chapter]]:
    """Records a test I took elsewhere, one result per chapter; any fault records nothing."""
    me = require_viewer(viewer).user_id
    title = clean_title(title, "title", most=TITLE_MAX)
    now = utcnow()
    if taken_at.tzinfo is None:
        raise UserInputError(
            "Give the time with its offset from UTC", code="INVALID_DATETIME", field="takenAt"
        )
    if not now - OLDEST <= taken_at <= now + CLOCK_SKEW:
        raise UserInputError(
            "A test result is from the last ten years, not the future",
            code="INVALID_TAKEN_AT",
            field="takenAt",
        )
    _checked(scores)
    async with UnitOfWork(session_factory) as uow:
        chapters = await ChapterRepository(uow.session).get_many([s.chapter_id for s in scores])
        for i, score in enumerate(scores):
            if score.chapter_id not in chapters:
                raise not_found("Chapter", f"chapters.{i}.chapterId")
        results = [
            ChapterResult(
                user_id=me,
                chapter_id=score.chapter_id,
                source=ResultSource.EXTERNAL,
                title=title,
                correct=score.correct,
                wrong=score.wrong,
                unanswered=score.unanswered,
                seconds=None if score.minutes is None else score.minutes * 60,
                taken_at=taken_at,
            )
            for score in scores
        ]
        ChapterResultRepository(uow.session).add_all(results)
        await uow.commit()
    return [(result, chapters[result.chapter_id]) for result in results]
