"""Ribbon entry points of workbook_template.xlsm. Each VBA callback runs one of these through
xlwings RunPython, e.g. ``RunPython "import bianban_xl.excel.entry as e; e.check_data()"``.

Each function is a thin shell: find the calling workbook, run one action of ``live_book`` (which
calls the service functions) with Chinese error handling. Everything a button does happens inside
:func:`_button`'s handler -- finding the calling workbook too -- so no Python traceback ever
reaches the user: a workbook whose structure is protected, an Excel that cannot be reached, or a
failure while reporting a failure each end in a Chinese message. ``book`` is only for tests.
"""
from __future__ import annotations

import contextlib
import ctypes
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from bianban_xl.export import report_file
from bianban_xl.model.problems import Report, UserError

from . import live_book as L

PROTECTED = ("本工作簿的结构已被保护（“审阅”→“保护工作簿”），按钮无法添加、删除或重排工作表，本次没有做任何改动。\n"
             "处理办法：点击“审阅”→“保护工作簿”取消保护（如有密码，请向设置密码的人索取），再点一次按钮。")
PROTECTED_SHEET = ("要写入的工作表受保护，本次没有完成。\n处理办法：点击“审阅”→“撤销工作表保护”"
                   "（如有密码，请向设置密码的人索取），再点一次按钮；锁定后的结果表请不要手工修改。")


def _message_box(text: str) -> None:
    """The last resort when Excel cannot show an alert: a Windows message box, else stderr."""
    try:
        ctypes.windll.user32.MessageBoxW(0, text, L.TITLE, 0x10)   # type: ignore[attr-defined]
    except Exception:
        print(text, file=sys.stderr)


def _say(book: Any, text: str) -> None:
    try:
        book.app.alert(text, title=L.TITLE, buttons="ok", mode="critical")
    except Exception:
        _message_box(text)


def _structure_protected(book: Any) -> bool:
    with contextlib.suppress(Exception):
        return bool(book.api.ProtectStructure)
    return False


def _looks_protected(exc: BaseException) -> bool:
    text = f"{exc!r} {exc}".lower()
    return any(w in text for w in ("protect", "保护", "0x800a03ec"))


def _button(action: Callable[[Any], None], book: Any = None) -> None:
    """Run one ribbon button. User errors become a Chinese message and a 校验结果 sheet (when it
    can be written); anything else -- finding the workbook, a protected workbook or sheet, a bug,
    a failure while reporting a failure -- becomes a Chinese message box. Screen updating and the
    status bar are always restored."""
    try:
        target = book if book is not None else L.caller_book()
    except Exception as exc:
        _message_box("没有找到调用按钮的 Excel 工作簿，本次没有做任何改动。\n"
                     "处理办法：关闭其他正在运行的 Excel 窗口后重新打开本工作簿再试；仍不行时，请在开始菜单运行"
                     f"“均衡编班诊断”。\n（{type(exc).__name__}: {exc}）")
        return
    live = None
    try:
        if _structure_protected(target):
            _say(target, PROTECTED)
            return
        live = L.LiveBook(target)
        try:
            action(live)
        except UserError as exc:
            with contextlib.suppress(Exception):      # a protected workbook cannot take the sheet
                with live.writing():
                    live.render_sheet(L.problems_sheet(exc.report))
            _say_info(target, L.short_reason(exc.report))
    except Exception as exc:   # not the user's data: say what to do, keep details in a log
        with contextlib.suppress(Exception):
            L._log_failure()
        if _looks_protected(exc):
            _say(target, PROTECTED_SHEET)
        else:
            _say(target, f"程序内部出错，本次没有完成：{type(exc).__name__}: {exc}\n"
                         f"详细信息已记入 {L.LOG_FILE}。请把这个文件和工作簿一起发给技术支持。")
    finally:
        if live is not None:
            with contextlib.suppress(Exception):
                live.clear_progress()
            with contextlib.suppress(Exception):
                live.app.screen_updating = True


def _say_info(book: Any, text: str) -> None:
    """A user error's reason (critical icon, as run_button shows it)."""
    _say(book, text)


def check_data(book: Any = None) -> None:
    """检查数据"""
    _button(L.check_data, book)


def seal(book: Any = None) -> None:
    """数据封存"""
    _button(L.seal, book)


def assign(book: Any = None) -> None:
    """自动编班"""
    _button(L.assign, book)


def teams(book: Any = None) -> None:
    """教师搭配"""
    _button(L.teams, book)


def draw(book: Any = None) -> None:
    """班主任抽签"""
    _button(L.draw, book)


def late(book: Any = None) -> None:
    """插班"""
    _button(L.late, book)


def correct(book: Any = None) -> None:
    """更正学生信息"""
    _button(L.correct, book)


def verify(book: Any = None) -> None:
    """验证结果"""
    _button(L.verify, book)


def export_public(book: Any = None) -> None:
    """公示导出"""
    _button(L.export_public, book)


def lock(book: Any = None) -> None:
    """锁定"""
    _button(L.lock, book)


def export_report(book: Any = None) -> None:
    """导出上报文件"""
    _button(_export_report, book)


def _save_copy(book: Any, path: Path) -> bool:
    """Excel's own copy of the open workbook, unsaved edits included (Workbook.SaveCopyAs, which
    leaves the open workbook as it is). False where the COM call is not available."""
    try:
        book.api.SaveCopyAs(str(path))
    except Exception:
        return False
    return path.is_file()


def _export_report(live: Any) -> None:
    full = Path(str(getattr(live.book, "fullname", "") or ""))
    if not full.is_file():
        rep = Report()
        rep.error("", "本工作簿还没有保存成文件，无法导出上报文件。", "请先“文件”→“另存为”保存本工作簿，再点“导出上报文件”。")
        raise UserError(rep)
    with tempfile.TemporaryDirectory(prefix="bianban-") as tmp:
        copy = Path(tmp) / f"copy{full.suffix}"
        fresh = _save_copy(live.book, copy)
        if not fresh:
            shutil.copy2(full, copy)
        target, converted = report_file(copy, name_from=full, overwrite=True)   # a new export replaces the last (backed up)
    note = "" if fresh else "\n注意：导出的是最近一次保存的内容；如刚做过修改，请先保存再导出。"
    live.alert(f"上报文件已保存：\n{target}\n\n这是不含宏的 .xlsx 文件" + ("（已去掉宏和选项卡）" if converted else "")
               + "，包含全部工作表，可以作为邮件附件发给区教育局。本工作簿没有改动。" + note)
