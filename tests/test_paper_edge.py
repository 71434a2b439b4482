"""Paper from edge schools (tests/edge_school.py): a long 教育集团 school name, long 班级名称, 58–59
pupils a class, nine subjects, minority names of 8+ characters, long teacher names; and a school
with only 姓名 and 性别. The whole day is run, the result rendered once per school by LibreOffice,
and every page is read back with its word boxes (pdftotext -bbox): nothing runs off the page,
no text is cut by its neighbour (a clipped cell still reports its whole word box, so it overlaps
the next word on the line), a class fits one portrait page, a class's 公示 is one page.
Skipped where soffice or poppler-utils are missing.
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

from bianban_xl import service
from bianban_xl.onsite.state import names_on_class_sheet

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import edge_school as E  # noqa: E402
import render_sheets as R  # noqa: E402

pytestmark = pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")) or not shutil.which("pdftotext"),
                                reason="needs soffice (libreoffice-calc) and pdftotext (poppler-utils)")

CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def _render(work: Path, write) -> tuple[Path, dict[str, list[R.Page]]]:
    work.mkdir(parents=True, exist_ok=True)
    book = E.full_day(write(work / "输入.xlsx"))
    pdf = R.to_pdf(R.results_only(book, work / "结果页.xlsx"), work / "pdf")
    return book, R.sheet_pages(R.pdf_pages(pdf), load_workbook(book, read_only=True).sheetnames)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return _render(tmp_path_factory.mktemp("edge_full"), E.write_full)


@pytest.fixture(scope="module")
def names_only(tmp_path_factory):
    return _render(tmp_path_factory.mktemp("edge_names"), E.write_names_only)


def lines(page: R.Page) -> list[list[tuple]]:
    """The page's words grouped into lines (same baseline within 1.5 pt), each sorted left to right."""
    out: dict[float, list[tuple]] = {}
    for w in page.words:
        key = next((k for k in out if abs(k - w[3]) < 1.5), w[3])
        out.setdefault(key, []).append(w)
    return [sorted(ws) for _, ws in sorted(out.items())]


def body_size(page: R.Page) -> float:
    sizes = Counter(round((w[2] - w[0]) / len(w[4]), 1) for w in page.words if CJK.match(w[4]))
    return sizes.most_common(1)[0][0]


def _nothing_cut(pages: dict[str, list[R.Page]], skip=()) -> list[str]:
    bad = []
    for sheet, ps in pages.items():
        if sheet in skip:
            continue
        for p in ps:
            for w in p.words:
                if w[0] < -0.5 or w[2] > p.width + 0.5:
                    bad.append(f"{sheet} p{p.number}: off the page: {w[4]} ({w[0]:.0f}–{w[2]:.0f} of {p.width:.0f})")
            for line in lines(p):
                for a, b in zip(line, line[1:]):
                    if a[2] > b[0] + 1.0:
                        bad.append(f"{sheet} p{p.number}: '{a[4]}' runs under '{b[4]}'")
    return bad


@pytest.mark.parametrize("school", ["full", "names_only"])
def test_nothing_runs_off_the_page_or_under_its_neighbour(school, request):
    _, pages = request.getfixturevalue(school)
    bad = _nothing_cut(pages)
    assert not bad, "\n".join(bad[:15]) + f"\n… {len(bad)} in all"


def test_long_school_and_class_names_printed_whole(full):
    book, pages = full
    names = E.class_names(4)
    for c in names:
        text = "".join(pages[c][0].text.split())
        assert E.SCHOOL in text and c in text, (c, text[:200])
    for sheet in ("公示名单", "抽签记录", "教师搭配", "编班汇总"):
        text = "".join(pages[sheet][0].text.split())
        assert E.SCHOOL in text, (sheet, text[:200])


def test_crowded_class_on_one_portrait_page(names_only):
    """57 a class (大班额): one portrait page, 合计 included, text still ≥ 9.5 pt (it printed 50 rows
    and then a second page with the last 7 and 合计)."""
    _, pages = names_only
    for c in ("1班", "2班"):
        assert len(pages[c]) == 1, (c, len(pages[c]))
        p = pages[c][0]
        assert p.height > p.width and "合计" in p.text and "57" in p.text
        assert body_size(p) >= 9.5, body_size(p)


