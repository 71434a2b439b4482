"""The marks of a witnessed run on the sheets people sign: the result 核验码 in large type, and the
label of a computer-drawn seed (see onsite/seal.py for the input 核验码, onsite/journal.py for
the log codes)."""
from __future__ import annotations

from bianban_xl.model import schema as S
from bianban_xl.model.codes import short_code
from bianban_xl.model.sheet_model import SheetSpec
from bianban_xl.onsite.state import COMPUTER_NOTE
from bianban_xl.reports.result_sheets import note_lines, record_title_rows


def result_code_of(record: dict[str, str]) -> str:
    """The result 核验码 a 编班记录 records (books from before the code: from its 结果指纹)."""
    return record.get("结果核验码") or short_code(record.get("结果指纹", ""))


def witness_marks(sheets: list[SheetSpec], class_names: list[str], result_code: str, run_code: str = "",
                  computer: bool = False) -> None:
    """The result 核验码 in large type on the pages people sign (编班汇总, 编班记录), and a
    computer-drawn seed labelled on them and on every class sheet's footer. Every step that
    (re)writes these sheets calls it (自动编班; 插班, which refreshes 编班汇总 and the class sheets;
    the certificate view), so a reprint carries the same code as the first print."""
    if not result_code:
        return
    for spec in sheets:
        if spec.name == S.SHEET_SUMMARY:
            # row 3 (between the subtitle and 一、) on the first page; every page's footer carries it too
            spec.add(3, 1, [[f"结果核验码：{result_code}"]], "title")
            spec.row_heights[3] = 30.0
            spec.header_footer = f"结果核验码 {result_code} · {spec.header_footer}"   # the sheet name stays last
            if computer:
                sub = next((b for b in spec.blocks if b.top == 2 and b.style == "subtitle"), None)
                if sub is not None:
                    sub.values[0][0] = f"{sub.values[0][0]}（{COMPUTER_NOTE.rstrip('。')}）"
        elif spec.name == S.SHEET_RECORD:
            _record_marks(spec, result_code, run_code, computer)
        elif computer and spec.name in class_names:
            spec.header_footer = f"{COMPUTER_NOTE} · {spec.header_footer}".strip(" ·")


def _record_marks(spec: SheetSpec, result_code: str, run_code: str, computer: bool) -> None:
    """编班记录: the result 核验码 in large type and how to check it, above the 运行日志 (which stays
    last so later steps' entries continue its table). The note is cut into lines of the table's
    width (a long unwrapped line would make fit-to-width shrink the page); rows below move down
    with their heights."""
    r = next((b.top for b in spec.blocks if b.style == "section"), spec.max_row + 2)
    chars = sum(spec.col_widths.values()) - 2
    lines = (note_lines("核对：验证结果（bianban verify）和全区核查会显示同一个结果核验码。", chars)
             + note_lines(f"本次编班的日志校验码：{run_code}。", chars))
    shift = 2 + len(lines) + (1 if computer else 0)
    for b in spec.blocks:
        if b.top >= r:
            b.top += shift
    spec.row_heights = {row + shift if row >= r else row: h for row, h in spec.row_heights.items()}
    spec.print_title_rows = record_title_rows(spec)
    spec.add(r, 1, [[f"结果核验码：{result_code}"]], "title")
    spec.add(r + 1, 1, lines, "note")
    if computer:
        spec.add(r + 1 + len(lines), 1, [[COMPUTER_NOTE]], "warn")
