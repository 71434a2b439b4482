"""Workbooks for the on-site tests: a small roster with a 教师名单 of 3 classes."""
from __future__ import annotations

from openpyxl import load_workbook

from bianban_xl.cli.main import main

from conftest import write_book

TEACHER_HEAD = ["姓名", "学科", "性别", "年龄", "教龄", "职称", "骨干", "评分", "班主任", "任教班数"]
TEACHERS = [TEACHER_HEAD,
            ["王芳", "语文", "女", 35, 12, "中级", "是", 92, "是", 1],
            ["李强", "语文", "男", 26, 2, "初级", "否", 80, "否", 1],
            ["赵敏", "语文", "女", 50, 28, "高级", "是", 95, "是", 1],
            ["陈刚", "数学", "男", 45, 22, "高级", "否", 88, "是", 2],
            ["刘洋", "数学", "女", 24, 1, "初级", "否", 78, "否", 1],
            ["周丽", "英语", "女", 30, 6, "中级", "否", 85, "否", 3]]


def assigned(tmp_path, teachers=TEACHERS, **kw):
    """An input book with teachers, assigned into 3 classes; returns the result path."""
    src = write_book(tmp_path / "输入.xlsx", extra_sheets={"教师名单": teachers}, **kw)
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out)]) == 0
    return out


def kv(ws) -> dict:
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str) and len(r) > 1}


def roster_classes(path) -> dict:
    ws = load_workbook(path)["学生名单"]
    head = [c.value for c in ws[1]]
    ii, ci = head.index("编号"), head.index("班级")
    return {r[ii]: r[ci] for r in ws.iter_rows(min_row=2, values_only=True) if r[ii]}


def sort_sheet(src, dst, sheet: str, key, reverse: bool = False) -> None:
    """Sort the rows below the header of ``sheet`` by ``key(header, row)`` and save to ``dst``, as a
    registrar does before printing (values only; an empty value moving in clears the cell)."""
    wb = load_workbook(src)
    ws = wb[sheet]
    head = [c.value for c in ws[1]]
    rows = sorted(([c.value for c in r] for r in ws.iter_rows(min_row=2)), key=lambda r: key(head, r), reverse=reverse)
    for i, r in enumerate(rows, start=2):
        for j, v in enumerate(r, start=1):
            ws.cell(row=i, column=j).value = v
    wb.save(dst)
