"""`bianban` command line: a thin shell over bianban_xl.service, one subcommand per job.

Every subcommand has --help with an example. User errors print Chinese messages (sheet, cell,
fix) and exit 1; nothing is written. Only --debug shows a Python traceback.
"""
from __future__ import annotations

import argparse
import signal
import sys
import textwrap
import time
from pathlib import Path

from bianban_xl import __version__
from bianban_xl.book.macro_free import conversion_note
from bianban_xl.book.template import build_input_workbook
from bianban_xl.book.files import Interrupted, backup_copy, output_lock, plan_output, why
from bianban_xl.book.workbook_file import save_atomic
from bianban_xl.cli.seeds import SEED_RANGE, note_arg, seed_arg
from bianban_xl.cli.onsite import add_parsers as add_onsite, EXAMPLES as ONSITE_EXAMPLES
from bianban_xl.cli.zh_args import integer, ZhParser
from bianban_xl.demo import run_demo
from bianban_xl.district.batch import batch_assign
from bianban_xl.district.check import district_check, FAIL, PASS, REVIEW
from bianban_xl.engine.balance import measures
from bianban_xl.export import report_file
from bianban_xl.install.bundle import bundle
from bianban_xl.install.doctor import run as run_doctor
from bianban_xl.model.problems import Report, UserError
from bianban_xl.model.console import tolerant_console
from bianban_xl.onsite.state import parse_called_digits
from bianban_xl.service import assign_file, check_file, is_sealed, read_book, seal_file, verify_file
from bianban_xl.ui.server import add_arguments as add_ui_arguments, run_from_args as run_ui


class _sigterm_as_interrupt:
    """While a command runs, SIGTERM raises files.Interrupted (a KeyboardInterrupt), so a write in
    progress removes its temporary file and lock file exactly as on Ctrl-C."""

    def __enter__(self):
        self.old = None
        try:
            self.old = signal.signal(signal.SIGTERM, self._raise)
        except ValueError:           # not the main thread (e.g. a test server): leave it be
            pass
        return self

    @staticmethod
    def _raise(signum, frame):
        raise Interrupted()

    def __exit__(self, *exc):
        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)
        return False


def _out(text: str = "") -> None:
    print(text, flush=True)


def _print_report(report: Report, show_warnings: bool = True) -> None:
    errors, warnings = report.errors, report.warnings
    for p in errors:
        _out(p.text())
    if show_warnings:
        for p in warnings:
            _out(p.text())
    if errors:
        _out(f"\n共 {len(errors)} 个错误" + (f"、{len(warnings)} 条提醒" if warnings else "") + "。请改正错误后再试；本次没有修改任何文件。")
    elif warnings:
        _out(f"\n没有错误，{len(warnings)} 条提醒。")


def _progress(fraction: float, what: str) -> None:
    if sys.stderr.isatty():
        bar = "#" * int(fraction * 30)
        print(f"\r{what} [{bar:<30}] {fraction:4.0%}", end="" if fraction < 1 else "\n", file=sys.stderr, flush=True)


