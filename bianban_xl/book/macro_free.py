"""Extension = content type: a workbook named .xlsx holds no macros and says so in its package.

Excel refuses a file whose extension and main content type disagree (an .xlsx that still carries
the macro-enabled type and vbaProject.bin, or an .xlsm typed as a plain workbook); LibreOffice
and openpyxl open them anyway. Every command decides its output file with book.files.plan_output
(which refuses a plain workbook written as .xlsm) and, once the writer has written it, book.apply
calls :func:`finish_output`, which turns a macro-enabled
package written to an .xlsx name into a plain workbook at the zip level: the VBA project, its
signature parts and the ribbon (customUI) parts go, with their relationships and content-type
overrides, and the workbook part gets the xlsx main content type. Every other part is copied
byte for byte, in the same order.
"""
from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from pathlib import Path

from bianban_xl.book.files import write_atomic

CONTENT_TYPES = "[Content_Types].xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
MACRO_MAINS = (XLSM_MAIN, "application/vnd.ms-excel.template.macroEnabled.main+xml",
               "application/vnd.ms-excel.addin.macroEnabled.main+xml")
_VBA_TYPES = ("application/vnd.ms-office.vbaProject", "application/vnd.ms-office.vbaProjectSignature",
              "application/vnd.ms-office.vbaProjectSignatureAgile", "application/vnd.ms-office.vbaProjectSignatureV3",
              "application/vnd.ms-excel.vbaProject", "application/vnd.ms-office.activeX")
_DROP_REL_TYPES = (
    "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
    "http://schemas.microsoft.com/office/2006/relationships/vbaProjectSignature",
    "http://schemas.microsoft.com/office/2014/relationships/vbaProjectSignatureAgile",
    "http://schemas.microsoft.com/office/2020/07/relationships/vbaProjectSignatureV3",
    "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility",
    "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

_REL = re.compile(r"<Relationship\b[^>]*?(?:/>|>\s*</Relationship>)")
_OVERRIDE = re.compile(r"<Override\b[^>]*?(?:/>|>\s*</Override>)")
_DEFAULT = re.compile(r"<Default\b[^>]*?(?:/>|>\s*</Default>)")
_ATTR = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')


def _attrs(element: str) -> dict[str, str]:
    return dict(_ATTR.findall(element))


def conversion_note(src: str | os.PathLike, target: str | os.PathLike) -> str | None:
    """The Chinese line a command prints when an .xlsm input was written as a macro-free .xlsx."""
    if Path(src).suffix.lower() == ".xlsm" and Path(target).suffix.lower() == ".xlsx":
        return (f"说明：“{Path(target).name}”是不含宏的 .xlsx 文件，已去掉宏（VBA）和“均衡编班”选项卡，"
                "可以直接用 Excel/WPS 打开或作为邮件附件发送；要继续用按钮操作，请打开原来的 .xlsm 文件。")
    return None


def main_content_type(data: bytes) -> str | None:
    """The content type of the package's workbook part (from [Content_Types].xml)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        types = zf.read(CONTENT_TYPES).decode("utf-8")
        rels = zf.read("_rels/.rels").decode("utf-8") if "_rels/.rels" in zf.namelist() else ""
    main = "xl/workbook.xml"
    for rel in _REL.findall(rels):
        a = _attrs(rel)
        if a.get("Type", "").endswith("/officeDocument"):
            main = a.get("Target", main).lstrip("/")
    for ov in _OVERRIDE.findall(types):
        a = _attrs(ov)
        if a.get("PartName", "").lstrip("/") == main:
            return a.get("ContentType")
    return None


def is_macro_enabled(path: str | os.PathLike) -> bool:
    return main_content_type(Path(path).read_bytes()) in MACRO_MAINS


def _rels_name(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _source_of(rels_name: str) -> str:
    """'xl/_rels/workbook.xml.rels' -> 'xl' (the folder relationship targets are relative to)."""
    folder = rels_name.rsplit("/_rels/", 1)[0] if "/_rels/" in rels_name else ""
    return folder


def _target_part(rels_name: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(_source_of(rels_name), target))


def to_macro_free(data: bytes) -> bytes:
    """A macro-enabled package as a plain .xlsx package (zip bytes in, zip bytes out)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        parts = {i.filename: zf.read(i.filename) for i in infos}
    types = parts[CONTENT_TYPES].decode("utf-8")
    typed = {_attrs(o).get("PartName", "").lstrip("/"): _attrs(o).get("ContentType", "") for o in _OVERRIDE.findall(types)}
    drop = {p for p, ct in typed.items() if ct in _VBA_TYPES}
    for name, body in parts.items():
        if name.endswith(".rels"):
            for rel in _REL.findall(body.decode("utf-8")):
                a = _attrs(rel)
                if a.get("Type") in _DROP_REL_TYPES and a.get("TargetMode") != "External":
                    drop.add(_target_part(name, a.get("Target", "")))
    drop |= {p for p in parts if p.lower().endswith(".bin") and "vbaproject" in p.lower()}
    # a dropped part's own relationships (the ribbon's images) and what only they point to
    for part in list(drop):
        rels = _rels_name(part)
        if rels in parts:
            drop.add(rels)
            for rel in _REL.findall(parts[rels].decode("utf-8")):
                a = _attrs(rel)
                if a.get("TargetMode") != "External":
                    drop.add(_target_part(rels, a.get("Target", "")))
    out_parts: dict[str, bytes] = {}
    for name, body in parts.items():
        if name in drop:
            continue
        if name.endswith(".rels"):
            text = body.decode("utf-8")
            kept = _REL.sub(lambda m: "" if (_attrs(m.group()).get("Type") in _DROP_REL_TYPES
                                              or (_attrs(m.group()).get("TargetMode") != "External"
                                                  and _target_part(name, _attrs(m.group()).get("Target", "")) in drop))
                            else m.group(), text)
            body = kept.encode("utf-8")
        out_parts[name] = body
    main = "xl/workbook.xml"
    for rel in _REL.findall(parts.get("_rels/.rels", b"").decode("utf-8")):
        a = _attrs(rel)
        if a.get("Type", "").endswith("/officeDocument"):
            main = _target_part("_rels/.rels", a.get("Target", main))

    def override(m: re.Match) -> str:
        a = _attrs(m.group())
        part = a.get("PartName", "").lstrip("/")
        if part in drop:
            return ""
        if part == main and a.get("ContentType") in MACRO_MAINS:
            return m.group().replace(a["ContentType"], XLSX_MAIN)
        return m.group()

    types = _OVERRIDE.sub(override, types)
    types = _DEFAULT.sub(lambda m: "" if _attrs(m.group()).get("ContentType") in _VBA_TYPES else m.group(), types)
    out_parts[CONTENT_TYPES] = types.encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            if info.filename in out_parts:
                new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                new.compress_type = zipfile.ZIP_DEFLATED
                new.external_attr = info.external_attr
                zf.writestr(new, out_parts[info.filename])
    return buf.getvalue()


def finish_output(target: str | os.PathLike) -> bool:
    """Make the written file's package match its extension: an .xlsx holding a macro-enabled
    package becomes a plain workbook (in place, atomically). True when it was converted."""
    target = Path(target)
    if target.suffix.lower() != ".xlsx":
        return False
    data = target.read_bytes()
    if main_content_type(data) not in MACRO_MAINS:
        return False
    plain = to_macro_free(data)
    write_atomic(target, lambda tmp: Path(tmp).write_bytes(plain))
    return True
