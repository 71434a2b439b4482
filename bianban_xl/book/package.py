"""Checks on a workbook's zip package before any reader parses it — the same for the fast reader
and openpyxl, so the two can never disagree on a hostile file.

Refused, with a Chinese message naming the part and the fix (issue 10):
- a part whose uncompressed size is absurd (over MAX_PART bytes), or that expands more than
  MAX_RATIO times its compressed size while being larger than RATIO_FLOOR (a "zip bomb"), or
  parts adding up to more than MAX_TOTAL;
- a DOCTYPE in any XML part (no workbook needs one; it is how entity-expansion attacks start).
"""
from __future__ import annotations

import codecs
import os
import re
import zipfile
from pathlib import Path

MAX_PART = 256 * 1024 * 1024        # bytes, uncompressed, one part
MAX_TOTAL = 1024 * 1024 * 1024      # bytes, uncompressed, all parts
MAX_RATIO = 200                     # uncompressed / compressed
RATIO_FLOOR = 16 * 1024 * 1024      # parts smaller than this may compress as well as they like
XML_SUFFIXES = (".xml", ".rels", ".vml")
_PROLOG_BYTES = 4096
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)


class NotAWorkbook(Exception):
    """A file no reader may open; the message (Chinese) says why and what to do."""


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


_OLE = bytes.fromhex("d0cf11e0a1b11ae1")     # an OLE compound file (MS-CFB), not a zip
_SCAN_BYTES = 8 * 1024 * 1024


_SHEETS = "请用 Excel 或 WPS 打开它，“另存为”Excel 工作簿（*.xlsx）后再试。"
_NOT_A_SHEET = "请选择编班工作簿（.xlsx 或 .xlsm 文件）；如果它其实是 Excel 工作簿、只是扩展名不对，请把扩展名改为 .xlsx。"
_KINDS = {      # extension -> (what it is, what to do)
    ".xls": ("旧版 .xls 文件，本工具读取 .xlsx / .xlsm", "请在 Excel 或 WPS 中“另存为”Excel 工作簿（*.xlsx）后再试。"),
    ".et": ("WPS 表格格式（.et）", "请在 WPS 中“另存为” .xlsx 后再试。"),
    ".ett": ("WPS 表格模板（.ett）", "请在 WPS 中“另存为” .xlsx 后再试。"),
    ".csv": ("CSV 文本文件，不是 Excel 工作簿（.xlsx / .xlsm）", _SHEETS),
    ".ods": ("OpenDocument 表格（.ods），不是 Excel 工作簿（.xlsx / .xlsm）", _SHEETS),
    ".xlsb": ("Excel 二进制工作簿（.xlsb），本工具读取 .xlsx / .xlsm", _SHEETS),
    ".numbers": ("Numbers 表格，不是 Excel 工作簿（.xlsx / .xlsm）", "请在 Numbers 中“导出为”Excel（.xlsx）后再试。"),
    ".txt": ("文本文件，不是 Excel 工作簿（.xlsx / .xlsm）", _NOT_A_SHEET),
    ".doc": ("Word 文档，不是 Excel 工作簿（.xlsx / .xlsm）", _NOT_A_SHEET),
    ".docx": ("Word 文档，不是 Excel 工作簿（.xlsx / .xlsm）", _NOT_A_SHEET),
    ".wps": ("WPS 文字文档，不是 Excel 工作簿（.xlsx / .xlsm）", _NOT_A_SHEET),
    ".pdf": ("PDF 文件，不是 Excel 工作簿（.xlsx / .xlsm）", _NOT_A_SHEET),
    ".zip": ("压缩包", "请先解压，再选择其中的编班工作簿（.xlsx / .xlsm）。"),
    ".rar": ("压缩包", "请先解压，再选择其中的编班工作簿（.xlsx / .xlsm）。"),
    ".7z": ("压缩包", "请先解压，再选择其中的编班工作簿（.xlsx / .xlsm）。"),
}


def wrong_kind(p: Path, name: str | None = None) -> str | None:
    """The message for a path that is plainly no workbook — a folder, an empty file, or a file
    whose extension says what else it is (a 名单 exported as .csv, a Word notice, a zip) — else
    None. Said before any reader tries it, so the user reads what the file is, not "damaged"."""
    name = name or p.name
    if p.is_dir():
        return (f"“{name}”是一个文件夹，不是工作簿文件。"
                f"请写出文件夹中工作簿的文件名，如 “{Path(name) / '编班.xlsx'}”。")
    if Path(name).name.startswith("~$"):
        real = Path(name).name[2:]
        return (f"“{name}”是 Excel / WPS 打开“{real}”时留下的临时文件（名字以 ~$ 开头），不是工作簿。"
                f"请选择不带 ~$ 的那个文件“{real}”；如果工作簿已经关闭，这个临时文件可以删除。")
    kind = _KINDS.get(Path(name).suffix.lower())
    if kind is not None:
        return f"“{name}”是{' ' if kind[0][0].isascii() else ''}{kind[0]}。{kind[1]}"
    try:
        empty = p.is_file() and p.stat().st_size == 0
    except OSError:
        empty = False
    if empty:
        return (f"“{name}”是空文件（0 字节），里面没有任何内容：复制、下载或保存时可能没有完成。"
                "请重新复制这个文件，或向提供者要一份完整的工作簿。")
    return None


