"""GET /exports/{job id}: a data export, once, to its owner."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.errors import AuthenticationError, NotFoundError
from graph.context import Context
from resolvers.exports import ExportGone, take_export

ContextFactory = Callable[[Request], Awaitable[Context]]


def export_endpoint(make_context: ContextFactory) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        try:
            job_id = uuid.UUID(request.path_params["job_id"])
            context = await make_context(request)
            content = await take_export(context.session_factory, context.viewer, job_id)
        except ValueError:
            return _error(404, "NOT_FOUND", "No such export")
        except AuthenticationError as exc:
            return _error(401, exc.code, exc.message, {"WWW-Authenticate": "Bearer"})
        except NotFoundError as exc:
            return _error(404, exc.code, exc.message)
        except ExportGone as exc:
            return _error(410, exc.code, exc.message)
        return Response(
            json.dumps(content, ensure_ascii=False, indent=2),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="studygraph-export-{job_id}.json"',
                "Cache-Control": "no-store",
            },
        )

    return download


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)
