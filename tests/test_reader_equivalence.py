"""The one fast reader (book/xlsx_read.py) gives exactly what openpyxl's read_raw gives — values
with their types, formula flags, merged ranges, hidden rows, sheet size — on real workbooks (a
generated school, its result written by both paths, the template, the same files saved by
LibreOffice) and on hand-written sheet markup; and its two lanes (plain rows by a regular
expression, everything else by expat) give the same, with the plain lane really taken where it may."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from bianban_xl import service
from bianban_xl.book import xlsx_read
from bianban_xl.book.template import fill_input_workbook
from bianban_xl.book.workbook_file import read_raw, save_atomic
from bianban_xl.book.xlsx_read import FastUnsupported, read_fast
from bianban_xl.synth import generate_school

ROOT = Path(__file__).resolve().parents[1]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def picture(sheet) -> tuple:
    """Everything a RawSheet holds, with each value's type (RawSheet's == lets 1 == 1.0 == True)."""
    cells = {k: (type(v).__name__, v) for k, v in sheet.cells.items() if k[0] <= sheet.n_rows}
    return (cells, sorted(sheet.formulas), sorted(sheet.merged), sorted(sheet.hidden_rows), sheet.n_rows,
            sheet.width if sheet._pad else None, [list(r) for r in sheet.rows] if sheet._pad else None)


def read_lanes(path: Path, monkeypatch) -> tuple[dict, dict, int]:
    """(pictures by the plain lane where it may, pictures by expat alone, sheets the plain lane read)."""
    taken = []
    real = xlsx_read._plain_rows

    def spy(*a):
        got = real(*a)
        taken.append(1)
        return got

    monkeypatch.setattr(xlsx_read, "_plain_rows", spy)
    monkeypatch.setattr(xlsx_read, "PLAIN_LANE", True)
    plain, _ = read_fast(path)
    monkeypatch.setattr(xlsx_read, "PLAIN_LANE", False)
    expat, _ = read_fast(path)
    assert plain.order == expat.order
    return ({n: picture(s) for n, s in plain.sheets.items()}, {n: picture(s) for n, s in expat.sheets.items()},
            len(taken))


def assert_reads_like_openpyxl(path: Path, monkeypatch) -> int:
    plain, expat, taken = read_lanes(path, monkeypatch)
    slow = read_raw(path)
    assert list(plain) == slow.order
    for name in slow.order:
        want = picture(slow.sheets[name])
        assert plain[name] == want, (path.name, name, "plain lane")
        assert expat[name] == want, (path.name, name, "expat")
    return taken


@pytest.fixture(scope="module")
def real_books(tmp_path_factory) -> list[Path]:
    """A generated school, its result by the fast and by the openpyxl path, the filled template, and
    the school and result as LibreOffice saves them (shared strings, Excel-style row attributes)."""
    d = tmp_path_factory.mktemp("books")
    r = generate_school(180, 4, seed=11, n_schools=6, school_name="甲校", cap=50)
    r.params.seed = None
    src = d / "甲校.xlsx"
    save_atomic(fill_input_workbook(r, r.params), src)
    fast_out, slow_out = d / "结果-快.xlsx", d / "结果-慢.xlsx"
    service.assign_file(src, fast_out, seed=3)
    try:
        service.FAST_IO = False
        service.assign_file(src, slow_out, seed=3)
    finally:
        service.FAST_IO = True
    books = [src, fast_out, slow_out, ROOT / "workbook_template.xlsm"]
    if SOFFICE:
        lo = d / "lo"
        cmd = [SOFFICE, f"-env:UserInstallation={(d / 'profile').as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(lo), str(src), str(fast_out)]
        subprocess.run(cmd, capture_output=True, timeout=240, check=True)
        books += [lo / src.name, lo / fast_out.name]
        assert all(p.exists() for p in books)
    return books


def test_real_workbooks_read_like_openpyxl_by_both_lanes(real_books, monkeypatch):
    for path in real_books:
        n_sheets = len(zipfile.ZipFile(path).read("xl/workbook.xml").split(b"<sheet ")) - 1
        taken = assert_reads_like_openpyxl(path, monkeypatch)
        assert taken == n_sheets, (path.name, taken, n_sheets)     # every sheet by the plain lane


def test_libreoffice_copies_are_read(real_books):
    if not SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
    assert len(real_books) == 6
    with zipfile.ZipFile(real_books[-1]) as zf:
        assert "xl/sharedStrings.xml" in zf.namelist()


# hand-written sheets -----------------------------------------------------------------------

def _base(tmp_path: Path) -> tuple[Path, int]:
    """A workbook whose first sheet is ours to replace, and the style id of a date cell in it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = dt.datetime(2012, 3, 4)
    ws["A1"].number_format = "yyyy-mm-dd"
    ws["B1"] = "共享"
    wb.create_sheet("其他")["A1"] = 1
    p = tmp_path / "base.xlsx"
    wb.save(p)
    xml = zipfile.ZipFile(p).read("xl/worksheets/sheet1.xml").decode()
    return p, int(re.search(r'<c r="A1" s="(\d+)"', xml).group(1))


