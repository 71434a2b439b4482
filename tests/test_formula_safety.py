"""User text is text (issue 10): hostile values through every input channel — 学生姓名, 毕业学校, 户籍,
an extra column's header and values, 学校名称 / 年级, 班级名称, teacher names, --source texts, a late
student — never come out as a formula. Every sheet part of every output of every command is scanned
for <f> elements on both write paths (zip fast path and openpyxl), and the live (xlwings) path is
driven through its fake, which turns text typed without a leading apostrophe into formulas as Excel
does."""
from __future__ import annotations

import shutil

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bianban_xl import service
from bianban_xl.cli.main import main
from bianban_xl.excel import entry
from bianban_xl.model import schema as S

from conftest import HEADER, student_rows, write_book
from onsite_helpers import TEACHERS
from test_excel_adapter import FakeBook

LINK = ' =HYPERLINK("http://evil.example/x","点我")'      # a leading space: Excel keeps it as text
DDE = "\u3000=cmd|' /C calc'!A0"                        # an ideographic space
TAB = "\t=1+1"
PLUS = " +2+3"
MINUS = " -4+5"
AT = " @SUM(1,2)"
EXTRA_HEADER = " =2*3"
SOURCE = "　=HYPERLINK(\"http://evil.example/s\",\"种子\")"
CLASS_NAMES = " =1+1, @二班, -3"


def hostile_book(path: Path) -> Path:
    rows = student_rows(30, seed=3)
    rows[0][1], rows[1][1], rows[2][1], rows[3][1] = LINK, DDE, TAB, PLUS      # 姓名
    rows[4][4], rows[5][4] = MINUS, AT                                        # 毕业学校
    rows[6][5] = LINK                                                         # 户籍
    rows = [r[:-1] + [DDE if i % 2 else "普通", None] for i, r in enumerate(rows)]
    header = HEADER[:-1] + [EXTRA_HEADER, "备注"]
    params = [("学校名称", LINK), ("年级", DDE), ("班级数", 3), ("班额上限", 50), ("随机种子", 123),
              ("成绩科目", "语文,数学"), ("班级名称", CLASS_NAMES), ("班级名单列", EXTRA_HEADER)]
    teachers = [list(r) for r in TEACHERS]
    teachers[1][0], teachers[2][0], teachers[4][0] = LINK, AT, TAB
    return write_book(path, params=params, rows=rows, header=header, extra_sheets={"教师名单": teachers})


FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s/>]")


def formula_parts(path: Path) -> list[str]:
    """Sheet parts of ``path`` holding a <f> element."""
    with zipfile.ZipFile(path) as zf:
        return [n for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")
                and FORMULA_ELEMENT.search(zf.read(n))]


def texts(path: Path) -> set[str]:
    wb = load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def add_late_student(path: Path, name: str) -> None:
    wb = load_workbook(path)
    wb[S.SHEET_ROSTER].append(["S0901", name, "男", None, MINUS, "本地", "良", 80, 80, "普通", None])
    wb.save(path)


@pytest.fixture(params=[True, False], ids=["fast", "openpyxl"])
def fast_io(request, monkeypatch):
    monkeypatch.setattr(service, "FAST_IO", request.param)
    return request.param


