"""Plain typed records passed between the workbook adapters, the engine and the report writers.

Nothing in here knows about Excel or openpyxl: adapters turn sheets into these records, the engine
turns a :class:`BalanceProblem` into class labels, writers turn records back into sheets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np


@dataclass
class Student:
    """One row of 学生名单, normalised."""

    row: int                      # 1-based Excel row in 学生名单 (for messages)
    sid: str                      # 编号 as text ("" if the roster has none; then row-based)
    name: str                     # 姓名 as typed, trimmed
    gender: str                   # "男" or "女"
    birth: date | None = None
    school: str | None = None     # 毕业学校
    huji: str | None = None       # 户籍
    level: str | None = None      # 等级: 优/良/中/差
    scores: dict[str, float | None] = field(default_factory=dict)   # subject -> score (None = 缺考)
    extra: dict[str, Any] = field(default_factory=dict)             # other columns, carried along
    klass: str | None = None      # 班级 already present in the sheet (late enrolment / verify)
    birth_month_only: bool = False   # 出生日期 gave a year and month only (birth is the 1st)

    @property
    def key(self) -> str:
        """Stable identity used in fingerprints and messages: 编号, or the row if there is none."""
        return self.sid or f"第{self.row}行"


@dataclass
class TwinGroup:
    """A 双胞胎 / 多胞胎 application: members must share a class (together) or be apart."""

    gid: str
    members: list[int]            # indices into Roster.students
    mode: str                     # "同班" or "分开"
    rows: list[int] = field(default_factory=list)   # 双胞胎 sheet rows, for messages


@dataclass
class Params:
    """参数设置, normalised."""

    n_classes: int
    school_name: str = ""
    grade_name: str = ""
    cap: int = 50
    seed: int | None = None
    subjects: list[str] = field(default_factory=list)
    separate_homophones: bool = False
    class_names: list[str] = field(default_factory=list)
    fuzzy_homophones: bool = False
    show_scores: bool = False                                   # 班级名单显示成绩: office version of class sheets
    class_columns: list[str] = field(default_factory=list)      # 班级名单列: extra columns on class sheets
    full_marks: dict[str, float] = field(default_factory=dict)   # 成绩满分 per subject (not in the fingerprint)
    full_mark_default: float = 100.0

    def full_mark(self, subject: str) -> float:
        return self.full_marks.get(subject, self.full_mark_default)

    def names(self) -> list[str]:
        if self.class_names:
            return list(self.class_names)
        return [f"{k + 1}班" for k in range(self.n_classes)]


@dataclass
class Roster:
    """Everything read from an input workbook that the balancing needs."""

    students: list[Student]
    twin_groups: list[TwinGroup] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)   # 学生名单 headers in sheet order (canonical)
    params: Params | None = None
    sheet: str = "学生名单"       # the roster sheet's actual name
    header_row: int = 1           # its header row
    class_col: int = 0            # column holding (or to hold) 班级
    headers: dict[int, str] = field(default_factory=dict)  # column -> header text as typed

    def __len__(self) -> int:
        return len(self.students)


# --- engine side ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CategoricalFeature:
    """A category per student (codes 0..m-1, -1 = missing) whose counts per class are balanced."""

    name: str
    codes: np.ndarray             # (N,) int
    labels: tuple[str, ...]       # code -> label
    weight: float = 1.0


@dataclass(frozen=True)
class NumericFeature:
    """A number per student (nan = missing) whose class mean (and optionally spread) is balanced."""

    name: str
    values: np.ndarray            # (N,) float, nan = missing
    weight_mean: float = 1.0
    weight_sd: float = 0.0


@dataclass(frozen=True)
class BalanceProblem:
    """What the engine solves: sizes, hard constraints and the features to balance.

    Hard rules: class ``k`` gets exactly ``sizes[k]`` students; every group in ``together`` shares
    one class; the students of each set in ``apart`` are pairwise in different classes.
    """

    sizes: np.ndarray                                    # (K,) int, sum == N
    together: tuple[tuple[int, ...], ...] = ()
    apart: tuple[tuple[int, ...], ...] = ()
    categorical: tuple[CategoricalFeature, ...] = ()
    numeric: tuple[NumericFeature, ...] = ()
    apart_reasons: tuple[str, ...] = ()                  # same length as ``apart``: why (同名/分开/同音)

    @property
    def n(self) -> int:
        return int(np.sum(self.sizes))

    @property
    def k(self) -> int:
        return int(len(self.sizes))


class Infeasible(Exception):
    """The hard rules cannot all hold. ``rule`` names the rule, ``students`` the indices involved."""

    def __init__(self, rule: str, students: list[int], detail: str = ""):
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.students = students
        self.detail = detail
