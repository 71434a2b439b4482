"""Applying a step's BookUpdate to a workbook file (openpyxl path): render its sheets, set its cells,
append its 编班记录 rows, protect its sheets, and save atomically (a backup first when the input
is written back in place)."""
from __future__ import annotations

from pathlib import Path

from bianban_xl.book.files import backup_copy
from bianban_xl.book.workbook_file import open_for_update, render_sheet, save_atomic
from bianban_xl.model import schema as S
from bianban_xl.model.problems import fail
from bianban_xl.model.sheet_model import BookUpdate


def apply_update_wb(wb, update: BookUpdate) -> None:
    for spec in update.sheets:
        render_sheet(wb, spec)
    for sheet, row, col, value in update.cells:
        wb[sheet].cell(row=row, column=col, value=value)
    if update.record_rows and S.SHEET_RECORD in wb.sheetnames:
        ws = wb[S.SHEET_RECORD]
        r = ws.max_row + 1
        for values in update.record_rows:
            for c, v in enumerate(values, start=1):
                ws.cell(row=r, column=c, value=v)
            r += 1
    for name in update.protect:
        if name in wb.sheetnames:
            wb[name].protection.sheet = True


def output_target(src: Path, out: str | Path | None) -> Path:
    if out is None:
        return src
    target = Path(out)
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        fail("", f"输出文件“{target.name}”的扩展名应为 .xlsx 或 .xlsm。", "请换一个输出文件名，如 结果.xlsx。")
    return target


def apply_update_file(src: str | Path, out: str | Path | None, update: BookUpdate) -> tuple[Path, Path | None]:
    """Write ``update`` into a copy of ``src`` (``out``) or back into ``src`` after a backup copy."""
    src = Path(src)
    target = output_target(src, out)
    wb = open_for_update(src)
    apply_update_wb(wb, update)
    backup = backup_copy(src) if out is None else None
    save_atomic(wb, target)
    return target, backup
