"""`bianban template | demo`: a blank input workbook, and the demonstration school."""
from __future__ import annotations

from pathlib import Path

from bianban_xl.book.files import backup_copy, output_lock, plan_output
from bianban_xl.book.template import build_input_workbook
from bianban_xl.book.workbook_file import save_atomic
from bianban_xl.cli.cmd_steps import print_assign
from bianban_xl.cli.output import out
from bianban_xl.demo import run_demo


# extensions a user may type for the template that we replace by .xlsx (any other dot is part of the name)
_REPLACED = (".xlsm", ".xls", ".et", ".csv", ".ods", ".xltx", ".xltm")


def template_path(typed: str) -> tuple[Path, str]:
    """Where `bianban template` writes for what was typed, and a note when that is not what was typed:
    a folder gets 编班模板.xlsx inside it; .xlsm/.xls/.csv… become .xlsx (the template has no macros);
    a name without .xlsx gets it added — '2026.9编班' is 2026.9编班.xlsx, not 2026.xlsx."""
    path = Path(typed)
    if path.is_dir():
        return path / "编班模板.xlsx", f"（“{typed}”是一个文件夹，模板放在这个文件夹里）"
    if path.suffix.lower() == ".xlsx":
        return path, ""
    if path.suffix.lower() in _REPLACED:
        why = "（模板是不含宏的 .xlsx；需要 Excel 选项卡按钮时，请用桌面上的“均衡编班工作簿”（文件在“文档\\均衡编班”里））" \
            if path.suffix.lower() == ".xlsm" else f"（模板是 Excel 工作簿 .xlsx，不是 {path.suffix}）"
        return path.with_suffix(".xlsx"), why
    return path.with_name(path.name + ".xlsx"), ""


def cmd_template(args) -> int:
    path, note = template_path(args.path)
    target, back_up = plan_output(None, path, args.overwrite, what="模板")
    with output_lock(target):
        if back_up:
            out(f"原文件已备份为：{backup_copy(target)}")
        save_atomic(build_input_workbook(), target)
    out(f"已生成输入模板：{path}{note}\n请填写“参数设置”和“学生名单”（双胞胎申请填在“双胞胎”），然后运行：bianban check \"{path}\"")
    return 0


def cmd_demo(args) -> int:
    return run_demo(Path(args.dir), out, print_assign)
