"""A class list is one page (posted, signed) without rendering: the page setup and widths class_sheet
plans for crowded classes with long names (the rendered checks are in test_paper_edge.py)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from bianban_xl.reports.result_sheets import MIN_PRINT_SCALE, class_sheet, one_page_scale
from bianban_xl.service import check_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import edge_school as E  # noqa: E402
from conftest import spec_cells


def _sheets(tmp_path, per: int):
    roster, report = check_file(E.write_full(tmp_path / f"输入{per}.xlsx", k=4, per=per, cap=70))
    assert roster is not None, report
    labels = np.arange(len(roster.students)) % 4
    return [class_sheet(roster, roster.params, labels, k, "2026-09-01 08:00:00", 1) for k in range(4)]


def _body(spec):
    rows = [b for b in spec.blocks if b.top == 4 and b.style in ("body", "fit")]
    return range(4, 5 + len(rows[0].values) + 1)


def test_crowded_class_with_long_names_plans_one_portrait_page(tmp_path):
    """59–64 a class with a 15-character 小学 and 11-character minority names: portrait, one page
    tall (fitToHeight 1) at ≥ 9 pt; the narrowed text columns shrink what Excel finds too wide. The
    long values made it landscape (30 rows a page) or, past 60, fitted to no height at all."""
    for per in (59, 63):
        for spec in _sheets(tmp_path, per):
            assert not spec.landscape and spec.fit_height == 1, (per, spec.landscape, spec.fit_height)
            assert one_page_scale(spec, _body(spec), spec.row_heights[5]) >= MIN_PRINT_SCALE
            fit = [b for b in spec.blocks if b.style == "fit"]
            assert fit and all(isinstance(v, str) or v is None for b in fit for row in b.values for v in row)


def test_class_too_tall_for_9_pt_goes_on_over_pages(tmp_path):
    for spec in _sheets(tmp_path, 69):
        assert spec.fit_height == 0 and spec.print_title_rows == "3:3" and spec.row_heights[5] == 13.5


def _office_sheets(tmp_path, subjects: int, per: int = 50):
    """The office class lists (班级名单显示成绩 是) of an edge school with ``subjects`` subjects."""
    from openpyxl import load_workbook

    path = E.write_full(tmp_path / f"成绩{subjects}.xlsx", k=2, per=per, cap=60)
    wb = load_workbook(path)
    wb["参数设置"].append(["班级名单显示成绩", "是"])
    for r in range(2, wb["参数设置"].max_row + 1):
        if wb["参数设置"].cell(r, 1).value == "成绩科目":
            wb["参数设置"].cell(r, 2).value = ",".join(E.SUBJECTS[:subjects])
    wb.save(path)
    roster, report = check_file(path)
    assert roster is not None, report
    labels = np.arange(len(roster.students)) % 2
    return roster, [class_sheet(roster, roster.params, labels, k, "2026-09-01 08:00:00", 1) for k in range(2)]



def test_office_list_with_many_subjects_one_landscape_page_across(tmp_path):
    """The office list with scores and 6 or 9 subjects: landscape, one page across at ≥ 8.5 pt (planned),
    rows flowing onto further pages under the repeated header; every value whole — the dates were
    ### and the names and schools cut when every column was shrunk to 8 characters: a text value
    wider than its column (as Excel measures) is in a column that shrinks it or wraps it, and a
    wrapped row is as tall as its lines; every class alike."""
    from bianban_xl.model.sheet_model import WRAP_LINE_HEIGHT, cell_lines, text_width
    from bianban_xl.reports.result_sheets import LIST_PRINT_SCALE, PRINTABLE_CHARS

    for subjects in (6, 9):
        _, specs = _office_sheets(tmp_path, subjects)
        assert specs[0].col_widths == specs[1].col_widths
        for spec in specs:
            assert spec.landscape and spec.fit_width == 1 and spec.fit_height == 0 and spec.print_title_rows == "3:3"
            assert sum(spec.col_widths.values()) <= PRINTABLE_CHARS[True] / LIST_PRINT_SCALE + 1e-9
            grid = spec_cells(spec)
            header = {c: grid[(3, c)][0] for c in spec.col_widths}
            assert ("道德与法治" in header.values()) == (subjects == 9)
            born = next(c for c, h in header.items() if h == "出生日期")
            assert spec.col_widths[born] >= 11.5                        # yyyy-mm-dd, not ###
            last = max(r for (r, c), (v, st) in grid.items() if st in ("body", "fit", "wrap_mid") and r >= 4)
            assert last - 3 == sum(1 for (r, c) in grid if c == 1 and 4 <= r <= last)
            for r in range(4, last + 1):
                need = 1
                for c, w in spec.col_widths.items():
                    v, style = grid.get((r, c), (None, "body"))
                    if isinstance(v, str) and text_width(v) + 1 > w:
                        assert style in ("fit", "wrap_mid"), (subjects, header[c], v, w, style)
                    if isinstance(v, str) and style == "wrap_mid":
                        need = max(need, cell_lines(v, w - 1))
                assert need == 1 or spec.row_heights[r] >= WRAP_LINE_HEIGHT * need, (r, need)


@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"), reason="needs soffice and pdftotext")
def test_office_list_with_9_subjects_prints_readable(tmp_path):
    """Rendered by LibreOffice: 9 subjects, 50 a class — every page landscape A4 with the header row,
    text at ≥ 8 pt, no ###, every pupil's 编号 printed."""
    import re
    from collections import Counter

    from bianban_xl.book.new_book import write_new_book

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import render_sheets as R

    _, specs = _office_sheets(tmp_path, 9)
    book = write_new_book(tmp_path / "名单.xlsx", specs[:1])
    pages = R.pdf_pages(R.to_pdf(book, tmp_path / "pdf"))
    cjk = re.compile(r"^[\u4e00-\u9fff]{2,}$")
    assert 2 <= len(pages) <= 3, len(pages)
    for p in pages:
        assert (round(p.width), round(p.height)) == (842, 595)
        assert "序号" in p.text and "毕业学校" in p.text, p.number
        size = Counter(round((w[2] - w[0]) / len(w[4]), 1) for w in p.words if cjk.match(w[4])).most_common(1)[0][0]
        assert size >= 8.0, (p.number, size)
    text = "".join(p.text for p in pages)
    assert "###" not in text
    grid = spec_cells(specs[0])
    ids = [v for (r, c), (v, _) in grid.items() if c == 2 and r >= 4 and isinstance(v, str) and v.startswith("S")]
    assert len(ids) >= 50 and all(i in text for i in ids)