def test_crowded_class_with_long_names_after_late_on_one_portrait_page(full):
    """58 a class, then 插班 (59), with a 15-character 小学 and its 校区 and 11-character minority
    names: each class list on ONE portrait page, text ≥ 9 pt, every name and school whole. The long
    values made the sheet landscape, where a class took two pages (30 rows, then 29 and 合计)."""
    book, pages = full
    wb = load_workbook(book)
    for c in E.class_names(4):
        n = sum(1 for row in wb[c].iter_rows(min_row=4, values_only=True) if isinstance(row[0], int))
        assert n >= 59
        assert len(pages[c]) == 1, (c, n, len(pages[c]))
        p = pages[c][0]
        assert p.height > p.width and "合计" in p.text and f"共 {n} 人" in p.text
        assert body_size(p) >= 9.0, body_size(p)
        text = "".join(p.text.split())
        for row in wb[c].iter_rows(min_row=4, max_row=3 + n, values_only=True):
            assert row[2] in text and row[5] in text, row
    assert not _nothing_cut({c: pages[c] for c in E.class_names(4)})


@pytest.fixture(scope="module")
def tall_classes(tmp_path_factory):
    """Classes of 64 and 70 (班额上限 70) with the long names of the full school: the class sheets rendered."""
    tmp = tmp_path_factory.mktemp("edge_tall")
    out = {}
    for per in (63, 69):
        src = E.write_full(tmp / f"输入{per}.xlsx", k=4, per=per, cap=70)
        book = tmp / f"结果{per}.xlsx"
        service.assign_file(src, book, seed=1, progress=None, seed_source="现场家长代表报数")
        pdf = R.to_pdf(_only(book, tuple(E.class_names(4)), tmp / f"班级{per}.xlsx"), tmp / f"pdf{per}")
        out[per + 1] = R.sheet_pages(R.pdf_pages(pdf), load_workbook(book, read_only=True).sheetnames)
    return out


def test_class_of_64_on_one_page_and_70_on_two_with_the_header(tall_classes):
    """Up to 64 a class prints on one portrait page at ≥ 9 pt (a class of 61–64 printed 50 rows and
    the rest on a second page); 70 (超大班额) cannot at 9 pt and goes on on a second page, its
    header repeated, at full size."""
    pages = tall_classes[64][E.class_names(2)[0]]
    assert len(pages) == 1 and pages[0].height > pages[0].width
    assert "共 64 人" in pages[0].text and body_size(pages[0]) >= 9.0, body_size(pages[0])
    pages = tall_classes[70][E.class_names(2)[0]]
    assert len(pages) == 2 and all(p.height > p.width for p in pages)
    assert "共 70 人" in pages[1].text and all("序号" in p.text and "姓名" in p.text for p in pages)
    assert min(body_size(p) for p in pages) >= 9.0


def test_every_class_sheet_prints_alike(full):
    """Widths are measured over the grade: no class turns landscape for one long name while the
    others print portrait."""
    book, pages = full
    shapes = {(round(pages[c][0].width), len(pages[c])) for c in E.class_names(4)}
    assert len(shapes) == 1, shapes
    wb = load_workbook(book)
    widths = {tuple(round(wb[c].column_dimensions[x].width, 1) for x in "ABCDEFG") for c in E.class_names(4)}
    assert len(widths) == 1, widths


@pytest.mark.parametrize("school, classes", [("full", 4), ("names_only", 2)])
def test_public_list_one_page_a_class_with_its_rule(school, classes, request):
    """58–59 a class: each class's 公示 with its masking rule on one page (the rule went alone onto a
    second page for every class), names whole, no two alike within a class."""
    book, pages = request.getfixturevalue(school)
    ps = pages["公示名单"]
    assert len(ps) == classes, len(ps)
    for p in ps:
        assert "姓名隐私处理" in p.text and "公示时间" in p.text
        assert body_size(p) >= 8.5, body_size(p)
    rows = [r for r in load_workbook(book)["公示名单"].iter_rows(values_only=True) if isinstance(r[0], int)]
    by_class: dict[str, list[str]] = {}
    for r in rows:
        by_class.setdefault(r[1], []).append(r[2])
    assert len(by_class) == classes
    for shown in by_class.values():
        assert len(shown) == len(set(shown)) >= 57


def test_summary_with_nine_subjects_readable(full):
    """编班汇总 with nine subjects: the per-class detail is cut into tables that fit the page (one
    table of 21 columns printed it at about half size); long class names are whole in column A."""
    _, pages = full
    for p in pages["编班汇总"]:
        if sum(1 for w in p.words if CJK.match(w[4])) >= 10:       # not a page of notes only (footer size)
            assert body_size(p) >= 9.5, (p.number, body_size(p))
    text = "".join("".join(p.text.split()) for p in pages["编班汇总"])
    assert "平均分·语文" in text and "标准差·化学" in text
    assert text.count("城东校区南楼教学班") >= 4 * 3          # each class named whole in every detail table


def _hidden(m: re.Match, keep: tuple[str, ...]) -> str:
    if m.group(2) in keep:
        return m.group(0)
    rest = re.sub(r' state="\w+"', "", m.group(3))
    return f'<sheet {m.group(1)}name="{m.group(2)}"{rest} state="hidden" />'


