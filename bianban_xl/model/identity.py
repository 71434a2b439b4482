"""Who a student is, for records that must survive sorting 学生名单.

插班 batches and the lock's class-column fingerprints name students. A roster with 编号 names each
by his 编号; a student without one used to be named by his row (第31行), so sorting the sheet after
插班 or after locking made another student "the late one" and every class "changed after the lock".
Without 编号 a student is named by what the roster says of him: 姓名（性别，出生日期）, with the
毕业学校 added where two read the same, and a running number only where two rows are alike in all
of these (such students are interchangeable in every record that uses this).
"""
from __future__ import annotations

import re
from collections import Counter

from bianban_xl.model.records import Student

_ROW_KEY = re.compile(r"第(\d+)行")


_CONTENT = re.compile(r"(?P<name>.+?)（(?P<gender>[^，（）]*)，(?P<born>无出生日期|\d{4}-\d{2}(?:-\d{2})?)"
                      r"(?:，(?P<school>[^（）]*))?）(?:#\d+)?")


def _born(s: Student) -> str:
    if s.birth is None:
        return "无出生日期"
    return f"{s.birth:%Y-%m}" if s.birth_month_only else s.birth.isoformat()


def _content(s: Student, school: bool) -> str:
    more = f"，{s.school}" if school and s.school else ""
    return f"{s.name}（{s.gender}，{_born(s)}{more}）"


def recorded_name(recorded: str) -> tuple[str, str] | None:
    """(姓名, 性别) of a student a record names by content (姓名（性别，出生日期…）), else None (a 编号
    or a row)."""
    m = _CONTENT.fullmatch(recorded)
    return (m.group("name"), m.group("gender")) if m else None


def corrected_field(recorded: str, s: Student) -> str | None:
    """"姓名" or "出生日期" when student ``s`` (without 编号) is what the record names by content in
    all but that one field — the same 性别, and the same 毕业学校 where the record gives one — else
    None. (A name or birth date corrected in 学生名单 after the record was written.)"""
    m = _CONTENT.fullmatch(recorded)
    if m is None or s.sid or s.gender != m.group("gender") or m.group("school") not in (None, s.school):
        return None
    same_name, same_born = s.name == m.group("name"), _born(s) == m.group("born")
    if same_name != same_born:
        return "出生日期" if same_name else "姓名"
    return None


def student_idents(students: list[Student]) -> list[str]:
    """One name per student, unique in the roster and independent of the row order (except for
    students alike in name, gender, birth date and school, numbered in row order)."""
    first = [s.sid or _content(s, False) for s in students]
    seen = Counter(first)
    out = [x if seen[x] == 1 or s.sid else _content(s, True) for x, s in zip(first, students)]
    count, taken = Counter(out), Counter()
    for n, x in enumerate(out):
        if count[x] > 1:
            taken[x] += 1
            out[n] = f"{x}#{taken[x]}"
    return out


def find_recorded(recorded: str, idents: dict[str, int], students: list[Student]) -> int | None:
    """The index of the student a record names: by his name as :func:`student_idents` gives it,
    or — in books written before 0.6.1, which named a student without 编号 by his row — by row."""
    if recorded in idents:
        return idents[recorded]
    m = _ROW_KEY.fullmatch(recorded)
    if m:
        row = int(m.group(1))
        return next((i for i, s in enumerate(students) if not s.sid and s.row == row), None)
    return None


__all__ = ["student_idents", "find_recorded", "recorded_name", "corrected_field"]
