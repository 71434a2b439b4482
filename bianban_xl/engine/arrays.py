"""Distinct values of integer arrays, as ``np.unique`` returns them.

numpy 2's ``np.unique`` imports numpy's masked-array package (``numpy.ma``, ≈20 ms) on its first
call, on every run of ``bianban assign``; the engine only needs the sorted distinct values of
integer arrays (and where each value sits among them), which a sort gives directly.
"""
from __future__ import annotations

import numpy as np


def distinct(a: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``a`` (``np.unique(a)``)."""
    s = np.sort(np.ravel(a))
    if not len(s):
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def distinct_inverse(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, position of each element of ``a`` among them), as
    ``np.unique(a, return_inverse=True)`` for a 1-d array."""
    u = distinct(a)
    return u, np.searchsorted(u, a).astype(np.intp)
