"""Reads of chapters, assessments and my attempts."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.assessments.types import Assessment, Attempt, Chapter
from graph.context import Context
from graph.permissions import IsAuthenticated
from graph.relay import Connection, check_page_size, connection_of
from resolvers.assessments import attempts, authoring
from resolvers.input_rules import local_id


@strawberry.type
class AssessmentQuery:
    @strawberry.field(
        description="Chapters, oldest first; of one subject when it is given. `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def chapters(
        self,
        info: strawberry.Info[Context, None],
        subject: Annotated[
            str | None, strawberry.argument(description="Only this subject's chapters.")
        ] = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Chapter]:
        page = await authoring.chapters(
            info.context.session_factory,
            info.context.viewer,
            subject,
            check_page_size(first, info.context.settings.max_page_size),
            after,
        )
        return connection_of(page, Chapter.of)

    @strawberry.field(
        description="Published assessments and my drafts (admins: every draft), oldest "
        "first; with `mine: true` only those I wrote. `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def assessments(
        self,
        info: strawberry.Info[Context, None],
        mine: Annotated[bool, strawberry.argument(description="Only those I wrote.")] = False,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Assessment]:
        page, views = await authoring.assessments(
            info.context.session_factory,
            info.context.viewer,
            mine,
            check_page_size(first, info.context.settings.max_page_size),
            after,
        )
        return connection_of(page, Assessment.of, views)

    @strawberry.field(
        description="A published assessment, or a draft of mine; null otherwise.",
        permission_classes=[IsAuthenticated],
    )
    async def assessment(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> Assessment | None:
        view = await authoring.assessment(
            info.context.session_factory, info.context.viewer, local_id(id, "Assessment", "id")
        )
        return None if view is None else Assessment.of(view)

    @strawberry.field(
        description="My attempts, oldest first; at one assessment when it is given. "
        "`first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def attempts(
        self,
        info: strawberry.Info[Context, None],
        assessment_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only attempts at this one.")
        ] = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Attempt]:
        page, views = await attempts.attempts(
            info.context.session_factory,
            info.context.viewer,
            None
            if assessment_id is None
            else local_id(assessment_id, "Assessment", "assessmentId"),
            check_page_size(first, info.context.settings.max_page_size),
            after,
        )
        return connection_of(page, Attempt.of, views)

    @strawberry.field(
        description="One of my attempts (admins: anyone's); null otherwise.",
        permission_classes=[IsAuthenticated],
    )
    async def attempt(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> Attempt | None:
        view = await attempts.attempt(
            info.context.session_factory, info.context.viewer, local_id(id, "Attempt", "id")
        )
        return None if view is None else Attempt.of(view)
