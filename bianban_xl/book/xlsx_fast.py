"""The fast writer: a BookUpdate written straight into a workbook's zip parts.

openpyxl loads every cell into an object and serialises every cell of every sheet again on save.
For a workbook read by ``xlsx_read.read_fast`` and an update it handles, this module writes the
result by copying every input part unchanged except the sheets with cells to set (patched in place), styles.xml (our styles
appended), workbook.xml (+rels, content types: the new sheets and their print titles) and adding
the result sheets, rendered from their SheetSpecs to the same XML openpyxl writes for
``render_sheet`` (styles from ``xlsx_styles``, views and charts from ``xlsx_markup``, values by
``xlsx_values``: no openpyxl import on this path). Anything unusual raises FastUnsupported before
a byte is written; the caller then takes the openpyxl path, so behaviour never depends on the fast path.
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import datetime as dt

from bianban_xl.book.files import write_atomic
from bianban_xl.book.xlsx_markup import MarkupUnsupported, chart_xml, drawing_rels_xml, drawing_xml, views_xml
from bianban_xl.book.xlsx_read import NS_PKG, NS_R, REL_WS, FastUnsupported, ZipBook
from bianban_xl.book.xlsx_styles import BORDER, FONT_NAME, STYLES, FontSpec, style_xml
from bianban_xl.book.xlsx_values import (BUILTIN_IDS, ILLEGAL_CHARACTERS_RE, builtin_format, format_for, is_date_format,
                                         quote_sheetname, to_serial)
from bianban_xl.model import schema as S
from bianban_xl.model.cellref import column_index as _col_index, column_letter
from bianban_xl.model.sheet_model import (DECIMAL_STYLES, BookUpdate, Formula, Link, MARGIN_BOTTOM, MARGIN_HEADER, MARGIN_SIDE,
                                          MARGIN_TOP, SheetSpec, footer_text)


def _xml_escape(text: str, quote: bool = False) -> str:
    """&, < and > (and with ``quote`` the double quote) as XML entities — what
    xml.sax.saxutils.escape does, without its import of urllib.request, http.client, email and ssl
    (≈ 35 ms of every run)."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    return text.replace('"', "&quot;") if quote else text


_CT_WS = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
_CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"


# writing ----------------------------------------------------------------------------------
_SHEET_HEAD = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr>'
               '<outlinePr summaryBelow="1" summaryRight="1" /><pageSetUpPr fitToPage="1" /></sheetPr>')
_FMT_PR = '<sheetFormatPr baseColWidth="8" defaultRowHeight="15" />'
_views_cache: dict[str | None, str] = {}


def _g(x: float) -> str:
    return "%.16g" % x


def _views_xml(freeze: str | None) -> str:
    """The <sheetViews> openpyxl writes for these frozen panes (computed once per value)."""
    got = _views_cache.get(freeze)
    if got is None:
        try:
            got = _views_cache[freeze] = views_xml(freeze)
        except MarkupUnsupported as exc:
            raise FastUnsupported(str(exc)) from None
    return got


def _absolute(ref: str) -> str:
    """'B7' -> '$B$7' (as openpyxl writes print areas)."""
    m = re.fullmatch(r"\$?([A-Za-z]+)\$?(\d*)", ref.strip())
    if m is None:
        return ref
    return f"${m.group(1).upper()}" + (f"${m.group(2)}" if m.group(2) else "")


def _letter(c: int) -> str:
    return column_letter(c)


