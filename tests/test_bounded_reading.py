"""Bounded reading (issue 10): a stray cell far away does not build a dense grid (checked under a
memory limit in a subprocess), absurd zip parts and DOCTYPEs are refused by every reader alike with
a Chinese message naming the part, and a part nothing refers to is never copied into an output."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bianban_xl import service
from bianban_xl.book import package
from bianban_xl.book.read import read_book
from bianban_xl.book.workbook_file import read_raw
from bianban_xl.book.xlsx_read import read_fast
from bianban_xl.model.problems import UserError
from bianban_xl.model.raw_book import RawSheet

from conftest import write_book

ROOT = Path(__file__).resolve().parents[1]
LIMIT_MB = 700     # address space for the whole check run (Python, numpy, openpyxl, pypinyin)


def stray_book(path: Path) -> Path:
    write_book(path)
    wb = load_workbook(path)
    wb["学生名单"]["XFD1048576"] = "x"
    wb.create_sheet("其他")["ZZ200000"] = "y"
    wb.save(path)
    return path


def _check_under_limit(path: Path, fast: bool) -> subprocess.CompletedProcess:
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({LIMIT_MB << 20}, {LIMIT_MB << 20}))\n"
        "from bianban_xl import service\n"
        "from bianban_xl.cli.main import main\n"
        f"service.FAST_IO = {fast}\n"
        f"sys.exit(main(['check', {str(path)!r}]))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})


@pytest.mark.parametrize("fast", [True, False], ids=["zip reader", "openpyxl"])
def test_stray_far_cells_are_read_sparse_under_a_memory_limit(tmp_path, fast):
    p = stray_book(tmp_path / "远处的单元格.xlsx")
    assert p.stat().st_size < 20_000
    done = _check_under_limit(p, fast)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "检查通过" in done.stdout


def test_a_small_file_costs_kilobytes(tmp_path):
    p = stray_book(tmp_path / "远处的单元格.xlsx")
    tracemalloc.start()
    book, _ = read_fast(p)
    sheet = book.sheets["学生名单"]
    assert sheet.cell(1048576, 16384) == "x" and book.sheets["其他"].cell(200000, 702) == "y"
    assert len(sheet.rows[-1]) == 16384 and sheet.rows[5000] == []     # rows: built on demand, ragged
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2_000_000, peak
    assert read_raw(p).sheets["学生名单"] == sheet     # the openpyxl reader gives the same sparse sheet


def test_rows_view_keeps_grid_semantics_for_normal_sheets():
    sh = RawSheet("表", [["a", None, "c"], [None], [None, " "], ["d"]])
    assert sh.n_rows == 4 and sh.width == 3
    assert list(sh.rows) == [["a", None, "c"], [None, None, None], [None, " ", None], ["d", None, None]]
    assert sh.rows[-1] == ["d", None, None] and sh.cell(1, 3) == "c" and sh.cell(9, 9) is None
    assert sh.value_rows(2) == [3, 4]
    trailing = RawSheet("表", [["a"], [" "], [None]])
    assert trailing.n_rows == 1 and len(trailing.rows) == 1


def _add_part(src: Path, dest: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr(name, data)
    return dest


def _replace_part(src: Path, dest: Path, name: str, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data) if item.filename == name else data)
    return dest


def _refusal(path: Path, fast: bool) -> str:
    with pytest.raises(UserError) as err:
        read_book(path, fast=fast)
    return err.value.report.errors[0].message


def test_zip_bomb_part_is_refused_by_both_readers(tmp_path):
    src = write_book(tmp_path / "in.xlsx")
    bomb = _add_part(src, tmp_path / "炸弹.xlsx", "xl/media/image1.png", b"\0" * (package.RATIO_FLOOR + (1 << 20)))
    fast, slow = _refusal(bomb, True), _refusal(bomb, False)
    assert fast == slow and "xl/media/image1.png" in fast and "拒绝" in fast
    from bianban_xl.cli.main import main

    assert main(["assign", str(bomb), "-o", str(tmp_path / "out.xlsx")]) == 1
    assert not (tmp_path / "out.xlsx").exists()


def test_doctype_is_refused_by_both_readers(tmp_path):
    src = write_book(tmp_path / "in.xlsx")
    evil = _replace_part(src, tmp_path / "doctype.xlsx", "xl/worksheets/sheet1.xml", lambda d: d.replace(
        b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><worksheet', 1))
    assert b"DOCTYPE" in zipfile.ZipFile(evil).read("xl/worksheets/sheet1.xml")
    fast, slow = _refusal(evil, True), _refusal(evil, False)
    assert fast == slow and "DOCTYPE" in fast and "xl/worksheets/sheet1.xml" in fast


def test_unreferenced_part_is_not_copied_into_the_output(tmp_path, monkeypatch):
    src = write_book(tmp_path / "in.xlsx")
    junk = _add_part(src, tmp_path / "junk.xlsx", "junk/payload.bin", os.urandom(200_000))
    for fast in (True, False):
        monkeypatch.setattr(service, "FAST_IO", fast)
        out = tmp_path / f"out-{fast}.xlsx"
        service.assign_file(junk, out, seed=1)
        assert "junk/payload.bin" not in zipfile.ZipFile(out).namelist()
    # a referenced part (the workbook's own) is kept by the fast path as it is
    plain = tmp_path / "plain-out.xlsx"
    monkeypatch.setattr(service, "FAST_IO", True)
    service.assign_file(src, plain, seed=1)
    assert set(zipfile.ZipFile(src).namelist()) <= set(zipfile.ZipFile(plain).namelist())


def test_limits_are_generous_for_real_workbooks():
    assert package.MAX_PART >= 128 << 20 and package.MAX_RATIO >= 100
    assert resource.RLIMIT_AS is not None
