"""openpyxl adapter: read a closed workbook file into a RawBook; render SheetSpecs into it; save
atomically (temporary file, then replace) so a failed run never leaves a half-written file."""
from __future__ import annotations

import os
from copy import copy
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.worksheet.pagebreak import Break
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties

from bianban_xl.book.files import stray_space_hint, write_atomic
from bianban_xl.book import xlsx_styles as xs
from bianban_xl.book.package import NotAWorkbook, inspect_package, not_a_zip, wrong_kind
from bianban_xl.book.xlsx_styles import FONT_NAME, LINK_COLOR  # noqa: F401 — FONT_NAME: for the openpyxl writers
from bianban_xl.book.xlsx_values import EAST_ASIAN_DATE_IDS, from_serial
from bianban_xl.model.problems import Report
from bianban_xl.model.raw_book import RawBook, RawSheet
from bianban_xl.model.sheet_model import (DECIMAL_STYLES, FORMULA, LINK, TEXT, ChartSpec, MARGIN_BOTTOM, MARGIN_HEADER, MARGIN_SIDE,
                                          MARGIN_TOP, SheetSpec, cell_kind, footer_text, record_row_height, record_row_style)

_THIN = Side(style="thin", color=xs.BORDER.color)
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _font(f: xs.FontSpec) -> Font:
    kw = dict(name=f.name)
    if f.size is not None:
        kw["size"] = f.size
    if f.bold:
        kw["bold"] = True
    if f.color:
        kw["color"] = f.color
    if f.underline:
        kw["underline"] = f.underline
    return Font(**kw)


def _alignment(a: xs.AlignSpec) -> Alignment:
    kw = {k: v for k, v in (("horizontal", a.horizontal), ("vertical", a.vertical), ("wrap_text", a.wrap)) if v is not None}
    if a.shrink:
        kw["shrink_to_fit"] = True
    return Alignment(**kw)


def _openpyxl_style(st: dict) -> dict:
    """One entry of ``xlsx_styles.STYLES`` as openpyxl objects (font, fill, align; border a flag)."""
    out: dict = {"font": _font(st["font"])}
    if "fill" in st:
        out["fill"] = PatternFill("solid", fgColor=st["fill"].color)
    if "align" in st:
        out["align"] = _alignment(st["align"])
    if st.get("border"):
        out["border"] = True
    return out


# the looks of every sheet we write live in xlsx_styles (the fast writer puts the same into styles.xml)
STYLES = {name: _openpyxl_style(st) for name, st in xs.STYLES.items()}


def link_font(font: Font) -> Font:
    """``font`` as Excel's Hyperlink style shows it: blue, single underline."""
    return Font(name=font.name, size=font.sz, bold=font.b, color=LINK_COLOR, underline="single")


def put_value(cell, value) -> None:
    """Set a cell by its kind (model.sheet_model.cell_kind): TEXT is always a string cell, even
    when it starts with '=' or is an error code like '#N/A' (openpyxl alone would make it a
    formula / an error); FORMULA and LINK only come from our code."""
    kind = cell_kind(value)
    if kind == TEXT:
        cell.value = value
        if cell.data_type != "s":
            cell.data_type = "s"
    elif kind == FORMULA:
        cell.value = "=" + value.text
    elif kind == LINK:
        cell.value = value.text
        if cell.data_type != "s":
            cell.data_type = "s"
        cell.hyperlink = (Hyperlink(ref=cell.coordinate, location=value.location) if value.sheet
                          else Hyperlink(ref=cell.coordinate, target=value.target))
    else:
        cell.value = value


RESULT_SHEET_MARK = "bianban"   # not visible; result sheets are recognised by name via 编班记录


