"""Service functions: the one place where a run is put together. The CLI and the Excel buttons are
thin shells over these; adapters only read RawBooks and render SheetSpecs."""
from __future__ import annotations

import platform
from copy import copy
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from bianban_xl import __version__
from bianban_xl.model import schema as S
from bianban_xl.model.fingerprint import input_fingerprint, result_fingerprint
from bianban_xl.model.problems import Report, UserError
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Infeasible, Params, Roster
from bianban_xl.reports.result_sheets import SHEET_SCHOOLS, class_sheet, read_record, record_sheet, schools_sheet, summary_sheet
from bianban_xl.model.sheet_model import SheetSpec
from bianban_xl.model.validate import validate

Progress = Callable[[float, str], None] | None


@dataclass
class AssignResult:
    roster: Roster
    params: Params
    labels: np.ndarray
    class_of: list[str]
    seed: int
    seed_source: str
    input_fp: str
    result_fp: str
    stamp: str
    sheets: list[SheetSpec]
    report: Report
    engine_seconds: float
    record: dict[str, object] = field(default_factory=dict)


@dataclass
class VerifyResult:
    ok: bool
    findings: list[str]            # Chinese, one line each; problems first
    record: dict[str, str] = field(default_factory=dict)


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
    return draw_seed(), "电脑随机抽取"


def check_book(book: RawBook) -> tuple[Roster | None, Report]:
    return validate(book)


def _infeasible_report(exc: Infeasible, roster: Roster) -> Report:
    rep = Report()
    who = "、".join(f"{roster.students[i].name}(第{roster.students[i].row}行)" for i in exc.students[:20])
    more = f" 等 {len(exc.students)} 人" if len(exc.students) > 20 else ""
    sheet = S.SHEET_TWINS if exc.rule in ("同班捆绑", "分开") else roster.sheet
    rep.error(sheet, f"无法同时满足规则“{exc.rule}”：{exc.detail}" + (f" 涉及：{who}{more}。" if who else ""),
              "请核对这些学生的双胞胎申请、同名情况，或调整班级数 / 班额上限。")
    return rep


def solve_labels(roster: Roster, params: Params, seed: int, progress: Progress = None) -> np.ndarray:
    from bianban_xl.engine.solve import solve
    from bianban_xl.engine.problem_build import build_problem

    problem = build_problem(roster, params)
    cb = (lambda f: progress(f, "正在均衡编班")) if progress else None
    return solve(problem, seed, progress=cb)