class _Styles:
    """The cell formats of the new sheets: components are either ids already in the workbook (ints)
    or ``xlsx_styles`` specs (appended to styles.xml, one element per spec object); one <xf> per
    distinct combination."""

    def __init__(self, zb: ZipBook):
        self.zb = zb
        self.xf: dict[tuple, int] = {}
        self.new_xf: list[str] = []
        self.fonts: dict[int, int] = {}
        self.new_fonts: list[str] = []
        self.fills: dict[int, int] = {}
        self.new_fills: list[str] = []
        self.borders: dict[int, int] = {}
        self.new_borders: list[str] = []
        self.fmts: dict[str, int] = {}
        self.new_fmts: list[str] = []
        self.objs: list = []   # keep style objects alive (ids are cache keys)

    def _id(self, obj, table: dict, new: list, base: int) -> int:
        if isinstance(obj, int):
            return obj
        k = id(obj)
        got = table.get(k)
        if got is None:
            self.objs.append(obj)
            got = table[k] = base + len(new)
            new.append(style_xml(obj))
        return got

    def fmt_id(self, code: str | int) -> int:
        if isinstance(code, int):
            return code
        if code in BUILTIN_IDS:
            return BUILTIN_IDS[code]
        got = self.fmts.get(code)
        if got is None:
            same = [i for i, c in self.zb.num_fmts.items() if c == code]
            if same:
                got = same[0]
            else:
                got = max([163] + list(self.zb.num_fmts) + list(self.fmts.values())) + 1
                self.new_fmts.append(f'<numFmt numFmtId="{got}" formatCode="{_xml_escape(code, quote=True)}" />')
            self.fmts[code] = got
        return got

    def index(self, comps: tuple) -> int:
        """comps = (font, fill, border, alignment or None, number format code or id)."""
        key = tuple(x if x is None or isinstance(x, (int, str)) else id(x) for x in comps)
        got = self.xf.get(key)
        if got is None:
            font, fill, border, align, fmt = comps
            fo = self._id(font, self.fonts, self.new_fonts, self.zb.n_fonts)
            fi = self._id(fill, self.fills, self.new_fills, self.zb.n_fills)
            bo = self._id(border, self.borders, self.new_borders, self.zb.n_borders)
            nf = self.fmt_id(fmt)
            head = f'<xf numFmtId="{nf}" fontId="{fo}" fillId="{fi}" borderId="{bo}"'
            if align is not None:
                xml = f'{head} applyAlignment="1" pivotButton="0" quotePrefix="0" xfId="0">{style_xml(align)}</xf>'
            else:
                xml = f'{head} pivotButton="0" quotePrefix="0" xfId="0" />'
            self.objs.append(comps)
            got = self.xf[key] = self.zb.n_xfs + len(self.new_xf)
            self.new_xf.append(xml)
        return got

    def derived(self, s: int, font, fill: int) -> int:
        """A new format: the workbook's cell format ``s`` (alignment, border, number format and
        protection kept) with another font and fill, as setting ``cell.font``/``cell.fill`` does."""
        xf = _xf_xml(self.zb, s)
        fo = self._id(font, self.fonts, self.new_fonts, self.zb.n_fonts)
        m = re.match(r"<xf\b([^>]*?)(/?>)", xf)
        attrs = re.sub(r'\s(fontId|fillId|applyFont|applyFill)="[^"]*"', "", m.group(1))
        xf = f'<xf{attrs} fontId="{fo}" fillId="{fill}" applyFont="1" applyFill="1"{m.group(2)}' + xf[m.end():]
        self.new_xf.append(xf)
        return self.zb.n_xfs + len(self.new_xf) - 1

    def patch(self, xml: str) -> str:
        xml = _append_children(xml, "fonts", self.new_fonts)
        xml = _append_children(xml, "fills", self.new_fills)
        xml = _append_children(xml, "borders", self.new_borders)
        xml = _append_children(xml, "cellXfs", self.new_xf)
        if self.new_fmts:
            if re.search(r"<numFmts\b", xml):
                xml = _append_children(xml, "numFmts", self.new_fmts)
            else:
                m = re.search(r"<styleSheet\b[^>]*>", xml)
                if m is None or m.group(0).endswith("/>"):
                    raise FastUnsupported("styleSheet")
                xml = (xml[:m.end()] + f'<numFmts count="{len(self.new_fmts)}">' + "".join(self.new_fmts)
                       + "</numFmts>" + xml[m.end():])
        return xml


def _count_children(xml_section: str, tag: str) -> int:
    return len(re.findall(rf"<{tag}[\s/>]", xml_section))


def _append_children(xml: str, tag: str, items: list[str]) -> str:
    """Append ``items`` to the first <tag> element and update its count attribute."""
    if not items:
        return xml
    m = re.search(rf"<{tag}\b([^>]*?)(/?)>", xml)
    if m is None:
        raise FastUnsupported(tag)
    attrs = re.sub(r'\s+count="\d*"', "", m.group(1))
    if m.group(2):                         # <tag/>: no children yet
        return xml[:m.start()] + f'<{tag}{attrs} count="{len(items)}">' + "".join(items) + f"</{tag}>" + xml[m.end():]
    end = xml.find(f"</{tag}>", m.end())
    if end < 0:
        raise FastUnsupported(tag)
    child = {"fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf", "numFmts": "numFmt"}[tag]
    n = _count_children(xml[m.end():end], child) + len(items)
    return xml[:m.start()] + f'<{tag}{attrs} count="{n}">' + xml[m.end():end] + "".join(items) + xml[end:]


