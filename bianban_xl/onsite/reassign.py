"""What a new run of 自动编班 (re-assign, with or without --force) does to the on-site sheets.

The lottery matched head teachers to the *previous* student groups, so after a re-assign:

* 抽签记录 and 公示名单 no longer apply: they are removed (``service.previous_result_sheets``
  already lists them) and the removal is written into the new 编班记录;
* 教师搭配 stays valid as teams (teachers did not change), but its 班级 column came from the old
  draw: the sheet is removed and written again from its recorded seed with the classes reset to
  “（待抽签）”. If it can no longer be rebuilt (教师名单 edited since), it is removed and the log
  says to run 教师搭配 again;
* a typed-in 抽签结果 (a physical draw) is the registrar's own sheet and is kept, with a note.

``verify`` flags the same staleness on workbooks that were edited by hand or by an older version
(see ``onsite_verify.stale_checks``).
"""
from __future__ import annotations

import re
from typing import Any

from bianban_xl.model import schema as S
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Params
from bianban_xl.model.sheet_model import SheetSpec
from bianban_xl.onsite.state import key_values, text
from bianban_xl.onsite.teachers import recorded_teams, teams_sheet

PENDING = "（待抽签）"


def team_classes(book: RawBook) -> dict[str, str]:
    """The 班级 column of 教师搭配: team label (第n组) -> class, for teams with a class filled in."""
    sh = book.sheets.get(S.SHEET_TEAMS)
    out: dict[str, str] = {}
    if sh is None:
        return out
    for row in sh.rows:
        if row and isinstance(row[0], str) and re.fullmatch(r"第\d+组", row[0].strip()) and len(row) > 1:
            cls = text(row[1])
            if cls and cls != PENDING:
                out[row[0].strip()] = cls
    return out


def sheets_to_drop(book: RawBook) -> list[str]:
    """On-site sheets a re-assign must remove besides the old results: 教师搭配 when it shows
    classes from a draw (it is written again without them by :func:`after_reassign`)."""
    return [S.SHEET_TEAMS] if team_classes(book) else []


def after_reassign(book: RawBook, params: Params, stamp: str) -> tuple[list[SheetSpec], list[list[Any]]]:
    """(sheets to write, 编班记录 log rows) for the on-site sheets of ``book`` (the workbook before
    the re-assign)."""
    sheets: list[SheetSpec] = []
    log: list[list[Any]] = []
    if S.SHEET_DRAW_LOG in book.sheets:
        kv = key_values(book.sheets[S.SHEET_DRAW_LOG])
        log.append([stamp, f"重新编班：原“{S.SHEET_DRAW_LOG}”（{kv.get('抽签时间', '')}，{kv.get('抽签方式', '')}，"
                           f"种子 {kv.get('随机种子', '')}）针对的是上一次分班，已作废并删除。请重新进行班主任抽签。"])
    if S.SHEET_PUBLIC in book.sheets:
        log.append([stamp, f"重新编班：原“{S.SHEET_PUBLIC}”已删除；重新抽签时会再生成（也可点击“公示导出”）。"])
    if team_classes(book):
        teams, problems = recorded_teams(book)
        if teams is not None and not problems:
            sheets.append(teams_sheet(teams, params, stamp))
            log.append([stamp, f"重新编班：“{S.SHEET_TEAMS}”的教师团队不变（搭配种子 {teams.seed}），"
                               f"其中按上次抽签填写的班级已清空为“{PENDING}”。请重新进行班主任抽签。"])
        else:
            log.append([stamp, f"重新编班：原“{S.SHEET_TEAMS}”中的班级来自上一次抽签，且无法按记录重建"
                               f"（{'；'.join(problems) or '搭配种子缺失'}），已删除。请重新运行“教师搭配”，再抽签。"])
    if S.SHEET_DRAW_INPUT in book.sheets:
        log.append([stamp, f"重新编班：“{S.SHEET_DRAW_INPUT}”中录入的现场抽签结果针对上一次分班，已保留未动；"
                           "重新实物抽签后请改为新的结果。"])
    return sheets, log
