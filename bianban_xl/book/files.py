"""How the tool touches files on disk: every output is written to a temporary file beside its
target and replaces it in one step, and a workbook written back in place is copied first.

The one place for file-handling rules, so every writer (openpyxl, the zip fast path, the
district overview) gets the same guarantees.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Callable


def write_atomic(target: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``target``, then replace ``target`` with it
    in one step. On any failure (or interruption) the temporary file is removed and ``target`` is
    left as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~bianban-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def backup_copy(path: str | os.PathLike) -> Path:
    """Copy ``path`` to '<name>.备份-YYYYmmdd-HHMMSS<ext>' beside it and return the copy's path."""
    p = Path(path)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = p.with_name(f"{p.stem}.备份-{stamp}{p.suffix}")
    n = 1
    while dest.exists():
        dest = p.with_name(f"{p.stem}.备份-{stamp}-{n}{p.suffix}")
        n += 1
    shutil.copy2(p, dest)
    return dest
