"""What a workbook already records, read back for every step: the 编班记录 entries, the seed rule,
the lock, the lottery log and the names on a class sheet.

The bottom of the on-site layer: steps (teachers, lottery, public list, lock, late) and the
verification above them read recorded state through here instead of calling each other or up
into the service layer. Imports only the model and the result-sheet contract.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from bianban_xl import __version__
from bianban_xl.model import schema as S
from bianban_xl.model.problems import fail
from bianban_xl.model.raw_book import RawBook, RawSheet
from bianban_xl.reports.result_sheets import RECORD_KEYS


def text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def key_values(sheet: RawSheet | None) -> dict[str, str]:
    """Every '项目 | 内容' pair of a sheet (first two non-empty columns); later rows win."""
    out: dict[str, str] = {}
    if sheet is None:
        return out
    for row in sheet.rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
            out[row[0].strip()] = text(row[1])
    return out


def key_values_all(sheet: RawSheet | None, key: str) -> list[list[str]]:
    """Every row whose first cell is ``key``, as texts of the following cells (in sheet order)."""
    if sheet is None:
        return []
    return [[text(v) for v in row[1:]] for row in sheet.rows if row and isinstance(row[0], str) and row[0].strip() == key]


def record_sheet_of(book: RawBook) -> RawSheet | None:
    return book.sheets.get(S.SHEET_RECORD)


def require_assigned(book: RawBook, what: str) -> RawSheet:
    rec = record_sheet_of(book)
    if rec is None:
        fail("", f"这个工作簿还没有编班结果（没有“{S.SHEET_RECORD}”工作表），不能{what}。",
             "请先点击“自动编班”（或运行 bianban assign），再进行这一步。")
    return rec


# --- writing with openpyxl ------------------------------------------------------------------


def passed_check(line: str) -> bool:
    """Whether a line of verify's findings reports a check that passed (抽签检查通过：…)."""
    return re.match(r"\S{2,4}检查通过：", line) is not None


@dataclass
class VerifyResult:
    """What verify found: passed or not, its findings, the record it read."""
    ok: bool
    findings: list[str]            # Chinese, one line each; problems first
    record: dict[str, str] = field(default_factory=dict)


SOURCE_COMPUTER = "电脑随机抽取（未经现场报数）"
COMPUTER_NOTE = "本次随机种子由电脑抽取，未经现场报数见证。"


def draw_seed() -> int:
    """A fresh 6-digit seed, easy to read out and write down on site."""
    return 100000 + secrets.randbelow(900000)


def resolve_seed(seed: int | None, seed_source: str | None, given: str,
                 params_seed: int | None = None, params_source: str = "") -> tuple[int, str]:
    """The seed for a run and where it came from: the one given (described by ``seed_source`` or
    ``given``), else the one typed in 参数设置 (``params_source``), else a freshly drawn one."""
    if seed is not None:
        return seed, seed_source or given
    if params_seed is not None:
        return params_seed, params_source
    return draw_seed(), SOURCE_COMPUTER


def names_on_class_sheet(rows: list[list[object]]) -> list[tuple[str, str]]:
    out = []
    header = None
    for row in rows:
        cells = ["" if v is None else str(v).strip() for v in row]
        if header is None:
            if S.C_NAME in cells and "序号" in cells:
                header = (cells.index(S.C_ID) if S.C_ID in cells else None, cells.index(S.C_NAME))
            continue
        if not cells or cells[0] in ("合计", "") or not cells[0].isdigit():
            if cells and cells[0] == "合计":
                break
            continue
        id_col, name_col = header
        sid = cells[id_col] if id_col is not None and id_col < len(cells) else ""
        if sid.endswith(".0") and sid[:-2].isdigit():
            sid = sid[:-2]
        out.append((sid, cells[name_col] if name_col < len(cells) else ""))
    return out


SAME_ORDER_SINCE = (0, 6)     # from 0.6.0 the classes and fingerprints do not depend on the rows' order


def made_before_this_order(record: dict[str, str]) -> tuple[str, str] | None:
    """(why, fix) when a result made by a version before 0.6.0 cannot be checked or carried on by
    this one (its fingerprints follow the sheet's row order: a re-run here would call it tampered
    with), else None."""
    made = record.get("软件版本", "")
    m = re.match(r"bianban_xl (\d+)\.(\d+)", made)
    if not m or (int(m.group(1)), int(m.group(2))) >= SAME_ORDER_SINCE:
        return None
    return (f"无法用 bianban_xl {__version__} 复核或继续：结果由 {made} 生成；0.6.0 起编班和指纹与学生名单的行顺序无关，"
            "与之前的版本算法不同，用本版本重新运行不能说明是否被改动。",
            f"用生成结果的同一版本复核和继续（如 pip install \"bianban_xl=={made.split()[-1]}\" 后运行 bianban verify 本文件）。")


def read_record(rows: list[list[object]]) -> dict[str, str]:
    """Parse the 项目 | 内容 rows of a 编班记录 sheet back into a dict."""
    out: dict[str, str] = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip() in RECORD_KEYS:
            out[row[0].strip()] = "" if row[1] is None else str(row[1]).strip()
    return out


K_STATE, K_TIME = "锁定状态", "锁定时间"


K_COLUMN, K_SHEETS, K_DRAW = "锁定·班级列指纹", "锁定·班级表指纹", "锁定·抽签指纹"


LOCKED = "已锁定"


def lock_info(book: RawBook) -> dict[str, str] | None:
    """The lock entries of 编班记录, or None if the workbook is not locked."""
    kv = key_values(book.sheets.get(S.SHEET_RECORD))
    return kv if kv.get(K_STATE) == LOCKED else None


def refuse_if_locked(book: RawBook, what: str) -> None:
    info = lock_info(book)
    if info is not None:
        fail(S.SHEET_RECORD, f"工作簿已于 {info.get(K_TIME, '')} 锁定（结果已公示，三不动），不能{what}。",
             "锁定后只允许“插班”（新生插入，不移动任何人）、“更正学生信息”（改错字，不调班）和“验证结果”。如确需变动，请报上级批准后在命令行使用 --force 并写明原因。")


HEAD_COLS = ("序号", "班主任", "任教学科", "抽中班级", "本人签字")


@dataclass
class DrawLog:
    """The 班主任抽签 sheet as recorded: its items, pairs and their rows."""
    kv: dict[str, str]
    pairs: list[tuple[str, str]]          # (head teacher, class) as on the sheet
    rows: list[int]                       # sheet rows of the pairs


def read_draw_log(book: RawBook) -> DrawLog | None:
    sh = book.sheets.get(S.SHEET_DRAW_LOG)
    if sh is None:
        return None
    pairs, rows, in_table = [], [], False
    for r, row in enumerate(sh.rows, start=1):
        cells = [text(v) for v in row]
        if cells[:4] == list(HEAD_COLS[:4]):
            in_table = True
            continue
        if in_table:
            if not cells or not cells[0].isdigit():
                break
            pairs.append((cells[1] if len(cells) > 1 else "", cells[3] if len(cells) > 3 else ""))
            rows.append(r)
    return DrawLog(key_values(sh), pairs, rows)


def head_of_class_from_log(book: RawBook) -> dict[str, str] | None:
    log = read_draw_log(book)
    return None if log is None else {c: h for h, c in log.pairs}
