"""锁定 and 三不动: after publication the workbook is locked — result sheets protected and the
fingerprints of the class column, every class sheet and the lottery recorded in 编班记录. A locked
workbook refuses to re-assign unless forced with a reason (which is logged); verify reports any
change made after locking, naming the class or sheet."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from bianban_xl.model import schema as S
from bianban_xl.model.fingerprint import sha
from bianban_xl.model.identity import student_idents
from bianban_xl.model.problems import fail, Report, UserError
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.sheet_model import BookUpdate
from bianban_xl.onsite.journal import append_rows
from bianban_xl.onsite.seal import K_CODE as SEAL_CODE, read_seal
from bianban_xl.model.validate import validate
from bianban_xl.onsite.state import K_COLUMN, K_DRAW, K_SHEETS, K_STATE, K_TIME, lock_info, LOCKED, names_on_class_sheet, passed_check, read_draw_log, read_record, require_assigned, text, VerifyResult
from bianban_xl.reports.result_sheets import SHEET_SCHOOLS

def onsite_steps_done(book: RawBook) -> list[str]:
    """What a plain re-run of 自动编班 would undo in ``book``: a lottery, 教师搭配, late placements
    (in 编班记录), a typed-in physical draw. Empty for a workbook with results only."""
    done = []
    if S.SHEET_DRAW_LOG in book.sheets:
        done.append(f"班主任抽签（“{S.SHEET_DRAW_LOG}”）")
    if S.SHEET_TEAMS in book.sheets:
        done.append(f"教师搭配（“{S.SHEET_TEAMS}”）")
    rec = book.sheets.get(S.SHEET_RECORD)
    late = sum(1 for row in (rec.rows if rec else []) if len(row) > 1 and text(row[1]).startswith("插班："))
    if late:
        done.append(f"插班 {late} 人（“{S.SHEET_RECORD}”）")
    return done


def assign_guard(book: RawBook, force_reason: str | None, in_place: bool = False) -> list[list[Any]]:
    """Called before re-assigning. A locked workbook is refused without a reason (UserError); so is
    one holding a lottery, 教师搭配 or late placements when the run would write over it
    (``in_place``): with -o the original keeps that work. Forced: the log rows to record."""
    info = lock_info(book)
    forced = bool(force_reason and force_reason.strip())
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    seal = read_seal(book)
    run_on_seal = seal is not None and S.SHEET_RECORD in book.sheets and \
        read_record(book.sheets[S.SHEET_RECORD].rows).get("封存核验码", "").startswith(seal[SEAL_CODE])
    if info is None and run_on_seal:
        # sealed, then assigned with the number called out: another run is another draw
        if not forced:
            fail(S.SHEET_RECORD, "这个工作簿封存后已经编过班（用现场报数的随机种子）；再编一次等于换一个种子重新抽结果，"
                                 "没有重新编班，文件未改动。",
                 "如确需重新编班（如报数录错，须经监督人员同意），请运行：bianban assign 文件 --force --reason \"原因\"，"
                 "原因会写入编班记录。")
        done = onsite_steps_done(book)
        return [[stamp, f"封存后再次编班{'（原已做过' + '、'.join(done) + '）' if done else ''}；原因：{force_reason.strip()}"]]
    if info is None:
        done = onsite_steps_done(book)
        if not done or not (in_place or forced):
            return []
        if not forced:
            fail(S.SHEET_RECORD, f"这个工作簿已经做过{'、'.join(done)}；重新编班会使这些结果作废，没有重新编班，文件未改动。",
                 "插班请用“插班”（bianban late），不会移动任何已编班的学生。确需重新编班（须经批准），请运行："
                 "bianban assign 文件 --force --reason \"原因\"，原因会写入编班记录，原文件先备份。")
        return [[stamp, f"{'强制' if in_place else ''}重新编班：工作簿原已做过{'、'.join(done)}；原因：{force_reason.strip()}"]]
    if not forced:
        fail(S.SHEET_RECORD, f"工作簿已于 {info.get(K_TIME, '')} 锁定（结果已公示，三不动），拒绝重新编班。",
             "插班请用“插班”（bianban late），不会移动任何已编班的学生。确需重新编班（须经批准），请运行："
             "bianban assign 文件 --force --reason \"原因\"，原因会写入编班记录。")
    return [[stamp, f"强制重新编班：工作簿原已于 {info.get(K_TIME, '')} 锁定；原因：{force_reason.strip()}；"
                    f"锁定时结果指纹 {info.get(K_COLUMN, '')[:16]}…"]]


# --- fingerprints ---------------------------------------------------------------------------
def _short(parts: dict[str, str]) -> str:
    return ";".join(f"{k}:{v[:12]}" for k, v in parts.items())


def _parse_short(value: str) -> dict[str, str]:
    out = {}
    for part in value.split(";"):
        if ":" in part:
            k, v = part.rsplit(":", 1)
            out[k] = v
    return out


def _column(roster, idents: list[str]) -> dict[str, str]:
    """The class column's fingerprint per class, each student named by ``idents``."""
    return {c: sha(sorted([x, s.name] for x, s in zip(idents, roster.students) if s.klass == c))
            for c in roster.params.names()}


