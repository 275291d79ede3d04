"""Finding, creating and joining challenges."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db.models.challenges import ChallengeMetric
from graph.context import Context
from graph.errors import UserError, user_errors
from graph.permissions import IsAuthenticated
from graph.relay import Connection, check_page_size, connection_of
from graph.social.challenge_types import Challenge, ChallengePayload
from resolvers.input_rules import local_id
from resolvers.social import challenges


@strawberry.input(description="A new challenge.")
class CreateChallengeInput:
    title: str = strawberry.field(description="1 to 100 characters.")
    metric: ChallengeMetric = strawberry.field(description="What it counts.")
    target: int = strawberry.field(description="The progress that wins, 1 to 1 000 000.")
    starts_at: datetime = strawberry.field(description="When progress starts to count.")
    ends_at: datetime = strawberry.field(
        description="When it ends: in the future, at most 90 days after it starts."
    )
    group_id: strawberry.ID | None = strawberry.field(
        default=None, description="A study group I am in, to run it there; none: public."
    )
    description: str | None = strawberry.field(default=None, description="At most 500 characters.")


def _payload(view: challenges.ChallengeView | None, errors: list[UserError]) -> ChallengePayload:
    return ChallengePayload(challenge=None if view is None else Challenge.of(view), errors=errors)


@strawberry.type
class ChallengeQuery:
    @strawberry.field(
        description="Public challenges and those of my groups, oldest first; with "
        "`joined: true` only those I joined. `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def challenges(
        self,
        info: strawberry.Info[Context, None],
        joined: Annotated[bool, strawberry.argument(description="Only those I joined.")] = False,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[Challenge]:
        page, views = await challenges.challenges(
            info.context.session_factory,
            info.context.viewer,
            joined,
            check_page_size(first, info.context.settings.max_page_size),
            after,
        )
        return connection_of(page, Challenge.of, views)

    @strawberry.field(
        description="A public challenge, or one of a group I am in; null otherwise.",
        permission_classes=[IsAuthenticated],
    )
    async def challenge(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> Challenge | None:
        view = await challenges.challenge(
            info.context.session_factory, info.context.viewer, local_id(id, "Challenge", "id")
        )
        return None if view is None else Challenge.of(view)


@strawberry.type
class ChallengeMutation:
    @strawberry.mutation(
        description="Creates a challenge, public or in one of my groups, and joins me to it. "
        "EMPTY_TITLE, TITLE_TOO_LONG, TEXT_TOO_LONG, INVALID_TARGET, INVALID_PERIOD, "
        "ENDS_IN_PAST and a group I am not in (NOT_FOUND) create nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def create_challenge(
        self, info: strawberry.Info[Context, None], input: CreateChallengeInput
    ) -> ChallengePayload:
        async def create() -> challenges.ChallengeView:
            draft = challenges.ChallengeDraft(
                title=input.title,
                description=input.description,
                metric=input.metric,
                target=input.target,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                group_id=None
                if input.group_id is None
                else local_id(input.group_id, "StudyGroup", "groupId"),
            )
            return await challenges.create_challenge(
                info.context.session_factory, info.context.viewer, draft
            )

        return _payload(*await user_errors(create()))

    @strawberry.mutation(
        description="Joins a challenge I can see. ALREADY_JOINED, CHALLENGE_ENDED and one I "
        "cannot see (NOT_FOUND) change nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def join_challenge(
        self, info: strawberry.Info[Context, None], challenge_id: strawberry.ID
    ) -> ChallengePayload:
        async def join() -> challenges.ChallengeView:
            return await challenges.join_challenge(
                info.context.session_factory,
                info.context.viewer,
                local_id(challenge_id, "Challenge", "challengeId"),
            )

        return _payload(*await user_errors(join()))
