"""Deliberate page breaks for sheets that hold several tables one under the other (编班汇总).

A sheet repeats one row range on every printed page (print_title_rows), so a second table that runs
over a page printed its rows without a header, and a table's notes could fall alone onto the next
page. :class:`PageFill` follows the rows as a builder writes them, estimates how full the current
page is (row heights as the writers set them; 15 pt where none is set) and tells the builder where
to break: a table that does not fit the rest of a page goes on with its header repeated on the next,
and a table's last rows keep their notes with them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bianban_xl.model.sheet_model import MARGIN_BOTTOM, MARGIN_TOP, SheetSpec

ROW_HEIGHT = 15.0        # points: the writers' default row height (sheetFormatPr defaultRowHeight)
SLACK = 10.0             # points kept free at the foot of a page: estimates are not renderings


def page_height(landscape: bool) -> float:
    """Points of an A4 page that rows can fill (between the top and bottom margins, less SLACK)."""
    return (595.0 if landscape else 842.0) - (MARGIN_TOP + MARGIN_BOTTOM) * 72 - SLACK


@dataclass
class PageFill:
    """How full the current page of ``spec`` is. ``reserved``: heights of rows a later step sets
    (编班汇总's row 3 holds the result 核验码, added after the sheet is built)."""

    spec: SheetSpec
    page: float
    reserved: dict[int, float] = field(default_factory=dict)
    top: int = 1                     # the first row of the current page

    def height(self, row: int) -> float:
        return self.reserved.get(row) or self.spec.row_heights.get(row) or ROW_HEIGHT

    def used(self, row: int) -> float:
        """Points taken on the current page by the rows above ``row``."""
        return sum(self.height(r) for r in range(self.top, row))

    def fits(self, row: int, height: float) -> bool:
        """Whether ``height`` points more fit on the page from ``row`` on (an empty page takes anything)."""
        return row == self.top or self.used(row) + height <= self.page

    def break_before(self, row: int) -> None:
        """A page break above ``row``: it starts the next page."""
        if row > self.top:
            self.spec.row_breaks.append(row - 1)
            self.top = row

    def plan_table(self, row: int, lead: float, head: float, heights: list[float], tail: float = 0.0,
                   keep: int = 3) -> list[int]:
        """Where a table starting at ``row`` breaks: ``lead`` points of rows above its header (a section
        title), a header of ``head`` points, body rows of ``heights``, then ``tail`` points that stay
        with the last ``keep`` body rows (totals, notes). Starts a new page at ``row`` when the lead,
        the header and the first rows do not fit the rest of this one; returns the body rows (0-based)
        before which the table goes on on a new page, its header repeated there."""
        n = len(heights)
        first = sum(heights[:keep]) + (tail if n <= keep else 0.0)
        if not self.fits(row, lead + head + first):
            self.break_before(row)
        cur = self.used(row) + lead + head
        tail_from = max(n - keep, 0)
        together = sum(heights[tail_from:]) + tail
        breaks = []
        for i, h in enumerate(heights):
            need = together if i == tail_from and head + together <= self.page else h
            if i and cur + need > self.page:
                breaks.append(i)
                cur = head
            cur += h
        return breaks
