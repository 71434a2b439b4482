"""`bianban template | demo`: a blank input workbook, and the demonstration school."""
from __future__ import annotations

from pathlib import Path

from bianban_xl.book.files import backup_copy, output_lock, plan_output
from bianban_xl.book.template import build_input_workbook
from bianban_xl.book.workbook_file import save_atomic
from bianban_xl.cli.cmd_steps import print_assign
from bianban_xl.cli.output import out
from bianban_xl.demo import run_demo


def cmd_template(args) -> int:
    path = Path(args.path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    target, back_up = plan_output(None, path, args.overwrite, what="模板")
    with output_lock(target):
        if back_up:
            out(f"原文件已备份为：{backup_copy(target)}")
        save_atomic(build_input_workbook(), target)
    out(f"已生成输入模板：{path}\n请填写“参数设置”和“学生名单”（双胞胎申请填在“双胞胎”），然后运行：bianban check \"{path}\"")
    return 0


def cmd_demo(args) -> int:
    return run_demo(Path(args.dir), out, print_assign)
