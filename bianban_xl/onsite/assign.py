"""自动编班 as a step: validate, balance, and build every result sheet. Writes nothing; the
service layer applies the result to a file and the Excel adapter to a live book."""
from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Callable

import numpy as np

from bianban_xl import __version__
from bianban_xl.engine.balance import hard_rule_violations, measures, total_scores
from bianban_xl.engine.problem_build import build_problem
from bianban_xl.engine.solve import solve
from bianban_xl.model import schema as S
from bianban_xl.model.codes import short_code
from bianban_xl.model.fingerprint import canonical_order, input_fingerprint, result_fingerprint
from bianban_xl.model.problems import Report, UserError
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Infeasible, Params, Roster
from bianban_xl.model.sheet_model import BookUpdate, SheetSpec
from bianban_xl.model.validate import validate
from bianban_xl.onsite.journal import carried_entries, chain
from bianban_xl.onsite.lock import assign_guard
from bianban_xl.onsite.marks import witness_marks
from bianban_xl.onsite.reassign import after_reassign, sheets_to_drop
from bianban_xl.onsite.seal import check_seal, K_CODE, K_TIME, NeedsRoomSeed, SHEET_SEAL
from bianban_xl.onsite.state import draw_seed, read_record, resolve_seed, SOURCE_COMPUTER
from bianban_xl.reports.result_sheets import SHEET_SCHOOLS, class_sheet, record_sheet, schools_sheet, summary_sheet

Progress = Callable[[float, str], None] | None


@dataclass
class AssignResult:
    """What ``plan_assignment`` made: the classes, the sheets and what the shells report."""
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
    measures: list = field(default_factory=list)   # balance.measures of the classes (the sheets' figures)


def _infeasible_report(exc: Infeasible, roster: Roster) -> Report:
    rep = Report()
    who = "、".join(f"{roster.students[i].name}(第{roster.students[i].row}行)" for i in exc.students[:20])
    more = f" 等 {len(exc.students)} 人" if len(exc.students) > 20 else ""
    sheet = S.SHEET_TWINS if exc.rule in ("同班捆绑", "分开") else roster.sheet
    rep.error(sheet, f"无法同时满足规则“{exc.rule}”：{exc.detail}" + (f" 涉及：{who}{more}。" if who else ""),
              "请核对这些学生的双胞胎申请、同名情况，或调整班级数 / 班额上限。")
    return rep


def solve_labels(roster: Roster, params: Params, seed: int, progress: Progress = None,
                 info: dict | None = None) -> np.ndarray:
    """The engine's classes; ``info`` (if given) receives the work done and its budget. The engine
    sees the students in their canonical order, so the order of the sheet's rows changes nothing."""
    order = canonical_order(roster, params)
    where = {i: j for j, i in enumerate(order)}
    sorted_roster = replace(roster, students=[roster.students[i] for i in order],
                            twin_groups=[replace(g, members=sorted(where[i] for i in g.members))
                                         for g in roster.twin_groups])
    problem = build_problem(sorted_roster, params)
    cb = (lambda f: progress(f, "正在均衡编班")) if progress else None
    try:
        found = solve(problem, seed, progress=cb, info=info)
    except Infeasible as exc:                     # name the students by their place in the sheet
        raise Infeasible(exc.rule, [order[i] for i in exc.students], exc.detail) from None
    labels = np.empty_like(found)
    labels[order] = found
    return labels


