"""A neutral description of a sheet the tool writes, rendered by either workbook adapter.

Report builders produce :class:`SheetSpec` objects; ``workbook_file`` (openpyxl) and the xlwings
adapter render them, so the headless and the live path write the same sheets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Block:
    """A rectangle of values whose top-left cell is (top, left), 1-based. ``style`` names a look:
    title | subtitle | header | body | foot | note | good | warn | bad | sign."""

    top: int
    left: int
    values: list[list[Any]]
    style: str = "body"

    @property
    def bottom(self) -> int:
        return self.top + len(self.values) - 1

    @property
    def right(self) -> int:
        return self.left + max((len(r) for r in self.values), default=1) - 1


@dataclass
class ChartSpec:
    """A native chart: kind bar|col|stacked|line; data in this sheet, 1-based inclusive ranges."""

    kind: str
    title: str
    anchor: str                      # top-left cell, e.g. "H3"
    cats: tuple[int, int, int, int]  # (min_col, min_row, max_col, max_row) of category labels
    data: tuple[int, int, int, int]  # series block, first row holds series titles
    y_title: str = ""
    width_cm: float = 16.0
    height_cm: float = 8.0
    line: tuple[int, int, int, int] | None = None   # optional overlay line series (e.g. the cohort mean)
    y_min: float | None = None
    y_max: float | None = None


@dataclass
class SheetSpec:
    name: str
    blocks: list[Block] = field(default_factory=list)
    col_widths: dict[int, float] = field(default_factory=dict)   # 1-based column -> width (chars)
    freeze: str | None = None                                    # e.g. "A5": rows above stay
    print_title_rows: str | None = None                          # e.g. "4:4"
    landscape: bool = False
    number_formats: dict[int, str] = field(default_factory=dict)  # column -> format, body rows
    charts: list[ChartSpec] = field(default_factory=list)
    merge_title: bool = True                                     # merge the title row across the table
    protect: bool = False
    header_footer: str = ""                                      # centre footer text (page numbers added)
    color_scales: list[str] = field(default_factory=list)        # ranges shaded white→blue by value
    row_breaks: list[int] = field(default_factory=list)          # page break after these rows

    def add(self, top: int, left: int, values: list[list[Any]], style: str = "body") -> Block:
        block = Block(top, left, values, style)
        self.blocks.append(block)
        return block

    @property
    def max_col(self) -> int:
        return max((b.right for b in self.blocks), default=1)

    @property
    def max_row(self) -> int:
        return max((b.bottom for b in self.blocks), default=1)


@dataclass
class BookUpdate:
    """What one step changes in a workbook."""

    sheets: list[SheetSpec] = field(default_factory=list)           # create or replace
    cells: list[tuple[str, int, int, Any]] = field(default_factory=list)   # (sheet, row, col, value)
    protect: list[str] = field(default_factory=list)                # sheets to protect (no password)
    record_rows: list[list[Any]] = field(default_factory=list)      # rows appended to 编班记录 (项目 | 内容 …)
    messages: list[str] = field(default_factory=list)               # Chinese summary lines for the user
