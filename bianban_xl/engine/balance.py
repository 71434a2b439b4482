"""Balance measures of a finished assignment, their provable lower bounds, and the hard-rule check.

Everything here is computed from the roster and the labels alone (never from engine internals), so
the report writers and the district checker can use it on any workbook, whoever made the classes.

Per measure we report the per-class values, the *gap* (largest minus smallest class value) and a
*bound*: a gap no assignment of this roster into classes of these sizes can go below.

Bounds (all provable, deliberately simple):

* 班额 (class size): with N students and K classes the sizes cannot all be equal when N % K != 0,
  so the bound is 1 in that case and 0 otherwise.
* counts (性别 / 毕业学校 / 户籍 / 等级): a category with c students spread over K classes has per-class
  counts that are integers summing to c; they can all be equal only if K divides c, so the bound is
  ``ceil(c/K) - floor(c/K)`` (0 or 1). Moreover a 同班 twin group with g members of the category
  puts g in one class while the other K-1 classes share the remaining c - g, so one of them holds
  at most floor((c-g)/(K-1)): the bound is raised to ``g - floor((c-g)/(K-1))`` when that is
  larger (e.g. 20 pupils of a school over 20 classes, two of them bound twins: one class has 2,
  another none, and the gap cannot go below 2).
* class means (平均分): 0, except in the one case that is cheap to prove: every class has the same
  number n of students with a value, and every value lies on a grid q (1 or 0.5 points). Then each
  class sum is a multiple of q and the K sums add up to the total S; if S/q is not divisible by K the
  sums cannot all be equal, so two class sums differ by at least q and two means by at least q/n.
* 标准差 (class SD) and 出生日期 (mean birth date): 0 (no cheap non-trivial bound).

SD is the sample standard deviation (ddof=1, Excel ``STDEV``/``STDEV.S``), so a registrar checking a
class in Excel gets the same number. 出生日期 per-class values are mean birth dates as proleptic
ordinal days (``date.toordinal``; ``date.fromordinal(round(x))`` turns one back into a date), and
the gap is in days.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from bianban_xl.model.names import normalize_name, same_name_groups, sound_groups_to_part
from bianban_xl.model.records import Params, Roster

LEVEL_ORDER = ("优", "良", "中", "差")
MISSING_LABEL = "（未填）"


@dataclass
class Measure:
    group: str              # '班额' | '性别' | '毕业学校' | '户籍' | '等级' | '平均分' | '标准差' | '出生日期'
    label: str              # e.g. '人数', '男', '城关第一小学', '优', '语文', '总分'
    per_class: np.ndarray   # (K,) float: count / mean / SD per class (nan where a class has no value)
    gap: float              # nanmax - nanmin over classes (nan if no class has a value)
    bound: float            # provable lower bound of the gap for this roster and these class sizes
    unit: str               # '人' | '分' | '天'

    @property
    def at_bound(self) -> bool:
        """True when the gap equals its bound (up to rounding); False if the gap is unknown."""
        if not np.isfinite(self.gap):
            return False
        return bool(self.gap <= self.bound + 1e-9)


def _gap(values: np.ndarray) -> float:
    if values.size == 0 or np.all(np.isnan(values)):
        return float("nan")
    return float(np.nanmax(values) - np.nanmin(values))


def count_bound(count: int, k: int) -> float:
    """Least possible range of per-class counts of ``count`` items over ``k`` classes."""
    return 0.0 if k <= 0 or count % k == 0 else 1.0


def mean_bound(values: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Granularity lower bound of the class-mean range (see module docstring); 0 if not provable."""
    values = np.asarray(values, dtype=float)
    ok = ~np.isnan(values)
    if k <= 1 or not ok.any():
        return 0.0
    # The bound needs the same number n of valued students in every class, whatever the
    # assignment: true only if nobody is missing and N is divisible by K.
    if not ok.all() or len(values) % k != 0:
        return 0.0
    n = len(values) // k
    for q in (1.0, 0.5):
        units = values / q
        if np.all(np.abs(units - np.round(units)) < 1e-9):
            total = int(round(float(np.round(units).sum())))
            return q / n if total % k != 0 else 0.0
    return 0.0


def total_scores(roster: Roster, subjects: Iterable[str]) -> np.ndarray:
    """Sum of the subjects per student; nan if any subject is missing (or there are no subjects)."""
    subjects = list(subjects)
    if not subjects:
        return np.full(len(roster.students), np.nan)
    out = subject_scores(roster, subjects[0])
    for sub in subjects[1:]:
        out = out + subject_scores(roster, sub)        # nan (missing) stays nan
    return out


