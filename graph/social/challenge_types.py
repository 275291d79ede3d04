"""Challenges and their standings as the schema shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.ids import to_global_id
from db.models import challenges as models
from graph.errors import UserError
from graph.relay import check_page_size
from resolvers.social import challenges

strawberry.enum(
    models.ChallengeMetric,
    name="ChallengeMetric",
    description="What a challenge counts: minutes of completed focus sessions, completed "
    "tasks, or the longest streak reached while it runs.",
)


@strawberry.type(description="A participant's place in a challenge.")
class ChallengePlace:
    rank: int = strawberry.field(
        description="1 is first: who reached the target first, then who came furthest, then "
        "the older account."
    )
    user_id: strawberry.ID = strawberry.field(description="Global id of the user.")
    display_name: str = strawberry.field(description="The user's display name.")
    progress: int = strawberry.field(description="How far they have come.")
    reached_at: datetime | None = strawberry.field(description="When they reached the target.")
    won: bool = strawberry.field(description="True once the challenge ended with them a winner.")

    @classmethod
    def of(cls, place: challenges.Place) -> ChallengePlace:
        row = place.participant
        return cls(
            rank=place.rank,
            user_id=strawberry.ID(to_global_id("User", row.user_id)),
            display_name=place.display_name,
            progress=row.progress,
            reached_at=row.reached_at,
            won=row.won,
        )


@strawberry.type(description="Users racing to one target over a period.")
class Challenge:
    view: strawberry.Private[challenges.ChallengeView]
    id: strawberry.ID = strawberry.field(description="Global id of the challenge.")
    title: str = strawberry.field(description="Its title.")
    description: str = strawberry.field(description="What it is about.")
    metric: models.ChallengeMetric = strawberry.field(description="What it counts.")
    target: int = strawberry.field(description="The progress that wins.")
    starts_at: datetime = strawberry.field(description="When progress starts to count.")
    ends_at: datetime = strawberry.field(description="When it ends.")
    group_id: strawberry.ID | None = strawberry.field(
        description="The study group it runs in; null for a public challenge."
    )
    participant_count: int = strawberry.field(description="How many have joined.")
    my_progress: int | None = strawberry.field(description="Mine; null if I have not joined.")
    settled: bool = strawberry.field(description="True once its winners are named.")

    @classmethod
    def of(cls, view: challenges.ChallengeView) -> Challenge:
        c = view.challenge
        return cls(
            view=view,
            id=strawberry.ID(to_global_id("Challenge", c.id)),
            title=c.title,
            description=c.description,
            metric=c.metric,
            target=c.target,
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            group_id=None
            if c.group_id is None
            else strawberry.ID(to_global_id("StudyGroup", c.group_id)),
            participant_count=view.participants,
            my_progress=None if view.mine is None else view.mine.progress,
            settled=c.settled_at is not None,
        )

    @strawberry.field(description="The first `first` places (1 to 100).")
    async def standings(self, info: strawberry.Info, first: int = 10) -> list[ChallengePlace]:
        first = check_page_size(first, info.context.settings.max_page_size)
        loader = info.context.loaders.get(challenges.load_standings)
        places = await loader.load((self.view.challenge.id, first))
        return [ChallengePlace.of(p) for p in places]


@strawberry.type(description="The result of createChallenge and joinChallenge.")
class ChallengePayload:
    challenge: Challenge | None = strawberry.field(description="The challenge as it now is.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")
