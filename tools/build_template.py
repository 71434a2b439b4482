"""Build workbook_template.xlsm from its sources, reproducibly, on any OS (no Excel needed).

Sources:
  * bianban_xl.book.template.build_input_workbook()  -- the sheets, headers, dropdowns, widths
  * XLWINGS_CONF below                          -- the xlwings.conf sheet a school fills in
  * excel/vba/*.bas, excel/vba/*.cls            -- VBA modules (xlwings standalone + ribbon callbacks)
  * excel/ribbon/customUI.xml                   -- the 均衡编班 ribbon tab (2006 customUI namespace)

Steps: openpyxl writes the workbook; pyOpenVBA gives it a VBA project holding the modules
(vbaProject.bin, written without Excel) with the values MS-OVBA asks of a writer (cookies 0xFFFF,
module streams without compiled caches, VBA/_VBA_PROJECT in its 7-byte form, no __SRP_ streams);
then the package is finished here: macro-enabled content
type, the customUI part and its package relationship, fixed document timestamps, and a zip with
sorted entries and fixed entry times, so two builds hold the same content part for part.

    python tools/build_template.py            # (re)write workbook_template.xlsm at the repo root
    python tools/build_template.py --check    # exit 1 if the committed file is out of date
"""
from __future__ import annotations

import argparse
import io
import re
import struct
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUTPUT = ROOT / "workbook_template.xlsm"
VBA_DIR = ROOT / "excel" / "vba"
RIBBON_XML = ROOT / "excel" / "ribbon" / "customUI.xml"

# Module order inside the VBA project (fixed, so the build is reproducible).
VBA_MODULES = ("xlwings.bas", "Dictionary.cls", "BianbanRibbon.bas")

CONF_SHEET = "xlwings.conf"
# (key, value, comment). xlwings reads column A from A1 down to the first empty cell, value in B.
# No Interpreter_Win row: a key on this sheet overrides xlwings' user config
# (%USERPROFILE%\.xlwings\xlwings.conf), which the installer and `bianban doctor --fix` write with the
# bundled pythonw.exe. Without either, xlwings starts "pythonw" from PATH, as before.
XLWINGS_CONF = [
    ("Interpreter_Mac", "",
     "macOS 必填：python3 的完整路径，在“终端”运行 which python3 查看，"
     "如 /Library/Frameworks/Python.framework/Versions/3.11/bin/python3"),
    ("PYTHONPATH", "", "一般留空。只有 bianban_xl 不是用 pip 安装、而是放在某个文件夹时，填该文件夹路径"),
    ("Conda Path", "", "只有用 Anaconda / Miniconda 时填写：conda 的安装目录，如 C:\\Users\\用户名\\miniconda3；否则留空"),
    ("Conda Env", "", "只有用 Anaconda / Miniconda 时填写：环境名，如 base；否则留空"),
    ("Use UDF Server", False, "保持 FALSE，不要修改"),
    ("Show Console", False, "保持 FALSE；排查问题时可改为 TRUE 以显示 Python 窗口"),
]
NOTE_WIDTH = 70    # column C of xlwings.conf; longer notes wrap
CONF_NOTES = [
    "说明：",
    "本表告诉 Excel 到哪里找 Python。A 列的设置名不要改动，也不要在 A1 到上面最后一项之间插入空行。",
    "Windows 上按钮使用的 Python 由安装程序设置（开始菜单→均衡编班→均衡编班诊断 可检查和修复），不在本表填写。",
    "确需指定其他 Python 时，在上面最后一项之后紧接着加一行：A 列 Interpreter_Win，B 列 pythonw.exe 的完整路径。",
    "只需要填写 B 列（值）；C 列是说明。详细步骤见 docs/安装指南.md。",
    "WPS 不能运行这些按钮：请保存并关闭本文件后，在命令行使用 bianban 命令。",
]

