"""The xlwings adapter and the ribbon entry points, against a small fake of the xlwings API surface
that bianban_xl.excel.live_book uses, driving the real service functions on real workbooks' data.

The fake behaves like Excel where it matters here: numbers read back as floats, a leading
apostrophe keeps text as text (and is not part of the value), text written without one that starts
with '=', '+', '-' or '@' becomes a formula (``FakeSheet.formula_cells``), ``formula`` returns
'=...' text, and it records every value write
(with its shape and whether screen updating was off), every status-bar text and every alert.
"""
from __future__ import annotations

import shutil
import re

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bianban_xl.model import schema as S
from bianban_xl import service
from bianban_xl.onsite import assign, late, lock, lottery, public_list, state, teachers
from bianban_xl.excel import entry
from bianban_xl.excel import live_book as L
from bianban_xl.book.workbook_file import read_raw, render_sheet
from bianban_xl.model.sheet_model import Formula

from conftest import DEFAULT_PARAMS, student_rows, write_book


# --- the fake ---------------------------------------------------------------------------------
class FakeFont:
    def __init__(self):
        self.name = self.size = self.bold = self.color = None


class FakeRange:
    def __init__(self, sheet: "FakeSheet", r1: int, c1: int, r2: int, c2: int):
        self.sheet, self.row, self.column = sheet, r1, c1
        self._r2, self._c2 = r2, c2
        self.font = FakeFont()
        self._ndim = None

    # geometry
    @property
    def last_cell(self) -> "FakeRange":
        return FakeRange(self.sheet, self._r2, self._c2, self._r2, self._c2)

    @property
    def shape(self):
        return (self._r2 - self.row + 1, self._c2 - self.column + 1)

    left = top = 0.0

    def options(self, ndim=None, **_):
        self._ndim = ndim
        return self

    # values
    def _read(self, r, c):
        v = self.sheet.cells.get((r, c))
        if isinstance(v, str) and (r, c) in self.sheet.formula_cells:   # the formula's result
            return v.split('","')[-1].rstrip('")') if v.startswith("=HYPERLINK(") else 0.0
        if isinstance(v, bool):
            return v
        if isinstance(v, int):
            return float(v)  # Excel keeps every number as a double
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return dt.datetime(v.year, v.month, v.day)
        return v

    @property
    def value(self):
        grid = [[self._read(r, c) for c in range(self.column, self._c2 + 1)] for r in range(self.row, self._r2 + 1)]
        if self._ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        if len(grid) == 1:
            return grid[0]
        if all(len(r) == 1 for r in grid):
            return [r[0] for r in grid]
        return grid

    @value.setter
    def value(self, values):
        app = self.sheet.book.app
        if self.sheet.protected:
            raise RuntimeError(f"sheet {self.sheet.name} is protected")   # what Excel's COM does
        if not isinstance(values, list):
            values = [[values]]
        app.writes.append((self.sheet.name, self.row, self.column, len(values), len(values[0]), app.screen_updating))
        for i, row in enumerate(values):
            assert len(row) == len(values[0]), "blocks must be rectangular"
            for j, v in enumerate(row):
                at = (self.row + i, self.column + j)
                self.sheet.formula_cells.discard(at)
                if v is None:
                    self.sheet.cells.pop(at, None)
                elif isinstance(v, str) and v.startswith("'"):
                    # what Excel does with typed text: a leading apostrophe keeps the rest as text
                    self.sheet.cells[at] = v[1:]
                else:
                    self.sheet.cells[at] = v
                    # otherwise '=', '+', '-', '@' (even after white space) start a formula
                    if isinstance(v, str) and v.lstrip(" \t\u3000")[:1] in ("=", "+", "-", "@"):
                        self.sheet.formula_cells.add(at)

    @property
    def formula(self):
        rows = []
        for r in range(self.row, self._r2 + 1):
            row = []
            for c in range(self.column, self._c2 + 1):
                v = self.sheet.cells.get((r, c))
                row.append("" if v is None else v if isinstance(v, str) else str(v))
            rows.append(tuple(row))
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else tuple(rows)

    @property
    def merge_cells(self):
        return False

    # formats: recorded, not interpreted; column widths, row heights and wrapped cells also kept per sheet
    def __setattr__(self, key, value):
        if key in ("number_format", "color", "column_width", "row_height", "wrap_text", "horizontal_alignment"):
            self.sheet.book.app.formats.append((self.sheet.name, key, value, self.sheet.book.app.screen_updating))
            cells = [(r, c) for r in range(self.row, self._r2 + 1) for c in range(self.column, self._c2 + 1)]
            if key == "column_width":
                self.sheet.col_widths.update({c: value for _, c in cells})
            elif key == "row_height":
                self.sheet.row_heights.update({r: value for r, _ in cells})
            elif key == "wrap_text" and value:
                self.sheet.wrapped.update(cells)
        object.__setattr__(self, key, value)

    def __getattr__(self, key):             # only for attributes never set on this range
        if key == "column_width":
            return self.sheet.col_widths.get(self.column, 8.43)
        raise AttributeError(key)

    def merge(self, across=False):
        self.sheet.merges.append((self.row, self.column, self._r2, self._c2))

    def add_hyperlink(self, address, text_to_display=None, screen_tip=None):
        self.sheet.links[(self.row, self.column)] = (address, text_to_display)

    @property
    def api(self):
        raise AttributeError("no COM in the fake")


