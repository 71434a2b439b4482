"""What schools do without this tool, for side-by-side comparison in the benchmark and reports.

* ``snake_assign``: 蛇形 / S-shaped dealing — sort by total score (descending; 缺考 last, ties in
  random order) and deal 1..K, then K..1, … Ignores twins, names, schools, as schools do.
* ``random_assign``: a plain random split into classes of equal size (sizes differ by at most 1).
Both seeded with ``np.random.Generator(np.random.PCG64(seed))``.
"""
from __future__ import annotations

import numpy as np

from bianban_xl.engine.balance import total_scores
from bianban_xl.engine.problem_build import class_sizes
from bianban_xl.model.records import Params, Roster


def snake_assign(roster: Roster, params: Params, seed: int) -> np.ndarray:
    n, k = len(roster.students), int(params.n_classes)
    rng = np.random.Generator(np.random.PCG64(seed))
    tot = total_scores(roster, params.subjects)
    key = np.where(np.isnan(tot), -np.inf, tot)
    tie = rng.random(n)
    order = np.lexsort((tie, -key))
    pos = np.arange(n)
    row, col = pos // k, pos % k
    cls = np.where(row % 2 == 0, col, k - 1 - col)
    labels = np.empty(n, dtype=np.int64)
    labels[order] = cls
    return labels


def random_assign(roster: Roster, params: Params, seed: int) -> np.ndarray:
    n, k = len(roster.students), int(params.n_classes)
    rng = np.random.Generator(np.random.PCG64(seed))
    slots = np.repeat(np.arange(k), class_sizes(n, k))
    return slots[rng.permutation(n)]
