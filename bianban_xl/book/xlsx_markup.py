"""The parts of a new sheet the fast writer used to let openpyxl serialise: the sheet view with
its frozen panes, the charts (DrawingML chart parts) and the drawing that places them.

Written here as text, without importing openpyxl (≈ 0.2 s of every run), in the markup openpyxl
3.1 writes for ``workbook_file.render_sheet`` / ``_add_chart`` on the same SheetSpec, byte for byte:
tests/test_xlsx_markup.py renders a grid of ChartSpecs and freeze cells both ways and compares.
What a chart is (ECMA-376 part 1, 21.2): a bar chart (columns, bars or stacked columns) or a line
chart of the spec's data columns, one series a column, its title the column's first cell; an
optional line series over the bars (the cohort mean); category axis and value axis (with the
spec's title and bounds); legend at the bottom.
"""
from __future__ import annotations

import re

from bianban_xl.book.xlsx_values import quote_sheetname
from bianban_xl.model.cellref import column_letter, parse_ref
from bianban_xl.model.sheet_model import ChartSpec

NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
EMU_PER_CM = 360000
_CELL = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")


class MarkupUnsupported(ValueError):
    """A value this module does not write the way openpyxl would (the caller takes the openpyxl path)."""


def text(t: str) -> str:
    """Element text escaped as ElementTree escapes it."""
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# sheet views ----------------------------------------------------------------------------------
def views_xml(freeze: str | None) -> str:
    """<sheetViews> of a new sheet whose panes are frozen above and left of ``freeze`` (None or
    'A1': none)."""
    head, sel = '<sheetViews><sheetView workbookViewId="0">', 'activeCell="A1" sqref="A1" />'
    if not freeze or freeze == "A1":
        return f"{head}<selection {sel}</sheetView></sheetViews>"
    m = _CELL.fullmatch(freeze)
    if m is None:
        raise MarkupUnsupported(f"freeze {freeze!r}")
    row, col = parse_ref(freeze)
    x = f' xSplit="{col - 1}"' if col > 1 else ""
    y = f' ySplit="{row - 1}"' if row > 1 else ""
    pane = "bottomRight" if x and y else "bottomLeft" if y else "topRight"
    out = [head, f'<pane{x}{y} topLeftCell="{freeze}" activePane="{pane}" state="frozen" />']
    if x and y:
        out.append('<selection pane="topRight" /><selection pane="bottomLeft" />')
    out.append(f'<selection pane="{pane}" {sel}</sheetView></sheetViews>')
    return "".join(out)


# charts ---------------------------------------------------------------------------------------
def _ref(sheet: str, c1: int, r1: int, c2: int, r2: int) -> str:
    """An absolute range on ``sheet`` ('S'!$A$2:$A$9; one cell: 'S'!$A$2)."""
    a = f"${column_letter(c1)}${r1}"
    return f"{quote_sheetname(sheet)}!{a}" if (c1, r1) == (c2, r2) else \
        f"{quote_sheetname(sheet)}!{a}:${column_letter(c2)}${r2}"


def _rich(t: str) -> str:
    run = f"<a:t>{text(t)}</a:t>" if t else "<a:t />"
    return f"<tx><rich><a:bodyPr /><a:p><a:pPr><a:defRPr /></a:pPr><a:r>{run}</a:r></a:p></rich></tx>"


_LINE = "<spPr><a:ln><a:prstDash val=\"solid\" /></a:ln></spPr>"


def _series(sheet: str, block: tuple[int, int, int, int], cats: str, first: int, line: bool) -> list[str]:
    """One <ser> per column of ``block`` (its first row the titles), numbered from ``first``."""
    c1, r1, c2, r2 = block
    out = []
    for k, c in enumerate(range(c1, c2 + 1)):
        i = first + k
        marker = f'<marker><symbol val="none" />{_LINE}</marker>' if line else ""
        out.append(f'<ser><idx val="{i}" /><order val="{i}" />'
                   f"<tx><strRef><f>{text(quote_sheetname(sheet))}!{column_letter(c)}{r1}</f></strRef></tx>"
                   f"{_LINE}{marker}<cat><numRef><f>{text(cats)}</f></numRef></cat>"
                   f"<val><numRef><f>{text(_ref(sheet, c, r1 + 1, c, r2))}</f></numRef></val></ser>")
    return out


def _g(x: float) -> str:
    return "%.16g" % x


