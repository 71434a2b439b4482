"""`bianban district`: every school's result workbook verified, rule-checked and compared, with the
broken, edited and tampered ones flagged precisely and listed first."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bianban_xl.cli import main as cli
from bianban_xl.district.batch import batch_assign
from bianban_xl.district.check import (FAIL, PASS, REVIEW, SEVERITY, SHEET_OVERVIEW, SHEET_PROBLEMS,
                                       check_result_book, district_check)
from bianban_xl.model.names import same_name_groups
from bianban_xl.synth import generate_school
from bianban_xl.book.template import fill_input_workbook
from bianban_xl.book.workbook_file import save_atomic

SCHOOLS = {  # file stem -> (students, classes, seed, twin rate)
    "合格一中": (60, 2, 11, 0.015), "合格二中": (50, 2, 12, 0.015), "改班级中学": (64, 2, 13, 0.015),
    "改成绩中学": (56, 2, 14, 0.015), "改班表中学": (48, 2, 15, 0.015), "拆双胞胎中学": (72, 3, 16, 0.12),
}


def _roster_cols(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def _class_of(ws, col):
    return {r: ws.cell(row=r, column=col).value for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=2).value}


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    src = tmp_path_factory.mktemp("输入")
    for stem, (n, k, seed, twins) in SCHOOLS.items():
        r = generate_school(n, k, seed=seed, n_schools=5, twin_rate=twins, school_name=stem)
        r.params.seed = 1000 + seed
        r.params.show_scores = stem == "改成绩中学"   # office class sheets carry the scores to compare
        save_atomic(fill_input_workbook(r, r.params), src / ("城区" if seed % 2 else "乡镇") / f"{stem}.xlsx")
    root = tmp_path_factory.mktemp("区") / "各校结果"
    res = batch_assign(src, root, jobs=1, summary=False)
    assert all(i.ok for i in res.items)
    f = {p.stem: p for p in root.rglob("*.xlsx")}
    info: dict[str, object] = {}

    # 1. 班级 column edited: one of a 同名 pair moved into the other's class
    wb = load_workbook(f["改班级中学"])
    ws = wb["学生名单"]
    cols = _roster_cols(ws)
    names = [ws.cell(row=r, column=cols["姓名"]).value for r in range(2, ws.max_row + 1)]
    a, b = next(g for g in same_name_groups(names) if len(g) == 2)
    ra, rb = a + 2, b + 2
    ws.cell(row=rb, column=cols["班级"]).value = ws.cell(row=ra, column=cols["班级"]).value
    info["改班级"] = (rb, names[b])
    wb.save(f["改班级中学"])

    # 2. a score edited after the run
    wb = load_workbook(f["改成绩中学"])
    ws = wb["学生名单"]
    cols = _roster_cols(ws)
    cell = ws.cell(row=7, column=cols["数学"])
    old = cell.value
    cell.value = 100 if old != 100 else 99
    info["改成绩"] = (7, ws.cell(row=7, column=cols["姓名"]).value, old, cell.value)
    wb.save(f["改成绩中学"])

    # 3. a class sheet edited: a name on 2班 changed
    wb = load_workbook(f["改班表中学"])
    ws = wb["2班"]
    hdr = next(r for r in range(1, 6) if ws.cell(row=r, column=1).value == "序号")
    name_col = next(c.column for c in ws[hdr] if c.value == "姓名")
    info["改班表"] = ws.cell(row=hdr + 3, column=name_col).value
    ws.cell(row=hdr + 3, column=name_col).value = "冒名顶替"
    wb.save(f["改班表中学"])

    # 4. twins split by hand: one member of a 同班 group moved to another class, in the roster and its sheet
    wb = load_workbook(f["拆双胞胎中学"])
    tw = wb["双胞胎"]
    groups: dict[object, list] = {}
    for row in tw.iter_rows(min_row=2, values_only=True):
        if row[0] is not None and row[3] == "同班":
            groups.setdefault(row[0], []).append(row[1])
    gid, ids = next((g, m) for g, m in groups.items() if len(m) == 2)
    ws = wb["学生名单"]
    cols = _roster_cols(ws)
    row_of = {ws.cell(row=r, column=cols["编号"]).value: r for r in range(2, ws.max_row + 1)}
    r2 = row_of[ids[1]]
    now = ws.cell(row=r2, column=cols["班级"]).value
    ws.cell(row=r2, column=cols["班级"]).value = next(c for c in ("1班", "2班", "3班") if c != now)
    info["拆双胞胎"] = gid
    wb.save(f["拆双胞胎中学"])

    # 5. files that are no results: an unassigned input, a damaged workbook, a note
    shutil.copy(src / "城区" / "合格一中.xlsx", root / "未编班中学.xlsx")
    (root / "损坏中学.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (root / "说明.txt").write_text("报送说明", encoding="utf-8")

    out = root.parent / "汇总.xlsx"
    summary = district_check(root, out, jobs=2)
    return summary, info, out


def _by(summary):
    return {Path(c.relative).stem: c for c in summary.checks}


def test_verdicts(district):
    by = _by(district[0])
    assert by["合格一中"].verdict == PASS and by["合格二中"].verdict == PASS
    assert not by["合格一中"].findings
    for stem in ("改班级中学", "改成绩中学", "改班表中学", "拆双胞胎中学", "损坏中学"):
        assert by[stem].verdict == FAIL, (stem, [f.text for f in by[stem].findings])
    assert by["未编班中学"].verdict == REVIEW
    assert by["说明"].verdict == REVIEW


def test_sorted_by_severity(district):
    checks = district[0].checks
    ranks = [SEVERITY[c.verdict] for c in checks]
    assert ranks == sorted(ranks)
    assert [Path(c.relative).stem for c in checks[-2:]] == sorted(["合格一中", "合格二中"]) or \
        {Path(c.relative).stem for c in checks[-2:]} == {"合格一中", "合格二中"}


def test_class_column_edit_named_precisely(district):
    summary, info, _ = district
    c = _by(summary)["改班级中学"]
    row, name = info["改班级"]
    kinds = {f.kind for f in c.findings}
    assert {"复核不一致", "班级被改动", "规则"} <= kinds
    moved = [f for f in c.findings if f.kind == "复核不一致" and f.row == row]
    assert moved and moved[0].sheet == "学生名单" and name in moved[0].text
    same = [f for f in c.findings if "同名学生编在同一班" in f.text]
    assert same and name in same[0].text and same[0].row is not None


def test_score_edit_named_precisely(district):
    summary, info, _ = district
    c = _by(summary)["改成绩中学"]
    row, name, old, new = info["改成绩"]
    assert any(f.kind == "输入被改动" and "输入指纹不符" in f.text for f in c.findings)
    cell = [f for f in c.findings if f.row == row and "“数学”" in f.text]
    assert cell and cell[0].sheet == "学生名单"
    assert name in cell[0].text and f"现在是 {new}" in cell[0].text and f"是 {old}" in cell[0].text


def test_class_sheet_edit_named(district):
    summary, info, _ = district
    c = _by(summary)["改班表中学"]
    sheet = [f for f in c.findings if f.kind == "班级表不一致"]
    assert sheet and sheet[0].sheet == "2班" and sheet[0].row is not None
    assert "冒名顶替" in sheet[0].text and info["改班表"] in sheet[0].text


def test_split_twins_flagged_as_rule_break(district):
    summary, info, _ = district
    c = _by(summary)["拆双胞胎中学"]
    rule = [f for f in c.findings if f.kind == "规则" and "申请同班" in f.text]
    assert rule and f"第{info['拆双胞胎']}组" in rule[0].text
    assert rule[0].sheet == "学生名单" and rule[0].row is not None


def test_non_results_explained(district):
    by = _by(district[0])
    assert "没有“编班记录”" in by["未编班中学"].findings[0].text
    assert "不是 Excel 工作簿" in by["损坏中学"].findings[0].text or "已损坏" in by["损坏中学"].findings[0].text
    assert "不是 Excel 工作簿" in by["说明"].findings[0].text


def test_gaps_recomputed_against_bounds(district):
    c = _by(district[0])["合格一中"]
    assert c.students == 60 and c.classes == 2
    for key in ("性别", "生源", "等级", "总分均分", "出生"):
        gap, bound = c.gaps[key]
        assert gap >= bound - 1e-9
    assert c.gaps["性别"][0] <= c.gaps["性别"][1] + 1


def test_overview_workbook(district):
    summary, _, out = district
    wb = load_workbook(out)
    ov, pb = wb[SHEET_OVERVIEW], wb[SHEET_PROBLEMS]
    files = [ov.cell(row=r, column=2).value for r in range(5, 5 + len(summary.checks))]
    assert files == [c.relative for c in summary.checks]
    verdicts = [ov.cell(row=r, column=3).value for r in range(5, 5 + len(summary.checks))]
    assert verdicts == [c.verdict for c in summary.checks]
    # each school with problems links (its count of problems) to its first line in 问题明细, which
    # names the same file; the main problem is plain text that wraps in its cell
    for r, c in enumerate(summary.checks, start=5):
        link = ov.cell(row=r, column=21).hyperlink
        assert ov.cell(row=r, column=22).hyperlink is None and ov.cell(row=r, column=22).alignment.wrap_text
        if not c.findings:
            assert link is None and ov.cell(row=r, column=21).value == 0
            continue
        target = int(link.location.split("!A")[1]) if link.location else int(link.target.split("!A")[1])
        assert pb.cell(row=target, column=2).value == c.relative
        assert ov.cell(row=r, column=21).value == str(len(c.findings))
    n = sum(len(c.findings) for c in summary.checks)
    assert pb.cell(row=3 + n, column=1).value == n
    # each file name links to the school's file, relative to the overview; the table has filters
    for r, c in enumerate(summary.checks, start=5):
        cell = ov.cell(row=r, column=2)
        assert cell.data_type == "s" and (Path(out).parent / cell.hyperlink.target).resolve() == Path(c.path).resolve()
    assert ov.auto_filter.ref == f"A4:V{4 + len(summary.checks)}"
    # 22 columns print two landscape pages across, not squeezed onto one (≈ 35 %, unreadable)
    assert ov.page_setup.fitToWidth == 2 and ov.sheet_properties.pageSetUpPr.fitToPage
    # the mean birth date's range, in days, beside the score gap (a first grade has no scores)
    assert ov.cell(row=4, column=20).value == "出生日期差" and ov.cell(row=5, column=20).number_format == "0.0"
    for r, c in enumerate(summary.checks, start=5):
        assert ov.cell(row=r, column=20).value == (round(c.gaps["出生"][0], 1) if "出生" in c.gaps else None)
    assert any("出生" in c.gaps for c in summary.checks)
    # a school without problems shows its reminders there, or 无 — not the lines saying a check passed
    for r, c in enumerate(summary.checks, start=5):
        if not c.findings:
            shown = ov.cell(row=r, column=22).value
            assert "检查通过" not in shown and (shown == "无" or "提醒" in shown or "插班" in shown), shown


def test_single_check_and_cli(district, tmp_path, capsys):
    summary, _, out = district
    good = next(c for c in summary.checks if c.verdict == PASS)
    again = check_result_book(good.path)
    assert again.verdict == PASS
    rc = cli.main(["district", str(Path(good.path).parent.parent), "-o", str(tmp_path / "汇总.xlsx"), "--jobs", "1"])
    text = capsys.readouterr().out
    assert rc == 1 and "不合格" in text and "改成绩中学" in text and (tmp_path / "汇总.xlsx").exists()
    rc = cli.main(["district", str(tmp_path / "没有"), "-o", str(tmp_path / "x.xlsx")])
    assert rc == 1 and "找不到文件夹" in capsys.readouterr().out


def test_a_school_without_numbers_and_with_namesakes_passes(tmp_path):
    """A roster without 编号 with two 同名 students (kept in different classes, as the rule asks):
    the district check matched each class sheet's 刘涛 to the first 刘涛 of the roster and marked
    the school 不合格 ('出生日期 now …, at the run …'). Class-sheet rows are now matched within
    their own class."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import HEADER, student_rows, write_book

    rows = [r[1:] for r in student_rows(30, seed=3)]
    rows[4][0] = rows[17][0] = "刘涛"                          # same name, other birth date and school
    rows[4][2], rows[17][2] = "2013-09-11", "2013-12-01"
    rows[4][3], rows[17][3] = "第1小学", "第4小学"
    src = write_book(tmp_path / "输入.xlsx", rows=rows, header=HEADER[1:])
    out = tmp_path / "结果.xlsx"
    assert cli.main(["assign", str(src), "-o", str(out), "--seed", "9"]) == 0
    chk = check_result_book(out)
    assert chk.verdict == PASS, [(f.kind, f.text) for f in chk.findings]


