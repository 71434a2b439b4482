"""The fast writer's hand-written markup is what openpyxl writes for the same thing, byte for byte:
the styles (book/xlsx_styles.py) as workbook_file's openpyxl objects serialise, the frozen-pane
sheet views, and the charts and drawings (book/xlsx_markup.py) as openpyxl 3.1 serialises the
charts ``workbook_file._add_chart`` builds (how the fast writer made them before it stopped
importing openpyxl). A real assign's result is compared part by part in tests/test_fast_io.py."""
from __future__ import annotations

import itertools

import pytest
from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Font
from openpyxl.xml.functions import tostring

from bianban_xl.book import workbook_file as W
from bianban_xl.book import xlsx_markup as M
from bianban_xl.book import xlsx_styles as X
from bianban_xl.model.sheet_model import ChartSpec


def _xml(obj) -> str:
    return tostring(obj.to_tree()).decode("utf-8")


def test_styles_are_openpyxl_objects_serialised():
    assert set(W.STYLES) == set(X.STYLES)
    for name, st in X.STYLES.items():
        ours = W.STYLES[name]
        assert X.font_xml(st["font"]) == _xml(ours["font"]), name
        assert ("fill" in st) == ("fill" in ours) and ("align" in st) == ("align" in ours), name
        if "fill" in st:
            assert X.fill_xml(st["fill"]) == _xml(ours["fill"]), name
        if "align" in st:
            assert X.align_xml(st["align"]) == _xml(ours["align"]), name
        assert bool(st.get("border")) == bool(ours.get("border")), name
    assert X.border_xml(X.BORDER) == _xml(W.BORDER)
    for name in ("等线", "宋体", 'A "quoted" & <odd>\tname'):
        assert X.font_xml(X.FontSpec(name=name, bold=True)) == _xml(Font(name=name, bold=True))
    link = X.FontSpec(10.5, bold=True, color=X.LINK_COLOR, underline="single")
    assert X.font_xml(link) == _xml(W.link_font(Font(name=X.FONT_NAME, size=10.5, bold=True)))


@pytest.mark.parametrize("freeze", [None, "A1", "A2", "A4", "B1", "D1", "B4", "D4", "C10", "AB100"])
def test_sheet_views(freeze):
    ws = Workbook().active
    if freeze:
        ws.freeze_panes = freeze
    assert M.views_xml(freeze) == tostring(ws.views.to_tree()).decode("utf-8")


def _openpyxl_parts(sheet: str, specs: list[ChartSpec]) -> tuple[list[str], str, str]:
    """(chart parts, drawing, drawing rels) as openpyxl writes them for ``_add_chart``'s charts."""
    class Collect:
        title = sheet

        def __init__(self):
            self.charts = []

        def add_chart(self, chart, anchor):
            chart.anchor = anchor
            self.charts.append(chart)

    ws = Collect()
    for spec in specs:
        W._add_chart(ws, spec)
    drawing = SpreadsheetDrawing()
    drawing.charts = ws.charts
    drawing._id = 1
    charts = []
    for k, ch in enumerate(ws.charts, start=4):
        ch._id = k
        charts.append(tostring(ch._write()).decode("utf-8"))
    return charts, tostring(drawing._write()).decode("utf-8"), tostring(drawing._write_rels()).decode("utf-8")


SHEETS = ["编班汇总", "S", "it's", "a & b <c>"]
KINDS = ["col", "bar", "stacked", "line"]


def _specs():
    grid = itertools.product(KINDS, [(3, 46, 4, 54), (2, 1, 2, 2), (12, 74, 14, 82)], [None, (15, 74, 15, 82)],
                             [(None, None), (72.0, 84.0), (210.0, None), (-3.5, 1e6)], ["人", "", "分 & <x>"])
    for kind, data, line, (lo, hi), y_title in grid:
        yield ChartSpec(kind, f"各班{kind}", "A74", (1, data[1] + 1, 1, data[3]), data, y_title=y_title,
                        width_cm=24, height_cm=7.5, line=line, y_min=lo, y_max=hi)
    yield ChartSpec("col", "", "C3", (1, 2, 1, 2), (2, 1, 3, 2), width_cm=16.3, height_cm=8.01)
    for kind in KINDS:                                     # the classes' axis titled (班级 under 1 2 3 …)
        yield ChartSpec(kind, "各班", "A74", (1, 75, 1, 106), (3, 74, 4, 106), y_title="分", x_title="班级 & <x>",
                        line=(15, 74, 15, 106))


@pytest.mark.parametrize("sheet", SHEETS)
def test_charts_and_drawing_are_what_openpyxl_writes(sheet):
    specs = list(_specs())
    for spec in specs:
        charts, _, _ = _openpyxl_parts(sheet, [spec])
        assert M.chart_xml(sheet, spec) == charts[0], spec
    three = [specs[0], specs[-1], specs[7]]
    _, drawing, rels = _openpyxl_parts(sheet, three)
    assert M.drawing_xml(three) == drawing
    assert M.drawing_rels_xml([f"xl/charts/chart{k}.xml" for k in range(4, 7)]) == rels


def test_unusual_charts_are_left_to_openpyxl():
    with pytest.raises(M.MarkupUnsupported):
        M.chart_xml("S", ChartSpec("pie", "x", "A1", (1, 2, 1, 3), (2, 1, 2, 3)))
    with pytest.raises(M.MarkupUnsupported):
        M.chart_xml("S", ChartSpec("col", "x", "A1", (1, 2, 1, 3), (2, 1, 2, 1)))       # titles, no values
    with pytest.raises(M.MarkupUnsupported):
        M.drawing_xml([ChartSpec("col", "x", "$A$1", (1, 2, 1, 3), (2, 1, 2, 3))])
    with pytest.raises(M.MarkupUnsupported):
        M.views_xml("b4")
