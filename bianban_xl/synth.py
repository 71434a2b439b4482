"""Synthetic new-student rosters for the demo, the tests and the benchmark.

``generate_school`` makes a realistic intake: Chinese names (with a few deliberate 同名 and 同音
pairs), genders about 51/49, source primary schools of skewed sizes ("城关第一小学" …), 户籍 about
70% 本地, 等级 优/良/中/差 correlated with scores, scores 0–100 (integers, 英语 on a half-point grid)
with a few 缺考, birth dates within one school year, and about 1.5% of students in twin groups
(mostly 同班, some 分开, a few triplets). Same seed, same roster, on any machine.
"""
from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from bianban_xl.model.records import Params, Roster, Student, TwinGroup

# Common surnames, roughly by frequency (weights decay down the list).
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾韦夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤")
# Given names: first character x second character, or a single character.
BOY_FIRST = list("浩子俊博皓睿泽铭一思天嘉昊宏志明鹏成锦梓逸家旭振星雨晟瑞宇文")
BOY_SECOND = list("宇轩涵杰文睿辰阳鸣远佑豪然伟强磊飞凯程航凡宸伦乐东宁泽翔鹏诚")
BOY_SINGLE = list("伟磊强军勇杰涛斌超明鹏浩宇凯帆")
GIRL_FIRST = list("欣梓子诗雨一语思佳可若梦晓雅紫芷心晨安婉依舒雪艺美丽诗嘉欣")
GIRL_SECOND = list("怡涵萱琪桐诺嫣彤馨曦瑶静婷薇若悦晗琪然清依雪莹琳玲娜妍蕊")
GIRL_SINGLE = list("静丽敏娟艳娜婷颖琳雪悦倩妍洁瑶")
# 同音 pairs (the same toneless pinyin, different characters) used for deliberate homophone names.
HOMOPHONE_SURNAMES = [("张", "章"), ("王", "汪"), ("李", "黎"), ("刘", "柳"), ("杨", "阳"), ("吴", "武"),
                      ("徐", "许"), ("陈", "晨"), ("林", "蔺")]
HOMOPHONE_GIVEN = [("静", "晶"), ("伟", "玮"), ("涵", "晗"), ("宇", "雨"), ("轩", "萱"), ("琪", "琦"),
                   ("怡", "仪"), ("欣", "馨"), ("浩", "昊"), ("杰", "洁"), ("辰", "宸"), ("佳", "嘉")]
TOWNS = ["城关", "城东", "城西", "江南", "新城", "河口", "石桥", "柳林", "东湖", "龙泉", "青山", "白沙",
         "桃源", "梅林", "双溪", "黄土岭", "马鞍山", "凤凰", "金山", "长乐"]
ORDINALS = ["第一", "第二", "第三", "第四", "第五", "第六", "第七", "第八"]


def school_names(n: int) -> list[str]:
    """Plausible primary-school names: 城关第一小学 …, then 镇中心小学, 实验小学, 村小学."""
    out: list[str] = [f"城关{o}小学" for o in ORDINALS[:min(n, 6)]]
    extra = ["实验小学", "城东小学", "城西小学"]
    out += extra
    for t in TOWNS[3:]:
        out.append(f"{t}镇中心小学")
    for t in TOWNS[3:]:
        out.append(f"{t}村小学")
    i = 1
    while len(out) < n:
        out.append(f"希望小学{i}分校")
        i += 1
    return out[:n]


def _given(rng: np.random.Generator, girl: bool) -> str:
    if rng.random() < 0.12:
        single = GIRL_SINGLE if girl else BOY_SINGLE
        return single[int(rng.integers(len(single)))]
    first, second = (GIRL_FIRST, GIRL_SECOND) if girl else (BOY_FIRST, BOY_SECOND)
    a = first[int(rng.integers(len(first)))]
    b = second[int(rng.integers(len(second)))]
    return a + b if a != b else a + a


def _surname(rng: np.random.Generator, weights: np.ndarray) -> str:
    return SURNAMES[int(rng.choice(len(SURNAMES), p=weights))]


