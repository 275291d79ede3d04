"""The enums of gamification, exposed under their model names."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from db.models import badges, leagues, points, rewards
from resolvers.gamification import leaderboards
from resolvers.input_rules import local_id

strawberry.enum(points.EntryKind, name="PointEntryKind", description="What changed the points.")
strawberry.enum(
    points.SourceKind,
    name="PointSource",
    description="What a ledger entry is for; each source counts once.",
)
strawberry.enum(
    badges.BadgeCriterion,
    name="BadgeCriterion",
    description="What a badge measures; it is earned when the measure reaches its threshold. "
    "PERFECT_ASSESSMENTS counts the different assessments submitted with every answer right.",
)
strawberry.enum(rewards.RewardTier, name="RewardTier", description="The catalog tier of a reward.")
strawberry.enum(
    rewards.RedemptionStatus,
    name="RedemptionStatus",
    description="PENDING until an admin fulfils or cancels it (a cancel refunds).",
)
strawberry.enum(leagues.LeagueTier, name="LeagueTier", description="League tiers, lowest first.")
strawberry.enum(
    leagues.LeagueOutcome,
    name="LeagueOutcome",
    description="Where a week in a league led: up a tier, the same tier, or down a tier.",
)
strawberry.enum(
    leaderboards.LeaderboardPeriod,
    name="LeaderboardPeriod",
    description="WEEKLY and MONTHLY count points earned in the current UTC ISO week or month.",
)
strawberry.enum(
    leaderboards.LeaderboardScope,
    name="LeaderboardScope",
    description="Who is ranked by points. GLOBAL ranks everyone; FRIENDS ranks me and my "
    "friends; GROUP the members of a study group I am in; CHALLENGE the participants of a "
    "challenge I can see.",
)

EntryKind = points.EntryKind
SourceKind = points.SourceKind
BadgeCriterion = badges.BadgeCriterion
RewardTier = rewards.RewardTier
RedemptionStatus = rewards.RedemptionStatus
LeagueTier = leagues.LeagueTier
LeagueOutcome = leagues.LeagueOutcome
LeaderboardPeriod = leaderboards.LeaderboardPeriod
LeaderboardScope = leaderboards.LeaderboardScope

# The argument that names a board of a non-GLOBAL scope, on `leaderboard` and its updates.
ScopeId = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The board of a non-GLOBAL scope: for FRIENDS, my own user id (or none; "
        "another user's friend list is NOT_FOUND); for GROUP, a study group I am in; for "
        "CHALLENGE, a challenge I can see (both required; any other is NOT_FOUND)."
    ),
]


def scope_id_of(scope: LeaderboardScope, scope_id: strawberry.ID | None) -> uuid.UUID | None:
    """The board's owner: a user for FRIENDS, a study group for GROUP, a challenge."""
    if scope_id is None or scope is LeaderboardScope.GLOBAL:
        return None
    kinds = {
        LeaderboardScope.FRIENDS: "User",
        LeaderboardScope.GROUP: "StudyGroup",
        LeaderboardScope.CHALLENGE: "Challenge",
    }
    return local_id(scope_id, kinds[scope], "scopeId")
