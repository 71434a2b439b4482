"""The xlwings adapter and the ribbon entry points, against a small fake of the xlwings API surface
that bianban_xl.excel.live_book uses, driving the real service functions on real workbooks' data.

The fake behaves like Excel where it matters here: numbers read back as floats, a leading
apostrophe keeps text as text, ``formula`` returns '=...' text, and it records every value write
(with its shape and whether screen updating was off), every status-bar text and every alert.
"""
from __future__ import annotations

import re

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bianban_xl import schema as S
from bianban_xl import service
from bianban_xl.excel import entry
from bianban_xl.excel import live_book as L
from bianban_xl.workbook_file import read_raw, render_sheet

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
        if isinstance(v, str):
            if v.startswith("'"):
                return v[1:]
            if v.startswith("=HYPERLINK("):
                return v.split('","')[-1].rstrip('")')
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
        if not isinstance(values, list):
            values = [[values]]
        app.writes.append((self.sheet.name, self.row, self.column, len(values), len(values[0]), app.screen_updating))
        for i, row in enumerate(values):
            assert len(row) == len(values[0]), "blocks must be rectangular"
            for j, v in enumerate(row):
                if v is None:
                    self.sheet.cells.pop((self.row + i, self.column + j), None)
                else:
                    self.sheet.cells[(self.row + i, self.column + j)] = v

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

    # formats: recorded, not interpreted
    def __setattr__(self, key, value):
        if key in ("number_format", "color", "column_width", "row_height", "wrap_text", "horizontal_alignment"):
            self.sheet.book.app.formats.append((self.sheet.name, key, value, self.sheet.book.app.screen_updating))
        object.__setattr__(self, key, value)

    def merge(self, across=False):
        self.sheet.merges.append((self.row, self.column, self._r2, self._c2))

    @property
    def api(self):
        raise AttributeError("no COM in the fake")


class FakeFreeze:
    def __init__(self, sheet):
        self.sheet = sheet

    def freeze_at(self, where):
        self.sheet.frozen = where


class FakeSheet:
    def __init__(self, book: "FakeBook", name: str):
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], object] = {}
        self.merges: list = []
        self.frozen = None
        self.freeze_panes = FakeFreeze(self)

    def _parse(self, a):
        if isinstance(a, tuple):
            return a
        from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

        col, row = coordinate_from_string(a)
        return row, column_index_from_string(col)

    def range(self, a, b=None):
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
        raise AttributeError("no COM in the fake")

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


class FakeApp:
    def __init__(self):
        self.screen_updating = True
        self.status_bar = False
        self.status_history: list = []
        self.alerts: list[tuple[str, str, str]] = []
        self.writes: list = []
        self.formats: list = []

    def __setattr__(self, key, value):
        if key == "status_bar" and hasattr(self, "status_history"):
            self.status_history.append(value)
        object.__setattr__(self, key, value)

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append((prompt, title, mode))
        return "ok"


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
        return book

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

    monkeypatch.setattr(service, "datetime", Clock)


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
    book.sheets[S.SHEET_ROSTER].cells[(3, 8)] = "=A1+1"
    raw = L.LiveBook(book).read_raw()
    assert (3, 8) in raw.sheets[S.SHEET_ROSTER].formulas


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
    links = [v for v in texts if v.startswith("=HYPERLINK(")]
    assert any(f"#'{S.SHEET_ROSTER}'!" in v for v in links)


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
    # the result sheets are those of the headless path, one write per block
    raw = read_raw(good_file)
    result = service.plan_assignment(raw)
    for spec in result.sheets:
        writes = [w for w in app.writes if w[0] == spec.name]
        assert len(writes) == len([b for b in spec.blocks if b.values and b.values[0]]), spec.name
    # and reading the live book back, the service verifies it
    entry.verify(book)
    prompt, _, mode = app.alerts[-1]
    assert prompt.startswith("验证通过"), prompt
    assert mode == "info"


def _no_clock(value):
    if not isinstance(value, str):
        return value
    value = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "<时间>", value)
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


@pytest.mark.parametrize("func,feature", [(entry.draw, "班主任抽签"), (entry.late, "插班"),
                                          (entry.export_public, "公示导出")])
def test_unbuilt_buttons_say_so(good_file, func, feature):
    book = FakeBook.from_file(good_file)
    before = {s.name: s.snapshot() for s in book.sheets}
    func(book)
    prompt, _, mode = book.app.alerts[-1]
    assert feature in prompt and "尚未提供" in prompt and mode == "info"
    assert {s.name: s.snapshot() for s in book.sheets} == before


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
    assert L._for_excel("张三") == "张三"
    assert L._for_excel(3) == 3


def test_problems_sheet_renders_headless_too(bad_file, tmp_path):
    _, report = service.check_book(read_raw(bad_file))
    from openpyxl import Workbook

    wb = Workbook()
    ws = render_sheet(wb, L.problems_sheet(report))
    assert ws.title == S.SHEET_CHECK
    assert any(isinstance(c.value, str) and c.value.startswith("=HYPERLINK(") for row in ws.iter_rows() for c in row)


def test_caller_is_used_when_no_book_given(good_file, monkeypatch):
    book = FakeBook.from_file(good_file)
    monkeypatch.setattr(L, "caller_book", lambda: book)
    entry.check_data()
    assert book.app.alerts