class FakeAreas:
    """A multi-area range (Range("A1:B2,D4:E5")): formats go to every area; no values here."""

    def __init__(self, areas):
        object.__setattr__(self, "areas", areas)
        object.__setattr__(self, "font", FakeFont())

    def __setattr__(self, key, value):
        for a in self.areas:
            setattr(a, key, value)

    @property
    def api(self):
        raise AttributeError("no COM in the fake")


class FakeFreeze:
    def __init__(self, sheet):
        self.sheet = sheet

    def freeze_at(self, where):
        self.sheet.frozen = where


class FakeSheetApi:
    """Only sheet protection of the COM sheet object; anything else (page setup ...) is absent."""

    def __init__(self, sheet):
        self._sheet = sheet

    @property
    def ProtectContents(self):
        return self._sheet.protected

    def Protect(self, *a, **kw):
        self._sheet.protected = True

    def Unprotect(self, *a, **kw):
        self._sheet.protected = False


class FakeSheet:
    def __init__(self, book: "FakeBook", name: str):
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], object] = {}
        self.merges: list = []
        self.formula_cells: set = set()      # cells Excel would have turned into formulas
        self.links: dict = {}
        self.frozen = None
        self.protected = False
        self.freeze_panes = FakeFreeze(self)
        self.col_widths: dict[int, float] = {}
        self.row_heights: dict[int, float] = {}
        self.wrapped: set = set()

    def _parse(self, a):
        if isinstance(a, tuple):
            return a
        from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

        col, row = coordinate_from_string(a)
        return row, column_index_from_string(col)

    def range(self, a, b=None):
        if isinstance(a, str) and b is None and ("," in a or ":" in a):   # "A1:B2" or "A1:B2,D4:E5"
            assert len(a) <= 255, "Excel takes range addresses of at most 255 characters"
            self.book.app.area_ranges.append((self.name, a))
            areas = []
            for part in a.split(","):
                first, _, last = part.partition(":")
                areas.append(FakeRange(self, *self._parse(first), *self._parse(last or first)))
            return areas[0] if len(areas) == 1 else FakeAreas(areas)
        r1, c1 = self._parse(a)
        r2, c2 = self._parse(b) if b is not None else (r1, c1)
        return FakeRange(self, r1, c1, r2, c2)

    @property
    def used_range(self):
        if not self.cells:
            return FakeRange(self, 1, 1, 1, 1)
        return FakeRange(self, 1, 1, max(r for r, _ in self.cells), max(c for _, c in self.cells))

    def delete(self):
        self.book.sheets._list.remove(self)

    def activate(self):
        self.book.active = self.name

    @property
    def api(self):
        return FakeSheetApi(self)

    def snapshot(self):
        return dict(self.cells)


class FakeSheets:
    def __init__(self, book):
        self.book, self._list = book, []

    def __iter__(self):
        return iter(list(self._list))

    def __len__(self):
        return len(self._list)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._list[key]
        for sh in self._list:
            if sh.name == key:
                return sh
        raise KeyError(key)

    def add(self, name=None, before=None, after=None):
        assert name not in [s.name for s in self._list], f"duplicate sheet {name}"
        sh = FakeSheet(self.book, name)
        if before is not None:
            self._list.insert(self._list.index(before), sh)
        elif after is not None:
            self._list.insert(self._list.index(after) + 1, sh)
        else:
            self._list.insert(0, sh)
        return sh


class FakeAppApi:
    """Application.InputBox, answered from ``app.answers`` (None = the user clicked Cancel)."""

    def __init__(self, app):
        self._app = app

    def InputBox(self, Prompt, Title=None, Default="", Type=None, **_):
        self._app.asked.append((Prompt, Title, Type))
        assert self._app.answers, f"unexpected input box: {Prompt}"
        answer = self._app.answers.pop(0)
        return False if answer is None else answer


class FakeApp:
    def __init__(self):
        self.screen_updating = True
        self.status_bar = False
        self.status_history: list = []
        self.alerts: list[tuple[str, str, str]] = []
        self.writes: list = []
        self.formats: list = []
        self.area_ranges: list = []
        self.answers: list = []          # what the user types into input boxes, in order
        self.asked: list = []
        self.confirm_answer = "ok"       # OK / Cancel questions
        self.api = FakeAppApi(self)

    def __setattr__(self, key, value):
        if key == "status_bar" and hasattr(self, "status_history"):
            self.status_history.append(value)
        object.__setattr__(self, key, value)

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append((prompt, title, mode))
        return self.confirm_answer if buttons == "ok_cancel" else "ok"


