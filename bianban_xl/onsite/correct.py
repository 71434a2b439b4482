"""更正学生信息: after the run (and 公示), correct one cell of a pupil in 学生名单 — a misspelt name,
a birth date a day off — as a recorded step, moving nobody.

The new value is written into 学生名单 (and into 双胞胎 where the pupil is listed by the corrected
姓名 or 编号); the class sheets, 编班汇总 and 公示名单 are rebuilt as 插班 rebuilds them; the
correction (row, 编号, column, from what, to what, why, when) is appended to 编班记录's chained run
log (onsite/corrections.py reads it back). ``verify`` undoes the recorded corrections to rebuild the
input of the run, so a book whose only changes are recorded corrections still verifies, and lists
them. The record sits in the run log rather than a sheet of its own: like the 插班 placements it is
then part of the chain that verify checks and whose newest code is signed on paper, so a record
edited, removed or typed in by hand is found, and no further sheet has to be printed or protected.

The class column (班级) is never corrected this way (三不动). A correction that makes the pupil
同名 (or 同音, when the school separates those) with a classmate moves nobody either: the step and
verify say so as a reminder.
"""
from __future__ import annotations

from datetime import date, datetime

from bianban_xl.model import schema as S
from bianban_xl.model.names import normalize_name, same_sound_groups
from bianban_xl.model.problems import fail, Report, UserError
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Roster, Student
from bianban_xl.model.sheet_model import BookUpdate
from bianban_xl.model.validate import parse_date, month_only, roster_layout, twins_layout, validate
from bianban_xl.onsite.corrections import as_number, canon_column, column_of, Correction, QUOTES, shown, twin_cells
from bianban_xl.onsite.journal import append_rows
from bianban_xl.onsite.late import book_after, keep_locked, refreshed_sheets
from bianban_xl.onsite.state import passed_check, read_record, require_assigned, VerifyResult

NO_CLASS_HINT = "直接在“学生名单”中改正即可（还没有编班的学生不在任何指纹中），再点击“插班”。"


def pick_student(roster: Roster, row: int | None = None, sid: str | None = None, name: str | None = None) -> Student:
    """The pupil a registrar names by his row in 学生名单, his 编号, or his name (when unique).
    Raises UserError naming the sheet and what to type instead."""
    given = [x for x in (row, sid, name) if x not in (None, "")]
    if len(given) != 1:
        fail(roster.sheet, "请指定要更正的学生：学生名单中的行号、编号或姓名，三者选一。",
             "例如 --row 12（学生名单第12行），或 --id 2024001，或 --name 王芳（姓名唯一时）。")
    if row is not None:
        hit = [s for s in roster.students if s.row == row]
        if not hit:
            fail(roster.sheet, f"“{roster.sheet}”第{row}行没有学生。",
                 f"请打开“{roster.sheet}”核对行号（表头在第{roster.header_row}行，学生从第{roster.header_row + 1}行开始）。", row=row)
        return hit[0]
    if sid:
        hit = [s for s in roster.students if s.sid == str(sid).strip()]
        if not hit:
            fail(roster.sheet, f"“{roster.sheet}”中没有编号为“{sid}”的学生。", "请核对编号，或改用行号（--row）指定。")
        return hit[0]
    want = normalize_name(name)
    hit = [s for s in roster.students if normalize_name(s.name) == want]
    if not hit:
        fail(roster.sheet, f"“{roster.sheet}”中没有姓名为“{name}”的学生。", "请核对姓名（更正前的姓名），或改用行号（--row）指定。")
    if len(hit) > 1:
        rows = "、".join(f"第{s.row}行（{s.klass or '无班级'}）" for s in hit)
        fail(roster.sheet, f"“{roster.sheet}”中有 {len(hit)} 名学生叫“{name}”：{rows}，无法确定是哪一位。",
             "请改用行号（--row）或编号（--id）指定。")
    return hit[0]


def _cell_value(column: str, value: str, old_cell):
    """What to write: text, except a full birth date typed into a column of dates, which stays a
    date, and a number into a cell that held a number (a score, an 编号 typed as a number)."""
    if canon_column(column) == S.C_BIRTH and isinstance(old_cell, (date, datetime)):
        d = parse_date(value)
        if isinstance(d, date) and not month_only(value):
            return datetime(d.year, d.month, d.day)
    if isinstance(old_cell, (int, float)) and not isinstance(old_cell, bool) and as_number(value) is not None:
        return as_number(value)
    return value


def classmates_alike(roster: Roster, s: Student) -> list[str]:
    """'第30行 王方（同名）' for each classmate of ``s`` whose name is the same (or sounds the same,
    when 同音分开 is set): what the run kept apart and a correction now brings together."""
    params = roster.params
    mates = [m for m in roster.students if m.klass == s.klass and m is not s]
    out = [f"第{m.row}行 {m.name}（同名）" for m in mates if normalize_name(m.name) == normalize_name(s.name)]
    if params is not None and params.separate_homophones:
        names = [s.name] + [m.name for m in mates]
        near = {j for g in same_sound_groups(names, params.fuzzy_homophones) if 0 in g for j in g if j}
        out += [f"第{mates[j - 1].row}行 {mates[j - 1].name}（同音）" for j in sorted(near)]
    return out


def alike_reminder(roster: Roster, s: Student) -> str:
    alike = classmates_alike(roster, s)
    if not alike:
        return ""
    return (f"提醒：更正后，{s.klass}第{s.row}行 {s.name} 与同班的{'、'.join(alike)}姓名相同或相近；编班时二人姓名不同，"
            "按三不动不调整班级。请班主任点名时注意区分（如在名单上加注）。")


