"""xlwings adapter: the workbook open in Excel, read and written in whole 2-D blocks.

Reads every sheet into the same :class:`RawBook` the openpyxl reader produces, and renders the
same :class:`SheetSpec` objects, so the buttons and the ``bianban`` command write the same sheets.
Every write goes through :meth:`LiveBook.writing`, which turns screen updating off; long runs
report progress in the status bar. Problems reach the user as a short Chinese message box plus a
``校验结果`` sheet listing each problem with its sheet, cell (a link) and fix. Nothing the user
typed is touched unless the whole run succeeded.

Only this small part of the xlwings API is used (tests/test_excel_adapter.py fakes exactly it):
``Book.caller``, ``book.sheets`` (iterate, ``[name]``, ``.add(name, before=, after=)``),
``sheet.name / .delete() / .used_range.last_cell.row|column / .range(a, b) / .range("A1:B2,C3:D4") /
.freeze_panes / .page_setup / .charts``, ``range.options(ndim=2).value``, ``range.value =``, ``range.formula``,
``range.add_hyperlink`` (where ``sheet.api.Hyperlinks`` is absent),
``range.merge_cells``, ``range.merge_area``, formats (``font``, ``color``, ``number_format``,
``column_width``, ``row_height``, ``wrap_text``, ``horizontal_alignment``, ``merge()``), and
``app.screen_updating``, ``app.status_bar``, ``app.alert`` (also with ``buttons="ok_cancel"``).
Borders and print settings (with ``app.api.PrintCommunication`` off) go through ``.api`` where the
platform allows and are skipped quietly where it does not; sheet protection uses ``sheet.api.Protect / Unprotect / ProtectContents`` the
same way. The 班主任抽签 seed is typed into ``app.api.InputBox`` (Windows) or an AppleScript dialog
(macOS).

Every button (数据封存, 自动编班 and the on-site 教师搭配, 班主任抽签, 公示导出, 锁定, 插班) calls the same
planning function as the ``bianban`` command and applies the returned ``BookUpdate`` here with
:func:`apply_update`, the live twin of ``book.apply.apply_update``. Values are written by their kind
(:func:`_for_excel`): text is always text, only our code writes formulas.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable, Iterator

from bianban_xl.model import schema as S
from bianban_xl import service
from bianban_xl.model.problems import ERROR, Report, UserError
from bianban_xl.model.raw_book import RawBook, RawSheet
from bianban_xl.model.validate import cell_text, roster_layout
from bianban_xl.model.called_digits import parse_called_digits, same_digits, zeros_note
from bianban_xl.model.cellref import cell_ref, parse_ref
from bianban_xl.model.sheet_model import (BOOL, DECIMAL_STYLES, FORMULA, LINK, MARGIN_BOTTOM, MARGIN_HEADER, MARGIN_SIDE, MARGIN_TOP, NUMBER,
                                          TEXT, BookUpdate, Link, SheetSpec, cell_kind, record_row_height,
                                          record_row_style, footer_text)

TITLE = "均衡编班"
LOG_FILE = Path(tempfile.gettempdir()) / "bianban_xl.log"
MAX_LISTED_IN_BOX = 5

# The looks of workbook_file.STYLES, as xlwings properties: font (size, bold, rgb), fill rgb,
# horizontal alignment, wrap, border.
_LOOKS: dict[str, dict[str, Any]] = {     # book/xlsx_styles.STYLES as Excel's own properties
    "title": dict(size=15, bold=True, align="center", valign="center", wrap=True),
    "subtitle": dict(size=10.5, rgb=(0x40, 0x40, 0x40), align="left", valign="center"),
    "header": dict(size=10.5, bold=True, fill=(0xDD, 0xEB, 0xF7), align="center", valign="center", wrap=True, border=True),
    "body": dict(size=10.5, valign="center", border=True),
    "foot": dict(size=10.5, bold=True, fill=(0xF2, 0xF2, 0xF2), valign="center", border=True),
    "note": dict(size=10, rgb=(0x40, 0x40, 0x40), valign="top"),
    "good": dict(size=10.5, fill=(0xC6, 0xEF, 0xCE), valign="center", border=True),
    "warn": dict(size=10.5, fill=(0xFF, 0xEB, 0x9C), valign="center", border=True),
    "bad": dict(size=10.5, fill=(0xFF, 0xC7, 0xCE), valign="center", border=True),
    "sign": dict(size=11, valign="bottom"),
    "section": dict(size=12, bold=True, valign="center"),
    "wrap": dict(size=10.5, wrap=True, valign="top", border=True),
    "fit": dict(size=10.5, border=True, valign="center", shrink=True),
    "wrap_mid": dict(size=10.5, wrap=True, valign="center", border=True),
}
_VALIGN = {"top": -4160, "center": -4108, "bottom": -4107}   # Excel's xlVAlignTop / xlVAlignCenter / xlVAlignBottom
FONT_NAME = "等线"


def _plain(value: Any) -> Any:
    """A cell value as the openpyxl reader would give it: whole floats become ints."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _for_excel(value: Any) -> Any:
    """A value to write through xlwings so Excel stores it by its kind (model.sheet_model.cell_kind).
    TEXT gets a leading apostrophe, always: Excel keeps what follows as literal text — no formula
    from '=', '+', '-', '@' (whatever white space comes first), no '001' -> 1, no '2026-08-28' -> a
    date, no 'TRUE' -> a boolean — and the apostrophe is not part of the value. Only FORMULA (our
    code) is written as '=…'; a LINK is its text, the hyperlink is added after the values."""
    kind = cell_kind(value)
    if kind == TEXT:
        return "'" + value if value else value
    if kind == LINK:
        return "'" + value.text if value.text else value.text
    if kind == FORMULA:
        return "=" + value.text
    if kind == NUMBER and hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    if kind == BOOL and not isinstance(value, bool):
        return bool(value)
    return value


