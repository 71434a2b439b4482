"""Reading a workbook file — the one "fast reader, else openpyxl" for every command.

``read_book`` gives the RawBook; ``read_for_update`` also the zip parts, so the file can be
written by the fast path. Both raise UserError (Chinese: which file, what is wrong, what to do)
for a file no reader may open — the same refusal whichever reader would have read it.
"""
from __future__ import annotations

import os
from pathlib import Path

from bianban_xl.book.openpyxl_path import read_raw
from bianban_xl.book.package import NotAWorkbook
from bianban_xl.book.xlsx_read import FastUnsupported, ZipBook, read_fast
from bianban_xl.model.problems import Report, UserError
from bianban_xl.model.raw_book import RawBook


def read_for_update(path: str | os.PathLike, fast: bool = True) -> tuple[RawBook, ZipBook | None]:
    """(RawBook, ZipBook) from the zip reader when it handles the file (and ``fast``), else
    (RawBook from openpyxl, None)."""
    try:
        if fast:
            try:
                return read_fast(path)
            except FastUnsupported:
                pass
        return read_raw(path), None
    except NotAWorkbook as exc:
        rep = Report()
        rep.error("", str(exc))
        raise UserError(rep) from None


def read_book(path: str | os.PathLike, fast: bool = True) -> RawBook:
    return read_for_update(Path(path), fast)[0]