def chart_xml(sheet: str, spec: ChartSpec) -> str:
    """The chart part of ``spec`` on sheet ``sheet``."""
    if spec.kind not in ("bar", "col", "stacked", "line") or spec.data[3] <= spec.data[1]:
        raise MarkupUnsupported(f"chart {spec.kind}")
    cats = _ref(sheet, *spec.cats)
    n_main = spec.data[2] - spec.data[0] + 1
    axes = '<axId val="10" /><axId val="100" />'
    if spec.kind == "line":
        main = ['<lineChart><grouping val="standard" />', *_series(sheet, spec.data, cats, 0, True), axes, "</lineChart>"]
    else:
        stacked = spec.kind == "stacked"
        main = [f'<barChart><barDir val="{"bar" if spec.kind == "bar" else "col"}" />'
                f'<grouping val="{"stacked" if stacked else "clustered"}" />', *_series(sheet, spec.data, cats, 0, False),
                '<gapWidth val="150" />', '<overlap val="100" />' if stacked else "", axes, "</barChart>"]
    if spec.line is not None:
        if spec.line[3] <= spec.line[1]:
            raise MarkupUnsupported("line series")
        main += ['<lineChart><grouping val="standard" />', *_series(sheet, spec.line, cats, n_main, True), axes,
                 "</lineChart>"]
    scaling = '<scaling><orientation val="minMax" />'
    if spec.y_max is not None:
        scaling += f'<max val="{_g(spec.y_max)}" />'
    if spec.y_min is not None:
        scaling += f'<min val="{_g(spec.y_min)}" />'
    scaling += "</scaling>"
    return "".join([
        f'<chartSpace xmlns:a="{NS_A}" xmlns="{NS_C}"><chart><title>{_rich(spec.title)}</title><plotArea>', *main,
        '<catAx><axId val="10" /><scaling><orientation val="minMax" /></scaling><delete val="0" /><axPos val="l" />',
        f'<title>{_rich(spec.x_title)}</title>' if spec.x_title else "",
        '<majorTickMark val="none" /><minorTickMark val="none" /><crossAx val="100" /><lblOffset val="100" /></catAx>',
        f'<valAx><axId val="100" />{scaling}<delete val="0" /><axPos val="l" /><majorGridlines />'
        f'<title>{_rich(spec.y_title)}</title><majorTickMark val="none" /><minorTickMark val="none" />'
        '<crossAx val="10" /></valAx></plotArea><legend><legendPos val="b" /></legend><plotVisOnly val="1" />'
        '<dispBlanksAs val="gap" /></chart></chartSpace>'])


def drawing_xml(specs: list[ChartSpec]) -> str:
    """The drawing part placing ``specs`` (chart k is relationship rId<k>), each anchored at its
    top-left cell with its width and height."""
    out = [f'<wsDr xmlns:a="{NS_A}" xmlns:c="{NS_C}" xmlns:r="{NS_R}" xmlns="{NS_XDR}">']
    for k, spec in enumerate(specs, start=1):
        if _CELL.fullmatch(spec.anchor) is None:
            raise MarkupUnsupported(f"anchor {spec.anchor!r}")
        row, col = parse_ref(spec.anchor)
        out.append(f"<oneCellAnchor><from><col>{col - 1}</col><colOff>0</colOff><row>{row - 1}</row><rowOff>0</rowOff>"
                   f'</from><ext cx="{int(spec.width_cm * EMU_PER_CM)}" cy="{int(spec.height_cm * EMU_PER_CM)}" />'
                   f'<graphicFrame><nvGraphicFramePr><cNvPr id="{k}" name="Chart {k}" /><cNvGraphicFramePr />'
                   f'</nvGraphicFramePr><xfrm /><a:graphic><a:graphicData uri="{NS_C}"><c:chart r:id="rId{k}" />'
                   "</a:graphicData></a:graphic></graphicFrame><clientData /></oneCellAnchor>")
    out.append("</wsDr>")
    return "".join(out)


def drawing_rels_xml(chart_parts: list[str]) -> str:
    """The drawing's relationships: rId<k> -> the k-th chart part (e.g. xl/charts/chart3.xml)."""
    return (f'<Relationships xmlns="{NS_PKG}">' + "".join(
        f'<Relationship Type="{NS_R}/chart" Target="/{p}" Id="rId{k}" />' for k, p in enumerate(chart_parts, start=1))
        + "</Relationships>")
