"""The fast reader: a workbook's values read straight from its zip parts, for every command.

``read_fast`` gives the same :class:`RawBook` as openpyxl's ``workbook_file.read_raw`` (values,
real formulas, merged ranges; tests/test_fast_io.py compares them) plus the parts as a
:class:`ZipBook`, which ``xlsx_fast.write_fast`` writes the result from. Sheets are parsed by one
streaming expat parser into sparse cells (a stray cell at XFD1048576 is one entry); hidden rows
are noted. Before anything is parsed, ``book.package.inspect_package`` has refused absurd zip
members and DOCTYPEs — for both readers alike. Anything this reader does not handle (1904 dates,
array formulas, the strict OOXML namespace, odd package layouts) raises FastUnsupported and
``book.read.read_book`` reads the file with openpyxl instead.
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.parsers import expat

from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from bianban_xl.book.package import inspect_package
from bianban_xl.model.cellref import MAX_COL, MAX_ROW, column_letter, parse_ref
from bianban_xl.model.raw_book import RawBook, RawSheet

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_M = "{%s}" % NS_MAIN
REL_WS = NS_R + "/worksheet"
_REL_SST = NS_R + "/sharedStrings"
_REL_STYLES = NS_R + "/styles"


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
    inspect_package(p)
    try:
        with zipfile.ZipFile(p) as zf:
            names = zf.namelist()
            parts = {n: zf.read(n) for n in names}
    except Exception as exc:  # noqa: BLE001 — read_raw gives the user's message
        raise FastUnsupported(str(exc)) from None
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
        fmt = num_fmts[fid] if fid in num_fmts else builtin_format_code(fid)
        if is_date_format(fmt):
            date_xf.add(i)
        if is_timedelta_format(fmt):
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
                return from_excel(v, CALENDAR_WINDOWS_1900, timedelta=s in td_xf)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return v
    if t == "s":
        return shared[int(v)]
    if t == "b":
        return bool(int(v))
    if t == "d":
        return from_ISO8601(v)
    if t not in ("str", "e"):
        raise FastUnsupported("cell type")
    return v


def _read_sheet(name: str, data: bytes, shared: list[str], date_xf: set, td_xf: set, n_xf: int) -> RawSheet:
    cells, width, formulas, refs, hidden = _SheetParser(shared, date_xf, td_xf, n_xf).parse(data)
    merged = []
    for ref in dict.fromkeys(refs):
        first, _, last = ref.partition(":")
        r1, c1 = parse_ref(first)
        r2, c2 = parse_ref(last or first)
        merged.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    if merged:     # a merged area's other cells read as empty (as openpyxl's MergedCell), sparse
        for (rr, cc) in [k for k in cells if any(r1 <= k[0] <= r2 and c1 <= k[1] <= c2 and k != (r1, c1)
                                                 for r1, c1, r2, c2 in merged)]:
            cells[(rr, cc)] = None
        width = max([width] + [c2 for _, _, _, c2 in merged])
    return RawSheet(name, None, formulas, merged, cells=cells, width=width, hidden_rows=hidden)


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
        self.shared_f: dict[str, Translator] = {}
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
                self.shared_f[si] = Translator(v, self.coord or f"{column_letter(c_no)}{rr}")
        self.formulas.add((rr, c_no))
        return v
