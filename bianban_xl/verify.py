"""验证结果: re-run from what the workbook records and compare with the classes it holds, then the
on-site checks (插班 replay, the lottery, the lock fingerprints, and on-site sheets left stale by a
later change: 教师搭配 classes without a lottery, a 公示名单 that no longer matches the classes).

Sits above the on-site steps: it reads their records through them; steps that need a verified
book (锁定, 抽签) receive the VerifyResult from the service layer instead of calling up here.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from bianban_xl import __version__
from bianban_xl.model import schema as S
from bianban_xl.model.called_digits import recorded_seed
from bianban_xl.model.codes import short_code
from bianban_xl.model.fingerprint import input_fingerprint, result_fingerprint
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Infeasible, Roster
from bianban_xl.model.validate import validate
from bianban_xl.onsite.assign import solve_labels
from bianban_xl.onsite.journal import read_log, verify_log
from bianban_xl.onsite.correct import alike_reminder
from bianban_xl.onsite.corrections import canon_column, CORRECTED_HEAD, Correction, original_book, read_corrections
from bianban_xl.onsite.late import split_late, verify_late
from bianban_xl.onsite.lock import verify_lock
from bianban_xl.onsite.lottery import verify_lottery
from bianban_xl.onsite.public_list import mask_name_before_0_6_3, posted_order_free, public_names
from bianban_xl.onsite.reassign import team_classes
from bianban_xl.onsite.state import (VerifyResult, head_of_class_from_log, made_before_this_order, names_on_class_sheet,
                                     read_record)
from bianban_xl.onsite.state import text
from bianban_xl.onsite.teachers import recorded_teams
from bianban_xl.reports.result_sheets import class_sheet_key


def verify_book(book: RawBook) -> VerifyResult:
    """Re-run from what the workbook records and compare with the classes it holds."""
    findings: list[str] = []
    rec_sheet = book.sheets.get(S.SHEET_RECORD)
    if rec_sheet is None:
        return VerifyResult(False, [f"没有“{S.SHEET_RECORD}”工作表：这不是本软件生成的编班结果，或记录已被删除。"
                                    "处理办法：请选择 bianban assign（或“自动编班”）生成的编班结果文件再复核。"])
    record = read_record(rec_sheet.rows)
    older = made_before_this_order(record)
    if older:              # its fingerprints follow the rows of the sheet: a re-run here would call it tampered with
        return VerifyResult(False, ["验证未通过：", f"{older[0]}处理办法：{older[1]}"], record)
    roster, report = validate(book)
    if roster is None:
        return VerifyResult(False, ["输入数据无法读取："] + [p.text() for p in report.errors], record)
    full_roster = roster
    # recorded corrections (更正) undone: the input of the run, as far as they go
    fixes = read_corrections(book)
    original, undo_notes = original_book(book, fixes)
    if original is not book:
        roster, report = validate(original)
        if roster is None:
            return VerifyResult(False, ["把记录的更正还原之后，输入数据无法读取（更正记录与学生名单对不上）："]
                                + [p.text() for p in report.errors] + undo_notes, record)
    original_roster = roster
    now_of = {s.row: s for s in full_roster.students}      # rows are the same pupils before and after corrections
    roster, late_students = split_late(original, roster)   # 插班 students are checked by replaying 插班记录
    params = roster.params
    assert params is not None
    ok = True
    version = record.get("软件版本", "")
    if version and version != f"bianban_xl {__version__}":
        findings.append(f"提醒：结果由 {version} 生成，当前是 bianban_xl {__version__}；如结果不一致，请用相同版本复核。")
    try:
        seed = recorded_seed(record.get("随机种子", ""))
    except ValueError:
        return VerifyResult(False, [f"“{S.SHEET_RECORD}”中的随机种子缺失或被改动：“{record.get('随机种子', '')}”。"], record)
    in_fp = input_fingerprint(roster, params)
    findings += undo_notes
    if record.get("输入指纹") != in_fp:
        ok = False
        findings.append("输入数据（参数设置、学生名单或双胞胎）与编班时不一致：输入指纹不符。"
                        "说明编班后有人修改了学生信息、参数或双胞胎申请"
                        + ("（各学生的班级与编班时相同：结果指纹相符，如只是更正了姓名等错字，分班结果没有被改动）。"
                           if record.get("结果指纹") == result_fingerprint(roster, [s.klass or "" for s in roster.students])
                           else "。")
                        + FIX_BY_CORRECTION)
        then = str(record.get("学生人数", ""))
        if then.isdigit() and int(then) != len(roster.students):
            more = len(roster.students) - int(then)
            findings.append(f"学生名单现在有 {len(roster.students)} 名学生，编班时是 {then} 名（{'多' if more > 0 else '少'}了 "
                            f"{abs(more)} 名）：重新运行的结果因此与本文件不同，下面列出的班级差异不一定是有人改了班级。")
    missing = [s for s in roster.students if not s.klass]
    if missing:
        ok = False
        who = "、".join(f"{s.name}(第{s.row}行)" for s in missing[:10])
        findings.append(f"“{roster.sheet}”中有 {len(missing)} 名学生没有班级：{who}。")
    names = params.names()
    try:
        labels = solve_labels(roster, params, seed)
    except Infeasible as exc:
        return VerifyResult(False, findings + [f"按记录重新运行失败：{exc.rule}：{exc.detail}"], record)
    expected = [names[int(k)] for k in labels]
    moved = [(s, e) for s, e in zip(roster.students, expected) if s.klass and s.klass != e]
    if moved:
        ok = False
        for s, e in moved[:20]:
            findings.append(f"“{roster.sheet}”第{s.row}行 {s.name}：班级是“{s.klass}”，按记录重新运行应为“{e}”。")
        if len(moved) > 20:
            findings.append(f"……共 {len(moved)} 名学生的班级与重新运行的结果不同。")
    actual = [s.klass or "" for s in roster.students]
    result_kept = bool(record.get("结果指纹")) and result_fingerprint(roster, actual) == record.get("结果指纹")
    if record.get("结果指纹") and not result_kept:
        ok = False
        if record.get("输入指纹") != in_fp and not all(s.sid for s in roster.students):
            # without 编号 the result fingerprint names a pupil by his 姓名, 出生日期 …: a corrected name
            # changes it as a moved pupil does, and nothing recorded tells the two apart
            findings.append("班级列与编班时记录的结果指纹不符：编班后有学生的班级被改动过，或者有学生的姓名、出生日期等"
                            "信息被更正过——学生名单没有编号，这两种情况无法区分。处理办法：请对照签字的纸质名单逐班核对；"
                            "如只是更正了错字，请把改过的单元格改回原样，再用“更正学生信息”（bianban correct）记录更正，"
                            "验证就能区分更正和调班；以后编班请填写编号（如学籍号）。")
        else:
            findings.append("班级列与编班时记录的结果指纹不符：编班后班级被改动过。")
    shown_now = replace(roster, students=[now_of.get(s.row, s) for s in roster.students])
    sheet_findings = _class_sheet_findings(book, shown_now, names, actual, [now_of.get(s.row, s) for s in late_students])
    code = short_code(record.get("结果指纹", ""))
    code_findings = _code_findings(record, code)
    ok = ok and not sheet_findings and not code_findings
    findings += sheet_findings + code_findings
    # every pupil has a 编号, the classes by 编号 are those of the run and the class sheets agree: what the
    # lock finds changed can only be names (a correction during 公示), not classes
    classes_kept = bool(roster.students) and all(s.sid for s in full_roster.students) and not sheet_findings and result_kept
    onsite_ok, onsite_findings = onsite_checks(book, full_roster, classes_kept, original_roster,
                                               _roster_at(book, fixes, original_roster, full_roster))
    ok = ok and onsite_ok
    findings += onsite_findings
    if fixes:
        findings += correction_lines(fixes, full_roster)
    if ok:
        same = ("输入数据除记录的更正外与编班时相同" if fixes else "输入数据与编班时相同")
        findings.insert(0, f"验证通过：用记录的随机种子 {seed} 重新运行，{len(roster.students)} 名学生的班级与本文件完全一致；"
                           f"{same}；各班工作表与学生名单一致。"
                           + (f"结果核验码 {code}（应与签字页上的相同）。" if code else ""))
    else:
        findings.insert(0, "验证未通过：")
    return VerifyResult(ok, findings, record)


FIX_BY_CORRECTION = ("如是公示后更正错字（姓名、出生日期等）：请把改过的单元格改回原样，再用“更正学生信息”"
                     "（bianban correct）记录更正，验证会按更正前的内容复核并列出更正。")


def _class_sheet_findings(book: RawBook, roster: Roster, names: list[str], actual: list[str],
                          late_students: list) -> list[str]:
    """Each class sheet must list exactly the students of its class (插班 students included)."""
    out = []
    known = {*names, *S.INPUT_SHEETS, *S.RESULT_SHEETS}
    strangers = [n for n in book.order if n not in known and names_on_class_sheet(book.sheets[n].rows)]
    for cname in names:
        sh = book.sheets.get(cname)
        if sh is None:
            hint = (f"（工作簿中有列着学生的工作表“{'”“'.join(strangers)}”：如果是它改了名，请改回“{cname}”）"
                    if strangers else "")
            out.append(f"缺少班级工作表“{cname}”{hint}。")
            continue
        listed = names_on_class_sheet(sh.rows)
        should = sorted([class_sheet_key(s) for s, e in zip(roster.students, actual) if e == cname]
                        + [class_sheet_key(s) for s in late_students if s.klass == cname])
        if sorted(listed) != should:
            extra = sorted(set(listed) - set(should))
            lack = sorted(set(should) - set(listed))
            parts = []
            if extra:
                parts.append("多出 " + "、".join(n for _, n in extra[:10]))
            if lack:
                parts.append("缺少 " + "、".join(n for _, n in lack[:10]))
            out.append(f"班级工作表“{cname}”与学生名单的班级列不一致：{'；'.join(parts) or '顺序或内容被改动'}。")
    return out


def _code_findings(record: dict[str, str], code: str) -> list[str]:
    """The 核验码 printed on 编班记录 must match the fingerprints recorded next to them."""
    out = []
    if record.get("结果核验码") and record.get("结果核验码") != code:
        out.append(f"“{S.SHEET_RECORD}”上的结果核验码 {record.get('结果核验码')} 与记录的结果指纹不符（应为 {code}）：记录被改动过。")
    sealed = record.get("封存核验码", "")
    if sealed and not sealed.startswith("（") and not sealed.startswith(short_code(record.get("输入指纹", ""))):
        out.append(f"“{S.SHEET_RECORD}”上的封存核验码 {sealed} 与记录的输入指纹不符：编班用的数据不是封存时的那一份，或记录被改动过。")
    return out


def correction_lines(fixes: list[Correction], roster: Roster) -> list[str]:
    """The recorded corrections, one line each, and a reminder where a corrected pupil now shares
    his name (or its sound) with a classmate (nobody moved: 三不动)."""
    out = [f"{CORRECTED_HEAD} {len(fixes)} 处（已记入“{S.SHEET_RECORD}”的运行日志，按更正前的内容复核）："
           + "；".join(fx.line() for fx in fixes) + "。"]
    rows = {fx.row for fx in fixes if canon_column(fx.column) == S.C_NAME}
    for s in roster.students:
        if s.row in rows and s.klass:
            reminder = alike_reminder(roster, s)
            if reminder:
                out.append(reminder)
    return out


def _roster_at(book: RawBook, fixes: list[Correction], original: Roster, now: Roster):
    """A 插班's stamp -> the roster as that 插班 saw it: the recorded corrections logged after its
    placements undone (the same students in the same rows as ``original``). None when nothing was
    corrected."""
    if not fixes:
        return None
    seen: dict[int, Roster] = {}
    placed_at = {}                 # a 插班's time -> the log row of its first placement
    for r, stamp, what, _ in read_log(book):
        if what.startswith("插班："):
            placed_at.setdefault(stamp, r)

    def at(stamp: str) -> Roster:
        row = placed_at.get(stamp)
        later = [fx for fx in fixes if (fx.log_row > row if row is not None else fx.stamp > stamp)]
        if len(later) not in seen:
            if len(later) == len(fixes):
                seen[len(later)] = original
            elif not later:
                seen[0] = now
            else:
                r = validate(original_book(book, later)[0])[0]
                seen[len(later)] = r if r is not None and len(r.students) == len(original.students) else original
        return seen[len(later)]
    return at


def onsite_checks(book: RawBook, roster: Roster, classes_kept: bool = False,
                  original: Roster | None = None, roster_at=None) -> tuple[bool, list[str]]:
    """The on-site steps' checks. ``classes_kept``: every pupil's class by 编号 is known unchanged since
    the run (the lock then names a change of its class fingerprints a correction, when 插班 replays).
    ``original``: the roster with the recorded corrections undone (插班 finds its pupils in it: its
    records name them as they were then) and ``roster_at`` the roster at a batch's time (each 插班 is
    replayed on it); the other checks see the book as it is."""
    ok, out = verify_late(book, original or roster, roster_at)
    late_ok = ok
    for check in (lambda: verify_lottery(book), lambda: verify_teams(book),
                  lambda: verify_lock(book, roster, classes_kept and late_ok), lambda: stale_checks(book, roster),
                  lambda: verify_log(book)):
        good, lines = check()
        ok = ok and good
        out += lines
    return ok, out


def verify_teams(book: RawBook) -> tuple[bool, list[str]]:
    """教师搭配 before the draw (after it, the lottery check covers it): rebuilt from its recorded
    seed. A difference is a notice, not a failure: the pupils' classes do not depend on it, and
    the draw refuses stale or edited teams."""
    if S.SHEET_TEAMS not in book.sheets or S.SHEET_DRAW_LOG in book.sheets:
        return True, []
    _, problems = recorded_teams(book)
    if problems:
        return True, [f"提醒：{p}（抽签会拒绝这份教师搭配：请在抽签之前重新进行教师搭配。）" for p in problems]
    return True, [f"教师搭配检查通过：按记录的搭配种子重新计算，各团队与“{S.SHEET_TEAMS}”表一致。"]


def stale_checks(book: RawBook, roster: Roster) -> tuple[bool, list[str]]:
    """教师搭配 showing classes although there is no 抽签记录 (e.g. re-assigned since), and a
    公示名单 whose classes, names or head teachers differ from the workbook now."""

    ok, out = True, []
    if team_classes(book) and S.SHEET_DRAW_LOG not in book.sheets:
        ok = False
        out.append(f"“{S.SHEET_TEAMS}”的班级一栏填有班级，但工作簿中没有“{S.SHEET_DRAW_LOG}”：这些班级来自一次已作废的抽签"
                   f"（例如之后重新编过班），不代表现在的分班。处理办法：重新进行班主任抽签（会重新填写班级）。")
    good, lines = _public_current(book, roster)
    return ok and good, out + lines


def _public_current(book: RawBook, roster: Roster) -> tuple[bool, list[str]]:
    sh = book.sheets.get(S.SHEET_PUBLIC)
    if sh is None or roster.params is None:
        return True, []
    names = roster.params.names()
    heads = head_of_class_from_log(book) or {}
    want, before = {}, {}
    for c in names:
        members = [s for s in roster.students if s.klass == c]
        want[c] = [(shown, s.gender) for s, shown in zip(members, public_names(members))]
        before[c] = [(shown, s.gender) for s, shown in zip(members, public_names(members, mask_name_before_0_6_3))]
    got: dict[str, list[tuple[str, str]]] = {}
    got_head: dict[str, str] = {}
    head = ""
    for row in sh.rows:
        first = text(row[0]) if row else ""
        if first.startswith("班主任："):
            m = re.match(r"班主任：(\S+)", first)
            head = m.group(1) if m else ""
        elif first.isdigit() and len(row) >= 4:
            c = text(row[1])
            got.setdefault(c, []).append((text(row[2]), text(row[3])))
            got_head[c] = head
    posted = {c: posted_order_free(got.get(c, [])) for c in {*names, *got}}
    wanted = {c: posted_order_free(want.get(c, [])) for c in posted}
    bad = [c for c in names if posted[c] not in (wanted[c], posted_order_free(before[c]))]
    bad += sorted(c for c in got if c not in names)
    # a class whose posted entries that the roster lacks are as many boys and girls as the roster's
    # that the list lacks, none of them wanted in another class: only names differ (a corrected
    # name); otherwise pupils are posted where they are not
    extra = {c: Counter(posted[c]) - Counter(wanted[c]) for c in bad}
    missing = {c: Counter(wanted[c]) - Counter(posted[c]) for c in bad}
    renamed = [c for c in bad if c in names
               and sorted(g for _, g in extra[c].elements()) == sorted(g for _, g in missing[c].elements())
               and not any(e in missing[o] for e in extra[c] for o in bad if o != c)]
    moved = [c for c in bad if c not in renamed]
    out = []
    if moved:
        out.append(f"“{S.SHEET_PUBLIC}”中 {'、'.join(moved)} 的名单与现在学生名单的班级不一致（公示名单是在分班改动之前生成的，或被改动过）。")
    if renamed:
        out.append(f"“{S.SHEET_PUBLIC}”中 {'、'.join(renamed)} 的人数和男女与学生名单相同，但有姓名不同"
                   f"（公示之后更正过学生姓名，或公示名单上的姓名被改动过）。")
    wrong_head = [c for c in names if c in got_head and got_head[c] != (heads.get(c) or "（待抽签）")]
    if wrong_head:
        out.append(f"“{S.SHEET_PUBLIC}”中 {'、'.join(wrong_head)} 的班主任与“{S.SHEET_DRAW_LOG}”不一致"
                   + ("" if heads else f"（现在没有“{S.SHEET_DRAW_LOG}”，应为“（待抽签）”）") + "。")
    if out:
        out.append(f"处理办法：点击“公示导出”（或运行 bianban public）重新生成“{S.SHEET_PUBLIC}”，重新打印张贴。")
        return False, out
    return True, []
