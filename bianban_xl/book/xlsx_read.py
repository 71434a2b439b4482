"""The fast reader: a workbook's values read straight from its zip parts, for every command.

``read_fast`` gives the same :class:`RawBook` as openpyxl's ``workbook_file.read_raw`` (values,
types, real formulas, merged ranges, hidden rows; tests/test_reader_equivalence.py compares them)
plus the parts as a :class:`ZipBook`, which ``xlsx_fast.write_fast`` writes the result from.
Sheets become sparse cells (a stray cell at XFD1048576 is one entry). One sheet reader, two lanes
(``_read_sheet``): the rows of plain cells — what Excel, WPS, LibreOffice and our own writer put in
``<sheetData>`` when there are no formulas or rich text — are read by one strict regular
expression, and everything else of the part, or the whole part when any byte of its rows is
something else, by a streaming expat parser; both share the value conversion. Before anything is
parsed, ``book.package`` has refused absurd zip members and DOCTYPEs — for both readers alike.
Anything this reader does not handle (1904 dates, array formulas, the strict OOXML namespace, odd
package layouts) raises FastUnsupported and ``book.read.read_book`` reads the file with openpyxl.
"""
from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.parsers import expat

from bianban_xl.book.package import check_doctypes, check_sizes, open_package
from bianban_xl.book.xlsx_values import (EAST_ASIAN_DATE_IDS, builtin_format, from_iso8601, from_serial, is_date_format,
                                         is_duration_format)
from bianban_xl.model.cellref import MAX_COL, MAX_ROW, column_index, column_letter, parse_ref
from bianban_xl.model.raw_book import RawBook, RawSheet

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_M = "{%s}" % NS_MAIN
REL_WS = NS_R + "/worksheet"
_REL_SST = NS_R + "/sharedStrings"
_REL_STYLES = NS_R + "/styles"
_SHEET_DATA = NS_MAIN + "}sheetData"
_ROW_OR_CELL = (NS_MAIN + "}row", NS_MAIN + "}c")


class FastUnsupported(Exception):
    """The fast path does not handle this workbook or value; use the openpyxl path."""


@dataclass
class ZipBook:
    """An input workbook's zip parts, kept to write the result without re-reading the file."""
    path: Path
    names: list[str]                    # part names in archive order
    parts: dict[str, bytes]
    sheet_part: dict[str, str]          # sheet name -> part name
    wb_part: str
    wb_rels_part: str
    styles_part: str
    n_fonts: int
    n_fills: int
    n_borders: int
    n_xfs: int
    num_fmts: dict[int, str]            # custom number formats
    xf_font: list[int]
    xf_fill: list[int]
    fonts: list[str | None]             # font name per font id
    fill_solid: list[bool | None]       # per fill id: pattern fill with a type / none / None (gradient)
    referenced: bool = True             # every part is reachable from the package's relationships


def _text_content(node) -> str:
    """openpyxl's Text.content: the plain <t> plus every rich run's <t>, phonetic runs left out."""
    out = []
    t = node.find(_M + "t")
    if t is not None:
        out.append(t.text or "")
    for r in node.findall(_M + "r"):
        rt = r.find(_M + "t")
        if rt is not None:
            out.append(rt.text or "")
    return "".join(out)


def parse_rels(data: bytes) -> dict[str, tuple[str, str]]:
    root = ET.fromstring(data)
    return {r.get("Id"): (r.get("Type"), r.get("Target")) for r in root.iter("{%s}Relationship" % NS_PKG)}


