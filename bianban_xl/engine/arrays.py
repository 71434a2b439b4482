"""Distinct values of integer arrays, as ``np.unique`` returns them.

numpy 2's ``np.unique`` imports numpy's masked-array package (``numpy.ma``, ≈20 ms) on its first
call, on every run of ``bianban assign``; the engine only needs the sorted distinct values of
integer arrays (and where each value sits among them), which a sort gives directly; ``runs``
also serves the engine's other sorted keys.
"""
from __future__ import annotations

import numpy as np


def runs(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal values of the sorted array ``s`` starts, and its length."""
    n = len(s)
    first = np.empty(n, dtype=bool)
    if n:
        first[0] = True
        np.not_equal(s[1:], s[:-1], out=first[1:])
    start = first.nonzero()[0]
    count = np.empty(len(start), dtype=np.intp)
    if len(start):                 # (the engine calls this thousands of times: no np.diff/append)
        np.subtract(start[1:], start[:-1], out=count[:-1])
        count[-1] = n - start[-1]
    return start, count


def distinct(a: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``a`` (``np.unique(a)``)."""
    s = np.sort(np.ravel(a))
    return s[runs(s)[0]]


def distinct_inverse(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, position of each element of ``a`` among them), as
    ``np.unique(a, return_inverse=True)`` for a 1-d array."""
    u = distinct(a)
    return u, np.searchsorted(u, a).astype(np.intp)
