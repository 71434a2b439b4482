"""`bianban` command line: a thin shell over bianban_xl.service, one subcommand per job.

Every subcommand has --help with an example. User errors print Chinese messages (sheet, cell,
fix) and exit 1; nothing is written. Only --debug shows a Python traceback.

This module holds only the parser (every option and help text, so --help needs nothing else) and
the dispatcher. What a subcommand does lives in the module ``COMMANDS`` names for it, and
:func:`_command` imports that one module when the subcommand runs: `bianban assign` loads the
service and the engine, not the browser page (Flask, waitress), the installer builder or the district
tools — each of those costs ≈ 0.1 s of every run on a school PC. ``_command`` is the package's only
import by name; tests/test_architecture.py reads ``COMMANDS`` as imports of this module, so the
layer and circle rules hold for them as for any import statement.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys
import textwrap
from typing import Callable

from bianban_xl import __version__
from bianban_xl.book.files import STOP_SIGNALS, Interrupted, why
from bianban_xl.cli.output import out as _out, print_report as _print_report
from bianban_xl.cli.seeds import SEED_RANGE, note_arg, seed_arg
from bianban_xl.cli.onsite import add_parsers as add_onsite, EXAMPLES as ONSITE_EXAMPLES
from bianban_xl.model.zh_args import integer, ZhParser
from bianban_xl.model.console import tolerant_console
from bianban_xl.model.problems import UserError
from bianban_xl.ui.options import add_arguments as add_ui_arguments

# subcommand -> "module:function" that runs it (function(args) -> exit code)
COMMANDS = {
    "template": "bianban_xl.cli.cmd_start:cmd_template",
    "check": "bianban_xl.cli.cmd_steps:cmd_check",
    "seal": "bianban_xl.cli.cmd_steps:cmd_seal",
    "assign": "bianban_xl.cli.cmd_steps:cmd_assign",
    "verify": "bianban_xl.cli.cmd_steps:cmd_verify",
    "demo": "bianban_xl.cli.cmd_start:cmd_demo",
    "batch": "bianban_xl.cli.cmd_district:cmd_batch",
    "district": "bianban_xl.cli.cmd_district:cmd_district",
    "bundle": "bianban_xl.cli.cmd_install:cmd_bundle",
    "doctor": "bianban_xl.cli.cmd_install:cmd_doctor",
    "report": "bianban_xl.cli.cmd_steps:cmd_report",
    "ui": "bianban_xl.cli.cmd_ui:cmd_ui",
    "teachers": "bianban_xl.cli.cmd_steps:cmd_teachers",
    "draw": "bianban_xl.cli.cmd_steps:cmd_draw",
    "public": "bianban_xl.cli.cmd_steps:cmd_public",
    "lock": "bianban_xl.cli.cmd_steps:cmd_lock",
    "late": "bianban_xl.cli.cmd_steps:cmd_late",
    "correct": "bianban_xl.cli.cmd_steps:cmd_correct",
}


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs subcommand ``name``, its module imported now (see the module docstring)."""
    module, _, func = COMMANDS[name].partition(":")
    return getattr(importlib.import_module(module), func)