def _round_score(x: float, half: bool) -> float:
    x = min(100.0, max(0.0, x))
    return round(x * 2) / 2 if half else float(round(x))


def generate_school(n_students: int, n_classes: int, seed: int, n_schools: int = 30,
                    subjects: tuple[str, ...] | list[str] = ("语文", "数学", "英语"),
                    twin_rate: float = 0.015, same_name_pairs: int | None = None,
                    same_sound_pairs: int | None = None, missing_rate: float = 0.004,
                    cap: int | None = None, separate_homophones: bool = False,
                    school_name: str = "城关实验中学", grade_name: str = "2024级初一",
                    year: int = 2024) -> Roster:
    """A synthetic intake of ``n_students`` for ``n_classes`` classes; deterministic for ``seed``.

    ``same_name_pairs`` / ``same_sound_pairs`` (default about one per 200 students, at least 1)
    force that many extra 同名 / 同音 pairs on top of the ones chance produces. ``twin_rate`` is the
    share of students in twin/triplet groups (≈85% 同班, 15% 分开). ``missing_rate`` is the share of
    缺考 per subject. Birth dates fall in the school year ending 31 August ``year - 12``.

    Long on purpose: the order of the random draws defines every benchmark and test roster, and one
    function with marked sections keeps that order visible; splitting it would hide it.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    n = int(n_students)
    subjects = list(subjects)
    if same_name_pairs is None:
        same_name_pairs = max(1, n // 200)
    if same_sound_pairs is None:
        same_sound_pairs = max(1, n // 200)

    # --- source schools, skewed sizes (Zipf-like)
    schools = school_names(n_schools)
    sw = 1.0 / np.arange(1, n_schools + 1) ** 0.9
    sw /= sw.sum()
    school_idx = rng.choice(n_schools, size=n, p=sw)
    school_effect = rng.normal(0.0, 3.0, n_schools)

    sur_w = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8
    sur_w /= sur_w.sum()

    girls = rng.random(n) < 0.49
    local = rng.random(n) < 0.70
    ability = rng.normal(0.0, 1.0, n)
    start = date(year - 13, 9, 1)
    birth_off = rng.integers(0, 365, n)

    names = [_surname(rng, sur_w) + _given(rng, bool(girls[i])) for i in range(n)]

    # --- twin groups: consecutive blocks of students become siblings
    twin_groups: list[TwinGroup] = []
    n_in_twins = int(round(twin_rate * n))
    order = rng.permutation(n)
    pos = 0
    gid = 1
    in_twin = np.zeros(n, bool)
    while pos < n_in_twins and pos + 2 <= n:
        size = 3 if rng.random() < 0.08 else 2
        size = min(size, n - pos)
        members = sorted(int(x) for x in order[pos:pos + size])
        pos += size
        head = members[0]
        sur = names[head][0]
        used = set()
        for m in members:
            school_idx[m] = school_idx[head]
            local[m] = local[head]
            birth_off[m] = birth_off[head]
            ability[m] = 0.6 * ability[head] + 0.8 * rng.normal() if m != head else ability[m]
            for _ in range(20):
                nm = sur + _given(rng, bool(girls[m]))
                if nm not in used:
                    break
            used.add(nm)
            names[m] = nm
            in_twin[m] = True
        mode = "同班" if rng.random() < 0.85 else "分开"
        twin_groups.append(TwinGroup(gid=str(gid), members=members, mode=mode))
        gid += 1

    # --- deliberate 同名 and 同音 pairs (never inside a twin group)
    free = [int(i) for i in rng.permutation(n) if not in_twin[i]]
    fi = 0
    for _ in range(same_name_pairs):
        if fi + 2 > len(free):
            break
        a, b = free[fi], free[fi + 1]
        fi += 2
        names[b] = names[a]
        girls[b] = girls[a] if rng.random() < 0.7 else girls[b]
    for _ in range(same_sound_pairs):
        if fi + 2 > len(free):
            break
        a, b = free[fi], free[fi + 1]
        fi += 2
        if rng.random() < 0.5:
            s1, s2 = HOMOPHONE_SURNAMES[int(rng.integers(len(HOMOPHONE_SURNAMES)))]
            given = _given(rng, bool(girls[a]))
            names[a], names[b] = s1 + given, s2 + given
        else:
            g1, g2 = HOMOPHONE_GIVEN[int(rng.integers(len(HOMOPHONE_GIVEN)))]
            sur = _surname(rng, sur_w)
            names[a], names[b] = sur + g1, sur + g2

    # --- scores, levels
    half_grid = {sub: (j == 2) for j, sub in enumerate(subjects)}
    gender_shift = {sub: (2.0 if j != 1 else -1.0) for j, sub in enumerate(subjects)}
    scores: list[dict[str, float | None]] = [dict() for _ in range(n)]
    latent = ability + school_effect[school_idx] / 12.0
    for j, sub in enumerate(subjects):
        noise = rng.normal(0.0, 1.0, n)
        raw = 78.0 + 12.0 * (0.78 * latent + 0.62 * noise) + np.where(girls, gender_shift[sub], 0.0) * 0.5
        miss = rng.random(n) < missing_rate
        for i in range(n):
            scores[i][sub] = None if miss[i] else _round_score(float(raw[i]), half_grid[sub])
    lv_score = latent + rng.normal(0.0, 0.45, n)
    cuts = np.quantile(lv_score, [0.75, 0.40, 0.12]) if n else [0, 0, 0]
    levels = np.where(lv_score >= cuts[0], "优", np.where(lv_score >= cuts[1], "良",
                                                         np.where(lv_score >= cuts[2], "中", "差")))
    birth_missing = rng.random(n) < 0.002

    students = []
    for i in range(n):
        students.append(Student(
            row=i + 2, sid=f"{year}{i + 1:05d}", name=names[i], gender="女" if girls[i] else "男",
            birth=None if birth_missing[i] else start + timedelta(days=int(birth_off[i])),
            school=schools[int(school_idx[i])], huji="本地" if local[i] else "外地",
            level=str(levels[i]), scores=scores[i]))

    need = math.ceil(n / n_classes) if n_classes else 0
    params = Params(n_classes=n_classes, school_name=school_name, grade_name=grade_name,
                    cap=max(cap or 50, need), seed=seed, subjects=subjects,
                    separate_homophones=separate_homophones)
    columns = ["编号", "姓名", "性别", "出生日期", "毕业学校", "户籍", "等级"] + subjects
    return Roster(students=students, twin_groups=twin_groups, columns=columns, params=params)


TEACHER_SUBJECTS = ("语文", "数学", "英语")


def sample_teachers(n_classes: int, seed: int, subjects: tuple[str, ...] = TEACHER_SUBJECTS) -> list[list]:
    """A 教师名单 for ``n_classes`` classes (rows under the header 姓名, 学科, 性别, 年龄, 教龄, 职称,
    骨干, 评分, 班主任, 任教班数): per subject, teachers of 2 classes each (one of 1 when odd), every
    subject's loads adding up to ``n_classes``; ``n_classes`` of them are head teachers. Its own
    generator: the student roster of the same seed does not change."""
    rng = np.random.Generator(np.random.PCG64([seed, 7]))
    rows: list[list] = []
    used: set[str] = set()
    for subject in subjects:
        loads = [2] * (n_classes // 2) + ([1] if n_classes % 2 else [])
        for load in loads:
            girl = bool(rng.random() < 0.6)
            while True:
                name = _surname(rng, np.full(len(SURNAMES), 1 / len(SURNAMES))) + _given(rng, girl)
                if name not in used:
                    used.add(name)
                    break
            age = int(rng.integers(24, 56))
            years = max(0, min(age - 22, int(rng.integers(0, 34))))
            title = "高级" if years >= 18 and rng.random() < 0.6 else "中级" if years >= 6 else "初级"
            key = "是" if years >= 8 and rng.random() < 0.3 else "否"
            score = int(min(99, max(70, round(rng.normal(85, 5)))))
            rows.append([name, subject, "女" if girl else "男", age, years, title, key, score, "否", load])
    order = rng.permutation(len(rows))
    for i in order[:n_classes]:
        rows[int(i)][8] = "是"
    return rows
