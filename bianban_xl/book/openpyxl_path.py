"""The openpyxl path, imported only when a command takes it.

Every command reads and writes .xlsx/.xlsm files through the zip reader and writer
(``xlsx_read``, ``xlsx_fast``), which need no openpyxl; openpyxl costs ≈ 0.2 s to import on every
run. It is still the path for what they do not handle (1904 dates, array formulas, a re-run that
replaces result sheets, protection, links, a new workbook such as the public list, a file no reader
may open and its message). These functions import the openpyxl module they call when first called.

``COMMANDS`` names that module for each: tests/test_architecture.py reads the table as imports at
the top of this module (layer and circle rules apply as to an import statement), the one stated
exception to "imports at module top" besides the CLI's subcommand table.
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Callable

from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.sheet_model import BookUpdate, SheetSpec

COMMANDS = {
    "read_raw": "bianban_xl.book.workbook_file:read_raw",
    "write_update": "bianban_xl.book.apply_openpyxl:write_update",
    "write_new_book": "bianban_xl.book.new_book:write_new_book",
}


def _command(name: str) -> Callable:
    module, _, func = COMMANDS[name].partition(":")
    return getattr(importlib.import_module(module), func)


def read_raw(path: str | os.PathLike) -> RawBook:
    """``workbook_file.read_raw``: every sheet read by openpyxl; NotAWorkbook with the user's message."""
    return _command("read_raw")(path)


def write_update(src: Path, target: Path, update: BookUpdate) -> None:
    """``apply_openpyxl.write_update``: ``src`` + ``update`` saved as ``target``."""
    _command("write_update")(src, target, update)


def write_new_book(target: str | Path, sheets: list[SheetSpec]) -> Path:
    """``new_book.write_new_book``: a new workbook holding only ``sheets``."""
    return _command("write_new_book")(target, sheets)
