"""Who waits for whom, and which slots of the current plan survive a replan.

Dependencies name task keys. A key of a task in the problem is an edge the planner must
respect; a key that only has locked slots makes the dependent wait until those end; a key
that is neither has nothing left to wait for. Tasks on a dependency cycle (and everything
after them) can never start, so they are marked blocked rather than planned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ml.plan_timeline import window_of
from ml.planning import Problem


@dataclass(slots=True)
class TaskGraph:
    deps: list[list[int]]  # dependencies inside the problem
    dependents: list[list[int]]
    locked_ready: list[int]  # end of the last locked slot of anything it depends on
    order: list[int]  # dependencies before dependents; blocked tasks left out
    blocked: list[bool]


def task_graph(problem: Problem) -> TaskGraph:
    index = {task.key: i for i, task in enumerate(problem.tasks)}
    locked_end: dict[str, int] = defaultdict(lambda: 0)
    for placement in problem.locked:
        locked_end[placement.task] = max(locked_end[placement.task], placement.end)
    n = len(problem.tasks)
    deps: list[list[int]] = [[] for _ in range(n)]
    dependents: list[list[int]] = [[] for _ in range(n)]
    ready = [0] * n
    for i, task in enumerate(problem.tasks):
        for key in dict.fromkeys(task.depends_on):
            if key in locked_end:
                ready[i] = max(ready[i], locked_end[key])
            j = index.get(key)
            if j is not None and j != i:
                deps[i].append(j)
                dependents[j].append(i)
            elif j == i:
                deps[i].append(i)  # a task waiting for itself never starts
    waiting = [len(d) for d in deps]
    order = [i for i in range(n) if waiting[i] == 0]
    for i in order:  # Kahn's algorithm; the list grows while it is walked
        for k in dependents[i]:
            waiting[k] -= 1
            if waiting[k] == 0:
                order.append(k)
    placed = set(order)
    blocked = [i not in placed for i in range(n)]
    return TaskGraph(deps, dependents, ready, order, blocked)


def kept_slots(problem: Problem, graph: TaskGraph) -> dict[int, list[tuple[int, int]]]:
    """The slots of `problem.previous` that stay exactly where they are, by task index.

    A slot stays when its task still has minutes to place, it lies inside one window and
    the horizon, it overlaps no locked slot and no other kept slot, it keeps a break from
    the kept slot before it in its window (or a locked slot lies between them), its length
    obeys the chunk rules, and every dependency of its task is kept whole and ends before
    it. A slot longer than what its task still needs is cut at its end.
    """
    rules = problem.rules
    index = {task.key: i for i, task in enumerate(problem.tasks)}
    candidates = []
    for p in problem.previous:
        i = index.get(p.task)
        if i is None or graph.blocked[i] or p.start < 0 or p.end > problem.horizon:
            continue
        if not 0 < p.end - p.start <= rules.max_chunk:
            continue
        w = window_of(problem.windows, p.start, p.end)
        if w is None or any(p.start < q.end and q.start < p.end for q in problem.locked):
            continue
        candidates.append((p.start, p.end, w, i))
    candidates.sort()
    accepted: list[tuple[int, int, int, int]] = []
    last_in_window: dict[int, int] = {}
    latest_end = 0
    for start, end, w, i in candidates:
        if start < latest_end:
            continue
        before = last_in_window.get(w)
        if before is not None and start - before < rules.break_minutes:
            between = any(before <= q.start and q.end <= start for q in problem.locked)
            if not between:
                continue
        accepted.append((start, end, w, i))
        last_in_window[w] = end
        latest_end = end

    by_task: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for start, end, _, i in accepted:
        done = sum(e - s for s, e in by_task[i])
        need = problem.tasks[i].minutes - done
        if need <= 0:
            continue
        by_task[i].append((start, start + min(end - start, need)))
    for i, chunks in by_task.items():
        # A short chunk is only allowed once, as the piece that completes the task.
        short = [c for c in chunks if c[1] - c[0] < rules.min_chunk]
        whole = sum(e - s for s, e in chunks) == problem.tasks[i].minutes
        if len(short) > 1 or (short and not whole):
            by_task[i] = [c for c in chunks if c[1] - c[0] >= rules.min_chunk]

    for i in graph.order:
        chunks = by_task.get(i, [])
        if not chunks:
            continue
        ready = graph.locked_ready[i]
        for j in graph.deps[i]:
            dep = by_task.get(j, [])
            if sum(e - s for s, e in dep) < problem.tasks[j].minutes:
                ready = problem.horizon + 1
                break
            ready = max(ready, max(e for _, e in dep))
        chunks = [c for c in chunks if c[0] >= ready]
        if sum(e - s for s, e in chunks) < problem.tasks[i].minutes:
            chunks = [c for c in chunks if c[1] - c[0] >= rules.min_chunk]
        by_task[i] = chunks
    return {i: chunks for i, chunks in by_task.items() if chunks}
