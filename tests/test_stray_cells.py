"""`bianban check` warns about a value far from the roster (a typo at row 2000 or in column ZZ, even a
lone space), naming the cell and the fix; notes beside or just below the table are left alone."""
from __future__ import annotations

from openpyxl import load_workbook

from bianban_xl.cli.main import main

from conftest import write_book


def _book(tmp_path, cells: dict[str, object]):
    p = write_book(tmp_path / "名单.xlsx")         # 30 students in rows 2-31, header A1:J1
    wb = load_workbook(p)
    ws = wb["学生名单"]
    for ref, v in cells.items():
        ws[ref] = v
    wb.save(p)
    return p


def test_far_values_are_named_with_the_fix(tmp_path, capsys):
    p = _book(tmp_path, {"ZZ7": "x", "C2000": " ", "M2500": "多打的字"})
    assert main(["check", str(p)]) == 0                           # a warning: the file is still usable
    out = capsys.readouterr().out
    for ref, what in (("ZZ7", "“x”"), ("C2000", "只有空格"), ("M2500", "“多打的字”")):
        line = next(ln for ln in out.splitlines() if f"单元格 {ref} 有内容" in ln)
        assert what in line and "离名单（A1:J31）很远" in line, line
    assert out.count("Ctrl+G") >= 3 and "删除" in out
    assert "检查通过" in out


def test_notes_near_the_table_are_not_stray(tmp_path, capsys):
    p = _book(tmp_path, {"L3": "备注：转学", "K40": "制表人：王老师", "M120": "x"})
    assert main(["check", str(p)]) == 0
    assert "很远" not in capsys.readouterr().out