def _cell_xml(ref: str, s: int, value) -> str:
    """One <c>, as openpyxl's etree_write_cell writes it for a value set with
    ``workbook_file.put_value`` (text always an inline string)."""
    sa = f' s="{s}"' if s else ""
    t = type(value)
    if t is str:                 # TEXT, whatever it starts with: an inline string, never a formula
        value = value[:32767]
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise FastUnsupported("string value")
        if value == "":
            return f'<c r="{ref}"{sa} t="inlineStr" />'
        stripped = value.strip()
        sp = ' xml:space="preserve"' if stripped and stripped != value else ""
        if "&" in value or "<" in value or ">" in value:
            value = _xml_escape(value)
        return f'<c r="{ref}"{sa} t="inlineStr"><is><t{sp}>{value}</t></is></c>'
    if value is None:
        return f'<c r="{ref}"{sa} t="n" />'
    if t is int or (t is float and value == value and value not in (_INF, -_INF)):
        return f'<c r="{ref}"{sa} t="n"><v>{"%.16g" % value}</v></c>'
    if isinstance(value, str):
        return _cell_xml(ref, s, str(value))
    if isinstance(value, bool):
        return f'<c r="{ref}"{sa} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)) or type(value).__module__ == "numpy":
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise FastUnsupported("value type") from None
        if x != x or x in (_INF, -_INF):
            raise FastUnsupported("nan")
        return f'<c r="{ref}"{sa} t="n"><v>{"%.16g" % value}</v></c>'
    if t is Formula:             # our own formula (openpyxl writes an empty cached value)
        return f'<c r="{ref}"{sa}><f>{_xml_escape(value.text)}</f><v /></c>'
    if t is Link:
        raise FastUnsupported("link")
    if _is_date_value(value):
        if getattr(value, "tzinfo", None) is not None:
            raise FastUnsupported("timezone")
        return f'<c r="{ref}"{sa} t="n"><v>{"%.16g" % to_serial(value)}</v></c>'
    raise FastUnsupported(f"value type {type(value).__name__}")


_INF = float("inf")
# text written as is: not a formula or error code (= #), no leading/trailing white space, nothing to
# escape, none of openpyxl's illegal control characters; anything else goes through _cell_xml
_PLAIN_TEXT = re.compile(r"(?![=#\s])[^&<>\x00-\x08\x0b\x0c\x0e-\x1f]+(?<!\s)")


def _is_date_value(value) -> bool:
    return isinstance(value, (dt.date, dt.time, dt.timedelta))


_DEFAULT_COMPS = (0, 0, 0, None, 0)
_PLAIN = (str, int, float)


def _spec_xml(spec: SheetSpec, styles: _Styles) -> tuple[str, list[str]]:
    """The worksheet XML openpyxl writes for ``render_sheet(wb, spec)`` on a new sheet, and the
    chart parts' XML to put into its drawing (referring to ``spec.name``)."""
    if spec.protect or spec.auto_filter:
        raise FastUnsupported("protect / filter")
    cells, merges, merged_out, heights, keep = _spec_cells(spec)
    _number_formats(spec, cells, merged_out, keep)
    if cells or merged_out:
        rows_, cols_ = {k[0] for k in cells} | {k[0] for k in merged_out}, {k[1] for k in cells} | {k[1] for k in merged_out}
        dim = f"{_letter(min(cols_))}{min(rows_)}:{_letter(max(cols_))}{max(rows_)}"
    else:
        dim = "A1:A1"
    out = [_SHEET_HEAD, f'<dimension ref="{dim}" />', _views_xml(spec.freeze), _FMT_PR]
    if spec.col_widths:
        out.append("<cols>")
        for col in sorted(spec.col_widths):
            out.append(f'<col width="{_g(spec.col_widths[col])}" customWidth="1" min="{col}" max="{col}" />')
        out.append("</cols>")
    out += _sheet_data_xml(cells, heights, styles)
    out += _sheet_tail_xml(spec, merges)
    try:
        charts = [chart_xml(spec.name, ch) for ch in spec.charts]
    except MarkupUnsupported as exc:
        raise FastUnsupported(str(exc)) from None
    if charts:
        out.append(f'<drawing xmlns:r="{NS_R}" r:id="rId1" />')
    out.append("</worksheet>")
    return "".join(out), charts


def _fmt_code(f) -> str:
    if isinstance(f, int):
        return builtin_format(f) if f else "General"
    return f