def test_every_command_writes_user_text_as_text(tmp_path, fast_io):
    src = hostile_book(tmp_path / "输入.xlsx")
    assert main(["check", str(src)]) == 0
    outputs: list[Path] = []

    def run(*argv) -> Path:
        out = tmp_path / f"{len(outputs)}-{argv[0]}.xlsx"
        assert main([argv[0], str(outputs[-1] if outputs else src), "-o", str(out), *argv[1:]]) == 0, argv
        outputs.append(out)
        return out

    run("assign")
    run("teachers", "--seed", "5", "--source", SOURCE)
    run("draw", "--seed", "3721", "--source", SOURCE)
    run("public")                       # -o: a new workbook holding only the masked lists
    in_book = tmp_path / f"{len(outputs)}-public-in-book.xlsx"   # without -o: 公示名单 added to the book
    shutil.copy(outputs[-2], in_book)
    assert main(["public", str(in_book)]) == 0
    outputs.append(in_book)
    run("lock")
    add_late_student(outputs[-1], " =HYPERLINK(\"http://evil.example/late\",\"插班\")")
    late = run("late", "--seed", "9")
    assert main(["verify", str(late)]) == 0
    # batch and district over a folder holding the hostile school
    (tmp_path / "各校").mkdir()
    hostile_book(tmp_path / "各校" / "甲校.xlsx")
    assert main(["batch", str(tmp_path / "各校"), "-o", str(tmp_path / "结果"), "--jobs", "1"]) == 0
    assert main(["district", str(tmp_path / "结果"), "-o", str(tmp_path / "汇总.xlsx"), "--jobs", "1"]) in (0, 1)
    assert main(["template", str(tmp_path / "模板.xlsx")]) == 0
    assert main(["demo", str(tmp_path / "演示")]) == 0
    everything = outputs + sorted((tmp_path / "结果").rglob("*.xlsx")) + [tmp_path / "汇总.xlsx", tmp_path / "模板.xlsx"] \
        + sorted((tmp_path / "演示").rglob("*.xlsx"))
    assert len(everything) >= 11
    for path in everything:
        assert formula_parts(path) == [], path.name
    # the hostile values are there, as the text the user typed (trimmed), on the sheets that show them
    final = texts(late)
    for value in (LINK, DDE, TAB, PLUS, MINUS, AT, EXTRA_HEADER, SOURCE, "=1+1", "@二班", "-3"):
        assert value.strip() in final, repr(value)
    assert '=HYPERLINK("http://evil.example/late","插班")' in final
    record = load_workbook(late)[S.SHEET_RECORD]
    assert any(c.value == LINK.strip() and c.data_type == "s" for row in record.iter_rows() for c in row)


def test_assign_fast_path_is_taken_for_hostile_text(tmp_path, monkeypatch):
    """The zip fast path writes hostile text itself (no fallback to openpyxl)."""
    from bianban_xl.book import apply as apply_mod

    monkeypatch.setattr(service, "FAST_IO", True)
    taken = []
    real = apply_mod.apply_update
    monkeypatch.setattr(apply_mod, "apply_update", lambda *a: taken.append(real(*a)) or taken[-1])
    src = hostile_book(tmp_path / "输入.xlsx")
    service.assign_file(src, tmp_path / "out.xlsx")
    assert taken == [apply_mod.FAST]
    assert formula_parts(tmp_path / "out.xlsx") == []


def test_error_codes_and_formula_text_stay_text_in_both_writers(tmp_path):
    """Text such as '#N/A' or '=1+1' given to a writer is a string cell (openpyxl alone would write
    an error value / a formula)."""
    from openpyxl import Workbook

    from bianban_xl.book.workbook_file import render_sheet, save_atomic
    from bianban_xl.model.sheet_model import Formula, SheetSpec

    spec = SheetSpec("表")
    spec.add(1, 1, [["#N/A", "=1+1", " =2", Formula("SUM(1,2)")]])
    wb = Workbook()
    render_sheet(wb, spec)
    save_atomic(wb, tmp_path / "a.xlsx")
    ws = load_workbook(tmp_path / "a.xlsx")["表"]
    assert [c.data_type for c in ws[1]] == ["s", "s", "s", "f"]
    assert [c.value for c in ws[1]] == ["#N/A", "=1+1", " =2", "=SUM(1,2)"]


def test_live_buttons_write_user_text_as_text(tmp_path):
    src = hostile_book(tmp_path / "输入.xlsx")
    book = FakeBook.from_file(src)
    entry.assign(book)
    assert "编班完成" in book.app.alerts[-1][0], book.app.alerts[-1]
    entry.teams(book)
    book.app.answers = ["3721"]
    entry.draw(book)
    entry.export_public(book)
    entry.lock(book)
    roster = book.sheets[S.SHEET_ROSTER]
    last = max(r for r, _ in roster.cells)
    for c, v in enumerate(["S0901", "钱多多", "男", None, MINUS, "本地", "良", 80, 80, "普通"], start=1):
        if v is not None:
            roster.cells[(last + 1, c)] = v
    entry.late(book)
    assert "插班" in book.app.alerts[-1][0], book.app.alerts[-1]
    for sh in book.sheets:
        assert not sh.formula_cells, sh.name
    values = {v for sh in book.sheets for v in sh.cells.values() if isinstance(v, str)}
    for value in (LINK, DDE, TAB, PLUS, AT, EXTRA_HEADER, "=1+1", "@二班", "-3"):
        assert value.strip() in values, repr(value)
    entry.verify(book)
    assert book.app.alerts[-1][0].startswith("验证通过"), book.app.alerts[-1][0]
