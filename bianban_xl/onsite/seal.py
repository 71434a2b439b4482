"""数据封存: before the seed is called out, the input is sealed — its short 核验码 printed on a
sheet the supervisors sign. 自动编班 on a sealed workbook checks the input still has that code
(else refuses: the data changed after sealing), records the 封存核验码, and takes its seed from
the room (digits typed twice) unless the computer seed is asked for explicitly.

The input 核验码 is ``short_code(input_fingerprint)``: parameters (except the seed), every student
and the twin applications — what the balancing uses.
"""
from __future__ import annotations

from bianban_xl.model import schema as S
from bianban_xl.model.codes import short_code
from bianban_xl.model.fingerprint import input_fingerprint
from bianban_xl.model.problems import fail, UserError
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Roster
from bianban_xl.model.sheet_model import BookUpdate, SheetSpec
from bianban_xl.model.validate import validate
from bianban_xl.onsite.journal import append_rows, now
from bianban_xl.onsite.state import key_values, refuse_if_locked
from bianban_xl.reports.result_sheets import fit_titles, sheet_title

SHEET_SEAL = "数据封存"
K_TIME, K_CODE, K_COUNT = "封存时间", "输入核验码", "学生人数"


class NeedsRoomSeed(UserError):
    """自动编班 on a sealed book without a seed: the seed must come from the room. Carries the seal
    (封存时间, 输入核验码 …) so a caller that runs many books (批量编班) can say what to do."""

    def __init__(self, report, seal: dict[str, str]):
        super().__init__(report)
        self.seal = seal


def input_code(roster: Roster) -> tuple[str, str]:
    """(input fingerprint, its 核验码)."""
    fp = input_fingerprint(roster, roster.params)
    return fp, short_code(fp)


def read_seal(book: RawBook) -> dict[str, str] | None:
    """The recorded seal (封存时间, 输入核验码, 输入指纹 …), or None when the book is not sealed."""
    sh = book.sheets.get(SHEET_SEAL)
    if sh is None:
        return None
    kv = key_values(sh)
    return kv if kv.get(K_CODE) else None


def plan_seal(book: RawBook) -> BookUpdate:
    """数据封存 of a checked input. Raises UserError (errors in the input; a locked book).

    On a book already sealed: with the same input 核验码 nothing changes (the signed sheet stays
    valid, its 封存时间 with it); with another one (the input was corrected after sealing) the book
    is sealed again, and the new sheet and the 编班记录 log say which seal it replaces."""
    refuse_if_locked(book, "重新封存")
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    _, code = input_code(roster)
    old = read_seal(book)
    if old is not None and old.get(K_CODE) == code:
        return BookUpdate(messages=[
            f"数据已于 {old.get(K_TIME, '')} 封存，输入核验码没有变化：已签字的封存单仍然有效，没有重新封存。",
            f"{K_CODE}：{code}",
            f"如需再打印，请直接打印“{SHEET_SEAL}”工作表。"])
    stamp = now()
    params = roster.params
    n = len(roster.students)
    boys = sum(1 for s in roster.students if s.gender == "男")
    spec = SheetSpec(name=SHEET_SEAL, header_footer=SHEET_SEAL)
    spec.add(1, 1, [[sheet_title(params, "编班数据封存单")]], "title")
    spec.add(2, 1, [["编班之前打印本页，由监督人员核对并签字；然后再由现场报数产生随机种子。"]], "subtitle")
    replaced = ""
    if old is not None:
        replaced = f"原封存（{old.get(K_TIME, '')}，输入核验码 {old.get(K_CODE)}）作废"
        spec.add(3, 1, [[f"重新封存：{replaced}，以本页为准。"]], "note")
    spec.add(4, 1, [["项目", "内容"]], "header")
    spec.add(5, 1, [[K_TIME, stamp], [K_COUNT, f"{n}（男 {boys}，女 {n - boys}）"], ["班级数", str(params.n_classes)],
                    ["双胞胎申请", f"{len(roster.twin_groups)} 组"], ["成绩科目", "、".join(params.subjects) or "（无）"],
                    [K_CODE, code]], "body")
    spec.add(12, 1, [[f"输入核验码：{code}"]], "title")
    spec.add(13, 1, [["输入核验码由参数、全部学生信息和双胞胎申请算出，"], ["封存之后任何一处改动，编班时都会被发现，软件拒绝编班。"],
                     ["“编班记录”上会印出同一个输入核验码（封存核验码），请核对。"]], "note")
    spec.add(17, 1, [["监督人员签字：________________    ________________"]], "sign")
    spec.add(19, 1, [["　　　　　　　________________    ________________"]], "sign")
    spec.add(21, 1, [["教务处（经办人）：____________    日期：____年__月__日"]], "sign")
    spec.col_widths = {1: 16, 2: 50}
    upd = BookUpdate(sheets=[fit_titles(spec)])
    what = f"数据封存：{n} 名学生，输入核验码 {code}" + (f"（重新封存，{replaced}）" if replaced else "")
    upd.record_rows += append_rows(book, [(stamp, what)])
    upd.messages += [f"数据已封存（{stamp}）：{n} 名学生，{params.n_classes} 个班。",
                     f"输入核验码：{code}",
                     f"请打印“{SHEET_SEAL}”，请监督人员核对签字，然后请家长代表报数作为随机种子，再编班。"]
    if replaced:
        upd.messages.append(f"这是重新封存：{replaced}，原来签字的封存单不再有效，请重新打印签字。")
    return upd


def check_seal(book: RawBook, roster: Roster) -> tuple[dict[str, str], str] | None:
    """On a sealed book: (seal, input 核验码 now) when the input still matches, UserError when it
    changed after sealing; None when the book is not sealed."""
    seal = read_seal(book)
    if seal is None:
        return None
    _, code = input_code(roster)
    if code != seal.get(K_CODE):
        fail(SHEET_SEAL, f"输入数据在封存（{seal.get(K_TIME, '')}）之后被改动过：封存时的输入核验码是 {seal.get(K_CODE)}，现在是 {code}。没有编班。",
             "请查明改动（参数设置、学生名单或双胞胎）并经监督人员同意；改正后重新“数据封存”（bianban seal），打印签字，再编班。")
    return seal, code