def _spec_cells(spec: SheetSpec):
    """Every cell of the spec's blocks as [value, style comps] (the comps ``render_sheet`` gives
    it), the merged title ranges, the cells they hide, row heights, and the comps tuples to keep
    alive (dicts key on their id())."""
    cells: dict[tuple[int, int], list] = {}
    merged_out: set[tuple[int, int]] = set()
    merges: list[str] = []
    heights: dict[int, float] = {}
    templates: dict[tuple[str, bool], tuple] = {}
    keep: list[tuple] = []
    nf = spec.number_formats
    for block in spec.blocks:
        st = STYLES.get(block.style, STYLES["body"])
        is_body = block.style in DECIMAL_STYLES
        for i, row in enumerate(block.values):
            r = block.top + i
            for j, value in enumerate(row):
                c = block.left + j
                if merged_out and (r, c) in merged_out:
                    raise FastUnsupported("merged cell")
                cell = cells.get((r, c))
                if cell is None:
                    cell = cells[(r, c)] = [None, _DEFAULT_COMPS]
                if value is not None:
                    cell[0] = value
                    if type(value) not in _PLAIN and _is_date_value(value) and not is_date_format(_fmt_code(cell[1][4])):
                        cell[1] = cell[1][:4] + (format_for(value),)
                        keep.append(cell[1])
                key = (block.style, is_body and isinstance(value, float) and c not in nf)
                template = templates.get(key)
                if template is None:
                    font, fill, border, align, fmt = cell[1]
                    template = templates[key] = (st["font"], st.get("fill", fill), BORDER if st.get("border") else border,
                                                 st.get("align", align), "0.00" if key[1] else fmt)
                cell[1] = template
        if block.style == "title" and spec.merge_title:
            width = spec.title_width
            if width > 1:
                merges.append(f"A{block.top}:{_letter(width)}{block.top}")
                for c in range(2, width + 1):
                    cells.pop((block.top, c), None)
                    merged_out.add((block.top, c))
            heights[block.top] = 26
    heights.update(spec.row_heights)
    return cells, merges, merged_out, heights, keep


def _number_formats(spec: SheetSpec, cells: dict, merged_out: set, keep: list) -> None:
    """The spec's column number formats on its body-like blocks (one comps tuple per distinct
    comps + format, so one <xf>)."""
    with_fmt: dict[tuple[int, str], tuple] = {}
    spans = [(b.top, b.bottom, b.left, b.right) for b in spec.blocks if b.style in ("body", "foot", "good", "warn", "bad")]
    for col, fmt in spec.number_formats.items():
        for top, bottom, left, right in spans:
            if not left <= col <= right:
                continue
            for r in range(top, bottom + 1):
                if merged_out and (r, col) in merged_out:
                    raise FastUnsupported("merged cell")
                cell = cells.get((r, col))
                if cell is None:
                    cell = cells[(r, col)] = [None, _DEFAULT_COMPS]
                key = (id(cell[1]), fmt)
                new = with_fmt.get(key)
                if new is None:
                    new = with_fmt[key] = cell[1][:4] + (fmt,)
                    keep.append(new)
                    with_fmt[(id(new), fmt)] = new
                cell[1] = new


def _sheet_data_xml(cells: dict, heights: dict, styles: _Styles) -> list[str]:
    """<sheetData>: rows in order, each cell by its kind (plain text and integers inline, the rest
    through :func:`_cell_xml`)."""
    out = ["<sheetData>"]
    by_row: dict[int, list[int]] = {}
    for (r, c) in sorted(cells):
        by_row.setdefault(r, []).append(c)
    for r in heights:
        by_row.setdefault(r, [])
    letters: dict[int, str] = {}
    xf_of: dict[int, str] = {}
    plain_text = _PLAIN_TEXT.fullmatch
    for r in sorted(by_row):
        h = heights.get(r)
        out.append(f'<row r="{r}" ht="{_g(h)}" customHeight="1">' if h else f'<row r="{r}">')
        for c in by_row[r]:
            value, comps = cells[(r, c)]
            if value is None and comps is _DEFAULT_COMPS:
                continue
            sa = xf_of.get(id(comps))     # cells keep their comps alive: ids are stable here
            if sa is None:
                x = 0 if comps is _DEFAULT_COMPS else styles.index(comps)
                sa = xf_of[id(comps)] = f' s="{x}"' if x else ""
            L = letters.get(c)
            if L is None:
                L = letters[c] = _letter(c)
            t = type(value)
            if t is str and len(value) < 32767 and plain_text(value):
                out.append(f'<c r="{L}{r}"{sa} t="inlineStr"><is><t>{value}</t></is></c>')
            elif t is int:
                out.append(f'<c r="{L}{r}"{sa} t="n"><v>{"%.16g" % value}</v></c>')
            elif value is None:
                out.append(f'<c r="{L}{r}"{sa} t="n" />')
            else:
                out.append(_cell_xml(f"{L}{r}", int(sa[4:-1]) if sa else 0, value))
        out.append("</row>")
    out.append("</sheetData>")
    return out


