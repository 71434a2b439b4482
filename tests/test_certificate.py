"""编班汇总 certificate figures checked against an independent computation from the written
class column; charts, shading and print settings exist; the workbook renders in LibreOffice."""
from __future__ import annotations

import shutil
import statistics
import subprocess

import pytest
from openpyxl import load_workbook

from bianban_xl.cli.main import main

from conftest import DEFAULT_PARAMS, student_rows, write_book


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cert")
    params = [(k, 5 if k == "班级数" else v) for k, v in DEFAULT_PARAMS]
    book = write_book(tmp / "in.xlsx", params=params, rows=student_rows(120, seed=3))
    out = tmp / "out.xlsx"
    assert main(["assign", str(book), "-o", str(out)]) == 0
    return out


def _independent(path):
    wb = load_workbook(path)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[1]]
    cls = head.index("班级")
    by = {}
    for r in rows:
        by.setdefault(r[cls], []).append(r)
    return head, rows, by, wb


def test_certificate_figures_match_independent_computation(result):
    head, rows, by, wb = _independent(result)
    ws = wb["编班汇总"]
    cells = {(r, c): ws.cell(r, c).value for r in range(1, ws.max_row + 1) for c in range(1, 12)}
    # find the 均衡指数 rows: 科目 | gap | cohort SD | index
    idx_rows = {cells[(r, 1)]: r for r in range(1, ws.max_row + 1) if cells[(r, 1)] in ("语文", "数学", "总分", "总体")}
    for subject in ("语文", "数学"):
        col = head.index(subject)
        means = [statistics.mean(x[col] for x in members) for members in by.values()]
        gap = max(means) - min(means)
        sd = statistics.stdev(x[col] for x in rows)
        r = idx_rows[subject]
        assert cells[(r, 2)] == pytest.approx(gap, abs=0.006)
        assert cells[(r, 3)] == pytest.approx(sd, abs=0.006)
        assert cells[(r, 4)] == pytest.approx(max(0, 100 * (1 - gap / sd)), abs=0.06)
    # gaps table: gender gap equals the independent count range
    gi = head.index("性别")
    boys = [sum(1 for x in m if x[gi] == "男") for m in by.values()]
    gap_row = next(r for r in range(1, ws.max_row + 1) if cells[(r, 1)] == "性别" and cells[(r, 2)] == "男")
    assert cells[(gap_row, 3)] == max(boys) - min(boys)
    assert cells[(gap_row, 6)] is not None and cells[(gap_row, 7)] is not None     # 蛇形 / 随机 columns
    assert any("均衡指数 = 100 × (1 − 各班平均分最大差距 ÷ 全年级该科成绩标准差)" in str(v) for v in cells.values())
    assert any("监督人员签字" in str(v) for v in cells.values())


def test_charts_shading_and_print_settings(result):
    wb = load_workbook(result)
    ws = wb["编班汇总"]
    assert len(ws._charts) >= 2
    assert wb["生源分布"].conditional_formatting
    for name in ("编班汇总", "生源分布", "编班记录", "1班"):
        s = wb[name]
        assert int(s.page_setup.paperSize) == 9
        assert s.sheet_properties.pageSetUpPr.fitToPage and s.page_setup.fitToWidth == 1
        assert "&P" in s.oddFooter.center.text
    assert wb["1班"].print_title_rows == "$3:$3"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_result_renders_in_libreoffice(result, tmp_path):
    proc = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(result)],
                          capture_output=True, timeout=180)
    pdf = tmp_path / (result.stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000
