"""插班: place late students (rows of 学生名单 without a class) one by one, moving nobody.

Each late student (or a bound twin unit) goes to the class that best keeps the balance, compared
in this order: size, then students of the same gender, of the same source school, of the same
等级, then how far the class's mean total score would be from the cohort mean. Hard rules: 班额
上限, 同名 (and 同音 when set) apart, 分开 twins apart, and a late twin joins the class of the bound
sibling already placed. Ties are broken by a lottery seeded with the recorded 插班 seed, so every
batch can be replayed by ``verify``. Each batch and each placement is written into 编班记录.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import numpy as np

from bianban_xl.engine.balance import total_scores
from bianban_xl.model import schema as S
from bianban_xl.model.called_digits import recorded_seed
from bianban_xl.model.fingerprint import input_fingerprint, result_fingerprint
from bianban_xl.model.groups import merged_groups
from bianban_xl.model.identity import corrected_field, find_recorded, recorded_name, student_idents
from bianban_xl.model.names import normalize_name, same_name_groups, sound_groups_to_part
from bianban_xl.model.problems import fail, Report, UserError
from bianban_xl.model.raw_book import RawBook, RawSheet
from bianban_xl.model.records import Roster, TwinGroup
from bianban_xl.model.sheet_model import BookUpdate, SheetSpec
from bianban_xl.model.validate import validate
from bianban_xl.onsite.corrections import as_run
from bianban_xl.onsite.journal import append_rows, read_log
from bianban_xl.onsite.lock import relock_rows, result_sheet_names
from bianban_xl.onsite.marks import result_code_of, witness_marks
from bianban_xl.onsite.public_list import public_sheet
from bianban_xl.onsite.state import (head_of_class_from_log, key_values_all, lock_info, made_before_this_order, read_record,
                                     require_assigned,
                                     resolve_seed, SOURCE_COMPUTER)
from bianban_xl.reports.result_sheets import class_sheet, schools_sheet, SHEET_SCHOOLS, summary_sheet

BATCH_KEY = "插班批次"
# one 项目 | 内容 row, so it prints inside the table like every other record row; books written
# before this form spread the batch over five columns (时间 | 种子 | 编号 | 种子来源) and are still read
_BATCH = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})；随机种子 (\d+)（.*）；插班学生编号：(.*)", re.S)


def batch_row(stamp: str, seed: int, keys: list[str], source: str) -> list[str]:
    return [BATCH_KEY, f"{stamp}；随机种子 {seed}（{source}）；插班学生编号：{'|'.join(keys)}"]


def batches(book: RawBook) -> list[tuple[str, int, list[str]]]:
    """(time, seed, student keys in placement order) of every earlier 插班, oldest first."""
    out = []
    for cells in key_values_all(book.sheets.get(S.SHEET_RECORD), BATCH_KEY):
        m = _BATCH.fullmatch(cells[0]) if cells else None
        try:
            if m:
                out.append((m.group(1), recorded_seed(m.group(2)), [k for k in m.group(3).split("|") if k]))
            else:
                out.append((cells[0], int(cells[1]), [k for k in cells[2].split("|") if k]))
        except (IndexError, ValueError):
            continue
    return out


def _recorded_batches(book: RawBook, roster: Roster, notes: dict[tuple[str, str], str] | None = None
                      ) -> list[tuple[str, int, list[str], list[int | None]]]:
    """Every recorded 插班 batch, oldest first: (time, seed, keys as recorded, the roster index of
    each key's student or None where he is no longer found). A student named by content whose
    姓名 or 出生日期 was corrected since is found as :func:`_corrected` says; ``notes`` receives,
    by (time, key), what was concluded for each such student."""
    index = {x: i for i, x in enumerate(student_idents(roster.students))}
    history = [(stamp, seed, keys, [find_recorded(k, index, roster.students) for k in keys])
               for stamp, seed, keys in batches(book)]
    if any(i is None for *_, found in history for i in found):
        _corrected(book, roster, history, {} if notes is None else notes)
    return history


_PLACED = re.compile(r"插班：(.+?)（[^（）]*，([^（），]*)）编入(.+?)。理由：", re.S)


def _corrected(book: RawBook, roster: Roster, history: list, notes: dict[tuple[str, str], str]) -> None:
    """Find, in place in ``history``, the late students without 编号 not found by the 姓名（性别，
    出生日期） recorded: one whose 姓名 or 出生日期 was corrected in 学生名单 since is the one student
    who sits in the class the run log says he was placed in, is named by no other record, and
    matches the record in all else. None or several such: he stays not found; ``notes`` says why
    and what to do, naming him, the class and the candidates."""
    placed: dict[tuple[str, str, str], set[str]] = {}
    for _, stamp, what, _ in read_log(book):
        m = _PLACED.match(what)
        if m:
            placed.setdefault((stamp, m.group(1), m.group(2)), set()).add(m.group(3))
    claimed = {i for *_, found in history for i in found if i is not None}
    sheet = roster.sheet
    for stamp, _, keys, found in history:
        for j, key in enumerate(keys):
            who = recorded_name(key)
            if found[j] is not None or who is None:
                continue
            classes = placed.get((stamp, *who), set())
            where = "、".join(sorted(classes)) or "（运行日志中没有该生编入的班级）"
            hits = [(n, field) for n, s in enumerate(roster.students)
                    if n not in claimed and s.klass in classes and (field := corrected_field(key, s))]
            lost = f"{stamp} 插班的学生“{key}”（编入{where}）在“{sheet}”中找不到了"
            if len(hits) == 1 and _was_in_the_run(book, roster, claimed, hits[0][0]):
                s = roster.students[hits[0][0]]
                notes[(stamp, key)] = (f"{lost}；{s.klass}中只有第{s.row}行的“{s.name}”与记录只差{hits[0][1]}，但按编班记录的输入指纹，"
                                       "该生编班时就在名单中，不是这名插班学生，没有认定。处理办法：请查明插班学生是否被删除或换了班"
                                       "（三不动：插班的学生也不能移动或删除）；如只是更正了插班学生的信息，请在“学生名单”中核对他那一行：姓名和出生日期只能有一项与插班记录不同。")
            elif len(hits) == 1:
                (n, field), s = hits[0], roster.students[hits[0][0]]
                found[j] = n
                claimed.add(n)
                notes[(stamp, key)] = (f"提醒：{lost}；{s.klass}中只有第{s.row}行的“{s.name}”与记录只差{field}、其余相符，"
                                       f"认定为同一人：该生的{field}在插班后更正过。如不是更正，请查明原因。")
            elif hits:
                names = "、".join(f"第{roster.students[n].row}行“{roster.students[n].name}”" for n, _ in hits)
                notes[(stamp, key)] = (f"{lost}；{where}中有 {len(hits)} 名学生都可能是该生（{names}），无法确定是哪一位，没有认定。"
                                       f"处理办法：请把该生的姓名或出生日期改回插班时的样子（“{key}”），再验证。")
            else:
                notes[(stamp, key)] = (f"{lost}：{where}中没有只差姓名或只差出生日期、其余都相符的学生。处理办法：如果插班后更正了该生的信息，"
                                       f"姓名和出生日期都改了就无法认定——请先把其中一项改回插班时的样子（“{key}”）再验证；"
                                       "如果该生被删除或换了班，请查明原因（三不动：插班的学生也不能移动）。")


def _late_indices(history: list[tuple[str, int, list[str], list[int | None]]]) -> set[int]:
    """The students the batches of :func:`_recorded_batches` placed (those still in the roster)."""
    return {i for _, _, _, found in history for i in found if i is not None}


def _was_in_the_run(book: RawBook, roster: Roster, late: set[int], n: int) -> bool:
    """Whether student ``n`` is one of the original run's, by its recorded 输入指纹: the roster
    without the late students matches it with him and not without him."""
    recorded = read_record(book.sheets[S.SHEET_RECORD].rows).get("输入指纹") if S.SHEET_RECORD in book.sheets else None
    params = roster.params
    if not recorded or params is None:
        return False
    return (input_fingerprint(_without(roster, late)[0], params) == recorded
            and input_fingerprint(_without(roster, late | {n})[0], params) != recorded)


def split_late(book: RawBook, roster: Roster) -> tuple[Roster, list]:
    """The roster of the original run (without late students) and the late students (placed by
    插班, or still without a class). Twin groups keep only original members."""
    return _without(roster, _late_indices(_recorded_batches(book, roster)))


def _without(roster: Roster, late: set[int]) -> tuple[Roster, list]:
    """split_late for the late students ``late`` (roster indices)."""
    keep = [i for i, s in enumerate(roster.students) if i not in late and s.klass]
    if len(keep) == len(roster.students):
        return roster, []
    new_index = {old: new for new, old in enumerate(keep)}
    groups = []
    for g in roster.twin_groups:
        members = [new_index[i] for i in g.members if i in new_index]
        if len(members) > 1:
            groups.append(TwinGroup(g.gid, members, g.mode, g.rows))
    extras = [s for i, s in enumerate(roster.students) if i not in new_index]
    return replace(roster, students=[roster.students[i] for i in keep], twin_groups=groups), extras


# --- placement ------------------------------------------------------------------------------
def _apart_map(roster: Roster) -> list[set[int]]:
    params = roster.params
    names = [s.name for s in roster.students]
    apart: list[set[int]] = [set() for _ in names]
    sets = same_name_groups(names)
    if params.separate_homophones:
        sets += sound_groups_to_part(names, params.fuzzy_homophones,
                                     [g.members for g in roster.twin_groups if g.mode == S.MODE_TOGETHER])[0]
    sets += [g.members for g in roster.twin_groups if g.mode == S.MODE_APART]
    for idx in sets:
        for i in idx:
            apart[i] |= set(idx) - {i}
    return apart


def _conflicts(roster: Roster, pairs: list[tuple[int, int]]) -> list[str]:
    """'甲 与 乙（同名）' for each (mover, pupil in the class) pair of ``blockers``."""
    return [f"{roster.students[m].name} 与 {roster.students[j].name}（{_why_apart(roster, m, j)}）" for m, j in pairs]


def _why_apart(roster: Roster, i: int, j: int) -> str:
    if normalize_name(roster.students[i].name) == normalize_name(roster.students[j].name):
        return "同名"
    for g in roster.twin_groups:
        if g.mode == S.MODE_APART and i in g.members and j in g.members:
            return "双胞胎要求分开"
    return "同音"


def place(roster: Roster, classes: list[str | None], new: list[int], seed: int,
          present: set[int] | None = None) -> list[tuple[int, str, str]]:
    """Place the students ``new`` (in this order) given everybody's current class (None = not
    placed). ``present``: students existing at this time (default all). Returns (index, class,
    why). Raises UserError when a student cannot be placed."""
    params = roster.params
    names = params.names()
    classes = list(classes)
    present = set(range(len(roster.students))) if present is None else present
    rng = np.random.default_rng(seed)
    apart = _apart_map(roster)
    bound = _bound_units(roster)
    totals = total_scores(roster, params.subjects) if params.subjects else np.full(len(roster.students), np.nan)
    out: list[tuple[int, str, str]] = []
    for i in new:
        if classes[i] is not None:
            continue   # placed with a bound sibling earlier in this batch
        unit = sorted(m for m in bound.get(i, {i}) if m in present)
        movers = [m for m in unit if classes[m] is None and m in new]
        sizes = {c: 0 for c in names}
        for j, c in enumerate(classes):
            if c is not None and j in present:
                sizes[c] += 1

        def blockers(c: str) -> list[tuple[int, int]]:
            """(mover, pupil already in class c) pairs that a 同名 / 同音 / 分开 rule keeps apart."""
            return [(m, j) for m in movers for j in sorted(apart[m]) if j in present and classes[j] == c]

        c, why = _with_siblings(roster, classes, new, i, unit, movers, sizes, blockers)
        if c is not None:
            for m in movers:
                classes[m] = c
                out.append((m, c, why))
            continue
        c, why = _choose_class(roster, classes, present, totals, i, movers, sizes, blockers, rng)
        for m in movers:
            classes[m] = c
            out.append((m, c, why + (f"（与双胞胎 {'、'.join(roster.students[x].name for x in movers if x != m)} 一同插班）" if len(movers) > 1 else "")))
    return out


def _bound_units(roster: Roster) -> dict[int, set[int]]:
    """Student -> every student bound into the same class with them (同班 groups, merged when they share members)."""
    together = [g.members for g in roster.twin_groups if g.mode == S.MODE_TOGETHER]
    return {m: set(unit) for unit in merged_groups(len(roster.students), together) for m in unit}


def _with_siblings(roster: Roster, classes: list[str | None], new: list[int], i: int, unit: list[int],
                   movers: list[int], sizes: dict[str, int], blockers) -> tuple[str | None, str]:
    """The class of student ``i``'s already placed bound siblings (None when none is placed); a
    UserError when the binding cannot be kept (a sibling without class, siblings split, class full,
    a 分开/同名 conflict there)."""
    params, sheet, s = roster.params, roster.sheet, roster.students[i]
    placed = {classes[m] for m in unit if classes[m] is not None}
    missing = [m for m in unit if classes[m] is None and m not in new]
    if missing:
        who = "、".join(roster.students[m].name for m in missing)
        fail(S.SHEET_TWINS, f"插班学生 {s.name}（第{s.row}行）与 {who} 申请捆绑同班，但 {who} 没有班级，也不在这次插班之列。",
             f"请核对“{S.SHEET_TWINS}”中的申请，或让 {who} 一同插班。", row=s.row)
    if len(placed) > 1:
        fail(S.SHEET_TWINS, f"{s.name}（第{s.row}行）的捆绑同班组成员已在不同班级（{'、'.join(sorted(placed))}），无法插班。",
             "请核对双胞胎申请和班级列。", row=s.row)
    if not placed:
        return None, ""
    c = placed.pop()
    sibs = "、".join(roster.students[m].name for m in unit if classes[m] is not None)
    if sizes[c] + len(movers) > params.cap:
        fail(sheet, f"{s.name}（第{s.row}行）按捆绑申请要和 {sibs} 同在{c}，但{c}已有 {sizes[c]} 人，达到班额上限 {params.cap}。",
             f"请报批调整班额上限（“{S.SHEET_PARAMS}”），或与家长协商撤回捆绑申请。", row=s.row)
    bad = _conflicts(roster, blockers(c))
    if bad:
        fail(sheet, f"{s.name}（第{s.row}行）按捆绑申请应编入{c}，但{'；'.join(bad)}必须分在不同班。",
             f"请核对“{S.SHEET_TWINS}”中的申请。", row=s.row)
    return c, f"双胞胎捆绑申请：与 {sibs} 同班"


def _choose_class(roster: Roster, classes: list[str | None], present: set[int], totals: np.ndarray, i: int,
                  movers: list[int], sizes: dict[str, int], blockers, rng) -> tuple[str, str]:
    """The class for student ``i`` (with its unplaced bound siblings ``movers``): among the classes
    with room and no conflict, the smallest, then fewest of the same gender, school and 等级, then
    the class mean 总分 nearest the cohort; ties drawn with ``rng``. Returns (class, why)."""
    params, sheet, s = roster.params, roster.sheet, roster.students[i]
    names = params.names()
    options = [c for c in names if sizes[c] + len(movers) <= params.cap and not blockers(c)]
    if not options:
        full = all(sizes[c] + len(movers) > params.cap for c in names)
        why = f"各班都已达到班额上限 {params.cap}" if full else "；".join(sorted({x for c in names for x in _conflicts(roster, blockers(c))}))
        fail(sheet, f"{s.name}（第{s.row}行）无法插班：{why}。",
             "请核对该生信息；如各班已满，请报批调整班额上限或增加班级。", row=s.row)
    placed_idx = [j for j, c in enumerate(classes) if c is not None and j in present]
    cohort = np.nanmean(totals[placed_idx]) if placed_idx and np.any(np.isfinite(totals[placed_idx])) else np.nan

    def score(c: str):
        members = [j for j in placed_idx if classes[j] == c]
        gender = sum(1 for j in members for m in movers if roster.students[j].gender == roster.students[m].gender)
        school = sum(1 for j in members for m in movers if roster.students[m].school and roster.students[j].school == roster.students[m].school)
        level = sum(1 for j in members for m in movers if roster.students[m].level and roster.students[j].level == roster.students[m].level)
        vals = [totals[j] for j in members + movers if np.isfinite(totals[j])]
        dev = round(abs(float(np.mean(vals)) - float(cohort)), 3) if vals and np.isfinite(cohort) else 0.0
        return (sizes[c], gender, school, level, dev)

    scored = {c: score(c) for c in options}
    best = min(scored.values())
    ties = [c for c in options if scored[c] == best]
    c = ties[int(rng.integers(len(ties)))] if len(ties) > 1 else ties[0]
    known = (any(roster.students[m].school for m in movers), any(roster.students[m].level for m in movers))
    return c, _reason(best, len(movers), ties, c, known) + _kept_out(roster, names, sizes, len(movers), params.cap, blockers)


def _kept_out(roster: Roster, names: list[str], sizes: dict[str, int], n: int, cap: int, blockers) -> str:
    """The classes with room that a 同名 / 同音 / 分开 rule closed to the pupil, named with the
    pupil there, so that the record says why a smaller class was not chosen."""
    parts = []
    for c in names:
        if sizes[c] + n > cap:
            continue
        for m, j in blockers(c):
            s = roster.students[j]
            parts.append(f"{c}有{_HOW[_why_apart(roster, m, j)]}{s.name}（第{s.row}行），不编入{c}")
    return "；" + "；".join(parts) if parts else ""


_HOW = {"同名": "同名的", "同音": "同音的", "双胞胎要求分开": "要求分开的双胞胎"}


def _reason(best: tuple, n: int, ties: list[str], chosen: str, known: tuple[bool, bool]) -> str:
    """Why the class was chosen, naming only what the roster has (``known``: the pupil's 毕业学校,
    等级 are filled in; a roster of 姓名 and 性别 only said '同毕业学校 0 人、同等级 0 人')."""
    size, gender, school, level, dev = best
    parts = [f"同性别 {gender} 人"] + ([f"同毕业学校 {school} 人"] if known[0] else []) + ([f"同等级 {level} 人"] if known[1] else [])
    text = f"人数最少（插班前 {size} 人），" + "、".join(parts)
    if dev:
        text += f"，编入后该班总分平均与年级平均相差 {dev:.2f} 分"
    if len(ties) > 1:
        text += f"；{'、'.join(ties)} 条件完全相同，由随机种子抽签决定为{chosen}"
    return text


# --- the service step -----------------------------------------------------------------------
def _spec_rows(spec: SheetSpec) -> list[list]:
    grid: list[list] = [[None] * spec.max_col for _ in range(spec.max_row)]
    for b in spec.blocks:
        for i, row in enumerate(b.values):
            for j, v in enumerate(row):
                grid[b.top + i - 1][b.left + j - 1] = v
    return grid


def _changed_since_assign(roster: Roster, originals: Roster, record: dict) -> None:
    """Name the two changes of the class column that are no tampering when they are what happened
    (raises UserError): a new pupil typed in with his class already filled, or pupils deleted."""
    try:
        then = int(record.get("学生人数", ""))
    except ValueError:
        return
    now = len(originals.students)
    if now == then + 1:
        for i, s in enumerate(originals.students):
            rest = replace(originals, students=originals.students[:i] + originals.students[i + 1:])
            if result_fingerprint(rest, [x.klass for x in rest.students]) == record.get("结果指纹"):
                fail(roster.sheet, f"第{s.row}行 {s.name} 是编班后新加的学生，但班级一栏已填了“{s.klass}”。",
                     "插班学生的班级由插班编入（已编班的学生一个不动）：请清空这一格，再点击“插班”。",
                     row=s.row, col=roster.class_col)
    if now < then:
        fail(roster.sheet, f"学生名单比编班时少了 {then - now} 人（编班时 {then} 人，现在有班级的 {now} 人）：已编班学生的行被删除了。",
             "三不动：已编班的学生不能删除。没有报到的学生请保留原行，在“备注”中写明（如“未报到”）；请恢复被删的行后再插班。")


def refreshed_sheets(book: RawBook, full: Roster, record: dict[str, str], stamp: str) -> list[SheetSpec]:
    """编班汇总, 生源分布 (when the book has it), the class sheets and 公示名单 (when the book has it)
    rebuilt from ``full`` (every pupil with his class), as 插班 and 更正 leave them: under the run's
    time, seed and result 核验码, as printed first."""
    params = full.params
    names = params.names()
    labels = np.array([names.index(s.klass) for s in full.students])
    run_seed = recorded_seed(record.get("随机种子") or 0)
    run_stamp = record.get("编班时间", stamp)
    sheets = [summary_sheet(full, params, labels, run_stamp, run_seed)]
    sch = schools_sheet(full, params, labels)
    if sch is not None and SHEET_SCHOOLS in book.sheets:
        sheets.append(sch)
    heads = head_of_class_from_log(book) or {}
    sheets += [class_sheet(full, params, labels, k, run_stamp, run_seed, head=heads.get(names[k]))
               for k in range(len(names))]
    # the refreshed 编班汇总 and class sheets carry the run's result 核验码 and seed label, as printed first
    witness_marks(sheets, names, result_code_of(record), computer=record.get("种子来源") == SOURCE_COMPUTER)
    if S.SHEET_PUBLIC in book.sheets:
        sheets.append(public_sheet(full, params, head_of_class_from_log(book), stamp))
    return sheets


def book_after(book: RawBook, upd: BookUpdate) -> RawBook:
    """``book`` as ``upd`` leaves it, as far as the lock fingerprints see it: its cells and sheets
    (not its record rows)."""
    after = RawBook(dict(book.sheets), list(book.order), book.source)
    for name, cells in upd.cells_by_sheet().items():
        sh = book.sheets[name]
        after.sheets[name] = RawSheet(sh.name, None, sh.formulas, sh.merged, cells={**sh.cells, **cells},
                                      width=sh.width, hidden_rows=sh.hidden_rows)
    for spec in upd.sheets:
        after.sheets[spec.name] = RawSheet(spec.name, _spec_rows(spec))
    return after


def keep_locked(book: RawBook, upd: BookUpdate, step: str) -> None:
    """On a locked book, a step that changes the class sheets by rule (插班, 更正) refreshes the lock
    fingerprints in ``upd`` and keeps the result sheets protected."""
    if lock_info(book) is None:
        return
    after = book_after(book, upd)
    upd.record_rows += relock_rows(after, step)
    upd.protect = result_sheet_names(after)
    upd.messages.append("工作簿处于锁定状态：已更新锁定指纹，结果工作表仍受保护。")


def plan_late(book: RawBook, seed: int | None = None, seed_source: str | None = None) -> BookUpdate:
    """插班. Raises UserError; writes nothing."""
    rec_sheet = require_assigned(book, "插班")
    record = read_record(rec_sheet.rows)
    older = made_before_this_order(record)
    if older:
        fail(S.SHEET_RECORD, *older)
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    params = roster.params
    if ",".join(params.names()) != record.get("班级名称", ",".join(params.names())):
        fail(S.SHEET_PARAMS, f"班级设置与编班时不同（编班时为 {record.get('班级名称')}）。", "插班不能改变班级数和班名，请改回原来的设置。")
    names = params.names()
    unknown = [s for s in roster.students if s.klass and s.klass not in names]
    if unknown:
        s = unknown[0]
        fail(roster.sheet, f"{s.name} 的班级“{s.klass}”不是本年级的班级（{'、'.join(names)}）。",
             "请改正班级列；插班的新学生班级一栏留空，由插班编入。", row=s.row, col=roster.class_col)
    # the classes of the run as the run saw the pupils: recorded corrections (更正) undone
    originals, _ = split_late(*as_run(book, roster))
    fp = result_fingerprint(originals, [s.klass for s in originals.students])
    if record.get("结果指纹") and fp != record.get("结果指纹"):
        _changed_since_assign(roster, originals, record)
        fail(roster.sheet, "已编班学生的班级与编班记录不一致：编班后有人改动了班级列（或删除、插入了已编班学生的行）。三不动：插班前必须先查明原因。",
             "请运行“验证结果”（bianban verify）查看哪里被改动，恢复原样后再插班；新学生请加在名单末尾。")
    new = [i for i, s in enumerate(roster.students) if not s.klass]
    if not new:
        fail(roster.sheet, "没有需要插班的学生：学生名单中每个学生都已有班级。",
             f"请把插班学生加在“{roster.sheet}”末尾（班级一栏留空），再点击“插班”。")
    seed, source = resolve_seed(seed, seed_source, "命令行指定")
    classes = [s.klass for s in roster.students]
    placements = place(roster, classes, new, seed)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    for i, c, _ in placements:
        classes[i] = c
    students = [replace(s, klass=c) for s, c in zip(roster.students, classes)]
    full = replace(roster, students=students)
    upd = BookUpdate()
    upd.cells = [(roster.sheet, roster.students[i].row, roster.class_col, c) for i, c, _ in placements]
    upd.sheets = refreshed_sheets(book, full, record, stamp)
    idents = student_idents(roster.students)
    keys = [idents[i] for i, _, _ in placements]
    upd.record_rows.append(batch_row(stamp, seed, keys, source))
    upd.record_rows += append_rows(book, [(stamp, f"插班：{roster.students[i].name}（{roster.students[i].key}，{roster.students[i].gender}）编入{c}。理由：{why}")
                                          for i, c, why in placements])
    upd.messages.append(f"插班完成：{len(placements)} 名学生（随机种子 {seed}，{source}），没有移动任何已编班的学生：")
    upd.messages += [f"  {roster.students[i].name}（第{roster.students[i].row}行） → {c}：{why}" for i, c, why in placements]
    keep_locked(book, upd, "插班")
    return upd


def verify_late(book: RawBook, roster: Roster, roster_at=None) -> tuple[bool, list[str]]:
    """Replay every recorded 插班 batch and compare with the class column; list students still
    without a class. ``roster_at(stamp)``: the roster as it was at a batch's time (recorded 更正
    made after it undone; the same students in the same order), to replay the batch on what it
    saw; default ``roster`` for every batch."""
    ok, out = True, []
    notes: dict[tuple[str, str], str] = {}
    history = _recorded_batches(book, roster, notes)
    late = _late_indices(history)
    present = {i for i, s in enumerate(roster.students) if i not in late and s.klass}
    classes: list[str | None] = [s.klass if i in present else None for i, s in enumerate(roster.students)]
    for stamp, seed, keys, found in history:
        out += [notes[(stamp, k)] for k, i in zip(keys, found) if i is not None and (stamp, k) in notes]
        lost = [k for k, i in zip(keys, found) if i is None]
        if lost:
            ok = False
            plain = [k for k in lost if (stamp, k) not in notes]
            out += [notes[(stamp, k)] for k in lost if (stamp, k) in notes]
            if plain:
                out.append(f"{stamp} 插班的学生 {'、'.join(plain)} 在“{roster.sheet}”中找不到了。")
            continue
        batch = [i for i in found if i is not None]
        present |= set(batch)
        try:
            expected = place(roster if roster_at is None else roster_at(stamp), classes, batch, seed, present)
        except UserError as exc:
            ok = False
            out.append(f"{stamp} 的插班无法按记录重演：" + exc.report.errors[0].text())
            continue
        for i, c, _ in expected:
            s = roster.students[i]
            classes[i] = s.klass
            if s.klass != c:
                ok = False
                out.append(f"“{roster.sheet}”第{s.row}行 {s.name}（{stamp} 插班）：班级是“{s.klass or '（空）'}”，按插班记录应为“{c}”。")
    waiting = [s for i, s in enumerate(roster.students) if not s.klass and i not in late]
    if waiting:
        ok = False
        who = "、".join(f"{s.name}(第{s.row}行)" for s in waiting[:10])
        out.append(f"有 {len(waiting)} 名学生还没有班级：{who}。如是插班学生，请点击“插班”（bianban late）。")
    if history and ok:
        n = sum(len(k) for _, _, k, _ in history)
        out.append(f"插班检查通过：{len(history)} 次插班共 {n} 名学生，按记录的随机种子重演，班级完全一致，已编班的学生没有被移动。")
    return ok, out


__all__ = ["plan_late", "refreshed_sheets", "keep_locked", "book_after", "place", "split_late", "verify_late", "batches", "Report"]