def plan_assignment(book: RawBook, seed: int | None = None, progress: Progress = None,
                    seed_source: str | None = None, force_reason: str | None = None) -> AssignResult:
    """Validate, balance and build every result sheet. Raises UserError; writes nothing.
    A locked workbook (三不动) is refused unless ``force_reason`` is given; it is then logged."""
    from bianban_xl.onsite.lock import assign_guard

    forced_log = assign_guard(book, force_reason)
    if progress:
        progress(0.0, "正在检查数据")
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    params = roster.params
    assert params is not None
    seed, source = resolve_seed(seed, seed_source, "命令行指定", params.seed, f"“{S.SHEET_PARAMS}”中填写")
    t0 = time.perf_counter()
    try:
        labels = solve_labels(roster, params, seed, progress)
    except Infeasible as exc:
        raise UserError(_infeasible_report(exc, roster)) from None
    seconds = time.perf_counter() - t0
    from bianban_xl.engine.balance import hard_rule_violations

    broken = hard_rule_violations(roster, labels, params)
    if broken:  # never expected: the engine guarantees the rules; refuse rather than write
        rep = Report()
        for b in broken:
            rep.error(roster.sheet, f"内部检查发现规则未满足：{b}", "请把输入文件发给开发者；本次没有写入任何结果。")
        raise UserError(rep)
    names = params.names()
    class_of = [names[int(k)] for k in labels]
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    in_fp = input_fingerprint(roster, params)
    out_fp = result_fingerprint(roster, class_of)
    if progress:
        progress(0.9, "正在生成结果表")
    info: dict[str, object] = {
        "学校名称": params.school_name, "年级": params.grade_name, "编班时间": stamp,
        "软件版本": f"bianban_xl {__version__}",
        "运行环境": f"Python {platform.python_version()} · numpy {np.__version__} · {platform.system()}",
        "随机种子": str(seed), "种子来源": source, "班级数": params.n_classes, "班额上限": params.cap,
        "成绩科目": "、".join(params.subjects) or "（无）", "同音分开": "是" if params.separate_homophones else "否",
        "班级名称": ",".join(names), "学生人数": len(roster.students),
        "双胞胎申请": "；".join(f"组{g.gid}:{g.mode}{len(g.members)}人" for g in roster.twin_groups) or "无",
        "输入指纹": in_fp, "结果指纹": out_fp,
        "硬性规则": "全部满足：各班人数相差不超过 1，不超过班额上限，同名分开，双胞胎按申请同班或分开"
                   + ("，同音分开" if params.separate_homophones else ""),
        "复核方法": "点击“均衡编班”选项卡的“验证结果”，或在命令行运行：bianban verify 本文件",
    }
    from bianban_xl.engine.balance import measures, total_scores

    ms = measures(roster, labels, params)             # computed once, shared by the sheets
    totals = total_scores(roster, params.subjects) if params.subjects else None
    sheets = [summary_sheet(roster, params, labels, stamp, seed, ms=ms, totals=totals)]
    schools = schools_sheet(roster, params, labels, ms)
    if schools is not None:
        sheets.append(schools)
    sheets += [class_sheet(roster, params, labels, k, stamp, seed, totals) for k in range(params.n_classes)]
    from bianban_xl.onsite.reassign import after_reassign   # the old lottery, 公示名单 and 教师搭配 classes no longer apply

    onsite_sheets, onsite_log = after_reassign(book, params, stamp)
    sheets.append(record_sheet(params, info, [[stamp, f"自动编班：{len(roster.students)} 名学生编入 {params.n_classes} 个班，随机种子 {seed}（{source}），用时 {seconds:.2f} 秒"]] + forced_log + onsite_log))
    sheets += onsite_sheets
    if progress:
        progress(1.0, "完成")
    return AssignResult(roster, params, labels, class_of, seed, source, in_fp, out_fp, stamp, sheets, report,
                        seconds, info)


def previous_result_sheets(book: RawBook) -> list[str]:
    """Names of result sheets a previous run wrote (so a re-run replaces them)."""
    names = {S.SHEET_SUMMARY, S.SHEET_RECORD, S.SHEET_CHECK, SHEET_SCHOOLS, S.SHEET_DRAW_LOG, S.SHEET_PUBLIC}
    rec = book.sheets.get(S.SHEET_RECORD)
    if rec is not None:
        old = read_record(rec.rows).get("班级名称", "")
        names.update(x for x in old.split(",") if x)
    from bianban_xl.onsite.reassign import sheets_to_drop

    names.update(sheets_to_drop(book))
    protected = {S.SHEET_PARAMS, S.SHEET_ROSTER, S.SHEET_TWINS, S.SHEET_TEACHERS, S.SHEET_HELP}
    return [n for n in book.order if n in names and n not in protected]


# --- files (openpyxl path) ----------------------------------------------------------------
def read_book(path: str | Path) -> RawBook:
    from bianban_xl.book.workbook_file import NotAWorkbook, read_raw

    try:
        return read_raw(path)
    except NotAWorkbook as exc:
        rep = Report()
        rep.error("", str(exc))
        raise UserError(rep) from None


def check_file(path: str | Path) -> tuple[Roster | None, Report]:
    return validate(read_book(path))


def write_result(src: Path, out: Path, book: RawBook, result: AssignResult) -> None:
    from openpyxl.styles import Font

    from bianban_xl.book.workbook_file import FONT_NAME, open_for_update, render_sheet, save_atomic

    wb = open_for_update(src)
    for name in previous_result_sheets(book):
        if name in wb.sheetnames:
            wb.remove(wb[name])
    ws = wb[result.roster.sheet]
    hr, col = result.roster.header_row, result.roster.class_col
    head = ws.cell(row=hr, column=col)
    if head.value in (None, ""):
        head.value = S.C_CLASS
        left = ws.cell(row=hr, column=max(1, col - 1))
        head.font = Font(name=left.font.name or FONT_NAME, bold=True)
        if left.fill is not None and left.fill.fill_type:
            head.fill = copy(left.fill)
    for s, cname in zip(result.roster.students, result.class_of):
        ws.cell(row=s.row, column=col, value=cname)
    for spec in result.sheets:
        render_sheet(wb, spec)
    save_atomic(wb, out)


