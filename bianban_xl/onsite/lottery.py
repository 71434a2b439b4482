"""班主任抽签: match head teachers (with their teams) to the balanced student groups.

Either a seeded computer draw — the seed typed in on site (e.g. digits called out by parent
representatives) or drawn by the computer — or the result of a physical draw typed into the
``抽签结果`` sheet (班主任 | 班级). Writes a printable ``抽签记录`` with the seed and its source, the
fingerprint of the student lists the draw applies to, each head teacher and the class drawn, and
signature lines. Rule of the computer draw (published on the sheet): head teachers in the order of
教师搭配 (or 教师名单), class order of 参数设置; the permutation is numpy's PCG64 generator seeded
with the draw seed — anyone can redo it, and ``verify`` does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from bianban_xl.model import schema as S
from bianban_xl.model.codes import short_code
from bianban_xl.model.problems import fail, Report, UserError
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Params
from bianban_xl.model.sheet_model import BookUpdate, SheetSpec, record_row_height, text_width
from bianban_xl.model.validate import validate
from bianban_xl.onsite.journal import append_rows
from bianban_xl.onsite.public_list import public_sheet
from bianban_xl.onsite.state import HEAD_COLS, passed_check, read_draw_log, read_record, refuse_if_locked, require_assigned, resolve_seed, text, VerifyResult
from bianban_xl.onsite.teachers import K_ORDER, ORDER_BY_CONTENT, ordered_teachers, read_teachers, recorded_teams, teams_sheet
from bianban_xl.reports.result_sheets import fit_titles, note_lines, PORTRAIT_CHARS, sheet_title

MODE_COMPUTER = "电脑随机抽签"
MODE_MANUAL = "现场实物抽签（结果由教务处录入）"
DRAW_RULE = ("抽签规则：班主任按“教师搭配”中团队的先后顺序（没有教师搭配时按“教师名单”中的先后顺序）排列，"
             "用随机种子生成一个随机排列（numpy PCG64），第 i 位班主任得到排列中第 i 个位置对应的班级。"
             "同一种子必然得到同一结果，可用“验证结果”复核。")
MANUAL_RULE = (f"抽签方式：现场实物抽签，由班主任本人抽取签条，监督人员见证；教务处把每位班主任抽到的班级录入“{S.SHEET_DRAW_INPUT}”，"
               "本表据此生成。请核对每一行与签条一致后签字。")


@dataclass
class Head:
    """A head teacher in the draw."""
    name: str
    subject: str
    team: int | None = None       # index into Teams, when 教师搭配 exists


def teams_not_made(book: RawBook) -> str | None:
    """A warning before a draw without 教师搭配 while 教师名单 lists other teachers besides the
    heads: after the draw, teams can no longer be made. None when there is nothing to say."""
    if S.SHEET_TEAMS in book.sheets:
        return None
    try:
        teachers, sheet = read_teachers(book, Report(), counts=False)
    except UserError:
        return None
    others = [t for t in teachers if not t.head]
    if not others or not any(t.head for t in teachers):
        return None
    return (f"“{sheet}”中除班主任外还有 {len(others)} 位任课教师，但还没有做“教师搭配”：抽签之后就不能再搭配了。"
            "要搭配教师团队，请先取消，点“教师搭配”；只抽班主任可以继续。")


def heads_of(book: RawBook, params: Params, marked: bool = True):
    """Head teachers in draw order, and the Teams if 教师搭配 exists. Raises UserError. Without
    教师搭配 the draw order is :func:`in_canonical_order`'s, or — ``marked`` False, a draw recorded
    before 0.6.1 — the rows' order."""
    teams, problems = recorded_teams(book)
    if problems:
        rep = Report()
        for p in problems:
            rep.error(S.SHEET_TEAMS, p, "请重新运行“教师搭配”（bianban teachers），再抽签。")
        raise UserError(rep)
    if teams is not None:
        return [Head(teams.head_name(t), teams.teachers[teams.heads[t]].subject, t) for t in range(teams.n)], teams
    report = Report()
    teachers, sheet = read_teachers(book, report, counts=False)
    if not report.ok:
        raise UserError(report)
    heads = [t for t in ordered_teachers(book, teachers, marked) if t.head]
    k = params.n_classes
    if len(heads) != k:
        fail(sheet, f"班主任人选有 {len(heads)} 人，班级有 {k} 个；抽签需要两者相等。",
             f"请在“{sheet}”的“班主任”列给 {k} 位老师填“是”（不是班主任的填“否”）。")
    seen: dict[str, int] = {}
    for t in heads:
        if t.name in seen:
            fail(sheet, f"班主任“{t.name}”出现了两次（第{seen[t.name]}行和第{t.row}行）。", "一位老师只能当一个班的班主任。", row=t.row)
        seen[t.name] = t.row
    return [Head(t.name, t.subject) for t in heads], None