def _with_sheet(base: Path, dest: Path, xml: bytes) -> Path:
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, xml if item.filename == "xl/worksheets/sheet1.xml" else zin.read(item.filename))
    return dest


def _sheet(rows: str, head: str = "", tail: str = "", root_attrs: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}{root_attrs}>{head}<sheetData>{rows}</sheetData>{tail}</worksheet>'


PLAIN = {   # name: rows markup the plain lane must read itself, exactly as expat and openpyxl do
    "entities": '<row r="1"><c r="A1" t="inlineStr"><is><t>A &amp; B &lt;c&gt; &quot;q&quot; &apos;s&apos; &#x4E2D;&#25991;&#9;</t></is></c>'
                '<c r="B1" t="str"><v>&amp;x</v></c></row>',
    "line ends": '<row r="1"><c r="A1" t="inlineStr"><is><t>一\r\n二\r三&#13;四</t></is></c></row>',
    "pretty": '\n  <row r="1">\n    <c r="A1" t="inlineStr">\n      <is>\n        <t xml:space="preserve">  两端  </t>\n'
              '      </is>\n    </c>\n    <c r="B1"><v>2.5</v></c>\n  </row>\n  <row r="3"/>\n',
    "empties": '<row r="1"><c r="A1"/><c r="B1"></c><c r="C1"><v/></c><c r="D1" t="inlineStr"><is><t></t></is></c>'
               '<c r="E1" t="inlineStr"/><c r="F1" s="0"><v>7</v></c></row>',
    "types": '<row r="2"><c r="A2" t="b"><v>1</v></c><c r="B2" t="b"><v>0</v></c><c r="C2" t="e"><v>#N/A</v></c>'
             '<c r="D2" s="{date}"><v>41000</v></c><c r="F2"><v>1E3</v></c>'
             '<c r="G2"><v>-0.5</v></c><c r="H2" t="d"><v>2020-01-02T03:04:05</v></c><c r="I2"><v>1234567890123</v></c></row>',
    "no references": '<row><c t="inlineStr"><is><t>a</t></is></c><c><v>1</v></c></row><row><c r="C2"><v>3</v></c><c><v>4</v></c></row>',
    "hidden rows": '<row hidden="1" r="2"><c r="A2"><v>1</v></c></row><row r="4" hidden="true" ht="20">'
                   '<c r="A4"><v>2</v></c></row><row r="5" hidden="0"><c r="A5"><v>3</v></c></row><row hidden="1"><c><v>4</v></c></row>',
    "row attributes": '<row r="1" spans="1:2" x14ac:dyDescent="0.25" customFormat="false" ht="15"><c r="A1"><v>1</v></c></row>',
    "far cell": '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>远</t></is></c></row>',
    "blank tail": '<row r="1"><c r="A1"><v>1</v></c></row><row r="9"><c r="C9" t="inlineStr"><is><t>  </t></is></c></row>',
    "merged": '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c></row>',
    "r not first": '<row spans="1:1" r="1"><c r="A1"><v>1</v></c></row><row ht="3" r="3"><c><v>2</v></c></row>',
    "bom": '<row r="1"><c r="A1" t="inlineStr"><is><t>前有 BOM</t></is></c></row>',
}
EXTRA = {
    "row attributes": dict(root_attrs=' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'),
    "merged": dict(tail='<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>'),
}
EXPAT = {   # rows the plain lane leaves to expat; the reader still reads them like openpyxl
    "formula": '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f t="shared" ref="B1:B2" si="0">A1*2</f></c></row>'
               '<row r="2"><c r="B2"><f t="shared" si="0"/></c></row>',
    "rich text": '<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/></rPr><t>粗</t></r><r><t>细</t></r></is></c></row>',
    "phonetic": '<row r="1"><c r="A1" t="inlineStr"><is><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></is></c></row>',
    "comment": '<row r="1"><!-- 注释 --><c r="A1"><v>1</v></c></row>',
    "cdata": '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<b>]]></t></is></c></row>',
    "single quotes": "<row r='1'><c r='A1'><v>1</v></c></row>",
    "attribute order": '<row r="1"><c t="inlineStr" r="A1"><is><t>x</t></is></c></row>',
    "other attribute": '<row r="1"><c r="A1" cm="1"><v>1</v></c></row>',
    "lower-case ref": '<row r="1"><c r="b1"><v>1</v></c></row>',
    "sheetData in a comment": '<row r="1"><c r="A1"><v>5</v></c></row>',
}
EXTRA["sheetData in a comment"] = dict(head="<!-- <sheetData> -->")


