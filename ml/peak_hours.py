"""A user's peak study hours, from the focus sessions they completed.

Each sample is (local hour 0-23, score), the score being a productivity rating in [0, 1]
or a weight such as focused minutes. An hour's score is its mean shrunk toward the overall
mean by one pseudo-sample, so that a single lucky session does not make a peak. The peak
hours are those whose score is in the top quarter of the hours seen and above the overall
mean, at most six, best first cut; with fewer than `min_samples` samples there is not
enough history and the answer is empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_PEAK_HOURS = 6


def peak_hours(samples: Sequence[tuple[int, float]], *, min_samples: int = 10) -> tuple[int, ...]:
    """The best hours of the day, ascending; () when history is thin."""
    if len(samples) < min_samples or not samples:
        return ()
    hours = np.array([h for h, _ in samples], dtype=np.int64)
    if hours.min() < 0 or hours.max() > 23:
        raise ValueError("hours must lie in 0..23")
    scores = np.array([s for _, s in samples], dtype=np.float64)
    overall = float(scores.mean())
    count = np.bincount(hours, minlength=24).astype(np.float64)
    total = np.bincount(hours, weights=scores, minlength=24)
    seen = count > 0
    shrunk = (total + overall) / (count + 1)
    cut = float(np.quantile(shrunk[seen], 0.75))
    best = [h for h in np.argsort(-shrunk, kind="stable") if seen[h]]
    chosen = [int(h) for h in best if shrunk[h] >= cut and shrunk[h] > overall]
    return tuple(sorted(chosen[:MAX_PEAK_HOURS]))
