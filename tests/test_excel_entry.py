"""The ribbon's Python side never lets a traceback reach the user, and 导出上报文件 writes the
district's macro-free copy beside the workbook (against the xlwings fake of test_excel_adapter)."""
from __future__ import annotations

import shutil
import zipfile

import pytest

from bianban_xl.book.macro_free import XLSX_MAIN, main_content_type
from bianban_xl.cli.main import main
from bianban_xl.excel import entry
from bianban_xl.excel import live_book as L

from conftest import fill_template_xlsm, sha
from test_excel_adapter import FakeBook

BUTTONS = ["check_data", "seal", "assign", "teams", "draw", "late", "correct", "verify", "export_public", "lock",
           "export_report"]


@pytest.fixture(autouse=True)
def _log(monkeypatch, tmp_path):
    monkeypatch.setattr(L, "LOG_FILE", tmp_path / "bianban_xl.log")


@pytest.mark.parametrize("name", BUTTONS)
def test_no_workbook_found_is_a_chinese_message(name, monkeypatch):
    shown = []

    def no_caller():
        raise RuntimeError("Couldn't find the calling workbook")

    monkeypatch.setattr(L, "caller_book", no_caller)
    monkeypatch.setattr(entry, "_message_box", shown.append)
    getattr(entry, name)()                       # must not raise
    assert len(shown) == 1 and "没有找到调用按钮的 Excel 工作簿" in shown[0]


class ProtectedBookApi:
    ProtectStructure = True


@pytest.mark.parametrize("name", BUTTONS)
def test_protected_workbook_is_a_chinese_message_and_nothing_changes(name, tmp_path):
    src = fill_template_xlsm(tmp_path / "输入.xlsm", 20)
    book = FakeBook.from_file(src)
    book.api = ProtectedBookApi()
    before = book.everything()
    getattr(entry, name)(book)
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "保护工作簿" in prompt
    assert book.everything() == before


def test_protected_sheet_is_a_chinese_message(tmp_path, monkeypatch):
    """A protected sheet refuses every write, even the 校验结果 sheet: the user gets words, not a traceback."""
    src = fill_template_xlsm(tmp_path / "输入.xlsm", 20)
    book = FakeBook.from_file(src)

    def refuse(*_a, **_k):
        raise RuntimeError("The cell or chart you're trying to change is on a protected sheet.")

    monkeypatch.setattr(L.LiveBook, "render_sheet", refuse)
    entry.check_data(book)
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "撤销工作表保护" in prompt
    assert book.app.screen_updating is True


def test_a_failing_alert_falls_back_to_a_message_box(tmp_path, monkeypatch):
    src = fill_template_xlsm(tmp_path / "输入.xlsm", 20)
    book = FakeBook.from_file(src)
    shown = []

    def boom(_book):
        raise RuntimeError("测试用的故障")

    def alert(*_a, **_k):
        raise RuntimeError("Excel is busy")

    monkeypatch.setattr(L, "check_data", boom)
    monkeypatch.setattr(book.app, "alert", alert)
    monkeypatch.setattr(entry, "_message_box", shown.append)
    entry.check_data(book)
    assert len(shown) == 1 and "程序内部出错" in shown[0] and "测试用的故障" in shown[0]


def test_user_error_still_lists_problems(tmp_path):
    from conftest import student_rows, write_book

    rows = student_rows(10, seed=4)
    rows[2][2] = "未知"
    book = FakeBook.from_file(write_book(tmp_path / "输入.xlsx", rows=rows))
    entry.assign(book)
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "性别" in prompt
    assert "校验结果" in [sh.name for sh in book.sheets]


def test_export_report_button_writes_the_district_copy(tmp_path):
    src = fill_template_xlsm(tmp_path / "输入.xlsm", 30)
    assert main(["assign", str(src)]) == 0
    book = FakeBook.from_file(src)
    book.fullname = str(src)
    before = sha(src)
    entry.export_report(book)
    prompt, _, mode = book.app.alerts[-1]
    target = tmp_path / "测试中学-2026级初一-编班结果.xlsx"
    assert mode != "critical" and str(target) in prompt and "最近一次保存" in prompt, prompt
    assert main_content_type(target.read_bytes()) == XLSX_MAIN
    with zipfile.ZipFile(target) as zf:
        assert "xl/vbaProject.bin" not in zf.namelist()
    assert sha(src) == before
    assert main(["verify", str(target)]) == 0


def test_export_report_uses_excels_copy_when_it_can(tmp_path):
    """Workbook.SaveCopyAs gives the open workbook's unsaved state; the file on disk is not used."""
    saved = fill_template_xlsm(tmp_path / "已编班.xlsm", 30)
    assert main(["assign", str(saved)]) == 0
    on_disk = tmp_path / "输入.xlsm"
    fill_template_xlsm(on_disk, 30)                 # what is saved: no results yet

    class Api:
        ProtectStructure = False

        def SaveCopyAs(self, path):
            shutil.copy(saved, path)

    book = FakeBook.from_file(on_disk)
    book.fullname, book.api = str(on_disk), Api()
    entry.export_report(book)
    prompt, _, mode = book.app.alerts[-1]
    assert mode != "critical" and "最近一次保存" not in prompt, prompt
    assert (tmp_path / "测试中学-2026级初一-编班结果.xlsx").exists()


def test_export_report_of_an_unsaved_book_says_save_first():
    book = FakeBook()
    book.fullname = "工作簿1"
    entry.export_report(book)
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "另存为" in prompt
