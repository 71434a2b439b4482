"""编班记录's 运行日志 as an append-only, chained log of every step.

Each entry is a row ``时间 | 事项 | 校验码``. The 校验码 of an entry is the 核验码 of
SHA-256(previous entry's 校验码, 时间, 事项), so an entry edited, removed or moved in the middle
changes every code after it, and ``verify`` names the first entry that no longer fits. Entries
must be in time order. What the chain cannot show by itself is the removal of the *last*
entries: the newest 校验码 is printed on the signed 编班记录 page (日志校验码), so the paper shows it.

Steps never rewrite the log: 自动编班 carries every earlier entry into the new 编班记录 and
appends its own; the other steps append rows through ``BookUpdate.record_rows``.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bianban_xl.model import schema as S
from bianban_xl.model.codes import normalize_code, short_code
from bianban_xl.model.fingerprint import sha
from bianban_xl.model.raw_book import RawBook
from bianban_xl.onsite.state import text

LOG_HEADER = ["时间", "事项", "校验码"]
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def entry_code(previous: str, stamp: str, what: str) -> str:
    return short_code(sha([previous, stamp, what]))


def read_log(book: RawBook) -> list[tuple[int, str, str, str]]:
    """The log entries of 编班记录 in sheet order: (sheet row, 时间, 事项, 校验码)."""
    rec = book.sheets.get(S.SHEET_RECORD)
    if rec is None:
        return []
    out = []
    for r, row in enumerate(rec.rows, start=1):
        if row and _STAMP.fullmatch(text(row[0])) and len(row) > 1 and text(row[1]):
            out.append((r, text(row[0]), text(row[1]), text(row[2]) if len(row) > 2 else ""))
    return out


def last_code(book: RawBook) -> str:
    entries = read_log(book)
    return entries[-1][3] if entries else ""


def chain(entries: list[tuple[str, str]], previous: str = "") -> list[list[Any]]:
    """Rows ``[时间, 事项, 校验码]`` for new entries, continuing after ``previous``."""
    rows = []
    for stamp, what in entries:
        previous = entry_code(previous, stamp, what)
        rows.append([stamp, what, previous])
    return rows


def append_rows(book: RawBook, entries: list[tuple[str, str]]) -> list[list[Any]]:
    """Rows for ``BookUpdate.record_rows``: new entries chained to the book's newest entry."""
    return chain(entries, last_code(book))


def carried_entries(book: RawBook) -> list[list[Any]]:
    """Every entry of the book's current log, as rows, for a new 编班记录 (nothing is dropped)."""
    return [[stamp, what, code] for _, stamp, what, code in read_log(book)]


def verify_log(book: RawBook) -> tuple[bool, list[str]]:
    """Entries in time order and each 校验码 chained to the one before. Old workbooks whose log has
    no 校验码 at all pass with a note."""
    entries = read_log(book)
    if not entries:
        return True, []
    if all(not code for *_, code in entries):
        return True, [f"提醒：“{S.SHEET_RECORD}”的运行日志没有校验码（由旧版本生成），未能检查日志是否被改动。"]
    ok, out = True, []
    previous, last_stamp = "", ""
    for r, stamp, what, code in entries:
        want = entry_code(previous, stamp, what)
        if normalize_code(code) != want:
            ok = False
            why = "没有校验码（可能是手工添加的）" if not code else "校验码与前后记录对不上（这一条或它之前的记录被修改、删除或调换过）"
            out.append(f"“{S.SHEET_RECORD}”第{r}行的日志（{stamp} {what[:30]}…）{why}。")
            break
        if stamp < last_stamp:
            ok = False
            out.append(f"“{S.SHEET_RECORD}”第{r}行的日志时间 {stamp} 早于上一条（{last_stamp}）：日志不是按时间顺序追加的。")
            break
        previous, last_stamp = code, stamp
    if ok:
        out.append(f"日志检查通过：“{S.SHEET_RECORD}”的 {len(entries)} 条运行日志按时间顺序排列，逐条校验码相符；"
                   f"最新一条的校验码为 {entries[-1][3]}（应与签字页上的日志校验码相同）。")
    else:
        out.append("处理办法：运行日志只能由软件追加，不能手工修改；请找到原始结果文件（或备份）重新复核。")
    return ok, out