def part_target(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    if ".." in target:
        raise FastUnsupported("relative target")
    return f"{base_dir}/{target}" if base_dir else target


def read_fast(path: str | os.PathLike) -> tuple[RawBook, ZipBook]:
    """The RawBook of ``path`` and its parts. Raises NotAWorkbook (a Chinese message) for files no
    reader may open, FastUnsupported for files openpyxl should read instead."""
    p = Path(path)
    if p.suffix.lower() not in (".xlsx", ".xlsm") or not p.is_file():
        raise FastUnsupported("not a workbook file")
    with open_package(p) as zf:                  # the package checks first: sizes before reading,
        check_sizes(p, zf)
        try:
            names = zf.namelist()
            parts = {n: zf.read(n) for n in names}
        except Exception as exc:  # noqa: BLE001 — read_raw gives the user's message
            raise FastUnsupported(str(exc)) from None
    check_doctypes(p, parts)                     # DOCTYPEs before parsing
    try:
        zb, shared, date_xf, td_xf = _package(p, names, parts)
        sheets = {name: _read_sheet(name, parts[part], shared, date_xf, td_xf, zb.n_xfs)
                  for name, part in zb.sheet_part.items()}
    except FastUnsupported:
        raise
    except Exception as exc:  # noqa: BLE001 — anything odd: the openpyxl reader decides
        raise FastUnsupported(f"{type(exc).__name__}: {exc}") from None
    return RawBook(sheets, list(sheets), str(p)), zb


def _package(p: Path, names: list[str], parts: dict[str, bytes]):
    """(ZipBook, shared strings, date style ids, timedelta style ids) from the package parts."""
    root_rels = parse_rels(parts["_rels/.rels"])
    wb_part = next(part_target("", t) for (typ, t) in root_rels.values() if typ.endswith("/officeDocument"))
    if wb_part != "xl/workbook.xml":
        raise FastUnsupported("workbook part")
    wb_rels_part = "xl/_rels/workbook.xml.rels"
    rels = parse_rels(parts[wb_rels_part])
    wb = ET.fromstring(parts[wb_part])
    if wb.tag != _M + "workbook":
        raise FastUnsupported("workbook namespace")
    pr = wb.find(_M + "workbookPr")
    if pr is not None and pr.get("date1904", "0").lower() in ("1", "true"):
        raise FastUnsupported("1904 dates")
    sheet_part: dict[str, str] = {}
    for sh in wb.find(_M + "sheets"):
        typ, target = rels[sh.get("{%s}id" % NS_R)]
        if typ != REL_WS:
            raise FastUnsupported("not a worksheet")
        part = part_target("xl", target)
        if part not in parts:
            raise FastUnsupported("missing part")
        sheet_part[sh.get("name")] = part
    shared: list[str] = []
    styles_part = ""
    for typ, target in rels.values():
        if typ == _REL_SST:
            sst = ET.fromstring(parts[part_target("xl", target)])
            shared = [_text_content(si).replace("x005F_", "") for si in sst.iter(_M + "si")]
        elif typ == _REL_STYLES:
            styles_part = part_target("xl", target)
    if styles_part not in parts:
        raise FastUnsupported("no styles")
    st = ET.fromstring(parts[styles_part])
    num_fmts = {int(f.get("numFmtId")): f.get("formatCode") for f in st.iter(_M + "numFmt")}
    xfs = st.find(_M + "cellXfs")
    xf_list = list(xfs) if xfs is not None else []
    date_xf, td_xf = set(), set()
    for i, xf in enumerate(xf_list):
        fid = int(xf.get("numFmtId", 0))
        fmt = num_fmts[fid] if fid in num_fmts else builtin_format(fid)
        if is_date_format(fmt) or (fid not in num_fmts and fid in EAST_ASIAN_DATE_IDS):
            date_xf.add(i)
        if is_duration_format(fmt):
            td_xf.add(i)
    fonts_el, fills_el, borders_el = st.find(_M + "fonts"), st.find(_M + "fills"), st.find(_M + "borders")
    if fonts_el is None or fills_el is None or borders_el is None or xfs is None:
        raise FastUnsupported("styles")
    fonts = [n.get("val") if (n := f.find(_M + "name")) is not None else None for f in fonts_el]
    fill_solid = [None if (pf := f.find(_M + "patternFill")) is None else pf.get("patternType", "none") != "none"
                  for f in fills_el]
    zb = ZipBook(p, names, parts, sheet_part, wb_part, wb_rels_part, styles_part, len(fonts), len(fill_solid),
                 len(borders_el), len(xf_list), num_fmts,
                 [int(x.get("fontId", 0)) for x in xf_list], [int(x.get("fillId", 0)) for x in xf_list],
                 fonts, fill_solid, _all_referenced(names, parts))
    return zb, shared, date_xf, td_xf


def _all_referenced(names: list[str], parts: dict[str, bytes]) -> bool:
    """Whether every part is the content-types part, a relationships part, or the target of a
    relationship (a part nothing refers to is junk openpyxl would drop: the fast path must not
    copy it into the output either)."""
    reached = {"[Content_Types].xml"}
    for n in names:
        if not n.endswith(".rels"):
            continue
        reached.add(n)
        folder = n.rsplit("_rels/", 1)[0].rstrip("/")
        for typ, target in parse_rels(parts[n]).values():
            if not target or target.startswith(("http:", "https:", "mailto:", "file:", "#")):
                continue
            path = target[1:] if target.startswith("/") else "/".join(x for x in (folder, target) if x)
            stack: list[str] = []
            for piece in path.split("/"):
                if piece == "..":
                    if stack:
                        stack.pop()
                elif piece not in ("", "."):
                    stack.append(piece)
            reached.add("/".join(stack))
    return all(n in reached or n.endswith("/") for n in names)


def _cell_value(v: str, t: str, s: int, shared: list[str], date_xf: set, td_xf: set):
    """A cell's <v> text as openpyxl reads it: numbers (dates by their style), shared strings,
    booleans, ISO dates; str/e as text. Other types: FastUnsupported."""
    if t == "n":
        v = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
        if s in date_xf:
            try:
                return from_serial(v, duration=s in td_xf)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return v
    if t == "s":
        return shared[int(v)]
    if t == "b":
        return bool(int(v))
    if t == "d":
        return from_iso8601(v)
    if t not in ("str", "e"):
        raise FastUnsupported("cell type")
    return v


def _read_sheet(name: str, data: bytes, shared: list[str], date_xf: set, td_xf: set, n_xf: int) -> RawSheet:
    """One worksheet part as a sparse RawSheet. Why two lanes, one reader: expat calls Python for
    every element (five to seven calls a cell), which made a roster slower to read than the
    ElementTree and regex readers it replaced. So the rows of ``<sheetData>`` are first offered to
    ``_plain_rows``, which accepts only a strict subset of the markup (see there) and refuses the
    rest; when it accepts, expat parses everything else of the part (root, namespaces, merged
    ranges, DOCTYPE) with ``<sheetData/>`` in the rows' place. Otherwise expat reads the whole part.
    Both lanes feed the same value conversion (``_cell_value``) and the same checks; the tests read
    every workbook both ways and with openpyxl."""
    parser = _SheetParser(shared, date_xf, td_xf, n_xf)
    plain = _split_sheet_data(data) if PLAIN_LANE else None
    if plain is not None:
        head, body, tail = plain
        try:
            cells, width, hidden, prefixes = _plain_rows(body, shared, date_xf, td_xf, n_xf)
        except _NotPlain:
            plain = None
        else:
            if parser.parse_around(head + b"<sheetData/>" + tail, len(head), prefixes):
                parser.cells, parser.width, parser.hidden = cells, max(width, parser.width), hidden
            else:
                parser = _SheetParser(shared, date_xf, td_xf, n_xf)
                plain = None
    if plain is None:
        parser.parse(data)
    cells, width, formulas, refs, hidden = parser.cells, parser.width, parser.formulas, parser.refs, parser.hidden
    merged = []
    for ref in dict.fromkeys(refs):
        first, _, last = ref.partition(":")
        r1, c1 = parse_ref(first)
        r2, c2 = parse_ref(last or first)
        merged.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    if merged:     # a merged area's other cells read as empty (as openpyxl's MergedCell), sparse
        _blank_merged(cells, merged)
        width = max([width] + [c2 for _, _, _, c2 in merged])
    return RawSheet(name, None, formulas, merged, cells=cells, width=width, hidden_rows=hidden)


def _blank_merged(cells: dict, merged: list[tuple[int, int, int, int]]) -> None:
    """Every cell of a merged area but its first reads as empty (None)."""
    for r1, c1, r2, c2 in merged:
        if (r2 - r1 + 1) * (c2 - c1 + 1) <= len(cells):
            inside = [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) in cells]
        else:
            inside = [k for k in cells if r1 <= k[0] <= r2 and c1 <= k[1] <= c2]
        for k in inside:
            if k != (r1, c1):
                cells[k] = None


