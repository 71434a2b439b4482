"""Reading the VBA project inside a workbook (xl/vbaProject.bin): module sources, by MS-OVBA.

olefile opens the compound file; the dir stream gives each module's stream name and where its
compressed source starts (MODULEOFFSET); the source is decompressed by MS-OVBA 2.4.1. Used by
``bianban doctor`` to compare the workbook's xlwings module with the installed xlwings package.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import olefile
from openpyxl import load_workbook


def decompress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1 decompression of a CompressedContainer (module source, dir stream)."""
    if not data or data[0] != 1:
        raise ValueError("not an MS-OVBA compressed container")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        end, pos, start = min(pos + (header & 0x0FFF) + 3, len(data)), pos + 2, len(out)
        if not header & 0x8000:                      # a raw chunk: 4096 bytes as they are
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = max((len(out) - start - 1).bit_length(), 4)
                length, offset = (token & (0xFFFF >> bits)) + 3, (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def module_offsets(dir_stream: bytes, code_page: str = "cp1252") -> dict[str, tuple[str, int]]:
    """Module name -> (stream name, MODULEOFFSET) from a decompressed dir stream ([MS-OVBA] 2.3.4.2)."""
    out: dict[str, tuple[str, int]] = {}
    name = stream = None
    i = 0
    while i + 6 <= len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, i)
        data = dir_stream[i + 6:i + 6 + (6 if rid == 0x0009 else size)]
        i += 6 + len(data)
        if rid == 0x0019:
            name, stream = data.decode(code_page, "replace"), None
        elif rid == 0x001A:
            stream = data.decode(code_page, "replace")
        elif rid == 0x0031 and name is not None:
            out[name] = (stream or name, struct.unpack("<I", data)[0])
        elif rid == 0x0010:
            break
    return out


def module_sources(book: str | Path) -> dict[str, str]:
    """Every VBA module's source text in ``book`` ({} when it has no VBA project)."""
    with zipfile.ZipFile(book) as zf:
        names = [n for n in zf.namelist() if n.lower().endswith("vbaproject.bin")]
        if not names:
            return {}
        ole = olefile.OleFileIO(io.BytesIO(zf.read(names[0])))
    try:
        root = next(e[0] for e in ole.listdir(storages=True) if len(e) == 2 and e[1] == "dir")
        modules = module_offsets(decompress(ole.openstream([root, "dir"]).read()))
        return {name: decompress(ole.openstream([root, stream]).read()[offset:]).decode("cp1252", "replace")
                for name, (stream, offset) in modules.items() if ole.exists(f"{root}/{stream}")}
    finally:
        ole.close()


def xlwings_module_version(book: str | Path) -> str | None:
    """XLWINGS_VERSION of the xlwings VBA module in ``book`` (None: no such module)."""
    source = module_sources(book).get("xlwings", "")
    m = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', source)
    return m.group(1) if m else None


def conf_sheet_value(book: str | Path, key: str) -> str | None:
    """A setting of the workbook's xlwings.conf sheet as xlwings reads it (column A from A1 down to
    the first empty cell, value in B); None when the sheet or the key is absent."""
    try:
        wb = load_workbook(book, read_only=True)
    except Exception:
        return None
    try:
        if "xlwings.conf" not in wb.sheetnames:
            return None
        for row in wb["xlwings.conf"].iter_rows(values_only=True):
            if not row or row[0] in (None, ""):
                break
            if str(row[0]).strip().upper() == key.upper():
                return "" if len(row) < 2 or row[1] is None else str(row[1])
        return None
    finally:
        wb.close()
