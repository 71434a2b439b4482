"""公示名单: a print-ready list per class for posting — class, head teacher, masked names, gender.

No scores, IDs, birth dates or schools. The masking rule is printed on the sheet.
"""
from __future__ import annotations

import re
from datetime import datetime

from bianban_xl.model import schema as S
from bianban_xl.model.problems import fail, UserError
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Params, Roster
from bianban_xl.model.sheet_model import BookUpdate, MARGIN_BOTTOM, MARGIN_TOP, SheetSpec, text_width
from bianban_xl.onsite.journal import append_rows
from bianban_xl.model.validate import validate
from bianban_xl.onsite.state import head_of_class_from_log, require_assigned
from bianban_xl.reports.result_sheets import fit_titles, note_lines, sheet_title

MASK_RULE = ("姓名隐私处理：两个字的姓名只显示姓（李*），三个字及以上的显示首尾两字（张*明、欧**娜）；"
             "名字后为区分同名加的标记照原样保留（王*(大)）；同一班中处理后相同的，加注编号的后三位，如李*（023）；后三位也相同的多加几位；没有编号的加注学生名单中的行号。"
             "名单不含成绩、出生日期和毕业学校。")


_TAG = re.compile(r"^(.+?)([(（\[【][^()（）\[\]【】]{1,4}[)）\]】])$")   # 王芳(大): a mark told apart by the school


def mask_name(name: str) -> str:
    """张三明 → 张*明, 李娜 → 李*, 欧阳娜娜 → 欧**娜; spaces dropped, '·' kept; a mark the school
    added to tell same names apart stays as written after the masked name: 王芳(大) → 王*(大)."""
    t = re.sub(r"[\s\u3000]+", "", name or "")
    tagged = _TAG.match(t)
    if tagged:
        return mask_name(tagged.group(1)) + tagged.group(2)
    return _mask_plain(t)


def mask_name_before_0_6_3(name: str) -> str:
    """How lists posted before 0.6.3 masked a name: a mark like (大) was masked with it (王***)).
    Verify accepts such a posted list as current."""
    return _mask_plain(re.sub(r"[\s\u3000]+", "", name or ""))


def _mask_plain(t: str) -> str:
    chars = list(t)
    if len(chars) <= 1:
        return "*" if not chars else chars[0] + "*"
    if len(chars) == 2:
        return chars[0] + "*"
    return chars[0] + "".join("·" if ch in "·•．." else "*" for ch in chars[1:-1]) + chars[-1]


