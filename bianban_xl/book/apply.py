"""Apply a :class:`BookUpdate` to a workbook file — the one way every command writes a file.

``apply_update`` takes the zip fast path (``xlsx_fast.write_fast``: input parts copied, changed
parts patched, new sheets rendered) when the caller read the file with ``read_fast`` and the update
is one the fast path handles; otherwise openpyxl (load, :func:`apply_to_workbook`, atomic save).
Both give the same workbook: the same sheets, values, kinds and formats (tests/test_fast_io.py).
"""
from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl.styles import Font

from bianban_xl.book.files import backup_copy
from bianban_xl.book.macro_free import finish_output
from bianban_xl.book.workbook_file import (FONT_NAME, append_record_rows, open_for_update, put_value, render_sheet,
                                          save_atomic)
from bianban_xl.book.xlsx_fast import FastUnsupported, ZipBook, write_fast
from bianban_xl.model import schema as S
from bianban_xl.model.problems import fail
from bianban_xl.model.sheet_model import BookUpdate

FAST, OPENPYXL = "fast", "openpyxl"


def output_target(src: Path, out: str | Path | None) -> Path:
    """Where a command writes: ``out`` (an .xlsx / .xlsm name) or, without one, ``src`` itself.
    The single place the output name is decided (file-handling rules live in book.files)."""
    if out is None:
        return Path(src)
    target = Path(out)
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        fail("", f"输出文件“{target.name}”的扩展名应为 .xlsx 或 .xlsm。", "请换一个输出文件名，如 结果.xlsx。")
    return target


def apply_update_file(src: str | Path, out: str | Path | None, update: BookUpdate,
                      zb: ZipBook | None = None) -> tuple[Path, Path | None]:
    """Write ``update`` into a copy of ``src`` named ``out``, or back into ``src`` after a backup
    copy. Returns (written path, backup or None)."""
    src = Path(src)
    target = output_target(src, out)
    backup = backup_copy(src) if out is None else None
    apply_update(src, target, update, zb)
    return target, backup


def apply_update(src: Path, target: Path, update: BookUpdate, zb: ZipBook | None = None) -> str:
    """Write ``src`` + ``update`` to ``target``; FAST or OPENPYXL says which path wrote it."""
    how = _write(src, target, update, zb)
    finish_output(target)      # an .xlsm written as .xlsx loses VBA and ribbon (extension = content type)
    return how


def _write(src: Path, target: Path, update: BookUpdate, zb: ZipBook | None) -> str:
    if zb is not None:
        try:
            write_fast(zb, target, update)
            return FAST
        except FastUnsupported:
            pass
    wb = open_for_update(src)
    apply_to_workbook(wb, update)
    save_atomic(wb, target)
    return OPENPYXL


def apply_to_workbook(wb, update: BookUpdate) -> None:
    """The openpyxl half: ``update`` applied to a loaded workbook, in BookUpdate's order."""
    for name in update.drop:
        if name in wb.sheetnames:
            wb.remove(wb[name])
    for spec in update.sheets:
        render_sheet(wb, spec)
    for sheet, row, col, text in update.headers:
        ws = wb[sheet]
        head = ws.cell(row=row, column=col)
        put_value(head, text)
        left = ws.cell(row=row, column=max(1, col - 1))
        head.font = Font(name=left.font.name or FONT_NAME, bold=True)
        if left.fill is not None and left.fill.fill_type:
            head.fill = copy(left.fill)
    for sheet, row, col, value in update.cells:
        put_value(wb[sheet].cell(row=row, column=col), value)
    if update.record_rows and S.SHEET_RECORD in wb.sheetnames:
        append_record_rows(wb[S.SHEET_RECORD], update.record_rows)
    for name in update.protect:
        if name in wb.sheetnames:
            wb[name].protection.sheet = True
