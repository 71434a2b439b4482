"""全区核查: read every result workbook in a folder and, per school: re-run the recorded random run
(:func:`verify.verify_book`: classes reproduce, inputs and classes unchanged since the run, class
sheets match), compare the roster with the copies on the class sheets to name which cells were
edited, recompute the hard rules and the balance figures from the class column alone
(:mod:`engine.balance`, independent of the engine) and check that the result sheets are present.
Writes one overview workbook: 学校汇总 (one row per school, schools needing attention first) and
问题明细 (every problem with its file, sheet and row)."""
from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np

from bianban_xl.book.files import backup_copy, output_lock, replaceable_output, workbook_sheet_names
from bianban_xl.book.new_book import write_new_book
from bianban_xl.district.codes import compare_codes, read_reported_codes, school_key
from bianban_xl.district.folders import _folder_error, _run_all, BATCH_SUMMARY, BatchProgress, find_files, SPREADSHEET_SUFFIXES
from bianban_xl.engine.balance import hard_rule_violations, measures
from bianban_xl.model import schema as S
from bianban_xl.model.codes import short_code
from bianban_xl.model.problems import Report, UserError
from bianban_xl.model.sheet_model import Link, SheetSpec, wrapped_row_height
from bianban_xl.model.validate import validate
from bianban_xl.onsite.corrections import as_run, CORRECTED_HEAD
from bianban_xl.onsite.late import split_late
from bianban_xl.onsite.lottery import verify_lottery
from bianban_xl.onsite.state import passed_check, read_record
from bianban_xl.reports.result_sheets import SHEET_SCHOOLS, class_sheet_key
from bianban_xl.service import read_book
from bianban_xl.verify import verify_book

SHEET_OVERVIEW = "学校汇总"
SHEET_PROBLEMS = "问题明细"
# 问题明细's columns (characters): 110 in all, so the sheet prints one landscape A4 page across at
# ≈ 96 % (10 pt); the 说明 (≈ 17 Chinese characters a line), 文件, 学校, 类别 and 工作表 wrap inside their
# columns and each row is as tall as its most lines. A 110-character 说明 printed the sheet at ≈ 52 %.
PROBLEM_WIDTHS = {1: 5, 2: 18, 3: 15, 4: 7, 5: 11, 6: 9, 7: 5, 8: 40}
# 学校汇总: 22 columns, 262 characters, printed two landscape pages across at about full size
OVERVIEW_WIDTHS = {1: 6, 2: 24, 3: 8, 4: 16, 5: 16, 6: 12, 7: 7, 8: 7, 9: 9, 10: 18, 11: 17, 12: 7, 13: 7, 14: 7,
                   15: 7, 16: 7, 17: 7, 18: 9, 19: 9, 20: 9, 21: 9, 22: 44}
OVERVIEW_WRAPPED = (2, 4, 10, 22)

# verdicts, most severe first
FAIL, REVIEW, PASS = "不合格", "需核查", "合格"
SEVERITY = {FAIL: 0, REVIEW: 1, PASS: 2}

# balance figures beyond these are flagged 需核查 (the engine reaches the count bounds in practice)
COUNT_SLACK = 1          # a count gap more than this above its provable bound
MEAN_SLACK = 2.0         # the 总分 class-mean range above this many points per subject

# --- finding files ------------------------------------------------------------------------------


# --- process pool -------------------------------------------------------------------------------


# --- batch --------------------------------------------------------------------------------------


# --- district check -----------------------------------------------------------------------------
@dataclass
class Finding:
    level: str                 # FAIL or REVIEW
    kind: str                  # short category: 复核不一致 / 输入被改动 / 班级被改动 / 班级表不一致 / 规则 / 均衡 / 文件
    text: str                  # what is wrong, Chinese, precise
    sheet: str = ""
    row: int | None = None


