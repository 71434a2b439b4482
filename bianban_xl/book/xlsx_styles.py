"""The looks of the sheets we write — fonts, fills, borders, alignment per style name of
``model.sheet_model`` — as plain data, and their styles.xml markup.

One table for both writers: ``workbook_file`` (openpyxl) builds its Font/PatternFill/Border/Alignment
objects from it, and ``xlsx_fast`` writes the same elements straight into styles.xml without
importing openpyxl (≈ 0.2 s of every run). The markup is what openpyxl 3.1 serialises for those
objects, byte for byte (tests/test_xlsx_markup.py compares them), so both paths give one workbook.

Each style's objects are its own (``eq=False``): the fast writer appends one font, fill and border
per object it meets, as it did when they were openpyxl objects, so styles.xml keeps its layout.
"""
from __future__ import annotations

from dataclasses import dataclass

FONT_NAME = "等线"
LINK_COLOR = "0563C1"      # Excel's Hyperlink cell style


@dataclass(frozen=True, eq=False)
class FontSpec:
    """A font as styles.xml writes it."""
    size: float | None = None
    bold: bool = False
    color: str | None = None          # RRGGBB
    name: str = FONT_NAME
    underline: str | None = None      # "single"


@dataclass(frozen=True, eq=False)
class FillSpec:
    """A solid fill."""
    color: str                        # RRGGBB of a solid fill


@dataclass(frozen=True, eq=False)
class BorderSpec:
    """A thin border on all four sides."""
    color: str                        # RRGGBB of a thin line on all four sides


@dataclass(frozen=True, eq=False)
class AlignSpec:
    """A cell alignment."""
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool | None = None          # False is said (and, like None, not written)
    shrink: bool = False              # shrinkToFit: a value wider than its column prints smaller, whole


BORDER = BorderSpec("808080")
STYLES: dict[str, dict] = {
    "title": dict(font=FontSpec(15, bold=True), align=AlignSpec("center", "center", True)),
    "subtitle": dict(font=FontSpec(10.5, color="404040"), align=AlignSpec("left", "center")),
    "header": dict(font=FontSpec(10.5, bold=True), fill=FillSpec("DDEBF7"), align=AlignSpec("center", "center", True),
                   border=True),
    "body": dict(font=FontSpec(10.5), align=AlignSpec(vertical="center"), border=True),
    "foot": dict(font=FontSpec(10.5, bold=True), fill=FillSpec("F2F2F2"), align=AlignSpec(vertical="center"), border=True),
    "note": dict(font=FontSpec(10, color="404040"), align=AlignSpec(vertical="top", wrap=False)),
    "good": dict(font=FontSpec(10.5), fill=FillSpec("C6EFCE"), align=AlignSpec(vertical="center"), border=True),
    "warn": dict(font=FontSpec(10.5), fill=FillSpec("FFEB9C"), align=AlignSpec(vertical="center"), border=True),
    "bad": dict(font=FontSpec(10.5), fill=FillSpec("FFC7CE"), align=AlignSpec(vertical="center"), border=True),
    "sign": dict(font=FontSpec(11), align=AlignSpec(vertical="bottom")),
    "section": dict(font=FontSpec(12, bold=True), align=AlignSpec(vertical="center")),
    "wrap": dict(font=FontSpec(10.5), align=AlignSpec(vertical="top", wrap=True), border=True),
    # body, a value wider than its column shrunk into it (a crowded class list's 姓名 / 毕业学校
    # columns, narrowed so the class prints on one portrait page)
    "fit": dict(font=FontSpec(10.5), align=AlignSpec(vertical="center", shrink=True), border=True),
    # wrap, centred vertically: a table's label that wraps beside body cells (编班汇总 §二 项目, §三 班级),
    # in the middle of its tall row as they are (wrap's top left it above the row's numbers)
    "wrap_mid": dict(font=FontSpec(10.5), align=AlignSpec(vertical="center", wrap=True), border=True),
}


def attr(text: str) -> str:
    """An attribute value escaped as ElementTree (openpyxl's serialiser) escapes it."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;"))


def number(x: float) -> str:
    """A float attribute as openpyxl writes it (15.0 -> 15, 10.5 -> 10.5)."""
    return "%.16g" % x


def font_xml(f: FontSpec) -> str:
    out = [f'<font><name val="{attr(f.name)}" />']
    if f.bold:
        out.append('<b val="1" />')
    if f.color:
        out.append(f'<color rgb="00{f.color}" />')
    if f.size is not None:
        out.append(f'<sz val="{number(f.size)}" />')
    if f.underline:
        out.append(f'<u val="{f.underline}" />')
    out.append("</font>")
    return "".join(out)


def fill_xml(f: FillSpec) -> str:
    return f'<fill><patternFill patternType="solid"><fgColor rgb="00{f.color}" /></patternFill></fill>'


def border_xml(b: BorderSpec) -> str:
    return "<border>" + "".join(f'<{side} style="thin"><color rgb="00{b.color}" /></{side}>'
                                for side in ("left", "right", "top", "bottom")) + "</border>"


def align_xml(a: AlignSpec) -> str:
    out = ["<alignment"]
    if a.horizontal:
        out.append(f' horizontal="{a.horizontal}"')
    if a.vertical:
        out.append(f' vertical="{a.vertical}"')
    if a.wrap:
        out.append(' wrapText="1"')
    if a.shrink:
        out.append(' shrinkToFit="1"')
    out.append(" />")
    return "".join(out)


def style_xml(obj) -> str:
    """The styles.xml element of a FontSpec, FillSpec, BorderSpec or AlignSpec."""
    if isinstance(obj, FontSpec):
        return font_xml(obj)
    if isinstance(obj, FillSpec):
        return fill_xml(obj)
    if isinstance(obj, BorderSpec):
        return border_xml(obj)
    if isinstance(obj, AlignSpec):
        return align_xml(obj)
    raise TypeError(type(obj).__name__)
