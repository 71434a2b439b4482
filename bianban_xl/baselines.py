"""The methods schools use today, computed on the same roster for comparison.

* 蛇形 (S-shape, 龙摆尾): sort by total score (best first), deal 1..K, then K..1, and so on. As in
  schools' Excel sheets it ignores twins, same names and source schools. Students without a total
  go last in a seeded random order; ties in score are broken by a seeded shuffle.
* random split: a seeded permutation cut into classes of the target sizes.
Both honour the class sizes (first N % K classes one larger), so gaps are comparable.
"""
from __future__ import annotations

import numpy as np

from .balance import total_scores
from .records import Params, Roster


def _sizes(n: int, k: int) -> np.ndarray:
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def snake_assign(roster: Roster, params: Params, seed: int) -> np.ndarray:
    n, k = len(roster.students), params.n_classes
    rng = np.random.Generator(np.random.PCG64(seed))
    totals = total_scores(roster, params.subjects) if params.subjects else np.full(n, np.nan)
    shuffle = rng.permutation(n)
    key = np.where(np.isnan(totals), -np.inf, totals)[shuffle]
    order = shuffle[np.argsort(-key, kind="stable")]
    labels = np.empty(n, dtype=np.int64)
    room = _sizes(n, k).copy()
    pos = 0
    forward = True
    while pos < n:
        seq = range(k) if forward else range(k - 1, -1, -1)
        for c in seq:
            if pos >= n:
                break
            if room[c] > 0:
                labels[order[pos]] = c
                room[c] -= 1
                pos += 1
        forward = not forward
    return labels


def random_assign(roster: Roster, params: Params, seed: int) -> np.ndarray:
    n, k = len(roster.students), params.n_classes
    rng = np.random.Generator(np.random.PCG64(seed))
    labels = np.repeat(np.arange(k), _sizes(n, k))
    return labels[rng.permutation(n)]
