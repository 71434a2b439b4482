"""Print what the registrar prints: a full on-site run rendered by LibreOffice to PDF and PNG.

A synthetic school (8 classes of 50, a long school name, extra 学籍 columns such as 身份证号 and
家长电话, twins, a 教师名单) goes through 数据封存 → assign → 教师搭配 → 抽签 → 公示 → 锁定 → 插班; the
result workbook is converted to PDF once and its pages are told apart by the footer, which names
the sheet. Used by the paper tests (tests/test_paper.py) and to regenerate docs/images:

    python tools/render_sheets.py            # writes docs/images/结果-<sheet>.png
    python tools/render_sheets.py --keep DIR # also keeps the workbook and the PDF in DIR

Needs soffice (libreoffice-calc) and poppler-utils (pdftotext, pdftoppm).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from bianban_xl import service
from bianban_xl.book.template import fill_input_workbook
from bianban_xl.synth import generate_school

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
SCHOOL = "泉州市丰泽区城东实验中学"
GRADE = "2026级初一"
N_CLASSES, N_STUDENTS = 8, 398
TEACHER_HEAD = ["姓名", "学科", "性别", "年龄", "教龄", "职称", "骨干", "评分", "班主任", "任教班数"]
LATE = [["L0001", "郑雨桐", "女", date(2014, 3, 2), "城东小学", "本地", "良", 88, 79, 81, "转入"],
        ["L0002", "韩沐阳", "男", date(2013, 11, 20), "城西小学", "外地", "中", 71, 80, 66, "补录"]]


def teacher_rows(k: int = N_CLASSES) -> list[list]:
    """k head teachers (语文, 数学, 英语) and enough subject teachers for k classes."""
    rows = [TEACHER_HEAD]
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    n = 0
    for subject, count, load in (("语文", k, 1), ("数学", k // 2, 2), ("英语", k // 2, 2)):
        for j in range(count):
            years = (7 * n) % 31
            head = "是" if (subject == "语文" and j < k - 2) or (subject == "数学" and j < 2) else "否"
            rows.append([f"{surnames[n % len(surnames)]}{'老师' if n < 30 else '师'}{j + 1}", subject,
                         "女" if n % 3 else "男", 24 + years, years,
                         "高级" if years > 20 else "中级" if years > 8 else "初级", "是" if n % 4 == 0 else "否",
                         70 + (n * 11) % 30, head, load])
            n += 1
    return rows


def write_input(path: Path) -> Path:
    """The input workbook of the run: the template filled with a synthetic school plus 学籍 columns."""
    roster = generate_school(N_STUDENTS, N_CLASSES, seed=7, school_name=SCHOOL, grade_name=GRADE, year=2026)
    params = roster.params
    params.cap = 50
    params.seed = 20260901
    wb = fill_input_workbook(roster, params)
    ws = wb["学生名单"]
    last = max(c for c in range(1, ws.max_column + 1) if ws.cell(row=1, column=c).value)
    ws.cell(row=1, column=last + 1, value="身份证号")
    ws.cell(row=1, column=last + 2, value="家长电话")
    for r in range(2, len(roster.students) + 2):
        ws.cell(row=r, column=last + 1, value=f"35050320140{r % 10}{r % 28 + 1:02d}{r:04d}"[:18])
        ws.cell(row=r, column=last + 2, value=f"1385950{r:04d}")
    ws = wb["教师名单"]
    for r, row in enumerate(teacher_rows(), start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path


def full_run(folder: Path) -> Path:
    """数据封存 → assign → 教师搭配 → 抽签 → 公示 → 锁定 → 插班 on the synthetic school; the result path."""
    folder.mkdir(parents=True, exist_ok=True)
    src = write_input(folder / "输入.xlsx")
    service.seal_file(src)                  # 数据封存 first: the input 核验码 is signed before the seed is called out
    out = folder / "编班结果.xlsx"
    service.assign_file(src, out, seed=20260901, progress=None, seed_source="现场家长代表报数")
    service.teachers_file(out, None, seed=31415, seed_source="现场家长代表报数")
    service.draw_file(out, None, seed=2718, seed_source="现场家长代表报数")
    service.public_file(out, None)
    service.lock_file(out, None)
    wb = load_workbook(out)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    r = ws.max_row + 1
    for row in LATE:
        values = dict(zip(["编号", "姓名", "性别", "出生日期", "毕业学校", "户籍", "等级", "语文", "数学", "英语", "备注"], row))
        for c, h in enumerate(head, start=1):
            if h in values:
                ws.cell(row=r, column=c, value=values[h])
        r += 1
    wb.save(out)
    service.late_file(out, None, seed=99, seed_source="现场家长代表报数")
    return out


def to_pdf(path: Path, outdir: Path, profile: Path | None = None) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("needs soffice (apt-get install libreoffice-calc)")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = profile or outdir / "lo-profile"
    proc = subprocess.run([soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                           "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir), str(path)],
                          capture_output=True, text=True, timeout=600)
    pdf = outdir / (path.stem + ".pdf")
    if proc.returncode != 0 or not pdf.exists():
        raise RuntimeError(f"LibreOffice did not convert {path}: {proc.stdout} {proc.stderr}")
    return pdf


@dataclass
class Page:
    number: int             # 1-based in the PDF
    width: float            # points
    height: float
    text: str               # pdftotext -layout
    words: list[tuple[float, float, float, float, str]] = field(default_factory=list)  # xMin yMin xMax yMax word


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


def pdf_pages(pdf: Path) -> list[Page]:
    """Every page of ``pdf``: size, layout text and word boxes (poppler's pdftotext)."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, timeout=120).stdout
    texts = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           timeout=120).stdout.split("\f")
    pages = []
    for n, m in enumerate(_PAGE.finditer(bbox), start=1):
        words = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in _WORD.findall(m.group(3))]
        pages.append(Page(n, float(m.group(1)), float(m.group(2)), texts[n - 1] if n <= len(texts) else "", words))
    return pages


