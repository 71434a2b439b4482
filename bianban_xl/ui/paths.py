"""The working folder of `bianban ui`: every path a request names is resolved here, and only files
inside the folder are ever read or written (no ``..``, no absolute paths, no symlinks pointing out).
Uploads must be real workbooks: a zip holding ``xl/workbook.xml``, under the size limit."""
from __future__ import annotations

import os
import re
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath

from bianban_xl.book.package import not_a_zip

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
MAX_UPLOAD_MB = 50
_BAD_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class PathRefused(Exception):
    """A request named a path outside the working folder or an unusable name (message in Chinese)."""


def default_folder() -> Path:
    """A 均衡编班 folder in the user's documents (Windows: 文档; elsewhere ~/Documents or ~)."""
    home = Path.home()
    for docs in (home / "Documents", home / "文档", home / "My Documents"):
        if docs.is_dir():
            return docs / "均衡编班"
    return home / "均衡编班"


def resolve_inside(root: Path, relative: str, must_exist: bool = True) -> Path:
    """``relative`` (as sent by the page, '/'-separated) resolved inside ``root``; PathRefused if it
    is empty, absolute, climbs out with '..', or leads (through a symlink) outside ``root``."""
    text = (relative or "").strip().replace("\\", "/")
    if not text:
        raise PathRefused("没有指定文件。")
    parts = PurePosixPath(text).parts
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or any(p == ".." for p in parts):
        raise PathRefused(f"“{relative}”不在工作文件夹内，只能打开工作文件夹中的文件。")
    real_root = root.resolve()
    target = (real_root / Path(*parts)).resolve()
    if target != real_root and real_root not in target.parents:
        raise PathRefused(f"“{relative}”指向工作文件夹以外的位置（快捷方式或链接），为安全起见不能打开。")
    if must_exist and not target.exists():
        raise PathRefused(f"工作文件夹中没有“{relative}”。请刷新文件列表后重试。")
    return target


def relative_name(root: Path, path: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def clean_file_name(name: str, suffixes: tuple[str, ...] = WORKBOOK_SUFFIXES) -> str:
    """A plain file name for a new file in the working folder, or PathRefused."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    if not base or base in (".", "..") or _BAD_CHARS.search(base) or base.startswith("."):
        raise PathRefused(f"文件名“{name}”不能使用。请只用汉字、字母、数字和 _ - 等常见字符。")
    if not base.lower().endswith(suffixes):
        raise PathRefused(f"“{base}”不是 Excel 工作簿：只能使用 {' / '.join(suffixes)} 文件。"
                          "WPS 的 .et 或旧版 .xls 请先在 WPS/Excel 中“另存为”.xlsx。")
    return base


def upload_refusal(path: Path, name: str) -> str | None:
    """None when the uploaded file ``path`` is a zip package with xl/workbook.xml (an .xlsx / .xlsm
    workbook), else why it was not taken, naming it ``name``: a workbook with an opening password
    or an old .xls under a new name gets the same message and fix as on the command line."""
    try:
        with zipfile.ZipFile(path) as z:
            if "xl/workbook.xml" in z.namelist():
                return None
    except (zipfile.BadZipFile, OSError):
        return "没有上传：" + not_a_zip(path, name=name)
    return (f"“{name}”不是 Excel 工作簿（.xlsx / .xlsm）文件，没有上传。"
            "如果是 WPS 表格，请先“另存为”Excel 工作簿（*.xlsx）。")


def _hidden(p: Path) -> bool:
    n = p.name
    return n.startswith((".", "~$")) or ".备份-" in n or n == "备份"


def list_workbooks(root: Path) -> list[Path]:
    """Workbooks directly in the working folder (no backups, temporary or hidden files), newest first.
    Symlinks leading out of the folder are left out."""
    out = []
    real_root = root.resolve()
    for p in root.iterdir():
        if _hidden(p) or p.suffix.lower() not in WORKBOOK_SUFFIXES or not p.is_file():
            continue
        if real_root not in p.resolve().parents:
            continue
        out.append(p)
    return sorted(out, key=lambda p: (-p.stat().st_mtime, p.name))


def list_folders(root: Path) -> list[tuple[Path, int]]:
    """Sub-folders of the working folder with the number of workbooks under each (district mode)."""
    out = []
    real_root = root.resolve()
    for p in sorted(root.iterdir(), key=lambda p: p.name):
        if _hidden(p) or not p.is_dir() or real_root not in p.resolve().parents:
            continue
        n = sum(1 for q in p.rglob("*") if q.suffix.lower() in WORKBOOK_SUFFIXES and not _hidden(q))
        out.append((p, n))
    return out


def stamp(p: Path) -> str:
    return datetime.fromtimestamp(p.stat().st_mtime).strftime("%Y-%m-%d %H:%M")


RESULT_SUFFIX = "_编班结果"   # added to an input's name for its result (ui/steps)
NAME_MAX_BYTES = 180   # a file system allows 255 bytes a name (≈ 80 汉字); the names made from this one
                       # (…_编班结果(2), the backup's .备份-日期时间, the .~bianban.….lock beside it) must fit too


def free_name(folder: Path, name: str, keep: str = "", room: int = 0) -> Path:
    """``folder/name``, or ``name(2)``, ``name(3)`` … when taken: never overwrite a file. A name
    too long for the names made from it is shortened (its beginning kept, and ``keep`` at the end
    of its stem, such as _编班结果), leaving ``room`` bytes for what will be added to it."""
    stem, suffix = Path(name).stem, Path(name).suffix
    if keep and stem.endswith(keep):
        stem = stem[:-len(keep)]
    else:
        keep = ""

    def fit(tail: str) -> str:
        s = stem
        while s and len(f"{s}{keep}{tail}{suffix}".encode("utf-8")) > NAME_MAX_BYTES - room:
            s = s[:-1]
        return f"{s.rstrip()}{keep}{tail}{suffix}"

    target = folder / fit("")
    n = 2
    while target.exists():
        target = folder / fit(f"({n})")
        n += 1
    return target