def computer_draw(n: int, seed: int) -> list[int]:
    """Head teacher i (in draw order) gets class index result[i]."""
    return [int(x) for x in np.random.default_rng(seed).permutation(n)]


def read_manual(book: RawBook, heads: list[Head], names: list[str]) -> list[str]:
    """The 抽签结果 sheet typed in after a physical draw: class per head teacher (draw order)."""
    sh = book.sheets.get(S.SHEET_DRAW_INPUT)
    if sh is None:
        fail("", f"没有“{S.SHEET_DRAW_INPUT}”工作表，无法录入现场抽签结果。",
             f"请新建工作表“{S.SHEET_DRAW_INPUT}”，第一行写表头“班主任 | 班级”，每位班主任一行填上抽到的班级。")
    hr = hc = cc = 0
    for r in range(1, min(10, sh.n_rows) + 1):
        cells = [text(v) for v in sh.rows[r - 1]]
        if "班主任" in cells and any(c in ("班级", "抽中班级") for c in cells):
            hr, hc = r, cells.index("班主任") + 1
            cc = next(i for i, c in enumerate(cells, start=1) if c in ("班级", "抽中班级"))
            break
    if not hr:
        fail(S.SHEET_DRAW_INPUT, "找不到表头行（班主任、班级）。", "请在第一行写表头：班主任 | 班级。", row=1)
    rep = Report()
    by_name = {h.name: i for i, h in enumerate(heads)}
    got: dict[int, tuple[str, int]] = {}
    class_rows: dict[str, int] = {}
    for r in sh.value_rows(hr + 1):
        nm, cl = text(sh.cell(r, hc)).replace(" ", ""), text(sh.cell(r, cc)).replace(" ", "")
        if not nm and not cl:
            continue
        if nm not in by_name:
            rep.error(S.SHEET_DRAW_INPUT, f"“{nm or '（空）'}”不是班主任人选。",
                      f"请填写班主任的姓名（{'、'.join(h.name for h in heads)}），与教师名单一致。", row=r, col=hc)
            continue
        if cl not in names:
            rep.error(S.SHEET_DRAW_INPUT, f"班级“{cl or '（空）'}”不存在。", f"请填写 {'、'.join(names)} 之一。", row=r, col=cc)
            continue
        i = by_name[nm]
        if i in got:
            rep.error(S.SHEET_DRAW_INPUT, f"班主任“{nm}”录入了两次（第{got[i][1]}行和第{r}行）。", "每位班主任只抽一次，请删除多余的一行。", row=r, col=hc)
            continue
        if cl in class_rows:
            rep.error(S.SHEET_DRAW_INPUT, f"班级“{cl}”被录入了两次（第{class_rows[cl]}行和第{r}行）：一个班只能有一位班主任。",
                      "请对照现场抽签的签条改正其中一行。", row=r, col=cc)
            continue
        got[i] = (cl, r)
        class_rows[cl] = r
    if rep.ok:
        missing = [h.name for i, h in enumerate(heads) if i not in got]
        if missing:
            rep.error(S.SHEET_DRAW_INPUT, f"还没有录入这些班主任的抽签结果：{'、'.join(missing)}。", "请补齐每位班主任抽到的班级。")
    if not rep.ok:
        raise UserError(rep)
    return [got[i][0] for i in range(len(heads))]


def _student_fp(book: RawBook) -> str:
    return read_record(book.sheets[S.SHEET_RECORD].rows).get("结果指纹", "")