class _sigterm_as_interrupt:
    """While a command runs, SIGTERM (and SIGHUP, a closed terminal window) raises
    files.Interrupted (a KeyboardInterrupt), so a write in progress removes its temporary file and
    lock file exactly as on Ctrl-C."""

    def __enter__(self):
        self.old = {}
        for sig in STOP_SIGNALS:
            try:
                self.old[sig] = signal.signal(sig, self._raise)
            except ValueError:           # not the main thread (e.g. a test server): leave it be
                pass
        return self

    @staticmethod
    def _raise(signum, frame):
        raise Interrupted(signum)

    def __exit__(self, *exc):
        for sig, old in self.old.items():
            signal.signal(sig, old)
        return False


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
             "再次运行时，结果文件夹中已有结果、输入又没有改动的学校保留上次的结果（不会换种子）；输入改过的和上次失败的学校重新编班。"
             "要全部重新编班请加 --overwrite（上次的结果先备份）。\n"
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
                "逐校复核结果工作簿（重新运行是否一致、编班后是否被改动、规则是否满足、均衡差距、种子来源和是否封存、"
                "同一所学校是否有几份结果），写出“学校汇总”和“问题明细”。全部合格时退出码为 0，否则为 1。\n"
                "再次运行时，上次的汇总表先备份到“备份”文件夹；汇总表正在 Excel / WPS 中打开时请先关闭。\n\n"
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
            学校的流程：
              bianban template 编班.xlsx             生成输入模板
              bianban check 编班.xlsx                检查数据
              bianban seal 编班.xlsx                 数据封存：打印输入核验码，请监督人员签字
              bianban assign 编班.xlsx -o 结果.xlsx  现场报数后编班（在终端里输入两遍报出的数字）
              bianban verify 结果.xlsx               复核结果
              bianban teachers 结果.xlsx             教师搭配；之后 draw 班主任抽签、public 公示名单、lock 锁定
              bianban correct 结果.xlsx --row 12 --column 姓名 --value 王方 --reason 原因   公示后更正错字（不调班）
              bianban report 结果.xlsx               导出上报区教育局的文件

            区教育局：
              bianban batch 各校工作簿 -o 编班结果      批量编班
              bianban district 各校结果 -o 汇总.xlsx    全区核查

            先试一试：bianban demo（用示例学校演示一遍）
            每个命令都有说明和示例，如：bianban assign --help"""))
    parser.add_argument("--version", action="version", version=f"bianban_xl {__version__}", help="显示版本号并退出")
    parser.add_argument("--debug", action="store_true", help="出现内部错误时显示详细信息（供开发者排查）")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    def add(name, help_text):
        return sub.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES[name])

    p = add("template", "生成一个空白的输入工作簿（含表头、下拉选项和使用说明）")
    p.add_argument("path", metavar="文件", help="要生成的文件，如 编班.xlsx")
    p.add_argument("--overwrite", action="store_true", help="文件已存在时替换它（原文件先备份到“备份”文件夹）")
    p = add("check", "检查工作簿中的数据，列出所有错误和提醒")
    p.add_argument("book", metavar="工作簿", help="输入工作簿 .xlsx / .xlsm")
    p = add("seal", "数据封存：检查并封存输入数据，生成可打印签字的输入核验码（在现场报数之前）")
    p.add_argument("book", metavar="工作簿", help="输入工作簿 .xlsx / .xlsm")
    p.add_argument("-o", "--output", metavar="结果文件", help="结果文件；不填则先把原文件备份到“备份”文件夹，再写回原文件")
    p.add_argument("--overwrite", action="store_true", help="-o 指定的文件已存在时替换它（原文件先备份到“备份”文件夹）")
    p = add("assign", "检查并均衡编班，写出各班名单、编班汇总和编班记录")
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
    p = add("verify", "按编班记录重新运行，核对结果文件中的分班是否完全一致、是否被改动")
    p.add_argument("book", metavar="工作簿", help="编班结果工作簿")
    p = add("demo", "用内置的示例学校（约 600 名学生）完整演示一次编班")
    p.add_argument("dir", metavar="目录", nargs="?", default="bianban_demo", help="演示文件存放目录（默认 bianban_demo）")
    p = add("batch", "批量编班：一次处理文件夹中所有学校的输入工作簿（多进程并行）")
    p.add_argument("dir", metavar="文件夹", help="存放各校输入工作簿的文件夹（含子文件夹）")
    p.add_argument("-o", "--output", metavar="结果文件夹", required=True, help="结果文件夹（按输入的目录结构存放结果）")
    p.add_argument("--jobs", type=integer, metavar="进程数", help="并行进程数，默认等于 CPU 核数")
    p.add_argument("--seed", type=seed_arg, metavar="数字", help=f"所有学校使用同一个随机种子（{SEED_RANGE}）；不填则各校用参数设置中的种子，没有就由电脑随机抽取")
    p.add_argument("--seeds", metavar="种子表", help="每所学校现场报出的随机种子（工作表：学校 | 随机种子 | 种子来源）；已封存的工作簿必须有种子")
    p.add_argument("--overwrite", action="store_true", help="结果文件夹中已有结果的学校也重新编班（换新的随机种子；上次的结果先备份到“备份”文件夹）；"
                   "不加时，已有结果且输入没有改动的学校保留上次的结果")
    p = add("district", "全区核查：逐校复核结果工作簿，生成汇总表（问题学校排在前面）")
    p.add_argument("dir", metavar="文件夹", help="存放各校结果工作簿的文件夹（含子文件夹）")
    p.add_argument("-o", "--output", metavar="汇总表", required=True, help="汇总表文件，如 汇总.xlsx")
    p.add_argument("--jobs", type=integer, metavar="进程数", help="并行进程数，默认等于 CPU 核数")
    p.add_argument("--codes", metavar="核验码表", help="各校在纸面上报送的结果核验码（工作表两列：学校 | 核验码），逐校与结果文件核对")
    p = add("bundle", "生成离线安装包：Windows 安装程序和便携 zip（自带 Python），或本机平台的 wheel 文件夹")
    p.add_argument("-o", "--output", metavar="输出文件夹", required=True, help="安装包写入这个文件夹")
    p.add_argument("--platform", metavar="平台", choices=["win_amd64", "current"], default="win_amd64",
                   help="目标平台：win_amd64（Windows 64 位，默认）或 current（本机平台）")
    p.add_argument("--cache", metavar="缓存文件夹", help="下载缓存目录（默认 ~/.cache/bianban_xl/bundle）")
    p = add("doctor", "诊断：按钮没有反应时，检查 Python、软件包、xlwings 设置、Excel 宏设置，并给出处理办法")
    p.add_argument("book", metavar="工作簿", nargs="?", help="要检查的工作簿（默认：文档\\均衡编班\\均衡编班工作簿.xlsm）")
    p.add_argument("--fix", action="store_true", help="让 Excel 按钮使用本软件自带的 Python，并解除工作簿的“来自互联网”标记")
    p.add_argument("-q", "--quiet", action="store_true", help="只显示问题")
    p = add("report", "导出上报文件：把编班结果另存为不含宏的 .xlsx，供发给区教育局")
    p.add_argument("book", metavar="工作簿", help="编班结果工作簿 .xlsx / .xlsm")
    p.add_argument("-o", "--output", metavar="上报文件", help="上报文件（.xlsx）；不填则为“学校名称-年级-编班结果.xlsx”，放在原工作簿旁边")
    p.add_argument("--overwrite", action="store_true", help="上报文件已存在时替换它（先备份）")
    p = add("ui", "网页界面：在浏览器中使用与 Excel 选项卡相同的按钮（没有 Excel 时用，如 WPS、统信UOS、麒麟、Mac）")
    add_ui_arguments(p)
    EXAMPLES.update(ONSITE_EXAMPLES)
    add_onsite(add)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``bianban`` with ``argv`` (default: the command line); the exit code.

    Run as the program (``argv`` None: the ``bianban`` command, ``python -m``), the process ends
    right after: the objects the run made are then frozen for the garbage collector, whose last
    collections at exit would otherwise walk and free them one by one (≈ 30 ms of an `assign` at
    N=1000, docs/benchmarks.md); the OS takes the memory back. Called with a list (tests, tools)
    the process goes on: nothing is frozen."""
    try:
        return _main(argv)
    finally:
        if argv is None:
            gc.freeze()