@dataclass
class SchoolCheck:
    path: str
    relative: str
    verdict: str = PASS
    school: str = ""
    grade: str = ""
    stamp: str = ""
    seed: str = ""
    seed_source: str = ""          # 种子来源 of the record and whether the data were sealed first
    students: int | None = None
    classes: int | None = None
    gaps: dict[str, tuple[float, float]] = field(default_factory=dict)   # 性别/生源/等级/总分均分/出生 -> (gap, bound)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # non-problems worth showing (e.g. version)
    seconds: float = 0.0
    code: str = ""                 # 结果核验码 of the recorded 结果指纹 ("" when there is none)

    def add(self, level: str, kind: str, text: str, sheet: str = "", row: int | None = None) -> None:
        self.findings.append(Finding(level, kind, text, sheet, row))
        if SEVERITY[level] < SEVERITY[self.verdict]:
            self.verdict = level


@dataclass
class DistrictSummary:
    folder: Path
    checks: list[SchoolCheck]      # sorted: 不合格 first, then 需核查, then 合格
    seconds: float
    out_path: Path | None = None
    replaced_backup: Path | None = None     # the previous overview, copied before it was replaced
    ours: list[Path] = field(default_factory=list)   # overviews / batch summaries this tool wrote, not checked

    def count(self, verdict: str) -> int:
        return sum(1 for c in self.checks if c.verdict == verdict)


_ROW_RE = re.compile(r"“([^”]+)”第(\d+)行")
_SHEET_RE = re.compile(r"工作表“([^”]+)”")


def _norm(v) -> str:
    """A cell value as comparable text: numbers without trailing .0, dates as yyyy-mm-dd, 缺考 = ''."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isnan(v):
            return ""
        f = float(v)
        return str(int(f)) if f.is_integer() else f"{f:.6g}"
    t = str(v).strip()
    if t in ("缺考", "缺", "-", "—"):
        return ""
    try:
        f = float(t)
        return str(int(f)) if f.is_integer() else f"{f:.6g}"
    except ValueError:
        return t


def _class_sheet_rows(rows: list[list]) -> tuple[list[str], list[list]]:
    """Header and student rows of a class sheet (the rows between the 序号 header and 合计)."""
    header: list[str] | None = None
    out = []
    for row in rows:
        cells = ["" if v is None else str(v).strip() for v in row]
        if header is None:
            if S.C_NAME in cells and "序号" in cells:
                header = cells
            continue
        if cells and cells[0] == "合计":
            break
        if cells and cells[0].isdigit():
            out.append(row)
        elif cells and cells[0].endswith(".0") and cells[0][:-2].isdigit():
            out.append(row)
    return header or [], out


def _edited_cells(book, roster, params) -> list[tuple[int, str, str, str, str]]:
    """Roster cells that differ from the copy printed on the class sheets at the time of the run:
    (roster row, name, column, value now, value on the class sheet, class sheet)."""
    by_key = {}        # within a class: namesakes without 编号 are never in one class (同名分开)
    for s in roster.students:
        by_key.setdefault((s.klass, *class_sheet_key(s)), s)
    cols = [(S.C_GENDER, lambda s: s.gender), (S.C_BIRTH, lambda s: s.birth), (S.C_SCHOOL, lambda s: s.school),
            (S.C_HUJI, lambda s: s.huji), (S.C_LEVEL, lambda s: s.level)]
    cols += [(sub, (lambda sub: lambda s: s.scores.get(sub))(sub)) for sub in params.subjects]
    out = []
    for cname in params.names():
        sh = book.sheets.get(cname)
        if sh is None:
            continue
        header, rows = _class_sheet_rows(sh.rows)
        if not header:
            continue
        idx = {h: j for j, h in enumerate(header)}
        id_j, name_j = idx.get(S.C_ID), idx.get(S.C_NAME)
        for row in rows:
            def cell(j):
                return row[j] if j is not None and j < len(row) else None
            sid = _norm(cell(id_j))
            s = by_key.get((cname, sid, "" if cell(name_j) is None else str(cell(name_j)).strip()))
            if s is None:
                continue
            for col, get in cols:
                if col not in idx:
                    continue
                now, then = _norm(get(s)), _norm(cell(idx[col]))
                if now != then:
                    out.append((s.row, s.name, col, now or "（空）", then or "（空）", cname))
    out.sort()
    return out


def _labels_from_class_column(roster, params) -> np.ndarray:
    index = {name: k for k, name in enumerate(params.names())}
    return np.array([index.get((s.klass or "").strip(), -1) for s in roster.students], dtype=int)


def _gap_figures(ms) -> dict[str, tuple[float, float]]:
    """The overview's key gaps: 性别, 生源 (worst source school), 等级 (worst level), 总分均分, 出生 (the
    mean birth date, in days: a first grade's roster has no scores, its age balance is its figure)."""
    out: dict[str, tuple[float, float]] = {}
    for key, group in (("性别", "性别"), ("生源", "毕业学校"), ("等级", "等级")):
        sel = [m for m in ms if m.group == group and np.isfinite(m.gap)]
        if sel:
            worst = max(sel, key=lambda m: (m.gap - m.bound, m.gap))
            out[key] = (worst.gap, worst.bound)
    means = [m for m in ms if m.group == "平均分" and np.isfinite(m.gap)]
    if means:
        total = next((m for m in means if m.label == "总分"), means[0])
        out["总分均分"] = (total.gap, total.bound)
    birth = next((m for m in ms if m.group == "出生日期" and np.isfinite(m.gap)), None)
    if birth is not None:
        out["出生"] = (birth.gap, birth.bound)
    return out