def read_raw(path: str | os.PathLike, report: Report | None = None) -> RawBook:
    """Read every sheet's values with openpyxl; formulas, merged ranges and hidden rows are noted
    for validation. The reader of last resort (``book.read`` tries the zip reader first).

    Raises NotAWorkbook (with a Chinese message) for a missing file, one that is not .xlsx/.xlsm,
    or one ``package.inspect_package`` refuses.
    """
    p = Path(path)
    if not p.exists():
        raise NotAWorkbook(f"找不到文件“{p}”。{stray_space_hint(p) or '请检查路径是否正确。'}")
    known = wrong_kind(p)
    if known is not None:
        raise NotAWorkbook(known)
    if not zipfile.is_zipfile(p):
        raise NotAWorkbook(not_a_zip(p))
    inspect_package(p)
    try:
        wb = load_workbook(p, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise NotAWorkbook(f"无法读取“{p.name}”：文件不是有效的 Excel 工作簿或已损坏。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。") from exc
    sheets = {ws.title: _sheet_of(ws) for ws in wb.worksheets}
    wb.close()
    return RawBook(sheets, [ws for ws in sheets], str(p))


def _east_asian_date(v: int | float):
    """What the zip reader gives for a number in one of those formats (xlsx_read._cell_value)."""
    try:
        return from_serial(v)
    except (OverflowError, ValueError):
        return "#VALUE!"


def _sheet_of(ws) -> RawSheet:
    """One worksheet, sparse: only the cells openpyxl loaded (``ws._cells``; iter_rows would make
    a Cell for every position of the used range — a stray cell at XFD1048576 is 17 billion).
    openpyxl's private cell map is pinned with the openpyxl range (tests/test_openpyxl_pin.py)."""
    cells: dict[tuple[int, int], object] = {}
    formulas: set[tuple[int, int]] = set()
    width = 0
    for (r, c), cell in ws._cells.items():
        width = max(width, c)
        v = cell.value
        if cell.data_type == "f":     # a real formula; text that starts with '=' is text
            formulas.add((r, c))
            if v is not None and not isinstance(v, str):    # ArrayFormula / DataTableFormula: their text
                v = getattr(v, "text", None) or str(v)
        elif v is not None and not isinstance(v, (str, int, float, bool, datetime)) and hasattr(v, "text"):
            v = str(v)
        elif type(v) in (int, float) and cell.number_format == "General" and getattr(cell._style, "numFmtId", 0) in EAST_ASIAN_DATE_IDS:
            v = _east_asian_date(v)          # Chinese Excel's 年月日 built-in formats (xlsx_values)
        if v is not None:
            cells[(r, c)] = v
    merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    hidden = {r for r, d in ws.row_dimensions.items() if d.hidden}
    return RawSheet(ws.title, None, formulas, merged, cells=cells, width=width, hidden_rows=hidden)


# --- writing ------------------------------------------------------------------------------
def open_for_update(path: str | os.PathLike):
    p = Path(path)
    return load_workbook(p, keep_vba=p.suffix.lower() == ".xlsm")


def render_sheet(wb: Workbook, spec: SheetSpec, index: int | None = None):
    """Create (or replace) the sheet described by ``spec``."""
    if spec.name in wb.sheetnames:
        old = wb[spec.name]
        if index is None:
            index = wb.sheetnames.index(spec.name)
        wb.remove(old)
    ws = wb.create_sheet(spec.name, index)
    styled: dict[tuple[str, bool, bool], object] = {}   # (style, two-decimals, link) -> a StyleArray to reuse
    for block in spec.blocks:
        st = STYLES.get(block.style, STYLES["body"])
        for i, row in enumerate(block.values):
            for j, value in enumerate(row):
                cell = ws.cell(row=block.top + i, column=block.left + j)
                put_value(cell, value)
                decimals = block.style in DECIMAL_STYLES and isinstance(value, float) and (block.left + j) not in spec.number_formats
                is_link = cell.hyperlink is not None
                key = (block.style, decimals, is_link)
                template = styled.get(key)
                if template is not None:      # copying the style array is ~20x faster than re-styling
                    cell._style = copy(template)
                    continue
                _style_cell(cell, st, link_font(st["font"]) if is_link else st["font"])
                if decimals:
                    cell.number_format = "0.00"
                styled[key] = copy(cell._style)
        if block.style == "title" and spec.merge_title:
            width = spec.title_width
            if width > 1:
                ws.merge_cells(start_row=block.top, start_column=1, end_row=block.top, end_column=width)
            ws.row_dimensions[block.top].height = 26
    for col, fmt in spec.number_formats.items():
        for b in spec.blocks:
            if b.style in ("body", "foot", "good", "warn", "bad") and b.left <= col <= b.right:
                for r in range(b.top, b.bottom + 1):
                    ws.cell(row=r, column=col).number_format = fmt
    for col, width in spec.col_widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    for row, height in spec.row_heights.items():
        ws.row_dimensions[row].height = height
    if spec.freeze:
        ws.freeze_panes = spec.freeze
    _print_setup(ws, spec)
    for chart in spec.charts:
        _add_chart(ws, chart)
    for ref in spec.color_scales:
        ws.conditional_formatting.add(ref, ColorScaleRule(start_type="min", start_color="FFFFFF",
                                                          end_type="max", end_color="5B9BD5"))
    for r in spec.row_breaks:
        ws.row_breaks.append(Break(id=r))
    if spec.auto_filter:
        ws.auto_filter.ref = spec.auto_filter
    if spec.protect:
        ws.protection.sheet = True
    return ws


def _style_cell(cell, st: dict, font: Font) -> None:
    """One of STYLES on an openpyxl cell: font, and fill, alignment and border where the style has them."""
    cell.font = font
    if "fill" in st:
        cell.fill = st["fill"]
    if "align" in st:
        cell.alignment = st["align"]
    if st.get("border"):
        cell.border = BORDER


def column_widths(ws) -> dict[int, float]:
    """1-based column -> width (characters) of the columns the sheet sets (a <col> may span several)."""
    out: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        if dim.width and dim.min:
            for c in range(dim.min, (dim.max or dim.min) + 1):
                out[c] = float(dim.width)
    return out


def append_record_rows(ws, rows: list[list]) -> None:
    """``BookUpdate.record_rows`` below the last row of 编班记录, each styled and sized by the cell
    model's rule for record rows (model.sheet_model.record_row_style / record_row_height), like
    the rows the sheet was written with: long values wrap inside their column instead of running
    past the table (fit-to-width would shrink the printed page for them)."""
    widths = column_widths(ws)
    r = ws.max_row + 1
    for values in rows:
        style = record_row_style(values)
        st = STYLES.get(style or "", {})
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            put_value(cell, v)
            if not st:
                continue
            _style_cell(cell, st, st["font"])
        height = record_row_height(values, widths)
        if height:
            ws.row_dimensions[r].height = height
        r += 1


def a4_setup(ws, landscape: bool, title_rows: str | None, footer: str | None) -> None:
    """A4 fit to page width with the result sheets' margins, ``title_rows`` repeated on every page,
    the footer '<footer>  第 p 页，共 n 页' (openpyxl sheets: the result path's fallback and the
    input template)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE
    ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP, MARGIN_BOTTOM
    ws.page_margins.header = ws.page_margins.footer = MARGIN_HEADER
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_setup.firstPageNumber = 1          # each sheet counts its own pages (model.sheet_model.PAGE_NUMBERS)
    ws.page_setup.useFirstPageNumber = True
    ws.oddFooter.center.text = footer_text(footer)
    ws.oddFooter.center.size = 9


def _print_setup(ws, spec: SheetSpec) -> None:
    """Print-ready A4 (a4_setup), centred across the page, with the spec's print area."""
    a4_setup(ws, spec.landscape, spec.print_title_rows, spec.header_footer)
    ws.page_setup.fitToHeight = spec.fit_height
    ws.page_setup.fitToWidth = spec.fit_width
    ws.print_options.horizontalCentered = True
    if spec.print_area:
        ws.print_area = spec.print_area


def _add_chart(ws, spec: ChartSpec) -> None:
    c1, r1, c2, r2 = spec.data
    cats = Reference(ws, min_col=spec.cats[0], min_row=spec.cats[1], max_col=spec.cats[2], max_row=spec.cats[3])
    data = Reference(ws, min_col=c1, min_row=r1, max_col=c2, max_row=r2)
    if spec.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "bar" else "col"
        if spec.kind == "stacked":
            chart.grouping = "stacked"
            chart.overlap = 100
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    if spec.x_title:
        chart.x_axis.title = spec.x_title
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    if spec.y_min is not None:
        chart.y_axis.scaling.min = spec.y_min
    if spec.y_max is not None:
        chart.y_axis.scaling.max = spec.y_max
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend.position = "b"
    if spec.line is not None:
        l1, lr1, l2, lr2 = spec.line
        overlay = LineChart()
        overlay.add_data(Reference(ws, min_col=l1, min_row=lr1, max_col=l2, max_row=lr2), titles_from_data=True)
        overlay.set_categories(cats)
        chart += overlay
    chart.width = spec.width_cm
    chart.height = spec.height_cm
    ws.add_chart(chart, spec.anchor)


def save_atomic(wb: Workbook, target: str | os.PathLike) -> None:
    """Save to a temporary file beside ``target``, then replace it in one step."""
    write_atomic(target, wb.save)
