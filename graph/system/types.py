from __future__ import annotations

import strawberry


@strawberry.type(description="Facts about the running service.")
class ServerInfo:
    version: str = strawberry.field(description="Version of the StudyGraph package serving.")
    database_revision: str | None = strawberry.field(
        description="Migration revision the database is at."
    )