def test_problem_list_fits_one_page_across_with_wrapped_notes(district):
    """问题明细 is as wide as one landscape A4 page (its 说明 was 110 characters, the sheet printed at
    ≈ 52 %): the 说明 and the other text columns wrap, each row as tall as its most lines, the header
    row repeats on every page."""
    from bianban_xl.model.sheet_model import WRAP_LINE_HEIGHT, cell_lines

    summary, _, out = district
    pb = load_workbook(out)[SHEET_PROBLEMS]
    widths = {c: pb.column_dimensions[chr(64 + c)].width for c in range(1, 9)}
    assert sum(widths.values()) <= 112, widths                 # one page across at ≥ 95 %
    assert pb.page_setup.orientation == "landscape" and pb.print_title_rows == "$3:$3"
    assert pb.page_setup.fitToWidth == 1 and pb.sheet_properties.pageSetUpPr.fitToPage
    n = sum(len(c.findings) for c in summary.checks)
    tall = 0
    for r in range(4, 4 + n):
        assert pb.cell(row=r, column=8).alignment.wrap_text, r
        lines = max(cell_lines(str(pb.cell(row=r, column=c).value or ""), widths[c] - 1) for c in (2, 3, 5, 6, 8))
        if lines > 1:
            tall += 1
            assert pb.row_dimensions[r].height >= WRAP_LINE_HEIGHT * lines, r
    assert tall > n // 2