def posted_order_free(entries: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(shown name, gender) of one class as posted, in no particular order and without the row
    tag :func:`public_names` gives alike masked names where there is no 编号 (第109行): what a
    posted list stands for does not change when 学生名单 is sorted."""
    return sorted((re.sub(r"（第\d+行）$", "", shown), gender) for shown, gender in entries)


def public_names(members: list, mask=mask_name) -> list[str]:
    """The names as posted for one class: masked; where two masked names are the same, each gets the
    last 3 characters of its 编号 — more when the last 3 are alike too (S01023 / S02023) — or, without
    a 编号, its row in 学生名单 (第109行: cut to '09行' it could not tell rows 109 and 209 apart)."""
    masked = [mask(s.name) for s in members]
    seen: dict[str, list[int]] = {}
    for n, m in enumerate(masked):
        seen.setdefault(m, []).append(n)
    shown = list(masked)
    for m, idx in seen.items():
        if len(idx) < 2:
            continue
        tags = [members[n].sid or f"第{members[n].row}行" for n in idx]
        k = 3
        while k < max(len(t) for t in tags) and len({t if not members[n].sid else t[-k:] for n, t in zip(idx, tags)}) < len(idx):
            k += 1
        for n, t in zip(idx, tags):
            shown[n] = f"{m}（{t[-k:] if members[n].sid else t}）"
    return shown


def public_widths(roster: Roster, params: Params) -> dict[int, float]:
    """序号 | 班级 | 姓名 | 性别: 班级 and 姓名 as wide as their longest value (a long 班级名称 ran
    under the names), the page otherwise as before (64 characters)."""
    klass = max(16.0, max((text_width(c) for c in params.names()), default=0.0) + 1.5)
    shown = [m for c in params.names() for m in public_names([s for s in roster.students if s.klass == c])]
    names = max(20.0, max((text_width(m) for m in shown), default=0.0) + 2)
    widths = {1: 8.0, 2: klass, 3: names, 4: 8.0}
    widths[3] += max(0.0, 64 - sum(widths.values()))
    return widths


def public_sheet(roster: Roster, params: Params, head_of_class: dict[str, str] | None, stamp: str) -> SheetSpec:
    """All classes one after the other, a portrait A4 page each, with the masking rule on every page."""
    spec = SheetSpec(name=S.SHEET_PUBLIC, header_footer=S.SHEET_PUBLIC)
    spec.col_widths = public_widths(roster, params)
    chars = sum(spec.col_widths.values()) - 2
    r = 1
    for cname in params.names():
        members = [s for s in roster.students if s.klass == cname]
        boys = sum(1 for s in members if s.gender == "男")
        head = (head_of_class or {}).get(cname) or "（待抽签）"
        spec.add(r, 1, [[sheet_title(params, f"{cname} 新生名单公示")]], "title")
        spec.add(r + 1, 1, [[f"班主任：{head}    人数 {len(members)}（男 {boys}，女 {len(members) - boys}）"]], "subtitle")
        spec.add(r + 2, 1, [["序号", "班级", "姓名", "性别"]], "header")
        spec.add(r + 3, 1, [[n, cname, shown, s.gender] for n, (s, shown) in enumerate(zip(members, public_names(members)), start=1)]
                 or [[None] * 4], "body")
        spec.row_heights.update({r + 3 + n: 12.5 for n in range(max(len(members), 1))})
        end = r + 3 + max(len(members), 1)
        notes = note_lines(MASK_RULE, chars) + note_lines(f"公示时间：{stamp[:10]}    如有疑问请联系学校教务处。", chars)
        spec.add(end, 1, notes, "note")
        spec.row_heights.update({r: 22.0, r + 1: 16.0, r + 2: 16.0})
        spec.row_heights.update({end + n: 14.0 for n in range(len(notes))})
        end += len(notes) - 1
        spec.row_breaks.append(end)
        r = end + 2
    return fit_pages(fit_titles(spec))


# A4 portrait between the margins (0.6" top, 0.75" bottom), in points
PAGE_HEIGHT = 842 - (MARGIN_TOP + MARGIN_BOTTOM) * 72 - 4


def fit_pages(spec: SheetSpec) -> SheetSpec:
    """A class of 51–60 (大班额) and its masking rule on one page: when a class's page is taller than
    A4, the sheet is fitted to as many pages tall as it has classes (LibreOffice keeps the page
    breaks and shrinks a little); the rule went alone onto a second page for every class."""
    top, tallest = 1, 0.0
    for end in spec.row_breaks:
        tallest = max(tallest, sum(spec.row_heights.get(x, 15.0) for x in range(top, end + 1)))
        top = end + 1
    if tallest > PAGE_HEIGHT:
        spec.fit_height = len(spec.row_breaks)
    return spec


def plan_public(book: RawBook) -> BookUpdate:
    """公示名单 from the class column and (if drawn) the lottery. Raises UserError; writes nothing."""
    require_assigned(book, "生成公示名单")
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    unplaced = [s for s in roster.students if not s.klass]
    if unplaced:
        who = "、".join(f"{s.name}(第{s.row}行)" for s in unplaced[:10])
        fail(roster.sheet, f"有 {len(unplaced)} 名学生还没有班级：{who}。",
             "新增的学生请先用“插班”（bianban late）编入班级，再生成公示名单。", row=unplaced[0].row)
    heads = head_of_class_from_log(book)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    upd = BookUpdate(sheets=[public_sheet(roster, roster.params, heads, stamp)])
    upd.record_rows += append_rows(book, [(stamp, f"公示名单：{len(roster.params.names())} 个班、{len(roster.students)} 名学生" + ("，含抽签确定的班主任" if heads else "，班主任待抽签"))])
    upd.messages.append(f"公示名单已生成（工作表“{S.SHEET_PUBLIC}”，每班一页）"
                        + ("，含抽签确定的班主任。" if heads else "；尚未抽签，班主任一栏为“待抽签”。"))
    return upd