def plan_assignment(book: RawBook, seed: int | None = None, progress: Progress = None,
                    seed_source: str | None = None, force_reason: str | None = None,
                    in_place: bool = False, computer_seed: bool = False) -> AssignResult:
    """Validate, balance and build every result sheet. Raises UserError; writes nothing.
    A locked workbook (三不动) is refused unless ``force_reason`` is given; it is then logged. So is
    one holding on-site work (lottery, 教师搭配, late placements) when the result replaces it
    (``in_place``). A sealed workbook (数据封存) must still match its seal, and its seed must be
    given (called out in the room) unless ``computer_seed`` asks for a computer-drawn one,
    labelled so everywhere."""

    forced_log = assign_guard(book, force_reason, in_place)
    if progress:
        progress(0.0, "正在检查数据")
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    params = roster.params
    assert params is not None
    sealed = check_seal(book, roster)
    seed, source = _seed_for_run(seed, seed_source, computer_seed, params.seed, sealed[0] if sealed else None)
    labels, seconds, work = _solve_checked(roster, params, seed, progress)
    names = params.names()
    class_of = [names[int(k)] for k in labels]
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    in_fp = input_fingerprint(roster, params)
    out_fp = result_fingerprint(roster, class_of)
    if progress:
        progress(0.9, "正在生成结果表")
    info = _record_info(roster, params, stamp, seed, source, in_fp, out_fp, work)

    ms = measures(roster, labels, params)             # computed once, shared by the sheets
    totals = total_scores(roster, params.subjects) if params.subjects else None
    sheets = [summary_sheet(roster, params, labels, stamp, seed, ms=ms, totals=totals)]
    schools = schools_sheet(roster, params, labels, ms)
    if schools is not None:
        sheets.append(schools)
    sheets += [class_sheet(roster, params, labels, k, stamp, seed, totals) for k in range(params.n_classes)]

    # the old lottery, 公示名单 and 教师搭配 classes no longer apply
    onsite_sheets, onsite_log = after_reassign(book, params, stamp)
    result_code = short_code(out_fp)
    info["封存核验码"] = f"{sealed[0][K_CODE]}（{sealed[0].get(K_TIME, '')} 封存）" if sealed else "（未封存）"
    info["结果核验码"] = result_code
    run_entry = [stamp, f"自动编班：{len(roster.students)} 名学生编入 {params.n_classes} 个班，随机种子 {seed}（{source}），"
                        f"结果核验码 {result_code}，用时 {seconds:.2f} 秒"]
    log = _log_rows(book, sealed, forced_log + [run_entry] + onsite_log)
    sheets.append(record_sheet(params, info, log))
    witness_marks(sheets, params.names(), result_code, run_code=log[-1 - len(onsite_log)][2],
                  computer=source == SOURCE_COMPUTER)
    sheets += onsite_sheets
    if progress:
        progress(1.0, "完成")
    return AssignResult(roster, params, labels, class_of, seed, source, in_fp, out_fp, stamp, sheets, report,
                        seconds, info, ms)


def _solve_checked(roster: Roster, params: Params, seed: int, progress: Progress) -> tuple[np.ndarray, float, dict]:
    """The engine's labels, its seconds and its work record; a UserError when the rules cannot all
    hold (naming them), or — never expected — when the result breaks one (nothing is written)."""
    t0 = time.perf_counter()
    work: dict = {}
    try:
        labels = solve_labels(roster, params, seed, progress, info=work)
    except Infeasible as exc:
        raise UserError(_infeasible_report(exc, roster)) from None
    seconds = time.perf_counter() - t0
    broken = hard_rule_violations(roster, labels, params)
    if broken:  # never expected: the engine guarantees the rules; refuse rather than write
        rep = Report()
        for b in broken:
            rep.error(roster.sheet, f"内部检查发现规则未满足：{b}", "请把输入文件发给开发者；本次没有写入任何结果。")
        raise UserError(rep)
    return labels, seconds, work


def _record_info(roster: Roster, params: Params, stamp: str, seed: int, source: str, in_fp: str, out_fp: str,
                 work: dict) -> dict[str, object]:
    """The 项目 | 内容 rows of 编班记录 for this run (what verify reads back)."""
    return {
        "学校名称": params.school_name, "年级": params.grade_name, "编班时间": stamp,
        "软件版本": f"bianban_xl {__version__}",
        "运行环境": f"Python {platform.python_version()} · numpy {np.__version__} · {platform.system()}",
        "随机种子": str(seed), "种子来源": source, "班级数": params.n_classes, "班额上限": params.cap,
        "成绩科目": "、".join(params.subjects) or "（无）", "同音分开": "是" if params.separate_homophones else "否",
        "班级名称": ",".join(params.names()), "学生人数": len(roster.students),
        "双胞胎申请": "；".join(f"组{g.gid}:{g.mode}{len(g.members)}人" for g in roster.twin_groups) or "无",
        "输入指纹": in_fp, "结果指纹": out_fp,
        "硬性规则": "全部满足：各班人数相差不超过 1，不超过班额上限，同名分开，双胞胎按申请同班或分开"
                   + ("，同音分开" if params.separate_homophones else ""),
        "复核方法": "点击“均衡编班”选项卡的“验证结果”，或在命令行运行：bianban verify 本文件",
        "计算量": f"{work.get('visits', 0)} 次班级间交换搜索（上限 {work.get('budget', 0)} 次，由班级数决定，"
                  "与电脑快慢无关，复核时重复同样的计算）",
    }


