"""The study-time planner: pending tasks into study windows, and what is at risk.

`plan(problem)` returns slots sorted by start and the tasks at risk; it maximises
`objective(problem, slots)`, defined in `ml.plan_objective` (value per task-minute placed:
priority x urgency decaying with time, a bonus for meeting the due date and a smaller one
for keeping the buffer before it, a decaying value for late work, bonuses for hard work in
peak hours and for minutes left where the current plan had them).

Hard rules, always kept:
- every TASK slot lies inside one study window and in [0, horizon); no two slots overlap
  each other or a locked slot;
- chunks run from `min_chunk` to `max_chunk` minutes; a shorter one only when the task has
  fewer minutes than `min_chunk` left to place, or when its minutes cannot be cut into
  chunks of allowed length at all (then once, as its last piece);
- two chunks in one window either have a locked slot between them or at least
  `break_minutes` between them; when exactly that, a BREAK slot fills the gap;
- a task is placed only once everything it depends on is placed whole, and its first
  chunk starts after every chunk (placed, kept or locked) of each of them has ended;
- a task on a dependency cycle is never placed.
Due dates are met wherever the free time allows (the objective rewards on-time minutes more
than any soft preference can differ); a task not fully planned by a due inside the horizon
is returned in `at_risk` with its reason. No BUFFER or REVIEW slots are emitted: the buffer
is kept through the objective, as free time before the due where possible.

How: a local search, then exact stretches. The local search (`local_search`) is a forward
pass with a deadline guard, exchanges of chunk owners, stretching and a second fill
(`ml.plan_search`, `ml.plan_select`, `ml.plan_exchange`), then repacking of each free
segment alone and of each two consecutive ones (`ml.plan_repack`: chunk order and lengths
searched again, kept when the objective rises; a small bonus per due met whole and penalty
per stranded remainder decide near-ties), a fill and exchange pass, and a deadline repair
(`ml.plan_repair`: a task missing a due the free time allows is placed again before it,
moving work due later, and kept only when the objective rises), and on the better of the
two plans below a last repack, fill and exchange pass. The guard drops, when the time
before a due runs short, either the task worth least per minute or the one worth least with
everything that waits for it; up to `BOTH_GUARDS` tasks both are run and the better plan
kept (the second only when the first dropped a task the second would not have, or not
alone: otherwise the two searches are the same). Every local step is capped by counts,
never by the clock: a problem always gets the same local plan.

Up to `BOTH_GUARDS` tasks, stretches of the plan are then laid out again exactly
(`ml.plan_lns`: a small integer program per stretch of free segments, first before each
due still missed, then across the horizon, and, when the week holds under half the work,
the whole horizon at once), which finds the chains of moves the local steps cannot (work
due earlier moving earlier still to make room for a due, or a prerequisite placed late
moving to the start of the week with what waits for it). Each
solve has a time guard, and the stretches stop after a budget; on a machine so loaded that
either is reached, the plan can differ from one run to the next, never below the local
plan.

Replanning: slots of `problem.previous` that are still valid (see `ml.plan_graph.kept_slots`)
stay exactly where they were; only the rest of each task is placed again.
"""

from __future__ import annotations

import itertools

from ml.plan_exchange import improve
from ml.plan_explain import break_reason, risks, task_reason
from ml.plan_graph import kept_slots, task_graph
from ml.plan_lns import BUDGET_SECONDS, GUARD_SECONDS, polish
from ml.plan_objective import ValueModel, objective
from ml.plan_repack import repack
from ml.plan_repair import repair
from ml.plan_search import Search
from ml.plan_timeline import segments, window_of
from ml.planning import Plan, Problem, Slot, SlotKind

__all__ = ["local_search", "objective", "plan"]

BOTH_GUARDS = 200  # up to this many tasks, both deadline guards are tried


def plan(problem: Problem, *, budget: float = BUDGET_SECONDS, guard: float = GUARD_SECONDS) -> Plan:
    """The plan; the exact stretches start no solve after `budget` seconds and stop each
    after `guard`, and the whole horizon's solves take at most fifteen guards more
    (`ml.plan_lns`)."""
    search = local_search(problem)
    if len(problem.tasks) <= BOTH_GUARDS and polish(search, budget, guard):
        search.fill_gaps()
        improve(search)
    return _plan_of(problem, search)


def local_search(problem: Problem) -> Search:
    """Every step before the exact stretches: capped by counts, so always the same result."""
    graph = task_graph(problem)
    kept = kept_slots(problem, graph)
    kept_list = sorted(c for chunks in kept.values() for c in chunks)
    model = ValueModel(problem)
    segs = segments(problem, kept_list)
    search = _search(Search(problem, model, graph, kept, segs))
    if len(problem.tasks) <= BOTH_GUARDS and not search.guards_agree:
        other = _search(Search(problem, model, graph, kept, segs, unlock=True))
        if other.value() > search.value() + 1e-6:
            search = other
    # The repair and the fill after it move work late in the pipeline: one more repack of
    # the chosen plan takes up the chunk orders and lengths that this made possible.
    repack(search)
    search.fill_gaps()
    improve(search)
    return search


def _plan_of(problem: Problem, search: Search) -> Plan:
    graph, kept = search.graph, search.kept
    chunks: dict[int, list[tuple[int, int, bool]]] = {}
    for i, mine in kept.items():
        chunks.setdefault(i, []).extend((s, e, True) for s, e in mine)
    for c, i in enumerate(search.task):
        chunks.setdefault(i, []).append((search.start[c], search.end[c], False))

    slots = []
    for i, placed in chunks.items():
        placed.sort()
        key = problem.tasks[i].key
        # A kept slot is explained afresh like any other: it stays for the same reasons it
        # was placed, told as they stand now ("due in 1 day" the day after "due in 2 days").
        for part, (start, end, _kept) in enumerate(placed, start=1):
            reason = task_reason(problem, i, start, end, part, len(placed))
            slots.append(Slot(SlotKind.TASK, start, end, key, reason))
    slots.sort(key=lambda s: s.start)
    slots = _with_breaks(problem, slots)
    at_risk = risks(problem, graph, {i: [(s, e) for s, e, _ in c] for i, c in chunks.items()})
    return Plan(tuple(slots), at_risk, objective(problem, slots))


def _search(search: Search) -> Search:
    search.construct()
    improve(search)
    search.stretch()
    search.fill_gaps()
    improve(search)
    repack(search)
    search.fill_gaps()
    improve(search)
    if repair(search):
        search.fill_gaps()
        improve(search)
    return search


def _with_breaks(problem: Problem, slots: list[Slot]) -> list[Slot]:
    gap = problem.rules.break_minutes
    out: list[Slot] = []
    for before, after in itertools.pairwise(slots):
        out.append(before)
        if gap <= 0 or after.start - before.end != gap:
            continue
        w = window_of(problem.windows, before.start, after.end)
        locked_between = any(before.end <= q.start and q.end <= after.start for q in problem.locked)
        if w is not None and not locked_between:
            out.append(
                Slot(
                    SlotKind.BREAK,
                    before.end,
                    after.start,
                    None,
                    break_reason(before.end - before.start),
                )
            )
    if slots:
        out.append(slots[-1])
    return out
