"""`bianban demo`: a synthetic school of ~600 students with a sample 教师名单, written as an input
workbook, sealed (数据封存), assigned, verified; the on-site steps (教师搭配, 抽签, 公示, 锁定) then run
on the result. Deterministic: the same sample every time."""
from __future__ import annotations

from pathlib import Path

from bianban_xl.book.template import fill_input_workbook
from bianban_xl.model import schema as S
from bianban_xl.book.workbook_file import save_atomic
from bianban_xl.service import assign_file, seal_file, verify_file
from bianban_xl.synth import generate_school, sample_teachers

DEMO_STUDENTS = 600
DEMO_CLASSES = 14
DEMO_SEED = 20260901


def write_demo_input(path: Path) -> Path:
    roster = generate_school(DEMO_STUDENTS, DEMO_CLASSES, seed=DEMO_SEED)
    params = roster.params
    params.school_name = params.school_name or "示例中学"
    params.grade_name = params.grade_name or "2026级初一"
    params.seed = None
    wb = fill_input_workbook(roster, params)
    ws = wb[S.SHEET_TEACHERS]
    for r, row in enumerate(sample_teachers(DEMO_CLASSES, DEMO_SEED), start=2):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    save_atomic(wb, path)
    return path


def run_demo(folder: Path, out, print_assign) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    src = write_demo_input(folder / "示例学校_输入.xlsx")
    out(f"示例学校（{DEMO_STUDENTS} 名合成学生，{DEMO_CLASSES} 个班，含示例教师名单）输入文件：{src}")
    sealed, _, _ = seal_file(src)
    out(sealed.messages[1])
    # run again in the same folder: the previous demo result is replaced, after a copy to 备份 (it told
    # the user to add --overwrite, which demo does not have, after rewriting and sealing the input)
    result, target, backup = assign_file(src, folder / "示例学校_编班结果.xlsx", seed=DEMO_SEED, progress=None,
                                          seed_source="演示用固定种子（现场应由家长代表报数）", overwrite=True)
    print_assign(result, target, backup)
    res = verify_file(target)
    out(res.findings[0])
    out(f"\n打开“{target}”查看各班名单、编班汇总和编班记录。")
    out("接着可以演示现场流程：")
    for step in ("teachers", "draw", "public", "lock"):
        out(f"  bianban {step} \"{target}\"" + (" --seed 3721 --source \"家长代表报数\"" if step == "draw" else ""))
    return 0 if res.ok else 1