def _seed_for_run(seed: int | None, seed_source: str | None, computer_seed: bool, params_seed: int | None,
                  seal: dict[str, str] | None) -> tuple[int, str]:
    """The run's seed and its source. Sealed books take it from the room (given) or, only when
    asked, from the computer; 参数设置's seed was typed before sealing and is not used for them.
    A sealed book without either raises NeedsRoomSeed."""
    if seed is None and computer_seed:
        return draw_seed(), SOURCE_COMPUTER
    if seal is not None and seed is None:
        rep = Report()
        rep.error(SHEET_SEAL, "数据已封存：随机种子应由现场报数产生（例如请家长代表报一串数字），不使用电脑或参数设置中事先填好的种子。没有编班。",
                  "请在命令行运行 bianban assign 文件 --seed 报出的数字 --source \"家长代表报数\"（在终端直接运行 bianban assign 文件 会请您输入两遍）；"
                  "确需由电脑抽取种子时加 --computer-seed，各打印件上会注明“未经现场报数”。")
        raise NeedsRoomSeed(rep, seal)
    return resolve_seed(seed, seed_source, "命令行指定", None if seal is not None else params_seed, f"“{S.SHEET_PARAMS}”中填写")


def _log_rows(book: RawBook, sealed, entries: list[list]) -> list[list]:
    """The new 编班记录's log: every entry of the old one (nothing dropped), then the seal (if it
    is not logged yet) and this run's entries, chained."""
    old = carried_entries(book)
    if old and all(not row[2] for row in old):      # a log from before the chain: chain it as it is
        old = chain([(r[0], r[1]) for r in old])
    new = [(str(a), str(b)) for a, b, *_ in entries]
    if sealed:
        seal, code = sealed
        stamp = seal.get(K_TIME, "")
        if stamp and not any(r[0] == stamp and str(r[1]).startswith("数据封存") for r in old):
            new.insert(0, (stamp, f"数据封存：输入核验码 {code}"))
    return old + chain(new, old[-1][2] if old else "")


def previous_result_sheets(book: RawBook) -> list[str]:
    """Names of result sheets a previous run wrote (so a re-run replaces them)."""
    names = {S.SHEET_SUMMARY, S.SHEET_RECORD, S.SHEET_CHECK, SHEET_SCHOOLS, S.SHEET_DRAW_LOG, S.SHEET_PUBLIC}
    rec = book.sheets.get(S.SHEET_RECORD)
    if rec is not None:
        old = read_record(rec.rows).get("班级名称", "")
        names.update(x for x in old.split(",") if x)

    names.update(sheets_to_drop(book))
    protected = {S.SHEET_PARAMS, S.SHEET_ROSTER, S.SHEET_TWINS, S.SHEET_TEACHERS, S.SHEET_HELP}
    return [n for n in book.order if n in names and n not in protected]


def assign_update(book: RawBook, result: AssignResult) -> BookUpdate:
    """What ``assign`` changes in the workbook: previous result sheets dropped, the class column
    of the roster (and its header when empty), the result sheets."""
    roster = result.roster
    sheet = book.sheets.get(roster.sheet)
    hr, col = roster.header_row, roster.class_col
    headers = [(roster.sheet, hr, col, S.C_CLASS)] if sheet is not None and sheet.cell(hr, col) in (None, "") else []
    return BookUpdate(sheets=list(result.sheets), drop=previous_result_sheets(book), headers=headers,
                      cells=[(roster.sheet, s.row, col, c) for s, c in zip(roster.students, result.class_of)])