def assign_file(path: str | Path, out: str | Path | None = None, seed: int | None = None,
                progress: Progress = None, seed_source: str | None = None,
                force_reason: str | None = None) -> tuple[AssignResult, Path, Path | None]:
    """Validate, balance and write. Without ``out`` the input is updated after a backup copy.
    Returns (result, written path, backup path or None). Raises UserError with nothing written."""
    from bianban_xl.book.workbook_file import backup_copy

    src = Path(path)
    book, zb = _read_for_assign(src)
    result = plan_assignment(book, seed=seed, progress=progress, seed_source=seed_source, force_reason=force_reason)
    backup = None
    if out is None:
        backup = backup_copy(src)
        target = src
    else:
        target = Path(out)
        if target.suffix.lower() not in (".xlsx", ".xlsm"):
            rep = Report()
            rep.error("", f"输出文件“{target.name}”的扩展名应为 .xlsx 或 .xlsm。", "请换一个输出文件名，如 结果.xlsx。")
            raise UserError(rep)
        if target.suffix.lower() != src.suffix.lower():
            target = target  # openpyxl keeps VBA only for .xlsm → .xlsm; .xlsm → .xlsx drops macros
    if zb is None or not _write_fast(zb, target, book, result):
        write_result(src, target, book, result)
    return result, target, backup


FAST_IO = True   # read and write the parts directly when the workbook allows it (tests switch it off)


def _read_for_assign(src: Path):
    """(RawBook, ZipBook or None): the fast reader when it understands the file, else read_book."""
    if FAST_IO:
        from bianban_xl.book.xlsx_fast import FastUnsupported, read_fast

        try:
            return read_fast(src)
        except FastUnsupported:
            pass
    return read_book(src), None


def _write_fast(zb, target: Path, book: RawBook, result: AssignResult) -> bool:
    """Write the result with xlsx_fast.write_fast; False (nothing written) when it cannot, so
    the openpyxl path writes it instead. Same sheets, values and formats either way."""
    from bianban_xl.book.xlsx_fast import FastUnsupported, write_fast

    if previous_result_sheets(book):
        return False
    roster = result.roster
    sheet = book.sheets.get(roster.sheet)
    if sheet is None:
        return False
    hr, col = roster.header_row, roster.class_col
    if any((s.row, col) in sheet.formulas for s in roster.students) or (hr, col) in sheet.formulas:
        return False
    try:
        write_fast(zb, target, roster.sheet, (hr, col, sheet.cell(hr, col) in (None, "")),
                   [(s.row, c) for s, c in zip(roster.students, result.class_of)], col, result.sheets)
    except FastUnsupported:
        return False
    return True


