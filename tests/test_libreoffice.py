"""An independent office suite opens our files: LibreOffice (headless) converts the template and a
result workbook to PDF without error. Skipped, with the reason, where ``soffice`` is not installed
(Debian: apt-get install libreoffice-calc; poppler-utils for the text check; fonts-noto-cjk).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_template.xlsm"

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                                "apt-get install libreoffice-calc")


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    """A private LibreOffice profile, so the test neither uses nor locks the user's."""
    return tmp_path_factory.mktemp("lo-profile")


def to_pdf(path: Path, outdir: Path, profile: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir), str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    pdf = outdir / (path.stem + ".pdf")
    assert proc.returncode == 0, proc.stderr
    assert pdf.exists() and pdf.stat().st_size > 1000, f"no PDF: {proc.stdout} {proc.stderr}"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    return pdf


def pdf_text(pdf: Path) -> str | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    return subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout


def test_template_opens_and_renders(tmp_path, profile):
    src = tmp_path / "workbook_template.xlsm"
    shutil.copy(TEMPLATE, src)
    pdf = to_pdf(src, tmp_path / "pdf", profile)
    text = pdf_text(pdf)
    if text is not None:
        for expected in ("班级数", "Interpreter_Win"):
            assert expected in text, expected


def test_template_sheets_print_on_a4_one_page_wide(tmp_path, profile):
    """Printed as they are, the input sheets (使用说明, 参数设置, the empty lists and xlwings.conf)
    each come out on one A4 page, named in the footer, with every word inside the paper; the two
    sheets of text print at 10 pt or more, the lists (scaled to one page wide) at 9 pt or more.
    Before, 使用说明's long lines ran past the page edge and 参数设置's 说明 column went onto a
    second sheet of paper (14 pages for 6 sheets)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (poppler-utils)")
    import re
    import sys
    from collections import Counter

    from openpyxl import load_workbook

    from bianban_xl.book.template import HELP_LINES
    sys.path.insert(0, str(ROOT / "tools"))
    import render_sheets as R

    src = tmp_path / "workbook_template.xlsm"
    shutil.copy(TEMPLATE, src)
    names = load_workbook(src, read_only=True).sheetnames
    pages = R.sheet_pages(R.pdf_pages(to_pdf(src, tmp_path / "pdf", profile)), names)
    assert sorted(pages) == sorted(names), list(pages)          # every page names its sheet
    cjk = re.compile(r"^[\u4e00-\u9fff]{2,}$")
    for name in names:
        assert len(pages[name]) == 1, (name, len(pages[name]))
        page = pages[name][0]
        assert {round(page.width), round(page.height)} == {595, 842}, name     # A4
        assert all(w[0] >= 0 and w[2] <= page.width for w in page.words), name
        sizes = Counter(round((w[2] - w[0]) / len(w[4]), 1) for w in page.words if cjk.match(w[4]))
        least = 10.0 if name in ("使用说明", "参数设置") else 9.0
        assert sizes.most_common(1)[0][0] >= least, (name, sizes.most_common(3))
    shown = pages["使用说明"][0].text.replace(" ", "")
    for line in HELP_LINES:
        assert line.replace(" ", "") in shown, line


def test_result_workbook_opens_and_renders(tmp_path, profile):
    from bianban_xl import service

    from conftest import write_book

    src = write_book(tmp_path / "输入.xlsx")
    out = tmp_path / "result.xlsx"
    service.assign_file(src, out)
    pdf = to_pdf(out, tmp_path / "pdf", profile)
    text = pdf_text(pdf)
    if text is not None:
        assert "编班" in text


def test_result_written_into_the_template_renders(tmp_path, profile):
    """The registrar's real path: the .xlsm template filled in, assigned, still a valid macro workbook."""
    from bianban_xl import service

    from conftest import fill_template_xlsm

    src = fill_template_xlsm(tmp_path / "filled.xlsm", 30)
    out = tmp_path / "filled_result.xlsm"
    service.assign_file(src, out)
    to_pdf(out, tmp_path / "pdf", profile)
