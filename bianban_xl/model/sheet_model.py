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

# the page numbers in every footer (ECMA-376 header/footer codes: &P this page, &N the pages printed).
# Every writer also sets the sheet's first page number to 1 (pageSetup useFirstPageNumber), so each
# sheet counts its own pages: a class list printed with the rest of the workbook said 第 11 页, and
# LibreOffice and Excel number the pages of one print job consecutively across sheets otherwise.
# &N stays the count of the print job: the sheet's own pages when one sheet is printed (Excel's and
# WPS's default 打印活动工作表), the whole job when the whole workbook is printed at once (neither
# LibreOffice nor the header/footer codes of ECMA-376 know a per-sheet total).
PAGE_NUMBERS = "第 &P 页，共 &N 页"


def footer_text(footer: str | None) -> str:
    """The centre footer of a printed sheet: ``footer`` (what the sheet is), then the page numbers."""
    return (footer + "  " if footer else "") + PAGE_NUMBERS


# Wrapped text: a cell of style "wrap" breaks its text into lines of its column's width; the row is
# made tall enough for them (Excel and LibreOffice do not grow a row by themselves when a file sets
# row heights, and an unwrapped long value makes fit-to-width shrink the whole page for it).
WRAP_LINE_HEIGHT = 14.0          # points per line of 10.5 pt text
DEFAULT_COL_WIDTH = 8.43         # Excel's width (characters) of a column the file gives none


def text_width(t: str) -> float:
    """Width of ``t`` in column-width characters: a CJK character counts 2.2, anything else 1.1."""
    return sum(2.2 if ord(ch) > 0x2E80 else 1.1 for ch in t)


def text_lines(text: str, chars: float) -> list[str]:
    """``text`` as lines of at most ``chars`` column-width characters, broken after punctuation
    where possible (as a note printed line by line, or as a wrapped cell needs rows)."""
    out: list[str] = []
    line, w = "", 0.0
    for ch in text:
        cw = text_width(ch)
        if w + cw > chars and line:
            cut = max(line.rfind(p) for p in "，。；、：）") + 1
            if cut <= len(line) // 2:
                cut = len(line)
            out.append(line[:cut])
            line = line[cut:]
            w = text_width(line)
        line += ch
        w += cw
    if line:
        out.append(line)
    return out


def cell_lines(text: str, chars: float) -> int:
    """Lines a wrapped cell ``chars`` column-width characters wide shows ``text`` in: filled character
    by character as Excel and LibreOffice wrap a cell (no break kept back for punctuation, as
    :func:`text_lines` does for notes printed line by line); at least 1."""
    lines, w = 1, 0.0
    for ch in text:
        cw = text_width(ch)
        if w + cw > chars and w:
            lines += 1
            w = 0.0
        w += cw
    return lines


def wrapped_row_height(cells) -> float | None:
    """The height (points) of a row of wrapped cells, given as (value, column width in characters):
    as tall as the cell that wraps into the most lines (:func:`cell_lines`); None when each fits on
    one line (the row keeps its height)."""
    lines = max((cell_lines(v.text if isinstance(v, Link) else str(v), w - 1) for v, w in cells if v is not None),
                default=1)
    return WRAP_LINE_HEIGHT * lines if lines > 1 else None


# 编班记录 rows that steps append after assign (BookUpdate.record_rows) look like the rows
# reports.result_sheets.record_sheet writes: table headers, a one-cell section title, and
# everything else wrapped within its column, the row as tall as its longest cell.
RECORD_HEADERS = (("项目", "内容"), ("时间", "事项", "校验码"))


def record_row_style(values: list[Any]) -> str | None:
    """The look of one appended 编班记录 row: header | section | wrap, or None for a blank row."""
    if all(v is None or v == "" for v in values):
        return None
    if tuple(values) in RECORD_HEADERS:
        return "header"
    if len(values) == 1:
        return "section"
    return "wrap"


def record_row_height(values: list[Any], widths: dict[int, float]) -> float | None:
    """The height (points) of a wrapped 编班记录 row whose columns have ``widths`` (1-based column ->
    characters; missing columns have Excel's default width), or None when every cell fits on one line."""
    if record_row_style(values) != "wrap":
        return None
    lines = 1
    for col, value in enumerate(values, start=1):
        if value is None:
            continue
        shown = value.text if isinstance(value, Link) else str(value)
        width = widths.get(col) or DEFAULT_COL_WIDTH
        lines = max(lines, len(text_lines(shown, width - 1)))
    return WRAP_LINE_HEIGHT * lines if lines > 1 else None


DECIMAL_STYLES = ("body", "foot")   # a float in a block of these looks shows two decimals (0.20, not 0.2),
                                    # unless its column has a number format of its own; every writer


@dataclass
class Block:
    """A rectangle of values whose top-left cell is (top, left), 1-based. ``style`` names a look:
    title | subtitle | header | body | wrap (body, wrapped, top-aligned) | wrap_mid (wrapped, centred
    vertically like body) | foot | note | good | warn | bad | sign | section | fit. Values: see :func:`cell_kind`."""

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
    x_title: str = ""                # the categories' axis title (none when empty)
    width_cm: float = 16.0
    height_cm: float = 8.0
    line: tuple[int, int, int, int] | None = None   # optional overlay line series (e.g. the cohort mean)
    y_min: float | None = None
    y_max: float | None = None


@dataclass
class SheetSpec:
    """A sheet to write: blocks of cells and how the sheet looks and prints."""
    name: str
    blocks: list[Block] = field(default_factory=list)
    col_widths: dict[int, float] = field(default_factory=dict)   # 1-based column -> width (chars)
    freeze: str | None = None                                    # e.g. "A5": rows above stay
    print_title_rows: str | None = None                          # e.g. "4:4"
    landscape: bool = False
    fit_height: int = 0                                          # pages tall it is shrunk to fit (0: any number)
    fit_width: int = 1                                           # pages wide it is shrunk to fit (a table ≈ 3 pages
                                                                 # wide reads on 2, not squeezed onto 1)
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

    def changes_nothing(self) -> bool:
        """True when applying this update would leave the workbook as it is (messages only)."""
        return not (self.sheets or self.cells or self.protect or self.record_rows or self.drop or self.headers)

    def cells_by_sheet(self) -> dict[str, dict[tuple[int, int], Any]]:
        """{sheet: {(row, col): value}} of ``cells`` (later entries win)."""
        out: dict[str, dict[tuple[int, int], Any]] = {}
        for sheet, row, col, value in self.cells:
            out.setdefault(sheet, {})[(row, col)] = value
        return out
