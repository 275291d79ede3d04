"""Chapters, assessments, their questions and attempts as the schema shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.ids import to_global_id
from db.models import assessments as models
from graph.assessments.enums import AssessmentStatus, AttemptStatus, QuestionKind, ResultSource
from graph.errors import UserError
from graph.gamification.types import Badge
from graph.goals.enums import Difficulty
from resolvers.assessments.attempts import AttemptView
from resolvers.assessments.authoring import AssessmentView
from resolvers.assessments.grading import accuracy_of


@strawberry.type(description="A chapter of a subject, with its share of the exam's marks.")
class Chapter:
    id: strawberry.ID = strawberry.field(description="Global id of the chapter.")
    subject: str = strawberry.field(description="The subject it belongs to.")
    name: str = strawberry.field(description="Its name, unique within the subject.")
    exam_weight: float = strawberry.field(description="Its share of the exam's marks, 0 to 1.")

    @classmethod
    def of(cls, chapter: models.Chapter) -> Chapter:
        return cls(
            id=strawberry.ID(to_global_id("Chapter", chapter.id)),
            subject=chapter.subject,
            name=chapter.name,
            exam_weight=chapter.exam_weight,
        )


@strawberry.type(description="The right answer to a question; only the parts its kind uses.")
class AnswerKey:
    choices: list[int] | None = strawberry.field(description="Indexes of the right options.")
    number: float | None = strawberry.field(description="The right number.")
    tolerance: float | None = strawberry.field(description="How far off a number may be.")
    texts: list[str] | None = strawberry.field(description="The accepted answers.")


@strawberry.type(description="A question of an assessment.")
class Question:
    id: strawberry.ID = strawberry.field(description="Global id of the question.")
    position: int = strawberry.field(description="Its place in the assessment, from 1.")
    kind: QuestionKind = strawberry.field(description="How it is answered and graded.")
    prompt: str = strawberry.field(description="What it asks.")
    choices: list[str] = strawberry.field(description="The options of a choice question.")
    chapter: Chapter = strawberry.field(description="The chapter it tests.")
    difficulty: Difficulty = strawberry.field(description="How hard it is.")
    points: int = strawberry.field(description="What a right answer scores.")
    key: AnswerKey | None = strawberry.field(
        description="The right answer: for the assessment's author and admins, null for others."
    )

    @classmethod
    def of(cls, question: models.Question, view: AssessmentView) -> Question:
        key = question.key
        return cls(
            id=strawberry.ID(to_global_id("Question", question.id)),
            position=question.position,
            kind=question.kind,
            prompt=question.prompt,
            choices=list(question.choices),
            chapter=Chapter.of(view.chapters[question.chapter_id]),
            difficulty=question.difficulty,
            points=question.points,
            key=AnswerKey(
                choices=key.get("choices"),
                number=key.get("number"),
                tolerance=key.get("tolerance"),
                texts=key.get("texts"),
            )
            if view.sees_key
            else None,
        )


@strawberry.type(description="A set of questions written by an instructor, graded on submission.")
class Assessment:
    id: strawberry.ID = strawberry.field(description="Global id of the assessment.")
    title: str = strawberry.field(description="Its title.")
    description: str = strawberry.field(description="What it covers.")
    status: AssessmentStatus = strawberry.field(description="Draft or published.")
    time_limit_minutes: int | None = strawberry.field(
        description="Minutes an attempt may take; null: no limit."
    )
    published_at: datetime | None = strawberry.field(description="When it was published.")
    max_score: int = strawberry.field(description="The score of every answer right.")
    questions: list[Question] = strawberry.field(description="Its questions, in order.")

    @classmethod
    def of(cls, view: AssessmentView) -> Assessment:
        a = view.assessment
        return cls(
            id=strawberry.ID(to_global_id("Assessment", a.id)),
            title=a.title,
            description=a.description,
            status=a.status,
            time_limit_minutes=a.time_limit_minutes,
            published_at=a.published_at,
            max_score=view.max_score,
            questions=[Question.of(q, view) for q in view.questions],
        )


@strawberry.type(description="My answer to one question of an attempt.")
class AttemptAnswer:
    question_id: strawberry.ID = strawberry.field(description="Global id of the question.")
    choices: list[int] | None = strawberry.field(description="The options chosen.")
    number: float | None = strawberry.field(description="The number given.")
    text: str | None = strawberry.field(description="The text given.")
    correct: bool | None = strawberry.field(description="Whether it was right; null until graded.")
    answered_at: datetime = strawberry.field(description="When it was last saved.")

    @classmethod
    def of(cls, answer: models.Answer) -> AttemptAnswer:
        response = answer.response
        return cls(
            question_id=strawberry.ID(to_global_id("Question", answer.question_id)),
            choices=response.get("choices"),
            number=response.get("number"),
            text=response.get("text"),
            correct=answer.correct,
            answered_at=answer.answered_at,
        )


@strawberry.type(description="How one sitting went on one chapter.")
class ChapterResult:
    chapter: Chapter = strawberry.field(description="The chapter.")
    source: ResultSource = strawberry.field(description="Where the test was taken.")
    title: str = strawberry.field(description="The assessment or test.")
    correct: int = strawberry.field(description="Questions answered right.")
    wrong: int = strawberry.field(description="Questions answered wrong.")
    unanswered: int = strawberry.field(description="Questions left unanswered.")
    accuracy: float = strawberry.field(description="Right answers over all its questions.")
    minutes: float | None = strawberry.field(description="Time spent on it, when known.")
    taken_at: datetime = strawberry.field(description="When the test was taken.")

    @classmethod
    def of(cls, result: models.ChapterResult, chapter: models.Chapter) -> ChapterResult:
        total = result.correct + result.wrong + result.unanswered
        return cls(
            chapter=Chapter.of(chapter),
            source=result.source,
            title=result.title,
            correct=result.correct,
            wrong=result.wrong,
            unanswered=result.unanswered,
            accuracy=accuracy_of(result.correct, total),
            minutes=None if result.seconds is None else result.seconds / 60,
            taken_at=result.taken_at,
        )


@strawberry.type(description="One sitting of an assessment by me.")
class Attempt:
    id: strawberry.ID = strawberry.field(description="Global id of the attempt.")
    assessment: Assessment = strawberry.field(description="What is being sat.")
    status: AttemptStatus = strawberry.field(description="In progress or submitted.")
    started_at: datetime = strawberry.field(description="When it began.")
    deadline_at: datetime | None = strawberry.field(
        description="When saving answers stops; null without a time limit."
    )
    submitted_at: datetime | None = strawberry.field(
        description="When it was graded (its deadline, if submitted after it)."
    )
    score: int | None = strawberry.field(description="Points of the right answers, once graded.")
    max_score: int | None = strawberry.field(description="Points of every answer right.")
    correct_count: int | None = strawberry.field(description="Questions answered right.")
    question_count: int | None = strawberry.field(description="Questions graded.")
    accuracy: float | None = strawberry.field(
        description="Right answers over all the questions (unanswered ones count as not right)."
    )
    time_taken_seconds: int | None = strawberry.field(
        description="From the start to the submission."
    )
    answers: list[AttemptAnswer] = strawberry.field(description="My saved answers.")
    chapter_results: list[ChapterResult] = strawberry.field(description="Per chapter, once graded.")
    badges_earned: list[Badge] = strawberry.field(
        description="Badges this submission earned (only in submitAttempt's answer)."
    )

    @classmethod
    def of(cls, view: AttemptView) -> Attempt:
        a = view.attempt
        taken = view.time_taken
        chapters = view.assessment.chapters
        return cls(
            id=strawberry.ID(to_global_id("Attempt", a.id)),
            assessment=Assessment.of(view.assessment),
            status=a.status,
            started_at=a.started_at,
            deadline_at=a.deadline_at,
            submitted_at=a.submitted_at,
            score=a.score,
            max_score=a.max_score,
            correct_count=a.correct,
            question_count=a.questions,
            accuracy=view.accuracy,
            time_taken_seconds=None if taken is None else int(taken.total_seconds()),
            answers=[AttemptAnswer.of(answer) for answer in view.answers],
            chapter_results=[ChapterResult.of(r, chapters[r.chapter_id]) for r in view.results],
            badges_earned=[Badge.from_model(b) for b in view.badges],
        )


@strawberry.type(description="The result of createChapter.")
class ChapterPayload:
    chapter: Chapter | None = strawberry.field(description="The new chapter.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(
    description="The result of createAssessment, updateAssessment and publishAssessment."
)
class AssessmentPayload:
    assessment: Assessment | None = strawberry.field(description="The assessment as it now is.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of startAttempt, saveAnswer and submitAttempt.")
class AttemptPayload:
    attempt: Attempt | None = strawberry.field(description="The attempt as it now is.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of recordTestResult.")
class TestResultPayload:
    results: list[ChapterResult] = strawberry.field(description="One per chapter recorded.")
    errors: list[UserError] = strawberry.field(description="Why nothing was recorded.")
