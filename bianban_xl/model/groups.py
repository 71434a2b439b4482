"""Bound units: students that 同班 applications tie together, directly or through a shared member.

One union-find for everyone who needs the units — the engine, the input checks, the homophone
rule and the problem builder — so they cannot disagree about who is bound to whom.
"""
from __future__ import annotations

from typing import Iterable, Sequence


def unit_roots(n: int, groups: Iterable[Sequence[int]]) -> list[int]:
    """For each of the ``n`` students the smallest index of his bound unit (his own index when he
    is bound to nobody). Every index in ``groups`` must be in range(n)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for g in groups:
        g = list(g)
        for m in g[1:]:
            ra, rb = find(g[0]), find(m)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return [find(x) for x in range(n)]


def merged_groups(n: int, groups: Iterable[Sequence[int]]) -> list[tuple[int, ...]]:
    """The bound units of two or more students, each sorted, ordered by first member."""
    members: dict[int, list[int]] = {}
    for x, root in enumerate(unit_roots(n, groups)):
        members.setdefault(root, []).append(x)
    return [tuple(v) for _, v in sorted(members.items()) if len(v) > 1]


__all__ = ["unit_roots", "merged_groups"]
