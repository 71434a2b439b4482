"""`bianban check | seal | assign | verify | report` and the on-site steps `teachers | draw | public |
lock | late | correct`: thin shells over bianban_xl.service (each reads the workbook, plans the step — raising
UserError with nothing written — then writes to -o, or back into the file after a backup copy)."""
from __future__ import annotations

import sys
from pathlib import Path

from bianban_xl.book.macro_free import conversion_note
from bianban_xl.cli.output import out, print_report, progress
from bianban_xl.engine.balance import measures
from bianban_xl.export import report_file
from bianban_xl.model.codes import short_code
from bianban_xl.model.sheet_model import BookUpdate
from bianban_xl.model.called_digits import parse_called_digits, same_digits, zeros_note
from bianban_xl.service import (assign_file, can_draw, check_file, correct_file, draw_file, is_sealed, late_file, lock_file, public_file,
                                left_as_is, read_file, seal_file, teachers_file, verify_file)


def cmd_check(args) -> int:
    roster, report = check_file(args.book)
    print_report(report)
    if roster is not None:
        p = roster.params
        n = len(roster.students)
        boys = sum(1 for s in roster.students if s.gender == "男")
        out(f"检查通过：{n} 名学生（男 {boys}，女 {n - boys}），{p.n_classes} 个班，班额上限 {p.cap}；"
            f"成绩科目：{'、'.join(p.subjects) or '无'}；双胞胎申请 {len(roster.twin_groups)} 组。")
        return 0
    return 1


_COUNTED = {"户籍": "类", "等级": "个等级", "毕业学校": "所"}   # count rules shown together when all at their bound


def _balance_lines(result) -> list[str]:
    """The balance as the terminal shows it after 编班: class size, 性别, the means, 总分's spread and
    the mean birth date, each against its bound; 户籍 / 等级 / 毕业学校 in one line when every count is
    at its bound (a school's 30 source schools would fill a screen), one line each one that is not."""
    lines, at_bound = [], {}
    for m in result.measures or measures(result.roster, result.labels, result.params):
        if m.group in _COUNTED and m.at_bound:
            at_bound[m.group] = at_bound.get(m.group, 0) + 1
            continue
        if m.group in ("班额", "性别", "平均分", "出生日期", *_COUNTED) or (m.group == "标准差" and m.label == "总分"):
            gap = f"{m.gap:.0f}" if m.unit == "人" else f"{m.gap:.2f}"
            bound = f"{m.bound:.0f}" if m.unit == "人" else f"{m.bound:.2f}"
            lines.append(f"  {m.group}·{m.label}: 各班最大差距 {gap} {m.unit}（理论最小 {bound}）")
    if at_bound:
        what = "、".join(f"{g}（{n} {_COUNTED[g]}）" if n > 2 else g for g, n in at_bound.items())
        lines.append(f"  {what}: 各班人数差距都达到理论最小")
    return lines


def print_assign(result, target, backup) -> None:
    p = result.params
    out(f"编班完成：{len(result.roster.students)} 名学生编入 {p.n_classes} 个班；随机种子 {result.seed}（{result.seed_source}）；"
        f"计算用时 {result.engine_seconds:.2f} 秒。")
    for line in _balance_lines(result):
        out(line)
    out(f"结果核验码：{short_code(result.result_fp)}（请抄在签字页上；“编班汇总”第一页也印着它）")
    out(f"结果已写入：{target}")
    if backup:
        out(f"原文件已备份为：{backup}")
    out(f"复核命令：bianban verify \"{target}\"")


def _conversion_note(src, target) -> None:
    note = conversion_note(src, target)
    if note:
        out(note)


def _digits(typed: str) -> int | None:
    try:
        return parse_called_digits(typed)
    except ValueError:
        return None


def ask_seed_twice(read=None, intro: str = "数据已封存。请家长代表（或监督人员）现场报一串数字作为随机种子，由操作员输入两遍。"
                   ) -> tuple[int, str] | None:
    """The seed called out in the room, typed twice (a typo in either shows as a mismatch).
    None after three failed attempts. ``read``: input() unless given."""
    read = read or input
    out(intro)
    for _ in range(3):
        first = _digits(read("请输入报出的数字：").strip())
        if first is None:
            out("只能输入数字（可以有空格），最多 19 位、不超过 9223372036854775807，请重新输入。")
            continue
        second = _digits(read("请再输入一遍核对：").strip())
        if same_digits(second, first):
            return first, "现场报数（输入两遍核对一致）"
        out(f"两次输入不一致{zeros_note(first, second)}，请重新输入。")
    return None


