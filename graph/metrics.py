"""`/metrics`: this api instance's figures in Prometheus's text format.

Counted as they happen: HTTP requests by route and status with their duration, and the
errors GraphQL answered with, by code (the outages and refusals an operator watches for:
SERVICE_UNAVAILABLE, TIMEOUT, RATE_LIMITED, INTERNAL_SERVER_ERROR…). Read when scraped:
open WebSockets, live subscriptions, and the database pool's connections in use. Each
instance serves its own; Prometheus adds them up.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.event_bus import current_bus, has_bus

# Upper bounds of the request-duration buckets, in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        self.requests: Counter[tuple[str, int]] = Counter()
        self.durations: dict[str, list[int]] = {}  # per route: counts per bucket, then +Inf
        self.duration_sums: dict[str, float] = {}
        self.errors: Counter[str] = Counter()

    def observe(self, route: str, status: int, seconds: float) -> None:
        self.requests[route, status] += 1
        buckets = self.durations.setdefault(route, [0] * (len(BUCKETS) + 1))
        buckets[bisect_left(BUCKETS, seconds)] += 1
        self.duration_sums[route] = self.duration_sums.get(route, 0.0) + seconds

    def error(self, code: str) -> None:
        self.errors[code] += 1

    def exposition(self, gauges: dict[str, tuple[str, float]]) -> str:
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            lines.extend((f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"))

        family("studygraph_http_requests_total", "counter", "HTTP requests by route and status.")
        for (route, status), count in sorted(self.requests.items()):
            lines.append(
                f'studygraph_http_requests_total{{route="{route}",status="{status}"}} {count}'
            )
        name = "studygraph_http_request_duration_seconds"
        family(name, "histogram", "Time to answer an HTTP request.")
        for route, counts in sorted(self.durations.items()):
            running = 0
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                running += count
                lines.append(f'{name}_bucket{{route="{route}",le="{bound}"}} {running}')
            lines.append(f'{name}_sum{{route="{route}"}} {self.duration_sums[route]:.6f}')
            lines.append(f'{name}_count{{route="{route}"}} {running}')
        family("studygraph_graphql_errors_total", "counter", "GraphQL errors answered, by code.")
        for code, count in sorted(self.errors.items()):
            lines.append(f'studygraph_graphql_errors_total{{code="{code}"}} {count}')
        for gauge, (help_text, value) in sorted(gauges.items()):
            family(gauge, "gauge", help_text)
            lines.append(f"{gauge} {value:g}")
        return "\n".join(lines) + "\n"


# The process's figures: error shaping counts into them wherever it runs.
METRICS = Metrics()


def count_error(code: str) -> None:
    METRICS.error(code)


class MetricsMiddleware:
    """Times every HTTP request; the route is the path of a known endpoint, so the label's
    values stay few whatever paths clients try."""

    def __init__(self, app: ASGIApp, routes: tuple[str, ...]):
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        route = next((r for r in self.routes if path == r or path.startswith(r + "/")), "other")
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            METRICS.observe(route, status, time.perf_counter() - started)


def metrics_endpoint(
    websockets: Callable[[], int], pool_in_use: Callable[[], int]
) -> Callable[[Request], PlainTextResponse]:
    def metrics(_request: Request) -> PlainTextResponse:
        gauges = {
            "studygraph_websockets_signed_in": (
                "GraphQL WebSockets open and signed in.",
                float(websockets()),
            ),
            "studygraph_live_subscribers": (
                "Live subscriptions listening on this instance.",
                float(current_bus().subscriber_count() if has_bus() else 0),
            ),
            "studygraph_db_connections_in_use": (
                "Database connections checked out of the pool.",
                float(pool_in_use()),
            ),
        }
        return PlainTextResponse(METRICS.exposition(gauges), media_type=CONTENT_TYPE)

    return metrics