def check_can_draw(book: RawBook):
    """The quick checks before a draw (assigned, not locked, not drawn yet, input readable, one
    head teacher per class), so a button can refuse before asking for a seed. Returns (roster,
    heads in draw order, Teams or None). Raises UserError."""
    require_assigned(book, "抽签")
    refuse_if_locked(book, "重新抽签")
    if S.SHEET_DRAW_LOG in book.sheets:
        fail(S.SHEET_DRAW_LOG, "已经抽过签，不能再抽一次。",
             f"抽签结果一经公布不再重抽。如确需重抽（须经监督人员同意并记录原因），请先删除“{S.SHEET_DRAW_LOG}”工作表再抽签。")
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    heads, teams = heads_of(book, roster.params)
    return roster, heads, teams


def plan_draw(book: RawBook, verified: VerifyResult, seed: int | None = None, seed_source: str | None = None,
              manual: bool = False) -> BookUpdate:
    """班主任抽签 on a workbook whose verification (verify_book's result, computed by the caller) is
    ``verified``. Raises UserError; writes nothing."""
    roster, heads, teams = check_can_draw(book)
    params = roster.params
    res = verified
    if not res.ok:
        rep = Report()
        for line in res.findings[1:]:
            if not passed_check(line):      # what did pass is no error
                rep.error("", line)
        rep.error("", "编班结果验证未通过，不能抽签。", "请先找出并改正上面列出的不一致（或重新编班），验证通过后再抽签。")
        raise UserError(rep)
    names = params.names()
    typed = book.sheets.get(S.SHEET_DRAW_INPUT)
    if not manual and typed is not None and any(v not in (None, "") for row in typed.rows[1:] for v in row):
        fail(S.SHEET_DRAW_INPUT, f"“{S.SHEET_DRAW_INPUT}”中已经录入了现场抽签的结果，这次却是电脑抽签，两者会不一致。",
             "要按录入的结果抽签，请加 --manual（功能区按钮和网页界面会自动这样做）；要电脑抽签，请先删除这张工作表。")
    if manual:
        classes = read_manual(book, heads, names)
        mode, seed_text, source = MODE_MANUAL, "", f"现场抽签，结果录入在“{S.SHEET_DRAW_INPUT}”"
    else:
        seed, source = resolve_seed(seed, seed_source, "现场输入")
        classes = [names[k] for k in computer_draw(len(heads), seed)]
        mode, seed_text = MODE_COMPUTER, str(seed)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    info = {"抽签时间": stamp, "抽签方式": mode, "随机种子": seed_text, "种子来源": source,
            "学生名单指纹": _student_fp(book), "班级数": str(len(names)),
            "教师搭配指纹": teams.fingerprint() if teams is not None else "（没有教师搭配，只抽班主任）",
            K_ORDER: ORDER_BY_CONTENT}
    upd = BookUpdate(sheets=[draw_sheet(params, info, heads, classes)])
    head_of_class = {c: h.name for h, c in zip(heads, classes)}
    if teams is not None:
        upd.sheets.append(teams_sheet(teams, params, stamp, class_of_team=[classes[i] for i in range(teams.n)]))
    upd.sheets.append(public_sheet(roster, params, head_of_class, stamp))
    upd.cells += [(c, 2, 1, f"班主任：{h}") for c, h in head_of_class.items() if c in book.sheets]
    how = f"{mode}，种子 {seed_text}，{source}" if seed_text else f"{mode}，{source}"
    upd.record_rows += append_rows(book, [(stamp, f"班主任抽签（{how}）：" + "；".join(f"{h.name}→{c}" for h, c in zip(heads, classes)))])
    upd.messages.append(f"抽签完成（由电脑按随机种子 {seed_text} 抽签；种子来源：{source}）：" if seed_text
                        else f"抽签完成（{mode}；{source}）：")
    upd.messages += [f"  {h.name}（{h.subject}） → {c}" for h, c in sorted(zip(heads, classes), key=lambda x: names.index(x[1]))]
    upd.messages.append(f"请打印“{S.SHEET_DRAW_LOG}”，请班主任、监督人员和家长代表签字；“{S.SHEET_PUBLIC}”（公示导出）可打印张贴。")
    return upd


