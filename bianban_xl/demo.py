"""`bianban demo`: a synthetic school of ~600 students, written as an input workbook, assigned,
verified. Deterministic: the same sample every time."""
from __future__ import annotations

from pathlib import Path

from bianban_xl.book.template import fill_input_workbook
from bianban_xl.book.workbook_file import save_atomic
from bianban_xl.service import assign_file, verify_file
from bianban_xl.synth import generate_school

DEMO_STUDENTS = 600
DEMO_CLASSES = 14
DEMO_SEED = 20260901


def write_demo_input(path: Path) -> Path:
    roster = generate_school(DEMO_STUDENTS, DEMO_CLASSES, seed=DEMO_SEED)
    params = roster.params
    params.school_name = params.school_name or "示例中学"
    params.grade_name = params.grade_name or "2026级初一"
    params.seed = None
    save_atomic(fill_input_workbook(roster, params), path)
    return path


def run_demo(folder: Path, out, print_assign) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    src = write_demo_input(folder / "示例学校_输入.xlsx")
    out(f"示例学校（{DEMO_STUDENTS} 名合成学生，{DEMO_CLASSES} 个班）输入文件：{src}")
    result, target, backup = assign_file(src, folder / "示例学校_编班结果.xlsx", seed=DEMO_SEED, progress=None,
                                          seed_source="演示用固定种子")
    print_assign(result, target, backup)
    res = verify_file(target)
    out(res.findings[0])
    out(f"\n打开“{target}”查看各班名单、编班汇总和编班记录。")
    return 0 if res.ok else 1
