"""Extension = content type, for every file every command writes, on both write paths.

Excel refuses a workbook whose extension and main content type disagree; LibreOffice and openpyxl
open it anyway, so these tests read [Content_Types].xml and the relationships of each output
themselves. An .xlsm input written as .xlsx loses VBA and ribbon (and the output still verifies);
an .xlsx input is never written as .xlsm (refused with a Chinese reason, nothing written).
"""
from __future__ import annotations

import io
import posixpath
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bianban_xl import service
from bianban_xl.book.macro_free import XLSM_MAIN, XLSX_MAIN, to_macro_free
from bianban_xl.cli.main import main

from conftest import fill_template_xlsm, sha, student_rows, write_book
from onsite_helpers import TEACHERS

CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
UI_RELS = ("http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
           "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility")


def package(path: Path) -> dict:
    """Main content type, parts, every relationship (source, type, target part) of a package."""
    from xml.etree import ElementTree as ET

    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    root = ET.fromstring(parts["[Content_Types].xml"])
    defaults = {e.get("Extension").lower(): e.get("ContentType") for e in root.iter(f"{CT_NS}Default")}
    overrides = {e.get("PartName").lstrip("/"): e.get("ContentType") for e in root.iter(f"{CT_NS}Override")}
    rels = []
    for name, body in parts.items():
        if not name.endswith(".rels"):
            continue
        folder = name.rsplit("/_rels/", 1)[0] if "/_rels/" in name else ""
        for m in re.finditer(r"<Relationship\b[^>]*>", body.decode("utf-8")):
            a = dict(re.findall(r'(\w+)="([^"]*)"', m.group()))
            if a.get("TargetMode") == "External":
                continue
            t = a["Target"]
            target = t[1:] if t.startswith("/") else posixpath.normpath(posixpath.join(folder, t))
            rels.append((name, a["Type"], target))
    return {"main": overrides.get("xl/workbook.xml"), "parts": parts, "defaults": defaults,
            "overrides": overrides, "rels": rels}


def assert_matches_extension(path: Path, ribbon: bool | None = None) -> dict:
    """The package is what its extension says, and internally whole (no dangling part or type)."""
    p = package(path)
    for source, _, target in p["rels"]:
        assert target in p["parts"], f"{path.name}: {source} points to missing {target}"
    for part in p["overrides"]:
        assert part in p["parts"], f"{path.name}: content type for missing part {part}"
    for part in p["parts"]:
        if part.endswith(".rels") or part == "[Content_Types].xml":
            continue
        assert part in p["overrides"] or part.rsplit(".", 1)[-1].lower() in p["defaults"], f"{part} untyped"
    types = [t for _, t, _ in p["rels"]]
    if path.suffix.lower() == ".xlsx":
        assert p["main"] == XLSX_MAIN, f"{path.name}: {p['main']}"
        assert not [n for n in p["parts"] if "vbaproject" in n.lower() or n.startswith("customUI")], path.name
        assert VBA_REL not in types and not set(UI_RELS) & set(types), path.name
        assert "vbaProject" not in p["parts"]["[Content_Types].xml"].decode("utf-8")
    else:
        assert path.suffix.lower() == ".xlsm"
        assert p["main"] == XLSM_MAIN, f"{path.name}: {p['main']}"
        assert "xl/vbaProject.bin" in p["parts"] and VBA_REL in types
        if ribbon:
            assert set(UI_RELS) & set(types) and "customUI/customUI.xml" in p["parts"]
    load_workbook(path).close()        # still a workbook openpyxl reads
    return p


@pytest.fixture(params=[True, False], ids=["fast", "openpyxl"])
def write_path(request, monkeypatch):
    monkeypatch.setattr(service, "FAST_IO", request.param)
    return request.param