def verify_book(book: RawBook) -> VerifyResult:
    """Re-run from what the workbook records and compare with the classes it holds."""
    findings: list[str] = []
    rec_sheet = book.sheets.get(S.SHEET_RECORD)
    if rec_sheet is None:
        return VerifyResult(False, [f"没有“{S.SHEET_RECORD}”工作表：这不是本软件生成的编班结果，或记录已被删除。"])
    record = read_record(rec_sheet.rows)
    roster, report = validate(book)
    if roster is None:
        return VerifyResult(False, ["输入数据无法读取："] + [p.text() for p in report.errors], record)
    from bianban_xl.onsite.late import split_late

    full_roster = roster
    roster, late_students = split_late(book, roster)   # 插班 students are checked by replaying 插班记录
    params = roster.params
    assert params is not None
    ok = True
    version = record.get("软件版本", "")
    if version and version != f"bianban_xl {__version__}":
        findings.append(f"提醒：结果由 {version} 生成，当前是 bianban_xl {__version__}；如结果不一致，请用相同版本复核。")
    try:
        seed = int(record.get("随机种子", ""))
    except ValueError:
        return VerifyResult(False, [f"“{S.SHEET_RECORD}”中的随机种子缺失或被改动：“{record.get('随机种子', '')}”。"], record)
    in_fp = input_fingerprint(roster, params)
    if record.get("输入指纹") != in_fp:
        ok = False
        findings.append("输入数据（参数设置、学生名单或双胞胎）与编班时不一致：输入指纹不符。"
                        "说明编班后有人修改了学生信息、参数或双胞胎申请。")
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
    if record.get("结果指纹") and result_fingerprint(roster, actual) != record.get("结果指纹"):
        ok = False
        findings.append("班级列与编班时记录的结果指纹不符：编班后班级被改动过。")
    # class sheets must list exactly the students of their class
    for k, cname in enumerate(names):
        sh = book.sheets.get(cname)
        if sh is None:
            ok = False
            findings.append(f"缺少班级工作表“{cname}”。")
            continue
        listed = _names_on_class_sheet(sh.rows)
        should = sorted([(s.sid or "", s.name) for s, e in zip(roster.students, actual) if e == cname]
                        + [(s.sid or "", s.name) for s in late_students if s.klass == cname])
        if sorted(listed) != should:
            ok = False
            extra = sorted(set(listed) - set(should))
            lack = sorted(set(should) - set(listed))
            parts = []
            if extra:
                parts.append("多出 " + "、".join(n for _, n in extra[:10]))
            if lack:
                parts.append("缺少 " + "、".join(n for _, n in lack[:10]))
            findings.append(f"班级工作表“{cname}”与学生名单的班级列不一致：{'；'.join(parts) or '顺序或内容被改动'}。")
    from bianban_xl.verify import onsite_checks

    onsite_ok, onsite_findings = onsite_checks(book, full_roster)
    ok = ok and onsite_ok
    findings += onsite_findings
    if ok:
        findings.insert(0, f"验证通过：用记录的随机种子 {seed} 重新运行，{len(roster.students)} 名学生的班级与本文件完全一致；"
                           "输入数据与编班时相同；各班工作表与学生名单一致。")
    else:
        findings.insert(0, "验证未通过：")
    return VerifyResult(ok, findings, record)


def _names_on_class_sheet(rows: list[list[object]]) -> list[tuple[str, str]]:
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


def verify_file(path: str | Path) -> VerifyResult:
    return verify_book(read_book(path))


# --- for shells that list and show workbooks (bianban ui) -----------------------------------
STATE_NEW, STATE_ASSIGNED, STATE_DRAWN, STATE_LOCKED = "未编班", "已编班", "已抽签", "已锁定"


def book_state(path: str | Path) -> str:
    """Where a workbook stands: 未编班 / 已编班 / 已抽签 / 已锁定 (from its 编班记录 and 抽签记录).
    Raises UserError when the file cannot be read as a workbook."""
    from bianban_xl.onsite.lock import lock_info

    book, _ = _read_for_assign(Path(path))
    if lock_info(book) is not None:
        return STATE_LOCKED
    if S.SHEET_RECORD not in book.sheets:
        return STATE_NEW
    return STATE_DRAWN if S.SHEET_DRAW_LOG in book.sheets else STATE_ASSIGNED


def certificate_spec(path: str | Path) -> SheetSpec:
    """The 编班汇总 balance certificate of a result workbook, rebuilt from its class column and
    编班记录 (the same builder the run used). Raises UserError when there is no result."""
    from bianban_xl.onsite.update import fail

    book = read_book(path)
    rec = book.sheets.get(S.SHEET_RECORD)
    if rec is None:
        fail("", f"这个工作簿还没有编班结果（没有“{S.SHEET_RECORD}”工作表）。", "请先点击“自动编班”。")
    record = read_record(rec.rows)
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    params = roster.params
    index = {name: k for k, name in enumerate(params.names())}
    missing = [s for s in roster.students if s.klass not in index]
    if missing:
        fail(roster.sheet, f"有 {len(missing)} 名学生没有班级或班级名不在参数设置中（如 {missing[0].name}）。",
             "请先用“插班”编入新增的学生，或点击“验证结果”查看哪里被改动。", row=missing[0].row)
    labels = np.array([index[s.klass] for s in roster.students], dtype=np.int64)
    try:
        seed = int(record.get("随机种子", "0"))
    except ValueError:
        seed = 0
    return summary_sheet(roster, params, labels, record.get("编班时间", ""), seed)