def cmd_assign(args) -> int:
    if args.force and not (args.reason or "").strip():
        out("[错误] 使用 --force 时必须用 --reason \"原因\" 写明为什么要重新编班；原因会写入编班记录。没有修改任何文件。")
        return 1
    if args.computer_seed and args.seed is not None:
        out("[错误] --seed 和 --computer-seed 只能用一个：现场报数的种子用 --seed，电脑抽取用 --computer-seed。没有修改任何文件。")
        return 1
    seed, source = args.seed, args.source
    read = None
    if seed is None and not args.computer_seed and sys.stdin.isatty():
        read = read_file(args.book)          # assign_file uses it unless the file changes meanwhile
    if read is not None and is_sealed(read.book):
        asked = ask_seed_twice()
        if asked is None:
            out("[错误] 三次都没有输入一致的数字，没有编班，没有修改任何文件。")
            return 1
        seed, source = asked[0], source or asked[1]
    result, target, backup = assign_file(args.book, args.output, seed=seed, progress=progress, seed_source=source,
                                         force_reason=args.reason if args.force else None,
                                         computer_seed=args.computer_seed, overwrite=args.overwrite, read=read)
    if result.report.warnings and not args.quiet:
        for p in result.report.warnings:
            out(p.text())
        out("")
    print_assign(result, target, backup)
    _conversion_note(args.book, target)
    return 0


def cmd_seal(args) -> int:
    update, target, backup = seal_file(args.book, args.output, args.overwrite)
    for line in update.messages:
        out(line)
    out(f"文件没有改动：{target}" if left_as_is(update, args.book, target) else f"已写入：{target}")
    if backup:
        out(f"原文件已备份为：{backup}")
    out(f"下一步：现场报数后运行 bianban assign \"{target}\"（会请您把报出的数字输入两遍）。")
    return 0


def cmd_verify(args) -> int:
    res = verify_file(args.book)
    for line in res.findings:
        out(line)
    return 0 if res.ok else 1


def cmd_report(args) -> int:
    target, converted = report_file(args.book, args.output, overwrite=args.overwrite)
    out(f"上报文件已写入：{target}")
    out("这是不含宏的 .xlsx 文件" + ("（已去掉宏和“均衡编班”选项卡）" if converted else "")
        + "，包含全部工作表，可以作为邮件附件发给区教育局；原工作簿没有改动。")
    out("区里核查：bianban district 存放各校文件的文件夹 -o 汇总.xlsx")
    return 0


def _onsite_report(update: BookUpdate, target: Path, backup: Path | None, verify: bool = True,
                   src: str | None = None) -> int:
    for line in update.messages:
        out(line)
    out(f"结果已写入：{target}")
    if backup:
        out(f"原文件已备份为：{backup}")
    note = conversion_note(src, target) if src else None
    if note:
        out(note)
    if verify:
        out(f"复核命令：bianban verify \"{target}\"")
    return 0


def cmd_teachers(a) -> int:
    return _onsite_report(*teachers_file(a.book, a.output, a.seed, a.source, a.overwrite), src=a.book)


def cmd_draw(a) -> int:
    seed, source = a.seed, a.source
    if a.computer_seed and (seed is not None or a.manual):
        out("[错误] --computer-seed 不能和 --seed 或 --manual 一起用。没有修改任何文件。")
        return 1
    read = read_file(a.book)                  # read once: checked now, drawn on unless the file changes meanwhile
    notice = can_draw(read)                   # refused (nothing asked) or a warning before the number
    if notice:
        out(f"[提醒] {notice}")
    if seed is None and not a.manual and not a.computer_seed and sys.stdin.isatty():
        # in front of the teachers: the number called out, as for 自动编班 on a sealed book
        asked = ask_seed_twice(intro="班主任抽签：请家长代表（或监督人员）现场报一串数字作为抽签种子，由操作员输入两遍"
                                     "（不报数、由电脑抽取请改用 --computer-seed）。")
        if asked is None:
            out("[错误] 三次都没有输入一致的数字，没有抽签，没有修改任何文件。")
            return 1
        seed, source = asked[0], source or asked[1]
    return _onsite_report(*draw_file(a.book, a.output, seed, source, a.manual, a.overwrite, read=read), src=a.book)


def cmd_public(a) -> int:
    return _onsite_report(*public_file(a.book, a.output, a.overwrite), verify=a.output is None)


def cmd_lock(a) -> int:
    return _onsite_report(*lock_file(a.book, a.output, a.overwrite), src=a.book)


def cmd_late(a) -> int:
    return _onsite_report(*late_file(a.book, a.output, a.seed, a.source, a.overwrite), src=a.book)


def cmd_correct(a) -> int:
    return _onsite_report(*correct_file(a.book, a.output, a.column, a.value, a.reason, a.row, a.id, a.name, a.overwrite),
                          src=a.book)
