"""Which task the forward pass (`ml.plan_search`) places next, in two stages.

First, the tasks worth most per minute (see `ml.plan_objective`: on-time work on a dated
task, then overdue work, then the rest, each by priority x urgency) are chosen until the
free time is full (`select`); these go in the order that loses least by waiting (the
steepest value per minute of delay; a dependency inherits the urgency of what waits for
it), and the others fill what is left (`choose`). Ties between otherwise equal tasks go to
a goal other than the last chunk's, for variety.

Second, a deadline guard (`claims`): tasks are taken by effective due date (a dependency's
due is pulled forward by what waits for it, `effective_dues`) and, when the free study
time before some due is about to fall short of what is due by then, only those tasks may
go next. When the free time before a due is already too short, the task with the least at
stake (`stakes`) due by then gives up its claim.

Functions of the `Search` whose state they read (and, for `claims`, update).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ml.plan_objective import DAY, DECAY_SPAN, DUE_BONUS, LATE_LEVEL, TARDINESS
from ml.plan_timeline import IntArray

if TYPE_CHECKING:
    from ml.plan_search import Search

INF = np.inf
EPS = 1e-9


def effective_dues(search: Search) -> npt.NDArray[np.float64]:
    """Each task's due, pulled forward so that what depends on it can still make its own."""
    eff = search.due.copy()
    for i in reversed(search.graph.order):
        for k in search.graph.dependents[i]:
            if np.isfinite(eff[k]) and not search.blocked[k]:
                eff[i] = min(eff[i], search.table.latest_start(eff[k], int(search.r0[k])))
    return eff


def stakes(search: Search) -> tuple[npt.NDArray[np.float64], list[list[int]]]:
    """Per task, the value per minute of it and everything waiting for it: dropping a
    prerequisite's claim gives up its dependents' dues too. Also, per task, what waits
    for it (directly or not)."""
    on_time = search.has_due & (search.due > 0)
    level = search.weight + np.where(on_time, DUE_BONUS, 0.0)
    worth = level * search.r0
    stake = level.astype(np.float64).copy()
    waiting: list[list[int]] = [[] for _ in range(search.n)]
    for i in range(search.n):
        below: list[int] = []
        stack = list(search.graph.dependents[i])
        while stack:
            k = stack.pop()
            if k not in below and not search.blocked[k]:
                below.append(k)
                stack.extend(search.graph.dependents[k])
        if below:
            waiting[i] = below
            minutes = int(search.r0[i]) + int(search.r0[below].sum())
            stake[i] = (worth[i] + worth[below].sum()) / max(minutes, 1)
    return stake, waiting


def claims(search: Search, t: int, margin: int) -> npt.NDArray[np.bool_]:
    """Tasks that must go next for every due still reachable to be met (empty if none)."""
    guard, eff_due, dropped = search.guard, search.eff_due, search.dropped
    critical = np.zeros(search.n, dtype=bool)
    if guard.size == 0:
        return critical
    dues = eff_due[guard]
    room = search.table.at(np.floor(dues).astype(np.int64)) - search.table.at(t)
    while True:
        rem = (search.r0 - search.placed)[guard]
        active = (rem > 0) & ~dropped[guard] & (dues > t) & ~search.blocked[guard]
        slack = room - np.cumsum(np.where(active, rem, 0))
        short = active & (slack < 0)
        if not short.any():
            break
        k = int(np.argmax(short))
        claimants = guard[: k + 1][active[: k + 1]]
        gone = _least(search, claimants, search.unlock)
        if not search.unlock:
            # The other guard would drop the same task and nothing else with it: so far,
            # both guards' searches are the same.
            other = _least(search, claimants, True)
            search.guards_agree &= other == gone and bool(dropped[search.below[gone]].all())
        dropped[gone] = True
        if search.unlock:
            dropped[search.below[gone]] = True
    tight = active & (slack < margin)
    if tight.any():
        k = int(np.argmax(tight))
        critical[guard[: k + 1][active[: k + 1]]] = True
    return critical


def _least(search: Search, claimants: IntArray, unlock: bool) -> int:
    """The claimant with least at stake: its own value per minute, or with `unlock` that
    of it and everything waiting for it; the longer first among equals."""
    stake = search.stake if unlock else search.weight
    return int(claimants[np.lexsort((-search.r0[claimants], stake[claimants]))[0]])


def select(
    search: Search, dropped: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The tasks that fill the free time (most valuable first), their urgency, and which
    are overdue."""
    due = search.due
    on_time = search.has_due & (due > 0) & ~dropped
    overdue = search.has_due & ~on_time
    level = search.weight + np.where(on_time, DUE_BONUS, 0) + np.where(overdue, LATE_LEVEL, 0)
    total = int(search.table.at(search.problem.horizon))
    selected = np.zeros(search.n, dtype=bool)
    # A task counts with what it waits for: its value per minute is that of the lot,
    # unless that is more than its own (its dependencies are worth placing anyway).
    worth = level * search.r0
    density = level.copy()
    for i in range(search.n):
        if search.graph.deps[i]:
            closure = _ancestors(search, i, selected)
            lot = worth[closure].sum() / max(int(search.r0[closure].sum()), 1)
            density[i] = min(level[i], lot)
    used = 0
    for i in np.lexsort((search.r0, -density)):
        if selected[i] or search.blocked[i] or search.r0[i] == 0:
            continue
        closure = _ancestors(search, int(i), selected)
        before = int(search.r0[closure].sum() - search.r0[i])
        if used + before + search.mi[i] <= total:  # the last one chosen may fit in part
            selected[closure] = True
            used = min(total, used + before + int(search.r0[i]))
    # Overdue work loses value by the day, so it goes first.
    late = search.has_due & (due <= 0)
    slope = search.weight / DECAY_SPAN + np.where(late, TARDINESS / DAY, 0)
    for i in reversed(search.graph.order):
        for k in search.graph.dependents[i]:
            if selected[k]:
                slope[i] = max(slope[i], slope[k])
    return selected, slope, late


def _ancestors(search: Search, i: int, selected: npt.NDArray[np.bool_]) -> list[int]:
    found = [i]
    seen = {i}
    for j in found:
        for d in search.graph.deps[j]:
            if d not in seen and not selected[d] and search.r0[d] > 0:
                seen.add(d)
                found.append(d)
    return found


def choose(
    search: Search, t: int, usable: npt.NDArray[np.bool_], lengths: IntArray, last_goal: int
) -> int:
    """The task to place at `t` among the `usable` ones (chunk lengths in `lengths`)."""
    selected, slope = search.selected, search.slope
    variety = np.where(search.goal == last_goal, 0.0, EPS)
    if search.edd:  # earliest (effective) due first, then the most valuable
        first = np.where(usable, search.eff_due, INF).min()
        usable = usable & (search.eff_due == first) if np.isfinite(first) else usable
    pick = usable & selected
    if pick.any():
        late = search.has_due & (search.due <= t) & ~search.late
        score = slope + np.where(late, TARDINESS / DAY, 0) + variety * 1e-6
        return int(np.argmax(np.where(pick, score, -INF)))
    idx = np.flatnonzero(usable)
    value = search.model.estimate(idx, t, (t + lengths[idx]).astype(np.float64))
    density = value / lengths[idx] + variety[idx]
    return int(idx[int(np.argmax(density))])