class FakeBook:
    def __init__(self, name="输入.xlsm"):
        self.app = FakeApp()
        self.name = self.fullname = name
        self.sheets = FakeSheets(self)
        self.active = None

    @classmethod
    def from_file(cls, path: Path) -> "FakeBook":
        wb = load_workbook(path)
        book = cls(Path(path).name)
        for ws in wb.worksheets:
            sh = book.sheets.add(ws.title, after=book.sheets[-1] if len(book.sheets) else None)
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sh.cells[(cell.row, cell.column)] = cell.value
            for dim in ws.column_dimensions.values():
                if dim.width and dim.min:
                    sh.col_widths.update({c: dim.width for c in range(dim.min, (dim.max or dim.min) + 1)})
        return book

    def everything(self):
        return [(sh.name, sh.snapshot(), sh.protected) for sh in self.sheets]

    def user_cells(self):
        keep = (S.SHEET_PARAMS, S.SHEET_ROSTER, S.SHEET_TWINS, S.SHEET_TEACHERS)
        return {sh.name: sh.snapshot() for sh in self.sheets if sh.name in keep}


# --- fixtures ---------------------------------------------------------------------------------
@pytest.fixture
def good_file(tmp_path):
    rows = student_rows(40, seed=3)
    rows[5][1] = rows[15][1] = "张伟"
    twins = [[1, "S0031", None, "同班"], [1, "S0032", None, "同班"]]
    return write_book(tmp_path / "输入.xlsx", rows=rows, twins=twins)


@pytest.fixture
def bad_file(tmp_path):
    rows = student_rows(20, seed=4)
    rows[3][2] = "X"          # 性别 not 男/女
    params = [(k, v) for k, v in DEFAULT_PARAMS if k != "班级数"]
    return write_book(tmp_path / "坏.xlsx", params=params, rows=rows)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 8, 28, 9, 30, 0)

    for module in (assign, late, lock, lottery, public_list, teachers):
        monkeypatch.setattr(module, "datetime", Clock)


# --- reading ----------------------------------------------------------------------------------
def _trim(rows):
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] is None:
            r.pop()
    return out


def test_read_matches_openpyxl_reader(good_file):
    live = L.LiveBook(FakeBook.from_file(good_file)).read_raw()
    file = read_raw(good_file)
    assert live.order == file.order
    for name in file.order:
        assert _trim(live.sheets[name].rows) == _trim(file.sheets[name].rows), name
        assert live.sheets[name].formulas == file.sheets[name].formulas
    assert isinstance(live.sheets[S.SHEET_PARAMS].cell(4, 2), int)  # 班级数 3, not 3.0


def test_read_is_one_block_per_sheet(good_file):
    book = FakeBook.from_file(good_file)
    reads = []
    original = FakeRange.options

    def spy(self, **kw):
        reads.append((self.sheet.name, self.shape))
        return original(self, **kw)

    FakeRange.options = spy
    try:
        L.LiveBook(book).read_raw()
    finally:
        FakeRange.options = original
    assert sorted(n for n, _ in reads) == sorted(sh.name for sh in book.sheets)


def test_formulas_are_noted(good_file):
    book = FakeBook.from_file(good_file)
    roster = book.sheets[S.SHEET_ROSTER]
    roster.range((3, 8)).value = "=A1+1"            # typed: a formula
    roster.range((4, 8)).value = "'=A1+1"           # typed with an apostrophe: text
    raw = L.LiveBook(book).read_raw()
    assert (3, 8) in raw.sheets[S.SHEET_ROSTER].formulas
    assert (4, 8) not in raw.sheets[S.SHEET_ROSTER].formulas
    assert raw.sheets[S.SHEET_ROSTER].cell(4, 8) == "=A1+1"


# --- buttons ----------------------------------------------------------------------------------
def test_check_data_ok(good_file):
    book = FakeBook.from_file(good_file)
    before = book.user_cells()
    entry.check_data(book)
    assert book.user_cells() == before
    prompt, title, mode = book.app.alerts[-1]
    assert "检查通过" in prompt and title == "均衡编班" and mode == "info"
    assert S.SHEET_CHECK in [s.name for s in book.sheets]
    assert book.sheets[S.SHEET_CHECK].frozen == "A4"
    assert book.app.screen_updating is True


def test_check_data_lists_every_problem_and_changes_nothing(bad_file):
    book = FakeBook.from_file(bad_file)
    before = book.user_cells()
    entry.check_data(book)
    assert book.user_cells() == before
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "错误" in prompt and S.SHEET_CHECK in prompt
    _, report = service.check_book(read_raw(bad_file))
    sheet = book.sheets[S.SHEET_CHECK]
    texts = [v for v in sheet.cells.values() if isinstance(v, str)]
    for p in report.errors:
        assert p.message in texts
    links = [address for address, _ in sheet.links.values()]   # the 位置 cells link to the cell, as text
    assert any(a.startswith(f"#'{S.SHEET_ROSTER}'!") for a in links)
    assert not sheet.formula_cells