def check_result_book(path: str | Path, root: str | Path | None = None) -> SchoolCheck:
    """Everything the district checks about one school's result workbook. Never raises."""
    p = Path(path)
    rel = p.relative_to(root).as_posix() if root is not None else p.name
    chk = SchoolCheck(str(p), rel)
    t0 = time.perf_counter()
    if p.suffix.lower() not in SPREADSHEET_SUFFIXES:
        chk.add(REVIEW, "不是工作簿", f"“{p.name}”不是 Excel 工作簿，没有核查。处理办法：如果这是学校报送的结果，请学校另存为 .xlsx 后重新报送；"
                "其他材料请放到别的文件夹。")
        return chk
    try:
        _check_into(chk, p, read_book, verify_book, validate, read_record, measures, hard_rule_violations,
                    SHEET_SCHOOLS)
    except UserError as exc:
        for prob in exc.report.errors:
            chk.add(FAIL, "文件无法读取", prob.message + (f" 处理办法：{prob.fix}" if prob.fix else ""), prob.sheet, prob.row)
    except MemoryError:
        chk.add(REVIEW, "无法核查", "内存不足，未能核查这个文件。处理办法：用 bianban verify 单独核查。")
    except Exception as exc:  # noqa: BLE001 — one bad file must not stop the district check
        chk.add(REVIEW, "无法核查", f"核查时出现内部错误（{type(exc).__name__}: {exc}）。处理办法：用 bianban --debug verify 文件 单独核查，"
                                 "并把输出和文件发给开发者。")
    chk.seconds = time.perf_counter() - t0
    return chk


