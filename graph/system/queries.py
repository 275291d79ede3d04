from __future__ import annotations

import strawberry

from graph.context import Context
from graph.system.types import ServerInfo
from resolvers import system


@strawberry.type
class SystemQuery:
    @strawberry.field(description="Version of the service and of its database schema.")
    async def server_info(self, info: strawberry.Info[Context, None]) -> ServerInfo:
        facts = await system.server_info(info.context.session_factory)
        return ServerInfo(version=facts.version, database_revision=facts.database_revision)
