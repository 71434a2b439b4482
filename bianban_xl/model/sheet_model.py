"""A neutral description of a sheet the tool writes, rendered by every workbook writer.

Report builders produce :class:`SheetSpec` objects; ``book.workbook_file`` (openpyxl), ``book.xlsx_fast``
(zip parts) and ``excel.live_book`` (xlwings) render them, so every path writes the same sheets.

The cell model: every value in a :class:`Block` (and in ``BookUpdate.cells`` / record rows) has one
:func:`cell_kind`. A plain ``str`` is always TEXT — whatever it starts with (``=``, ``+``, ``-``, ``@``,
a tab, spaces, full-width spaces): every writer stores it as a string cell, never as a formula. Only
our own code makes formulas (:class:`Formula`) and links (:class:`Link`); user text can never become
one by its content.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from numbers import Number
from typing import Any

EMPTY, TEXT, NUMBER, BOOL, DATE, FORMULA, LINK = "empty", "text", "number", "bool", "date", "formula", "link"


@dataclass(frozen=True)
class Formula:
    """A formula written by our code (never built from user text without quoting it as a string
    literal). ``text`` is the formula without the leading ``=``, e.g. ``SUM(B4:B9)``."""

    text: str

    def __post_init__(self):
        if not isinstance(self.text, str) or not self.text or self.text.startswith("="):
            raise ValueError("Formula text: non-empty, without the leading '='")


@dataclass(frozen=True)
class Link:
    """A text cell that links somewhere. ``text`` is shown (and stored as text); ``target`` is a
    place in this workbook (``sheet`` + ``cell``) or, when ``sheet`` is empty, a file path / URL."""

    text: str
    sheet: str = ""
    cell: str = "A1"
    target: str = ""

    @property
    def location(self) -> str:
        """The in-workbook place as Excel writes it: 'Sheet name'!A1 (quotes doubled)."""
        return "'" + self.sheet.replace("'", "''") + "'!" + self.cell

    @staticmethod
    def to_sheet(text: str, sheet: str, cell: str = "A1") -> "Link":
        return Link(text, sheet=sheet, cell=cell)

    @staticmethod
    def to_file(text: str, target: str) -> "Link":
        return Link(text, target=target)


def cell_kind(value: Any) -> str:
    """The kind of a cell value: EMPTY, TEXT, NUMBER, BOOL, DATE, FORMULA or LINK.
    Raises TypeError for anything else (a bug in a report builder, not a user error)."""
    if value is None:
        return EMPTY
    if isinstance(value, str):
        return TEXT
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return BOOL
    if isinstance(value, Number) or (type(value).__module__ == "numpy" and hasattr(value, "item")):
        return NUMBER
    if isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):
        return DATE
    if isinstance(value, Formula):
        return FORMULA
    if isinstance(value, Link):
        return LINK
    raise TypeError(f"no cell kind for {type(value).__name__}: {value!r}")


# page margins of every printed sheet (inches): the footer (page numbers) sits inside the bottom
# margin, clear of the table
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM, MARGIN_HEADER = 0.5, 0.6, 0.75, 0.3


@dataclass
class Block:
    """A rectangle of values whose top-left cell is (top, left), 1-based. ``style`` names a look:
    title | subtitle | header | body | wrap (body, wrapped, top-aligned) | foot | note | good | warn |
    bad | sign | section. Values: see :func:`cell_kind`."""

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
    auto_filter: str | None = None                               # e.g. "A4:S40": filter buttons on row 4
    print_area: str | None = None                                # e.g. "A1:G60": only this prints
    row_heights: dict[int, float] = field(default_factory=dict)  # 1-based row -> height (points)

    def add(self, top: int, left: int, values: list[list[Any]], style: str = "body") -> Block:
        block = Block(top, left, values, style)
        self.blocks.append(block)
        return block

    @property
    def max_col(self) -> int:
        return max((b.right for b in self.blocks), default=1)

    @property
    def title_width(self) -> int:
        """Columns a title spans: the print area's, else every column in use."""
        if self.print_area:
            right = self.print_area.partition(":")[2] or self.print_area
            letters = "".join(ch for ch in right if ch.isalpha()).upper()
            n = 0
            for ch in letters:
                n = n * 26 + ord(ch) - 64
            return max(n, 1)
        return max(self.max_col, 1)

    @property
    def max_row(self) -> int:
        return max((b.bottom for b in self.blocks), default=1)


@dataclass
class BookUpdate:
    """What one step changes in a workbook (assign and every on-site step plan one; ``book.apply``
    applies it to a file, ``excel.live_book.apply_update`` to the open workbook), in this order:
    ``drop`` (sheets a previous run wrote), ``sheets`` (create or replace), ``headers``, ``cells``,
    ``record_rows``, ``protect``. Values follow the cell model above: a ``str`` is always text."""

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