def _check_into(chk: SchoolCheck, p: Path, read_book, verify_book, validate, read_record, measures,
                hard_rule_violations, sheet_schools) -> None:
    book = read_book(p)
    rec_sheet = book.sheets.get(S.SHEET_RECORD)
    record = read_record(rec_sheet.rows) if rec_sheet is not None else {}
    chk.school, chk.grade = record.get("学校名称", ""), record.get("年级", "")
    chk.stamp, chk.seed = record.get("编班时间", ""), record.get("随机种子", "")
    chk.seed_source = _seed_source(record)
    chk.code = short_code(record.get("结果指纹", ""))
    roster, report = validate(book)
    if roster is not None and roster.params is not None:
        chk.school = chk.school or roster.params.school_name
        chk.grade = chk.grade or roster.params.grade_name
        chk.students, chk.classes = len(roster.students), roster.params.n_classes
    if rec_sheet is None:
        has_classes = roster is not None and any(s.klass for s in roster.students)
        chk.add(FAIL if has_classes else REVIEW, "不是编班结果",
                f"没有“{S.SHEET_RECORD}”工作表：" + ("学生名单中已有班级，但没有编班记录，无法证明是电脑随机编班的结果（可能是手工分班或记录被删除）。"
                                                   if has_classes else "这是还没有编班的输入工作簿，或不是本软件生成的编班结果。")
                + "处理办法：请学校用本软件编班后重新报送结果文件。", S.SHEET_RECORD)
        return
    if roster is None:
        for prob in report.errors:
            chk.add(FAIL, "输入无法读取", prob.message + (f" 处理办法：{prob.fix}" if prob.fix else ""), prob.sheet, prob.row)
        return
    params = roster.params
    # 1. the recorded run reproduces the classes; nothing edited after the run
    res = verify_book(book)
    for line in res.findings[1:]:
        if line.startswith("提醒：") or passed_check(line) or line.startswith(CORRECTED_HEAD):   # recorded 更正: a note
            chk.notes.append(line)
            continue
        if line.startswith("无法用 bianban_xl"):          # made by a version before 0.6.0
            chk.add(REVIEW, "版本不同", line, S.SHEET_RECORD)
            continue
        if "输入指纹不符" in line:
            kind = "输入被改动"
        elif "结果指纹不符" in line:
            kind = "班级被改动"
        elif line.startswith("“") and "按记录重新运行应为" in line:
            kind = "复核不一致"
        elif "班级工作表" in line or line.startswith("缺少班级工作表"):
            kind = "班级表不一致"
        else:
            kind = "复核不一致"
        m = _ROW_RE.search(line)
        sheet, row = (m.group(1), int(m.group(2))) if m else ("", None)
        if not sheet:
            ms = _SHEET_RE.search(line)
            sheet = ms.group(1) if ms else (roster.sheet if "班级" in kind or "输入" in kind else "")
        if kind == "班级表不一致" and row is None:   # point at the first name the sheet lists wrongly
            mn = re.search(r"多出 ([^、；。]+)", line)
            row = _row_on_sheet(book, sheet, mn.group(1)) if mn else None
        chk.add(FAIL, kind, line, sheet, row)
    # 2. which cells were edited after the run (roster vs the copies on the class sheets)
    for row, name, col, now, then, cname in _edited_cells(book, roster, params)[:50]:
        chk.add(FAIL, "输入被改动", f"第{row}行 {name} 的“{col}”现在是 {now}，编班时（见班级工作表“{cname}”）是 {then}。",
                roster.sheet, row)
    # 3. hard rules on the classes as they stand in the class column, independent of the engine:
    # those of the run on the pupils it placed (插班 pupils join later, twins beside their sibling,
    # and may leave sizes 2 apart; verify replays their placements)
    labels = _labels_from_class_column(roster, params)
    unknown = [s for s, k in zip(roster.students, labels) if k < 0 and s.klass]
    for s in unknown[:20]:
        chk.add(FAIL, "规则", f"第{s.row}行 {s.name} 的班级“{s.klass}”不是本次编出的班级（{','.join(params.names())}）。",
                roster.sheet, s.row)
    # the rules and the balance of the run on the pupils as it saw them: recorded corrections undone
    originals, late_students = split_late(*as_run(book, roster))
    if late_students:
        chk.notes.append(f"插班 {len(late_students)} 人（编班后按插班记录编入，已逐人复核）。")
    run_labels = _labels_from_class_column(originals, params)
    for text in hard_rule_violations(originals, run_labels, params):
        chk.add(FAIL, "规则", text + "。", roster.sheet, _first_row(text, roster))
    # 4. balance recomputed from the class column, of the run (插班 pupils are placed one by one)
    if (run_labels >= 0).any():
        ms = measures(originals, run_labels, params)
        chk.gaps = _gap_figures(ms)
        n_subjects = max(1, len(params.subjects))
        for m in ms:
            if m.group in ("性别", "毕业学校", "户籍", "等级") and np.isfinite(m.gap) and m.gap > m.bound + COUNT_SLACK:
                chk.add(REVIEW, "均衡", f"按学生名单的班级列重新计算：{m.group}“{m.label}”各班人数最多相差 {m.gap:.0f} 人，"
                        f"理论最小 {m.bound:.0f} 人。", roster.sheet)
            total = m.label == "总分" or len(params.subjects) == 1
            if m.group == "平均分" and total and np.isfinite(m.gap):
                limit = MEAN_SLACK * n_subjects
                if m.gap > max(limit, m.bound):
                    chk.add(REVIEW, "均衡", f"按学生名单的班级列重新计算：{m.label}各班平均分最多相差 {m.gap:.2f} 分"
                            f"（参考上限 {limit:.1f} 分）。", roster.sheet)
    # 5. result sheets present
    for name in (S.SHEET_SUMMARY,):
        if name not in book.sheets:
            chk.add(REVIEW, "缺少工作表", f"缺少“{name}”工作表（编班后被删除？）。处理办法：请学校重新报送完整的结果文件。", name)
    if S.SHEET_RECORD in book.sheets and record.get("学生人数") and chk.students is not None:
        if record.get("学生人数") != str(len(originals.students)):
            late = f"（其中插班 {len(late_students)} 人）" if late_students else ""
            chk.add(FAIL, "输入被改动", f"编班记录中学生人数为 {record.get('学生人数')}，学生名单现有 {chk.students} 人{late}。",
                    roster.sheet)
    _lottery_checks(chk, book)