def _only(book: Path, keep: tuple[str, ...], target: Path) -> Path:
    """A copy of ``book`` with every sheet but ``keep`` hidden (the zip copied part by part, so charts
    and page setup stay as written)."""
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                xml = re.sub(r'<sheet ([^>]*?)name="([^"]*)"([^>]*?)\s*/>', lambda m: _hidden(m, keep), data.decode("utf-8"))
                names = re.findall(r'<sheet [^>]*?name="([^"]*)"', xml)
                first = next(i for i, n in enumerate(names) if n in keep)
                xml = re.sub(r'activeTab="\d+"', f'activeTab="{first}"', xml)
                data = re.sub(r'firstSheet="\d+"', f'firstSheet="{first}"', xml).encode("utf-8")
            zout.writestr(item, data)
    return target


@pytest.fixture(scope="module")
def thirty_two(tmp_path_factory):
    """32 classes with long names (12 a class): the result workbook, and its 生源分布 and 编班汇总
    rendered (one LibreOffice run)."""
    tmp = tmp_path_factory.mktemp("edge_32")
    src = E.write_full(tmp / "输入.xlsx", k=32, per=12)
    out = tmp / "结果.xlsx"
    service.assign_file(src, out, seed=1, progress=None, seed_source="现场家长代表报数")
    pdf = R.to_pdf(_only(out, ("编班汇总", "生源分布"), tmp / "两表.xlsx"), tmp / "pdf")
    return out, R.sheet_pages(R.pdf_pages(pdf), load_workbook(out, read_only=True).sheetnames)


def test_thirty_classes_school_sources_readable(thirty_two):
    """32 classes with long names: 生源分布 prints in tables of a few classes each, every class named
    whole, text ≥ 9.5 pt (one table of 32 columns printed at about 40 %)."""
    pages = thirty_two[1]["生源分布"]
    assert not _nothing_cut({"生源分布": pages})
    for p in pages:
        assert body_size(p) >= 9.5, (p.number, body_size(p))
    text = "".join("".join(p.text.split()) for p in pages)
    for k in range(1, 33):                         # each class's header (its name wraps in the cell)
        assert f"（{k}）" in text, k
    assert "理论最小差距" in text and "评价" in text


PAGE_STARTS = ("二、", "三、", "四、", "类别", "班级", "各班")     # a section, a table's header, a chart


def _continued_without_header(pages: list[R.Page]) -> list[str]:
    """Pages of 编班汇总 (after the first) that start in the middle of a table, without its header."""
    bad = []
    for p in pages[1:]:
        top = [ln.split() for ln in p.text.splitlines() if ln.strip() and "核验码" not in ln][:2]   # a header may wrap
        if top and not any(ln[0].startswith(PAGE_STARTS) for ln in top):
            bad.append(f"page {p.number}: {' '.join(top[0])[:60]}")
    return bad


def test_tall_summary_tables_go_on_with_their_header(thirty_two):
    """32 classes: a detail table of 编班汇总 is taller than a page; it goes on on the next page with
    its header repeated (a sheet repeats one row range, so its rows went on without one), every
    class in every table; the charts take whole columns (not the repeated header rows)."""
    book, pages = thirty_two
    ps = pages["编班汇总"]
    assert not _continued_without_header(ps), _continued_without_header(ps)
    text = "".join("".join(p.text.split()) for p in ps)
    tables = sum(1 for p in ps for ln in p.text.splitlines() if ln.split()[:1] == ["理论最小差距"])   # each table's foot
    assert tables >= 4 and text.count("（32）班") >= tables, (tables, text.count("（32）班"))
    ws = load_workbook(book)["编班汇总"]
    assert ws._charts
    for chart in ws._charts:
        for series in chart.series:
            sheet_ref = series.val.numRef.f.split("!")[1].replace("$", "")
            values = [c.value for row in ws[sheet_ref] for c in (row if isinstance(row, tuple) else (row,))]
            assert len(values) == 32 and all(v is None or isinstance(v, (int, float)) for v in values), (sheet_ref, values[:5])


def test_nine_subjects_gap_notes_stay_with_their_table(full):
    """编班汇总 §二 with nine subjects runs over a page: it goes on with its header, and its notes are
    printed under its last rows (they fell alone onto a page of their own)."""
    _, pages = full
    ps = pages["编班汇总"]
    assert not _continued_without_header(ps), _continued_without_header(ps)
    note = [p for p in ps if "最大差距=各班该项数值" in "".join(p.text.split())]
    assert len(note) == 1 and "平均出生日期" in note[0].text, [p.text[:300] for p in note]