def plan_correct(book: RawBook, verified: VerifyResult, column: str, value: str, reason: str,
                 row: int | None = None, sid: str | None = None, name: str | None = None,
                 stamp: str | None = None) -> BookUpdate:
    """更正学生信息 on a book that verifies (``verified``: verify_book's result for ``book``). Raises
    UserError; writes nothing."""
    require_assigned(book, "更正学生信息")
    if not verified.ok:
        rep = Report()
        for line in verified.findings[1:] or verified.findings:
            if not passed_check(line):
                rep.error("", line)
        rep.error("", "验证未通过，不能记录更正（更正要在验证通过的结果上进行，才能说明除了更正没有别的改动）。",
                  "如果已经在“学生名单”中手工改过这一格，请先改回原来的内容（验证通过），再用“更正学生信息”记录这次更正；"
                  "其他不一致请先查明原因。")
        raise UserError(rep)
    reason = (reason or "").strip()
    if not reason:
        fail("", "请写明更正的原因（如“家长反映错字，经核对户口本”），原因会写入编班记录。", "命令行加 --reason \"原因\"。")
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    s = pick_student(roster, row, sid, name)
    sheet, hr, cols, raw = roster_layout(book)
    col = column_of(column or "", cols, raw)
    if canon_column(column or "") == S.C_CLASS or (col is not None and col == cols.get(S.C_CLASS)):
        fail(sheet, "班级不能用“更正”改动：编班结果公示后三不动，任何学生都不调班。",
             "如确需调班，须报上级批准后另行处理（重新编班会使所有结果作废）；插班学生请用“插班”。", row=s.row, col=col)
    if col is None:
        have = "、".join(h for c, h in sorted(raw.items()) if c != cols.get(S.C_CLASS))
        fail(sheet, f"“{sheet}”中没有“{column}”这一列。", f"请写表头上的列名之一：{have}。", row=hr)
    if not s.klass:
        fail(sheet, f"“{sheet}”第{s.row}行 {s.name} 还没有班级，不需要记录更正。", NO_CLASS_HINT, row=s.row, col=col)
    header = raw[col]
    old_cell = book.sheets[sheet].cell(s.row, col)
    old, new = shown(old_cell), " ".join((value or "").split())
    if canon_column(header) == S.C_BIRTH and isinstance(parse_date(new), date) and not month_only(new):
        new = parse_date(new).isoformat()        # 2013/9/3 recorded and written as 2013-09-03
    if any(q in old + new + header for q in QUOTES):
        fail(sheet, f"“{sheet}”第{s.row}行“{header}”的原内容或新内容含有括号「」，无法写入更正记录。",
             "请去掉「」后再更正。", row=s.row, col=col)
    if old == new or (canon_column(header) == S.C_BIRTH and new and parse_date(new) == parse_date(old_cell)
                      and month_only(new) == month_only(old_cell)):
        fail(sheet, f"“{sheet}”第{s.row}行“{header}”已经是“{old}”，没有需要更正的内容。",
             "请核对学生和新内容；如“学生名单”中已经手工改过，请先改回原样再更正。", row=s.row, col=col)
    if not new and canon_column(header) in S.ROSTER_REQUIRED:
        fail(sheet, f"“{header}”不能为空。", f"请写明新的{header}。", row=s.row, col=col)
    upd = BookUpdate()
    upd.cells = [(sheet, s.row, col, _cell_value(header, new, old_cell))]
    tname = twins_layout(book)[0]
    if tname:
        upd.cells += [(tname, r, c, v) for r, c, v in twin_cells(book, dict(book.sheets[tname].cells), header,
                                                                   s.sid, old, new)]
    after = book_after(book, upd)
    full, after_report = validate(after)
    if full is None:
        rep = Report(list(after_report.errors))
        rep.error(sheet, f"更正后的数据无法通过检查（第{s.row}行“{header}”：“{old}”→“{new}”），没有更正，文件未改动。",
                  "请按上面的提示改正要填写的新内容。", row=s.row, col=col)
        raise UserError(rep)
    stamp = stamp or datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    fx = Correction(stamp, sheet, s.row, new if canon_column(header) == S.C_ID else s.sid, header, old, new, reason,
                    who="" if s.sid or canon_column(header) in (S.C_NAME, S.C_ID) else s.name)
    now = next(x for x in full.students if x.row == s.row)
    record = read_record(book.sheets[S.SHEET_RECORD].rows)
    upd.sheets = refreshed_sheets(book, full, record, stamp)
    upd.record_rows = append_rows(book, [(stamp, fx.entry())])
    reminder = alike_reminder(full, now)
    upd.messages.append(f"已更正：“{sheet}”{fx.line()}。班级没有变（{now.klass}），各班名单、编班汇总"
                        + ("和公示名单" if S.SHEET_PUBLIC in book.sheets else "") + "已按更正后的内容重新生成；"
                        f"更正已记入“{S.SHEET_RECORD}”，验证结果时会列出。")
    if len(upd.cells) > 1:
        upd.messages.append(f"“{tname}”中该生的{header}已一并改正（{len(upd.cells) - 1} 处）。")
    if reminder:
        upd.messages.append(reminder)
    if S.SHEET_PUBLIC in book.sheets:
        upd.messages.append(f"请重新打印张贴“{S.SHEET_PUBLIC}”和{now.klass}的班级名单。")
    keep_locked(book, upd, "更正")
    return upd


__all__ = ["plan_correct", "pick_student", "classmates_alike", "alike_reminder"]
