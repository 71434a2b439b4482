"""Shared plumbing of the on-site steps (教师搭配, 抽签, 公示, 锁定, 插班).

Each step is a plain function over a :class:`RawBook` that returns a :class:`BookUpdate`: the
sheets to (re)write as SheetSpecs, single cells to set in the user's sheets, sheets to protect and
rows to append to 编班记录. ``apply_update_file`` writes an update with openpyxl (atomic save);
the xlwings path can apply the same update. Nothing is written when a step raises UserError.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bianban_xl.model import schema as S
from bianban_xl.model.problems import Report, UserError
from bianban_xl.model.raw_book import RawBook, RawSheet
from bianban_xl.model.sheet_model import SheetSpec


@dataclass
class BookUpdate:
    """What one step changes in a workbook."""

    sheets: list[SheetSpec] = field(default_factory=list)           # create or replace
    cells: list[tuple[str, int, int, Any]] = field(default_factory=list)   # (sheet, row, col, value)
    protect: list[str] = field(default_factory=list)                # sheets to protect (no password)
    record_rows: list[list[Any]] = field(default_factory=list)      # rows appended to 编班记录 (项目 | 内容 …)
    messages: list[str] = field(default_factory=list)               # Chinese summary lines for the user


def fail(sheet: str, message: str, fix: str = "", row: int | None = None, col: int | None = None):
    rep = Report()
    rep.error(sheet, message, fix, row, col)
    raise UserError(rep)


def sha(obj: Any) -> str:
    data = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def key_values(sheet: RawSheet | None) -> dict[str, str]:
    """Every '项目 | 内容' pair of a sheet (first two non-empty columns); later rows win."""
    out: dict[str, str] = {}
    if sheet is None:
        return out
    for row in sheet.rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
            out[row[0].strip()] = text(row[1])
    return out


def key_values_all(sheet: RawSheet | None, key: str) -> list[list[str]]:
    """Every row whose first cell is ``key``, as texts of the following cells (in sheet order)."""
    if sheet is None:
        return []
    return [[text(v) for v in row[1:]] for row in sheet.rows if row and isinstance(row[0], str) and row[0].strip() == key]


def record_sheet_of(book: RawBook) -> RawSheet | None:
    return book.sheets.get(S.SHEET_RECORD)


def require_assigned(book: RawBook, what: str) -> RawSheet:
    rec = record_sheet_of(book)
    if rec is None:
        fail("", f"这个工作簿还没有编班结果（没有“{S.SHEET_RECORD}”工作表），不能{what}。",
             "请先点击“自动编班”（或运行 bianban assign），再进行这一步。")
    return rec


# --- writing with openpyxl ------------------------------------------------------------------
def apply_update_wb(wb, update: BookUpdate) -> None:
    from bianban_xl.book.workbook_file import render_sheet

    for spec in update.sheets:
        render_sheet(wb, spec)
    for sheet, row, col, value in update.cells:
        wb[sheet].cell(row=row, column=col, value=value)
    if update.record_rows and S.SHEET_RECORD in wb.sheetnames:
        ws = wb[S.SHEET_RECORD]
        r = ws.max_row + 1
        for values in update.record_rows:
            for c, v in enumerate(values, start=1):
                ws.cell(row=r, column=c, value=v)
            r += 1
    for name in update.protect:
        if name in wb.sheetnames:
            wb[name].protection.sheet = True


def output_target(src: Path, out: str | Path | None) -> Path:
    from bianban_xl.book.macro_free import output_path

    return output_path(src, out)


def apply_update_file(src: str | Path, out: str | Path | None, update: BookUpdate) -> tuple[Path, Path | None]:
    """Write ``update`` into a copy of ``src`` (``out``) or back into ``src`` after a backup copy."""
    from bianban_xl.book.macro_free import finish_output
    from bianban_xl.book.workbook_file import backup_copy, open_for_update, save_atomic

    src = Path(src)
    target = output_target(src, out)
    wb = open_for_update(src)
    apply_update_wb(wb, update)
    backup = backup_copy(src) if out is None else None
    save_atomic(wb, target)
    finish_output(target)      # an .xlsm written as .xlsx loses VBA and ribbon (extension = content type)
    return target, backup
