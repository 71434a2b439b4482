"""A new workbook holding only the given sheets (e.g. the public file: the masked lists and
nothing else from the book they came from)."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from bianban_xl.book.workbook_file import save_atomic, render_sheet
from bianban_xl.model.sheet_model import SheetSpec


def write_new_book(target: str | Path, sheets: list[SheetSpec]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        render_sheet(wb, spec)
    save_atomic(wb, target)
    return Path(target)
