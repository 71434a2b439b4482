"""The openpyxl range pinned in pyproject.toml is the one the workbook layer was tested against:
the fast writer's chart markup is held to what openpyxl's private ``_write`` / ``_write_rels``
serialise (tests/test_xlsx_markup.py), render_sheet copies
style arrays through ``cell._style`` and read_raw reads a worksheet's sparse cell map ``_cells`` and
a cell's built-in format id ``cell._style.numFmtId`` (Chinese Excel's 年月日 formats). A new openpyxl outside the pin, or one without these,
fails here first (then re-test the fast path against it and move the pin)."""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def test_installed_openpyxl_is_inside_the_pinned_range():
    spec = re.search(r'"openpyxl([^"]+)"', PYPROJECT.read_text(encoding="utf-8")).group(1)
    low = re.search(r">=\s*([\d.]+)", spec).group(1)
    high = re.search(r"<\s*([\d.]+)", spec).group(1)
    assert _version(low) <= _version(openpyxl.__version__) < _version(high), (openpyxl.__version__, spec)


def test_the_private_api_the_workbook_layer_uses_is_there():
    wb = Workbook()
    ws = wb.active
    ws["B3"] = 1
    ws["A1"] = "x"
    assert set(ws._cells) == {(1, 1), (3, 2)}
    ws["A1"]._style = ws["B3"]._style          # render_sheet copies a styled cell's style array
    ws["B3"].number_format = "0.00"
    assert ws["B3"]._style.numFmtId == 2       # read_raw reads a cell's built-in format id
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    chart.anchor = "D2"
    drawing = SpreadsheetDrawing()
    drawing.charts = [chart]
    chart._id, drawing._id = 1, 1
    assert chart._write().tag.endswith("chartSpace")
    assert drawing._write().tag.endswith("wsDr")
    assert drawing._write_rels().tag.endswith("Relationships")
    assert chart.path == "/xl/charts/chart1.xml" and drawing.path == "/xl/drawings/drawing1.xml"
