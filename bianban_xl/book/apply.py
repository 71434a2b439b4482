"""Apply a :class:`BookUpdate` to a workbook file — the one way every command writes a file.

``apply_update`` takes the zip fast path (``xlsx_fast.write_fast``: input parts copied, changed
parts patched, new sheets rendered) when the caller read the file with ``read_fast`` and the update
is one the fast path handles; otherwise openpyxl (``apply_openpyxl``: load, apply, atomic save —
imported only then, through ``openpyxl_path``).
Both give the same workbook: the same sheets, values, kinds and formats (tests/test_fast_io.py).
"""
from __future__ import annotations

from pathlib import Path

from bianban_xl.book import openpyxl_path
from bianban_xl.book.files import backup_copy
from bianban_xl.book.macro_free import finish_output
from bianban_xl.book.xlsx_fast import FastUnsupported, ZipBook, write_fast
from bianban_xl.model.problems import fail
from bianban_xl.model.sheet_model import BookUpdate

FAST, OPENPYXL = "fast", "openpyxl"


def output_target(src: Path, out: str | Path | None) -> Path:
    """Where a command writes: ``out`` (an .xlsx / .xlsm name) or, without one, ``src`` itself.
    The single place the output name is decided (file-handling rules live in book.files)."""
    if out is None:
        return Path(src)
    target = Path(out)
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        fail("", f"输出文件“{target.name}”的扩展名应为 .xlsx 或 .xlsm。", "请换一个输出文件名，如 结果.xlsx。")
    return target


def apply_update_file(src: str | Path, out: str | Path | None, update: BookUpdate,
                      zb: ZipBook | None = None) -> tuple[Path, Path | None]:
    """Write ``update`` into a copy of ``src`` named ``out``, or back into ``src`` after a backup
    copy. Returns (written path, backup or None)."""
    src = Path(src)
    target = output_target(src, out)
    backup = backup_copy(src) if out is None else None
    apply_update(src, target, update, zb)
    return target, backup


def apply_update(src: Path, target: Path, update: BookUpdate, zb: ZipBook | None = None) -> str:
    """Write ``src`` + ``update`` to ``target``; FAST or OPENPYXL says which path wrote it."""
    how = _write(src, target, update, zb)
    finish_output(target)      # an .xlsm written as .xlsx loses VBA and ribbon (extension = content type)
    return how


def _write(src: Path, target: Path, update: BookUpdate, zb: ZipBook | None) -> str:
    if zb is not None:
        try:
            write_fast(zb, target, update)
            return FAST
        except FastUnsupported:
            pass
    openpyxl_path.write_update(src, target, update)
    return OPENPYXL
