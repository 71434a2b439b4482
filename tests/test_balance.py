from datetime import date

import numpy as np
import pytest

from bianban_xl.engine.balance import (count_bound, hard_rule_violations, mean_bound, measures,
                                total_scores)
from bianban_xl.model.records import Params, Roster, Student, TwinGroup


def _tiny():
    # 6 students, 2 classes of 3
    rows = [
        ("张伟", "男", "城关第一小学", "本地", "优", 90, 80, date(2013, 9, 1)),
        ("李娜", "女", "城关第一小学", "外地", "良", 70, None, date(2013, 9, 3)),
        ("王芳", "女", "城关第二小学", "本地", "优", 80, 60, date(2014, 1, 1)),
        ("张伟", "男", "城关第二小学", "本地", "中", 60, 70, None),
        ("刘洋", "男", "城关第一小学", "本地", "差", 100, 90, date(2013, 10, 1)),
        ("章伟", "女", None, "外地", "良", 50.5, 40, date(2014, 3, 1)),
    ]
    students = [Student(row=i + 2, sid=f"S{i + 1}", name=r[0], gender=r[1], school=r[2], huji=r[3],
                        level=r[4], scores={"语文": r[5], "数学": r[6]}, birth=r[7])
                for i, r in enumerate(rows)]
    params = Params(n_classes=2, subjects=["语文", "数学"], cap=45)
    return Roster(students=students, params=params)


def _get(ms, group, label):
    for m in ms:
        if m.group == group and m.label == label:
            return m
    raise KeyError((group, label))


def test_measures_by_hand():
    roster = _tiny()
    labels = np.array([0, 0, 0, 1, 1, 1])
    ms = measures(roster, labels, roster.params)
    groups = [m.group for m in ms]
    # report order
    order = ["班额", "性别", "毕业学校", "户籍", "等级", "平均分", "标准差", "出生日期"]
    seen = [g for i, g in enumerate(groups) if i == 0 or groups[i - 1] != g]
    assert seen == order
    m = _get(ms, "班额", "人数")
    assert list(m.per_class) == [3, 3] and m.gap == 0 and m.bound == 0
    boys = _get(ms, "性别", "男")
    assert list(boys.per_class) == [1, 2] and boys.gap == 1 and boys.bound == 1 and boys.at_bound
    girls = _get(ms, "性别", "女")
    assert list(girls.per_class) == [2, 1]
    # schools: 城关第一小学 (3) first, then 城关第二小学 (2), then unfilled
    sch = [m for m in ms if m.group == "毕业学校"]
    assert [m.label for m in sch] == ["城关第一小学", "城关第二小学", "（未填）"]
    assert list(sch[0].per_class) == [2, 1] and sch[0].bound == 1
    assert list(sch[1].per_class) == [1, 1] and sch[1].bound == 0 and sch[1].gap == 0
    assert [m.label for m in ms if m.group == "等级"] == ["优", "良", "中", "差"]
    assert list(_get(ms, "等级", "优").per_class) == [2, 0]
    hj = [m.label for m in ms if m.group == "户籍"]
    assert hj == ["本地", "外地"]
    # means
    yw = _get(ms, "平均分", "语文")
    assert yw.per_class == pytest.approx([80, (60 + 100 + 50.5) / 3])
    sx = _get(ms, "平均分", "数学")
    assert sx.per_class == pytest.approx([70, 200 / 3])   # 李娜 缺考 is left out
    tot = _get(ms, "平均分", "总分")
    assert tot.per_class == pytest.approx([(170 + 140) / 2, (130 + 190 + 90.5) / 3])
    sd = _get(ms, "标准差", "语文")
    assert sd.per_class == pytest.approx([np.std([90, 70, 80], ddof=1), np.std([60, 100, 50.5], ddof=1)])
    assert sd.gap == pytest.approx(abs(sd.per_class[0] - sd.per_class[1]))
    bd = _get(ms, "出生日期", "平均出生日期")
    d0 = np.mean([date(2013, 9, 1).toordinal(), date(2013, 9, 3).toordinal(), date(2014, 1, 1).toordinal()])
    d1 = np.mean([date(2013, 10, 1).toordinal(), date(2014, 3, 1).toordinal()])
    assert bd.per_class == pytest.approx([d0, d1]) and bd.unit == "天"


def test_total_scores_nan_when_missing():
    roster = _tiny()
    t = total_scores(roster, ["语文", "数学"])
    assert t[0] == 170 and np.isnan(t[1]) and t[5] == 90.5


def test_bounds():
    assert count_bound(10, 5) == 0 and count_bound(11, 5) == 1
    labels = np.array([0, 0, 1, 1])
    assert mean_bound(np.array([1.0, 2, 3, 5]), labels, 2) == 0.5     # sum 11 odd, q=1, n=2
    assert mean_bound(np.array([1.0, 2, 3, 4]), labels, 2) == 0.0
    assert mean_bound(np.array([1.5, 2, 3, 4]), labels, 2) == 0.25    # q=.5, 21 halves, n=2
    assert mean_bound(np.array([1.0, 2, np.nan, 5]), labels, 2) == 0.0
    assert mean_bound(np.array([1.0, 2, 3, 5, 6]), np.array([0, 0, 1, 1, 1]), 2) == 0.0


def test_hard_rule_violations():
    roster = _tiny()
    roster.params.separate_homophones = True
    roster.twin_groups = [TwinGroup("1", [1, 2], "同班"), TwinGroup("2", [0, 4], "分开")]
    good = np.array([0, 0, 0, 1, 1, 1])
    # 张伟 0/3 apart ok; 章伟 5 with 张伟 3 in class 1 -> 同音 broken; 分开 0/4 ok; 同班 1/2 ok
    v = hard_rule_violations(roster, good, roster.params)
    assert len(v) == 1 and "同音" in v[0]
    roster.params.separate_homophones = False
    assert hard_rule_violations(roster, good, roster.params) == []
    bad = np.array([0, 1, 0, 0, 0, 1])
    v = hard_rule_violations(roster, bad, roster.params)
    text = "\n".join(v)
    assert "班额相差" in text and "同名" in text and "申请同班" in text and "申请分开" in text
    roster.params.cap = 2
    v = hard_rule_violations(roster, good, roster.params)
    assert sum("班额上限" in x for x in v) == 2
    v = hard_rule_violations(roster, np.array([0, 0, 0, 1, 1, -1]), Params(n_classes=2))
    assert any("未编入" in x for x in v)


def test_school_bound_with_bound_twins():
    # 4 pupils of one school over 4 classes, two of them bound twins: one class must hold 2 and,
    # with only 2 pupils left for 3 classes, another holds none: the least possible gap is 2.
    students = [Student(row=i + 2, sid=f"S{i + 1}", name=f"学生{i}", gender="男" if i % 2 else "女",
                        school="一小" if i < 4 else "二小", huji=None, level=None, scores={}, birth=None)
                for i in range(8)]
    roster = Roster(students=students, params=Params(n_classes=4, subjects=[], cap=45),
                    twin_groups=[TwinGroup(gid="1", members=[0, 1], mode="同班", rows=[2, 3])])
    labels = np.array([0, 0, 1, 2, 1, 2, 3, 3])
    one = _get(measures(roster, labels, roster.params), "毕业学校", "一小")
    assert list(one.per_class) == [2, 1, 1, 0] and one.gap == 2 and one.bound == 2 and one.at_bound
