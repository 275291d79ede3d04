"""Writing chapters and assessments, sitting them, and recording tests taken elsewhere."""

from __future__ import annotations

import strawberry

from graph.assessments.inputs import (
    CreateAssessmentInput,
    CreateChapterInput,
    RecordTestResultInput,
    SaveAnswerInput,
    UpdateAssessmentInput,
    assessment_draft,
    chapter_scores,
)
from graph.assessments.types import (
    Assessment,
    AssessmentPayload,
    Attempt,
    AttemptPayload,
    Chapter,
    ChapterPayload,
    ChapterResult,
    TestResultPayload,
)
from graph.context import Context
from graph.errors import UserError, user_errors
from graph.permissions import IsAuthenticated
from resolvers.assessments import attempts, authoring, results
from resolvers.assessments.attempts import AttemptView
from resolvers.assessments.authoring import AssessmentView
from resolvers.input_rules import local_id

QUESTION_FAULTS = (
    "EMPTY_TITLE, TITLE_TOO_LONG, TEXT_TOO_LONG, INVALID_TIME_LIMIT, TOO_MANY_QUESTIONS, "
    "EMPTY_PROMPT, INVALID_CHOICES, INVALID_ANSWER_KEY, INVALID_POINTS and an unknown chapter "
    "(NOT_FOUND), each with the field at fault"
)


def _assessment(view: AssessmentView | None, errors: list[UserError]) -> AssessmentPayload:
    return AssessmentPayload(
        assessment=None if view is None else Assessment.of(view), errors=errors
    )


def _attempt(view: AttemptView | None, errors: list[UserError]) -> AttemptPayload:
    return AttemptPayload(attempt=None if view is None else Attempt.of(view), errors=errors)


@strawberry.type
class AssessmentMutation:
    @strawberry.mutation(
        description="Instructors and admins: adds a chapter to a subject. EMPTY_TITLE, "
        "TITLE_TOO_LONG, INVALID_EXAM_WEIGHT and CHAPTER_EXISTS create nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def create_chapter(
        self, info: strawberry.Info[Context, None], input: CreateChapterInput
    ) -> ChapterPayload:
        created, errors = await user_errors(
            authoring.create_chapter(
                info.context.session_factory,
                info.context.viewer,
                input.subject,
                input.name,
                input.exam_weight,
            )
        )
        return ChapterPayload(
            chapter=None if created is None else Chapter.of(created), errors=errors
        )

    @strawberry.mutation(
        description="Instructors and admins: writes a draft assessment with its questions. "
        f"{QUESTION_FAULTS}, create nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def create_assessment(
        self, info: strawberry.Info[Context, None], input: CreateAssessmentInput
    ) -> AssessmentPayload:
        async def create() -> AssessmentView:
            return await authoring.create_assessment(
                info.context.session_factory, info.context.viewer, assessment_draft(input)
            )

        return _assessment(*await user_errors(create()))

    @strawberry.mutation(
        description="Changes a draft of mine (admins: anyone's); given questions replace "
        f"them all. {QUESTION_FAULTS}, ASSESSMENT_PUBLISHED and someone else's or an unknown "
        "assessment (NOT_FOUND) change nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def update_assessment(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, input: UpdateAssessmentInput
    ) -> AssessmentPayload:
        async def update() -> AssessmentView:
            return await authoring.update_assessment(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "Assessment", "id"),
                assessment_draft(input),
            )

        return _assessment(*await user_errors(update()))

    @strawberry.mutation(
        description="Publishes a draft of mine, freezing it and opening it to everyone. "
        "NO_QUESTIONS, ASSESSMENT_PUBLISHED and someone else's or an unknown assessment "
        "(NOT_FOUND) change nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def publish_assessment(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> AssessmentPayload:
        async def publish() -> AssessmentView:
            return await authoring.publish_assessment(
                info.context.session_factory, info.context.viewer, local_id(id, "Assessment", "id")
            )

        return _assessment(*await user_errors(publish()))

    @strawberry.mutation(
        description="Starts sitting a published assessment, or returns my attempt in progress "
        "at it (one whose time ran out is graded first). A draft is ASSESSMENT_NOT_PUBLISHED "
        "to its author and NOT_FOUND to everyone else; nothing starts.",
        permission_classes=[IsAuthenticated],
    )
    async def start_attempt(
        self, info: strawberry.Info[Context, None], assessment_id: strawberry.ID
    ) -> AttemptPayload:
        async def start() -> AttemptView:
            return await attempts.start_attempt(
                info.context.session_factory,
                info.context.viewer,
                local_id(assessment_id, "Assessment", "assessmentId"),
            )

        return _attempt(*await user_errors(start()))

    @strawberry.mutation(
        description="Saves my answer to a question, replacing an earlier one. INVALID_ANSWER "
        "(not what the question's kind takes), TIME_UP, ATTEMPT_SUBMITTED, a question of "
        "another assessment and someone else's attempt (NOT_FOUND) save nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def save_answer(
        self, info: strawberry.Info[Context, None], input: SaveAnswerInput
    ) -> AttemptPayload:
        async def save() -> AttemptView:
            return await attempts.save_answer(
                info.context.session_factory,
                info.context.viewer,
                local_id(input.attempt_id, "Attempt", "attemptId"),
                local_id(input.question_id, "Question", "questionId"),
                input.choices,
                input.number,
                input.text,
            )

        return _attempt(*await user_errors(save()))

    @strawberry.mutation(
        description="Submits my attempt for grading: score, accuracy, per-chapter results and "
        "any badge earned. ATTEMPT_SUBMITTED and someone else's attempt (NOT_FOUND) change "
        "nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def submit_attempt(
        self, info: strawberry.Info[Context, None], attempt_id: strawberry.ID
    ) -> AttemptPayload:
        async def submit() -> AttemptView:
            return await attempts.submit_attempt(
                info.context.session_factory,
                info.context.viewer,
                local_id(attempt_id, "Attempt", "attemptId"),
            )

        return _attempt(*await user_errors(submit()))

    @strawberry.mutation(
        description="Records a test I took elsewhere, per chapter. EMPTY_TITLE, "
        "TITLE_TOO_LONG, INVALID_DATETIME, INVALID_TAKEN_AT, INVALID_CHAPTERS, "
        "DUPLICATE_CHAPTER, INVALID_COUNTS, INVALID_MINUTES and an unknown chapter (NOT_FOUND) "
        "record nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def record_test_result(
        self, info: strawberry.Info[Context, None], input: RecordTestResultInput
    ) -> TestResultPayload:
        async def record() -> list[ChapterResult]:
            recorded = await results.record_test_result(
                info.context.session_factory,
                info.context.viewer,
                input.title,
                input.taken_at,
                chapter_scores(input.chapters),
            )
            return [ChapterResult.of(result, chapter) for result, chapter in recorded]

        found, errors = await user_errors(record())
        return TestResultPayload(results=found or [], errors=errors)
