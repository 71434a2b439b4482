"""The options of `bianban teachers | draw | public | lock | late | correct`, the on-site steps (run by
cli/cmd_steps.py over service.teachers_file, draw_file, public_file, lock_file, late_file, correct_file).

Each reads the workbook, plans the step (raising UserError with nothing written), then writes the
result to -o or back into the file after a backup copy.
"""
from __future__ import annotations

from typing import Callable

from bianban_xl.cli.seeds import SEED_MAX, note_arg, seed_arg
from bianban_xl.model.zh_args import integer

EXAMPLES = {
    "teachers": "示例：\n  bianban teachers 编班结果.xlsx\n  bianban teachers 编班结果.xlsx --seed 20260901 -o 搭配.xlsx",
    "draw": "示例：\n  bianban draw 编班结果.xlsx --seed 3721          （家长代表现场报数作为种子）\n"
            "  bianban draw 编班结果.xlsx                      （在终端里请您把现场报出的数字输入两遍）\n"
            "  bianban draw 编班结果.xlsx --computer-seed      （不经现场报数，由电脑随机抽取种子）\n"
            "  bianban draw 编班结果.xlsx --manual             （录入现场实物抽签结果：工作表“抽签结果”，班主任 | 班级）",
    "public": "示例：\n  bianban public 编班结果.xlsx                  （在工作簿中生成“公示名单”工作表）\n"
              "  bianban public 编班结果.xlsx -o 公示.xlsx     （另存为只含公示名单的新文件，可直接发布）",
    "lock": "示例：\n  bianban lock 编班结果.xlsx\n\n锁定后拒绝重新编班；插班（bianban late）仍可进行。",
    "late": "示例：\n  bianban late 编班结果.xlsx\n  bianban late 编班结果.xlsx --seed 5081 -o 插班后.xlsx\n\n"
            "把插班学生加在“学生名单”末尾、班级一栏留空，再运行本命令。",
    "correct": "示例：\n  bianban correct 编班结果.xlsx --row 12 --column 姓名 --value 王方 --reason \"家长反映错字，经核对户口本\"\n"
               "  bianban correct 编班结果.xlsx --id 2024012 --column 出生日期 --value 2013-05-04 --reason \"出生日期录错一天\"\n"
               "  bianban correct 编班结果.xlsx --name 王芳 --column 姓名 --value 王方 --reason \"家长反映错字\" -o 更正后.xlsx\n\n"
               "公示后发现错字时用：不要直接改“学生名单”，用本命令记录更正（改了什么、从什么改为什么、原因、时间），"
               "各班名单和公示名单随之更新；班级不变（三不动），验证结果会列出每一处更正。",
}


def add_parsers(add: Callable) -> None:
    """Register the subcommands with cli.build_parser's ``add(name, help)``."""

    def common(p, seed_help: str | None = None, output_help: str = "结果文件；不填则先把原文件备份到“备份”文件夹，再写回原文件"):
        p.add_argument("book", metavar="工作簿", help="编班结果工作簿 .xlsx / .xlsm")
        p.add_argument("-o", "--output", metavar="结果文件", help=output_help)
        p.add_argument("--overwrite", action="store_true", help="-o 指定的文件已存在时替换它（原文件先备份到“备份”文件夹）")
        if seed_help:
            p.add_argument("--seed", type=seed_arg, metavar="数字", help=f"{seed_help}；范围 0 到 {SEED_MAX}")
            p.add_argument("--source", type=note_arg, metavar="说明", help="种子来源的说明，写入记录，如“家长代表报数”（配合 --seed）")

    p = add("teachers", "教师搭配：按评分、骨干、职称、年龄、教龄、性别均衡地组成各班教师团队（每位班主任一队）")
    common(p, "随机种子（整数）；不填则用参数设置中的种子，再没有就由电脑随机抽取")
    p = add("draw", "班主任抽签：把各教师团队随机对应到已编好的班级，生成可打印签字的抽签记录和公示名单")
    common(p, "抽签种子（整数，可由家长代表现场报数）；不填时在终端里输入两遍（不在终端时由电脑随机抽取）")
    p.add_argument("--manual", action="store_true", help="不用电脑抽签，读取工作表“抽签结果”中录入的现场实物抽签结果")
    p.add_argument("--computer-seed", action="store_true", help="不经现场报数，由电脑抽取抽签种子（抽签记录上注明）")
    p = add("public", "公示名单：每班一页，姓名隐去部分字，只含班级、班主任、姓名、性别")
    common(p, output_help="另存为一个新的公示文件（只含隐去部分字的名单，不含工作簿的其他内容）；不填则写入工作簿的“公示名单”工作表")
    p = add("lock", "锁定（三不动）：保护结果工作表并记录结果指纹，此后拒绝重新编班")
    common(p)
    p = add("late", "插班：把学生名单中没有班级的新生逐个编入最能保持均衡的班级，不移动任何人")
    common(p, "抽签种子（条件完全相同的班级之间抽签用）；不填由电脑随机抽取")
    p = add("correct", "更正学生信息：公示后改正学生的姓名、出生日期等错字，记入编班记录，不调班")
    common(p)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--row", type=integer, metavar="行号", help="学生在“学生名单”中的行号")
    who.add_argument("--id", metavar="编号", help="学生的编号")
    who.add_argument("--name", metavar="姓名", help="学生现在的姓名（名单中只有一人叫这个名字时）")
    p.add_argument("--column", required=True, metavar="列名", help="要更正的列，如 姓名、出生日期、性别、毕业学校、户籍、编号（不能是班级）")
    p.add_argument("--value", required=True, metavar="新内容", help="更正后的内容")
    p.add_argument("--reason", required=True, type=note_arg, metavar="原因", help="更正的原因，写入编班记录，如“家长反映错字，经核对户口本”")
