"""Contract tests of workbook_template.xlsm, runnable on Linux without Excel.

They check what Excel relies on when it opens the file and a button is clicked: the package
(content types, relationships), the ribbon (customUI 2006, each onAction names a VBA Sub with the
ribbon signature), the VBA project (read back with oletools' olevba, an independent reader, and
compared with excel/vba), each RunPython command naming a real Python function, the xlwings.conf
sheet, and that the template survives an openpyxl keep_vba=True save with ribbon and VBA intact.
"""
from __future__ import annotations

import importlib
import importlib.util
import io
import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_template.xlsm"
VBA_DIR = ROOT / "excel" / "vba"
RIBBON = ROOT / "excel" / "ribbon" / "customUI.xml"

CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
UI_NS_2006 = "http://schemas.microsoft.com/office/2006/01/customui"
UI_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
OFFICE_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_CT = "application/vnd.ms-office.vbaProject"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # oletools uses old pyparsing names

BUTTONS = {"检查数据": "check_data", "数据封存": "seal", "自动编班": "assign", "教师搭配": "teams", "班主任抽签": "draw", "插班": "late",
           "更正学生信息": "correct", "验证结果": "verify", "公示导出": "export_public", "锁定": "lock", "导出上报文件": "export_report"}
# Every imageMso the ribbon may use: Excel control identifiers found in each of Microsoft's published
# lists for Office 2013, Office 2016 and Microsoft 365 Current Channel (OfficeDev's
# office-fluent-ui-command-identifiers, excelcontrols.xlsx); a built-in control's image is
# available under its identifier. Extend only after checking a name in those lists.
IMAGE_MSO = {"DataValidation", "SortDialog", "ReviewShareWorkbook", "WhatIfAnalysisMenu", "FilePrint",
             "SheetProtect", "SheetRowsInsert", "Refresh", "FileSendAsAttachment", "RefreshAll",
             "ReviewProtectWorkbook", "FileSaveAsExcelXlsx", "ErrorChecking", "PivotTableInsert", "Lock"}


def _load_build():
    spec = importlib.util.spec_from_file_location("build_template", ROOT / "tools" / "build_template.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_template"] = module
    spec.loader.exec_module(module)
    return module


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.fixture(scope="module")
def parts() -> dict[str, bytes]:
    return _parts(TEMPLATE.read_bytes())


@pytest.fixture(scope="module")
def ribbon_buttons() -> list[ET.Element]:
    root = ET.fromstring(RIBBON.read_bytes())
    return list(root.iter(f"{{{UI_NS_2006}}}button"))


def _content_types(parts):
    root = ET.fromstring(parts["[Content_Types].xml"])
    defaults = {e.get("Extension").lower(): e.get("ContentType") for e in root.iter(f"{CT_NS}Default")}
    overrides = {e.get("PartName"): e.get("ContentType") for e in root.iter(f"{CT_NS}Override")}
    return defaults, overrides


def _rels(parts, name):
    root = ET.fromstring(parts[name])
    return [(e.get("Type"), e.get("Target")) for e in root.iter(f"{REL_NS}Relationship")]


def _vba_subs() -> dict[str, str]:
    """Sub name -> parameter list, over every module in excel/vba."""
    subs = {}
    for path in VBA_DIR.iterdir():
        for m in re.finditer(r"^\s*(?:Public\s+|Private\s+)?Sub\s+(\w+)\s*\(([^)]*)\)", path.read_text("ascii"),
                             re.M | re.I):
            subs[m.group(1)] = m.group(2).strip()
    return subs