def _main(argv: list[str] | None) -> int:
    tolerant_console()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:           # a usage error (ZhParser.error: 1) is a user error; --help/--version exit 0
        if exc.code not in (0, None):
            return 1
        raise
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return _run(args)
    except BrokenPipeError:             # output piped into a reader that stopped (`| head`): nothing to tell it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(args: argparse.Namespace) -> int:
    """Run the subcommand; every error becomes a Chinese message and an exit code (a closed
    output pipe, met while running or while telling an error, is left to ``main``)."""
    try:
        with _sigterm_as_interrupt():
            return _command(args.command)(args)
    except UserError as exc:
        _print_report(exc.report)
        return 1
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except BrokenPipeError:
        raise
    except PermissionError as exc:
        _out(f"[错误] 无法写入文件“{exc.filename}”：文件可能正在 Excel/WPS 中打开或没有写权限。处理办法：关闭该文件后重试，或换一个输出路径。")
        return 1
    except FileExistsError as exc:      # a folder to make where a file of that name is (demo 名单.xlsx)
        _out(f"[错误] “{exc.filename}”是一个已有的文件，这里需要的是文件夹。处理办法：换一个文件夹名（可以是还不存在的新文件夹）后重试；"
             "没有修改任何文件。")
        return 1
    except OSError as exc:
        _out(f"[错误] 无法读写文件“{exc.filename or ''}”：{why(exc)}。处理办法：检查路径、磁盘空间和权限后重试；没有修改任何文件。")
        return 1
    except Exception as exc:  # noqa: BLE001 — the user must never see a traceback
        if args.debug:
            raise
        _out(f"[内部错误] {type(exc).__name__}: {exc}\n这是软件的问题，不是您的数据问题。请加 --debug 重新运行，并把输出和输入文件发给开发者。没有写入任何文件。")
        return 2


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Exit code 128 + the signal, as shells report it: 130 Ctrl-C, 143 SIGTERM (结束进程), 129
    SIGHUP (the terminal window closed). The files are as the write's clean-up left them (the old
    file, or the new one complete); the message is best effort: after SIGHUP the terminal is gone."""
    signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
    why = "终端窗口已关闭" if signum == getattr(signal, "SIGHUP", None) else "被 Ctrl-C 或结束进程中断"
    try:
        _out(f"已中断（{why}）：正在写入的文件保持原样（或已完整写好），没有留下临时文件。")
    except OSError:                     # nowhere to tell it (a closed terminal or pipe); nor at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 128 + int(signum)


if __name__ == "__main__":
    sys.exit(main())