def footer(page: Page) -> str:
    """The page's footer line ('<sheet>  第 p 页，共 n 页'), spaces removed."""
    lines = [ln.replace(" ", "") for ln in page.text.splitlines() if re.search(r"第\s*\d+\s*页，共", ln)]
    return lines[-1] if lines else ""


def sheet_pages(pages: list[Page], sheet_names: list[str]) -> dict[str, list[Page]]:
    """Pages grouped by sheet, told apart by the footer '<sheet>  第 p 页，共 n 页'."""
    out: dict[str, list[Page]] = {}
    names = sorted(sheet_names, key=len, reverse=True)
    for p in pages:
        line = footer(p)
        m = re.search(r"第\d+页", line)
        head = line[:m.start()] if m else ""
        name = next((s for s in names if head.endswith(s.replace(" ", ""))), "?")
        out.setdefault(name, []).append(p)
    return out


INPUT_SHEETS = ("使用说明", "参数设置", "学生名单", "双胞胎", "教师名单", "xlwings.conf")


def results_only(book: Path, target: Path) -> Path:
    """A copy of ``book`` whose input sheets are hidden (LibreOffice prints visible sheets only);
    the zip is copied part by part, so charts and page setup stay exactly as written."""
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                xml = data.decode("utf-8")
                for name in INPUT_SHEETS:
                    xml = re.sub(r'(<sheet [^>]*?name="%s"[^>]*?)\s*/>' % re.escape(name),
                                 lambda m: re.sub(r'\sstate="\w+"', "", m.group(1)) + ' state="hidden" />', xml)
                first = next(i for i, n in enumerate(re.findall(r'<sheet [^>]*?name="([^"]*)"', xml)) if n not in INPUT_SHEETS)
                xml = re.sub(r'activeTab="\d+"', f'activeTab="{first}"', xml)
                xml = re.sub(r'firstSheet="\d+"', f'firstSheet="{first}"', xml)
                data = xml.encode("utf-8")
            zout.writestr(item, data)
    return target


def to_png(pdf: Path, page: int, target: Path, dpi: int = 60) -> Path:
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(stem)], check=True, timeout=120)
    return stem.with_suffix(".png")


# image -> (sheet, its page index, or the first of its pages whose text holds this heading)
DOC_IMAGES = {"结果-班级名单.png": ("1班", 0), "结果-编班汇总-第1页.png": ("编班汇总", 0),
              "结果-编班汇总-图表.png": ("编班汇总", "四、图表"), "结果-生源分布.png": ("生源分布", 0),
              "结果-抽签记录.png": ("抽签记录", 0), "结果-公示名单.png": ("公示名单", 0),
              "结果-教师搭配.png": ("教师搭配", 0), "结果-编班记录.png": ("编班记录", 0),
              "结果-编班记录-日志.png": ("编班记录", 1), "结果-数据封存.png": ("数据封存", 0)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="keep the workbook, the PDF and every page's PNG here")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        book = full_run(work / "run")
        pdf = to_pdf(results_only(book, work / "run" / "结果页.xlsx"), work / "pdf")
        names = load_workbook(book, read_only=True).sheetnames
        by_sheet = sheet_pages(pdf_pages(pdf), names)
        IMAGES.mkdir(parents=True, exist_ok=True)
        for image, (sheet, which) in DOC_IMAGES.items():
            pages = by_sheet.get(sheet, [])
            if isinstance(which, str):
                pages = [p for p in pages if which in p.text]
                which = 0
            if which < len(pages):
                to_png(pdf, pages[which].number, IMAGES / image, dpi=80)
                print(IMAGES / image)
        if args.keep:
            for sheet, pages in by_sheet.items():
                (work / "png").mkdir(parents=True, exist_ok=True)
                for i, p in enumerate(pages, start=1):
                    to_png(pdf, p.number, work / "png" / f"{sheet}-{i}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
