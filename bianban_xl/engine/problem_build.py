"""Turn a :class:`Roster` and its :class:`Params` into the engine's :class:`BalanceProblem`.

Class sizes: N // K each, the first N % K classes one more. Hard rules: 同班 twin groups (merged when
they overlap) are ``together``; 分开 twin groups, 同名 groups and — when asked — 同音 groups are
``apart``. Features, in order of importance (the weights make the engine's objective close to
lexicographic): 性别, 毕业学校, 户籍, 等级 counts; class means of each subject and the total; class
spread (SD) of the same; mean birth date.
"""
from __future__ import annotations

import math

import numpy as np

from bianban_xl.engine.balance import birth_days, subject_scores, total_scores
from bianban_xl.model.groups import merged_groups
from bianban_xl.model.names import same_name_groups, sound_groups_to_part
from bianban_xl.model.records import BalanceProblem, CategoricalFeature, Infeasible, NumericFeature, Params, Roster

# Weights of the balance objective (see engine.py for how they combine). Count features reach their
# provable bound in practice, so the ratios only decide what gives way in the rare conflicts. The
# numeric weights follow what the certificate asks of each column (benchmarks.md): the total's class
# mean is held tightest (range ≤ 0.1 point), subject means next (≤ 0.15), class spreads loosest
# (≤ 1 point, and a subject's spread moves less per swap than the total's); mean birth date within
# about 4 days (0.5: at 0.2 it stayed near 8 days on the issue-15 rosters, bench/run_bench.py).
W_GENDER = 1e5
W_SCHOOL = 3e4
W_HUJI = 1e4
W_LEVEL = 3e3
W_TOTAL_MEAN = 80.0
W_SUBJECT_MEAN = 6.0
W_SD = 0.3
W_SD_TOTAL = 1.0
W_BIRTH = 0.5


def class_sizes(n: int, k: int) -> np.ndarray:
    """N // K students per class, the first N % K classes one more."""
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _codes(values: list, order: list | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes 0..m-1 for the non-empty values (in ``order`` first, then by first appearance); -1 = empty."""
    labels: list[str] = []
    index: dict[str, int] = {}
    for v in (order or []):
        if v in values:
            index[v] = len(labels)
            labels.append(v)
    codes = np.full(len(values), -1, dtype=np.int64)
    for i, v in enumerate(values):
        if v is None or v == "":
            continue
        if v not in index:
            index[v] = len(labels)
            labels.append(v)
        codes[i] = index[v]
    return codes, tuple(labels)


def build_problem(roster: Roster, params: Params) -> BalanceProblem:
    n = len(roster.students)
    k = int(params.n_classes)
    if k <= 0:
        raise Infeasible("班额", [], "班级数必须大于0")
    if n == 0:
        raise Infeasible("班额", [], "学生名单为空")
    need = math.ceil(n / k)
    if params.cap and need > params.cap:
        raise Infeasible("班额", [], f"{n}名学生分{k}个班，每班至少{need}人，超过班额上限{params.cap}人；"
                                     f"请增加班级数（至少{math.ceil(n / params.cap)}个班）或调整班额上限")
    sizes = class_sizes(n, k)

    together = merged_groups(n, [g.members for g in roster.twin_groups if g.mode == "同班"])
    apart: list[tuple[int, ...]] = []
    reasons: list[str] = []
    for g in roster.twin_groups:
        if g.mode == "分开" and len(set(g.members)) > 1:
            apart.append(tuple(sorted(set(g.members))))
            reasons.append("分开")
    names = [s.name for s in roster.students]
    for g in same_name_groups(names):
        apart.append(tuple(g))
        reasons.append("同名分开")
    if params.separate_homophones:                 # twins bound 同班 stay together however named
        for g in sound_groups_to_part(names, params.fuzzy_homophones, together)[0]:
            apart.append(tuple(g))
            reasons.append("同音分开")

    st = roster.students
    cats = []
    g_codes, g_labels = _codes([s.gender for s in st], ["男", "女"])
    cats.append(CategoricalFeature("性别", g_codes, g_labels, W_GENDER))
    for name, attr, order, w in (("毕业学校", "school", None, W_SCHOOL), ("户籍", "huji", None, W_HUJI),
                                 ("等级", "level", ["优", "良", "中", "差"], W_LEVEL)):
        vals = [getattr(s, attr) for s in st]
        vals = [None if v is None else str(v) for v in vals]
        codes, labels = _codes(vals, order)
        if len(labels) > 0:
            cats.append(CategoricalFeature(name, codes, labels, w))

    nums = []
    subjects = list(params.subjects)
    for sub in subjects:
        v = subject_scores(roster, sub)
        if not np.all(np.isnan(v)):
            nums.append(NumericFeature(sub, v, W_SUBJECT_MEAN, W_SD))
    if len(subjects) > 1:
        v = total_scores(roster, subjects)
        if not np.all(np.isnan(v)):
            nums.append(NumericFeature("总分", v, W_TOTAL_MEAN, W_SD_TOTAL))
    b = birth_days(roster)
    if not np.all(np.isnan(b)):
        nums.append(NumericFeature("出生日期", b, W_BIRTH, 0.0))

    return BalanceProblem(sizes=sizes, together=tuple(together), apart=tuple(apart),
                          categorical=tuple(cats), numeric=tuple(nums), apart_reasons=tuple(reasons))
