"""The openpyxl half of applying a :class:`BookUpdate` to a file: load the workbook, apply the
update in BookUpdate's order, save atomically. ``book.apply`` takes this path (through
``book.openpyxl_path``) when the zip fast path does not handle the workbook or the update; both
give the same workbook (tests/test_fast_io.py)."""
from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl.styles import Font

from bianban_xl.book.workbook_file import (FONT_NAME, append_record_rows, open_for_update, put_value, render_sheet,
                                          save_atomic)
from bianban_xl.model import schema as S
from bianban_xl.model.sheet_model import BookUpdate


def write_update(src: Path, target: Path, update: BookUpdate) -> None:
    """``src`` + ``update`` saved as ``target`` with openpyxl."""
    wb = open_for_update(src)
    apply_to_workbook(wb, update)
    save_atomic(wb, target)


def apply_to_workbook(wb, update: BookUpdate) -> None:
    """``update`` applied to a loaded workbook, in BookUpdate's order."""
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