def _xml(name: str, rows: str, date_style: int) -> bytes:
    xml = _sheet(rows.replace("{date}", str(date_style)), **EXTRA.get(name, {})).encode()
    if name == "line ends":
        assert b"\r\n" in xml
    return (b"\xef\xbb\xbf" + xml) if name == "bom" else xml


@pytest.mark.parametrize("name", list(PLAIN))
def test_plain_rows_read_by_the_plain_lane_like_openpyxl(tmp_path, monkeypatch, name):
    base, date_style = _base(tmp_path)
    p = _with_sheet(base, tmp_path / "t.xlsx", _xml(name, PLAIN[name], date_style))
    assert assert_reads_like_openpyxl(p, monkeypatch) == 2          # both sheets by the plain lane


@pytest.mark.parametrize("name", list(EXPAT))
def test_other_markup_is_left_to_expat_and_read_like_openpyxl(tmp_path, monkeypatch, name):
    base, date_style = _base(tmp_path)
    p = _with_sheet(base, tmp_path / "t.xlsx", _xml(name, EXPAT[name], date_style))
    if name == "lower-case ref":        # neither lane takes it: openpyxl reads the file (read_book)
        for lane in (True, False):
            monkeypatch.setattr(xlsx_read, "PLAIN_LANE", lane)
            with pytest.raises(FastUnsupported):
                read_fast(p)
        return
    assert assert_reads_like_openpyxl(p, monkeypatch) == 1          # only the other sheet


@pytest.mark.parametrize("rows, root_attrs", [
    ('<row r="1"><c r="A1"><v>&#1;</v></c></row>', ""),                          # not an XML character
    ('<row r="1"><c r="A1"><v>1\x01</v></c></row>', ""),
    ('<row r="1"><c r="A1" t="str"><v>a]]>b</v></c></row>', ""),
    ('<row r="1"><c r="A1" t="str"><v>&nbsp;</v></c></row>', ""),                 # an entity XML does not define
    ('<row r="1" foo:x="1"><c r="A1"><v>1</v></c></row>', ""),                   # an undeclared prefix
    ('<row r="1" r="2"><c r="A1"><v>1</v></c></row>', ""),                       # an attribute twice
    ('<row r="1"><c r="A1"><v>1</v></c>', ""),                                   # a row not closed
    ('<row r="0"><c r="A0"><v>1</v></c></row>', ""),                             # no row 0
    ('<row r="1048577"><c r="A1048577"><v>1</v></c></row>', ""),                 # past the last row
    ('<row r="1"><c r="XFE1"><v>1</v></c></row>', ""),                           # past the last column
])
def test_markup_expat_refuses_is_refused_by_the_plain_lane_too(tmp_path, monkeypatch, rows, root_attrs):
    base, _ = _base(tmp_path)
    p = _with_sheet(base, tmp_path / "t.xlsx", _sheet(rows, root_attrs=root_attrs).encode())
    for lane in (True, False):
        monkeypatch.setattr(xlsx_read, "PLAIN_LANE", lane)
        with pytest.raises(FastUnsupported):
            read_fast(p)
