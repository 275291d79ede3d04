"""How long the api takes to judge the worst documents it accepts or refuses, beside a
trivial one.

    python -m bench.validation [--repeat 30]

HARDENING.md: every limit refuses its document before any resolver runs, and the worst
document under the limits validates in < 200 ms. Each document goes through the whole api
in-process, on the embedded default (a temporary SQLite file, fakeredis): the body and
length checks, parsing under the token limit, the validation rules (depth, aliases,
directives, cost, overlapping fields) and, for a document within the limits, execution of
its fields (`__typename` only, so execution adds almost nothing). Every send carries a
distinct trailing comment, so the parse and validation caches never answer for it. Printed
per document: its size, the status and first error code it got (`ok` when it ran), the
median and the worst time of `--repeat` sends, and the median as a multiple of
`{ __typename }`'s; last, the slowest median against the target.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from core.settings import Settings
from db.migrate import upgrade
from graph.app import create_app

TARGET_MS = 200.0


def fragments(count: int, field: str = "__typename") -> str:
    """`count` fragments selecting the same field, all spread at the root: the overlapping-
    fields rule compares every pair of them."""
    spreads = " ".join(f"...F{i}" for i in range(count))
    defined = " ".join(f"fragment F{i} on Query {{ {field} }}" for i in range(count))
    return f"query {{ {spreads} }} {defined}"


def directives(count: int) -> str:
    fields = " ".join("__typename @include(if: true)" for _ in range(count))
    return f"{{ {fields} }}"


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def nested_fragments(depth: int, width: int) -> str:
    """Fragments that spread the ones below them `width` times each, `depth` deep: the
    number of paths grows as width ** depth while the text stays small."""
    parts = [f"fragment L{depth} on Query {{ __typename }}"]
    for level in range(depth - 1, -1, -1):
        spreads = " ".join(f"...L{level + 1}" for _ in range(width))
        parts.append(f"fragment L{level} on Query {{ {spreads} }}")
    return "query { ...L0 } " + " ".join(parts)


def tokens(count: int) -> str:
    """About `count` lexical tokens: `__typename` fields in one selection set."""
    return "{ " + " ".join("__typename" for _ in range(count - 2)) + " }"


def padded(length: int) -> str:
    """`length` characters once `judge` has added its mark."""
    query = "{ __typename }\n# "
    return query + "x" * (length - len(query) - len(mark(0)))


def mark(send: int) -> str:
    """A distinct trailing comment of fixed width: no cache answers for the send."""
    return f"\n# send {send:04d}"


DOCUMENTS: list[tuple[str, Callable[[], str]]] = [
    ("{ __typename } (baseline)", lambda: "{ __typename }"),
    ("110 overlapping fragments", lambda: fragments(110)),
    ("50 directives", lambda: directives(50)),
    ("51 directives", lambda: directives(51)),
    ("15 aliases", lambda: aliases(15)),
    ("16 aliases", lambda: aliases(16)),
    ("one field 998 times", lambda: tokens(998)),
    ("one field 1 100 times", lambda: tokens(1_100)),
    ("15 000 characters", lambda: padded(15_000)),
    ("15 001 characters", lambda: padded(15_001)),
    ("fragments 3 wide, 6 deep", lambda: nested_fragments(6, 3)),
    ("fragments 4 wide, 20 deep", lambda: nested_fragments(20, 4)),
]


async def judge(client: httpx.AsyncClient, query: str, repeat: int) -> tuple[list[float], str]:
    times = []
    outcome = ""
    for n in range(repeat):
        body = {"query": query + mark(n)}
        began = time.perf_counter()
        response = await client.post("/graphql", json=body)
        times.append(time.perf_counter() - began)
        errors = response.json().get("errors") or []
        code = errors[0].get("extensions", {}).get("code", "?") if errors else "ok"
        outcome = f"{response.status_code} {code}"
    return times, outcome


async def bench(settings: Settings, repeat: int) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await judge(client, "{ __typename }", 5)  # warm up
            print(
                f"{'document':<36} {'chars':>6} {'answer':<32} {'median':>8} {'worst':>8} "
                f"{'x base':>7}"
            )
            base = None
            slowest = 0.0
            for name, build in DOCUMENTS:
                query = build()
                times, outcome = await judge(client, query, repeat)
                median = statistics.median(times) * 1000
                worst = max(times) * 1000
                base = base or median
                slowest = max(slowest, median)
                print(
                    f"{name:<36} {len(query + mark(0)):>6} {outcome:<32} {median:>6.1f}ms "
                    f"{worst:>6.1f}ms {median / base:>7.1f}"
                )
    verdict = "met" if slowest < TARGET_MS else "NOT met"
    print(
        f"slowest document judged: median {slowest:.1f} ms (target < {TARGET_MS:.0f} ms: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite'}")
        upgrade(settings)
        asyncio.run(bench(settings, args.repeat))


if __name__ == "__main__":
    main()