def test_assign_writes_blocks_with_screen_off_and_verifies(good_file):
    book = FakeBook.from_file(good_file)
    entry.assign(book)
    app = book.app
    prompt, _, mode = app.alerts[-1]
    assert mode == "info" and "编班完成" in prompt, prompt
    assert all(not on for *_, on in app.writes), "every write happens with screen updating off"
    assert all(not on for *_, on in app.formats)
    assert app.screen_updating is True and app.status_bar is False
    assert any(isinstance(s, str) and "%" in s for s in app.status_history), "progress in the status bar"
    # the 班级 column went in as one block
    roster_writes = [w for w in app.writes if w[0] == S.SHEET_ROSTER]
    assert len(roster_writes) <= 2 and max(w[3] for w in roster_writes) == 40
    # the result sheets are those of the headless path: all values in one write per sheet, and
    # the looks one multi-area range per style (编班汇总 has ~90 blocks)
    raw = read_raw(good_file)
    result = service.plan_assignment(raw)
    for spec in result.sheets:
        writes = [w for w in app.writes if w[0] == spec.name]
        assert len(writes) == 1, spec.name
        assert writes[0][1:5] == (1, 1, spec.max_row, spec.max_col), spec.name
    summary = next(sp for sp in result.sheets if sp.name == S.SHEET_SUMMARY)
    ranges = [a for name, a in app.area_ranges if name == S.SHEET_SUMMARY]
    covered = [part for a in ranges for part in a.split(",")]
    assert len(summary.blocks) > 60 and len(ranges) < len(summary.blocks) / 3 and len(covered) >= len(summary.blocks)
    # and reading the live book back, the service verifies it
    entry.verify(book)
    prompt, _, mode = app.alerts[-1]
    assert prompt.startswith("验证通过"), prompt
    assert mode == "info"


