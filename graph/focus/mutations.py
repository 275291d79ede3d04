"""Mutations of focus sessions and blocked sites."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import focus as models
from graph.context import Context
from graph.errors import user_errors
from graph.focus.types import (
    BlockedSite,
    BlockedSitePayload,
    DistractionKind,
    FocusSession,
    FocusSessionPayload,
    RemoveBlockedSitePayload,
)
from graph.permissions import IsAuthenticated
from resolvers import blocked_sites, focus
from resolvers.access import Viewer
from resolvers.input_rules import local_id

Transition = Callable[
    [async_sessionmaker[AsyncSession], Viewer | None, uuid.UUID, datetime | None],
    Awaitable[models.FocusSession],
]

STATE_ERRORS = (
    " An unknown id returns NOT_FOUND, a session in the wrong state INVALID_SESSION_STATE; "
    "nothing changes then."
)


async def _transition(
    info: strawberry.Info[Context, None], id: strawberry.ID, step: Transition
) -> FocusSessionPayload:
    async def change() -> models.FocusSession:
        session_id = local_id(id, "FocusSession", "id")
        return await step(info.context.session_factory, info.context.viewer, session_id, None)

    return await _session_payload(change())


async def _session_payload(call: Awaitable[models.FocusSession]) -> FocusSessionPayload:
    found, errors = await user_errors(call)
    return FocusSessionPayload(
        focus_session=FocusSession.from_model(found) if found else None, errors=errors
    )


async def _site_payload(call: Awaitable[models.BlockedSite]) -> BlockedSitePayload:
    found, errors = await user_errors(call)
    return BlockedSitePayload(
        blocked_site=BlockedSite.from_model(found) if found else None, errors=errors
    )


@strawberry.type
class FocusMutation:
    @strawberry.mutation(
        description="Starts a focus session, optionally on one of my open tasks (which becomes "
        "IN_PROGRESS). Another open session (FOCUS_SESSION_ACTIVE), planned minutes outside "
        "5 to 240 or someone else's task return `errors` and start nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def start_focus_session(
        self,
        info: strawberry.Info[Context, None],
        planned_minutes: int = 25,
        task_id: strawberry.ID | None = None,
    ) -> FocusSessionPayload:
        async def change() -> models.FocusSession:
            task = None if task_id is None else local_id(task_id, "Task", "taskId")
            return await focus.start_focus_session(
                info.context.session_factory, info.context.viewer, planned_minutes, task
            )

        return await _session_payload(change())

    @strawberry.mutation(
        description="Pauses my active session; paused time does not count." + STATE_ERRORS,
        permission_classes=[IsAuthenticated],
    )
    async def pause_focus_session(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> FocusSessionPayload:
        return await _transition(info, id, focus.pause_focus_session)

    @strawberry.mutation(
        description="Resumes my paused session." + STATE_ERRORS,
        permission_classes=[IsAuthenticated],
    )
    async def resume_focus_session(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> FocusSessionPayload:
        return await _transition(info, id, focus.resume_focus_session)

    @strawberry.mutation(
        description="Completes my open session." + STATE_ERRORS,
        permission_classes=[IsAuthenticated],
    )
    async def complete_focus_session(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> FocusSessionPayload:
        return await _transition(info, id, focus.complete_focus_session)

    @strawberry.mutation(
        description="Abandons my open session (it counts against the productivity score)."
        + STATE_ERRORS,
        permission_classes=[IsAuthenticated],
    )
    async def abandon_focus_session(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> FocusSessionPayload:
        return await _transition(info, id, focus.abandon_focus_session)

    @strawberry.mutation(
        description="Logs a distraction against my open session. Without one, "
        "NO_ACTIVE_SESSION is returned and nothing changes.",
        permission_classes=[IsAuthenticated],
    )
    async def log_distraction(
        self,
        info: strawberry.Info[Context, None],
        kind: DistractionKind,
        label: str | None = None,
    ) -> FocusSessionPayload:
        return await _session_payload(
            focus.log_distraction(info.context.session_factory, info.context.viewer, kind, label)
        )

    @strawberry.mutation(
        description="Adds a site to block while focusing (a host name such as example.com, or "
        "*.example.com for its subdomains; at most 200). An invalid or duplicate pattern "
        "returns `errors` and changes nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def add_blocked_site(
        self, info: strawberry.Info[Context, None], pattern: str
    ) -> BlockedSitePayload:
        return await _site_payload(
            blocked_sites.add_blocked_site(
                info.context.session_factory, info.context.viewer, pattern
            )
        )

    @strawberry.mutation(
        description="Turns blocking of one of my sites on or off (flips it when `active` is "
        "omitted). An unknown id returns NOT_FOUND and changes nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def toggle_blocked_site(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, active: bool | None = None
    ) -> BlockedSitePayload:
        async def change() -> models.BlockedSite:
            return await blocked_sites.set_blocked_site_active(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "BlockedSite", "id"),
                active,
            )

        return await _site_payload(change())

    @strawberry.mutation(
        description="Removes one of my blocked sites. An unknown id returns NOT_FOUND and "
        "changes nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def remove_blocked_site(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> RemoveBlockedSitePayload:
        async def change() -> uuid.UUID:
            return await blocked_sites.remove_blocked_site(
                info.context.session_factory, info.context.viewer, local_id(id, "BlockedSite", "id")
            )

        removed, errors = await user_errors(change())
        return RemoveBlockedSitePayload(
            removed_blocked_site_id=id if removed else None, errors=errors
        )
