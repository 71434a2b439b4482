"""Render the sheets of workbook_template.xlsm to PNG with LibreOffice, for docs/images.

Each sheet is printed on its own page with row/column headings and grid lines, so the picture
looks like the sheet on screen. Needs soffice (libreoffice-calc) and pdftoppm (poppler-utils).

    python excel/render_screenshots.py            # writes docs/images/模板-<sheet>.png
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_template.xlsm"
OUT = ROOT / "docs" / "images"
CROP_HEIGHT = {"使用说明": 420, "xlwings.conf": 370}
ROWS = {"使用说明": 18, "参数设置": 10, "学生名单": 12, "双胞胎": 10, "教师名单": 10, "xlwings.conf": 15}


def main() -> int:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        print("needs soffice (libreoffice-calc) and pdftoppm (poppler-utils)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        wb = load_workbook(TEMPLATE, keep_vba=True)
        names = [ws.title for ws in wb.worksheets]
        for ws in wb.worksheets:
            last_col = max(ws.max_column, 3)
            ws.print_area = f"A1:{get_column_letter(last_col)}{ROWS.get(ws.title, 12)}"
            ws.print_options.gridLines = True
            ws.print_options.headings = True
            ws.page_setup.orientation = "landscape"
            ws.page_setup.paperSize = ws.PAPERSIZE_A4
            ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 1
        src = tmp_path / "template.xlsm"
        wb.save(src)
        subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                       check=True, capture_output=True, timeout=240)
        pdf = tmp_path / "template.pdf"
        for page, name in enumerate(names, start=1):
            stem = tmp_path / f"page{page}"
            # 100 dpi A4 landscape is 1169 x 827 px; keep the part with the table
            subprocess.run([pdftoppm, "-png", "-r", "100", "-f", str(page), "-l", str(page), "-singlefile",
                            "-x", "50", "-y", "80", "-W", "1070", "-H", str(CROP_HEIGHT.get(name, 330)),
                            str(pdf), str(stem)], check=True, timeout=120)
            target = OUT / f"模板-{name}.png"
            shutil.copy(f"{stem}.png", target)
            print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
