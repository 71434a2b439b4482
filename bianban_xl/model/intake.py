"""Plausibility of the intake: the birth-date window a grade's new students fall in.

Rule (stated in every warning): a child starts 小学一年级 having turned 6 by 31 August of the
intake year, 初一 12, 高一 15 (the usual 8月31日 cut-off). The regular cohort was born from
1 September (intake year − age − 1) to 31 August (intake year − age). A birth date after that
window (too young to enrol) or more than one school year before it is worth a second look: most
are typing errors (2031, 2103 …), the rest children who started late or repeat a year. The
intake year is the year in the 年级 text (“2026级初一”, 二〇二六级), else the current year; a 届
later than this year is the year the class leaves (2029届初一 entered in 2026).
"""
from __future__ import annotations

import re
from datetime import date

# 高一年级 and 初一年级 also hold 一年级: the secondary grades are looked for first
_AGES = ((("初一", "七年级", "7年级", "初中"), 12, "初一", 3), (("高一", "十年级", "高中"), 15, "高一", 3),
         (("一年级", "1年级", "小学"), 6, "小学一年级", 6))
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


STANDARD_CAP = {"小学一年级": ("小学", 45), "初一": ("初中", 50)}   # the national class-size standards (班额)


def _grade(g: str) -> tuple[int, str, int] | None:
    """(entry age, kind, years of the stage) of the 年级 text ``g`` (spaces removed), or None."""
    return next(((age, what, span) for words, age, what, span in _AGES if any(w in g for w in words)), None)


def grade_kind(grade: str) -> str | None:
    """'小学一年级', '初一' or '高一' as the 年级 text names it, or None."""
    hit = _grade(re.sub(r"\s+", "", grade or ""))
    return hit[1] if hit else None


def intake_window(grade: str, today: date | None = None) -> tuple[date, date, str] | None:
    """(earliest, latest, rule text) of plausible birth dates, or None when the grade is unknown."""
    g = re.sub(r"\s+", "", grade or "")
    hit = _grade(g)
    if hit is None:
        return None
    age, what, span = hit
    now = (today or date.today()).year
    m = re.search(r"(20\d\d)\s*([级届年])", re.sub(r"[〇零一二三四五六七八九]{4}", lambda x: x.group().translate(_CHINESE_DIGITS), g))
    year = int(m.group(1)) if m else now
    if m and m.group(2) == "届" and year > now:    # 2029届: the year they leave, as schools count 届
        year -= span
    latest = date(year - age, 8, 31)
    earliest = date(year - age - 2, 9, 1)
    rule = (f"{year}年入学的{what}学生应在 {latest:%Y-%m-%d} 之前满 {age} 周岁，同届学生一般出生于 "
            f"{date(year - age - 1, 9, 1):%Y-%m-%d} 至 {latest:%Y-%m-%d}；早于 {earliest:%Y-%m-%d}"
            f"（大一岁以上）或晚于 {latest:%Y-%m-%d}（未到入学年龄）的请核对")
    return earliest, latest, rule