PRINTED_DRAW_ITEMS = ("抽签时间", "抽签方式", "随机种子", "种子来源", "班级数")
CHECK_ITEMS = ("学生名单指纹", "教师搭配指纹", K_ORDER)


def draw_widths(heads: list[Head], classes: list[str]) -> dict[int, float]:
    """序号 | 班主任 | 任教学科 | 抽中班级 | 本人签字 across portrait A4: names and classes as wide as
    they need within the page, 本人签字 always 18 characters wide."""
    name = min(max(12.0, max((text_width(h.name) for h in heads), default=0) + 1.5), 18.0)
    subject = min(max(10.0, max((text_width(h.subject or "") for h in heads), default=0) + 1.5), 14.0)
    klass = min(max(12.0, max((text_width(c) for c in classes), default=0) + 1.5), PORTRAIT_CHARS - 8 - name - subject - 18)
    return {1: 8, 2: name, 3: subject, 4: klass, 5: 18}


def draw_sheet(params: Params, info: dict[str, str], heads: list[Head], classes: list[str]) -> SheetSpec:
    """抽签记录 on one portrait A4 page at 100 %: the draw, the result, the rule, signature lines. The
    full fingerprints it was drawn against are kept below the page (复核用, not printed)."""
    code = short_code(info["学生名单指纹"])
    spec = SheetSpec(name=S.SHEET_DRAW_LOG, header_footer=f"结果核验码 {code} · {S.SHEET_DRAW_LOG}")
    spec.col_widths = draw_widths(heads, classes)
    chars = sum(spec.col_widths.values()) - 2
    spec.add(1, 1, [[sheet_title(params, "班主任抽签记录")]], "title")
    manual = info["抽签方式"] == MODE_MANUAL
    r = 2
    for line in note_lines("本表由软件自动生成。打印后请班主任本人、监督人员和家长代表签字，与编班结果一并存档。", chars):
        spec.add(r, 1, [line], "subtitle")
        r += 1
    spec.add(r, 1, [[f"结果核验码：{code}"]], "title")      # the row before the table: the page keeps its length
    r += 1
    spec.add(r, 1, [["项目", "内容"]], "header")
    items = [[k, info[k]] for k in PRINTED_DRAW_ITEMS if not (manual and k == "随机种子")]
    spec.add(r + 1, 1, items, "body")
    r += 1 + len(items) + 1
    spec.add(r, 1, [["抽签结果"]], "section")
    spec.add(r + 1, 1, [list(HEAD_COLS)], "header")
    names = params.names()
    order = sorted(range(len(heads)), key=lambda i: names.index(classes[i]))
    rows = [[n, heads[i].name, heads[i].subject, classes[i], None] for n, i in enumerate(order, start=1)]
    # a long name or 班级名称 wraps inside its cell (it ran across the 本人签字 column, leaving no room to sign)
    spec.add(r + 2, 1, rows, "wrap" if any(record_row_height(row, spec.col_widths) for row in rows) else "body")
    for n, row in enumerate(rows):                                              # room to sign
        spec.row_heights[r + 2 + n] = max(22.0, (record_row_height(row, spec.col_widths) or 0.0) + 4)
    r += 2 + len(heads) + 1
    for text in (MANUAL_RULE if manual else DRAW_RULE, "抽签针对的是“编班记录”中结果指纹所代表的这一份分班结果；分班如有改动，指纹就会不同，"
                 "抽签结果随之作废。完整指纹记录在本表打印范围下方，供“验证结果”复核。"):
        lines = note_lines(text, chars)
        spec.add(r, 1, lines, "note")
        r += len(lines)
    r += 1
    spec.add(r, 1, [["监督人员签字：______________  ______________  ______________"]], "sign")
    spec.add(r + 2, 1, [["家长代表签字：______________  ______________  ______________"]], "sign")
    spec.add(r + 4, 1, [["教务处（经办人）：______________    日期：______年____月____日"]], "sign")
    spec.row_heights.update({r: 26.0, r + 2: 26.0, r + 4: 26.0})
    last = r + 4                     # a computer seed is labelled by 种子来源 (电脑随机抽取（未经现场报数）) above
    spec.print_area = f"A1:E{last}"
    spec.add(last + 3, 1, [["复核用数据（不打印）"]], "section")
    spec.add(last + 4, 1, [[k, info[k]] for k in CHECK_ITEMS], "body")
    return fit_titles(spec)