def _seed_source(record: dict[str, str]) -> str:
    """'家长代表报数；已封存' / '电脑随机抽取（未经现场报数）；未封存': where the seed came from and
    whether the data were sealed before it — what the officer checks against the rule that the seed
    is called out in the room after sealing ('' for a book without a record)."""
    source = record.get("种子来源", "")
    sealed = record.get("封存核验码", "")
    if not source and not sealed:
        return ""
    state = "" if not sealed else ("未封存" if sealed.startswith("（") else "已封存")
    return "；".join(t for t in (source, state) if t)


def _first_row(text: str, roster) -> int | None:
    """The roster row of the first student a hard-rule message names: '姓名（编号）' or '姓名在3班'."""
    by_key = {s.key: s.row for s in roster.students}
    for m in re.finditer(r"（([^）]+)）", text):
        if m.group(1) in by_key:
            return by_key[m.group(1)]
    by_name: dict[str, int] = {}
    for s in roster.students:
        by_name.setdefault(s.name, s.row)
    for m in re.finditer(r"([^\s、：，（）]+?)在([^\s、：，（）]+)", text):
        if m.group(1) in by_name:
            return by_name[m.group(1)]
    return None


def _row_on_sheet(book, sheet: str, name: str) -> int | None:
    sh = book.sheets.get(sheet)
    if sh is None:
        return None
    for r, row in enumerate(sh.rows, start=1):
        if any(isinstance(v, str) and v.strip() == name for v in row):
            return r
    return None


def _lottery_checks(chk: SchoolCheck, book) -> None:
    """抽签记录: re-checked by lottery.verify_lottery (re-draw / re-read)."""
    if S.SHEET_DRAW_LOG not in book.sheets:
        return
    ok, lines = verify_lottery(book)
    for text in ([] if ok else lines):
        m = _SHEET_RE.search(text) or re.search(r"“([^”]+)”", text)
        chk.add(FAIL, "抽签", text, m.group(1) if m else S.SHEET_DRAW_LOG)