def _sheet_tail_xml(spec: SheetSpec, merges: list[str]) -> list[str]:
    """What follows <sheetData>: merged cells, colour scales, print setup, footer, page breaks."""
    out = []
    if merges:
        out.append(f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}" />' for m in merges)
                   + "</mergeCells>")
    if spec.color_scales:
        groups: dict[str, list[int]] = {}
        for prio, ref in enumerate(spec.color_scales, start=1):
            groups.setdefault(ref, []).append(prio)
        for ref, prios in groups.items():
            out.append(f'<conditionalFormatting sqref="{ref}">' + "".join(
                f'<cfRule type="colorScale" priority="{p}"><colorScale><cfvo type="min" /><cfvo type="max" />'
                '<color rgb="00FFFFFF" /><color rgb="005B9BD5" /></colorScale></cfRule>' for p in prios)
                + "</conditionalFormatting>")
    out.append('<printOptions horizontalCentered="1" />'
               f'<pageMargins left="{_g(MARGIN_SIDE)}" right="{_g(MARGIN_SIDE)}" top="{_g(MARGIN_TOP)}" '
               f'bottom="{_g(MARGIN_BOTTOM)}" header="{_g(MARGIN_HEADER)}" footer="{_g(MARGIN_HEADER)}" />'
               f'<pageSetup orientation="{"landscape" if spec.landscape else "portrait"}" paperSize="9" '
               f'fitToHeight="{spec.fit_height}" fitToWidth="{spec.fit_width}" firstPageNumber="1" useFirstPageNumber="1" />')
    footer = footer_text(spec.header_footer)
    out.append(f"<headerFooter><oddHeader /><oddFooter>{_xml_escape('&C&9 ' + footer)}</oddFooter>"
               "<evenHeader /><evenFooter /><firstHeader /><firstFooter /></headerFooter>")
    if spec.row_breaks:
        n = len(spec.row_breaks)
        out.append(f'<rowBreaks count="{n}" manualBreakCount="{n}">'
                   + "".join(f'<brk id="{r}" min="0" max="16383" man="1" />' for r in spec.row_breaks) + "</rowBreaks>")
    return out