def verify_lottery(book: RawBook) -> tuple[bool, list[str]]:
    """Re-draw (or re-read the typed-in result) and compare with 抽签记录 and 教师搭配."""
    log = read_draw_log(book)
    if log is None:
        return True, []
    ok, out = True, []
    rec = book.sheets.get(S.SHEET_RECORD)
    if rec is not None and log.kv.get("学生名单指纹") != _student_fp(book):
        ok = False
        out.append(f"“{S.SHEET_DRAW_LOG}”的学生名单指纹与“{S.SHEET_RECORD}”的结果指纹不同：抽签之后重新编过班，抽签结果不适用于现在的分班。"
                   f"处理办法：经监督人员同意后删除“{S.SHEET_DRAW_LOG}”工作表，重新进行班主任抽签。")
    roster, _ = validate(book)
    if roster is None:
        return False, out + ["无法读取输入数据，抽签未能复核。"]
    names = roster.params.names()
    try:
        heads, teams = heads_of(book, roster.params, log.kv.get(K_ORDER) == ORDER_BY_CONTENT)
    except UserError as exc:
        return False, out + ["抽签未能复核：" + exc.report.errors[0].text()]
    expected: list[str] | None = None
    if log.kv.get("抽签方式") == MODE_COMPUTER:
        try:
            seed = int(log.kv.get("随机种子", ""))
            expected = [names[k] for k in computer_draw(len(heads), seed)]
        except ValueError:
            ok = False
            out.append(f"“{S.SHEET_DRAW_LOG}”中的随机种子缺失或被改动：“{log.kv.get('随机种子', '')}”。")
    elif log.kv.get("抽签方式") == MODE_MANUAL:
        try:
            expected = read_manual(book, heads, names)
        except UserError as exc:
            ok = False
            out.append(f"“{S.SHEET_DRAW_INPUT}”中的现场抽签录入有误：" + exc.report.errors[0].text())
    else:
        ok = False
        out.append(f"“{S.SHEET_DRAW_LOG}”中的抽签方式缺失或被改动。")
    got = dict(log.pairs)
    if expected is not None:
        for h, c, r in zip(heads, expected, range(len(heads))):
            if got.get(h.name) != c:
                ok = False
                how = "按记录的随机种子重新抽签" if log.kv.get("抽签方式") == MODE_COMPUTER else f"按“{S.SHEET_DRAW_INPUT}”"
                out.append(f"“{S.SHEET_DRAW_LOG}”中班主任 {h.name} 的班级是“{got.get(h.name, '（缺）')}”，{how}应为“{c}”。")
        extra = set(got) - {h.name for h in heads}
        if extra:
            ok = False
            out.append(f"“{S.SHEET_DRAW_LOG}”中出现了不是班主任人选的人：{'、'.join(sorted(extra))}。")
    if teams is not None and S.SHEET_TEAMS in book.sheets:
        for row in book.sheets[S.SHEET_TEAMS].rows:
            if row and isinstance(row[0], str) and re.fullmatch(r"第\d+组", row[0].strip()) and len(row) > 2:
                head, cls = text(row[2]), text(row[1])
                if head in got and cls != got[head]:
                    ok = False
                    out.append(f"“{S.SHEET_TEAMS}”中 {row[0]}（班主任 {head}）的班级是“{cls}”，与抽签记录的“{got[head]}”不一致。")
    if ok:
        out.append(f"抽签检查通过：{len(log.pairs)} 位班主任的班级与“{S.SHEET_DRAW_LOG}”"
                   + ("按记录的随机种子重新抽签的结果一致。" if log.kv.get("抽签方式") == MODE_COMPUTER else "和现场录入的结果一致。"))
    return ok, out