def district_check(folder: str | Path, out_path: str | Path | None = None, jobs: int | None = None,
                   progress: BatchProgress = None, codes: str | Path | None = None) -> DistrictSummary:
    """Check every file under ``folder``; write the overview workbook to ``out_path`` if given.
    ``codes``: a workbook of 学校 | 核验码 the schools reported on paper, compared with each file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise _folder_error(folder, "例如：bianban district 各校结果 -o 汇总.xlsx")
    if out_path is not None:
        out_path = Path(out_path)
        if out_path.suffix.lower() != ".xlsx" and not out_path.is_dir():    # a folder: replaceable_output says so
            rep = Report()
            rep.error("", f"汇总文件“{out_path.name}”的扩展名应为 .xlsx。", "请换一个文件名，如 汇总.xlsx。")
            raise UserError(rep)
        replace_old = replaceable_output(out_path, {SHEET_OVERVIEW, SHEET_PROBLEMS}, "全区汇总表")
    reported = read_reported_codes(read_book(codes)) if codes is not None else None
    t0 = time.perf_counter()
    skip = [p for p in (out_path, Path(codes) if codes is not None else None) if p is not None]
    files = find_files(folder, None, exclude=skip)
    ours = [p for p in files if _one_of_our_summaries(p)]
    files = [p for p in files if p not in ours]
    if not files:
        rep = Report()
        rep.error("", f"文件夹“{folder}”（含子文件夹）中没有任何学校的文件"
                  + (f"（只有本软件生成的汇总表：{'、'.join(p.name for p in ours[:5])}）" if ours else "")
                  + "，没有可核查的结果；没有写出汇总表。",
                  "请检查文件夹是否选对：应是存放各校报送的结果工作簿的文件夹，例如 bianban district 各校结果 -o 汇总.xlsx。")
        raise UserError(rep)
    tasks = [(str(p), str(folder)) for p in files]
    results = _run_all(check_result_book, tasks, jobs, progress, label=lambda t: Path(t[0]).relative_to(t[1]).as_posix())
    checks = []
    for r, t in zip(results, tasks):
        if isinstance(r, tuple):
            c = SchoolCheck(t[0], Path(t[0]).relative_to(folder).as_posix())
            c.add(REVIEW, "无法核查", "核查这个文件的进程意外退出（可能是内存不足）。处理办法：用 bianban verify 单独核查。")
            r = c
        checks.append(r)
    _flag_duplicates(checks)
    if reported is not None:
        checks += compare_codes(checks, reported, Path(codes).name, lambda rel: SchoolCheck("", rel), FAIL, REVIEW)
    checks.sort(key=lambda c: (SEVERITY[c.verdict], -len(c.findings), c.relative))
    summary = DistrictSummary(folder, checks, time.perf_counter() - t0, ours=ours)
    if out_path is not None:
        with output_lock(out_path):
            if replace_old and out_path.exists():
                summary.replaced_backup = backup_copy(out_path)
            write_overview(summary, out_path)
        summary.out_path = out_path
    return summary


def _flag_duplicates(checks: list[SchoolCheck]) -> None:
    """Two or more result files of one school and grade (学校名称 and 年级 of their 编班记录): a
    copy sent twice, or — with different 结果核验码 — a school that assigned more than once. The
    officer must know which file is the one signed on the day; each of them is 需核查."""
    groups: dict[tuple[str, str], list[SchoolCheck]] = {}
    for c in checks:
        if c.school and c.code:
            groups.setdefault((school_key(c.school), school_key(c.grade)), []).append(c)
    for group in groups.values():
        if len(group) < 2:
            continue
        codes = {c.code for c in group}
        for c in group:
            others = "、".join(f"“{o.relative}”" + ("" if len(codes) == 1 else f"（结果核验码 {o.code}）")
                              for o in group if o is not c)
            who = f"{c.school}{'（' + c.grade + '）' if c.grade else ''}"
            if len(codes) == 1:
                c.add(REVIEW, "学校重复", f"文件夹中的{others}也是{who}的编班结果，结果核验码相同（{c.code}）：同一份结果报送了不止一次，"
                      "汇总中这所学校会被算成几所。处理办法：保留一份，把其他的移出文件夹后重新核查。", S.SHEET_RECORD)
            else:
                c.add(REVIEW, "学校重复", f"文件夹中的{others}也是{who}的编班结果，但结果核验码不同（本文件 {c.code}）："
                      "这所学校编过不止一次班，只有现场签字的那一份有效。处理办法：请学校说明，以签字页上的结果核验码为准"
                      "（可用 --codes 核对），把其他的移出文件夹后重新核查。", S.SHEET_RECORD)


def _one_of_our_summaries(path: Path) -> bool:
    """An earlier 全区核查 overview (学校汇总 + 问题明细) or 批量编班结果 saved under another name in the
    folder: not a school's result (it was checked as one: '请学校用本软件编班后重新报送')."""
    if path.suffix.lower() != ".xlsx":
        return False
    names = set(workbook_sheet_names(path) or ())
    return names in ({SHEET_OVERVIEW, SHEET_PROBLEMS}, {BATCH_SUMMARY})


