"""The fast read/write path of ``assign_file`` (xlsx_fast.read_fast / write_fast) gives the same
RawBook as ``read_raw`` and a result workbook equal, cell by cell and setting by setting, to the one
the openpyxl path (``render_sheet`` + ``save``) writes."""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from openpyxl import load_workbook

from bianban_xl import service
from bianban_xl.book import apply as apply_mod
from bianban_xl.book.workbook_file import read_raw
from bianban_xl.book.xlsx_read import read_fast

from conftest import student_rows, write_book


def _style(c):
    f, fi, b, a = c.font, c.fill, c.border, c.alignment
    return (f.name, f.sz, bool(f.b), f.color.rgb if f.color is not None else None,
            fi.fill_type, fi.fgColor.rgb if fi.fill_type else None,
            tuple((getattr(b, s).style, getattr(b, s).color.rgb if getattr(b, s).color is not None else None)
                  for s in ("left", "right", "top", "bottom")),
            a.horizontal, a.vertical, bool(a.wrap_text), c.number_format)


def _norm(v):
    """Run times and clock times differ between the two runs; nothing else may."""
    if isinstance(v, str):
        v = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "<time>", v)
        v = re.sub(r"用时 [\d.]+ 秒", "用时 <s> 秒", v)
        # 编班记录's log codes chain the entries' times: bare codes and the run's 日志校验码
        v = re.sub(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$", "<log code>", v)
        v = re.sub(r"日志校验码：[2-9A-Z-]{14}", "日志校验码：<log code>", v)
    return v


def _sheet_picture(ws):
    cells = {(c.row, c.column): (_norm(c.value), c.data_type, _style(c)) for row in ws.iter_rows() for c in row
             if c.value is not None or c.has_style}
    charts = []
    for ch in ws._charts:
        a = ch.anchor._from
        charts.append((type(ch).__name__, a.col, a.row, ch.anchor.ext.width, ch.anchor.ext.height,
                       [(s.val.numRef.f, s.cat.numRef.f if s.cat else None) for s in ch.series]))
    return {
        "cells": cells,
        "dims": ws.dimensions,
        "merged": sorted(str(m) for m in ws.merged_cells.ranges),
        "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
        "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        "freeze": ws.freeze_panes,
        "titles": ws.print_title_rows,
        "area": ws.print_area,
        "setup": (ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.fitToWidth,
                  ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
                  ws.page_setup.firstPageNumber, ws.page_setup.useFirstPageNumber),
        "margins": (ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom,
                    ws.page_margins.header, ws.page_margins.footer),
        "centered": ws.print_options.horizontalCentered,
        "footer": (ws.oddFooter.center.text, ws.oddFooter.center.size),
        "cf": sorted(str(r.sqref) for r in ws.conditional_formatting),
        "breaks": [b.id for b in ws.row_breaks.brk],
        "protected": ws.protection.sheet,
        "charts": charts,
    }


_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    """rId -> part name of the relationships of ``part``."""
    folder, name = posixpath.split(part)
    rels = f"{folder}/_rels/{name}.rels"
    if rels not in zf.namelist():
        return {}
    out = {}
    for r in ET.fromstring(zf.read(rels)):
        t = r.get("Target")
        out[r.get("Id")] = t[1:] if t.startswith("/") else posixpath.normpath(posixpath.join(folder, t))
    return out


def chart_parts(path: Path) -> dict[str, list[tuple[str, str]]]:
    """sheet name -> [(drawing anchor XML, chart XML)] in drawing order, canonical XML read from the
    package (workbook -> sheet -> drawing -> chart relationships), whichever writer wrote them."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        wb_rels = _rels(zf, "xl/workbook.xml")
        for sh in ET.fromstring(zf.read("xl/workbook.xml")).iter(_MAIN + "sheet"):
            sheet = wb_rels[sh.get(_R + "id")]
            for draw in _rels(zf, sheet).values():
                if "/drawings/" not in draw or not draw.endswith(".xml"):
                    continue
                charts = _rels(zf, draw)
                for anchor in ET.fromstring(zf.read(draw)):
                    ref = next(anchor.iter(_CHART + "chart")).get(_R + "id")
                    xml = ET.canonicalize(zf.read(charts[ref]).decode("utf-8"))
                    out.setdefault(sh.get("name"), []).append((ET.canonicalize(ET.tostring(anchor, "unicode")), xml))
    return out


def series_refs(chart_xml: str) -> list[str]:
    """Every <c:f> of a chart (series titles, categories, values), in document order."""
    return [f.text for f in ET.fromstring(chart_xml).iter(_CHART + "f")]


def assert_same_workbooks(a: Path, b: Path):
    wa, wb = load_workbook(a), load_workbook(b)
    assert wa.sheetnames == wb.sheetnames
    for name in wa.sheetnames:
        pa, pb = _sheet_picture(wa[name]), _sheet_picture(wb[name])
        for k in pa:
            assert pa[k] == pb[k], (name, k)
    assert sorted((n, str(d.value)) for n, d in wa.defined_names.items()) == sorted(
        (n, str(d.value)) for n, d in wb.defined_names.items())
    assert [(ws.title, sorted((n, str(d.value)) for n, d in ws.defined_names.items())) for ws in wa] == [
        (ws.title, sorted((n, str(d.value)) for n, d in ws.defined_names.items())) for ws in wb]
    ca, cb = chart_parts(a), chart_parts(b)
    assert ca == cb
    return ca


def _both(src: Path, tmp_path: Path, monkeypatch, seed=7):
    monkeypatch.setattr(service, "FAST_IO", False)
    slow = tmp_path / f"slow{src.suffix}"
    r1, _, _ = service.assign_file(src, slow, seed=seed)
    monkeypatch.setattr(service, "FAST_IO", True)
    calls = []
    real = apply_mod.apply_update
    monkeypatch.setattr(apply_mod, "apply_update", lambda *a: calls.append(real(*a) == apply_mod.FAST) or calls[-1])
    fast = tmp_path / f"fast{src.suffix}"
    r2, _, _ = service.assign_file(src, fast, seed=seed)
    assert r1.result_fp == r2.result_fp and r1.input_fp == r2.input_fp
    return slow, fast, calls


def test_reader_matches_openpyxl(tmp_path):
    from bianban_xl.synth import generate_school
    from bianban_xl.book.template import fill_input_workbook

    r = generate_school(200, 5, seed=3, n_schools=6, school_name="甲校", cap=50)
    wb = fill_input_workbook(r, r.params)
    ws = wb["学生名单"]
    ws["M2"] = "=1+1"
    ws.merge_cells("M5:N6")
    ws["O3"] = True
    ws["O4"] = 2.5
    wb.save(tmp_path / "a.xlsx")
    odd = [["A & B <c> \"q\"", "  两端空格  ", "第一行\n第二行", True, 1.5, None, 10 ** 12, "#N/A", "x\r\ny"]]
    paths = [tmp_path / "a.xlsx", write_book(tmp_path / "b.xlsx", extra_sheets={"其他": odd}),
             Path(__file__).resolve().parents[1] / "workbook_template.xlsm"]
    for p in paths:
        fast, _ = read_fast(p)
        slow = read_raw(p)
        assert fast.order == slow.order
        for n in slow.order:
            assert fast.sheets[n] == slow.sheets[n], (p.name, n)


def test_synth_school_same_as_openpyxl_path(tmp_path, monkeypatch):
    from bianban_xl.synth import generate_school
    from bianban_xl.book.template import fill_input_workbook
    from bianban_xl.book.workbook_file import save_atomic

    r = generate_school(330, 8, seed=5001, n_schools=16, school_name="乙校", cap=50)
    r.params.seed = None
    src = tmp_path / "in.xlsx"
    save_atomic(fill_input_workbook(r, r.params), src)
    slow, fast, calls = _both(src, tmp_path, monkeypatch)
    assert calls == [True]
    charts = assert_same_workbooks(slow, fast)
    summary = charts["编班汇总"]                      # the certificate's charts, as their XML says
    assert len(summary) == 3
    kinds = [[el.tag.rpartition("}")[2] for el in ET.fromstring(x).find(f"{_CHART}chart/{_CHART}plotArea")
              if el.tag.endswith("Chart")] for _, x in summary]
    assert kinds == [["barChart"], ["barChart", "lineChart"], ["barChart"]]
    refs = [series_refs(x) for _, x in summary]
    assert all(f.startswith("'编班汇总'!") for r in refs for f in r) and all(len(r) >= 3 for r in refs)
    with zipfile.ZipFile(fast) as zf:
        assert zf.testzip() is None
    assert service.verify_file(fast).ok            # bianban verify re-reads it with openpyxl
    fast_again, _ = read_fast(fast)                # and the fast reader reads what it wrote
    assert all(fast_again.sheets[n] == read_raw(fast).sheets[n] for n in fast_again.order)


@pytest.mark.parametrize("kind", ["plain", "twins_no_scores", "one_subject"])
def test_registrar_books_same_as_openpyxl_path(tmp_path, monkeypatch, kind):
    if kind == "plain":
        src = write_book(tmp_path / "in.xlsx")
    elif kind == "twins_no_scores":
        rows = [r[:7] + [None, None, r[9]] for r in student_rows(40, seed=4)]
        src = write_book(tmp_path / "in.xlsx", rows=rows, params=[("学校名称", "丙校"), ("班级数", 4), ("班额上限", 50)],
                         twins=[[1, rows[0][0], rows[0][1], "同班"], [1, rows[1][0], rows[1][1], "同班"]])
    else:
        rows = [r[:8] + [None, r[9]] for r in student_rows(25, seed=2)]
        src = write_book(tmp_path / "in.xlsx", rows=rows,
                         params=[("学校名称", "丁校"), ("班级数", 2), ("班额上限", 50), ("成绩科目", "语文")])
    slow, fast, calls = _both(src, tmp_path, monkeypatch)
    assert calls == [True]
    assert_same_workbooks(slow, fast)


def test_rerun_and_template_use_openpyxl_path(tmp_path, monkeypatch):
    src = write_book(tmp_path / "in.xlsx")
    first = tmp_path / "first.xlsx"
    service.assign_file(src, first, seed=1)
    slow, fast, calls = _both(first, tmp_path, monkeypatch)
    assert calls == [False]     # previous result sheets to replace: the openpyxl path
    assert_same_workbooks(slow, fast)


def test_filled_template_xlsm_same_as_openpyxl_path_and_keeps_macros(tmp_path, monkeypatch):
    """The registrar's real path: the .xlsm template (styled empty rows, validations, ribbon, VBA)
    filled in and assigned; the fast path copies the macro parts byte for byte."""
    from conftest import fill_template_xlsm

    src = fill_template_xlsm(tmp_path / "filled.xlsm", 60, seed=9)
    slow, fast, calls = _both(src, tmp_path, monkeypatch, seed=3)
    assert calls == [True]
    assert_same_workbooks(slow, fast)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(fast) as b:
        for name in a.namelist():
            if "vbaProject" in name or "customUI" in name:
                assert b.read(name) == a.read(name), name
    assert service.verify_file(fast).ok


def test_cached_pinyin_equals_pypinyin():
    """names.lazy_pinyin (segment, then each word's syllables cached) == pypinyin.lazy_pinyin."""
    from pypinyin import Style, lazy_pinyin as reference

    from bianban_xl.model import names
    from bianban_xl.synth import generate_school

    r = generate_school(1500, 30, seed=11, n_schools=10, school_name="戊校", cap=60)
    tricky = ["欧阳 娜娜", "Anna李", "张3丰", "重庆", "长孙无忌", "单于", "曾国藩", "解放", "乐乐", "朝阳",
              "银行行长", "·", "", "  ", "王-小明", "ＡＢＣ", "李\u3000雷", "覃重重", "了了", "的的确确", "张偉"]
    for n in [s.name for s in r.students] + [row[1] for row in student_rows(300, seed=5)] + tricky:
        assert names.lazy_pinyin(n) == reference(n, style=Style.NORMAL, errors="default"), n


def test_seal_takes_the_fast_path_with_the_same_result(tmp_path, monkeypatch):
    """数据封存 on a registrar's input (new sheet; its log row has no 编班记录 to go to yet, on either
    path) is written by the zip path, equal to the openpyxl path's; sealing a corrected input again
    replaces the sheet, which the openpyxl path does."""
    src = write_book(tmp_path / "in.xlsx")
    results = []
    for fast in (False, True):
        monkeypatch.setattr(service, "FAST_IO", fast)
        calls = []
        real = apply_mod.apply_update
        monkeypatch.setattr(apply_mod, "apply_update", lambda *a, real=real: calls.append(real(*a) == apply_mod.FAST) or calls[-1])
        out = tmp_path / f"sealed_{fast}.xlsx"
        service.seal_file(src, out)
        results.append(out)
        assert calls == [fast]
        monkeypatch.setattr(apply_mod, "apply_update", real)
    assert_same_workbooks(*results)
    corrected = tmp_path / "corrected.xlsx"
    wb = load_workbook(results[1])
    wb["学生名单"]["H5"] = 99 if wb["学生名单"]["H5"].value != 99 else 98
    wb.save(corrected)
    calls = []
    real = apply_mod.apply_update
    monkeypatch.setattr(apply_mod, "apply_update", lambda *a: calls.append(real(*a) == apply_mod.FAST) or calls[-1])
    update, _, _ = service.seal_file(corrected, tmp_path / "again.xlsx")
    assert update.sheets and calls == [False]
    r1, _, _ = service.assign_file(results[0], tmp_path / "a1.xlsx", seed=4)
    r2, _, _ = service.assign_file(results[1], tmp_path / "a2.xlsx", seed=4)
    assert r1.result_fp == r2.result_fp and r1.input_fp == r2.input_fp


def _with_east_asian_formats(path: Path, codes: dict[str, int]) -> Path:
    """Rewrite ``path`` as Chinese Excel writes its 年月日 formats: each custom number format whose
    code is a key of ``codes`` becomes that built-in id, with no numFmt element of its own."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    styles = parts["xl/styles.xml"].decode()
    for m in re.finditer(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"\s*/>', styles):
        code = m.group(2).replace("&quot;", '"')
        if code in codes:
            styles = styles.replace(m.group(0), "").replace(f'numFmtId="{m.group(1)}"', f'numFmtId="{codes[code]}"')
    parts["xl/styles.xml"] = styles.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def test_chinese_excel_builtin_date_formats(tmp_path, monkeypatch):
    """Chinese Excel writes 2013年9月1日 as built-in format 31 (m月d日 58, 9时30分 32) with no
    format code in the file; openpyxl reads the bare day number, so a date column named in
    班级名单列 (入学日期) showed as 46266 on every class sheet. Both readers now give the date or
    time, and the class sheets show it as a date on both writers."""
    import datetime as dt

    rows = [r + [dt.datetime(2026, 9, 1), dt.datetime(2026, 8, 25), dt.time(9, 30)] for r in student_rows(30)]
    src = write_book(tmp_path / "in.xlsx", rows=rows, header=["编号", "姓名", "性别", "出生日期", "毕业学校", "户籍", "等级", "语文", "数学", "备注", "入学日期", "报到", "时间"],
                     params=[("学校名称", "测试中学"), ("年级", "2026级初一"), ("班级数", 3), ("班额上限", 50),
                             ("成绩科目", "语文,数学"), ("班级名单列", "入学日期,报到,时间")])
    wb = load_workbook(src)
    ws = wb["学生名单"]
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 11).number_format = 'yyyy"年"m"月"d"日"'
        ws.cell(r, 12).number_format = 'm"月"d"日"'
        ws.cell(r, 13).number_format = 'h"时"mm"分"'
    wb.save(src)
    _with_east_asian_formats(src, {'yyyy"年"m"月"d"日"': 31, 'm"月"d"日"': 58, 'h"时"mm"分"': 32})
    assert load_workbook(src)["学生名单"].cell(2, 11).value == 46266      # what openpyxl alone reads
    fast, _ = read_fast(src)
    slow = read_raw(src)
    assert fast.sheets["学生名单"] == slow.sheets["学生名单"]
    assert [slow.sheets["学生名单"].cell(2, c) for c in (11, 12, 13)] == [
        dt.datetime(2026, 9, 1), dt.datetime(2026, 8, 25), dt.time(9, 30)]
    slow_out, fast_out, calls = _both(src, tmp_path, monkeypatch)
    assert calls == [True]
    assert_same_workbooks(slow_out, fast_out)
    ws = load_workbook(fast_out)["1班"]
    head = [c.value for c in ws[3]]
    row = ws[4]
    got = {h: (row[i].value, row[i].number_format) for i, h in enumerate(head) if h in ("入学日期", "报到", "时间")}
    assert got == {"入学日期": (dt.datetime(2026, 9, 1), "yyyy-mm-dd"), "报到": (dt.datetime(2026, 8, 25), "yyyy-mm-dd"),
                   "时间": (dt.time(9, 30), "h:mm")}
