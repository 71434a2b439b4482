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
