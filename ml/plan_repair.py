"""Deadline repair: make room before a due the plan misses, when the free time allows it.

The forward pass and the local moves after it can leave a dated task late or partly placed
while the free time before its due is taken by work due later or not at all. For each such
task (earliest due first) the repair takes the task and the prerequisites it still waits
for off the plan, along with whatever waits on them, and places them again in the free time
before the due; when they do not fit, it frees time there by taking off chunks of tasks due
later, undated or already overdue, cheapest per minute first, one more each try. Once the
task fits whole before its due, a second fill puts the displaced work back wherever it
fits, and the change is kept only when the task is then on time and the objective rises
(an on-time minute is worth DUE_BONUS more than any other, so meeting a due normally pays
for what it displaces). When that fails, a few tries per problem (`GROUP_TRIES`) may also
take off a task that others wait on, together with everything placed that waits on it,
and put the group back with the exchange and repack passes.

An earliest-due-date check of the free study time before the due (its capacity less what
must go before it) skips tasks whose due no rearrangement can meet, and the bound of
`ml.plan_bound` those whose due no rearrangement can meet with a gain. Every step is capped
by counts, never by the clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ml.plan_bound import MeetingBound
from ml.plan_exchange import improve
from ml.plan_repack import repack
from ml.plan_timeline import Segment

if TYPE_CHECKING:
    from ml.plan_search import Search

ATTEMPTS = 40  # tasks tried per problem
LARGE = 200  # above this many tasks, fewer tries (each costs a pass over every task)
LARGE_ATTEMPTS = 6
EVICTIONS = 8  # chunks taken off per task at most
RELAYOUTS = (2, 4, 8, 16)  # free segments before the due laid out again, earliest due first
GROUP_TRIES = 2  # tries per problem that evict a task with everything waiting on it
EPS = 1e-6

State = tuple[list[int], list[int], list[int], np.ndarray, np.ndarray, np.ndarray]


def repair(search: Search, attempts: int | None = None, evictions: int = EVICTIONS) -> bool:
    """Try to meet each missed due in turn; True when anything changed."""
    if not search.task and not search.segs:
        return False
    if attempts is None:
        attempts = ATTEMPTS if search.n <= LARGE else LARGE_ATTEMPTS
    horizon = search.problem.horizon
    dated = [
        i
        for i in np.argsort(search.due, kind="stable").tolist()
        if 0 < search.due[i] <= horizon and not search.blocked[i] and search.r0[i] > 0
    ]
    changed = False
    groups = GROUP_TRIES
    bound = MeetingBound(search)
    for i in dated:
        if attempts <= 0:
            break
        if on_time(search, i) or not possible(search, i) or not bound.worth_meeting(i):
            continue
        attempts -= 1
        if _repair_one(search, i, evictions):
            changed = True
            continue
        if groups > 0 and _group_candidates(search, i):
            groups -= 1
            if _repair_one(search, i, evictions, groups=True):
                changed = True
                continue
        for back in _backs(search, i):
            if _relayout(search, i, back):
                changed = True
                break
    return changed


def on_time(search: Search, i: int) -> bool:
    last = search.last_end(i)
    return search.complete(i) and (last is None or last <= search.due[i])


def possible(search: Search, i: int) -> bool:
    """Whether the free study time before i's due can hold it and what it waits for, less
    what tasks due no later than it already hold there."""
    due = int(search.due[i])
    need = sum(int(search.r0[j]) for j in search.closure(i))
    start = search.graph.locked_ready[i]
    room = int(search.table.at(due)) - int(search.table.at(start))
    earlier = 0
    for c, j in enumerate(search.task):
        if j != i and 0 < search.due[j] <= due and start <= search.start[c] < due:
            earlier += search.end[c] - search.start[c]
    return need <= room - earlier


def save(search: Search) -> State:
    return (
        list(search.start),
        list(search.end),
        list(search.task),
        search.placed.copy(),
        search.done_at.copy(),
        search.ready.copy(),
    )


def restore(search: Search, state: State) -> None:
    search.remove(list(range(len(search.task))))
    start, end, task, placed, done_at, ready = state
    for i, s, e in zip(task, start, end, strict=True):
        search.add(i, s, e)
    search.placed[:] = placed
    search.done_at[:] = done_at
    search.ready[:] = ready


def _take_off(search: Search, tasks: set[int]) -> None:
    search.remove([c for c, j in enumerate(search.task) if j in tasks])


def _waiting_on(search: Search, tasks: list[int]) -> set[int]:
    """Tasks outside `tasks` with new chunks that wait (directly or not) on one of them."""
    out: set[int] = set()
    stack = [k for j in tasks for k in search.graph.dependents[j]]
    while stack:
        k = stack.pop()
        if k in out or k in tasks:
            continue
        out.add(k)
        stack.extend(search.graph.dependents[k])
    return {k for k in out if search.of_task[k]}


def _repair_one(search: Search, i: int, evictions: int, groups: bool = False) -> bool:
    due = int(search.due[i])
    state = save(search)
    before = search.value()
    moving = search.closure(i)
    _take_off(search, set(moving) | _waiting_on(search, moving))
    only = np.zeros(search.n, dtype=bool)
    only[moving] = True
    victims = _victims(search, set(moving), due, groups)
    if groups and not any(len(v) > 1 for v in victims[:evictions]):
        restore(search, state)
        return False  # nothing the first try did not already have
    for k in range(min(len(victims), evictions) + 1):
        if k:
            starts = set(victims[k - 1])
            search.remove([c for c, s in enumerate(search.start) if s in starts])
        mark = len(search.task)
        search.refresh_ready()
        search.fill(_before(search.free_segments(), due), only)
        if on_time(search, i):
            break
        search.remove(list(range(mark, len(search.task))))
    if not on_time(search, i):
        restore(search, state)
        return False
    search.fill_gaps()
    if groups:
        # the evicted group goes back by the exchange and repack passes, not the fill alone
        improve(search)
        repack(search)
        search.fill_gaps()
        improve(search)
    valid = all(search.valid(j) for j in range(search.n) if search.of_task[j])
    if valid and on_time(search, i) and search.value() > before + EPS:
        return True
    restore(search, state)
    return False


def _group_candidates(search: Search, i: int) -> bool:
    due = int(search.due[i])
    moving = set(search.closure(i))
    return any(len(v) > 1 for v in _victims(search, moving, due, True)[:EVICTIONS])


def _victims(search: Search, moving: set[int], due: int, groups: bool) -> list[tuple[int, ...]]:
    """The chunks before `due` that may give way, cheapest per minute first, each as the
    starts of what goes with it: the chunk alone, or with `groups` for a task that placed
    work waits on, every chunk of the task and of all that waits on it (placed again after,
    dependencies first, by the second fill)."""
    out = []
    for c, j in enumerate(search.task):
        s, e = search.start[c], search.end[c]
        if s >= due or j in moving:
            continue
        own = search.due[j]
        if 0 < own <= due:
            continue  # due no later: it has as good a claim to this time
        starts: tuple[int, ...] = (s,)
        if any(search.of_task[k] for k in search.graph.dependents[j]):
            if not groups:
                continue
            along = {j} | _waiting_on(search, [j])
            if along & moving or any(search.kept_first[k] is not None for k in along):
                continue
            starts = tuple(search.start[d] for d, k in enumerate(search.task) if k in along)
        out.append((search.model.slot_value(j, s, e) / (e - s), s, starts))
    out.sort()
    return [starts for _, _, starts in out]


def _before(segs: list[Segment], due: int) -> list[Segment]:
    return [Segment(g.window, g.start, min(g.end, due)) for g in segs if g.start < due]


def _backs(search: Search, i: int) -> list[int]:
    """The RELAYOUTS worth trying for i: past the one that reaches the first free segment,
    each would lay out the same segments again (and fail the same way)."""
    count = sum(g.start < search.due[i] for g in search.segs)
    out = []
    for back in RELAYOUTS:
        out.append(back)
        if back >= count:
            break
    return out


def _relayout(search: Search, i: int, back: int) -> bool:
    """Lay out again the last `back` free segments before i's due, earliest due first,
    with i and what it waits for; the work displaced goes wherever it fits after."""
    due = int(search.due[i])
    before_due = [g for g in search.segs if g.start < due]
    if not before_due:
        return False
    lo = before_due[max(0, len(before_due) - back)].start
    state = save(search)
    before = search.value()
    moving = set(search.closure(i))
    moving |= {j for c, j in enumerate(search.task) if lo <= search.start[c] < due}
    moving = {j for j in moving if search.kept_first[j] is None or j in search.closure(i)}
    moving |= _waiting_on(search, sorted(moving))
    _take_off(search, moving)
    only = np.zeros(search.n, dtype=bool)
    only[sorted(moving)] = True
    search.refresh_ready()
    space = [g for g in _before(search.free_segments(), due) if g.end > lo]
    search.fill([Segment(g.window, max(g.start, lo), g.end) for g in space], only, edd=True)
    if not on_time(search, i):  # the rest only fills time i cannot use before its due
        restore(search, state)
        return False
    search.fill_gaps()
    valid = all(search.valid(j) for j in range(search.n) if search.of_task[j])
    if valid and on_time(search, i) and search.value() > before + EPS:
        return True
    restore(search, state)
    return False
