"""The file a school sends to the district (上报文件): the result workbook as a macro-free .xlsx.

Mail gateways and Outlook block .xlsm attachments and the district needs no macros, so the
exported copy holds every sheet of the workbook and nothing else: no VBA, no ribbon. It is the
same package the school keeps, converted at the zip level (bianban_xl.book.macro_free), so
``bianban district`` checks it like any other result workbook. The source file is never changed.
"""
from __future__ import annotations

import re
from pathlib import Path

from bianban_xl.book.files import backup_copy, output_lock, plan_output, write_atomic
from bianban_xl.book.macro_free import MACRO_MAINS, main_content_type, to_macro_free
from bianban_xl.model import schema as S
from bianban_xl.model.problems import fail
from bianban_xl.onsite.state import read_record
from bianban_xl.service import read_book

REPORT_SUFFIX = "编班结果"


def _safe(text: str) -> str:
    """A piece of a Windows file name: no \\ / : * ? " < > | and no trailing dots or spaces."""
    return re.sub(r'[\\/:*?"<>|\r\n\t]+', "_", text).strip(" .")


def report_name(record: dict[str, str], fallback: str) -> str:
    """学校名称-年级-编班结果.xlsx (from 编班记录), or <workbook name>-编班结果.xlsx without them."""
    parts = [_safe(record.get(S.P_SCHOOL, "")), _safe(record.get(S.P_GRADE, ""))]
    parts = [p for p in parts if p] or [_safe(fallback) or "学校"]
    return "-".join(parts + [REPORT_SUFFIX]) + ".xlsx"


def report_file(path: str | Path, out: str | Path | None = None, folder: str | Path | None = None,
                name_from: str | Path | None = None, overwrite: bool = False) -> tuple[Path, bool]:
    """Write the district's copy of the result workbook ``path``. ``out`` is the file to write
    (must be .xlsx); without it the default name goes beside ``name_from`` (the workbook the user
    sees; default ``path``) or into ``folder``. Returns (written file, whether macros were
    removed). Raises UserError, with nothing written, for a workbook without results, and (as every
    command) for an existing file unless ``overwrite`` (it is then backed up first)."""
    src = Path(path)
    shown = Path(name_from) if name_from is not None else src
    book = read_book(src)
    rec_sheet = book.sheets.get(S.SHEET_RECORD)
    if rec_sheet is None:
        fail("", f"“{shown.name}”还没有编班结果（没有“{S.SHEET_RECORD}”工作表），没有可上报的内容。",
              "请先点击“自动编班”（或运行 bianban assign），再导出上报文件。")
    record = read_record(rec_sheet.rows)
    if out is None:
        target = Path(folder if folder is not None else shown.parent) / report_name(record, shown.stem)
    else:
        target = Path(out)
        if target.suffix.lower() != ".xlsx":
            fail("", f"上报文件“{target.name}”应为 .xlsx：区教育局的邮箱和 Outlook 会拦截启用宏的 .xlsm 附件。",
                  f"请把文件名改为“{target.with_suffix('.xlsx').name}”。")
    if target.resolve() == src.resolve() or target.resolve() == shown.resolve():
        fail("", f"上报文件“{target.name}”与原工作簿是同一个文件，不能覆盖原工作簿。", "请用 -o 指定另一个文件名。")
    target, back_up = plan_output(src, target, overwrite, what="上报文件")
    with output_lock(target):
        data = src.read_bytes()
        converted = main_content_type(data) in MACRO_MAINS
        body = to_macro_free(data) if converted else data
        if back_up:
            backup_copy(target)
        write_atomic(target, lambda tmp: Path(tmp).write_bytes(body))
    return target, converted