# Fixed document times: the build must not depend on the clock.
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
FIXED_W3CDTF = "2026-01-01T00:00:00Z"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
UI_REL_TYPE = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
UI_PART = "customUI/customUI.xml"
# [MS-OVBA] 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF ("MUST be 0xFFFF on write"), Reserved2 0x00,
# Reserved3 as Excel writes it (xlwings' quickstart_standalone.xlsm), no PerformanceCache.
VBA_PROJECT_WRITER_FORM = bytes.fromhex("CC61FFFF000100")
WRITER_COOKIE = 0xFFFF   # [MS-OVBA] 2.3.4.2.3.1 / 2.3.4.2.3.2.7: cookies "MUST be 0xFFFF on write"


def add_conf_sheet(wb) -> None:
    """The xlwings.conf sheet: interpreter settings with a Chinese comment on each."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    from bianban_xl.book.template import print_ready, wrap_note
    from bianban_xl.book.workbook_file import FONT_NAME

    ws = wb.create_sheet(CONF_SHEET)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for r, (key, value, note) in enumerate(XLWINGS_CONF, start=1):
        ws.cell(row=r, column=1, value=key).font = Font(name=FONT_NAME, bold=True)
        cell = ws.cell(row=r, column=2, value=value if value != "" else None)
        cell.fill = fill
        ws.cell(row=r, column=3, value=note).font = Font(name=FONT_NAME, color="606060")
        wrap_note(ws, r, 3, NOTE_WIDTH)       # so the sheet prints one page wide
        ws.cell(row=r, column=1).comment = Comment(note, "bianban")
    start = len(XLWINGS_CONF) + 3
    for i, line in enumerate(CONF_NOTES):
        ws.cell(row=start + i, column=1, value=line).font = Font(name=FONT_NAME, bold=i == 0)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = NOTE_WIDTH
    ws.sheet_properties.tabColor = "808080"
    print_ready(ws, landscape=True, title_rows=None)


def build_workbook():
    """The openpyxl workbook of the template (sheets only, no VBA)."""
    from bianban_xl.book.template import build_input_workbook

    wb = build_input_workbook()
    add_conf_sheet(wb)
    wb.properties.creator = "bianban_xl"
    wb.properties.lastModifiedBy = "bianban_xl"
    wb.properties.title = "均衡编班工作簿"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def read_vba_source(name: str) -> str:
    """A module file as VBA keeps it: CRLF line ends, ASCII only."""
    raw = (VBA_DIR / name).read_bytes()
    raw.decode("ascii")  # raises if a non-ASCII character slipped in
    text = raw.decode("ascii").replace("\r\n", "\n").replace("\n", "\r\n")
    return text


def _add_vba(xlsm_path: Path) -> None:
    from pyopenvba import ExcelFile, VBAModuleKind

    with ExcelFile(str(xlsm_path)) as book:
        book.add_vba_project()
        project = book.vba_project()
        for file_name in VBA_MODULES:
            name, ext = file_name.rsplit(".", 1)
            kind = VBAModuleKind.other if ext == "cls" else VBAModuleKind.standard
            project.add_module(name, read_vba_source(file_name), kind=kind)
        _writer_values(project)
        book.save()


def _writer_values(project) -> None:
    """The values MS-OVBA asks a writer for: PROJECTCOOKIE and every MODULECOOKIE 0xFFFF, and
    every module stream as compressed source alone (MODULEOFFSET 0, no compiled cache carried
    over from the library's Excel-made blank project)."""
    prefix = _without_compat_version(project.dir_raw[:project.dir_modules_offset])
    project.dir_raw, project.dir_modules_offset = prefix, len(prefix)
    project.project_cookie = WRITER_COOKIE
    for module in project.modules:
        module.cookie = WRITER_COOKIE
        if module.text_offset:
            module.dirty = True          # rewritten from its source, without the cache
    project.dir_structure_dirty = True


def _dir_records(data: bytes):
    """(Id, record bytes) of the records of a dir stream ([MS-OVBA] 2.3.4.2): Id u16, Size u32, Size
    bytes -- except PROJECTVERSION, whose Size field is a Reserved 4 followed by 6 bytes of data.
    (REFERENCECONTROL's Reserved3 0x0030 + SizeExtended walk as a record of their own.)"""
    i = 0
    while i < len(data):
        rid, size = struct.unpack_from("<HI", data, i)
        end = i + 6 + (6 if rid == 0x0009 else size)
        yield rid, data[i:end]
        i = end


def _without_compat_version(prefix: bytes) -> bytes:
    """The dir prefix without the optional PROJECTCOMPATVERSION record (0x004A): newer Excel
    writes it, Excel 2010/2013 -- still on school PCs -- predate it, and the project layout of
    xlwings' quickstart_standalone.xlsm, opened by every Office version, has none."""
    return b"".join(rec for rid, rec in _dir_records(prefix) if rid != 0x004A)


def _without_project_cache(vba_bin: bytes) -> bytes:
    """vbaProject.bin with VBA/_VBA_PROJECT in the 7-byte writer form ([MS-OVBA] 2.3.4.1: Version
    0xFFFF, no PerformanceCache), so every Office version recompiles from source; the compound file
    is re-laid out by pyOpenVBA's CFB writer (the stream shrinks), not edited in place."""
    from pyopenvba.cfb import CFB

    from pyopenvba.vba import compress, decompress

    cfb = CFB.from_bytes(vba_bin)
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", VBA_PROJECT_WRITER_FORM)
    dir_raw = decompress(cfb.get_stream_in_storage("VBA", "dir"))
    cfb.write_stream_in_storage("VBA", "dir", compress(_through_terminator(dir_raw)))
    return cfb.to_bytes()


def _through_terminator(dir_raw: bytes) -> bytes:
    """The dir stream up to and including its Terminator record (Id 0x0010, Reserved 0): pyOpenVBA
    6.5 writes four more zero bytes after it, which MS-OVBA 2.3.4.2 does not have."""
    end = 0
    for rid, rec in _dir_records(dir_raw):
        end += len(rec)
        if rid == 0x0010:
            return dir_raw[:end]
    raise ValueError("dir stream without a Terminator record")


def _finish_parts(parts: dict[str, bytes]) -> dict[str, bytes]:
    types = parts["[Content_Types].xml"].decode("utf-8")
    types = types.replace(PLAIN_MAIN, MACRO_MAIN)
    parts["[Content_Types].xml"] = types.encode("utf-8")
    parts["xl/vbaProject.bin"] = _without_project_cache(parts["xl/vbaProject.bin"])

    rels = parts["_rels/.rels"].decode("utf-8")
    if UI_REL_TYPE not in rels:
        rel = f'<Relationship Id="rIdBianbanUI" Type="{UI_REL_TYPE}" Target="{UI_PART}"/>'
        rels = rels.replace("</Relationships>", rel + "</Relationships>", 1)
    parts["_rels/.rels"] = rels.encode("utf-8")
    parts[UI_PART] = RIBBON_XML.read_bytes()

    core = parts["docProps/core.xml"].decode("utf-8")
    core = re.sub(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)",
                  lambda m: m.group(1) + FIXED_W3CDTF + m.group(3), core)
    parts["docProps/core.xml"] = core.encode("utf-8")
    return parts


def _part_order(name: str) -> tuple[int, str]:
    return ({"[Content_Types].xml": 0, "_rels/.rels": 1}.get(name, 2), name)


def write_zip(parts: dict[str, bytes]) -> bytes:
    """A zip with sorted entries, fixed times and attributes: same parts in, same bytes out."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in sorted(parts, key=_part_order):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            zf.writestr(info, parts[name], compresslevel=9)
    return out.getvalue()


def read_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def build_bytes() -> bytes:
    """The whole template package, built from the sources."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.xlsm"
        build_workbook().save(path)
        _add_vba(path)
        parts = read_parts(path.read_bytes())
    return write_zip(_finish_parts(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare with the committed file")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    data = build_bytes()
    if args.check:
        if not args.output.exists() or read_parts(args.output.read_bytes()) != read_parts(data):
            print(f"{args.output.name} is out of date: run python tools/build_template.py", file=sys.stderr)
            return 1
        print(f"{args.output.name} is up to date")
        return 0
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