def _grid(values: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in values), default=0)
    return [[_for_excel(v) for v in row] + [None] * (width - len(row)) for row in values]


class LiveBook:
    """One open workbook in Excel (an ``xlwings.Book``)."""

    def __init__(self, book: Any):
        self.book = book
        self.app = book.app

    # --- reading ------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return [sh.name for sh in self.book.sheets]

    def read_raw(self) -> RawBook:
        sheets: dict[str, RawSheet] = {}
        for sh in self.book.sheets:
            sheets[sh.name] = self._read_sheet(sh)
        name = getattr(self.book, "fullname", None) or getattr(self.book, "name", "")
        return RawBook(sheets, list(sheets), str(name))

    def _read_sheet(self, sh: Any) -> RawSheet:
        last = sh.used_range.last_cell
        n_rows, n_cols = last.row, last.column
        block = sh.range((1, 1), (n_rows, n_cols))
        values = block.options(ndim=2).value or []
        rows = [[_plain(v) for v in row] for row in values]
        formulas: set[tuple[int, int]] = set()
        texts = block.formula
        if isinstance(texts, str):
            texts = [[texts]]
        for r, row in enumerate(texts or [], start=1):   # a formula's value differs from its text;
            for c, f in enumerate(row, start=1):          # text typed as '=1+1 reads back as itself
                if isinstance(f, str) and f.startswith("=") and len(f) > 1 and not (
                        r <= len(rows) and c <= len(rows[r - 1]) and rows[r - 1][c - 1] == f):
                    formulas.add((r, c))
        while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
            rows.pop()
        merged = self._merged(sh, n_rows, n_cols) if block.merge_cells is not False else []
        return RawSheet(sh.name, rows, formulas, merged)

    @staticmethod
    def _merged(sh: Any, n_rows: int, n_cols: int) -> list[tuple[int, int, int, int]]:
        """Merged areas; only looked for when the sheet has some (rare: a mistake in input sheets)."""
        found: set[tuple[int, int, int, int]] = set()
        for r in range(1, n_rows + 1):
            if sh.range((r, 1), (r, n_cols)).merge_cells is False:
                continue
            for c in range(1, n_cols + 1):
                cell = sh.range((r, c))
                if cell.merge_cells:
                    area = cell.merge_area
                    found.add((area.row, area.column, area.last_cell.row, area.last_cell.column))
        return sorted(found)

    # --- writing ------------------------------------------------------------------------
    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Screen updating off while writing; always restored."""
        before = self.app.screen_updating
        self.app.screen_updating = False
        try:
            yield
        finally:
            self.app.screen_updating = before if before is not None else True

    def progress(self, fraction: float, what: str) -> None:
        self.app.status_bar = f"{TITLE}：{what}…… {int(round(fraction * 100))}%"

    def clear_progress(self) -> None:
        self.app.status_bar = False

    def alert(self, text: str, critical: bool = False) -> None:
        self.app.alert(text, title=TITLE, buttons="ok", mode="critical" if critical else "info")

    def confirm(self, text: str) -> bool:
        """An OK / Cancel question; True when the user clicked OK."""
        answer = self.app.alert(text, title=TITLE, buttons="ok_cancel", mode="info")
        return str(answer).lower() == "ok"

    def ask(self, prompt: str, title: str = TITLE, default: str = "") -> str | None:
        """One line of text typed by the user, or None when cancelled. Windows Excel: the
        Application.InputBox (Type 2, text); macOS: an AppleScript dialog in front of Excel.
        Raises :class:`CannotAsk` where neither is available."""
        try:
            api = self.app.api
            box = api.InputBox
        except Exception:
            box = None
        if box is not None:
            answer = box(Prompt=prompt, Title=title, Default=default, Type=2)
            return None if answer is False or answer is None else str(answer)
        return _ask_mac(prompt, title, default)

    def selected_cell(self) -> tuple[str, int, int] | None:
        """(sheet, row, column) of the selected cell (the first of a selection), or None."""
        try:
            sel = self.book.selection
            return str(sel.sheet.name), int(sel.row), int(sel.column)
        except Exception:
            return None

    def protect(self, name: str) -> None:
        """Protect a sheet without a password (as the openpyxl path does); skipped where COM is absent."""
        with contextlib.suppress(Exception):
            self.book.sheets[name].api.Protect()

    @contextlib.contextmanager
    def unprotected(self, name: str) -> Iterator[None]:
        """Write into a sheet that may be protected (no password): unprotect, write, protect again."""
        api = None
        with contextlib.suppress(Exception):
            sh_api = self.book.sheets[name].api
            if sh_api.ProtectContents:
                sh_api.Unprotect()
                api = sh_api
        try:
            yield
        finally:
            if api is not None:
                with contextlib.suppress(Exception):
                    api.Protect()

    def append_rows(self, sheet_name: str, rows: list[list[Any]]) -> int:
        """Rows below the last used row of a sheet, in one block (short rows padded with blanks);
        the row number of the first."""
        sh = self.book.sheets[sheet_name]
        first = sh.used_range.last_cell.row + 1
        if not rows:
            return first
        width = max(1, max(len(r) for r in rows))
        grid = [[_for_excel(v) for v in r] + [None] * (width - len(r)) for r in rows]
        sh.range((first, 1), (first + len(grid) - 1, width)).value = grid
        return first

    def append_record_rows(self, rows: list[list[Any]]) -> None:
        """``BookUpdate.record_rows`` below the last row of 编班记录 (values in one block), each row
        styled and sized by the cell model's rule for record rows (model.sheet_model.record_row_style
        / record_row_height), like the openpyxl writer's ``append_record_rows``: long values wrap
        inside their column instead of running past the printed table."""
        first = self.append_rows(S.SHEET_RECORD, rows)
        sh = self.book.sheets[S.SHEET_RECORD]
        widths = self._column_widths(sh, max((len(r) for r in rows), default=0))
        areas: dict[str, list[str]] = {}
        for i, values in enumerate(rows):
            style = record_row_style(values)
            if style is not None:
                areas.setdefault(style, []).append(f"{cell_ref(first + i, 1)}:{cell_ref(first + i, len(values))}")
            height = record_row_height(values, widths)
            if height:
                sh.range((first + i, 1)).row_height = height
        for style, refs in areas.items():
            for rng in _ranges(sh, refs):
                _apply_look(rng, _LOOKS[style])

    @staticmethod
    def _column_widths(sh: Any, n: int) -> dict[int, float]:
        """Widths (characters) of the first ``n`` columns; a column Excel does not tell is left out
        (record_row_height then takes Excel's default width)."""
        out: dict[int, float] = {}
        for c in range(1, n + 1):
            with contextlib.suppress(Exception):
                width = sh.range((1, c)).column_width
                if isinstance(width, (int, float)) and width > 0:
                    out[c] = float(width)
        return out

    def delete_sheets(self, names: list[str]) -> None:
        existing = {sh.name: sh for sh in self.book.sheets}
        for name in names:
            if name in existing and len(self.book.sheets) > 1:
                existing[name].delete()

    def write_column(self, sheet_name: str, col: int, first_row: int, values: list[Any]) -> None:
        """Write one column of values in a single block."""
        if not values:
            return
        sh = self.book.sheets[sheet_name]
        sh.range((first_row, col), (first_row + len(values) - 1, col)).value = [[_for_excel(v)] for v in values]

    def render_sheet(self, spec: SheetSpec, index: int | None = None) -> Any:
        """Create (or replace) the sheet described by ``spec``: every value in one 2-D write, then
        the looks one call per style (multi-area ranges), links, merges, widths, print setup."""
        sh = self._new_sheet(spec.name, index)
        self._write_values(sh, spec)
        self._format_blocks(sh, spec)
        self._add_links(sh, spec)
        for col, width in spec.col_widths.items():
            sh.range((1, col)).column_width = width
        for row, height in spec.row_heights.items():
            sh.range((row, 1)).row_height = height
        if spec.freeze:
            self._freeze(sh, spec.freeze)
        self._page_setup(sh, spec)
        for chart in spec.charts:
            with contextlib.suppress(Exception):
                self._add_chart(sh, chart)
        if spec.protect:
            with contextlib.suppress(Exception):
                sh.api.Protect()
        return sh

    def _new_sheet(self, name: str, index: int | None) -> Any:
        names = self.sheet_names()
        if name in names:
            if index is None:
                index = names.index(name)
            self.book.sheets[name].delete()
            names = self.sheet_names()
        if index is not None and index < len(names):
            return self.book.sheets.add(name, before=self.book.sheets[names[index]])
        return self.book.sheets.add(name, after=self.book.sheets[names[-1]])

    @staticmethod
    def _write_values(sh: Any, spec: SheetSpec) -> None:
        """All blocks' values in one rectangular write from A1 (the sheet is new: blanks stay blank)."""
        blocks = [b for b in spec.blocks if b.values and any(b.values)]
        if not blocks:
            return
        n_rows, n_cols = max(b.bottom for b in blocks), max(b.right for b in blocks)
        grid: list[list[Any]] = [[None] * n_cols for _ in range(n_rows)]
        for b in blocks:
            for i, row in enumerate(b.values):
                line = grid[b.top - 1 + i]
                for j, v in enumerate(row):
                    if v is not None:
                        line[b.left - 1 + j] = _for_excel(v)
        sh.range((1, 1), (n_rows, n_cols)).value = grid

    def _format_blocks(self, sh: Any, spec: SheetSpec) -> None:
        """The looks of ``workbook_file.STYLES``: one range per style (its blocks' areas joined),
        two-decimal columns of body blocks, the number formats of ``spec``, merged title rows."""
        areas: dict[str, list[str]] = {}
        decimals: list[str] = []
        for b in spec.blocks:
            if not b.values or not any(b.values):
                continue
            areas.setdefault(b.style, []).append(f"{cell_ref(b.top, b.left)}:{cell_ref(b.bottom, b.right)}")
            if b.style in DECIMAL_STYLES:  # as the file writers: floats shown with two decimals
                for j in range(b.right - b.left + 1):
                    col = b.left + j
                    column = [row[j] for row in b.values if j < len(row) and row[j] is not None]
                    if col not in spec.number_formats and column and all(isinstance(v, float) for v in column):
                        decimals.append(f"{cell_ref(b.top, col)}:{cell_ref(b.bottom, col)}")
        for style, refs in areas.items():
            look = _LOOKS.get(style, _LOOKS["body"])
            for rng in _ranges(sh, refs):
                _apply_look(rng, look)
        for rng in _ranges(sh, decimals):
            rng.number_format = "0.00"
        for col, fmt in spec.number_formats.items():
            refs = [f"{cell_ref(b.top, col)}:{cell_ref(b.bottom, col)}" for b in spec.blocks
                    if b.style in ("body", "foot", "good", "warn", "bad") and b.left <= col <= b.right]
            for rng in _ranges(sh, refs):
                rng.number_format = fmt
        for b in spec.blocks:
            if b.style == "title" and spec.merge_title:
                width = spec.title_width
                if width > 1:
                    sh.range((b.top, 1), (b.top, width)).merge()
                sh.range((b.top, 1)).row_height = 26

    @staticmethod
    def _add_links(sh: Any, spec: SheetSpec) -> None:
        """A hyperlink on every LINK cell (its text is already written as text)."""
        for b in spec.blocks:
            for i, row in enumerate(b.values):
                for j, v in enumerate(row):
                    if isinstance(v, Link):
                        _hyperlink(sh.range((b.top + i, b.left + j)), v)

    def _freeze(self, sh: Any, cell: str) -> None:
        """Rows above and columns left of ``cell`` stay put. xlwings' freeze_panes is implemented for
        xlwings Server only, so desktop Excel on Windows goes through the window's COM object."""
        try:
            sh.freeze_panes.freeze_at(cell)
            return
        except Exception:
            pass
        with contextlib.suppress(Exception):
            row, col = parse_ref(cell)
            sh.activate()
            window = self.app.api.ActiveWindow
            window.FreezePanes = False
            window.SplitColumn = col - 1
            window.SplitRow = row - 1
            window.FreezePanes = True

    def _page_setup(self, sh: Any, spec: SheetSpec) -> None:
        """A4, fit to page width, repeated header rows, page numbers (Windows Excel; skipped elsewhere).
        PrintCommunication is off while setting them: otherwise every property is a round trip to
        the printer driver (seconds per sheet with a network printer)."""
        app_api = None
        with contextlib.suppress(Exception):
            app_api = self.app.api
            app_api.PrintCommunication = False
        try:
            self._page_settings(sh, spec)
        finally:
            if app_api is not None:
                with contextlib.suppress(Exception):
                    app_api.PrintCommunication = True

    @staticmethod
    def _page_settings(sh: Any, spec: SheetSpec) -> None:
        with contextlib.suppress(Exception):
            ps = sh.api.PageSetup
            ps.PaperSize = 9  # xlPaperA4
            ps.Orientation = 2 if spec.landscape else 1
            ps.Zoom = False
            ps.FitToPagesWide = spec.fit_width
            ps.FitToPagesTall = spec.fit_height or False
            ps.CenterHorizontally = True
            if spec.print_title_rows:
                start, _, end = spec.print_title_rows.partition(":")
                ps.PrintTitleRows = f"${start}:${end or start}"
            ps.CenterFooter = footer_text(spec.header_footer)
            ps.FirstPageNumber = 1          # each sheet counts its own pages (model.sheet_model.PAGE_NUMBERS)
            ps.LeftMargin = ps.RightMargin = 72 * MARGIN_SIDE      # points
            ps.TopMargin, ps.BottomMargin = 72 * MARGIN_TOP, 72 * MARGIN_BOTTOM
            ps.HeaderMargin = ps.FooterMargin = 72 * MARGIN_HEADER
            if spec.print_area:
                a, _, b = spec.print_area.partition(":")
                ps.PrintArea = f"{a}:{b or a}"

    @staticmethod
    def _add_chart(sh: Any, spec) -> None:
        kinds = {"bar": "bar_clustered", "col": "column_clustered", "stacked": "column_stacked", "line": "line"}
        anchor = sh.range(spec.anchor)
        chart = sh.charts.add(left=anchor.left, top=anchor.top, width=spec.width_cm * 28.35,
                              height=spec.height_cm * 28.35)
        c1, r1, c2, r2 = spec.data
        k1, q1, k2, q2 = spec.cats
        chart.set_source_data(sh.range((min(r1, q1), min(c1, k1)), (max(r2, q2), max(c2, k2))))
        chart.chart_type = kinds.get(spec.kind, "column_clustered")
        with contextlib.suppress(Exception):
            chart.api[1].HasTitle = True
            chart.api[1].ChartTitle.Text = spec.title
        if spec.x_title:
            with contextlib.suppress(Exception):
                chart.api[1].Axes(1).HasTitle = True          # xlCategory
                chart.api[1].Axes(1).AxisTitle.Text = spec.x_title


class CannotAsk(Exception):
    """No way to show an input box on this platform."""


def _ask_mac(prompt: str, title: str, default: str) -> str | None:
    """macOS: an AppleScript dialog shown by Excel; None when cancelled."""
    import subprocess
    import sys

    if sys.platform != "darwin":
        raise CannotAsk("no input box")
    script = ['on run argv', 'tell application "Microsoft Excel"', 'activate',
              'set r to display dialog (item 1 of argv) default answer (item 3 of argv) with title (item 2 of argv)',
              'end tell', 'return text returned of r', 'end run']
    args = ["osascript"] + [x for line in script for x in ("-e", line)] + [prompt, title, default]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    except Exception as exc:
        raise CannotAsk(str(exc)) from None
    if done.returncode != 0:
        if "-128" in done.stderr:       # the user clicked Cancel
            return None
        raise CannotAsk(done.stderr.strip())
    return done.stdout.rstrip("\n")


MAX_ADDRESS = 250      # Excel's Range("A1:B2,C3:D4") takes an address of at most 255 characters


def _ranges(sh: Any, refs: list[str]) -> Iterator[Any]:
    """Ranges covering ``refs`` ('A1:B2' …): several areas per range, addresses under MAX_ADDRESS."""
    chunk: list[str] = []
    size = 0
    for ref in refs:
        if chunk and size + len(ref) + 1 > MAX_ADDRESS:
            yield sh.range(",".join(chunk))
            chunk, size = [], 0
        chunk.append(ref)
        size += len(ref) + 1
    if chunk:
        yield sh.range(",".join(chunk))


def _apply_look(rng: Any, look: dict[str, Any]) -> None:
    rng.font.name = FONT_NAME
    rng.font.size = look["size"]
    if look.get("bold"):
        rng.font.bold = True
    if look.get("rgb"):
        rng.font.color = look["rgb"]
    if look.get("fill"):
        rng.color = look["fill"]
    if look.get("wrap"):
        rng.wrap_text = True
    if look.get("shrink"):
        with contextlib.suppress(Exception):        # Excel's COM property; not every platform has it
            rng.api.ShrinkToFit = True
    if look.get("align"):
        with contextlib.suppress(Exception):
            rng.horizontal_alignment = look["align"]
    if look.get("valign"):
        with contextlib.suppress(Exception):        # Excel's COM property; not every platform has it
            rng.api.VerticalAlignment = _VALIGN[look["valign"]]
    if look.get("border"):
        _borders(rng)


def _hyperlink(rng: Any, link: Link) -> None:
    """A hyperlink on one cell: a place in this workbook (SubAddress) or a file / URL (Address);
    the cell keeps its text. Windows COM first, xlwings' add_hyperlink elsewhere."""
    try:
        anchor = rng.sheet.api.Hyperlinks
        if link.sheet:
            anchor.Add(Anchor=rng.api, Address="", SubAddress=link.location, TextToDisplay=link.text)
        else:
            anchor.Add(Anchor=rng.api, Address=link.target, TextToDisplay=link.text)
        return
    except Exception:
        pass
    with contextlib.suppress(Exception):
        rng.add_hyperlink("#" + link.location if link.sheet else link.target, link.text)


def _borders(rng: Any) -> None:
    """Thin grey borders on every cell of the range (Windows COM; quietly skipped elsewhere)."""
    with contextlib.suppress(Exception):
        borders = rng.api.Borders
        for which in (7, 8, 9, 10, 11, 12):  # left, top, bottom, right, inside vertical, inside horizontal
            b = borders(which)
            b.LineStyle = 1
            b.Weight = 2
            b.Color = 0x808080


# --- the 校验结果 sheet ---------------------------------------------------------------------
def _link(sheet: str, row: int | None, col: int | None, label: str) -> Link:
    return Link.to_sheet(label, sheet, cell_ref(row or 1, col or 1))


def problems_sheet(report: Report, what: str = "检查数据") -> SheetSpec:
    """Every problem in one table: level, sheet, place (a link to the cell), problem, fix."""
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    spec = SheetSpec(S.SHEET_CHECK, merge_title=True, freeze="A4", print_title_rows="3:3", landscape=True)
    spec.add(1, 1, [[f"校验结果（{what}）"]], "title")
    n_err, n_warn = len(report.errors), len(report.warnings)
    if report.problems:
        summary = f"{stamp}　共 {n_err} 个错误、{n_warn} 个提醒。错误必须改正后才能编班；点“位置”可跳到对应单元格。"
    else:
        summary = f"{stamp}　没有发现问题。"
    spec.add(2, 1, [[summary]], "subtitle")
    spec.add(3, 1, [["序号", "级别", "工作表", "位置", "问题", "处理办法"]], "header")
    rows = []
    for i, p in enumerate(sorted(report.problems, key=lambda p: p.level != ERROR), start=1):
        place = p.where
        if p.sheet and place:
            place = _link(p.sheet, p.row, p.col, place)
        rows.append([i, p.level, p.sheet, place, p.message, p.fix])
    if rows:
        spec.add(4, 1, rows, "body")
    spec.col_widths = {1: 6, 2: 6, 3: 12, 4: 10, 5: 70, 6: 50}
    return spec


def short_reason(report: Report) -> str:
    errors = report.errors
    lines = [f"发现 {len(errors)} 个错误，未做任何改动。"]
    lines += [p.text() for p in errors[:MAX_LISTED_IN_BOX]]
    if len(errors) > MAX_LISTED_IN_BOX:
        lines.append(f"……其余见“{S.SHEET_CHECK}”工作表。")
    else:
        lines.append(f"全部问题和处理办法见“{S.SHEET_CHECK}”工作表。")
    return "\n".join(lines)


# --- running a button -----------------------------------------------------------------------
def caller_book() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def _log_failure() -> Path:
    logging.basicConfig(filename=LOG_FILE, level=logging.INFO, encoding="utf-8")
    logging.getLogger("bianban_xl").error("button failed\n%s", traceback.format_exc())
    return LOG_FILE


def run_button(action: Callable[[LiveBook], None], book: Any = None) -> None:
    """Run one ribbon button: user errors become a Chinese message and a 校验结果 sheet, never a
    Python traceback dialog; screen updating and the status bar are always restored."""
    live = LiveBook(book if book is not None else caller_book())
    try:
        action(live)
    except UserError as exc:
        with live.writing():
            live.render_sheet(problems_sheet(exc.report))
        live.alert(short_reason(exc.report), critical=True)
    except Exception as exc:  # a bug, not the user's fault: say so plainly, keep details in a log
        log = _log_failure()
        live.alert(f"程序内部出错，本次没有完成：{type(exc).__name__}: {exc}\n"
                   f"详细信息已记入 {log}。请把这个文件和工作簿一起发给技术支持。", critical=True)
    finally:
        with contextlib.suppress(Exception):
            live.clear_progress()
        with contextlib.suppress(Exception):
            live.app.screen_updating = True


# --- the actions behind the buttons (each calls one service function) -------------------------
def check_data(live: LiveBook) -> None:
    raw = live.read_raw()
    _, report = service.check_book(raw)
    with live.writing():
        live.render_sheet(problems_sheet(report))
    if report.ok:
        live.alert(f"检查通过，可以编班。" + (f"\n另有 {len(report.warnings)} 个提醒，见“{S.SHEET_CHECK}”工作表。"
                                              if report.warnings else ""))
    else:
        live.alert(short_reason(report), critical=True)


ASSIGN_SEED_PROMPT = ("数据已封存。请输入家长代表现场报出的一串数字（如 3721），作为编班的随机种子。\n"
                      "现场确实无法报数时，可输入“电脑”，由电脑抽取种子（结果的每一页都会注明“未经现场报数”）。\n"
                      "点“取消”则不编班。")
ASSIGN_COMPUTER_WORD = "电脑"
ASSIGN_COMPUTER_CONFIRM = ("确定不用现场报数，改由电脑抽取随机种子吗？\n\n"
                           "编班汇总、各班名单和编班记录上都会注明“电脑随机抽取（未经现场报数）”，"
                           "请先征得监督人员同意。\n\n点“确定”由电脑抽取并编班；点“取消”则不编班。")
ASSIGN_SEED_AGAIN = "请再输入一遍核对（两遍必须相同）："
ASSIGN_SEED_SOURCE = "现场报数（在“自动编班”输入框输入两遍核对一致）"


def _ask_room_seed(live: LiveBook) -> int | None:
    """A sealed book's seed, called out in the room and typed twice; None when the user typed
    “电脑” and confirmed the labelled computer seed (as ``--computer-seed`` or the browser's box);
    _Cancelled on Cancel or after three failed attempts. CannotAsk where no input box can be shown."""
    prompt = ASSIGN_SEED_PROMPT
    for _ in range(3):
        first = live.ask(prompt, f"{TITLE}：自动编班")
        if first is None:
            raise _Cancelled()
        if first.strip() == ASSIGN_COMPUTER_WORD:
            if live.confirm(ASSIGN_COMPUTER_CONFIRM):
                return None
            raise _Cancelled()
        try:
            seed = parse_called_digits(first)
        except ValueError:
            seed = None
        if seed is None:
            prompt = "只能输入数字，请重新输入。\n\n" + ASSIGN_SEED_PROMPT
            continue
        again = live.ask(ASSIGN_SEED_AGAIN, f"{TITLE}：自动编班")
        if again is None:
            raise _Cancelled()
        try:
            second = parse_called_digits(again)
        except ValueError:
            second = None
        if same_digits(second, seed):
            return seed
        prompt = f"两遍输入不一致{zeros_note(seed, second)}，请重新输入。\n\n" + ASSIGN_SEED_PROMPT
    raise _Cancelled()


def assign(live: LiveBook) -> None:
    raw = live.read_raw()
    seed = source = None
    computer = False
    if service.is_sealed(raw):
        try:
            seed = _ask_room_seed(live)
            computer = seed is None
            source = None if computer else ASSIGN_SEED_SOURCE
        except _Cancelled:
            live.alert("没有编班，工作簿没有任何改动。")
            return
        except CannotAsk:
            live.alert("这台电脑上无法弹出输入框，没有编班。请保存并关闭工作簿后在命令行运行：\n"
                       "bianban assign 文件名.xlsm --seed 数字 --source \"家长代表报数\"")
            return
    # the button always writes into the open workbook: a lottery, 教师搭配 or 插班 in it is refused
    # like `bianban assign` without -o (raises UserError before any write)
    result = service.plan_assignment(raw, seed=seed, seed_source=source, progress=live.progress, in_place=True,
                                     computer_seed=computer)
    live.progress(0.95, "正在写入结果")
    apply_update(live, service.assign_update(raw, result))
    with contextlib.suppress(Exception):
        live.book.sheets[S.SHEET_SUMMARY].activate()
    p = result.params
    live.alert(f"编班完成：{len(result.roster.students)} 名学生编入 {p.n_classes} 个班，随机种子 {result.seed}（{result.seed_source}）。\n"
               f"结果在“{S.SHEET_SUMMARY}”、各班工作表和“{S.SHEET_RECORD}”中。请立即保存文件并打印公示。")


def verify(live: LiveBook) -> None:
    result = service.verify_book(live.read_raw())
    lines = result.findings[:15]
    if len(result.findings) > 15:
        lines.append(f"……共 {len(result.findings)} 条。可在命令行运行 bianban verify 查看全部。")
    live.alert("\n".join(lines), critical=not result.ok)


# --- the on-site steps: each plans a BookUpdate (the same service function as the command line),
# then applies it to the open workbook -------------------------------------------------------
MAX_LINES_IN_BOX = 20
SEED_PROMPT = ("请输入抽签种子：由家长代表现场报出的一串数字（如 3721）。\n"
               "留空直接点“确定”，由电脑随机抽取种子。\n"
               "点“取消”则不抽签。种子和它的来源都会写入“抽签记录”。")
SEED_SOURCE_TYPED = "现场报数（在“班主任抽签”输入框录入）"


def apply_update(live: LiveBook, update: BookUpdate) -> None:
    """Write a :class:`BookUpdate` into the open workbook — the live twin of ``book.apply.apply_update``,
    in the same order: previous result sheets dropped, sheets (re)rendered, header cells (bold),
    single cells (one write per run of adjacent rows in a column), rows appended to 编班记录,
    sheets protected."""
    with live.writing():
        live.delete_sheets(update.drop)
        for spec in update.sheets:
            live.render_sheet(spec)
        for sheet, row, col, text in update.headers:
            with live.unprotected(sheet):
                live.write_column(sheet, col, row, [text])
                with contextlib.suppress(Exception):
                    live.book.sheets[sheet].range((row, col)).font.bold = True
        for sheet, col, first, values in _column_runs(update.cells):
            with live.unprotected(sheet):
                live.write_column(sheet, col, first, values)
        if update.record_rows and S.SHEET_RECORD in live.sheet_names():
            with live.unprotected(S.SHEET_RECORD):
                live.append_record_rows(update.record_rows)
        for name in update.protect:
            if name in live.sheet_names():
                live.protect(name)


def _column_runs(cells: list[tuple[str, int, int, Any]]) -> list[tuple[str, int, int, list[Any]]]:
    """(sheet, col, first row, values) for each run of adjacent rows in one column (later cells win)."""
    by_col: dict[tuple[str, int], dict[int, Any]] = {}
    for sheet, row, col, value in cells:
        by_col.setdefault((sheet, col), {})[row] = value
    runs = []
    for (sheet, col), rows in by_col.items():
        start = prev = None
        values: list[Any] = []
        for r in sorted(rows):
            if prev is not None and r != prev + 1:
                runs.append((sheet, col, start, values))
                start, values = None, []
            if start is None:
                start = r
            values.append(rows[r])
            prev = r
        if values:
            runs.append((sheet, col, start, values))
    return runs


def _show(live: LiveBook, lines: list[str], tail: str = "", activate: str | None = None) -> None:
    if activate:
        with contextlib.suppress(Exception):
            live.book.sheets[activate].activate()
    shown = lines[:MAX_LINES_IN_BOX]
    if len(lines) > MAX_LINES_IN_BOX:
        shown.append(f"……共 {len(lines)} 行，详见“{S.SHEET_RECORD}”。")
    live.alert("\n".join(shown + ([tail] if tail else [])))


SAVE_NOTE = "请立即保存文件。"


class _Cancelled(Exception):
    pass


def _ask_seed(live: LiveBook) -> int | None:
    """The draw seed typed in on site, None for a computer-drawn one; _Cancelled on Cancel."""
    prompt = SEED_PROMPT
    for _ in range(3):
        typed = live.ask(prompt, f"{TITLE}：班主任抽签")
        if typed is None:
            raise _Cancelled()
        try:
            return parse_called_digits(typed)
        except ValueError:
            prompt = f"“{typed.strip()}”不是一串数字，请重新输入（只填数字，如 3721）。\n\n" + SEED_PROMPT
    raise _Cancelled()


def draw(live: LiveBook) -> None:
    """班主任抽签: a seeded computer draw (seed typed in on site, or drawn by the computer), or the
    physical draw typed into 抽签结果 when that sheet exists."""
    raw = live.read_raw()
    service.check_can_draw(raw)                     # refuse before asking for a seed
    manual = S.SHEET_DRAW_INPUT in raw.sheets
    seed = source = None
    if not manual:
        try:
            seed = _ask_seed(live)
        except _Cancelled:
            live.alert("没有抽签，工作簿没有任何改动。")
            return
        except CannotAsk:
            live.alert("这台电脑上无法弹出输入框，没有抽签。请保存并关闭工作簿后在命令行运行：\n"
                       "bianban draw 文件名.xlsm --seed 数字 --source \"家长代表报数\"")
            return
        source = SEED_SOURCE_TYPED if seed is not None else None
    live.progress(0.2, "正在复核编班结果")
    update = service.plan_draw(raw, seed=seed, seed_source=source, manual=manual)
    live.progress(0.9, "正在写入抽签记录")
    apply_update(live, update)
    _show(live, update.messages, SAVE_NOTE, S.SHEET_DRAW_LOG)


def teams(live: LiveBook) -> None:
    """教师搭配 (seed: 参数设置's 随机种子, else drawn by the computer; recorded on the sheet)."""
    raw = live.read_raw()
    live.progress(0.2, "正在搭配教师团队")
    update = service.plan_teams(raw)
    apply_update(live, update)
    _show(live, update.messages, SAVE_NOTE, S.SHEET_TEAMS)


def seal(live: LiveBook) -> None:
    """数据封存: the input checked and its 核验码 printed on a sheet the supervisors sign, before the
    seed is called out (service.plan_seal, as ``bianban seal``)."""
    raw = live.read_raw()
    update = service.plan_seal(raw)
    apply_update(live, update)
    _show(live, update.messages, SAVE_NOTE, update.sheets[0].name if update.sheets else None)


def late(live: LiveBook) -> None:
    """插班: students at the end of 学生名单 without a class, placed without moving anybody."""
    raw = live.read_raw()
    live.progress(0.2, "正在插班")
    update = service.plan_late(raw)
    live.progress(0.8, "正在写入结果")
    apply_update(live, update)
    _show(live, update.messages, SAVE_NOTE)


def export_public(live: LiveBook) -> None:
    """公示名单 (公示导出): one page per class, masked names."""
    raw = live.read_raw()
    update = service.plan_public(raw)
    apply_update(live, update)
    _show(live, update.messages, "打印后张贴。" + SAVE_NOTE, S.SHEET_PUBLIC)


def lock(live: LiveBook) -> None:
    """锁定 (三不动): verified first, then confirmed by the user."""
    raw = live.read_raw()
    live.progress(0.2, "正在验证")
    update = service.plan_lock(raw)
    live.clear_progress()
    if not live.confirm("验证通过。锁定后结果工作表将设保护，“自动编班”“教师搭配”“班主任抽签”都将被拒绝，"
                        "只允许“插班”“更正学生信息”和“验证结果”。\n确定锁定吗？"):
        live.alert("没有锁定，工作簿没有任何改动。")
        return
    apply_update(live, update)
    _show(live, update.messages, SAVE_NOTE)


def correct(live: LiveBook) -> None:
    """更正学生信息: the cell selected in 学生名单 corrected to what the user types, with a reason
    (service.plan_correct, as ``bianban correct``): verified first, recorded in 编班记录, nobody moved."""
    raw = live.read_raw()
    sheet, hr, _, heads = roster_layout(raw)
    where = live.selected_cell()
    if not sheet or where is None or where[0] != sheet or where[1] <= hr or where[2] not in heads:
        live.alert(f"请先在“{sheet or S.SHEET_ROSTER}”中点选要更正的那一格（如写错的姓名），再点“更正学生信息”。"
                   "工作簿没有任何改动。")
        return
    _, row, col = where
    head, old = heads[col], cell_text(raw.sheets[sheet].cell(row, col))
    try:
        value = live.ask(f"更正“{sheet}”第{row}行的“{head}”（现在是“{old}”）。\n请输入更正后的内容：", default=old)
        reason = None if value is None else live.ask("请写明更正的原因（写入编班记录），如：家长反映错字，经核对户口本。")
    except CannotAsk:
        live.alert("这台电脑上无法弹出输入框，没有更正。请保存并关闭工作簿后在命令行运行：\n"
                   f"bianban correct 文件名.xlsm --row {row} --column {head} --value 更正后的内容 --reason \"原因\"")
        return
    if value is None or reason is None:
        live.alert("没有更正，工作簿没有任何改动。")
        return
    live.progress(0.2, "正在验证")
    update = service.plan_correct(raw, head, value, reason, row=row)
    live.progress(0.8, "正在写入更正")
    apply_update(live, update)
    _show(live, update.messages, SAVE_NOTE)