def _score(v) -> float:
    """A score cell's value as a float; nan for 缺考 / blank / anything not a number."""
    if v is None:
        return np.nan
    if type(v) is float or type(v) is int:
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def subject_scores(roster: Roster, subject: str) -> np.ndarray:
    """One subject's scores as floats, nan for 缺考 / missing."""
    return np.array([_score(s.scores.get(subject)) for s in roster.students], dtype=float)


def birth_days(roster: Roster) -> np.ndarray:
    """Birth dates as ordinal days, nan where missing."""
    return np.array([float(s.birth.toordinal()) if s.birth is not None else np.nan
                     for s in roster.students])


def _k(params: Params | None, roster: Roster, labels: np.ndarray) -> int:
    if params is not None and params.n_classes:
        return int(params.n_classes)
    if roster.params is not None and roster.params.n_classes:
        return int(roster.params.n_classes)
    return int(labels.max()) + 1 if labels.size else 0


def _per_class_counts(mask: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    valid = (labels >= 0) & (labels < k) & mask
    return np.bincount(labels[valid], minlength=k).astype(float)[:k]


def _per_class_stat(values: np.ndarray, labels: np.ndarray, k: int, stat: str) -> np.ndarray:
    out = np.full(k, np.nan)
    for c in range(k):
        v = values[(labels == c) & ~np.isnan(values)]
        if stat == "mean" and v.size:
            out[c] = float(v.sum() / v.size)
        elif stat == "sd" and v.size > 1:
            out[c] = float(np.std(v, ddof=1))
    return out


def _categorical(group: str, keys: list, labels: np.ndarray, k: int, order: list,
                 bound_groups: list[list[int]] = ()) -> list["Measure"]:
    arr = np.array([("" if x is None else str(x)) for x in keys], dtype=object)
    out = []
    for value in order:
        mask = arr == value
        per = _per_class_counts(mask, labels, k)
        label = value if value else MISSING_LABEL
        c = int(mask.sum())
        bound = count_bound(c, k)
        # A 同班 group with g members of this category puts g of them in one class; the other K-1
        # classes share the remaining c - g, so one of them holds at most floor((c-g)/(K-1)):
        # the gap is at least g - floor((c-g)/(K-1)).
        g = max([int(mask[list(m)].sum()) for m in bound_groups] + [0])
        if k > 1:
            bound = max(bound, float(g - (c - g) // (k - 1)))
        out.append(Measure(group, label, per, _gap(per), bound, "人"))
    return out


def measures(roster: Roster, labels: np.ndarray, params: Params | None = None) -> list[Measure]:
    """All balance measures, in report order.

    Order: 班额; 性别 (男, 女); 毕业学校 (by school size, largest first; unfilled last); 户籍 (by count);
    等级 (优 良 中 差, then any other value); 平均分 (each subject, then 总分); 标准差 (same);
    出生日期 (mean birth date, ordinal days). Groups with no data in the roster are left out
    (no 毕业学校 column → no 毕业学校 measures, no subjects → no 平均分 …).
    """
    params = params if params is not None else roster.params
    labels = np.asarray(labels).astype(int)
    k = _k(params, roster, labels)
    n = len(roster.students)
    students = roster.students
    out: list[Measure] = []

    sizes = _per_class_counts(np.ones(n, bool), labels, k)
    out.append(Measure("班额", "人数", sizes, _gap(sizes), count_bound(n, k), "人"))

    genders = [s.gender for s in students]
    g_order = [g for g in ("男", "女") if g in genders] + sorted({g for g in genders if g not in ("男", "女")}, key=str)
    bound_groups = [list(t.members) for t in roster.twin_groups if t.mode == "同班" and len(t.members) > 1]
    out += _categorical("性别", genders, labels, k, g_order, bound_groups)

    for group, attr, fixed in (("毕业学校", "school", None), ("户籍", "huji", None), ("等级", "level", LEVEL_ORDER)):
        keys = [getattr(s, attr) for s in students]
        if all(x is None or str(x) == "" for x in keys):
            continue
        texts = ["" if x is None else str(x) for x in keys]
        counts: dict[str, int] = {}
        for t in texts:
            counts[t] = counts.get(t, 0) + 1
        present = [t for t in counts if t]
        if fixed:
            order = [v for v in fixed if v in counts] + sorted((v for v in present if v not in fixed), key=lambda v: (-counts[v], v))
        else:
            order = sorted(present, key=lambda v: (-counts[v], v))
        if "" in counts:
            order.append("")
        out += _categorical(group, texts, labels, k, order, bound_groups)

    subjects = list(params.subjects) if params is not None else []
    numeric: list[tuple[str, np.ndarray]] = [(sub, subject_scores(roster, sub)) for sub in subjects]
    if len(subjects) > 1:
        total = numeric[0][1]
        for _, v in numeric[1:]:
            total = total + v                   # = total_scores(roster, subjects), nan if any missing
        numeric.append(("总分", total))
    numeric = [(name, v) for name, v in numeric if not np.all(np.isnan(v))]
    for name, v in numeric:
        per = _per_class_stat(v, labels, k, "mean")
        out.append(Measure("平均分", name, per, _gap(per), mean_bound(v, labels, k), "分"))
    for name, v in numeric:
        per = _per_class_stat(v, labels, k, "sd")
        out.append(Measure("标准差", name, per, _gap(per), 0.0, "分"))

    b = birth_days(roster)
    if not np.all(np.isnan(b)):
        per = _per_class_stat(b, labels, k, "mean")
        out.append(Measure("出生日期", "平均出生日期", per, _gap(per), 0.0, "天"))
    return out


def _who(roster: Roster, idx: Iterable[int]) -> str:
    parts = []
    for i in idx:
        s = roster.students[i]
        parts.append(f"{s.name}（{s.key}）")
    return "、".join(parts)


def _cls(names: list[str], c: int) -> str:
    return names[c] if 0 <= c < len(names) else f"第{c + 1}班"


def hard_rule_violations(roster: Roster, labels: np.ndarray, params: Params | None = None) -> list[str]:
    """Chinese descriptions of every broken hard rule; ``[]`` when all hold.

    Checked: every student in a class (labels in 0..K-1); class sizes differ by at most 1; no class
    above the 班额上限; 同名 students in different classes; 同班 twin groups in one class; 分开 twin
    groups in different classes; 同音 students in different classes when ``separate_homophones``.
    Works from the roster and the labels only, independent of the engine.
    """
    params = params if params is not None else roster.params
    labels = np.asarray(labels).astype(int)
    k = _k(params, roster, labels)
    names = params.names() if params is not None else [f"{c + 1}班" for c in range(k)]
    out: list[str] = []
    n = len(roster.students)
    if labels.shape != (n,):
        return [f"编班结果人数（{labels.size}）与学生名单人数（{n}）不一致"]

    bad = np.flatnonzero((labels < 0) | (labels >= k))
    if bad.size:
        out.append(f"有{bad.size}名学生未编入任何班级：{_who(roster, bad[:10])}" + ("等" if bad.size > 10 else ""))

    sizes = np.bincount(labels[(labels >= 0) & (labels < k)], minlength=k)[:k]
    if k and sizes.max() - sizes.min() > 1:
        big, small = int(np.argmax(sizes)), int(np.argmin(sizes))
        out.append(f"班额相差超过1人：{_cls(names, big)}{sizes[big]}人，{_cls(names, small)}{sizes[small]}人")
    cap = params.cap if params is not None else None
    if cap:
        for c in np.flatnonzero(sizes > cap):
            out.append(f"{_cls(names, int(c))}有{sizes[c]}人，超过班额上限{cap}人")

    def _together(idx: list[int]) -> list[list[int]]:
        """Sets of students in idx that share a class (only sets of 2+)."""
        by: dict[int, list[int]] = {}
        for i in idx:
            if 0 <= labels[i] < k:
                by.setdefault(int(labels[i]), []).append(i)
        return [(c, v) for c, v in sorted(by.items()) if len(v) > 1]

    names_list = [s.name for s in roster.students]
    for grp in same_name_groups(names_list):
        for c, members in _together(grp):
            out.append(f"同名学生编在同一班（{_cls(names, c)}）：{_who(roster, members)}")
    if params is not None and params.separate_homophones:
        together = [g.members for g in roster.twin_groups if g.mode == "同班"]
        for grp in sound_groups_to_part(names_list, params.fuzzy_homophones, together)[0]:
            for c, members in _together(grp):
                if len({normalize_name(roster.students[i].name) for i in members}) > 1:
                    out.append(f"同音姓名学生编在同一班（{_cls(names, c)}）：{_who(roster, members)}")
    for tg in roster.twin_groups:
        members = [i for i in tg.members if 0 <= i < n]
        if len(members) < 2:
            continue
        if tg.mode == "同班":
            cls = {int(labels[i]) for i in members}
            if len(cls) > 1:
                where = "、".join(f"{roster.students[i].name}在{_cls(names, int(labels[i]))}" for i in members)
                out.append(f"双（多）胞胎第{tg.gid}组申请同班，但被分在不同班：{where}")
        elif tg.mode == "分开":
            for c, ms in _together(members):
                out.append(f"双（多）胞胎第{tg.gid}组申请分开，但编在同一班（{_cls(names, c)}）：{_who(roster, ms)}")
    return out