def _no_clock(value):
    if not isinstance(value, str):
        return value
    value = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "<时间>", value)
    value = re.sub(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$", "<日志校验码>", value)   # chains the clock times
    value = re.sub(r"日志校验码：[2-9A-Z-]{14}", "日志校验码：<码>", value)
    return re.sub(r"用时 [\d.]+ 秒", "用时 <秒> 秒", value)


def test_live_and_headless_write_the_same_sheets(good_file, tmp_path):
    book = FakeBook.from_file(good_file)
    entry.assign(book)
    out = tmp_path / "结果.xlsx"
    service.assign_file(good_file, out)
    wb = load_workbook(out)
    assert [s.name for s in book.sheets] == wb.sheetnames
    for ws in wb.worksheets:
        live = book.sheets[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                got = live.range((cell.row, cell.column)).value
                want = cell.value
                if isinstance(want, str) and want.startswith("=HYPERLINK("):
                    continue
                if isinstance(want, (int, float)) and not isinstance(want, bool):
                    assert got == pytest.approx(float(want)), (ws.title, cell.coordinate)
                else:
                    # the two runs differ only in their clock: run time and seconds taken
                    assert _no_clock(got) == _no_clock(want), (ws.title, cell.coordinate, got, want)


def test_assign_with_errors_changes_nothing(bad_file):
    book = FakeBook.from_file(bad_file)
    before = book.user_cells()
    names = [s.name for s in book.sheets]
    entry.assign(book)
    assert book.user_cells() == before
    assert [s.name for s in book.sheets] == names + [S.SHEET_CHECK]
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "未做任何改动" in prompt
    assert "Traceback" not in prompt


def test_rerun_replaces_previous_results(good_file):
    book = FakeBook.from_file(good_file)
    entry.assign(book)
    first = [s.name for s in book.sheets]
    entry.assign(book)
    assert [s.name for s in book.sheets] == first


def test_internal_error_is_a_chinese_message_not_a_traceback(good_file, monkeypatch, tmp_path):
    monkeypatch.setattr(L, "LOG_FILE", tmp_path / "bianban_xl.log")

    def boom(book):
        raise RuntimeError("测试用的故障")

    monkeypatch.setattr(service, "check_book", boom)
    book = FakeBook.from_file(good_file)
    entry.check_data(book)  # must not raise
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "程序内部出错" in prompt and "测试用的故障" in prompt
    assert book.app.screen_updating is True


def test_text_that_looks_like_a_number_stays_text():
    assert L._for_excel("001") == "'001"
    assert L._for_excel("=1+1") == "'=1+1"
    assert L._for_excel("张三") == "'张三"          # every text: the apostrophe is never part of the value
    assert L._for_excel("'引号") == "''引号"
    assert L._for_excel("") == ""
    assert L._for_excel(3) == 3
    assert L._for_excel(Formula("SUM(A1:A3)")) == "=SUM(A1:A3)"


def test_problems_sheet_renders_headless_too(bad_file, tmp_path):
    _, report = service.check_book(read_raw(bad_file))
    from openpyxl import Workbook

    wb = Workbook()
    ws = render_sheet(wb, L.problems_sheet(report))
    assert ws.title == S.SHEET_CHECK
    links = [c for row in ws.iter_rows() for c in row if c.hyperlink is not None]
    assert links and all(c.data_type == "s" and c.hyperlink.location.startswith("'") for c in links)
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_caller_is_used_when_no_book_given(good_file, monkeypatch):
    book = FakeBook.from_file(good_file)
    monkeypatch.setattr(L, "caller_book", lambda: book)
    entry.check_data()
    assert book.app.alerts


# --- the on-site buttons: 教师搭配, 班主任抽签, 公示导出, 锁定, 插班 --------------------------------
# Each button runs the same service function as the command (teachers / draw / public / lock /
# late) and writes the same update into the open workbook: the sheets must equal, cell for cell,
# what the command writes with openpyxl from the same workbook and seed.
from bianban_xl.cli.main import main  # noqa: E402

from onsite_helpers import TEACHERS, assigned  # noqa: E402


def _same_as_file(book: FakeBook, path: Path) -> None:
    """The live workbook holds the sheets of ``path`` in its order, cell for cell, and protects the
    same sheets."""
    wb = load_workbook(path)
    assert [s.name for s in book.sheets] == wb.sheetnames
    for ws in wb.worksheets:
        live = book.sheets[ws.title]
        assert live.protected == bool(ws.protection.sheet), ws.title
        want = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")}
        got = {rc: live.range(rc).value for rc in live.cells}
        got = {rc: v for rc, v in got.items() if v not in (None, "")}
        assert set(got) == set(want), (ws.title, sorted(set(got) ^ set(want))[:5])
        for rc, w in want.items():
            g = got[rc]
            if isinstance(w, str) and w.startswith("=HYPERLINK("):
                continue
            if isinstance(w, (int, float)) and not isinstance(w, bool):
                assert g == pytest.approx(float(w)), (ws.title, rc)
            else:
                assert _no_clock(g) == _no_clock(w), (ws.title, rc, g, w)


def _step(path: Path, func, answers=()) -> FakeBook:
    book = FakeBook.from_file(path)
    book.app.answers = list(answers)
    func(book)
    return book


def _late_file(src: Path, dest: Path, n: int = 2) -> Path:
    """``src`` with ``n`` new students at the end of 学生名单, 班级 left empty."""
    wb = load_workbook(src)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    for i, row in enumerate(student_rows(n, seed=99)):
        row[0] = f"L{i + 1:03d}"
        row[1] = "插" + row[1][1:]
        ws.append(row + [None] * (len(head) - len(row)))
    wb.save(dest)
    return dest


@pytest.fixture
def seeded(monkeypatch):
    """The computer-drawn seed, fixed, so the button (which never asks for one for 插班 and may
    leave the draw seed blank) and the command draw the same."""
    monkeypatch.setattr(state, "draw_seed", lambda: 5081)


def test_onsite_buttons_write_what_the_commands_write(tmp_path, seeded):
    out = assigned(tmp_path)                                   # openpyxl-written, assigned by the command
    # 教师搭配
    a = tmp_path / "a.xlsx"
    book = _step(out, entry.teams)
    assert main(["teachers", str(out), "-o", str(a)]) == 0
    _same_as_file(book, a)
    prompt, _, mode = book.app.alerts[-1]
    assert prompt.startswith("教师搭配完成") and mode == "info" and book.active == S.SHEET_TEAMS
    # 班主任抽签: digits called out by parent representatives, typed into the input box
    b = tmp_path / "b.xlsx"
    book = _step(a, entry.draw, ["3721"])
    assert main(["draw", str(a), "-o", str(b), "--seed", "3721", "--source", L.SEED_SOURCE_TYPED]) == 0
    _same_as_file(book, b)
    assert len(book.app.asked) == 1 and "家长代表" in book.app.asked[0][0] and book.app.asked[0][2] == 2
    prompt, _, mode = book.app.alerts[-1]
    assert "抽签完成" in prompt and "3721" in prompt and L.SEED_SOURCE_TYPED in prompt and mode == "info"
    assert all(not on for *_, on in book.app.writes)
    # 公示导出
    c = tmp_path / "c.xlsx"
    book = _step(b, entry.export_public)
    shutil.copy(b, c)                                # public -o writes only the lists; in place it adds the sheet
    assert main(["public", str(c)]) == 0
    _same_as_file(book, c)
    assert "公示名单已生成" in book.app.alerts[-1][0]
    # 锁定: asks first, then protects the result sheets
    d = tmp_path / "d.xlsx"
    book = _step(c, entry.lock)
    assert main(["lock", str(c), "-o", str(d)]) == 0
    _same_as_file(book, d)
    assert "确定锁定" in book.app.alerts[-2][0] and book.app.alerts[-1][0].startswith("已锁定")
    assert book.sheets["1班"].protected and book.sheets[S.SHEET_RECORD].protected
    assert not book.sheets[S.SHEET_ROSTER].protected
    # 插班 on the locked workbook: 编班记录 is protected and written all the same (unprotect, write, protect)
    e, f = _late_file(d, tmp_path / "e.xlsx"), tmp_path / "f.xlsx"
    book = FakeBook.from_file(e)
    for ws in load_workbook(e).worksheets:                      # opened in Excel: protection kept
        book.sheets[ws.title].protected = bool(ws.protection.sheet)
    entry.late(book)
    assert main(["late", str(e), "-o", str(f)]) == 0
    _same_as_file(book, f)
    prompt, _, mode = book.app.alerts[-1]
    assert prompt.startswith("插班完成") and "5081" in prompt and mode == "info"
    # and the live workbook verifies, like the file
    entry.verify(book)
    assert book.app.alerts[-1][0].startswith("验证通过"), book.app.alerts[-1][0]
    assert "插班检查通过" in book.app.alerts[-1][0] and "锁定检查通过" in book.app.alerts[-1][0]


def test_record_rows_a_button_appends_wrap_and_size_like_the_file(tmp_path):
    """锁定 appends 编班记录 rows with long values (the fingerprints of every class): the button and
    the command style and size them by the same rule of the cell model — wrapped inside their
    column, the row as tall as its lines — so the printed record keeps its scale."""
    out = assigned(tmp_path)
    before = load_workbook(out)[S.SHEET_RECORD].max_row
    book = _step(out, entry.lock)
    locked = tmp_path / "locked.xlsx"
    assert main(["lock", str(out), "-o", str(locked)]) == 0
    _same_as_file(book, locked)
    ws = load_workbook(locked)[S.SHEET_RECORD]
    live = book.sheets[S.SHEET_RECORD]
    appended = range(before + 1, ws.max_row + 1)
    file_heights = {r: ws.row_dimensions[r].height for r in appended if ws.row_dimensions[r].height}
    assert file_heights == {r: h for r, h in live.row_heights.items() if r in appended}
    long = [r for r in appended if len(str(ws.cell(r, 2).value or "")) > 40]
    assert long and all(file_heights.get(r, 0) >= 28 for r in long)        # two lines or more
    for r in long:
        assert ws.cell(r, 2).alignment.wrap_text and (r, 2) in live.wrapped
    # nothing appended reaches past the table's columns
    assert all(ws.cell(r, c).value is None for r in appended for c in range(4, 8))


def test_draw_left_blank_is_a_computer_seed_and_recorded(tmp_path, seeded):
    out = assigned(tmp_path)
    b = tmp_path / "b.xlsx"
    book = _step(out, entry.draw, [""])
    assert main(["draw", str(out), "-o", str(b)]) == 0          # no --seed: the computer draws one
    _same_as_file(book, b)
    raw = L.LiveBook(book).read_raw()
    from bianban_xl.onsite.state import key_values

    info = key_values(raw.sheets[S.SHEET_DRAW_LOG])
    assert info["随机种子"] == "5081" and info["种子来源"] == "电脑随机抽取（未经现场报数）"


def test_draw_asks_again_for_digits_and_takes_full_width_ones(tmp_path):
    out = assigned(tmp_path)
    book = _step(out, entry.draw, ["三七", "３７ ２１"])
    assert len(book.app.asked) == 2 and "“三七”不是一串数字" in book.app.asked[1][0]
    from bianban_xl.onsite.state import key_values

    info = key_values(L.LiveBook(book).read_raw().sheets[S.SHEET_DRAW_LOG])
    assert info["随机种子"] == "3721" and info["种子来源"] == L.SEED_SOURCE_TYPED


def test_draw_cancelled_changes_nothing(tmp_path):
    out = assigned(tmp_path)
    book = FakeBook.from_file(out)
    before = book.everything()
    book.app.answers = [None]
    entry.draw(book)
    assert book.everything() == before
    assert "没有抽签" in book.app.alerts[-1][0]


def test_draw_reads_a_physical_draw_typed_into_its_sheet(tmp_path):
    out = assigned(tmp_path)
    wb = load_workbook(out)
    ws = wb.create_sheet(S.SHEET_DRAW_INPUT)
    for row in (["班主任", "班级"], ["王芳", "2班"], ["赵敏", "2班"], ["陈刚", "1班"]):
        ws.append(row)
    wb.save(out)
    book = FakeBook.from_file(out)
    before = book.everything()
    entry.draw(book)                                            # no input box: the typed-in result is used
    assert book.app.asked == [] and book.everything()[:len(before)] == before
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "班级“2班”被录入了两次" in prompt and "未做任何改动" in prompt
    wb = load_workbook(out)
    wb[S.SHEET_DRAW_INPUT]["B3"] = "3班"
    wb.save(out)
    b = tmp_path / "b.xlsx"
    book = _step(out, entry.draw)
    assert main(["draw", str(out), "-o", str(b), "--manual"]) == 0
    _same_as_file(book, b)
    assert "现场实物抽签" in book.app.alerts[-1][0]


def _refused(book: FakeBook, *words: str) -> None:
    """A Chinese message naming the problem; nothing but the 校验结果 sheet changed."""
    prompt, _, mode = book.app.alerts[-1]
    assert mode == "critical" and "未做任何改动" in prompt and "Traceback" not in prompt, prompt
    for w in words:
        assert w in prompt, (w, prompt)
    assert book.app.screen_updating is True


def _unchanged(book: FakeBook, before) -> None:
    assert [x for x in book.everything() if x[0] != S.SHEET_CHECK] == [x for x in before if x[0] != S.SHEET_CHECK]


def test_teams_without_teacher_list_is_refused(good_file):
    book = FakeBook.from_file(good_file)
    entry.assign(book)
    before = book.everything()
    entry.teams(book)
    _refused(book, "缺少工作表“教师名单”")
    _unchanged(book, before)
    assert S.SHEET_TEAMS not in [s.name for s in book.sheets]


def test_draw_before_assign_is_refused_without_asking(tmp_path):
    src = write_book(tmp_path / "in.xlsx", extra_sheets={"教师名单": TEACHERS})
    book = FakeBook.from_file(src)
    before = book.everything()
    entry.draw(book)
    _refused(book, "还没有编班结果", "自动编班")
    _unchanged(book, before)
    assert book.app.asked == []


def test_public_with_a_student_not_yet_placed_is_refused(tmp_path):
    out = _late_file(assigned(tmp_path), tmp_path / "late.xlsx", n=1)
    book = FakeBook.from_file(out)
    before = book.everything()
    entry.export_public(book)
    _refused(book, "还没有班级", "插班")
    _unchanged(book, before)


def test_late_refuses_when_a_placed_class_was_changed(tmp_path):
    out = assigned(tmp_path)
    book = FakeBook.from_file(out)
    entry.late(book)                                             # nobody to place
    _refused(book, "没有需要插班的学生")
    book = FakeBook.from_file(_late_file(out, tmp_path / "late.xlsx", n=1))
    roster = book.sheets[S.SHEET_ROSTER]
    col = next(c for (r, c), v in roster.cells.items() if r == 1 and v == "班级")
    row = next(r for (r, c), v in roster.cells.items() if c == col and v == "1班")
    roster.cells[(row, col)] = "2班"                             # someone moved a placed student by hand
    before = book.everything()
    entry.late(book)
    _refused(book, "三不动")
    _unchanged(book, before)


def test_lock_refuses_an_edited_book_and_cancel_changes_nothing(tmp_path):
    out = assigned(tmp_path)
    book = FakeBook.from_file(out)
    book.sheets["2班"].cells[(4, 3)] = "冒名顶替"
    before = book.everything()
    entry.lock(book)
    _refused(book, "不能锁定", "2班")
    _unchanged(book, before)
    book = FakeBook.from_file(out)
    before = book.everything()
    book.app.confirm_answer = "cancel"
    entry.lock(book)
    assert book.everything() == before and "没有锁定" in book.app.alerts[-1][0]


def test_assign_button_refuses_a_locked_book_and_points_to_the_command_line(tmp_path):
    out = assigned(tmp_path)
    assert main(["lock", str(out)]) == 0
    book = FakeBook.from_file(out)
    for ws in load_workbook(out).worksheets:
        book.sheets[ws.title].protected = bool(ws.protection.sheet)
    before = book.everything()
    for button in (entry.assign, entry.teams, entry.draw, entry.lock):
        entry_name = button.__name__
        button(book)
        prompt = book.app.alerts[-1][0]
        assert book.app.alerts[-1][2] == "critical" and "锁定" in prompt, (entry_name, prompt)
        _unchanged(book, before)
    entry.assign(book)
    text = " ".join(str(v) for v in book.sheets[S.SHEET_CHECK].cells.values())
    assert "bianban assign" in text and "--force --reason" in text
    assert book.app.asked == []


def test_assign_button_refuses_to_overwrite_onsite_work(tmp_path):
    """A workbook holding 教师搭配 is not re-assigned by the button (that would void the teams):
    refused with the way forward, the open workbook unchanged — as `bianban assign` in place."""
    src = write_book(tmp_path / "搭配后.xlsx", rows=student_rows(40, seed=3), extra_sheets={"教师名单": TEACHERS})
    book = FakeBook.from_file(src)
    book.app.answers = ["20260901"]
    for button in (entry.assign, entry.teams):
        button(book)
        assert book.app.alerts[-1][2] == "info", (button.__name__, book.app.alerts[-1][0])
    before = book.everything()
    entry.assign(book)
    assert book.app.alerts[-1][2] == "critical" and "教师搭配" in book.app.alerts[-1][0]
    text = " ".join(str(v) for v in book.sheets[S.SHEET_CHECK].cells.values())
    assert "--force --reason" in text
    _unchanged(book, before)


def test_whole_day_through_the_buttons(tmp_path):
    """assign → 教师搭配 → 抽签 → 公示 → 锁定 → 插班 → 验证, all by buttons, on one workbook."""
    src = write_book(tmp_path / "全程.xlsx", rows=student_rows(40, seed=3), extra_sheets={"教师名单": TEACHERS})
    book = FakeBook.from_file(src)
    book.app.answers = ["20260901"]
    for button in (entry.assign, entry.teams, entry.draw, entry.export_public, entry.lock):
        button(book)
        assert book.app.alerts[-1][2] == "info", (button.__name__, book.app.alerts[-1][0])
    # an extra student arrives: typed at the end of 学生名单 in the open workbook
    roster = book.sheets[S.SHEET_ROSTER]
    last = max(r for r, _ in roster.cells)
    for c, v in enumerate(["L001", "新来生", "女", "2013-10-01", "第2小学", "本地", "良", 80, 75], start=1):
        roster.cells[(last + 1, c)] = v
    entry.late(book)
    assert book.app.alerts[-1][0].startswith("插班完成"), book.app.alerts[-1][0]
    entry.verify(book)
    prompt, _, mode = book.app.alerts[-1]
    assert prompt.startswith("验证通过") and mode == "info", prompt
    names = [s.name for s in book.sheets]
    for name in (S.SHEET_TEAMS, S.SHEET_DRAW_LOG, S.SHEET_PUBLIC):
        assert name in names
    assert book.sheets[S.SHEET_DRAW_LOG].protected


def test_reassign_button_refuses_after_a_lottery_and_the_forced_command_resets_it(tmp_path):
    """After 教师搭配 and 抽签 the button does not re-assign (it would void the lottery); the
    approved way, `assign --force --reason`, resets the lottery sheets and keeps the teams."""
    out = assigned(tmp_path)
    assert main(["teachers", str(out)]) == 0
    assert main(["draw", str(out), "--seed", "3721"]) == 0
    book = FakeBook.from_file(out)
    before = book.everything()
    entry.assign(book)
    assert book.app.alerts[-1][2] == "critical" and "抽签" in book.app.alerts[-1][0]
    _unchanged(book, before)
    assert main(["assign", str(out), "--force", "--reason", "监督组同意重新编班"]) == 0
    wb = load_workbook(out)
    assert S.SHEET_DRAW_LOG not in wb.sheetnames and S.SHEET_PUBLIC not in wb.sheetnames
    assert S.SHEET_TEAMS in wb.sheetnames
    assert "（待抽签）" in [c.value for row in wb[S.SHEET_TEAMS].iter_rows() for c in row]


def test_assign_button_on_a_sealed_book_asks_the_room_seed_twice(tmp_path):
    src = write_book(tmp_path / "封存.xlsx", extra_sheets={"教师名单": TEACHERS})
    assert main(["seal", str(src)]) == 0
    # a typo in the second entry, then twice the same
    book = _step(src, entry.assign, answers=["3721", "3712", "3 7 2 1", "3721"])
    assert len(book.app.asked) == 4 and "封存" in book.app.asked[0][0]
    assert book.app.alerts[-1][0].startswith("编班完成") and "3721" in book.app.alerts[-1][0]
    cells = {rc: book.sheets[S.SHEET_RECORD].range(rc).value for rc in book.sheets[S.SHEET_RECORD].cells}
    row = next(r for (r, c), v in cells.items() if c == 1 and v == "种子来源")
    assert "输入两遍" in cells[(row, 2)]
    # Cancel: nothing changes
    book = _step(src, entry.assign, answers=[None])
    assert S.SHEET_RECORD not in [s.name for s in book.sheets] and "没有编班" in book.app.alerts[-1][0]
    # “电脑” typed, then the question answered with Cancel: nothing changes either
    book = _step(src, _answering("cancel", entry.assign), answers=["电脑"])
    assert S.SHEET_RECORD not in [s.name for s in book.sheets] and "没有编班" in book.app.alerts[-1][0]
    assert "未经现场报数" in book.app.alerts[-2][0]
    # “电脑” and OK: the labelled computer seed, as `bianban assign --computer-seed`
    book = _step(src, entry.assign, answers=[" 电脑 "])
    assert book.app.alerts[-1][0].startswith("编班完成") and "未经现场报数" in book.app.alerts[-1][0]
    cells = {rc: book.sheets[S.SHEET_RECORD].range(rc).value for rc in book.sheets[S.SHEET_RECORD].cells}
    row = next(r for (r, c), v in cells.items() if c == 1 and v == "种子来源")
    assert cells[(row, 2)] == "电脑随机抽取（未经现场报数）"


def _answering(confirm: str, func):
    """``func`` run with the OK / Cancel questions answered ``confirm``."""
    def run(book):
        book.app.confirm_answer = confirm
        return func(book)
    return run


def test_seal_button_writes_what_the_command_writes_then_assign_asks_the_room(tmp_path):
    """数据封存 from the ribbon: the same 数据封存 sheet as 'bianban seal', the input 核验码 shown and
    the sheet brought forward for printing; then 自动编班 on the open book wants the called-out seed."""
    src = write_book(tmp_path / "输入.xlsx", extra_sheets={"教师名单": TEACHERS})
    book = _step(src, entry.seal)
    sealed = tmp_path / "封存.xlsx"
    assert main(["seal", str(src), "-o", str(sealed)]) == 0
    _same_as_file(book, sealed)
    prompt, _, mode = book.app.alerts[-1]
    seal = book.sheets["数据封存"].cells
    code = next(seal[(r, 2)] for (r, c), v in seal.items() if c == 1 and v == "输入核验码")
    assert prompt.startswith("数据已封存") and f"输入核验码：{code}" in prompt and mode == "info"
    assert book.active == "数据封存"
    book.app.answers = ["3721", "3721"]                          # 自动编班 next, in the same open book
    entry.assign(book)
    assert len(book.app.asked) == 2 and "封存" in book.app.asked[0][0]
    assert book.app.alerts[-1][0].startswith("编班完成") and "3721" in book.app.alerts[-1][0]


def test_the_live_books_looks_match_the_file_writers_styles():
    """A sheet written into the open workbook looks as the file writers make it: every style has a
    look, and bold, wrapping, shrinking and the vertical alignment agree (a tall 编班汇总 row had
    its 评价 cells at the bottom, its 项目 cell at the top, the rest centred)."""
    from bianban_xl.book.xlsx_styles import STYLES

    assert set(L._LOOKS) == set(STYLES)
    for name, st in STYLES.items():
        look, align = L._LOOKS[name], st.get("align")
        assert look.get("valign") == (align.vertical if align else None) or (align is None and look.get("valign") is None), name
        assert bool(look.get("bold")) == st["font"].bold, name
        assert bool(look.get("wrap")) == bool(align and align.wrap), name
        assert bool(look.get("shrink")) == bool(align and align.shrink), name