def cmd_template(args) -> int:
    path = Path(args.path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    target, back_up = plan_output(None, path, args.overwrite, what="模板")
    with output_lock(target):
        if back_up:
            _out(f"原文件已备份为：{backup_copy(target)}")
        save_atomic(build_input_workbook(), target)
    _out(f"已生成输入模板：{path}\n请填写“参数设置”和“学生名单”（双胞胎申请填在“双胞胎”），然后运行：bianban check \"{path}\"")
    return 0


def cmd_check(args) -> int:
    roster, report = check_file(args.book)
    _print_report(report)
    if roster is not None:
        p = roster.params
        n = len(roster.students)
        boys = sum(1 for s in roster.students if s.gender == "男")
        _out(f"检查通过：{n} 名学生（男 {boys}，女 {n - boys}），{p.n_classes} 个班，班额上限 {p.cap}；"
             f"成绩科目：{'、'.join(p.subjects) or '无'}；双胞胎申请 {len(roster.twin_groups)} 组。")
        return 0
    return 1


def _balance_lines(result) -> list[str]:
    lines = []
    for m in measures(result.roster, result.labels, result.params):
        if m.group in ("班额", "性别", "平均分") or (m.group == "标准差" and m.label == "总分"):
            gap = f"{m.gap:.0f}" if m.unit == "人" else f"{m.gap:.2f}"
            bound = f"{m.bound:.0f}" if m.unit == "人" else f"{m.bound:.2f}"
            lines.append(f"  {m.group}·{m.label}: 各班最大差距 {gap} {m.unit}（理论最小 {bound}）")
    return lines


def _print_assign(result, target, backup) -> None:
    p = result.params
    _out(f"编班完成：{len(result.roster.students)} 名学生编入 {p.n_classes} 个班；随机种子 {result.seed}（{result.seed_source}）；"
         f"计算用时 {result.engine_seconds:.2f} 秒。")
    for line in _balance_lines(result):
        _out(line)
    _out(f"结果已写入：{target}")
    if backup:
        _out(f"原文件已备份为：{backup}")
    _out(f"复核命令：bianban verify \"{target}\"")


def _conversion_note(src, target) -> None:
    note = conversion_note(src, target)
    if note:
        _out(note)


def _digits(typed: str) -> int | None:
    try:
        return parse_called_digits(typed)
    except ValueError:
        return None


def ask_seed_twice(read=None) -> tuple[int, str] | None:
    """The seed called out in the room, typed twice (a typo in either shows as a mismatch).
    None after three failed attempts. ``read``: input() unless given."""
    read = read or input
    _out("数据已封存。请家长代表（或监督人员）现场报一串数字作为随机种子，由操作员输入两遍。")
    for _ in range(3):
        first = _digits(read("请输入报出的数字：").strip())
        if first is None:
            _out("只能输入数字（可以有空格），请重新输入。")
            continue
        if _digits(read("请再输入一遍核对：").strip()) == first:
            return first, "现场报数（输入两遍核对一致）"
        _out("两次输入不一致，请重新输入。")
    return None


def cmd_assign(args) -> int:
    if args.force and not (args.reason or "").strip():
        _out("[错误] 使用 --force 时必须用 --reason \"原因\" 写明为什么要重新编班；原因会写入编班记录。没有修改任何文件。")
        return 1
    if args.computer_seed and args.seed is not None:
        _out("[错误] --seed 和 --computer-seed 只能用一个：现场报数的种子用 --seed，电脑抽取用 --computer-seed。没有修改任何文件。")
        return 1
    seed, source = args.seed, args.source
    if seed is None and not args.computer_seed and sys.stdin.isatty() and is_sealed(read_book(args.book)):
        asked = ask_seed_twice()
        if asked is None:
            _out("[错误] 三次都没有输入一致的数字，没有编班，没有修改任何文件。")
            return 1
        seed, source = asked[0], source or asked[1]
    result, target, backup = assign_file(args.book, args.output, seed=seed, progress=_progress, seed_source=source,
                                         force_reason=args.reason if args.force else None,
                                         computer_seed=args.computer_seed, overwrite=args.overwrite)
    if result.report.warnings and not args.quiet:
        for p in result.report.warnings:
            _out(p.text())
        _out("")
    _print_assign(result, target, backup)
    _conversion_note(args.book, target)
    return 0


def cmd_seal(args) -> int:
    update, target, backup = seal_file(args.book, args.output, args.overwrite)
    for line in update.messages:
        _out(line)
    _out(f"已写入：{target}")
    if backup:
        _out(f"原文件已备份为：{backup}")
    _out(f"下一步：现场报数后运行 bianban assign \"{target}\"（会请您把报出的数字输入两遍）。")
    return 0


def cmd_verify(args) -> int:
    res = verify_file(args.book)
    for line in res.findings:
        _out(line)
    return 0 if res.ok else 1


def cmd_demo(args) -> int:
    return run_demo(Path(args.dir), _out, _print_assign)


def _count_progress(what: str):
    """A text progress bar on stderr for many files: redrawn in place on a terminal, else every 10%."""
    start = time.perf_counter()
    state = {"tenth": -1}

    def show(done: int, total: int, name: str) -> None:
        frac = done / total if total else 1.0
        secs = time.perf_counter() - start
        line = f"{what} [{'#' * int(frac * 30):<30}] {done}/{total}  {secs:.0f} 秒"
        if sys.stderr.isatty():
            tail = f"  {name}"[:40] if name else ""
            print(f"\r{line}{tail:<40}", end="" if done < total else "\n", file=sys.stderr, flush=True)
        elif int(frac * 10) > state["tenth"] or done == total:
            state["tenth"] = int(frac * 10)
            print(line, file=sys.stderr, flush=True)

    return show


def cmd_batch(args) -> int:
    res = batch_assign(args.dir, args.output, jobs=args.jobs, seed=args.seed, progress=_count_progress("批量编班"),
                       seeds=args.seeds)
    ok = len(res.items) - len(res.failures)
    _out(f"批量编班完成：{len(res.items)} 个工作簿，成功 {ok}，失败 {len(res.failures)}；共 {res.students} 名学生；"
         f"用时 {res.seconds:.1f} 秒（{res.jobs} 个进程）。")
    if not res.items:
        _out(f"[提醒] 文件夹“{args.dir}”中没有找到 .xlsx / .xlsm 工作簿。")
    replaced = [i for i in res.items if i.backup]
    if replaced:
        _out(f"{len(replaced)} 个学校上次的结果文件已先备份到各自文件夹下的“备份”文件夹，再写入新结果。")
    if res.skipped:
        _out(f"未处理 {len(res.skipped)} 个不是 Excel 工作簿的文件：" + "、".join(p.name for p in res.skipped[:10])
             + ("……" if len(res.skipped) > 10 else ""))
    if res.failures:
        _out("\n失败的学校及原因：")
        for it in res.failures:
            _out(f"● {it.relative}")
            for line in it.problems[:8]:
                _out(f"    {line}")
            if len(it.problems) > 8:
                _out(f"    ……共 {len(it.problems)} 条，详见汇总表。")
    _out(f"\n结果文件在：{res.out_dir}")
    if res.summary_path:
        _out(f"汇总表：{res.summary_path}")
    _out(f"全区核查：bianban district \"{res.out_dir}\" -o 汇总.xlsx")
    return 0 if not res.failures else 1


def cmd_district(args) -> int:
    res = district_check(args.dir, args.output, jobs=args.jobs, progress=_count_progress("逐校核查"), codes=args.codes)
    _out(f"核查完成：{len(res.checks)} 个文件，不合格 {res.count(FAIL)}，需核查 {res.count(REVIEW)}，合格 {res.count(PASS)}；"
         f"用时 {res.seconds:.1f} 秒。")
    for c in res.checks:
        if c.verdict == PASS:
            continue
        _out(f"【{c.verdict}】{c.relative}" + (f"（{c.school}）" if c.school else ""))
        for f in c.findings[:5]:
            _out(f"    {f.text}")
        if len(c.findings) > 5:
            _out(f"    ……共 {len(c.findings)} 个问题，详见汇总表“问题明细”。")
    _out(f"汇总表已写入：{res.out_path}")
    if res.replaced_backup:
        _out(f"原汇总表已备份为：{res.replaced_backup}")
    return 0 if res.count(FAIL) == 0 and res.count(REVIEW) == 0 else 1


def cmd_report(args) -> int:
    target, converted = report_file(args.book, args.output, overwrite=args.overwrite)
    _out(f"上报文件已写入：{target}")
    _out("这是不含宏的 .xlsx 文件" + ("（已去掉宏和“均衡编班”选项卡）" if converted else "")
         + "，包含全部工作表，可以作为邮件附件发给区教育局；原工作簿没有改动。")
    _out(f"区里核查：bianban district 存放各校文件的文件夹 -o 汇总.xlsx")
    return 0


def cmd_bundle(args) -> int:
    res = bundle(args.output, args.platform, args.cache, log=_out)
    for path in res.outputs:
        size = sum(p.stat().st_size for p in path.rglob("*")) if path.is_dir() else path.stat().st_size
        _out(f"已生成：{path}（{size / 1e6:.1f} MB）")
    _out(f"包含 {len(res.wheels)} 个依赖包：" + "、".join(w.split("-")[0] for w in res.wheels))
    _out(f"用时 {res.seconds:.0f} 秒。")
    if res.platform == "current":
        _out(f"在目标电脑上（可以离线）运行：sh \"{args.output}/install.sh\"")
    return 0


def cmd_doctor(args) -> int:
    return run_doctor(args.book, args.fix, args.quiet, _out)


def cmd_ui(args) -> int:
    return run_ui(args, _out)


EXAMPLES = {
    "template": "示例：\n  bianban template 2026级编班.xlsx",
    "check": "示例：\n  bianban check 2026级编班.xlsx\n\n没有错误时退出码为 0，有错误时为 1。",
    "assign": "示例：\n  bianban assign 2026级编班.xlsx -o 编班结果.xlsx\n  bianban assign 2026级编班.xlsx -o 编班结果.xlsx --seed 20260901\n"
              "  bianban assign 2026级编班.xlsx          （不加 -o：先把原文件备份到“备份”文件夹，再把结果写回原文件）\n"
              "  bianban assign 2026级编班.xlsx --seed 3721 --source \"家长代表报数\"\n"
              "  bianban assign 2026级编班.xlsx --computer-seed   （不经现场报数，由电脑抽取种子；各打印件上注明）\n\n"
              "已封存（bianban seal）的工作簿：不加 --seed 时在终端里请您把现场报出的数字输入两遍。\n"
              "退出码：0 成功；1 数据或操作有误（没有修改任何文件）；2 软件自身的错误。",
    "seal": "示例：\n  bianban seal 2026级编班.xlsx\n  bianban seal 2026级编班.xlsx -o 封存.xlsx\n\n"
            "检查数据并封存：生成“数据封存”工作表，打印输入核验码请监督人员签字。之后再现场报数、编班；"
            "封存后数据如有改动，编班会被拒绝。",
    "verify": "示例：\n  bianban verify 编班结果.xlsx\n\n一致时退出码为 0，不一致时为 1。",
    "demo": "示例：\n  bianban demo\n  bianban demo 演示目录",
    "batch": "示例：\n  bianban batch 各校工作簿 -o 编班结果\n  bianban batch 各校工作簿 -o 编班结果 --jobs 2\n"
             "  bianban batch 各校工作簿 -o 编班结果 --seeds 种子表.xlsx\n\n"
             "逐个编班文件夹（含子文件夹）中的每个输入工作簿，结果按原目录结构写入输出文件夹，并生成“批量编班结果.xlsx”。\n"
             "已封存（bianban seal）的工作簿，随机种子必须由现场报数产生：把各校报出的数字填入种子表"
             "（第一行表头 学校 | 随机种子 | 种子来源，学校写学校名称或文件名），用 --seeds 指定；没有种子的已封存学校不编班，并说明原因。\n"
             "某个学校出错不影响其他学校；全部成功时退出码为 0，有失败时为 1。",
    "report": "示例：\n  bianban report 2026级编班.xlsm\n  bianban report 2026级编班.xlsm -o 上报/实验中学-2026级初一-编班结果.xlsx\n\n"
              "不加 -o 时，文件名为“学校名称-年级-编班结果.xlsx”，放在原工作簿旁边。\n"
              "上报文件是不含宏的 .xlsx（邮箱和 Outlook 会拦截 .xlsm 附件），包含全部工作表；原工作簿不改动。",
    "bundle": "示例：\n  bianban bundle -o 安装包\n  bianban bundle -o 安装包 --platform current\n\n"
              "在联网的 Linux 电脑上运行（需要 nsis、osslsigncode 和 pip install \".[bundle]\"）：\n"
              "  --platform win_amd64（默认）生成 均衡编班-安装-版本.exe（按用户安装、不需管理员权限、自带 Python）\n"
              "  和 均衡编班-版本-win64.zip（解压即用，供信息老师放在共享盘）；\n"
              "  --platform current 生成 wheels 文件夹和 install.sh（统信UOS、麒麟等 Linux 离线安装）。\n"
              "下载的文件缓存在 --cache 目录，第二次生成不再联网。",
    "doctor": "示例：\n  bianban doctor\n  bianban doctor 文档/均衡编班/均衡编班工作簿.xlsm\n  bianban doctor --fix\n\n"
              "检查 Python 和软件包版本、工作簿中的 xlwings 宏模块是否与安装的 xlwings 一致、Excel 按钮要启动的 Python 是否存在；\n"
              "Windows 上还检查 Excel 是否安装、宏设置、受信任位置、文件是否带“来自互联网”标记。\n"
              "--fix 让按钮使用本软件自带的 Python（写入用户文件夹中的 .xlwings\\xlwings.conf）并解除工作簿的“来自互联网”标记。\n"
              "一切正常时退出码为 0，发现问题时为 1。",
    "district": "示例：\n  bianban district 各校结果 -o 汇总.xlsx\n\n"
                "逐校复核结果工作簿（重新运行是否一致、编班后是否被改动、规则是否满足、均衡差距），"
                "写出“学校汇总”和“问题明细”。全部合格时退出码为 0，否则为 1。\n\n"
                "  bianban district 各校结果 -o 汇总.xlsx --codes 核验码.xlsx\n"
                "核对各校签字页上的结果核验码（核验码.xlsx：学校 | 核验码）与报送的文件是否一致，不一致的列为不合格。",
    "ui": "示例：\n  bianban ui                 （工作文件夹：“文档”中的“均衡编班”文件夹）\n  bianban ui D:\\2026编班\n"
          "  bianban ui 编班文件夹 --port 8765 --no-browser\n\n"
          "在本机浏览器中打开与 Excel 选项卡相同的按钮（适用于 WPS、统信UOS、麒麟、Mac）。只在本机访问，不连接互联网；\n"
          "第一行输出是网页地址（含访问口令）。按 Ctrl+C 停止。",
}


def build_parser() -> argparse.ArgumentParser:
    parser = ZhParser(
        prog="bianban",
        description="均衡编班：电脑随机、均衡、可复核的新生分班工具。",
        epilog=textwrap.dedent("""\
            常用流程：
              bianban template 编班.xlsx          生成输入模板
              bianban check 编班.xlsx             检查数据
              bianban assign 编班.xlsx -o 结果.xlsx   编班
              bianban verify 结果.xlsx            复核结果
              bianban demo                        用示例学校演示一遍

            每个命令都有说明和示例，如：bianban assign --help"""))
    parser.add_argument("--version", action="version", version=f"bianban_xl {__version__}", help="显示版本号并退出")
    parser.add_argument("--debug", action="store_true", help="出现内部错误时显示详细信息（供开发者排查）")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    def add(name, help_text, func):
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES[name])
        p.set_defaults(func=func)
        return p

    p = add("template", "生成一个空白的输入工作簿（含表头、下拉选项和使用说明）", cmd_template)
    p.add_argument("path", metavar="文件", help="要生成的文件，如 编班.xlsx")
    p.add_argument("--overwrite", action="store_true", help="文件已存在时替换它（原文件先备份到“备份”文件夹）")
    p = add("check", "检查工作簿中的数据，列出所有错误和提醒", cmd_check)
    p.add_argument("book", metavar="工作簿", help="输入工作簿 .xlsx / .xlsm")
    p = add("seal", "数据封存：检查并封存输入数据，生成可打印签字的输入核验码（在现场报数之前）", cmd_seal)
    p.add_argument("book", metavar="工作簿", help="输入工作簿 .xlsx / .xlsm")
    p.add_argument("-o", "--output", metavar="结果文件", help="结果文件；不填则先把原文件备份到“备份”文件夹，再写回原文件")
    p.add_argument("--overwrite", action="store_true", help="-o 指定的文件已存在时替换它（原文件先备份到“备份”文件夹）")
    p = add("assign", "检查并均衡编班，写出各班名单、编班汇总和编班记录", cmd_assign)
    p.add_argument("book", metavar="工作簿", help="输入工作簿 .xlsx / .xlsm")
    p.add_argument("-o", "--output", metavar="结果文件", help="结果文件（须是新文件名，或加 --overwrite）；不填则先把原文件备份到“备份”文件夹，再写回原文件")
    p.add_argument("--seed", type=seed_arg, metavar="数字", help=f"随机种子（{SEED_RANGE}，现场报数）；不填则用参数设置中的种子，再没有就由电脑随机抽取"
                   "（已封存的工作簿：在终端输入两遍，或用 --computer-seed）")
    p.add_argument("--source", type=note_arg, metavar="说明", help="种子来源的说明，写入编班记录，如“家长代表报数”（配合 --seed）")
    p.add_argument("--computer-seed", action="store_true", help="由电脑抽取种子（不经现场报数）；编班汇总、编班记录和各班名单上都会注明")
    p.add_argument("-q", "--quiet", action="store_true", help="不显示提醒")
    p.add_argument("--force", action="store_true", help="工作簿已锁定，或写回一个已做过抽签、教师搭配、插班的工作簿时，强制重新编班"
                                                        "（须同时用 --reason 写明原因，原因记入编班记录）")
    p.add_argument("--reason", type=note_arg, metavar="原因", help="强制重新编班的原因（配合 --force）")
    p.add_argument("--overwrite", action="store_true", help="-o 指定的文件已存在时替换它（原文件先备份到“备份”文件夹）")
    p = add("verify", "按编班记录重新运行，核对结果文件中的分班是否完全一致、是否被改动", cmd_verify)
    p.add_argument("book", metavar="工作簿", help="编班结果工作簿")
    p = add("demo", "用内置的示例学校（约 600 名学生）完整演示一次编班", cmd_demo)
    p.add_argument("dir", metavar="目录", nargs="?", default="bianban_demo", help="演示文件存放目录（默认 bianban_demo）")
    p = add("batch", "批量编班：一次处理文件夹中所有学校的输入工作簿（多进程并行）", cmd_batch)
    p.add_argument("dir", metavar="文件夹", help="存放各校输入工作簿的文件夹（含子文件夹）")
    p.add_argument("-o", "--output", metavar="结果文件夹", required=True, help="结果文件夹（按输入的目录结构存放结果）")
    p.add_argument("--jobs", type=integer, metavar="进程数", help="并行进程数，默认等于 CPU 核数")
    p.add_argument("--seed", type=seed_arg, metavar="数字", help=f"所有学校使用同一个随机种子（{SEED_RANGE}）；不填则各校用参数设置中的种子，没有就由电脑随机抽取")
    p.add_argument("--seeds", metavar="种子表", help="每所学校现场报出的随机种子（工作表：学校 | 随机种子 | 种子来源）；已封存的工作簿必须有种子")
    p = add("district", "全区核查：逐校复核结果工作簿，生成汇总表（问题学校排在前面）", cmd_district)
    p.add_argument("dir", metavar="文件夹", help="存放各校结果工作簿的文件夹（含子文件夹）")
    p.add_argument("-o", "--output", metavar="汇总表", required=True, help="汇总表文件，如 汇总.xlsx")
    p.add_argument("--jobs", type=integer, metavar="进程数", help="并行进程数，默认等于 CPU 核数")
    p.add_argument("--codes", metavar="核验码表", help="各校在纸面上报送的结果核验码（工作表两列：学校 | 核验码），逐校与结果文件核对")
    p = add("bundle", "生成离线安装包：Windows 安装程序和便携 zip（自带 Python），或本机平台的 wheel 文件夹", cmd_bundle)
    p.add_argument("-o", "--output", metavar="输出文件夹", required=True, help="安装包写入这个文件夹")
    p.add_argument("--platform", metavar="平台", choices=["win_amd64", "current"], default="win_amd64",
                   help="目标平台：win_amd64（Windows 64 位，默认）或 current（本机平台）")
    p.add_argument("--cache", metavar="缓存文件夹", help="下载缓存目录（默认 ~/.cache/bianban_xl/bundle）")
    p = add("doctor", "诊断：按钮没有反应时，检查 Python、软件包、xlwings 设置、Excel 宏设置，并给出处理办法", cmd_doctor)
    p.add_argument("book", metavar="工作簿", nargs="?", help="要检查的工作簿（默认：文档\\均衡编班\\均衡编班工作簿.xlsm）")
    p.add_argument("--fix", action="store_true", help="让 Excel 按钮使用本软件自带的 Python，并解除工作簿的“来自互联网”标记")
    p.add_argument("--quiet", action="store_true", help="只显示问题")
    p = add("report", "导出上报文件：把编班结果另存为不含宏的 .xlsx，供发给区教育局", cmd_report)
    p.add_argument("book", metavar="工作簿", help="编班结果工作簿 .xlsx / .xlsm")
    p.add_argument("-o", "--output", metavar="上报文件", help="上报文件（.xlsx）；不填则为“学校名称-年级-编班结果.xlsx”，放在原工作簿旁边")
    p.add_argument("--overwrite", action="store_true", help="上报文件已存在时替换它（先备份）")
    p = add("ui", "网页界面：在浏览器中使用与 Excel 选项卡相同的按钮（没有 Excel 时用，如 WPS、统信UOS、麒麟、Mac）", cmd_ui)
    add_ui_arguments(p)
    EXAMPLES.update(ONSITE_EXAMPLES)
    add_onsite(add, _out)
    return parser


