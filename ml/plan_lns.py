"""Stretches of the plan laid out again exactly: a large-neighbourhood search.

The steps before this move one chunk or one task at a time. A due that needs a chain of
moves (work due earlier moving earlier still, which frees the time another task needs) is
out of their reach. Here a stretch of consecutive free segments is cleared of every new
chunk and filled again by a small integer program on the objective itself (scipy's
`milp`, HiGHS): one binary per possible chunk (task, first cell, length) on a grid of the
stretch, with the planner's hard rules and everything outside the stretch held where it
is. The new layout is kept only when every rule still holds and the objective rises.

The model, for the tasks that may use the stretch (those with chunks in it, the few with
minutes left that are worth most there, and for a target what it still waits for), on
cells from each segment's start as long as the greatest common divisor of the chunk and
break lengths (at least 5 minutes):
- a chunk takes its cells and reserves those of the break after it (cut at the segment's
  end), and no cell is taken or reserved twice: no overlap and the break rule at once;
- a task's chunks add up to at most its minutes not placed outside the stretch, and to
  exactly those when something outside the stretch waits on it;
- a chunk starts after the last chunk, outside the stretch, of everything its task waits
  for, and ends before the first chunk, outside the stretch, of anything waiting on it;
- inside the stretch, a task's chunks come after those of what it waits for, which must
  then be placed whole (monotone "started" and "still running" cell variables).

Stretches are tried first before each due still missed, with the target required whole
before its due and the whole plan, refilled, deciding; then across the horizon, and once
more before each due missed since: a sweep may trade one due for another worth a little
more. Last, a due still missed because what it waits for is placed late reaches back: the
target and its prerequisites are laid out together in a stretch early in the week, their
chunks lifted wherever they were (of the target's, only its shortest when it has several),
and the stretches holding the time they freed are laid out again before the whole plan
decides: a greedy refill of that time can take it for something worth little.

When the week holds under half the work (in a plan mostly new, not a replan that keeps
most of its slots), which tasks get it is a choice across the whole week, a trade of
places from Monday to Sunday made of small moves that stretches reach by chains of local
gains, if at all. So, after the budget, the whole horizon is laid out at once, with every
placed task and WHOLE_EXTRAS of those left out joining in turn, for at most WHOLE_GUARDS
guards; the solver keeps only layouts better than the plan, stops at the usual 1% gap to
its bound, and is not run where the relaxation is far above the plan (a weak model it
would not close in time). On the 100-task bench this is what meets seed 4's three dues and
brings every seed to the optimum.

A due is tried only when `ml.plan_bound` allows that meeting it could raise the objective,
and a stretch is solved only when its linear relaxation promises a gain (for a target,
counting what the displaced work could earn elsewhere; a bound on that relaxation, far
cheaper, rules most stretches out first). A solve stops at a 1% gap, at 200
nodes or at its time guard, whichever comes first, and no stretch starts after the budget.
A solve cut off by the guard far from its own bound is run once more with RETRY guards:
its root alone can take about a guard, and a machine 15% slower than another lost the
layouts that met a due (seed 4 of the 20-task bench). On a busy machine a plan can still
come out differently from one run to the next, never below the plan the local steps made.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse import coo_matrix

from ml.plan_bound import MeetingBound, best_fill
from ml.plan_repair import on_time, possible, restore, save
from ml.plan_timeline import Segment, capacity

if TYPE_CHECKING:
    from ml.plan_search import Search

CELLS = (32, 64)  # cells per stretch before a missed due, smaller first
SWEEP_CELLS = 48  # cells per stretch when sweeping the horizon
MISSES = 120  # missed dues tried per plan
SWEEPS = 24  # sweep stretches per plan
REACH_BACK = 4  # missed dues tried with what they wait for, early in the week
REACH_STRETCHES = 2  # stretches tried for each
EXTRA = 6  # tasks with minutes left, besides those with chunks in the stretch
MAX_VARS = 60_000  # a stretch with more possible chunks than this is not solved (the whole
# horizon with 30 tasks joining took 24 000 on the 100-task bench)
MIN_GAIN = 1.0  # objective units a stretch must promise (its relaxation) to be solved
OPTIONS = {
    "node_limit": 200,
    "mip_rel_gap": 0.01,
    # HiGHS's presolve does not watch the clock: on stretches of 5-minute cells it ran a
    # solve to 4-12 s past a 1 s guard, and then often with no layout at all. Without it
    # the guard holds, and the bench's plans score the same or within 0.1%.
    "presolve": False,
    # The root node's cut loop finds good layouts here; the primal heuristics mostly
    # repeat it at several times the cost.
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_shifting": False,
    "mip_heuristic_run_zi_round": False,
    "mip_heuristic_run_feasibility_jump": False,
}
MIN_GRID = 5
GUARD_SECONDS = 1.0  # a solve stops here with the best layout it has
RETRY = 4.0  # ... or, solved again, at this many guards, when what it had was far off
RETRY_GAP = 0.05  # how far off: the gap to the solve's own bound
TIME_LIMIT = 1  # milp's status when its time limit stopped it
WHOLE_EXTRAS = (6, 30)  # the whole horizon is solved with these many tasks joining, in turn
WHOLE_GUARDS = 15.0  # the guards its solves may take together, after the budget
WHOLE_PROMISE = 0.05  # ... and they are skipped when their relaxation is this far above it
# Seconds after which no more solves start: a plan stays well inside a job's time limit
# (60 s by default) on a slow or busy machine, at the cost of some of the polish.
BUDGET_SECONDS = 20.0
EPS = 1e-6


@dataclass(frozen=True)
class _Limits:
    guard: float  # seconds a solve may take
    deadline: float  # time.monotonic() after which no solve starts
    retry: bool = True  # whether a solve cut off far from its bound may run once more
    extra: int = EXTRA  # tasks with minutes left that may join those in the stretch
    cutoff: bool = False  # whether the solver drops every layout that does not beat the floor

    def in_time(self) -> bool:
        return time.monotonic() < self.deadline


def polish(search: Search, budget: float = BUDGET_SECONDS, guard: float = GUARD_SECONDS) -> bool:
    """Lay out stretches again where that raises the objective; True when any did. No
    stretch's solve starts once `budget` seconds have passed, and each stops after `guard`
    (or, once, after RETRY x `guard`: see `_optimise`); the whole horizon's solves, on a
    crowded week, then take at most WHOLE_GUARDS x `guard` together."""
    if not search.segs:
        return False
    limits = _Limits(guard, time.monotonic() + budget)
    in_time = limits.in_time
    order = np.argsort(search.due, kind="stable").tolist()  # earliest due first
    tried: set[int] = set()
    bound = MeetingBound(search)
    changed = _meet_dues(search, limits, order, tried, bound)
    sweeps = _sweep(search)
    for stretch in sweeps[:SWEEPS]:
        if in_time():
            changed |= _solve(search, stretch, limits)
    # A sweep may trade one due for another worth a little more (both sides are objective):
    # the due it gave up gets its own stretch now, as the first ones did.
    changed |= _meet_dues(search, limits, order, tried, bound)
    waiting = [i for i in order if _open_due(search, i, bound) and _placed_prerequisites(search, i)]
    tasks = search.problem.tasks
    # The most at stake first: the on-time bonus grows with priority and minutes.
    waiting.sort(key=lambda i: -tasks[i].priority * float(search.r0[i]))
    for i in waiting[:REACH_BACK]:
        # An earlier reach back may have met this due too, or moved what it waits for.
        if in_time() and _open_due(search, i, bound):
            changed |= _reach_back(search, i, sweeps, limits)
    if crowded(search):
        changed |= _trade_the_week(search, guard * WHOLE_GUARDS)
    return changed


def crowded(search: Search) -> bool:
    """Whether the week holds under half the work, in a plan mostly made anew: a replan
    keeps most of its slots, and their week was traded when it was first planned."""
    rest = int((search.r0 - search.placed)[~search.blocked].sum())
    kept = sum(end - start for chunks in search.kept.values() for start, end in chunks)
    placed = int(search.placed.sum())
    return rest > placed + kept and placed > kept


def _trade_the_week(search: Search, seconds: float) -> bool:
    """The whole horizon laid out again at once, with WHOLE_EXTRAS tasks that have minutes
    left joining those placed, in turn, within `seconds` (see the module's docstring)."""
    waiting = np.flatnonzero((search.r0 > 0) & (search.placed == 0) & ~search.blocked)
    until = time.monotonic() + seconds
    changed = False
    joined = 0
    for extra in WHOLE_EXTRAS:
        left = until - time.monotonic()
        if joined >= waiting.size or left <= 0:
            break  # the last solve had every task that could join, or the time is spent
        joined = extra
        # The plan is near the bound here: a layout within the usual 1% of it can still be
        # worse than the plan, and finding one must not end the solve.
        whole = _Limits(left, until, retry=False, extra=extra, cutoff=True)
        changed |= _solve(search, list(search.segs), whole)
    return changed


def _meet_dues(
    search: Search, limits: _Limits, order: list[int], tried: set[int], bound: MeetingBound
) -> bool:
    """Stretches before each due still missed, in `order`, each task once (`tried`)."""
    changed = False
    horizon = search.problem.horizon
    for i in order:
        if len(tried) >= MISSES or search.due[i] > horizon or not limits.in_time():
            break
        if i in tried or not _open_due(search, i, bound):
            continue
        tried.add(i)
        seen: list[Segment] = []
        for cells in CELLS:
            stretch = _before(search, int(search.due[i]), cells)
            if not stretch or stretch[0] in seen:
                break  # no more time before the due than the last stretch had
            seen.append(stretch[0])
            if _solve(search, stretch, limits, i):
                changed = True
                break
    return changed


def _open_due(search: Search, i: int, bound: MeetingBound) -> bool:
    """Task i misses a due inside the horizon that the free time before it could hold, and
    meeting it could raise the objective."""
    due = search.due[i]
    if not 0 < due <= search.problem.horizon or search.blocked[i] or search.r0[i] == 0:
        return False
    return not on_time(search, i) and possible(search, i) and bound.worth_meeting(i)


def _placed_prerequisites(search: Search, i: int) -> list[int]:
    """The chunks of what task i still waits for, where they are placed."""
    return [c for j in search.closure(i) if j != i for c in search.of_task[j]]


def _reach_back(search: Search, i: int, sweeps: list[list[Segment]], limits: _Limits) -> bool:
    """Task i, late because what it waits for is placed late: both laid out again together
    in a stretch early in the week, the chunks of what it waits for lifted wherever they
    were."""
    before = _placed_prerequisites(search, i)
    if not before:
        return False
    first = min(search.start[c] for c in before)
    early = [stretch for stretch in sweeps if stretch[-1].end <= first][:REACH_STRETCHES]
    mine = list(search.of_task[i])
    if len(mine) > 1:
        # Its shortest chunk alone is lifted: the rest may stay, after what moved.
        mine = [min(mine, key=lambda c: (search.end[c] - search.start[c], c))]
    return any(_solve(search, stretch, limits, i, lift=before + mine) for stretch in early)


def _grid(search: Search) -> int:
    rules = search.rules
    g = math.gcd(rules.min_chunk, rules.max_chunk, rules.break_minutes)
    return g if g >= MIN_GRID else MIN_GRID


def _cells(seg: Segment, g: int) -> int:
    return (seg.end - seg.start) // g


def _before(search: Search, due: int, cells: int) -> list[Segment]:
    """The free segments that start before `due`, going back until `cells` cells."""
    g = _grid(search)
    out: list[Segment] = []
    count = 0
    for seg in reversed([s for s in search.segs if s.start < due]):
        if count >= cells:
            break
        out.append(seg)
        count += _cells(seg, g)
    return out[::-1]


def _sweep(search: Search) -> list[list[Segment]]:
    """Stretches of about SWEEP_CELLS cells across the horizon, each overlapping the next
    by half."""
    g = _grid(search)
    segs = search.segs
    out = []
    k = 0
    while k < len(segs):
        count, end = 0, k
        while end < len(segs) and count < SWEEP_CELLS:
            count += _cells(segs[end], g)
            end += 1
        out.append(segs[k:end])
        if end >= len(segs):
            break
        half = k
        count = 0
        while half < end - 1 and count < SWEEP_CELLS // 2:
            count += _cells(segs[half], g)
            half += 1
        k = max(half, k + 1)
    return out


@dataclass
class _Model:
    g: int
    cells: list[int]  # start minute of each cell, in time order
    floor: float  # what the relaxation must beat to be worth solving
    chunks: list[tuple[int, int, int]] = field(default_factory=list)  # (task, cell, minutes)
    value: list[float] = field(default_factory=list)


def _solve(
    search: Search,
    stretch: list[Segment],
    limits: _Limits,
    target: int | None = None,
    lift: list[int] | None = None,
) -> bool:
    """Lay out `stretch` again; with a `target` task, its chunks elsewhere are lifted too
    (a task missing its due has them after it, where they earn least), or those in `lift`."""
    lo, hi = stretch[0].start, stretch[-1].end
    lifted = {c for c in range(len(search.task)) if lo <= search.start[c] < hi}
    if target is not None:
        lifted.update(search.of_task[target] if lift is None else lift)
    value = search.model.slot_value
    before = sum(value(search.task[c], search.start[c], search.end[c]) for c in lifted)
    play = _play(search, lifted, lo, (lo + hi) // 2, target, limits.extra)
    if play is None:
        return False
    # For a target, what its layout displaces may still fit elsewhere: the whole plan,
    # refilled, decides; otherwise the stretch's own value does.
    floor = before if target is None else before - _refill_bound(search, lo, hi, lifted)
    layout = _build(search, stretch, play, lifted, floor, target, limits)
    if layout is None:
        return False
    if target is None and sum(value(i, s, e) for i, s, e in layout) <= before + EPS:
        return False
    state = save(search)
    total = search.value()
    freed = [(search.start[c], search.end[c]) for c in lifted if not lo <= search.start[c] < hi]
    search.remove(sorted(lifted))
    for i, s, e in layout:
        search.add(i, s, e)
    if target is not None:
        search.fill_gaps()
    if lift is not None:
        # The time freed far from the stretch is laid out again too: a greedy refill can
        # take it for something worth little and strand what the move displaced.
        for around in _covering(_sweep(search), freed):
            _solve(search, around, limits)
    valid = all(search.valid(j) for j in range(search.n) if search.of_task[j])
    if valid and search.value() > total + EPS:
        return True
    restore(search, state)
    return False


def _covering(sweeps: list[list[Segment]], spans: list[tuple[int, int]]) -> list[list[Segment]]:
    """For each span, the sweep stretch that holds it nearest its middle; each stretch once."""
    out: list[list[Segment]] = []
    for start, end in sorted(spans):
        holding = [st for st in sweeps if st[0].start <= start and end <= st[-1].end]
        if not holding:
            continue
        mid = (start + end) / 2
        best = min(holding, key=lambda st: abs((st[0].start + st[-1].end) / 2 - mid))
        if best not in out:
            out.append(best)
    return out


def _refill_bound(search: Search, lo: int, hi: int, lifted: set[int]) -> float:
    """About the most that work displaced from [lo, hi) could earn elsewhere: in the free
    time outside it and in the lifted chunks there."""
    free = [g for g in search.free_segments() if g.end <= lo or g.start >= hi]
    minutes = int(capacity(np.array([g.end - g.start for g in free]), search.rules).sum())
    for c in lifted:
        if not lo <= search.start[c] < hi:
            minutes += search.end[c] - search.start[c]
    return minutes * search.model.best_minute


def _play(
    search: Search, lifted: set[int], lo: int, mid: int, target: int | None, extra: int
) -> list[int] | None:
    """The tasks that may use the stretch (from `lo`, its middle at `mid`): those with a
    lifted chunk, and of those with minutes left the `extra` worth most per minute there."""
    owners = {search.task[c] for c in lifted}
    if any(not search.splittable[i] for i in owners):
        return None  # a last short piece cannot be laid out on the grid
    rest = search.r0 - search.placed
    left = np.flatnonzero((rest > 0) & ~search.blocked & search.splittable)
    left = left[~np.isin(left, sorted(owners))]
    if left.size > extra:
        length = np.minimum(rest[left], search.rules.max_chunk).astype(np.float64)
        # At the stretch's start or its middle, whichever is worth more: a task due inside
        # the stretch, already late at its middle, is worth most at its start.
        worth = (
            np.maximum(
                search.model.estimate(left, lo, lo + length),
                search.model.estimate(left, mid, mid + length),
            )
            / length
        )
        left = left[np.argsort(-worth, kind="stable")[:extra]]
    joining = set(left.tolist())
    if target is not None:  # with what it still waits for
        joining |= {j for j in search.closure(target) if not search.complete(j)}
    return sorted(owners | joining)


def _outside(search: Search, i: int, lifted: set[int]) -> list[tuple[int, int]]:
    """Task i's chunks that stay: kept ones and new ones outside the stretch."""
    out = [(search.start[c], search.end[c]) for c in search.of_task[i] if c not in lifted]
    out += search.kept.get(i, [])
    return out


def _build(
    search: Search,
    stretch: list[Segment],
    play: list[int],
    lifted: set[int],
    floor: float,
    target: int | None,
    limits: _Limits,
) -> list[tuple[int, int, int]] | None:
    rules = search.rules
    g = _grid(search)
    runs: list[list[int]] = []
    for seg in stretch:
        count = _cells(seg, g)
        if count:
            runs.append([seg.start + k * g for k in range(count)])
    cells = [c for run in runs for c in run]
    if not cells:
        return None
    pos = {c: k for k, c in enumerate(cells)}
    run_end = {pos[c]: pos[run[-1]] + 1 for run in runs for c in run}
    gap = -(-rules.break_minutes // g)
    in_play = set(play)
    stays = {i: _outside(search, i, lifted) for i in range(search.n)}
    lifted_minutes = dict.fromkeys(play, 0)
    for c in lifted:
        lifted_minutes[search.task[c]] += search.end[c] - search.start[c]
    rem = {i: int(search.r0[i] - search.placed[i]) + lifted_minutes[i] for i in play}
    release: dict[int, float] = {}
    deadline: dict[int, float] = {}
    whole: set[int] = set()
    pairs: list[tuple[int, int]] = []  # (dependency, dependent), both in play
    for i in play:
        release[i] = float(search.graph.locked_ready[i])
        for j in search.graph.deps[i]:
            ends = [e for _, e in stays[j]]
            release[i] = max(release[i], max(ends, default=0))
            if j in in_play:
                pairs.append((j, i))
            elif not search.complete(j):
                release[i] = math.inf
        deadline[i] = math.inf
        for k in search.graph.dependents[i]:
            starts = [s for s, _ in stays[k]]
            if starts:
                whole.add(i)
                deadline[i] = min(deadline[i], min(starts))
    if target is not None:  # the point of the stretch: the target whole before its due
        whole.add(target)
        deadline[target] = min(deadline[target], float(search.due[target]))
    model = _Model(g, cells, floor)
    for i in play:
        lo = int(search.mi[i])
        lengths = [n for n in range(-(-lo // g) * g, min(rules.max_chunk, rem[i]) + 1, g)]
        if rem[i] % g and lo <= rem[i] <= rules.max_chunk:
            lengths.append(rem[i])
        for run in runs:
            for a, start in enumerate(run):
                if start < release[i]:
                    continue
                for n in lengths:
                    end = start + n
                    if a + -(-n // g) > len(run) or end > deadline[i]:
                        continue
                    model.chunks.append((i, pos[start], n))
                    model.value.append(search.model.slot_value(i, start, end))
        if len(model.chunks) > MAX_VARS:
            return None
    if not model.chunks:
        return None
    for j, i in pairs:
        if stays[i]:
            whole.add(j)
    if _bound(model, rem, whole) <= floor + MIN_GAIN:
        return None  # the relaxation could not beat the layout there now either
    return _optimise(model, play, rem, whole, pairs, run_end, gap, limits)


def _bound(model: _Model, rem: dict[int, int], whole: set[int]) -> float:
    """An upper bound on the stretch's relaxation, far cheaper than solving it: chunks
    cover at most the stretch's minutes, each task's worth at most its best value per
    minute there; the tasks placed whole take their minutes first, the others fill the
    rest best first (a fractional knapsack)."""
    density: dict[int, float] = {}
    for (i, _, n), v in zip(model.chunks, model.value, strict=True):
        density[i] = max(density.get(i, -math.inf), v / n)
    room = len(model.cells) * model.g
    bound = 0.0
    for i in whole:
        if rem[i] and i not in density:
            return -math.inf  # a task that must be placed has no chunk that fits
        room -= rem[i]
        bound += rem[i] * density.get(i, 0.0)
    if room < 0:
        return -math.inf
    others = sorted(((d, rem[i]) for i, d in density.items() if i not in whole), reverse=True)
    return bound + best_fill(room, others)


def _optimise(
    model: _Model,
    play: list[int],
    rem: dict[int, int],
    whole: set[int],
    pairs: list[tuple[int, int]],
    run_end: dict[int, int],
    gap: int,
    limits: _Limits,
) -> list[tuple[int, int, int]] | None:
    g, cells, chunks = model.g, model.cells, model.chunks
    m = len(cells)
    count = len(chunks)
    deps = sorted({j for j, _ in pairs})
    waits = sorted({i for _, i in pairs})
    full = {j: count + k for k, j in enumerate(deps)}
    started = {i: count + len(deps) + k * m for k, i in enumerate(waits)}
    base = count + len(deps) + len(waits) * m
    running = {j: base + k * m for k, j in enumerate(deps)}
    total = base + len(deps) * m
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    low: list[float] = []
    high: list[float] = []

    def row(terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        for col, v in terms:
            rows.append(len(low))
            cols.append(col)
            vals.append(v)
        low.append(lo)
        high.append(hi)

    taken: list[list[int]] = [[] for _ in range(m)]
    minutes: dict[int, list[tuple[int, float]]] = {i: [] for i in play}
    covering: dict[tuple[int, int], list[int]] = {}
    for v, (i, k, n) in enumerate(chunks):
        size = -(-n // g)
        for c in range(k, min(k + size + gap, run_end[k])):
            taken[c].append(v)
        for c in range(k, k + size):
            covering.setdefault((i, c), []).append(v)
        minutes[i].append((v, float(n)))
    for c in range(m):
        if len(taken[c]) > 1:
            row([(v, 1.0) for v in taken[c]], -np.inf, 1)
    for i in play:
        if i in whole:
            row(minutes[i], rem[i], rem[i])
        else:
            row(minutes[i], -np.inf, rem[i])
    for j in deps:
        row([*minutes[j], (full[j], -float(rem[j]))], 0, np.inf)
        for c in range(m):
            row([(running[j] + c, 1.0)] + [(v, -1.0) for v in covering.get((j, c), [])], 0, np.inf)
            if c + 1 < m:
                row([(running[j] + c, 1.0), (running[j] + c + 1, -1.0)], 0, np.inf)
    for i in waits:
        for c in range(m):
            row([(started[i] + c, 1.0)] + [(v, -1.0) for v in covering.get((i, c), [])], 0, np.inf)
            if c:
                row([(started[i] + c, 1.0), (started[i] + c - 1, -1.0)], 0, np.inf)
    for j, i in pairs:
        row([*minutes[i], (full[j], -float(rem[i]))], -np.inf, 0)
        for c in range(m):
            row([(started[i] + c, 1.0), (running[j] + c, 1.0)], -np.inf, 1)
    cost = np.zeros(total)
    cost[:count] = -np.asarray(model.value)
    integral = np.zeros(total)
    integral[: count + len(deps)] = 1
    lower = np.zeros(total)
    upper = np.ones(total)
    for j in whole & set(deps):
        lower[full[j]] = 1
    constraints = []
    if low:
        matrix = coo_matrix((vals, (rows, cols)), shape=(len(low), total)).tocsr()
        constraints.append(LinearConstraint(matrix, low, high))
    bounds = Bounds(lower, upper)
    relaxed = milp(cost, constraints=constraints, bounds=bounds)
    if relaxed.x is None or -relaxed.fun <= model.floor + MIN_GAIN:
        return None  # not even the relaxation beats the layout there now
    if limits.cutoff and -relaxed.fun > model.floor + WHOLE_PROMISE * abs(model.floor):
        # On a crowded week a plan near the relaxation is the rule (0.01-0.7% on the bench);
        # one far below it marks a weak model (a fine grid, dependencies) whose root HiGHS
        # does not close within the guards.
        return None

    options = (
        {**OPTIONS, "objective_bound": -(model.floor + MIN_GAIN)} if limits.cutoff else OPTIONS
    )

    def solve(seconds: float) -> OptimizeResult:
        with warnings.catch_warnings():
            # HiGHS options scipy does not name itself are passed on as given, with a warning
            warnings.simplefilter("ignore", RuntimeWarning)
            return milp(
                cost,
                constraints=constraints,
                integrality=integral,
                bounds=bounds,
                options={**options, "time_limit": seconds},
            )

    res = solve(limits.guard)
    far = res.x is None or res.mip_gap > RETRY_GAP
    if res.status == TIME_LIMIT and far and limits.retry and limits.in_time():
        # Cut off before the root's cuts found a layout near the bound: milp takes no
        # starting layout, so the solve begins again, once, with more time.
        res = solve(limits.guard * RETRY)
    if res.x is None:
        return None
    return [(i, cells[k], cells[k] + n) for v, (i, k, n) in enumerate(chunks) if res.x[v] > 0.5]
