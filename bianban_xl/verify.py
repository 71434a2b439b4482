"""The on-site checks ``verify`` adds: 插班 replay, the lottery, the lock fingerprints, and on-site
sheets left stale by a later change (教师搭配 classes without a lottery, a 公示名单 that no longer
matches the classes)."""
from __future__ import annotations

from bianban_xl.model import schema as S
from bianban_xl.onsite.update import text
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Roster


def onsite_checks(book: RawBook, roster: Roster) -> tuple[bool, list[str]]:
    from bianban_xl.onsite.late import verify_late
    from bianban_xl.onsite.lock import verify_lock
    from bianban_xl.onsite.lottery import verify_lottery

    ok, out = True, []
    for check in (lambda: verify_late(book, roster), lambda: verify_lottery(book), lambda: verify_lock(book),
                  lambda: stale_checks(book, roster)):
        good, lines = check()
        ok = ok and good
        out += lines
    return ok, out


def stale_checks(book: RawBook, roster: Roster) -> tuple[bool, list[str]]:
    """教师搭配 showing classes although there is no 抽签记录 (e.g. re-assigned since), and a
    公示名单 whose classes, names or head teachers differ from the workbook now."""
    from bianban_xl.onsite.reassign import team_classes

    ok, out = True, []
    if team_classes(book) and S.SHEET_DRAW_LOG not in book.sheets:
        ok = False
        out.append(f"“{S.SHEET_TEAMS}”的班级一栏填有班级，但工作簿中没有“{S.SHEET_DRAW_LOG}”：这些班级来自一次已作废的抽签"
                   f"（例如之后重新编过班），不代表现在的分班。处理办法：重新进行班主任抽签（会重新填写班级）。")
    good, lines = _public_current(book, roster)
    return ok and good, out + lines


def _public_current(book: RawBook, roster: Roster) -> tuple[bool, list[str]]:
    import re

    from bianban_xl.onsite.lottery import head_of_class_from_log
    from bianban_xl.onsite.public_list import mask_name

    sh = book.sheets.get(S.SHEET_PUBLIC)
    if sh is None or roster.params is None:
        return True, []
    names = roster.params.names()
    heads = head_of_class_from_log(book) or {}
    want = {c: [(mask_name(s.name), s.gender) for s in roster.students if s.klass == c] for c in names}
    got: dict[str, list[tuple[str, str]]] = {}
    got_head: dict[str, str] = {}
    head = ""
    for row in sh.rows:
        first = text(row[0]) if row else ""
        if first.startswith("班主任："):
            m = re.match(r"班主任：(\S+)", first)
            head = m.group(1) if m else ""
        elif first.isdigit() and len(row) >= 4:
            c = text(row[1])
            got.setdefault(c, []).append((text(row[2]), text(row[3])))
            got_head[c] = head
    bad = [c for c in names if got.get(c, []) != want[c]]
    bad += sorted(c for c in got if c not in names)
    out = []
    if bad:
        out.append(f"“{S.SHEET_PUBLIC}”中 {'、'.join(bad)} 的名单与现在学生名单的班级不一致（公示名单是在分班改动之前生成的，或被改动过）。")
    wrong_head = [c for c in names if c in got_head and got_head[c] != (heads.get(c) or "（待抽签）")]
    if wrong_head:
        out.append(f"“{S.SHEET_PUBLIC}”中 {'、'.join(wrong_head)} 的班主任与“{S.SHEET_DRAW_LOG}”不一致"
                   + ("" if heads else f"（现在没有“{S.SHEET_DRAW_LOG}”，应为“（待抽签）”）") + "。")
    if out:
        out.append(f"处理办法：点击“公示导出”（或运行 bianban public）重新生成“{S.SHEET_PUBLIC}”，重新打印张贴。")
        return False, out
    return True, []
