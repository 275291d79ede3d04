"""Inputs of the assessment mutations, and their translation to the business drafts."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.assessments.enums import QuestionKind
from graph.goals.enums import Difficulty
from resolvers.assessments.authoring import AssessmentDraft, QuestionDraft
from resolvers.assessments.grading import Given
from resolvers.assessments.results import ChapterScore
from resolvers.input_rules import local_id


@strawberry.input(description="A chapter of a subject.")
class CreateChapterInput:
    subject: str = strawberry.field(description="1 to 100 characters.")
    name: str = strawberry.field(description="1 to 100 characters, unique within the subject.")
    exam_weight: float = strawberry.field(description="Its share of the exam's marks, 0 to 1.")


@strawberry.input(description="The right answer; give only what the question's kind uses.")
class AnswerKeyInput:
    choices: list[int] | None = strawberry.field(
        default=None,
        description="Choice questions: indexes of the right options (exactly one for "
        "SINGLE_CHOICE).",
    )
    number: float | None = strawberry.field(default=None, description="NUMERIC: the answer.")
    tolerance: float | None = strawberry.field(
        default=None, description="NUMERIC: how far off may still count, 0 (default) or more."
    )
    texts: list[str] | None = strawberry.field(
        default=None, description="SHORT_TEXT: 1 to 10 accepted answers."
    )


@strawberry.input(description="A question of an assessment.")
class QuestionInput:
    kind: QuestionKind = strawberry.field(description="How it is answered and graded.")
    prompt: str = strawberry.field(description="1 to 2 000 characters.")
    chapter_id: strawberry.ID = strawberry.field(description="The chapter it tests.")
    difficulty: Difficulty = strawberry.field(description="How hard it is.")
    key: AnswerKeyInput = strawberry.field(description="The right answer.")
    choices: list[str] | None = strawberry.field(
        default=None, description="Choice questions: 2 to 10 distinct options."
    )
    points: int = strawberry.field(default=1, description="What a right answer scores, 1 to 100.")


@strawberry.input(description="A new assessment, saved as a draft.")
class CreateAssessmentInput:
    title: str = strawberry.field(description="1 to 200 characters.")
    questions: list[QuestionInput] = strawberry.field(description="At most 200, in order.")
    description: str | None = strawberry.field(
        default=None, description="At most 2 000 characters."
    )
    time_limit_minutes: int | None = strawberry.field(
        default=None, description="1 to 600 minutes; none: no limit."
    )


@strawberry.input(description="Changes to a draft; what is left out stays as it is.")
class UpdateAssessmentInput:
    title: str | None = strawberry.field(default=None, description="1 to 200 characters.")
    description: str | None = strawberry.field(
        default=None, description="At most 2 000 characters."
    )
    time_limit_minutes: int | None = strawberry.field(default=None, description="1 to 600 minutes.")
    questions: list[QuestionInput] | None = strawberry.field(
        default=None, description="Replaces every question, in this order."
    )


@strawberry.input(description="My answer to one question; give only what its kind uses.")
class SaveAnswerInput:
    attempt_id: strawberry.ID = strawberry.field(description="My attempt in progress.")
    question_id: strawberry.ID = strawberry.field(description="A question of its assessment.")
    choices: list[int] | None = strawberry.field(
        default=None, description="Choice questions: the option indexes chosen."
    )
    number: float | None = strawberry.field(default=None, description="NUMERIC: the answer.")
    text: str | None = strawberry.field(default=None, description="SHORT_TEXT: the answer.")


@strawberry.input(description="How a test taken elsewhere went on one chapter.")
class ChapterScoreInput:
    chapter_id: strawberry.ID = strawberry.field(description="The chapter.")
    correct: int = strawberry.field(description="Questions answered right, 0 to 10 000.")
    wrong: int = strawberry.field(description="Questions answered wrong, 0 to 10 000.")
    unanswered: int = strawberry.field(default=0, description="Questions left, 0 to 10 000.")
    minutes: int | None = strawberry.field(
        default=None, description="Time spent on the chapter, 0 to 1 440."
    )


@strawberry.input(description="A test I took elsewhere.")
class RecordTestResultInput:
    title: str = strawberry.field(description="1 to 200 characters.")
    taken_at: datetime = strawberry.field(description="When, within the last ten years.")
    chapters: list[ChapterScoreInput] = strawberry.field(
        description="1 to 100 chapters, each once."
    )


def question_drafts(questions: list[QuestionInput]) -> list[QuestionDraft]:
    return [
        QuestionDraft(
            kind=q.kind,
            prompt=q.prompt,
            chapter_id=local_id(q.chapter_id, "Chapter", f"questions.{i}.chapterId"),
            difficulty=q.difficulty,
            key=Given(
                choices=q.key.choices,
                number=q.key.number,
                tolerance=q.key.tolerance,
                texts=q.key.texts,
            ),
            choices=q.choices,
            points=q.points,
        )
        for i, q in enumerate(questions)
    ]


def assessment_draft(input: CreateAssessmentInput | UpdateAssessmentInput) -> AssessmentDraft:
    return AssessmentDraft(
        title=input.title,
        description=input.description,
        time_limit_minutes=input.time_limit_minutes,
        questions=None if input.questions is None else question_drafts(input.questions),
    )


def chapter_scores(chapters: list[ChapterScoreInput]) -> list[ChapterScore]:
    return [
        ChapterScore(
            chapter_id=local_id(c.chapter_id, "Chapter", f"chapters.{i}.chapterId"),
            correct=c.correct,
            wrong=c.wrong,
            unanswered=c.unanswered,
            minutes=c.minutes,
        )
        for i, c in enumerate(chapters)
    ]
