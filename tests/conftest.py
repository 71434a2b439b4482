"""Shared fixtures: real workbooks written with openpyxl, as a registrar would fill them."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from openpyxl import Workbook

DEFAULT_PARAMS = [("学校名称", "测试中学"), ("年级", "2026级初一"), ("班级数", 3), ("班额上限", 50),
                  ("随机种子", 12345), ("成绩科目", "语文,数学")]
HEADER = ["编号", "姓名", "性别", "出生日期", "毕业学校", "户籍", "等级", "语文", "数学", "备注"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "子涵欣怡梓涵晨曦浩然宇轩一诺雨桐梓萱思远俊杰嘉怡佳琪雨泽博文明轩诗涵皓轩若汐语桐沐阳"


def student_rows(n: int, seed: int = 1) -> list[list]:
    """n distinct-named students with scores, schools and levels."""
    import random

    rnd = random.Random(seed)
    rows, used = [], set()
    for i in range(n):
        while True:
            name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
            if name not in used:
                used.add(name)
                break
        yu, shu = rnd.randint(50, 100), rnd.randint(40, 100)
        level = "优" if yu + shu > 170 else "良" if yu + shu > 150 else "中" if yu + shu > 120 else "差"
        rows.append([f"S{i + 1:04d}", name, rnd.choice("男女"), f"2013-{rnd.randint(9, 12):02d}-{rnd.randint(1, 28):02d}",
                     f"第{rnd.randint(1, 5)}小学", rnd.choice(["本地", "本地", "外地"]), level, yu, shu, None])
    return rows


def write_book(path: Path, params=None, rows=None, header=None, twins=None, extra_sheets=None,
               roster_name="学生名单") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "参数设置"
    ws.append(["参数", "值"])
    for row in (DEFAULT_PARAMS if params is None else params):
        ws.append(list(row))
    ws = wb.create_sheet(roster_name)
    ws.append(header or HEADER)
    for row in (student_rows(30) if rows is None else rows):
        ws.append(row)
    if twins is not None:
        ws = wb.create_sheet("双胞胎")
        ws.append(["组号", "编号", "姓名", "要求"])
        for row in twins:
            ws.append(row)
    for name, content in (extra_sheets or {}).items():
        ws = wb.create_sheet(name)
        for row in content:
            ws.append(row)
    wb.save(path)
    return path


def fill_template_xlsm(path: Path, n: int, seed: int = 1) -> Path:
    """workbook_template.xlsm filled in as a registrar would (parameters, roster of ``n``), saved
    with its macros to ``path``."""
    from openpyxl import load_workbook

    template = Path(__file__).resolve().parents[1] / "workbook_template.xlsm"
    wb = load_workbook(template, keep_vba=True)
    ws = wb["参数设置"]
    values = dict(DEFAULT_PARAMS)
    for r in range(2, ws.max_row + 1):
        key = ws.cell(row=r, column=1).value
        if key in values:
            ws.cell(row=r, column=2, value=values[key])
    ws = wb["学生名单"]
    for c in range(1, ws.max_column + 1):
        ws.cell(row=1, column=c).value = None
    for c, h in enumerate(HEADER, start=1):
        ws.cell(row=1, column=c, value=h)
    for r, row in enumerate(student_rows(n, seed=seed), start=2):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def book(tmp_path):
    """A small valid input workbook (30 students, 3 classes)."""
    return write_book(tmp_path / "输入.xlsx")


def spec_cells(spec) -> dict:
    """(row, col) -> (value, style) of a SheetSpec, as its blocks lay it out."""
    out = {}
    for b in spec.blocks:
        for i, row in enumerate(b.values):
            for j, v in enumerate(row):
                out[(b.top + i, b.left + j)] = (v, b.style)
    return out


def school_input(path: Path, school: str, seed: int) -> Path:
    """A small school's input workbook (40 pupils, 2 classes, no seed in 参数设置) at ``path``."""
    from bianban_xl.book.template import fill_input_workbook
    from bianban_xl.book.workbook_file import save_atomic
    from bianban_xl.synth import generate_school

    r = generate_school(40, 2, seed=seed, n_schools=4, school_name=school)
    r.params.seed = None
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(fill_input_workbook(r, r.params), path)
    return path
