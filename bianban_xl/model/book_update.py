"""What one step changes in a workbook: the :class:`BookUpdate` every step plans (assign and the
on-site steps alike) and every writer applies — ``book.apply.apply_update`` to a file (zip fast
path or openpyxl), ``excel.live_book.apply_update`` to the workbook open in Excel.

Values follow the cell model of :mod:`bianban_xl.model.sheet_model`: a ``str`` is always text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bianban_xl.model.sheet_model import SheetSpec


@dataclass
class BookUpdate:
    """What one step changes in a workbook, applied in this order: ``drop`` (sheets a previous run
    wrote), ``sheets`` (create or replace), ``headers``, ``cells``, ``record_rows``, ``protect``."""

    sheets: list[SheetSpec] = field(default_factory=list)           # create or replace
    cells: list[tuple[str, int, int, Any]] = field(default_factory=list)   # (sheet, row, col, value)
    protect: list[str] = field(default_factory=list)                # sheets to protect (no password)
    record_rows: list[list[Any]] = field(default_factory=list)      # rows appended to 编班记录 (项目 | 内容 …)
    messages: list[str] = field(default_factory=list)               # Chinese summary lines for the user
    drop: list[str] = field(default_factory=list)                   # sheets to delete first (when present)
    # a header cell we add to the user's table (sheet, row, col, text): bold, in the font name and
    # fill of its left neighbour, so it looks like the user's own headers
    headers: list[tuple[str, int, int, str]] = field(default_factory=list)

    def cells_by_sheet(self) -> dict[str, dict[tuple[int, int], Any]]:
        """{sheet: {(row, col): value}} of ``cells`` (later entries win)."""
        out: dict[str, dict[tuple[int, int], Any]] = {}
        for sheet, row, col, value in self.cells:
            out.setdefault(sheet, {})[(row, col)] = value
        return out