def not_a_zip(p: Path, why: str = "", name: str | None = None) -> str:
    """The message for a file that is no zip package. An OLE compound file is what Excel and WPS
    write for a workbook with an opening password (ECMA-376 encryption: streams EncryptionInfo and
    EncryptedPackage) and what an old .xls renamed to .xlsx is; both are common on school PCs, and
    neither is "damaged". ``name``: the file's name as the user knows it (an upload is read from a
    temporary file), else ``p.name``."""
    name = name or p.name
    suffix = Path(name).suffix
    known = wrong_kind(p, name)
    if known is not None:
        return known
    try:
        with open(p, "rb") as f:
            head = f.read(_SCAN_BYTES)
            if len(head) == _SCAN_BYTES:       # a large file: its directory may sit at the end
                f.seek(max(_SCAN_BYTES, os.path.getsize(p) - _SCAN_BYTES))
                head += f.read(_SCAN_BYTES)
    except OSError:
        head = b""
    if head.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in head:
            return (f"“{name}”设有打开密码（加密的工作簿），本工具不能读取加密的文件。"
                    "请在 Excel 或 WPS 中输入密码打开它，取消打开密码后保存，再试（Excel：文件 → 信息 → 保护工作簿 → "
                    "用密码进行加密，清空密码；WPS：文件 → 文档加密 → 密码加密，清空打开密码）。")
        if any(n.encode("utf-16-le") in head for n in ("Workbook", "Book")):     # the BIFF stream of an .xls
            return (f"“{name}”实际是旧版 .xls 文件（只是扩展名为 {suffix}）。"
                    "请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（*.xlsx）再试。")
    return (f"“{name}”不是 Excel 工作簿（.xlsx / .xlsm），可能已损坏或是其他类型的文件{f'（{why}）' if why else ''}。"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再试。")


def _unreadable(p: Path, exc: OSError) -> str:
    """An existing file the system will not let us read (no permission, held by another program)."""
    return (f"无法打开“{p.name}”：没有读取它的权限，或它正被其他程序独占打开。"
            "请关闭打开它的程序（或请管理员开放读取权限）后重试；也可以把它复制到“文档”中再用副本。")


def open_package(path: str | os.PathLike) -> zipfile.ZipFile:
    """The zip package of ``path``; NotAWorkbook when it is not one."""
    p = Path(path)
    try:
        return zipfile.ZipFile(p)
    except (PermissionError, IsADirectoryError) as exc:
        raise NotAWorkbook(wrong_kind(p) or _unreadable(p, exc)) from None
    except (zipfile.BadZipFile, OSError):       # the exception's English name says nothing to a registrar
        raise NotAWorkbook(not_a_zip(p)) from None


def inspect_package(path: str | os.PathLike) -> None:
    """Raise NotAWorkbook when ``path``'s zip package holds an absurd part or a DOCTYPE."""
    p = Path(path)
    with open_package(p) as zf:
        check_sizes(p, zf)
        for info in zf.infolist():
            if info.filename.lower().endswith(XML_SUFFIXES):
                with zf.open(info) as fh:
                    head = fh.read(_PROLOG_BYTES)
                _refuse_doctype(p, info.filename, head)


def check_sizes(path: Path, zf: zipfile.ZipFile) -> None:
    """Raise NotAWorkbook for an absurd part (by the sizes the zip directory states) — before
    anything is decompressed."""
    total = 0
    for info in zf.infolist():
        size, packed = info.file_size, max(info.compress_size, 1)
        total += size
        if size > MAX_PART or (size > RATIO_FLOOR and size / packed > MAX_RATIO):
            raise NotAWorkbook(
                f"“{path.name}”中的部件“{info.filename}”解压后有 {_mb(size)}（压缩时 {_mb(info.compress_size)}），"
                "不是正常的工作簿内容，可能是恶意构造的文件，已拒绝读取。"
                "处理办法：请向文件提供者要一份正常的工作簿，或在 Excel / WPS 中把数据复制到新建的工作簿后另存为 .xlsx。")
        if total > MAX_TOTAL:
            raise NotAWorkbook(f"“{path.name}”解压后超过 {_mb(MAX_TOTAL)}，不是正常的编班工作簿，已拒绝读取。"
                               "处理办法：请检查是否选错了文件。")


def check_doctypes(path: Path, parts: dict[str, bytes]) -> None:
    """Raise NotAWorkbook when an XML part (already read, not yet parsed) declares a DOCTYPE."""
    for name, data in parts.items():
        if name.lower().endswith(XML_SUFFIXES):
            _refuse_doctype(path, name, data[:_PROLOG_BYTES])


def _refuse_doctype(path: Path, name: str, head: bytes) -> None:
    if _has_doctype(head):
        raise NotAWorkbook(
            f"“{path.name}”中的部件“{name}”含有 DOCTYPE 声明。正常的 Excel / WPS 工作簿没有这种内容，"
            "它可能被用来攻击读取程序，已拒绝读取。处理办法：请在 Excel / WPS 中打开并另存为新的 .xlsx 文件后再试。")


def _has_doctype(head: bytes) -> bool:
    """Whether a part's prolog (what comes before the root element), in its first bytes, declares a DOCTYPE."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    pos = 0
    while True:          # skip the XML declaration, processing instructions, comments, white space
        i = text.find("<", pos)
        if i < 0:
            return bool(_DOCTYPE.search(text))       # a prolog longer than the head: look in what we have
        if text.startswith("<?", i):
            pos = text.find("?>", i) + 2 if text.find("?>", i) >= 0 else len(text)
        elif text.startswith("<!--", i):
            pos = text.find("-->", i) + 3 if text.find("-->", i) >= 0 else len(text)
        else:
            return bool(_DOCTYPE.match(text, i))
        if pos >= len(text):
            return False