def main(argv: list[str] | None = None) -> int:
    tolerant_console()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:           # a usage error (ZhParser.error: 1) is a user error; --help/--version exit 0
        if exc.code not in (0, None):
            return 1
        raise
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        with _sigterm_as_interrupt():
            return args.func(args)
    except UserError as exc:
        _print_report(exc.report)
        return 1
    except KeyboardInterrupt as exc:
        _out("已中断：正在写入的文件保持原样（或已完整写好），没有留下临时文件。")
        return 143 if isinstance(exc, Interrupted) else 130
    except OSError as exc:
        _out(f"[错误] 无法读写文件“{exc.filename or ''}”：{why(exc)}。处理办法：检查路径、磁盘空间和权限后重试；没有修改任何文件。")
        return 1
    except PermissionError as exc:
        _out(f"[错误] 无法写入文件“{exc.filename}”：文件可能正在 Excel/WPS 中打开或没有写权限。处理办法：关闭该文件后重试，或换一个输出路径。")
        return 1
    except Exception as exc:  # noqa: BLE001 — the user must never see a traceback
        if args.debug:
            raise
        _out(f"[内部错误] {type(exc).__name__}: {exc}\n这是软件的问题，不是您的数据问题。请加 --debug 重新运行，并把输出和输入文件发给开发者。没有写入任何文件。")
        return 2


if __name__ == "__main__":
    sys.exit(main())