def current_fingerprints(book: RawBook, roster=None) -> dict[str, dict[str, str]]:
    """Per-class fingerprints of the class column and of each class sheet, and of the lottery.
    Students are named as :func:`student_idents` names them, so sorting 学生名单 changes nothing.
    ``roster``: the book's, when the caller has read it already."""
    if roster is None:
        roster, _ = validate(book)
    names = roster.params.names() if roster is not None else []
    column = _column(roster, student_idents(roster.students)) if roster is not None else {}
    sheets = {}
    for c in names:
        sh = book.sheets.get(c)
        sheets[c] = sha(sorted(names_on_class_sheet(sh.rows))) if sh is not None else "无"
    draw = {}
    log = read_draw_log(book)
    if log is not None:
        draw = {"抽签": sha(sorted(log.pairs))}
    return {K_COLUMN: column, K_SHEETS: sheets, K_DRAW: draw}


def lock_rows(book: RawBook, stamp: str) -> list[list[Any]]:
    fps = current_fingerprints(book)
    return [[K_STATE, LOCKED], [K_TIME, stamp], [K_COLUMN, _short(fps[K_COLUMN])],
            [K_SHEETS, _short(fps[K_SHEETS])], [K_DRAW, _short(fps[K_DRAW]) or "（未抽签）"]]


def result_sheet_names(book: RawBook) -> list[str]:
    rec = book.sheets.get(S.SHEET_RECORD)
    classes = [x for x in read_record(rec.rows).get("班级名称", "").split(",") if x] if rec else []
    names = [S.SHEET_SUMMARY, S.SHEET_RECORD, SHEET_SCHOOLS, S.SHEET_TEAMS, S.SHEET_DRAW_LOG, S.SHEET_PUBLIC] + classes
    return [n for n in names if n in book.sheets]


def plan_lock(book: RawBook, verified: VerifyResult, reason: str | None = None) -> BookUpdate:
    """锁定: only a workbook that verifies can be locked (``verified`` is verify_book's result for
    ``book``, computed by the caller). Raises UserError; writes nothing. ``reason`` (e.g. 公示期满，
    无异议), when given, is recorded as 锁定原因."""
    require_assigned(book, "锁定")
    if lock_info(book) is not None:
        fail(S.SHEET_RECORD, f"工作簿已于 {lock_info(book).get(K_TIME, '')} 锁定，无需再次锁定。", "")
    res = verified
    if not res.ok:
        rep = Report()
        for line in res.findings[1:] or res.findings:
            if not passed_check(line):      # what did pass is no error
                rep.error("", line)
        rep.error("", "验证未通过，不能锁定。", "请先找出并改正上面列出的不一致（或重新编班），验证通过后再锁定。")
        raise UserError(rep)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    upd = BookUpdate(protect=result_sheet_names(book))
    upd.record_rows = append_rows(book, [(stamp, f"锁定（三不动）：{len(upd.protect)} 个结果工作表设保护，记录班级列、各班名单和抽签结果的指纹")])
    upd.record_rows += [[], ["锁定（三不动）"], ["项目", "内容"]] + lock_rows(book, stamp)
    if reason and reason.strip():
        upd.record_rows.append(["锁定原因", reason.strip()])
    upd.record_rows.append(["锁定说明", "结果已公示并锁定：结果工作表已设保护；之后的任何改动都会被“验证结果”发现。插班不移动已编班的学生。"])
    upd.messages.append(f"已锁定：{len(upd.protect)} 个结果工作表已设保护（{'、'.join(upd.protect)}），班级列、各班名单和抽签结果的指纹已记入“{S.SHEET_RECORD}”。")
    return upd