# The plain lane ----------------------------------------------------------------------------
PLAIN_LANE = True           # tests switch it off to compare both lanes on the same workbook


class _NotPlain(Exception):
    """Markup the plain lane leaves to expat."""


_DECL = re.compile(rb"<\?xml[^>]*?encoding=[\"']([^\"']*)[\"']")
_NOT_XML = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff"     # characters XML 1.0 does not allow
# One token of the rows: a cell as Excel, WPS, LibreOffice and openpyxl write it (r, s, t in this order,
# then nothing, a value, or an inline string of one plain run), a row's start tag, or a row's end tag.
# Formulas, rich text, comments, CDATA, other attributes or quotes: not a token, so expat reads the part.
# _TOKEN allows no white space between tags (what every writer does; it is the faster), _SPACED allows
# it wherever XML does and is tried when _TOKEN is not enough.
def _token(ws: str, before_end: str) -> re.Pattern:
    return re.compile(
        ws + r'(?:<c()(?: r="([A-Z]{1,3})([0-9]{1,7})")?(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?' + before_end +
        r'(?:/>|>' + ws + r'(?:<v>([^<' + _NOT_XML + r']*)</v>|<v/>'
        r'|<is>' + ws + r'<t(?: xml:space="preserve")?>([^<' + _NOT_XML + r']*)</t>' + ws + r'</is>)?' + ws + r'</c>)'
        r'|<row(?: r="([0-9]{1,7})")?((?:[ \t\n]+[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?="[^"<&\t\n' + _NOT_XML +
        r']*")*)' + before_end + r'(/?)>|(</row>))')


