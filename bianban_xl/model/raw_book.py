"""The neutral, adapter-independent picture of an input workbook: cell values by sheet.

Both the openpyxl file adapter and the xlwings live adapter produce a :class:`RawBook`;
validation works on this only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]                      # rows[r-1][c-1] is cell (r, c); ragged allowed
    formulas: set[tuple[int, int]] = field(default_factory=set)   # (row, col) holding a formula
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2)
    hidden_rows: set[int] = field(default_factory=set)         # rows hidden in Excel (1-based)

    def cell(self, row: int, col: int) -> Any:
        if 1 <= row <= len(self.rows) and 1 <= col <= len(self.rows[row - 1]):
            return self.rows[row - 1][col - 1]
        return None

    @property
    def n_rows(self) -> int:
        return len(self.rows)


@dataclass
class RawBook:
    sheets: dict[str, RawSheet]
    order: list[str] = field(default_factory=list)
    source: str = ""                           # path or book name, for messages

    def sheet(self, name: str) -> RawSheet | None:
        return self.sheets.get(name)
