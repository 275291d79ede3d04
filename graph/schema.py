"""The schema, composed from the per-domain parts, with the limits of HARDENING.md."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from core.settings import Settings
from graph.assessments.mutations import AssessmentMutation
from graph.assessments.queries import AssessmentQuery
from graph.assessments.subscriptions import AssessmentSubscription
from graph.document_rules import (
    alias_limit_rule,
    depth_limit_rule,
    directive_limit_rule,
    query_length_rule,
)
from graph.errors import ShapeErrors, record_errors
from graph.focus.mutations import FocusMutation
from graph.focus.queries import FocusQuery
from graph.gamification.mutations import GamificationMutation
from graph.gamification.queries import GamificationQuery
from graph.gamification.subscriptions import GamificationSubscription
from graph.goals.mutations import GoalMutation
from graph.goals.queries import GoalQuery
from graph.goals.task_mutations import TaskMutation
from graph.jobs.queries import JobQuery
from graph.jobs.subscriptions import JobSubscription
from graph.limits import CachedParser, CostLimiter
from graph.loaders import FreshLoaders
from graph.permissions import install_visibility_guard
from graph.rate_limits import OperationRateLimit
from graph.relay import Node, NodeQuery
from graph.schedules.mutations import ScheduleMutation
from graph.schedules.queries import ScheduleQuery
from graph.schedules.subscriptions import ScheduleSubscription
from graph.shared_results import SharedEventExecutor
from graph.social.challenge_fields import ChallengeMutation, ChallengeQuery
from graph.social.challenge_subscriptions import ChallengeSubscription
from graph.social.group_mutations import GroupMutation
from graph.social.group_queries import GroupQuery
from graph.social.mutations import SocialMutation
from graph.social.queries import SocialQuery
from graph.system.queries import SystemQuery
from graph.users.mutations import UserMutation
from graph.users.queries import UserQuery

QUERY_PARTS: tuple[type, ...] = (
    NodeQuery,
    SystemQuery,
    UserQuery,
    JobQuery,
    GoalQuery,
    FocusQuery,
    GamificationQuery,
    ScheduleQuery,
    SocialQuery,
    GroupQuery,
    ChallengeQuery,
    AssessmentQuery,
)
MUTATION_PARTS: tuple[type, ...] = (
    UserMutation,
    GoalMutation,
    TaskMutation,
    FocusMutation,
    GamificationMutation,
    ScheduleMutation,
    SocialMutation,
    GroupMutation,
    ChallengeMutation,
    AssessmentMutation,
)

SUBSCRIPTION_PARTS: tuple[type, ...] = (
    JobSubscription,
    GamificationSubscription,
    ScheduleSubscription,
    ChallengeSubscription,
    AssessmentSubscription,
)


def _root(name: str, parts: tuple[type, ...], description: str) -> type:
    """A root type made of every domain's part: strawberry's `merge_types` with a
    description, and a field that two parts define an error rather than a warning."""
    names = Counter(
        field.name
        for part in parts
        for field in part.__strawberry_definition__.fields  # type: ignore[attr-defined]
    )
    twice = sorted(field for field, count in names.items() if count > 1)
    if twice:
        raise TypeError(f"{name} gets {', '.join(twice)} from more than one part")
    return strawberry.type(type(name, parts, {}), description=description)


Query = _root("Query", QUERY_PARTS, "What a client can read.")
Mutation = _root("Mutation", MUTATION_PARTS, "What a client can change.")
Subscription = _root("Subscription", SUBSCRIPTION_PARTS, "What a client can follow live.")


class StudyGraphSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Request errors are the client's business: counted, and only our own failures logged.
        record_errors(errors)


def extensions_for(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories, not instances: each operation gets fresh extensions (they hold its state)."""
    rules: list[type[ASTValidationRule]] = [
        query_length_rule(settings.max_query_chars),
        depth_limit_rule(settings.max_query_depth),
        alias_limit_rule(settings.max_aliases),
        directive_limit_rule(settings.max_directives),
    ]
    extensions: list[Callable[[], SchemaExtension]] = [
        # Order matters: the token limit applies while parsing, the caches skip repeated work.
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: CachedParser(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        lambda: AddValidationRules(rules),
        lambda: CostLimiter(max_cost=settings.max_query_cost, max_page_size=settings.max_page_size),
        lambda: OperationRateLimit(
            queries_per_minute=settings.queries_per_minute,
            mutations_per_minute=settings.mutations_per_minute,
        ),
        lambda: ShapeErrors(field_suggestions=settings.field_suggestions_enabled),
        FreshLoaders,
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    return extensions


def build_schema(settings: Settings) -> StudyGraphSchema:
    schema = StudyGraphSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Node],
        extensions=extensions_for(settings),
        config=StrawberryConfig(disable_field_suggestions=not settings.field_suggestions_enabled),
        execution_context_class=SharedEventExecutor,
    )
    install_visibility_guard(schema._schema)
    return schema


def schema_sdl() -> str:
    """The SDL committed as `schema.graphql` (independent of runtime settings)."""
    return (
        strawberry.Schema(
            query=Query, mutation=Mutation, subscription=Subscription, types=[Node]
        ).as_str()
        + "\n"
    )
