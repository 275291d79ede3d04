"""Exchanges: keep chunk positions and change which task fills them.

Two chunks trade tasks, or a chunk passes to a task with minutes left, whenever the
objective rises and every hard rule still holds (`Search.valid`). Moves are tried best
first, at most `checks` of them per pass: a count, never the clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from ml.plan_search import Search

INF = np.inf
EPS = 1e-9
FloatArray = npt.NDArray[np.float64]


def improve(search: Search, passes: int = 8, checks: int = 4000) -> None:
    count = len(search.task)
    if count == 0:
        return
    values = search.model.matrix(search.start, search.end)
    length = np.array(search.end) - np.array(search.start)
    cells = np.arange(count)
    for _ in range(passes):
        task = np.array(search.task)
        current = values[task, cells]
        rows = values[task, :]
        swap = rows + rows.T - current[:, None] - current[None, :]
        swap[np.tril_indices(count)] = -INF
        swap[task[:, None] == task[None, :]] = -INF
        room = (search.r0 - search.placed)[:, None]
        fits = (length[None, :] <= room) & (length[None, :] >= search.mi[:, None])
        fits &= ~search.blocked[:, None] & (task[None, :] != np.arange(search.n)[:, None])
        give = np.where(fits, values - current[None, :], -INF)
        moves = [(v, 0, int(a), int(b)) for v, a, b in _best(swap, checks)]
        moves += [(v, 1, int(u), int(a)) for v, u, a in _best(give, checks)]
        moves.sort(key=lambda m: -m[0])
        changed = False
        for _, kind, x, y in moves[:checks]:
            if kind == 0:
                changed |= _try_swap(search, values, x, y)
            else:
                changed |= _try_give(search, values, x, y)
        if not changed:
            break


def _try_swap(search: Search, values: FloatArray, a: int, b: int) -> bool:
    ta, tb = search.task[a], search.task[b]
    if ta == tb:
        return False
    gain = values[ta, b] + values[tb, a] - values[ta, a] - values[tb, b]
    if gain <= EPS:
        return False
    search.assign(a, tb)
    search.assign(b, ta)
    if search.valid(ta) and search.valid(tb):
        return True
    search.assign(a, ta)
    search.assign(b, tb)
    return False


def _try_give(search: Search, values: FloatArray, u: int, a: int) -> bool:
    ta = search.task[a]
    if ta == u or values[u, a] - values[ta, a] <= EPS:
        return False
    search.assign(a, u)
    if search.valid(u) and search.valid(ta):
        return True
    search.assign(a, ta)
    return False


def _best(matrix: FloatArray, limit: int) -> list[tuple[float, int, int]]:
    flat = matrix.ravel()
    good = np.flatnonzero(flat > EPS)
    if good.size > limit:
        good = good[np.argpartition(-flat[good], limit)[:limit]]
    rows, cols = np.unravel_index(good, matrix.shape)
    return list(zip(flat[good].tolist(), rows.tolist(), cols.tolist(), strict=True))