def verify_lock(book: RawBook, roster=None, classes_kept: bool = False) -> tuple[bool, list[str]]:
    """Compare the workbook with the fingerprints recorded when it was locked (``roster``: the
    book's, when the caller has read it already). ``classes_kept``: verify found every pupil, named by
    his 编号, in the class of the run, and the class sheets as the roster — a changed fingerprint (it
    covers the names too) is then a corrected name, said so, not a moved pupil."""
    info = lock_info(book)
    if info is None:
        return True, []
    if roster is None:
        roster, _ = validate(book)
    now = current_fingerprints(book, roster)
    # books locked before 0.6.1 named a student without 编号 by his row (Student.key)
    legacy = {K_COLUMN: _column(roster, [s.key for s in roster.students]) if roster is not None else {}}
    ok, out = True, []
    for key, what in ((K_COLUMN, f"“{S.SHEET_ROSTER}”中班级为“{{}}”的学生"), (K_SHEETS, "班级工作表“{}”")):
        rec = _parse_short(info.get(key, ""))
        for c, fp in rec.items():
            before = legacy.get(key, {}).get(c)
            if fp != now[key].get(c, "")[:12] and not (before is not None and fp == before[:12]):
                ok = False
                out.append(f"锁定（{info.get(K_TIME, '')}）之后，{what.format(c)}被改动过"
                           + ("（按编号核对，各学生的班级与编班时相同：改动的是姓名等信息，如更正错字，分班没有变）。"
                              if classes_kept else "。"))
    rec_draw = _parse_short(info.get(K_DRAW, ""))
    if rec_draw and now[K_DRAW].get("抽签", "")[:12] != rec_draw.get("抽签"):
        ok = False
        out.append(f"锁定（{info.get(K_TIME, '')}）之后，“{S.SHEET_DRAW_LOG}”中的抽签结果被改动或删除。")
    if ok:
        steps = "插班" if info.get(K_RELOCK, "").endswith("（插班）") else "插班、更正学生信息"
        late = f"除{steps}（最近一次 {info[K_RELOCK]}，见运行日志）外，" if info.get(K_RELOCK) else ""
        out.append(f"锁定检查通过：锁定（{info.get(K_TIME, '')}）之后，{late}班级列、各班名单和抽签结果都没有被改动。")
    return ok, out


K_RELOCK = "锁定指纹更新"      # when 插班 last refreshed the lock fingerprints (锁定时间 stays)


def relock_rows(book_after: RawBook, step: str = "插班") -> list[list[Any]]:
    """After 插班 (or 更正, ``step``) on a locked workbook: the refreshed lock fingerprints (later rows
    win), under the time it was locked; the time of the refresh beside it."""
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    locked = (lock_info(book_after) or {}).get(K_TIME) or stamp
    return [[K_STATE, LOCKED], [K_TIME, locked]] + lock_rows(book_after, stamp)[2:] + [[K_RELOCK, f"{stamp}（{step}）"]]


__all__ = ["assign_guard", "plan_lock", "verify_lock", "relock_rows", "result_sheet_names"]