_TOKEN = _token("", " ?")               # openpyxl writes <c r="A1" t="n" />
_SPACED = _token("[ \t\n]*", "[ \t\n]*")
_ROW_ATTR = re.compile(r'([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)="([^"]*)"')
_ENTITY = re.compile(r"&(?:(amp)|(lt)|(gt)|(quot)|(apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_NAMED = {1: "&", 2: "<", 3: ">", 4: '"', 5: "'"}
_COL_NO: dict[str, int] = {}


def _split_sheet_data(data: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(before, rows, after) of a UTF-8 part whose rows sit in a plain ``<sheetData>…</sheetData>``."""
    i = data.find(b"<sheetData>")
    if i < 0:
        return None
    j = data.find(b"</sheetData>", i)
    if j < 0:
        return None
    m = _DECL.match(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0)
    if m is not None and m.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    return data[:i], data[i + 11:j], data[j + 12:]


def _unescape(text: str) -> str:
    """Character and the five predefined entity references, as an XML parser resolves them."""
    if "&" not in text:
        return text
    n = 0

    def one(m) -> str:
        nonlocal n
        n += 1
        for g in (1, 2, 3, 4, 5):
            if m.group(g):
                return _NAMED[g]
        code = int(m.group(6)) if m.group(6) else int(m.group(7), 16)
        if not (code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF):
            raise _NotPlain
        return chr(code)

    out = _ENTITY.sub(one, text)
    if n != text.count("&"):
        raise _NotPlain
    return out


def _column_no(letters: str) -> int:
    c = _COL_NO.get(letters)
    if c is None:
        c = column_index(letters)
        if c > MAX_COL:
            raise FastUnsupported("coordinate")
        _COL_NO[letters] = c
    return c


def _plain_rows(body: bytes, shared: list[str], date_xf: set, td_xf: set, n_xf: int):
    """(cells, width, hidden rows, attribute prefixes) of the rows inside ``<sheetData>``, or
    _NotPlain when the markup is anything but rows of plain cells (see _TOKEN) — every byte must
    be understood, or expat reads the part. The result is what _SheetParser gives for the same
    rows."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _NotPlain from None
    if "\r" in text:                          # XML line-end normalisation
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "]]>" in text:
        raise _NotPlain
    try:
        return _plain_tokens(_TOKEN, text, shared, date_xf, td_xf, n_xf)
    except _NotPlain:
        return _plain_tokens(_SPACED, text, shared, date_xf, td_xf, n_xf)


def _plain_tokens(token: re.Pattern, text: str, shared: list[str], date_xf: set, td_xf: set, n_xf: int):
    """_plain_rows on the decoded rows with one of the two token patterns. Why over 60 lines: the
    per-cell loop is the hot path of every read, kept in one frame on purpose."""
    cells: dict[tuple[int, int], object] = {}
    hidden: set[int] = set()
    prefixes: set[str] = set()              # of row attributes (x14ac:dyDescent): declared on the root?
    width = row = col = 0
    in_row = False
    col_no = _COL_NO
    dates: dict[tuple[str, int], object] = {}        # birth dates repeat: convert each once
    row_attrs: dict[str, tuple[str | None, bool]] = {}     # rows mostly repeat their attributes
    style_no: dict[str, int] = {}
    row_digits = None                        # the row's r as written, when plain digits and in range
    m = None
    for m in iter(token.scanner(text).match, None):
        cell, letters, digits, s, t, v, inline, r, attrs, closed, row_end = m.groups()
        if cell is None:
            if row_end is not None:
                if not in_row:
                    raise _NotPlain
                in_row = False
                continue
            if in_row:
                raise _NotPlain
            row_digits = r
            if attrs:
                got = row_attrs.get(attrs)
                if got is None:
                    got = row_attrs[attrs] = _row_attrs(attrs, prefixes)
                if got[0] is not None:
                    if r is not None:
                        raise _NotPlain      # r twice
                    r = got[0]
                row = int(float(r)) if r is not None else row + 1
                if got[1]:
                    hidden.add(row)
            else:
                row = int(r) if r is not None else row + 1
            if not 1 <= row <= MAX_ROW:
                row_digits = None
            col = 0
            in_row = not closed
            continue
        if not in_row:
            raise _NotPlain
        if letters is None:
            rr, col = row, col + 1
            if not (1 <= rr <= MAX_ROW and col <= MAX_COL):
                raise FastUnsupported("coordinate")
        else:
            col = col_no.get(letters) or _column_no(letters)
            if digits == row_digits:
                rr = row
            else:
                rr = int(digits)
                if not 1 <= rr <= MAX_ROW:
                    raise FastUnsupported("coordinate")
        if s is not None:
            si = style_no.get(s)
            if si is None:
                si = style_no[s] = int(s)
                if si >= n_xf and si:
                    raise FastUnsupported("style index")
        else:
            si = 0
        if col > width:
            width = col
        if t == "inlineStr":
            if inline is None:
                continue
            cells[(rr, col)] = _unescape(inline) if "&" in inline else inline
        elif v:
            if "&" in v:
                v = _unescape(v)
            if t is None or t == "n":               # a number (or date): _cell_value, inlined
                if si not in date_xf:
                    cells[(rr, col)] = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
                else:
                    x = dates.get((v, si))
                    if x is None:
                        x = dates[(v, si)] = _cell_value(v, "n", si, shared, date_xf, td_xf)
                    cells[(rr, col)] = x
            else:
                cells[(rr, col)] = _cell_value(v, t or "n", si, shared, date_xf, td_xf)
    end = m.end() if m is not None else 0
    if in_row or (end != len(text) and text[end:].strip(" \t\n")):
        raise _NotPlain
    return cells, width, hidden, prefixes


def _row_attrs(attrs: str, prefixes: set[str]) -> tuple[str | None, bool]:
    """(r, hidden) from a row's attributes but a leading r; adds the prefixes they use to ``prefixes``."""
    pairs = _ROW_ATTR.findall(attrs)
    if len({k for k, _ in pairs}) != len(pairs):
        raise _NotPlain
    r = hide = None
    for k, v in pairs:
        if k == "r":
            r = v
        elif k == "hidden":
            hide = v
        elif ":" in k or k == "xmlns":
            prefix = k.partition(":")[0]
            if prefix in ("xmlns", "xml"):
                raise _NotPlain
            prefixes.add(prefix)
    return r, hide in ("1", "true")


class _SheetParser:
    """One worksheet part read with expat, streaming, into sparse cells — the way openpyxl's
    WorkSheetParser reads it (data_only=False, rich_text=False): <f> gives '=' + the formula
    (shared formulas translated), inline strings their text without phonetic runs, <v> by type
    and style. A DOCTYPE, an unknown root or a bad coordinate raises FastUnsupported."""

    def __init__(self, shared: list[str], date_xf: set, td_xf: set, n_xf: int):
        self.shared, self.date_xf, self.td_xf, self.n_xf = shared, date_xf, td_xf, n_xf
        self.cells: dict[tuple[int, int], object] = {}
        self.formulas: set[tuple[int, int]] = set()
        self.refs: list[str] = []
        self.hidden: set[int] = set()
        self.shared_f: dict[str, object] = {}      # si -> openpyxl Translator of the shared formula
        self.width = 0
        self.row = 0
        self.col = 0
        self.root_seen = False
        self._reset_cell()

    def _reset_cell(self) -> None:
        self.t, self.s, self.coord = "n", 0, None
        self.f = self.v = None
        self.f_attrs: dict[str, str] = {}
        self.inline: list[str] | None = None
        self.text: list[str] | None = None      # collecting character data of <f>, <v> or <t>
        self.in_rph = False

    def parse(self, data: bytes):
        p = expat.ParserCreate(namespace_separator="}")
        p.buffer_text = True
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.chars
        p.StartDoctypeDeclHandler = self.doctype
        try:
            p.Parse(data, True)
        except expat.ExpatError as exc:
            raise FastUnsupported(f"xml: {exc}") from None
        return self.cells, self.width, self.formulas, self.refs, self.hidden

    def parse_around(self, data: bytes, at: int, prefixes: set[str]) -> bool:
        """Parse a part whose rows the plain lane has read and replaced by ``<sheetData/>`` at byte
        ``at``. False (nothing taken) unless that element is the root's child in the main namespace,
        no other rows or cells are left, and the prefixes the rows used are declared on the root."""
        depth, seen, declared, ok = 0, [], set(), True

        def decl(prefix, _uri):
            if depth == 0:
                declared.add(prefix)

        def start(name, attrs):
            nonlocal depth, ok
            if name == _SHEET_DATA and depth == 1 and p.CurrentByteIndex == at:
                seen.append(name)
            elif name in _ROW_OR_CELL:
                ok = False
            depth += 1
            self.start(name, attrs)

        def end(name):
            nonlocal depth
            depth -= 1
            self.end(name)

        p = expat.ParserCreate(namespace_separator="}")
        p.buffer_text = True
        p.StartElementHandler = start
        p.EndElementHandler = end
        p.CharacterDataHandler = self.chars
        p.StartDoctypeDeclHandler = self.doctype
        p.StartNamespaceDeclHandler = decl
        try:
            p.Parse(data, True)
        except Exception:  # noqa: BLE001 — the whole part, read by expat, decides
            return False
        return ok and len(seen) == 1 and prefixes <= declared

    @staticmethod
    def doctype(*_):
        raise FastUnsupported("DOCTYPE")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        ns, _, tag = name.rpartition("}")
        if not self.root_seen:
            if tag != "worksheet" or ns != NS_MAIN:
                raise FastUnsupported("worksheet namespace")
            self.root_seen = True
            return
        if ns != NS_MAIN:
            return
        if tag == "c":
            self._reset_cell()
            self.t = attrs.get("t", "n")
            s = attrs.get("s")
            self.s = int(s) if s else 0
            if self.s >= self.n_xf and self.s:
                raise FastUnsupported("style index")
            self.coord = attrs.get("r")
        elif tag == "row":
            r = attrs.get("r")
            self.row = int(float(r)) if r is not None else self.row + 1
            self.col = 0
            if attrs.get("hidden") in ("1", "true"):
                self.hidden.add(self.row)
        elif tag in ("v", "f") or (tag == "t" and self.inline is not None and not self.in_rph):
            self.text = []
            if tag == "f":
                self.f_attrs = attrs
        elif tag == "is":
            self.inline = []
        elif tag == "rPh":
            self.in_rph = True
        elif tag == "mergeCell":
            ref = attrs.get("ref")
            if ref:
                self.refs.append(ref)

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, name: str) -> None:
        ns, _, tag = name.rpartition("}")
        if ns != NS_MAIN:
            return
        if tag == "v" and self.text is not None:
            self.v, self.text = "".join(self.text), None
        elif tag == "f" and self.text is not None:
            self.f, self.text = "".join(self.text), None
        elif tag == "t" and self.text is not None:
            self.inline.append("".join(self.text))
            self.text = None
        elif tag == "rPh":
            self.in_rph = False
        elif tag == "c":
            self._end_cell()

    def _end_cell(self) -> None:
        if self.coord:
            try:
                rr, c_no = parse_ref(self.coord)
            except ValueError:
                raise FastUnsupported("coordinate") from None
            if self.coord[0] == "$" or not self.coord[0].isupper():
                raise FastUnsupported("coordinate")
        else:
            rr, c_no = self.row, self.col + 1
        self.col = c_no
        if not (1 <= rr <= MAX_ROW and 1 <= c_no <= MAX_COL):
            raise FastUnsupported("coordinate")
        if self.f is not None or self.f_attrs:
            v = self._formula(rr, c_no)
        elif self.t == "inlineStr":
            v = "".join(self.inline) if self.inline is not None else None
        else:
            v = _cell_value(self.v, self.t, self.s, self.shared, self.date_xf, self.td_xf) if self.v else None
        if v is not None:
            self.cells[(rr, c_no)] = v
        if c_no > self.width:
            self.width = c_no
        self._reset_cell()

    def _formula(self, rr: int, c_no: int) -> str:
        ft = self.f_attrs.get("t")
        v = "=" + (self.f or "")
        if ft in ("array", "dataTable"):
            raise FastUnsupported("array formula")
        if ft == "shared":
            si = self.f_attrs.get("si")
            if si in self.shared_f:
                v = self.shared_f[si].translate_formula(self.coord or f"{column_letter(c_no)}{rr}")
            elif v != "=":
                # rare (a fill-dragged formula): openpyxl's tokenizer shifts the references; loaded only here
                from openpyxl.formula.translate import Translator
                self.shared_f[si] = Translator(v, self.coord or f"{column_letter(c_no)}{rr}")
        self.formulas.add((rr, c_no))
        return v
