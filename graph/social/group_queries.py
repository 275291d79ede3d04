"""Finding study groups."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.context import Context
from graph.permissions import IsAuthenticated
from graph.relay import Connection, check_page_size, connection_of
from graph.social.group_types import StudyGroup
from resolvers.input_rules import local_id
from resolvers.social import groups


@strawberry.type
class GroupQuery:
    @strawberry.field(
        description="Public study groups, oldest first, whose name contains `search` (any "
        "case, at most 100 characters). `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def study_groups(
        self,
        info: strawberry.Info[Context, None],
        search: Annotated[
            str | None, strawberry.argument(description="Part of the group's name.")
        ] = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[StudyGroup]:
        page, views = await groups.study_groups(
            info.context.session_factory,
            info.context.viewer,
            search,
            check_page_size(first, info.context.settings.max_page_size),
            after,
        )
        return connection_of(page, StudyGroup.of, views)

    @strawberry.field(
        description="A public group, or a private one I belong to; null otherwise.",
        permission_classes=[IsAuthenticated],
    )
    async def study_group(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> StudyGroup | None:
        view = await groups.study_group(
            info.context.session_factory, info.context.viewer, local_id(id, "StudyGroup", "id")
        )
        return None if view is None else StudyGroup.of(view)