@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"), reason="needs soffice and pdftotext")
def test_overview_prints_at_readable_size(district, tmp_path):
    """Rendered by LibreOffice: 学校汇总 prints its text at ≥ 8 pt, two pages across, and the main
    problem wraps whole inside its cell. A one-line note longer than the table and a link cell that
    does not wrap ran past the last column, and the sheet printed as wide as that text: 5.6 pt."""
    import re
    import sys
    from collections import Counter

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import render_sheets as R

    summary, _, out = district
    pages = R.sheet_pages(R.pdf_pages(R.to_pdf(out, tmp_path / "pdf")), [SHEET_OVERVIEW])[SHEET_OVERVIEW]
    cjk = re.compile(r"^[\u4e00-\u9fff]{2,}$")
    assert len(pages) == 2, len(pages)
    for p in pages:
        size = Counter(round((w[2] - w[0]) / len(w[4]), 1) for w in p.words if cjk.match(w[4])).most_common(1)[0][0]
        assert size >= 8.0, (p.number, size)
    text = "".join(p.text for p in pages).replace("\n", "").replace(" ", "")
    longest = max((c.findings[0].text for c in summary.checks if c.findings), key=len)
    assert longest.replace(" ", "")[-12:] in text, longest


def test_problem_list_prints_at_full_size(district, tmp_path):
    """Rendered by LibreOffice: every page of 问题明细 prints its text at ≥ 10 pt with the header row."""
    import re
    import sys
    from collections import Counter

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import render_sheets as R

    _, _, out = district
    pages = R.sheet_pages(R.pdf_pages(R.to_pdf(out, tmp_path / "pdf")), [SHEET_OVERVIEW, SHEET_PROBLEMS])
    cjk = re.compile(r"^[\u4e00-\u9fff]{2,}$")
    assert len(pages[SHEET_PROBLEMS]) >= 2
    for p in pages[SHEET_PROBLEMS]:
        size = Counter(round((w[2] - w[0]) / len(w[4]), 1) for w in p.words if cjk.match(w[4])).most_common(1)[0][0]
        assert size >= 10.0, (p.number, size)
        assert "序号" in p.text and "说明" in p.text, p.number