def _gap_cells(c: SchoolCheck, key: str) -> list:
    g = c.gaps.get(key)
    if g is None:
        return [None] if key == "出生" else [None, None]
    if key == "出生":
        return [round(g[0], 1)]
    if key == "总分均分":
        return [round(g[0], 2), round(g[1], 2)]
    return [int(round(g[0])), int(round(g[1]))]


def overview_sheets(summary: DistrictSummary, out_path: str | Path | None = None):
    """学校汇总 and 问题明细 as SheetSpecs; also returns, per overview row, the 问题明细 row it links to.
    Each file name links to the school's file (relative to ``out_path`` so the folder can be moved),
    each main problem to its first row in 问题明细."""
    checks = summary.checks
    # 22 columns are ≈ 2 landscape pages wide: printed 2 pages across, not shrunk onto one (≈ 35 %)
    ov = SheetSpec(name=SHEET_OVERVIEW, freeze="C5", print_title_rows="4:4", landscape=True, header_footer=SHEET_OVERVIEW,
                   fit_width=2)
    ov.add(1, 1, [["全区均衡编班结果核查汇总"]], "section")   # left-aligned: a centred title in column A, not merged (frozen panes), lost its start
    ov.add(2, 1, [[f"核查时间 {datetime.now():%Y-%m-%d %H:%M}    共 {len(checks)} 个文件：不合格 {summary.count(FAIL)}，"
                   f"需核查 {summary.count(REVIEW)}，合格 {summary.count(PASS)}。文件夹：{summary.folder}"]], "subtitle")
    # one line above the table (a longer one ran past the last column, and LibreOffice printed the
    # sheet as wide as the text: ≈ 5.6 pt); what the columns mean goes under the table
    ov.add(3, 1, [["核查内容：按编班记录的随机种子重新运行，班级应完全一致；编班后输入与班级未被改动；各班工作表与名单一致；"
                   "同名分开、双胞胎按申请、班额相差不超过 1 且不超过上限；均衡指标与理论最小值（下界）比较。"]], "note")
    header = ["序号", "文件", "结论", "学校", "结果核验码", "年级", "学生数", "班级数", "随机种子", "种子来源 / 封存", "编班时间",
              "性别差距", "性别下界", "生源差距", "生源下界", "等级差距", "等级下界", "总分均分差", "均分差下界",
              "出生日期差", "问题数（点击看明细）", "主要问题"]
    ov.add(4, 1, [header], "header")
    pb = SheetSpec(name=SHEET_PROBLEMS, freeze="A4", print_title_rows="3:3", landscape=True, header_footer=SHEET_PROBLEMS)
    pb.add(1, 1, [["问题明细"]], "section")
    pb.add(2, 1, [["每个问题一行：所在文件、工作表、行号和说明。点击“学校汇总”中的问题可跳到这里。"]], "subtitle")
    pb.add(3, 1, [["序号", "文件", "学校", "结论", "类别", "工作表", "行", "说明"]], "header")
    links: list[tuple[int, int | None]] = []    # (overview row, problems row)
    pr = 4
    n_problem = 0
    for i, c in enumerate(checks, start=1):
        r = 4 + i
        # a school without problems: its reminders (插班, versions), not the lines saying a check passed
        said = [n for n in c.notes if not passed_check(n)]
        first = c.findings[0].text if c.findings else ("；".join(said) if said else "无")
        main = first if len(c.findings) <= 1 else f"{first}（另有 {len(c.findings) - 1} 个问题）"
        row = [i, c.relative if out_path is None else Link.to_file(c.relative, _file_link(c.path, Path(out_path))),
               c.verdict, c.school or None, c.code or None, c.grade or None, c.students, c.classes, c.seed or None,
               c.seed_source or None, c.stamp or None]
        for key in ("性别", "生源", "等级", "总分均分", "出生"):
            row += _gap_cells(c, key)
        # the count links to the school's first line in 问题明细; the main problem is plain text, which
        # wraps in its cell everywhere (LibreOffice shows a link cell on one line, cut at the column)
        row += [Link.to_sheet(str(len(c.findings)), SHEET_PROBLEMS, f"A{pr}") if c.findings else 0, main]
        # long file, school, seed-source and problem texts wrap in their cells
        looks = ["wrap_mid" if col in OVERVIEW_WRAPPED else "body" for col in range(1, len(row) + 1)]
        looks[2] = {FAIL: "bad", REVIEW: "warn", PASS: "good"}[c.verdict]
        start = 0
        for end in range(1, len(row) + 1):
            if end == len(row) or looks[end] != looks[start]:
                ov.add(r, start + 1, [row[start:end]], looks[start])
                start = end
        height = wrapped_row_height((row[col - 1], OVERVIEW_WIDTHS[col]) for col in OVERVIEW_WRAPPED)
        if height:
            ov.row_heights[r] = height
        links.append((r, pr if c.findings else None))
        for f in c.findings:
            n_problem += 1
            pb.add(pr, 1, [[n_problem]], "body")
            pb.add(pr, 2, [[c.relative, c.school or None]], "wrap_mid")
            pb.add(pr, 4, [[f.level]], "bad" if f.level == FAIL else "warn")
            pb.add(pr, 5, [[f.kind, f.sheet or None]], "wrap_mid")
            pb.add(pr, 7, [[f.row]], "body")
            pb.add(pr, 8, [[f.text]], "wrap_mid")
            height = wrapped_row_height(zip((c.relative, c.school, f.kind, f.sheet, f.text),
                                            (PROBLEM_WIDTHS[col] for col in (2, 3, 5, 6, 8))))
            if height:
                pb.row_heights[pr] = height
            pr += 1
    if n_problem == 0:
        pb.add(4, 1, [["所有文件均未发现问题。"]], "note")
    foot = 4 + len(checks) + 2
    ov.add(foot, 1, [["差距 / 下界：各班人数或平均分的最大差距，及任何分班都不可能低于的值；出生日期差：各班平均出生日期的最大差距（天）。"],
                     ["结果核验码：由文件中记录的结果指纹算出，应与学校签字页上印的结果核验码相同。"]], "note")
    ov.col_widths = dict(OVERVIEW_WIDTHS)
    ov.number_formats[20] = "0.0"
    ov.merge_title = False
    ov.auto_filter = f"A4:V{max(4, 4 + len(checks))}"
    pb.col_widths = dict(PROBLEM_WIDTHS)
    pb.merge_title = False
    return ov, pb, links


def _file_link(path: str | Path, out_path: Path) -> str:
    try:   # relative to the overview, so the folder can be moved
        return Path(os.path.relpath(Path(path).resolve(), out_path.parent.resolve())).as_posix()
    except ValueError:   # another drive on Windows
        return Path(path).resolve().as_uri()


def write_overview(summary: DistrictSummary, out_path: str | Path) -> Path:
    out_path = Path(out_path)
    ov, pb, _ = overview_sheets(summary, out_path)
    return write_new_book(out_path, [ov, pb])
