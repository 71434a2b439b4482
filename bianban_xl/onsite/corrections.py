"""更正 records: the corrections of 学生名单 made after the run (onsite/correct.py plans them), read
back from 编班记录's chained 运行日志, and the input as it was before them.

A correction is one log entry (时间 | 事项 | 校验码), like each 插班 placement:

    更正：学生名单第12行（编号 S012）姓名：「王芳」→「王方」；原因：家长反映错字

(the （编号 …） part only when the pupil has one; a pupil without 编号 whose 出生日期, 性别 … is
corrected is named by his 姓名 there instead: （王芳）, so he is found again after 学生名单 is sorted). The entry is chained like every log entry, so a
correction edited, removed or added by hand fails verify's log check. :func:`original_book`
undoes the corrections, newest first, in 学生名单 — and in 双胞胎 where the corrected 姓名 or 编号 names
the pupil — each only where the cell still holds the value it was corrected to: anything else is an
unrecorded change, and verify reports it as it always did.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bianban_xl.model import schema as S
from bianban_xl.model.names import normalize_name
from bianban_xl.model.raw_book import RawBook, RawSheet
from bianban_xl.model.records import Roster
from bianban_xl.model.validate import cell_text, month_only, parse_date, roster_layout, twins_layout, validate
from bianban_xl.onsite.journal import read_log

PREFIX = "更正："
CORRECTED_HEAD = "编班后更正过"      # verify's line listing the recorded corrections
_ENTRY = re.compile(r"更正：(?P<sheet>[^：「」（）]+?)第(?P<row>\d+)行(?:（编号 (?P<sid>[^（）「」]*)）)?(?:（(?P<who>[^（）「」]+)）)?"
                    r"(?P<column>[^：「」（）]+)：「(?P<old>[^「」]*)」→「(?P<new>[^「」]*)」；原因：(?P<reason>.+)", re.S)
# they delimit the values in the entry (a value holding one cannot be recorded); not “”: those print
# as wide as a Chinese character but the record's row heights count them narrow, and a row was cut
QUOTES = "「」"


@dataclass(frozen=True)
class Correction:
    """One recorded correction: which cell of 学生名单 (row, column) of which pupil (his 编号 at the
    time, if any), from what to what, why and when."""
    stamp: str
    sheet: str
    row: int
    sid: str
    column: str
    old: str
    new: str
    reason: str
    log_row: int = 0        # its row in 编班记录 (the log's order: what came before and after it)
    who: str = ""           # the pupil's 姓名 then, for a pupil without 编号 whose other field is corrected

    def entry(self) -> str:
        """The 事项 text of its log entry."""
        who = f"（编号 {self.sid}）" if self.sid else f"（{self.who}）" if self.who else ""
        return f"{PREFIX}{self.sheet}第{self.row}行{who}{self.column}：「{self.old}」→「{self.new}」；原因：{self.reason}"

    def line(self) -> str:
        """As verify lists it: 第12行 姓名 王芳 → 王方（原因：家长反映错字，2026-11-26 20:40:00）."""
        who = f"（编号 {self.sid}）" if self.sid else f"（{self.who}）" if self.who else ""
        return (f"第{self.row}行{who} {self.column} "
                f"{self.old or '（空）'} → {self.new or '（空）'}（原因：{self.reason}，{self.stamp}）")


RUN_ENTRY = "自动编班："      # the log entry of a run (onsite/assign.py)


def read_corrections(book: RawBook) -> list[Correction]:
    """Every correction the run log of 编班记录 records since the last run, oldest first (a run made
    after a correction — 重新编班 — took the corrected data as its input; the log keeps the entry)."""
    out = []
    for r, stamp, what, _ in read_log(book):
        if what.startswith(RUN_ENTRY):
            out = []
            continue
        m = _ENTRY.fullmatch(what)
        if m:
            out.append(Correction(stamp, m.group("sheet"), int(m.group("row")), m.group("sid") or "",
                                  m.group("column"), m.group("old"), m.group("new"), m.group("reason"), r,
                                  m.group("who") or ""))
    return out


def canon_column(column: str) -> str:
    return S.resolve(column, S.ROSTER_SYNONYMS) or column


def column_of(column: str, cols: dict[str, int], raw: dict[int, str]) -> int | None:
    """The 学生名单 column a user or a record names: by its header as written, else by the field
    it names (出生年月 for 出生日期)."""
    typed = column.strip()
    exact = [c for c, h in raw.items() if h == typed]
    if exact:
        return exact[0]
    canon = S.resolve(typed, S.ROSTER_SYNONYMS)
    return cols.get(canon) if canon else None


def shown(v: Any) -> str:
    """A cell as recorded in a correction (the roster reader's text of it)."""
    return cell_text(v)


def same_value(cell: Any, value: str, column: str) -> bool:
    """Whether a cell holds ``value`` (as recorded); a birth date also when it reads as the same
    date, typed another way (2013-5-4 for 2013-05-04)."""
    if shown(cell) == value:
        return True
    if canon_column(column) == S.C_BIRTH and value:
        a, b = parse_date(cell), parse_date(value)
        return isinstance(a, date) and a == b and month_only(cell) == month_only(value)
    return False


def _locate(fx: Correction, sheet: RawSheet, cells: dict, hr: int, col: int, id_col: int | None,
            name_col: int | None) -> int | None:
    """The row of the pupil ``fx`` corrected, holding the corrected value: the recorded row, else
    (学生名单 sorted since) the one row with his 编号 — without one, with his 姓名 — holding it."""
    def sid_at(r: int) -> str:
        return shown(cells.get((r, id_col))) if id_col else ""

    def his(r: int) -> bool:
        if now_sid:
            return sid_at(r) == now_sid
        return not fx.who or normalize_name(shown(cells.get((r, name_col)))) == normalize_name(fx.who)

    now_sid = fx.new if canon_column(fx.column) == S.C_ID else fx.sid
    if same_value(cells.get((fx.row, col)), fx.new, fx.column) and his(fx.row):
        return fx.row
    rows = [r for r in sheet.value_rows(hr + 1) if same_value(cells.get((r, col)), fx.new, fx.column) and his(r)]
    return rows[0] if len(rows) == 1 else None


def twin_cells(book: RawBook, cells: dict, column: str, sid: str, old: str, new: str) -> list[tuple[int, int, str]]:
    """(row, col, value) of the 双胞胎 cells naming the pupil by ``old`` that a change of his 姓名
    or 编号 from ``old`` to ``new`` changes with it (``cells``: 双胞胎's cells; ``sid``: his 编号)."""
    name, hr, cols = twins_layout(book)
    canon = canon_column(column)
    if not name or canon not in (S.C_NAME, S.C_ID):
        return []
    sh = book.sheets[name]
    out = []
    for r in sh.value_rows(hr + 1):
        if canon == S.C_NAME and S.T_NAME in cols:
            named = normalize_name(shown(cells.get((r, cols[S.T_NAME]))))
            row_sid = shown(cells.get((r, cols[S.T_ID]))) if S.T_ID in cols else ""
            if named and named == normalize_name(old) and row_sid in ("", sid):
                out.append((r, cols[S.T_NAME], new))
        elif canon == S.C_ID and S.T_ID in cols and old and shown(cells.get((r, cols[S.T_ID]))) == old:
            out.append((r, cols[S.T_ID], new))
    return out


def original_book(book: RawBook, fixes: list[Correction] | None = None) -> tuple[RawBook, list[str]]:
    """``book`` with its recorded corrections undone, newest first (the input as the run saw it,
    as far as the corrections go), and a note for each correction whose cell no longer holds the
    corrected value (left as it is: verify then finds the change as any other). The book itself
    when there are no corrections."""
    fixes = read_corrections(book) if fixes is None else fixes
    if not fixes:
        return book, []
    name, hr, cols, raw = roster_layout(book)
    if not name:
        return book, []
    sheet = book.sheets[name]
    cells = dict(sheet.cells)
    tname = twins_layout(book)[0]
    tcells = dict(book.sheets[tname].cells) if tname else {}
    notes = []
    for fx in reversed(fixes):
        col = column_of(fx.column, cols, raw)
        row = _locate(fx, sheet, cells, hr, col, cols.get(S.C_ID), cols.get(S.C_NAME)) if col else None
        if row is None:
            notes.append(f"{fx.stamp} 的更正（“{name}”第{fx.row}行 {fx.column}：{fx.old or '（空）'} → {fx.new}）"
                         f"在“{name}”中找不到更正后的内容（“{fx.new}”），没有还原：更正之后这一格又被改动过，"
                         "或名单被排序、该生没有编号而更正后的内容不止一处。处理办法：请把这一格改回更正后的内容再验证。")
            continue
        sid = shown(cells.get((row, cols[S.C_ID]))) if S.C_ID in cols else ""
        if canon_column(fx.column) == S.C_ID:
            sid = fx.old
        for r, c, v in twin_cells(book, tcells, fx.column, sid, fx.new, fx.old):
            tcells[(r, c)] = v or None
        cells[(row, col)] = restored(fx.old)
    out = RawBook(dict(book.sheets), list(book.order), book.source)
    out.sheets[name] = _with_cells(sheet, cells)
    if tname:
        out.sheets[tname] = _with_cells(book.sheets[tname], tcells)
    return out, notes


def as_run(book: RawBook, roster: Roster) -> tuple[RawBook, Roster]:
    """``book`` and its ``roster`` as the run saw them: the recorded corrections undone (both
    unchanged when there are none, and the roster unchanged when the undone book cannot be read)."""
    original, _ = original_book(book)
    if original is book:
        return book, roster
    return original, validate(original)[0] or roster


def as_number(text: str) -> float | None:
    """``text`` as the number a cell held when the roster reader shows that number as ``text``
    (2012.04, 85, 2024001), else None (00123 and 18-digit numbers stay text)."""
    try:
        x = float(text)
    except ValueError:
        return None
    return x if shown(x) == text else None


def restored(old: str) -> Any:
    """A recorded 原内容 back in its cell: a number where a number reads so (a birth month typed
    2012.04 is a number to the reader, and 2011.1 reads otherwise as text), else the text."""
    if not old:
        return None
    x = as_number(old)
    return old if x is None else x


def _with_cells(sh: RawSheet, cells: dict) -> RawSheet:
    return RawSheet(sh.name, None, set(sh.formulas), list(sh.merged), cells=cells, width=sh.width,
                    hidden_rows=set(sh.hidden_rows))


__all__ = ["Correction", "read_corrections", "original_book", "as_run", "column_of", "canon_column", "same_value", "shown",
           "twin_cells", "PREFIX", "QUOTES", "CORRECTED_HEAD"]