def _normalise_vba(text: str) -> str:
    """Module text without the export header and Attribute lines, LF line ends, no trailing blanks."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].startswith("VERSION "):
        end = lines.index("END")
        lines = lines[end + 1:]
    lines = [ln for ln in lines if not ln.startswith("Attribute ")]
    return "\n".join(lines).rstrip("\n")


def _olevba_modules(data: bytes) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser("template.xlsm", data=data)
    try:
        return {name: code for (_, _, name, code) in parser.extract_macros()}
    finally:
        parser.close()


# --- the build --------------------------------------------------------------------------------
def test_committed_template_is_up_to_date():
    pytest.importorskip("pyopenvba")
    build = _load_build()
    fresh = _parts(build.build_bytes())
    committed = _parts(TEMPLATE.read_bytes())
    assert sorted(fresh) == sorted(committed), "parts differ: run python tools/build_template.py"
    stale = [n for n in fresh if fresh[n] != committed[n]]
    assert not stale, f"out of date ({stale}): run python tools/build_template.py"


def test_build_is_deterministic():
    pytest.importorskip("pyopenvba")
    build = _load_build()
    assert build.build_bytes() == build.build_bytes()


def test_zip_entries_are_sorted_with_fixed_times():
    with zipfile.ZipFile(TEMPLATE) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert names[2:] == sorted(names[2:])
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


# --- package ----------------------------------------------------------------------------------
def test_content_types_are_macro_enabled(parts):
    defaults, overrides = _content_types(parts)
    assert overrides["/xl/workbook.xml"] == MACRO_MAIN
    assert overrides.get("/xl/vbaProject.bin", defaults.get("bin")) == VBA_CT
    assert defaults.get("xml") == "application/xml"  # customUI/customUI.xml is typed by its extension
    for part in parts:
        if part.endswith(".rels") or part == "[Content_Types].xml":
            continue
        ext = part.rsplit(".", 1)[-1].lower()
        assert f"/{part}" in overrides or ext in defaults, f"{part} has no content type"


def test_relationships(parts):
    root = _rels(parts, "_rels/.rels")
    assert (OFFICE_DOC_REL, "xl/workbook.xml") in root
    ui = [t for (typ, t) in root if typ == UI_REL]
    assert ui == ["customUI/customUI.xml"] and ui[0] in parts
    book = _rels(parts, "xl/_rels/workbook.xml.rels")
    vba = [t for (typ, t) in book if typ == VBA_REL]
    assert vba == ["vbaProject.bin"] and "xl/vbaProject.bin" in parts
    for typ, target in book:
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        assert path in parts, f"workbook relationship to missing part {target}"


def test_sheets_and_their_furniture():
    from openpyxl import load_workbook

    from bianban_xl.model import schema as S

    wb = load_workbook(TEMPLATE, keep_vba=True)
    assert wb.sheetnames == [S.SHEET_HELP, S.SHEET_PARAMS, S.SHEET_ROSTER, S.SHEET_TWINS, S.SHEET_TEACHERS,
                             "xlwings.conf"]
    for name in (S.SHEET_PARAMS, S.SHEET_ROSTER, S.SHEET_TWINS, S.SHEET_TEACHERS):
        assert wb[name].freeze_panes == "A2", name
    lists = {}
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            lists.setdefault(ws.title, []).append(dv.formula1)
    assert '"男,女"' in lists[S.SHEET_ROSTER] and '"优,良,中,差"' in lists[S.SHEET_ROSTER]
    assert '"同班,分开"' in lists[S.SHEET_TWINS]
    assert '"是,否"' in lists[S.SHEET_PARAMS] and '"是,否"' in lists[S.SHEET_TEACHERS]
    assert any("高级" in f for f in lists[S.SHEET_TEACHERS])
    roster = wb[S.SHEET_ROSTER]
    assert [c.value for c in roster[1]][:3] == [S.C_ID, S.C_NAME, S.C_GENDER]
    assert roster.column_dimensions["A"].width


def test_xlwings_conf_sheet():
    """xlwings reads keys from A1 down to the first empty cell, values in column B."""
    from openpyxl import load_workbook

    ws = load_workbook(TEMPLATE)["xlwings.conf"]
    keys = []
    r = 1
    while ws.cell(row=r, column=1).value not in (None, ""):
        keys.append(ws.cell(row=r, column=1).value)
        assert ws.cell(row=r, column=1).comment is not None, "each setting carries a comment"
        assert ws.cell(row=r, column=3).value, "each setting has a Chinese note beside it"
        r += 1
    assert {"Interpreter_Mac", "PYTHONPATH", "Conda Path", "Conda Env"} <= set(keys)
    # a key here overrides xlwings' user config, where the installer names the bundled pythonw.exe
    assert "INTERPRETER_WIN" not in {k.upper() for k in keys} and "INTERPRETER" not in {k.upper() for k in keys}
    assert len({k.upper() for k in keys}) == len(keys), "xlwings adds keys to a Dictionary: no duplicates"
    udf = ws.cell(row=keys.index("Use UDF Server") + 1, column=2).value
    assert udf is False, "RunPython assigns this to a Boolean: it must not be blank"


# --- ribbon -----------------------------------------------------------------------------------
def test_ribbon_part_equals_source_and_uses_2006_namespace(parts):
    assert parts["customUI/customUI.xml"] == RIBBON.read_bytes()
    root = ET.fromstring(RIBBON.read_bytes())
    assert root.tag == f"{{{UI_NS_2006}}}customUI"
    tabs = list(root.iter(f"{{{UI_NS_2006}}}tab"))
    assert [t.get("label") for t in tabs] == ["均衡编班"]


def test_icons_are_built_in_images(ribbon_buttons):
    for b in ribbon_buttons:
        assert b.get("imageMso") in IMAGE_MSO, f"{b.get('label')}: imageMso {b.get('imageMso')!r} is not a checked name"
        assert b.get("image") is None, "custom images would need image parts"


def test_workbook_does_not_ask_to_save_after_only_looking(parts):
    """fullCalcOnLoad makes Excel recalculate on opening, so closing an untouched file asks to save."""
    book = parts["xl/workbook.xml"].decode("utf-8")
    calc = re.search(r"<calcPr\b[^>]*>", book)
    assert calc is None or 'fullCalcOnLoad="1"' not in calc.group() and "fullCalcOnLoad=\"true\"" not in calc.group()


def test_every_button_is_there_and_calls_a_ribbon_sub(ribbon_buttons):
    assert sorted(b.get("label") for b in ribbon_buttons) == sorted(BUTTONS)
    ids = [b.get("id") for b in ribbon_buttons]
    assert len(ids) == len(set(ids))
    subs = _vba_subs()
    for b in ribbon_buttons:
        action = b.get("onAction")
        assert action in subs, f"onAction {action} names no VBA Sub"
        assert re.fullmatch(r"(ByRef\s+|ByVal\s+)?\w+\s+As\s+IRibbonControl", subs[action], re.I), \
            f"Sub {action}({subs[action]}) lacks the ribbon signature (control As IRibbonControl)"


def test_each_button_runs_its_entry_point(ribbon_buttons):
    text = (VBA_DIR / "BianbanRibbon.bas").read_text("ascii")
    for b in ribbon_buttons:
        body = re.search(rf"Sub\s+{b.get('onAction')}\s*\([^)]*\)(.*?)End Sub", text, re.S | re.I).group(1)
        calls = re.findall(r'RunPython\s+"([^"]*)"', body)
        assert len(calls) == 1, f"{b.get('onAction')} should make exactly one RunPython call"
        assert calls[0].endswith(f"e.{BUTTONS[b.get('label')]}()"), (b.get("label"), calls[0])


def test_every_runpython_command_names_a_real_callable():
    commands = []
    for path in VBA_DIR.glob("*.bas"):
        if path.name == "xlwings.bas":
            continue
        commands += re.findall(r'^\s*RunPython\s+"([^"]*)"', path.read_text("ascii"), re.M)
    assert len(commands) == len(BUTTONS)
    for command in commands:
        m = re.fullmatch(r"import ([\w.]+) as (\w+); \2\.(\w+)\(\)", command)
        assert m, f"unexpected RunPython command: {command}"
        module = importlib.import_module(m.group(1))
        assert m.group(1).startswith("bianban_xl.")
        func = getattr(module, m.group(3), None)
        assert callable(func), command


# --- VBA --------------------------------------------------------------------------------------
def test_vba_sources_are_ascii_and_crlf():
    for path in VBA_DIR.iterdir():
        raw = path.read_bytes()
        raw.decode("ascii")
        assert b"\n" not in raw.replace(b"\r\n", b""), f"{path.name}: bare LF line ends"


def test_xlwings_module_matches_installed_xlwings():
    xlwings = pytest.importorskip("xlwings")
    text = (VBA_DIR / "xlwings.bas").read_text("ascii")
    version = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', text).group(1)
    assert version == xlwings.__version__, "excel/vba/xlwings.bas must match the pinned xlwings"
    shipped = Path(xlwings.__file__).parent / "xlwings.bas"
    assert (VBA_DIR / "xlwings.bas").read_bytes() == shipped.read_bytes()
    shipped_dict = Path(xlwings.__file__).parent / "addin" / "Dictionary.cls"
    assert (VBA_DIR / "Dictionary.cls").read_bytes() == shipped_dict.read_bytes()


def test_vba_in_template_equals_repo_sources(parts):
    modules = _olevba_modules(TEMPLATE.read_bytes())
    for path in VBA_DIR.iterdir():
        name = path.stem + (".cls" if path.suffix == ".cls" else ".bas")
        assert name in modules, f"{name} missing from vbaProject.bin"
        assert _normalise_vba(modules[name]) == _normalise_vba(path.read_text("ascii")), name
    documents = {n for n in modules if n.endswith(".cls")} - {"Dictionary.cls"}
    assert "ThisWorkbook.cls" in documents and len(documents) == 1 + 6  # ThisWorkbook + one per sheet


def test_survives_openpyxl_keep_vba_save(tmp_path):
    from openpyxl import load_workbook

    from bianban_xl.model import schema as S

    wb = load_workbook(TEMPLATE, keep_vba=True)
    wb[S.SHEET_ROSTER]["B2"] = "张三"
    out = tmp_path / "saved.xlsm"
    wb.save(out)
    saved = _parts(out.read_bytes())
    defaults, overrides = _content_types(saved)
    assert overrides["/xl/workbook.xml"] == MACRO_MAIN
    assert overrides.get("/xl/vbaProject.bin", defaults.get("bin")) == VBA_CT
    assert [t for (typ, t) in _rels(saved, "_rels/.rels") if typ == UI_REL] == ["customUI/customUI.xml"]
    assert saved["customUI/customUI.xml"] == RIBBON.read_bytes()
    assert saved["xl/vbaProject.bin"] == TEMPLATE_PARTS()["xl/vbaProject.bin"]
    assert [t for (typ, t) in _rels(saved, "xl/_rels/workbook.xml.rels") if typ == VBA_REL] == ["vbaProject.bin"]
    modules = _olevba_modules(out.read_bytes())
    assert "BianbanRibbon.bas" in modules and "xlwings.bas" in modules
    assert load_workbook(out)[S.SHEET_ROSTER]["B2"].value == "张三"


def TEMPLATE_PARTS() -> dict[str, bytes]:
    return _parts(TEMPLATE.read_bytes())
