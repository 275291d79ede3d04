"""Reads of focus sessions, focus statistics and blocked sites."""

from __future__ import annotations

import uuid

import strawberry

from graph.context import Context
from graph.focus.types import BlockedSite, FocusPeriod, FocusSession, FocusStats, FocusStatus
from graph.permissions import IsAuthenticated
from graph.relay import Connection, check_page_size, connection_of, register_node
from resolvers import blocked_sites, focus


@strawberry.type
class FocusQuery:
    @strawberry.field(
        description="My open (active or paused) focus session, if any.",
        permission_classes=[IsAuthenticated],
    )
    async def active_focus_session(
        self, info: strawberry.Info[Context, None]
    ) -> FocusSession | None:
        found = await focus.active_focus_session(info.context.session_factory, info.context.viewer)
        return None if found is None else FocusSession.from_model(found)

    @strawberry.field(
        description="My focus sessions, oldest first. `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def focus_sessions(
        self,
        info: strawberry.Info[Context, None],
        first: int,
        after: str | None = None,
        status: list[FocusStatus] | None = None,
    ) -> Connection[FocusSession]:
        page = await focus.list_focus_sessions(
            info.context.session_factory,
            info.context.viewer,
            statuses=tuple(status or ()),
            first=check_page_size(first, info.context.settings.max_page_size),
            after=after,
        )
        return connection_of(page, FocusSession.from_model)

    @strawberry.field(
        description="My focus statistics over the sessions that ended within the period.",
        permission_classes=[IsAuthenticated],
    )
    async def focus_stats(
        self, info: strawberry.Info[Context, None], period: FocusPeriod
    ) -> FocusStats:
        stats = await focus.focus_stats(info.context.session_factory, info.context.viewer, period)
        return FocusStats.from_stats(stats)

    @strawberry.field(
        description="The sites my focus-mode clients block, by pattern.",
        permission_classes=[IsAuthenticated],
    )
    async def blocked_sites(self, info: strawberry.Info[Context, None]) -> list[BlockedSite]:
        found = await blocked_sites.blocked_sites(info.context.session_factory, info.context.viewer)
        return [BlockedSite.from_model(site) for site in found]


async def _fetch_session(
    info: strawberry.Info[Context, None], session_id: uuid.UUID
) -> FocusSession | None:
    found = await focus.get_focus_session(
        info.context.session_factory, info.context.viewer, session_id
    )
    return None if found is None else FocusSession.from_model(found)


async def _fetch_site(
    info: strawberry.Info[Context, None], site_id: uuid.UUID
) -> BlockedSite | None:
    found = await blocked_sites.get_blocked_site(
        info.context.session_factory, info.context.viewer, site_id
    )
    return None if found is None else BlockedSite.from_model(found)


register_node("FocusSession", _fetch_session)
register_node("BlockedSite", _fetch_site)
