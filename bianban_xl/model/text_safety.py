"""User text that could hurt someone downstream, found at `check`:

* a value that looks like a formula once leading blanks are trimmed (``=``, ``+``, ``-``, ``@`` after
  spaces, tabs, full-width spaces). We always write user text as text, but the workbook travels:
  another program, a CSV export or a colleague's paste could run it. A warning with sheet and cell.
  Not a formula: a number typed as text (``-5``, ``+86 138…``) and a lone placeholder (``-``, ``--``).
* a value longer than Excel's cell limit (32,767 characters): an error, never silently truncated.

* a real formula on an input sheet other than 学生名单 (whose formulas validate reports as errors):
  a warning, since the tool reads what is typed, never computes formulas.

Every input sheet is scanned, header cells and 教师名单 included.
"""
from __future__ import annotations

import re

from bianban_xl.model import schema as S
from bianban_xl.model.problems import Report
from bianban_xl.model.raw_book import RawBook

MAX_LISTED = 30
_LEAD = re.compile(r"^[\s\u3000\u00a0\u200b\ufeff]*")
_LEAD_CHARS = "\u3000\u00a0\u200b\ufeff"          # what _LEAD trims besides \s (str.isspace)
_NUMBER = re.compile(r"^[+-]?(\d[\d,，]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")
_PLACEHOLDER = re.compile(r"^[-+—–－＋]+$")
FORMULA_STARTS = "=+-@"


def looks_like_formula(value: object) -> bool:
    """True for text that a spreadsheet could take for a formula once leading blanks are trimmed."""
    if not isinstance(value, str):
        return False
    if value and value[0] not in FORMULA_STARTS and value[0] not in _LEAD_CHARS and not value[0].isspace():
        return False                      # nothing to trim (``\s`` is str.isspace) and no formula start
    t = _LEAD.sub("", value)
    if not t or t[0] not in FORMULA_STARTS:
        return False
    compact = re.sub(r"[\s\u3000]+", "", t)
    if _NUMBER.match(compact) or _PLACEHOLDER.match(compact):
        return False
    return True


def _input_sheets(book: RawBook) -> list[str]:
    names = []
    for canonical in S.INPUT_SHEETS:
        name = S.resolve_sheet(book.order, canonical)
        if name is not None and name in book.sheets and name not in names:
            names.append(name)
    return names


def _preview(text: str) -> str:
    t = text.replace("\n", " ").replace("\r", " ")
    return t if len(t) <= 30 else t[:30] + "…"


def check_text_safety(book: RawBook, report: Report) -> None:
    """Add a warning per formula-looking value and an error per over-long value of the input sheets."""
    roster = S.resolve_sheet(book.order, S.SHEET_ROSTER)
    for name in _input_sheets(book):
        sheet = book.sheets[name]
        if name != roster:
            for r, c in sorted(sheet.formulas)[:MAX_LISTED]:
                report.warn(name, "这里是公式。本工具只读取单元格里填写的内容，不计算、也不执行公式。",
                            "请复制后用“选择性粘贴 → 数值”替换公式。", row=r, col=c)
        formula_like: list[tuple[int, int, str]] = []
        for r, row in sheet.stored_rows():          # the cells holding a value, row by row, in order
            if r > sheet.n_rows:
                break
            for c, v in row.items():
                if not isinstance(v, str):
                    continue
                if len(v) > S.EXCEL_CELL_MAX:
                    report.error(name, f"这个单元格有 {len(v):,} 个字符，超过 Excel 单元格的上限 {S.EXCEL_CELL_MAX:,} 个字符，"
                                       "结果无法原样写出。", "请删去多余内容（姓名、学校等只需几十个字）；本工具不会自动截断。",
                                 row=r, col=c)
                elif (r, c) not in sheet.formulas and looks_like_formula(v):
                    formula_like.append((r, c, v))
        for r, c, v in formula_like[:MAX_LISTED]:
            first = _LEAD.sub("", v)[0]
            report.warn(name, f"内容“{_preview(v)}”去掉开头的空格后以“{first}”开头，在表格软件中可能被当作公式执行。"
                              "本工具写出时一律作为文字，不会执行。",
                        f"请核对并删去开头的“{first}”（及前面的空格）；若它确实是要保留的文字，可以不改。", row=r, col=c)
        if len(formula_like) > MAX_LISTED:
            report.warn(name, f"另有 {len(formula_like) - MAX_LISTED} 个单元格的内容像公式（共 {len(formula_like)} 个）。",
                        "请逐一核对并删去开头的 = + - @ 符号。")