def _with_teachers_xlsm(path: Path) -> Path:
    fill_template_xlsm(path, 30, seed=2)
    wb = load_workbook(path, keep_vba=True)
    ws = wb["教师名单"]
    for r, row in enumerate(TEACHERS, start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path


@pytest.fixture(params=[".xlsx", ".xlsm"])
def source(request, tmp_path) -> Path:
    if request.param == ".xlsx":
        return write_book(tmp_path / "输入.xlsx", extra_sheets={"教师名单": TEACHERS})
    return _with_teachers_xlsm(tmp_path / "输入.xlsm")


def _add_late_student(path: Path) -> None:
    wb = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    ws = wb["学生名单"]
    row = student_rows(1, seed=99)[0]
    row[0] = "S9999"
    ws.append(row)
    wb.save(path)


def test_every_command_on_both_write_paths(source, write_path, tmp_path):
    ext = source.suffix
    ribbon = ext == ".xlsm"
    out = tmp_path / "out"
    out.mkdir()
    same = out / f"结果{ext}"
    assert main(["assign", str(source), "-o", str(same)]) == 0
    assert_matches_extension(same, ribbon)
    plain = out / "结果-无宏.xlsx"
    assert main(["assign", str(source), "-o", str(plain)]) == 0
    assert_matches_extension(plain)
    assert main(["verify", str(plain)]) == 0            # the converted copy is still a whole result
    in_place = out / f"原地{ext}"
    shutil.copy(source, in_place)
    assert main(["assign", str(in_place)]) == 0
    assert_matches_extension(in_place, ribbon)

    steps = [("teachers", []), ("draw", ["--seed", "7"]), ("public", []), ("late", ["--seed", "3"]), ("lock", [])]
    book = same
    for step, extra in steps:
        if step == "late":
            _add_late_student(book)
        as_xlsx = out / f"{step}.xlsx"
        assert main([step, str(book), "-o", str(as_xlsx), *extra]) == 0, step
        assert_matches_extension(as_xlsx)
        if step in ("teachers", "draw", "late"):                   # the next steps build on these
            assert main([step, str(book), *extra]) == 0, step      # in place, after a backup copy
            assert_matches_extension(book, ribbon)
    for backup in out.glob("*.备份-*"):
        assert_matches_extension(backup, ribbon)

    report = out / "上报.xlsx"
    assert main(["report", str(book), "-o", str(report)]) == 0
    assert_matches_extension(report)
    assert main(["report", str(book)]) == 0
    assert_matches_extension(out / "测试中学-2026级初一-编班结果.xlsx")


def test_plain_workbook_is_never_written_as_xlsm(write_path, tmp_path, capsys):
    from onsite_helpers import assigned

    result = assigned(tmp_path)
    src = write_book(tmp_path / "输入2.xlsx")
    before = {p: sha(p) for p in (result, src)}
    for argv in (["assign", str(src), "-o", str(tmp_path / "x.xlsm")],
                 ["teachers", str(result), "-o", str(tmp_path / "x.xlsm")],
                 ["public", str(result), "-o", str(tmp_path / "x.xlsm")],
                 ["lock", str(result), "-o", str(tmp_path / "x.xlsm")],
                 ["report", str(result), "-o", str(tmp_path / "x.xlsm")]):
        capsys.readouterr()
        assert main(argv) == 1, argv
        text = capsys.readouterr().out
        assert "[错误]" in text and ".xlsx" in text, text
    assert not (tmp_path / "x.xlsm").exists()
    assert before == {p: sha(p) for p in (result, src)}


def test_conversion_is_said(tmp_path, capsys):
    src = fill_template_xlsm(tmp_path / "输入.xlsm", 30)
    assert main(["assign", str(src), "-o", str(tmp_path / "结果.xlsx")]) == 0
    assert "已去掉宏（VBA）和“均衡编班”选项卡" in capsys.readouterr().out


def test_template_and_demo(tmp_path):
    assert main(["template", str(tmp_path / "模板.xlsx")]) == 0
    assert_matches_extension(tmp_path / "模板.xlsx")
    assert main(["demo", str(tmp_path / "demo")]) == 0
    for p in (tmp_path / "demo").glob("*.xls*"):
        assert_matches_extension(p)


def test_batch_and_district(write_path, tmp_path):
    schools = tmp_path / "各校"
    schools.mkdir()
    write_book(schools / "一中.xlsx")
    fill_template_xlsm(schools / "二中.xlsm", 30)
    assert main(["batch", str(schools), "-o", str(tmp_path / "结果"), "--jobs", "1"]) == 0
    written = sorted((tmp_path / "结果").rglob("*.xls*"))
    assert {p.name for p in written} >= {"一中.xlsx", "二中.xlsm", "批量编班结果.xlsx"}
    for p in written:
        assert_matches_extension(p, ribbon=p.suffix == ".xlsm")
    assert main(["report", str(tmp_path / "结果" / "二中.xlsm"), "-o", str(tmp_path / "结果" / "二中-上报.xlsx")]) == 0
    assert main(["district", str(tmp_path / "结果"), "-o", str(tmp_path / "汇总.xlsx")]) in (0, 1)
    assert_matches_extension(tmp_path / "汇总.xlsx")


def test_district_accepts_the_report_file(tmp_path, capsys):
    src = fill_template_xlsm(tmp_path / "输入.xlsm", 40)
    assert main(["assign", str(src)]) == 0
    up = tmp_path / "上报"
    up.mkdir()
    assert main(["report", str(src), "-o", str(up / "测试中学.xlsx")]) == 0
    capsys.readouterr()
    assert main(["district", str(up), "-o", str(tmp_path / "汇总.xlsx")]) == 0, capsys.readouterr().out


def test_report_refuses_a_book_without_results_and_writes_nothing(tmp_path, capsys):
    src = write_book(tmp_path / "输入.xlsx")
    assert main(["report", str(src)]) == 1
    assert "编班记录" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["输入.xlsx"]


def test_macro_free_keeps_every_other_part_byte_for_byte(tmp_path):
    src = fill_template_xlsm(tmp_path / "输入.xlsm", 10)
    data = src.read_bytes()
    out = to_macro_free(data)
    with zipfile.ZipFile(io.BytesIO(data)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        before, after = a.namelist(), b.namelist()
        assert set(before) - set(after) == {"xl/vbaProject.bin", "customUI/customUI.xml"}
        assert after == [n for n in before if n in after]          # same order
        changed = [n for n in after if a.read(n) != b.read(n)]
    assert sorted(changed) == ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels"]
    assert to_macro_free(out) == out or package_main(to_macro_free(out)) == XLSX_MAIN


def package_main(data: bytes) -> str | None:
    from bianban_xl.book.macro_free import main_content_type

    return main_content_type(data)
