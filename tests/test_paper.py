"""What people print, sign and post, on paper: a full on-site run (tools/render_sheets.py) rendered
once by LibreOffice to PDF. Every sheet prints on A4 with body text of at least 10 pt (measured:
a CJK character is one em wide, so its advance in the PDF is the printed font size); a class of
50 fits one portrait page; class sheets and public lists carry no scores, 等级, 户籍 or ID numbers.
Skipped where soffice or poppler-utils are missing (apt-get install libreoffice-calc poppler-utils).
"""
from __future__ import annotations

import re
import shutil
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import render_sheets as R  # noqa: E402

pytestmark = pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")) or not shutil.which("pdftotext"),
                                reason="needs soffice (libreoffice-calc) and pdftotext (poppler-utils)")

CLASSES = [f"{k}班" for k in range(1, R.N_CLASSES + 1)]
PAPER = ["数据封存", "编班汇总", "生源分布", *CLASSES, "教师搭配", "抽签记录", "公示名单"]
CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")
PRIVATE = ("总分", "等级", "户籍", "身份证号", "家长电话", "语文", "数学", "英语")


@pytest.fixture(scope="session")
def printed(tmp_path_factory):
    """(result workbook, {sheet: [pages]}) of one full on-site run, converted to PDF once."""
    work = tmp_path_factory.mktemp("paper")
    book = R.full_run(work / "run")
    pdf = R.to_pdf(R.results_only(book, work / "run" / "结果页.xlsx"), work / "pdf")
    names = load_workbook(book, read_only=True).sheetnames
    return book, R.sheet_pages(R.pdf_pages(pdf), names)


def body_size(page) -> float:
    """The most common printed size (pt) of CJK text on the page."""
    sizes = Counter(round((w[2] - w[0]) / len(w[4]), 1) for w in page.words if CJK.match(w[4]))
    return sizes.most_common(1)[0][0]


def test_every_paper_sheet_is_readable_a4(printed):
    _, pages = printed
    for sheet in PAPER:
        assert sheet in pages, (sheet, list(pages))
        for p in pages[sheet]:
            assert {round(p.width), round(p.height)} == {595, 842}, (sheet, p.width, p.height)   # A4
        size = body_size(pages[sheet][0])
        assert size >= 10.0, f"{sheet}: body text prints at {size} pt (scale {size / 10.5:.0%})"


def test_class_of_50_on_one_portrait_page_without_private_columns(printed):
    book, pages = printed
    wb = load_workbook(book)
    for c in CLASSES:
        ws = wb[c]
        n = sum(1 for row in ws.iter_rows(min_row=4, values_only=True) if isinstance(row[0], int))
        assert n >= 49
        assert len(pages[c]) == 1, (c, n, len(pages[c]))
        page = pages[c][0]
        assert page.height > page.width                        # portrait
        text = page.text
        for word in PRIVATE:
            assert word not in text, (c, word)
        assert "班主任：" in text and "（待抽签）" not in text    # the head teacher once drawn
        assert re.search(r"合计\s+共 \d+ 人\s+男 \d+ 人，女 \d+ 人", text), text[-400:]
        assert R.SCHOOL in text


def test_public_list_one_page_per_class_masked_with_rule(printed):
    book, pages = printed
    ps = pages["公示名单"]
    assert len(ps) == R.N_CLASSES
    for p in ps:
        for word in PRIVATE + ("出生日期", "毕业学校"):
            assert word not in p.text.replace("名单不含成绩、出生日期和毕业学校", "")
        assert "编号的后三位" in p.text and R.SCHOOL in p.text
    wb = load_workbook(book)
    rows = [r for r in wb["公示名单"].iter_rows(values_only=True) if isinstance(r[0], int)]
    by_class: dict[str, list[str]] = {}
    for r in rows:
        by_class.setdefault(r[1], []).append(r[2])
    for names in by_class.values():
        assert len(names) == len(set(names))                   # no two posted names alike in a class


