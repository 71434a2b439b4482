"""The neutral, adapter-independent picture of an input workbook: cell values by sheet.

Every reader (the zip reader, openpyxl, the xlwings live book) produces a :class:`RawBook`;
validation works on this only.

A sheet is stored sparse — only the cells that hold a value — so one stray cell at XFD1048576 costs
one entry, not a grid of 17 billion. ``cell(r, c)`` reads one cell; ``rows`` is a read-only view
that builds each row when asked: padded to the sheet's width like a grid when the sheet is of a
sensible size, ragged (each row as long as its last value) when padding would be absurd.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Iterable

PAD_BUDGET = 4_000_000      # rows x width up to which ``rows`` pads every row to the sheet's width


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


class RowsView(Sequence):
    """``rows[r - 1][c - 1]`` is cell (r, c); rows are built on demand, never stored."""

    def __init__(self, sheet: "RawSheet"):
        self._sheet = sheet

    def __len__(self) -> int:
        return self._sheet.n_rows

    def _row(self, r: int) -> list[Any]:
        sh = self._sheet
        cols = sh._by_row.get(r)
        if sh._pad:
            row = [None] * sh.width
            if cols:
                for c, v in cols.items():
                    row[c - 1] = v
            return row
        if not cols:
            return []
        row = [None] * max(cols)
        for c, v in cols.items():
            row[c - 1] = v
        return row

    def __getitem__(self, i):
        n = len(self)
        if isinstance(i, slice):
            return [self._row(k + 1) for k in range(*i.indices(n))]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return self._row(i + 1)

    def __iter__(self):
        for r in range(1, len(self) + 1):
            yield self._row(r)


@dataclass(eq=False)
class RawSheet:
    """One sheet's values. Build it from ``rows`` (a grid, ragged allowed) or from ``cells``
    ({(row, col): value}, 1-based; ``width`` = the widest column any cell — even an empty one —
    takes, as a grid reader would see it)."""

    name: str
    rows_in: Iterable[Iterable[Any]] | None = None
    formulas: set[tuple[int, int]] = field(default_factory=set)   # (row, col) holding a formula
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2)
    cells: dict[tuple[int, int], Any] | None = None
    width: int = 0
    hidden_rows: set[int] = field(default_factory=set)            # rows hidden in the sheet

    def __post_init__(self):
        cells: dict[tuple[int, int], Any] = {}
        width = self.width
        if self.rows_in is not None:
            for r, row in enumerate(self.rows_in, start=1):
                row = list(row)
                width = max(width, len(row))
                for c, v in enumerate(row, start=1):
                    if v is not None:
                        cells[(r, c)] = v
        if self.cells:
            if cells:
                cells.update((k, v) for k, v in self.cells.items() if v is not None)
            else:
                cells = {k: v for k, v in self.cells.items() if v is not None}
        by_row: dict[int, dict[int, Any]] = {}
        last, cols = None, {}
        for (r, c), v in cells.items():      # readers give cells row by row: one look-up per row
            if r != last:
                cols = by_row.get(r)
                if cols is None:
                    cols = by_row[r] = {}
                last = r
            cols[c] = v
        for r, cols in by_row.items():       # columns in order (readers give them so: this rarely sorts)
            keys = list(cols)
            ordered = sorted(keys)
            if keys != ordered:
                by_row[r] = {c: cols[c] for c in ordered}
            if ordered[-1] > width:
                width = ordered[-1]
        self.rows_in = None
        self.cells = cells
        self.width = width
        self._row_numbers = sorted(by_row)
        self._by_row = {r: by_row[r] for r in self._row_numbers}
        self.n_rows = next((r for r in reversed(self._row_numbers)
                            if any(not _blank(v) for v in by_row[r].values())), 0)
        self._view = RowsView(self)
        self._pad = self.n_rows * max(width, 1) <= PAD_BUDGET
        if self._pad and self.n_rows:
            self.width = max(width, 1)

    @property
    def rows(self) -> RowsView:
        return self._view

    def value_rows(self, start: int = 1) -> list[int]:
        """The numbers of the rows from ``start`` to ``n_rows`` that hold any value, in order: loops
        that skip blank rows go through these instead of every row number."""
        return [r for r in self._row_numbers if start <= r <= self.n_rows]

    def stored_rows(self, start: int = 1) -> list[tuple[int, dict[int, Any]]]:
        """(row, {col: value}) of every row from ``start`` holding anything — white space and rows
        past ``n_rows`` included — in order (a stray " " far away is invisible in Excel but still
        stretches the sheet)."""
        return [(r, self._by_row[r]) for r in self._row_numbers if r >= start]

    def cell(self, row: int, col: int) -> Any:
        if row > self.n_rows:
            return None
        return self.cells.get((row, col))

    def row_values(self, row: int) -> dict[int, Any]:
        """{col: value} of one row's cells that hold a value."""
        return dict(self._by_row.get(row, {})) if row <= self.n_rows else {}

    def __eq__(self, other) -> bool:
        if not isinstance(other, RawSheet):
            return NotImplemented
        mine = {k: v for k, v in self.cells.items() if k[0] <= self.n_rows}
        theirs = {k: v for k, v in other.cells.items() if k[0] <= other.n_rows}
        return (self.name, mine, self.formulas, sorted(self.merged), self.n_rows, self.width if self._pad else 0) == (
            other.name, theirs, other.formulas, sorted(other.merged), other.n_rows, other.width if other._pad else 0)

    def __repr__(self) -> str:
        return f"RawSheet({self.name!r}, {len(self.cells)} cells, {self.n_rows} rows x {self.width})"


@dataclass
class RawBook:
    """A workbook's sheets by name, in the workbook's order."""
    sheets: dict[str, RawSheet]
    order: list[str] = field(default_factory=list)
    source: str = ""                           # path or book name, for messages

    def sheet(self, name: str) -> RawSheet | None:
        return self.sheets.get(name)
