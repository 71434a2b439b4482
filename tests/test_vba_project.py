"""The VBA project inside workbook_template.xlsm, checked as Excel will read it.

The compound file is opened with olefile and the streams decompressed with oletools (both
independent of the build, which uses pyOpenVBA). The dir stream is parsed here record by record
with the grammar of [MS-OVBA] 2.3.4.2, so a record out of order or with a wrong size fails. The
same parser reads xlwings' own quickstart_standalone.xlsm (made by Excel, shipped in the xlwings
package that is installed with bianban_xl): it must accept it, and our project must have that
file's layout -- the same storages and streams, the same 7-byte _VBA_PROJECT, the same
PROJECTINFORMATION records and PROJECT stream sections.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import olefile
import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_template.xlsm"
VBA_DIR = ROOT / "excel" / "vba"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # oletools uses old pyparsing names

WRITER_FORM = bytes.fromhex("CC61FFFF000100")


def _quickstart() -> Path:
    import xlwings

    path = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    assert path.exists(), "the xlwings package ships quickstart_standalone.xlsm"
    return path


def _ole(xlsm: Path) -> olefile.OleFileIO:
    with zipfile.ZipFile(xlsm) as zf:
        return olefile.OleFileIO(io.BytesIO(zf.read("xl/vbaProject.bin")))


def _decompress(data: bytes) -> bytes:
    from oletools.olevba import decompress_stream

    return bytes(decompress_stream(bytearray(data)))


@dataclass
class Module:
    name: str
    stream: str
    offset: int
    cookie: int
    procedural: bool
    ids: list[int] = field(default_factory=list)


@dataclass
class DirStream:
    info_ids: list[int]
    syskind: int
    code_page: int
    name: str
    project_cookie: int
    references: list[list[int]]
    modules: list[Module]


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.i = data, 0

    def peek(self) -> int | None:
        return struct.unpack_from("<H", self.data, self.i)[0] if self.i + 2 <= len(self.data) else None

    def u16(self) -> int:
        v = struct.unpack_from("<H", self.data, self.i)[0]
        self.i += 2
        return v

    def u32(self) -> int:
        v = struct.unpack_from("<I", self.data, self.i)[0]
        self.i += 4
        return v

    def take(self, n: int) -> bytes:
        assert self.i + n <= len(self.data), f"record runs past the end of the dir stream at {self.i}"
        v = self.data[self.i:self.i + n]
        self.i += n
        return v

    def record(self, rid: int, size: int | None = None, max_size: int | None = None) -> bytes:
        at = self.i
        got = self.u16()
        assert got == rid, f"dir stream offset {at}: expected record 0x{rid:04X}, found 0x{got:04X}"
        n = self.u32()
        if size is not None:
            assert n == size, f"record 0x{rid:04X}: Size {n}, MS-OVBA says {size}"
        if max_size is not None:
            assert n <= max_size, f"record 0x{rid:04X}: Size {n} > {max_size}"
        return self.take(n)

    def with_unicode(self, rid: int, reserved: int, max_size: int | None = None) -> tuple[bytes, bytes]:
        mbcs = self.record(rid, max_size=max_size)
        uni = self.record(reserved)
        assert len(uni) % 2 == 0, f"record 0x{reserved:04X}: odd UTF-16 size"
        return mbcs, uni


def _reference(r: _Reader) -> list[int]:
    """One REFERENCE ([MS-OVBA] 2.3.4.2.2.1): optional NameRecord, then one ReferenceRecord."""
    ids = []
    if r.peek() == 0x0016:
        r.with_unicode(0x0016, 0x003E)
        ids += [0x0016, 0x003E]
    kind = r.peek()
    ids.append(kind)
    if kind == 0x0033:                       # REFERENCEORIGINAL, then its REFERENCECONTROL
        r.record(0x0033)
        kind = r.peek()
        assert kind == 0x002F, "REFERENCEORIGINAL must be followed by REFERENCECONTROL"
        ids.append(kind)
    if kind == 0x002F:                       # REFERENCECONTROL (2.3.4.2.2.3)
        r.u16()
        twiddled = r.u32()
        body = _Reader(r.take(twiddled))
        body.take(body.u32())
        assert body.u32() == 0 and body.u16() == 0, "REFERENCECONTROL Reserved1/Reserved2 must be 0"
        if r.peek() == 0x0016:
            r.with_unicode(0x0016, 0x003E)
        assert r.u16() == 0x0030, "REFERENCECONTROL Reserved3 must be 0x0030"
        extended = _Reader(r.take(r.u32()))
        extended.take(extended.u32())
        assert extended.u32() == 0 and extended.u16() == 0, "REFERENCECONTROL Reserved4/Reserved5 must be 0"
        extended.take(16 + 4)                # OriginalTypeLib GUID, Cookie
        assert extended.i == len(extended.data), "REFERENCECONTROL SizeExtended does not match"
    elif kind == 0x000D:                     # REFERENCEREGISTERED (2.3.4.2.2.5)
        body = _Reader(r.record(0x000D))
        libid = body.take(body.u32())
        assert libid.startswith(b"*\\G{"), libid
        assert body.u32() == 0 and body.u16() == 0, "REFERENCEREGISTERED Reserved1/Reserved2 must be 0"
        assert body.i == len(body.data), "REFERENCEREGISTERED Size does not match its fields"
    elif kind == 0x000E:                     # REFERENCEPROJECT (2.3.4.2.2.6)
        body = _Reader(r.record(0x000E))
        body.take(body.u32())
        body.take(body.u32())
        body.take(6)
        assert body.i == len(body.data)
    else:
        raise AssertionError(f"unknown reference record 0x{kind:04X}")
    return ids


def parse_dir(data: bytes) -> DirStream:
    """The dir stream by the grammar of [MS-OVBA] 2.3.4.2 (read rules only: what must be true
    for Excel to read it). Raises AssertionError naming the first record that breaks it."""
    r = _Reader(data)
    info = []

    def rec(rid, **kw):
        info.append(rid)
        return r.record(rid, **kw)

    syskind = struct.unpack("<I", rec(0x0001, size=4))[0]
    assert syskind in (0, 1, 2, 3), f"SysKind {syskind}"
    if r.peek() == 0x004A:                   # PROJECTCOMPATVERSION, optional
        rec(0x004A, size=4)
    assert struct.unpack("<I", rec(0x0002, size=4))[0] == 0x409, "PROJECTLCID must be 0x409"
    assert struct.unpack("<I", rec(0x0014, size=4))[0] == 0x409, "PROJECTLCIDINVOKE must be 0x409"
    code_page = struct.unpack("<H", rec(0x0003, size=2))[0]
    name = rec(0x0004)
    assert 1 <= len(name) <= 128, "PROJECTNAME size 1..128"
    rec(0x0005, max_size=2000)
    rec(0x0040)
    help1 = rec(0x0006, max_size=260)
    help2 = rec(0x003D)
    assert help1 == help2, "HelpFile2 must equal HelpFile1"
    rec(0x0007, size=4)
    assert struct.unpack("<I", rec(0x0008, size=4))[0] == 0, "PROJECTLIBFLAGS must be 0"
    assert r.u16() == 0x0009 and r.u32() == 4, "PROJECTVERSION: Id 0x0009, Reserved 4"
    info.append(0x0009)
    r.take(6)
    rec(0x000C, max_size=1015)
    rec(0x003C)
    references = []
    while r.peek() in (0x0016, 0x0033, 0x002F, 0x000D, 0x000E):
        references.append(_reference(r))
    count = struct.unpack("<H", r.record(0x000F, size=2))[0]
    project_cookie = struct.unpack("<H", r.record(0x0013, size=2))[0]
    modules = []
    for _ in range(count):
        ids = []

        def mrec(rid, **kw):
            ids.append(rid)
            return r.record(rid, **kw)

        mname = mrec(0x0019)
        if r.peek() == 0x0047:
            mrec(0x0047)
        stream, _ = r.with_unicode(0x001A, 0x0032)
        ids += [0x001A, 0x0032]
        r.with_unicode(0x001C, 0x0048)
        ids += [0x001C, 0x0048]
        offset = struct.unpack("<I", mrec(0x0031, size=4))[0]
        mrec(0x001E, size=4)
        cookie = struct.unpack("<H", mrec(0x002C, size=2))[0]
        kind = r.peek()
        assert kind in (0x0021, 0x0022), f"module {mname!r}: MODULETYPE expected, found 0x{kind:04X}"
        mrec(kind, size=0)
        if r.peek() == 0x0025:
            mrec(0x0025, size=0)
        if r.peek() == 0x0028:
            mrec(0x0028, size=0)
        mrec(0x002B, size=0)
        enc = f"cp{code_page}"
        modules.append(Module(mname.decode(enc), stream.decode(enc), offset, cookie, kind == 0x0021, ids))
    r.record(0x0010, size=0)
    assert r.i == len(data), f"{len(data) - r.i} bytes after the dir stream's Terminator"
    return DirStream(info, syskind, code_page, name.decode(f"cp{code_page}"), project_cookie, references, modules)


def _project_sections(text: str) -> list[tuple[str, list[str]]]:
    """PROJECT stream ([MS-OVBA] 2.3.1): (section, keys in order), module declarations folded."""
    sections, current, keys = [], "", []
    for line in text.split("\r\n"):
        if not line:
            continue
        if line.startswith("["):
            sections.append((current, keys))
            current, keys = line, []
            continue
        key = line.split("=", 1)[0]
        if current == "" and key in ("Document", "Module", "Class", "BaseClass", "Package"):
            key = "<module>"
        elif current == "[Workspace]":
            key = "<window>"
        if not keys or keys[-1] != key:
            keys.append(key)
    sections.append((current, keys))
    return sections


@dataclass
class Project:
    streams: set[str]
    vba_project: bytes
    dir: DirStream
    project_text: str
    sources: dict[str, str]
    wm: bytes


def read_project(xlsm: Path) -> Project:
    ole = _ole(xlsm)
    streams = {"/".join(e) for e in ole.listdir(streams=True, storages=False)}
    d = parse_dir(_decompress(ole.openstream("VBA/dir").read()))
    enc = f"cp{d.code_page}"
    sources = {}
    for m in d.modules:
        raw = ole.openstream(f"VBA/{m.stream}").read()
        assert m.offset <= len(raw), f"{m.name}: MODULEOFFSET past the end of its stream"
        sources[m.name] = _decompress(raw[m.offset:]).decode(enc)
    return Project(streams, ole.openstream("VBA/_VBA_PROJECT").read(), d,
                   ole.openstream("PROJECT").read().decode(enc), sources, ole.openstream("PROJECTwm").read())


@pytest.fixture(scope="module")
def ours() -> Project:
    return read_project(TEMPLATE)


@pytest.fixture(scope="module")
def reference() -> Project:
    return read_project(_quickstart())


def test_parser_reads_excels_own_file(reference):
    """The grammar above accepts what Excel wrote (so a failure on ours is ours)."""
    names = [m.name for m in reference.dir.modules]
    assert {"ThisWorkbook", "xlwings", "Dictionary"} <= set(names)
    assert 'Attribute VB_Name = "xlwings"' in reference.sources["xlwings"]


def test_vba_project_stream_is_the_writer_form(ours, reference):
    """[MS-OVBA] 2.3.4.1: Version MUST be 0xFFFF on write, PerformanceCache MUST NOT be written."""
    assert ours.vba_project == WRITER_FORM
    assert reference.vba_project == WRITER_FORM


def test_no_performance_cache_streams(ours):
    assert not [s for s in ours.streams if "__SRP_" in s]


def test_storages_and_streams_are_laid_out_as_in_quickstart(ours, reference):
    def layout(p: Project) -> set[str]:
        module_streams = {f"VBA/{m.stream}" for m in p.dir.modules}
        assert module_streams <= p.streams, "every module's stream exists"
        return p.streams - module_streams

    assert layout(ours) == layout(reference) == {"PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"}


def test_dir_records_in_ms_ovba_order_and_as_quickstart(ours, reference):
    assert ours.dir.info_ids == reference.dir.info_ids
    for m in ours.dir.modules:
        assert m.ids in [r.ids for r in reference.dir.modules], (m.name, [hex(i) for i in m.ids])


def test_dir_values_a_writer_must_write(ours):
    d = ours.dir
    assert d.project_cookie == 0xFFFF, "PROJECTCOOKIE MUST be 0xFFFF on write"
    assert {m.cookie for m in d.modules} == {0xFFFF}, "MODULECOOKIE MUST be 0xFFFF on write"
    assert {m.offset for m in d.modules} == {0}, "module streams hold source only (no compiled cache)"
    assert d.syskind == 3 and d.code_page == 1252 and d.name == "VBAProject"
    assert len({m.name.casefold() for m in d.modules}) == len(d.modules)
    assert [m.stream for m in d.modules] == [m.name for m in d.modules]


def test_modules_agree_with_project_stream_and_sources(ours):
    declared = {name: kind for kind, name in re.findall(r"^(Document|Module|Class)=(\w+)", ours.project_text, re.M)}
    for m in ours.dir.modules:
        assert (declared[m.name] == "Module") == m.procedural, m.name
        assert ours.sources[m.name].startswith(f'Attribute VB_Name = "{m.name}"'), m.name
        assert m.name.encode("cp1252") + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00" in ours.wm
    assert set(declared) == {m.name for m in ours.dir.modules}
    for path in VBA_DIR.iterdir():
        assert path.stem in declared, path.name


def test_project_stream_sections_as_quickstart(ours, reference):
    assert _project_sections(ours.project_text) == _project_sections(reference.project_text)