def test_print_setup_in_the_file(printed):
    book, _ = printed
    with zipfile.ZipFile(book) as z:
        wbx = z.read("xl/workbook.xml").decode()
        sheets = dict(re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="(rId\d+)"', wbx))
        rels = dict(re.findall(r'Id="(rId\d+)"[^>]*?Target="/?(?:xl/)?([^"]+)"', z.read("xl/_rels/workbook.xml.rels").decode()))
        rels.update({a: b for b, a in re.findall(r'Target="/?(?:xl/)?([^"]+)"[^>]*?Id="(rId\d+)"',
                                                  z.read("xl/_rels/workbook.xml.rels").decode())})
        for sheet in PAPER:
            xml = z.read("xl/" + rels[sheets[sheet]]).decode()
            setup = re.search(r"<pageSetup [^>]*>", xml).group(0)
            # 公示名单: a class a page, fitted to as many pages tall as classes when a class is taller than A4
            tall = f'fitToHeight="{R.N_CLASSES}"' if sheet == "公示名单" and 'fitToHeight="0"' not in setup else 'fitToHeight="0"'
            assert 'paperSize="9"' in setup and 'fitToWidth="1"' in setup and tall in setup, (sheet, setup)
            # each sheet counts its own pages (Excel and LibreOffice count across the print job otherwise)
            assert 'firstPageNumber="1"' in setup and 'useFirstPageNumber="1"' in setup, (sheet, setup)
            assert 'scale="' not in setup or int(re.search(r'scale="(\d+)"', setup).group(1)) >= 90
            if sheet in CLASSES:
                assert 'orientation="portrait"' in setup
            margins = re.search(r"<pageMargins [^>]*>", xml).group(0)
            bottom, footer = (float(re.search(f'{k}="([\\d.]+)"', margins).group(1)) for k in ("bottom", "footer"))
            assert footer < bottom                               # the footer inside the margin


def test_summary_pages_rule_labels_and_charts_alone(printed):
    _, pages = printed
    text = "\n".join(p.text for p in pages["编班汇总"])
    assert "评价规则" in text and "达到最优" in text and R.SCHOOL in text
    # after 插班 reprinted it, page 1 still carries the result 核验码 in large type, every footer too
    assert "结果核验码：" in pages["编班汇总"][0].text
    assert all("结果核验码" in R.footer(p) for p in pages["编班汇总"])
    assert len(re.findall(r"^\s*理论最小差距", text, re.M)) >= 2          # the detail tables' row labels
    charts = [p for p in pages["编班汇总"] if "四、图表" in p.text or "各班各科平均分" in p.text]
    assert charts and not any("图表数据" in p.text for p in charts)      # chart data never printed


def test_record_every_page_readable_after_the_whole_day(printed):
    """编班记录 after assign → 教师搭配 → 抽签 → 公示 → 锁定 → 插班: the rows the later steps append
    (锁定's fingerprints of every class, 插班批次, the log entries) wrap inside the table like the
    rows written at assign time, so no page shrinks: scale ≥ 90 % and body text ≥ 10 pt on every page."""
    _, pages = printed
    ps = pages["编班记录"]
    text = "\n".join(p.text for p in ps)
    for appended in ("锁定·班级列指纹", "插班批次", "插班：", "公示名单：", "班主任抽签", "教师搭配："):
        assert appended in text, appended
    for p in ps:
        assert {round(p.width), round(p.height)} == {595, 842}, (p.width, p.height)
        size = body_size(p)
        assert size >= 10.0 and size / 10.5 >= 0.90, f"编班记录 page {p.number}: {size} pt (scale {size / 10.5:.0%})"
        right = max(w[2] for w in p.words)
        assert right <= p.width - 0.5 * 72 + 1, (p.number, right)          # nothing runs into the side margin
    for p in ps[1:]:                                  # continued pages repeat the log's header, not 项目 | 内容
        first = next(line for line in p.text.splitlines() if line.strip()).split()
        assert first == ["时间", "事项", "校验码"], (p.number, first)