def test_summary_detail_tables_start_with_their_header(full, names_only):
    """A detail table of 编班汇总 that does not fit the rest of a page starts on the next one (its
    header sat alone at the foot of a page, the rows on the next without it); a school without scores
    gets no empty 均衡指数 table."""
    _, pages = full
    for p in pages["编班汇总"]:
        first = next((ln.split() for ln in p.text.splitlines() if ln.strip()), [])
        if first and first[0].startswith("2026级初一年级"):
            pytest.fail(f"page {p.number} continues a table without its header: {first}")
    _, pages = names_only
    text = pages["编班汇总"][0].text
    assert "不计算均衡指数" in text and "均衡指数 = 100" not in text and "各班平均分最大差距" not in text


def test_every_sheet_counts_its_own_pages(full):
    """Printed with the whole workbook, a sheet's pages still read 第 1 页, 第 2 页 … (a class list said
    第 11 页, 共 28 页: the pages were counted across the workbook)."""
    _, pages = full
    for sheet, ps in pages.items():
        numbers = [int(re.search(r"第(\d+)页", R.footer(p)).group(1)) for p in ps]
        assert numbers == list(range(1, len(ps) + 1)), (sheet, numbers)


def test_names_only_class_sheet_prints_no_empty_columns(names_only, tmp_path):
    """A roster of 姓名 and 性别: the class sheets print 序号 | 姓名 | 性别 | 备注 (three empty columns,
    编号, 出生日期 and 毕业学校, printed beside them), and reading them back still works: verify passes
    on the finished day, finds every pupil on the sheet, and notices a name changed on it."""
    book, pages = names_only
    wb = load_workbook(book)
    for c in ("1班", "2班"):
        assert [v.value for v in wb[c][3]] == ["序号", "姓名", "性别", "备注"]
        text = "".join(pages[c][0].text.split())
        assert "出生日期" not in text and "毕业学校" not in text and "编号" not in text
        assert "合计" in text and "备注" in text
    rows = [[c.value for c in r] for r in wb["1班"].iter_rows()]
    assert len(names_on_class_sheet(rows)) >= 57
    assert service.verify_file(book).ok
    wb["1班"]["B10"] = "改过的名字"
    wb.save(tmp_path / "改.xlsx")
    assert not service.verify_file(tmp_path / "改.xlsx").ok


def test_full_roster_class_sheet_keeps_its_columns(full):
    wb = load_workbook(full[0], read_only=True)
    head = next(wb[E.class_names(4)[0]].iter_rows(min_row=3, max_row=3, values_only=True))
    assert list(head)[:7] == ["序号", "编号", "姓名", "性别", "出生日期", "毕业学校", "备注"]


def test_thirty_two_classes_charts_labelled_by_number(thirty_two):
    """编班汇总's charts with 32 long class names: under the columns the numbers 1 … 32 in one row
    inside the chart, the axis titled 班级 — the whole names, slanted, filled the chart and ran below
    it, every other one left out."""
    book, pages = thirty_two
    charts = [p for p in pages["编班汇总"] if "四、图表" in p.text or "各班各科平均分" in p.text]
    assert len(charts) == 2
    for p in charts:
        assert "城东校区南楼教学班" not in "".join(p.text.split())
        numbers = [w for w in p.words if w[4].isdigit() and 1 <= int(w[4]) <= 32]
        assert {int(w[4]) for w in numbers} == set(range(1, 33)), sorted({w[4] for w in numbers})
        assert sum(1 for w in p.words if w[4] == "班级") >= 1


@pytest.mark.skipif(not shutil.which("chromium") or not shutil.which("pdfinfo"), reason="needs chromium and pdfinfo")
def test_browser_class_lists_one_page_a_class(full, tmp_path):
    """各班名单 printed from the browser (网页界面 → 各班名单（打印）): a class of 59 with long names on one A4
    page, as the workbook prints it (three pages a class: wrapped cells, padded rows, and the 班主任
    line taken for the table's header)."""
    import subprocess

    from bianban_xl.ui import steps

    book, _ = full
    title, body, landscape = steps.view(book, "classes")
    static = Path(steps.__file__).resolve().parent / "static"
    css = (static / "app.css").read_text(encoding="utf-8") + (static / "print-portrait.css").read_text(encoding="utf-8")
    html = tmp_path / "classes.html"
    html.write_text(f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head>'
                    f'<body class="printview view-classes">{body}</body></html>', encoding="utf-8")
    pdf = tmp_path / "classes.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}",
                    "--no-pdf-header-footer", html.as_uri()], capture_output=True, timeout=180)
    assert not landscape
    pages = R.pdf_pages(pdf)
    assert len(pages) == 4, len(pages)
    for p, c in zip(pages, E.class_names(4)):
        text = "".join(p.text.split())
        assert c in text and "合计共59人" in text, text[-200:]
        assert body_size(p) >= 9.0, body_size(p)
