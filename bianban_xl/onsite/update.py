"""Shared plumbing of the on-site steps (教师搭配, 抽签, 公示, 锁定, 插班).

Each step is a plain function over a :class:`RawBook` that returns a :class:`BookUpdate`
(model.book_update): the sheets to (re)write as SheetSpecs, single cells to set in the user's sheets,
sheets to protect and rows to append to 编班记录. ``book.apply.apply_update`` writes it to a file,
``excel.live_book.apply_update`` to the open workbook. Nothing is written when a step raises UserError.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from bianban_xl.model import schema as S
from bianban_xl.model.book_update import BookUpdate
from bianban_xl.model.problems import Report, UserError
from bianban_xl.model.raw_book import RawBook, RawSheet

__all__ = ["BookUpdate", "fail", "sha", "text", "key_values", "key_values_all", "record_sheet_of", "require_assigned"]


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