def _patch_roster(xml: str, values: dict[tuple[int, int], tuple[object, int | None]]) -> str:
    """Set cells (row, col) -> (value, style or None = keep the cell's own) in a worksheet's XML."""
    by_row: dict[int, dict[int, tuple[object, int | None]]] = {}
    for (r, c), v in values.items():
        by_row.setdefault(r, {})[c] = v
    sd0 = xml.find("<sheetData")
    sd1 = xml.find("</sheetData>")
    if sd0 < 0 or sd1 < 0:
        raise FastUnsupported("sheetData")
    body = xml[sd0:sd1]
    row_re = re.compile(r'<row\b[^>]*?\sr="(\d+)"[^>]*?(/?)>')
    out = []
    pos = 0
    max_c = 0
    for m in row_re.finditer(body):
        r = int(m.group(1))
        want = by_row.pop(r, None)
        if want is None:
            continue
        if m.group(2):
            raise FastUnsupported("empty row")
        end = body.find("</row>", m.end())
        content = body[m.end():end]
        pieces = []
        last = 0
        for c, (text, style) in sorted(want.items()):
            max_c = max(max_c, c)
            ref = f"{_letter(c)}{r}"
            hit = _find_cell(content, ref, last)
            if hit is not None:
                start, stop, s_attr = hit
                if "<f" in content[start:stop]:       # a (maybe shared) formula others may refer to
                    raise FastUnsupported("formula cell")
                s = style if style is not None else s_attr
                pieces.append(content[last:start])
                last = stop
            else:
                at = _insert_at(content, c, r, last)
                pieces.append(content[last:at])
                last = at
                s = style if style is not None else 0
            pieces.append(_cell_xml(ref, s, text))
        pieces.append(content[last:])
        head = m.group(0)
        sp = _SPANS_RE.search(head)
        if sp and int(sp.group(2)) < max(want):
            head = head[:sp.start()] + f' spans="{sp.group(1)}:{max(want)}"' + head[sp.end():]
        out.append(body[pos:m.start()] + head + "".join(pieces))
        pos = end
    if by_row:
        raise FastUnsupported("row missing")
    out.append(body[pos:])
    xml = xml[:sd0] + "".join(out) + xml[sd1:]
    dm = re.search(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>', xml)
    if dm and dm.group(3) and _col_index(dm.group(3)) < max_c:
        xml = xml[:dm.start()] + f'<dimension ref="{dm.group(1)}{dm.group(2)}:{_letter(max_c)}{dm.group(4)}" />' + xml[dm.end():]
    return xml


_CELL_RE = re.compile(r'<c\b([^>]*?)(?:/>|>.*?</c>)', re.S)
_SPANS_RE = re.compile(r'\sspans="(\d+):(\d+)"')
_REF_RE = re.compile(r'\sr="([A-Z]+)(\d+)"')
_S_RE = re.compile(r'\ss="(\d+)"')


def _find_cell(content: str, ref: str, lo: int) -> tuple[int, int, int] | None:
    """(start, end, s) of the <c r=ref> element in a row's XML, None when the row has none."""
    i = content.find(f' r="{ref}"', lo)
    if i < 0:
        return None
    start = content.rfind("<c", lo, i)
    m = _CELL_RE.match(content, start) if start >= 0 else None
    if m is None or m.end() <= i or content[start + 2] not in " \t\r\n":
        raise FastUnsupported("cell markup")
    sm = _S_RE.search(" " + m.group(1))
    return start, m.end(), int(sm.group(1)) if sm else 0


def _insert_at(content: str, col: int, row: int, lo: int) -> int:
    """Where a new cell of column ``col`` goes in a row's XML: before the first cell to its right."""
    last = content.rfind("<c ", lo)
    if last >= 0:                    # the usual case: the class column is the last one
        cm = _CELL_RE.match(content, last)
        ref = _REF_RE.search(" " + cm.group(1)) if cm else None
        if cm and ref and int(ref.group(2)) == row and _col_index(ref.group(1)) < col and cm.end() == len(content):
            return len(content)
    for cm in _CELL_RE.finditer(content, lo):
        ref = _REF_RE.search(" " + cm.group(1))
        if ref is None or int(ref.group(2)) != row:
            raise FastUnsupported("cell without reference")
        if _col_index(ref.group(1)) > col:
            return cm.start()
    return len(content)


def write_fast(zb: ZipBook, target: str | os.PathLike, update: BookUpdate) -> None:
    """Write the input's parts plus ``update`` to ``target`` (see the module docstring): the user's
    sheets patched (``update.cells``; ``update.headers`` bold in their left neighbour's font name
    and fill, as ``book.apply_openpyxl.apply_to_workbook`` does), the new sheets rendered, styles, workbook,
    rels and content types extended. Raises FastUnsupported, before anything is written, for an
    update the fast path does not do (sheets to drop or replace, rows for an existing 编班记录, protection,
    links)."""
    target = Path(target)
    if target.suffix.lower() != zb.path.suffix.lower():
        raise FastUnsupported("suffix changes")
    if any(n in zb.sheet_part for n in update.drop) or update.protect:
        raise FastUnsupported("update kind")
    if update.record_rows and (S.SHEET_RECORD in zb.sheet_part or any(sp.name == S.SHEET_RECORD for sp in update.sheets)):
        raise FastUnsupported("record rows")      # with no 编班记录 to go to they are dropped, as openpyxl's path does
    if any(sp.name in zb.sheet_part for sp in update.sheets):
        raise FastUnsupported("sheet exists")
    if not zb.referenced:
        raise FastUnsupported("parts nothing refers to")     # openpyxl drops them; so must we
    styles = _Styles(zb)
    new_parts = _patched_user_sheets(zb, update, styles)
    added, overrides = _add_sheets(zb, update.sheets, styles, new_parts)
    if any(p in zb.parts for p in new_parts if p not in zb.sheet_part.values()):
        raise FastUnsupported("part name taken")
    new_parts[zb.styles_part] = styles.patch(zb.parts[zb.styles_part].decode("utf-8")).encode("utf-8")
    rel_ids = _patch_workbook_rels(zb, added, new_parts)
    _patch_workbook(zb, update.sheets, added, rel_ids, new_parts)
    ct = zb.parts["[Content_Types].xml"].decode("utf-8")
    j = ct.rfind("</Types>")
    if j < 0:
        raise FastUnsupported("content types")
    ct = ct[:j] + "".join(f'<Override PartName="/{p}" ContentType="{t}" />' for p, t in overrides) + ct[j:]
    new_parts["[Content_Types].xml"] = ct.encode("utf-8")
    _write_archive(zb, target, new_parts)


def _patched_user_sheets(zb: ZipBook, update: BookUpdate, styles: "_Styles") -> dict[str, bytes]:
    """The user's sheets with ``update.headers`` and ``update.cells`` set, by part name."""
    by_sheet: dict[str, dict[tuple[int, int], tuple[object, int | None]]] = {}
    for name, cells in update.cells_by_sheet().items():
        by_sheet[name] = {k: (v, None) for k, v in cells.items()}
    for name, hr, hc, text in update.headers:
        if name not in zb.sheet_part:
            raise FastUnsupported("no such sheet")
        xml = zb.parts[zb.sheet_part[name]].decode("utf-8")
        left_s, head_s = _cell_style(xml, hr, max(1, hc - 1)), _cell_style(xml, hr, hc)
        if max(left_s, head_s) >= zb.n_xfs:
            raise FastUnsupported("style index")
        font_name = zb.fonts[zb.xf_font[left_s]] if zb.xf_font[left_s] < len(zb.fonts) else None
        font = _header_font(font_name or FONT_NAME)
        solid = zb.fill_solid[zb.xf_fill[left_s]] if zb.xf_fill[left_s] < len(zb.fill_solid) else False
        if solid is None:
            raise FastUnsupported("gradient fill")
        fill = zb.xf_fill[left_s] if solid else zb.xf_fill[head_s]
        by_sheet.setdefault(name, {})[(hr, hc)] = (text, styles.derived(head_s, font, fill))
    out: dict[str, bytes] = {}
    for name, values in by_sheet.items():
        part = zb.sheet_part.get(name)
        if part is None:
            raise FastUnsupported("no such sheet")
        out[part] = _patch_roster(zb.parts[part].decode("utf-8"), values).encode("utf-8")
    return out


def _add_sheets(zb: ZipBook, specs: list[SheetSpec], styles: "_Styles",
                new_parts: dict[str, bytes]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Render ``specs`` (and their charts) into ``new_parts``; returns ((sheet name, part) of each
    new sheet, (part, content type) overrides)."""
    def nums(pattern):
        return [int(m.group(1)) for n in zb.names if (m := re.fullmatch(pattern, n))]

    next_sheet = max(nums(r"xl/worksheets/sheet(\d+)\.xml"), default=0) + 1
    next_draw = max(nums(r"xl/drawings/drawing(\d+)\.xml"), default=0) + 1
    next_chart = max(nums(r"xl/charts/chart(\d+)\.xml"), default=0) + 1
    overrides: list[tuple[str, str]] = []
    added: list[tuple[str, str]] = []
    for spec in specs:
        xml, charts = _spec_xml(spec, styles)
        part = f"xl/worksheets/sheet{next_sheet}.xml"
        next_sheet += 1
        while part in zb.parts:
            part = f"xl/worksheets/sheet{next_sheet}.xml"
            next_sheet += 1
        new_parts[part] = xml.encode("utf-8")
        overrides.append((part, _CT_WS))
        added.append((spec.name, part))
        if charts:
            next_chart = _add_drawing(spec, charts, part, next_draw, next_chart, new_parts, overrides)
            next_draw += 1
    return added, overrides


def _add_drawing(spec: SheetSpec, charts: list[str], sheet_part: str, draw_id: int, next_chart: int,
                 new_parts: dict[str, bytes], overrides: list[tuple[str, str]]) -> int:
    """One drawing holding the sheet's ``charts`` (their XML, in ``spec.charts`` order) for the sheet
    ``sheet_part``, with the parts and relationships openpyxl's writer gives them. Returns the next
    chart id."""
    try:
        drawing = drawing_xml(spec.charts)
    except MarkupUnsupported as exc:
        raise FastUnsupported(str(exc)) from None
    chart_parts = []
    for xml in charts:
        part = f"xl/charts/chart{next_chart}.xml"
        next_chart += 1
        new_parts[part] = xml.encode("utf-8")
        overrides.append((part, _CT_CHART))
        chart_parts.append(part)
    draw_part = f"xl/drawings/drawing{draw_id}.xml"
    new_parts[draw_part] = drawing.encode("utf-8")
    new_parts[f"xl/drawings/_rels/drawing{draw_id}.xml.rels"] = drawing_rels_xml(chart_parts).encode("utf-8")
    overrides.append((draw_part, _CT_DRAWING))
    new_parts[f"xl/worksheets/_rels/{sheet_part.rsplit('/', 1)[1]}.rels"] = (
        f'<Relationships xmlns="{NS_PKG}"><Relationship Type="{NS_R}/drawing" '
        f'Target="/{draw_part}" Id="rId1" /></Relationships>').encode("utf-8")
    return next_chart


def _patch_workbook_rels(zb: ZipBook, added: list[tuple[str, str]], new_parts: dict[str, bytes]) -> list[str]:
    """workbook.xml.rels with a relationship per new sheet; returns their ids."""
    rels_xml = zb.parts[zb.wb_rels_part].decode("utf-8")
    used = set(re.findall(r'Id="([^"]+)"', rels_xml))
    rel_ids = []
    n = 1
    for _ in added:
        while f"rId{n}" in used:
            n += 1
        used.add(f"rId{n}")
        rel_ids.append(f"rId{n}")
    end = rels_xml.rfind("</Relationships>")
    if end < 0:
        raise FastUnsupported("rels")
    rels_xml = rels_xml[:end] + "".join(
        f'<Relationship Type="{REL_WS}" Target="/{part}" Id="{rid}" />' for (_, part), rid in zip(added, rel_ids)) + rels_xml[end:]
    new_parts[zb.wb_rels_part] = rels_xml.encode("utf-8")
    return rel_ids


def _patch_workbook(zb: ZipBook, specs: list[SheetSpec], added: list[tuple[str, str]], rel_ids: list[str],
                    new_parts: dict[str, bytes]) -> None:
    """workbook.xml with the new <sheet> entries and their print titles."""
    wb_xml = zb.parts[zb.wb_part].decode("utf-8")
    root = re.search(r"<workbook\b[^>]*>", wb_xml)
    rp = re.search(r'xmlns:(\w+)="' + re.escape(NS_R) + '"', root.group(0)) if root else None
    if rp is None or "<sheets>" not in wb_xml or "</sheets>" not in wb_xml or re.search(
            r"<(externalReferences|functionGroups)\b", wb_xml):
        raise FastUnsupported("workbook.xml")
    pre = rp.group(1)
    ids = [int(x) for x in re.findall(r'<sheet\b[^>]*\ssheetId="(\d+)"', wb_xml)]
    count = len(re.findall(r"<sheet\b", wb_xml))
    if count != len(zb.sheet_part):
        raise FastUnsupported("sheet count")
    next_id = max(ids, default=0) + 1
    new_sheets = [f'<sheet name="{_xml_escape(name, quote=True)}" sheetId="{next_id + k}" state="visible" {pre}:id="{rid}" />'
                  for k, ((name, _), rid) in enumerate(zip(added, rel_ids))]
    names = []
    for k, spec in enumerate(specs):
        if spec.print_title_rows:
            a, _, b = spec.print_title_rows.partition(":")
            ref = f"{quote_sheetname(spec.name)}!${a}:${b or a}"
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{count + k}">{_xml_escape(ref)}</definedName>')
        if spec.print_area:
            a, _, b = spec.print_area.partition(":")
            ref = f"{quote_sheetname(spec.name)}!{_absolute(a)}:{_absolute(b or a)}"
            names.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{count + k}">{_xml_escape(ref)}</definedName>')
    i = wb_xml.find("</sheets>")
    wb_xml = wb_xml[:i] + "".join(new_sheets) + wb_xml[i:]
    if names:
        dn = re.search(r"<definedNames\s*/>", wb_xml)
        if dn:
            wb_xml = wb_xml[:dn.start()] + "<definedNames>" + "".join(names) + "</definedNames>" + wb_xml[dn.end():]
        elif "</definedNames>" in wb_xml:
            j = wb_xml.find("</definedNames>")
            wb_xml = wb_xml[:j] + "".join(names) + wb_xml[j:]
        else:
            j = wb_xml.find("</sheets>") + len("</sheets>")
            wb_xml = wb_xml[:j] + "<definedNames>" + "".join(names) + "</definedNames>" + wb_xml[j:]
    new_parts[zb.wb_part] = wb_xml.encode("utf-8")


def _write_archive(zb: ZipBook, target: Path, new_parts: dict[str, bytes]) -> None:
    """Every input part in order (changed ones replaced), then the new ones (book.files.write_atomic:
    a temporary file, then one replace)."""
    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for n in zb.names:
                zf.writestr(n, new_parts.pop(n) if n in new_parts else zb.parts[n])
            for n, data in new_parts.items():
                zf.writestr(n, data)

    write_atomic(target, write)


_header_fonts: dict[str, FontSpec] = {}


def _header_font(name: str) -> FontSpec:
    f = _header_fonts.get(name)
    if f is None:
        f = _header_fonts[name] = FontSpec(name=name, bold=True)
    return f


def _cell_style(xml: str, r: int, c: int) -> int:
    """The s= of cell (r, c) in a worksheet's XML, 0 when absent. The patterns are tried from the
    tag around the first r="…" of the cell: no match can start earlier (a tag holds no ">"), and
    a whole roster is not scanned twice for a header cell that is not there."""
    ref = f"{_letter(c)}{r}"
    i = xml.find(f'r="{ref}"')
    if i < 0:
        return 0
    start = xml.rfind(">", 0, i) + 1
    m = (re.compile(rf'<c\b[^>]*?\sr="{ref}"[^>]*?>').search(xml, start)
         or re.compile(rf'<c r="{ref}"[^>]*?>').search(xml, start))
    if m is None:
        return 0
    sm = re.search(r'\ss="(\d+)"', m.group(0))
    return int(sm.group(1)) if sm else 0


def _xf_xml(zb: ZipBook, s: int) -> str:
    """The s-th <xf> of cellXfs, as written in styles.xml."""
    xml = zb.parts[zb.styles_part].decode("utf-8")
    m = re.search(r"<cellXfs\b[^>]*>", xml)
    if m is None or m.group(0).endswith("/>"):
        raise FastUnsupported("cellXfs")
    end = xml.find("</cellXfs>", m.end())
    xfs = list(re.finditer(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", xml[m.end():end], re.S))
    if len(xfs) != zb.n_xfs or s >= len(xfs):
        raise FastUnsupported("cellXfs")
    return xfs[s].group(0)
