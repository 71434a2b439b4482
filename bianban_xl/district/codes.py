"""全区核查 against the 核验码 schools reported on paper: a workbook with a sheet of 学校 | 核验码
rows (the code each school's supervisors signed). Each school's result file must give the same
code (the short form of its recorded 结果指纹); a different code means the file sent up is not
the one signed on the day."""
from __future__ import annotations

import re
from pathlib import Path

from bianban_xl.model.codes import normalize_code
from bianban_xl.model.problems import fail
from bianban_xl.model.raw_book import RawBook
from bianban_xl.onsite.state import text

_SCHOOL_HEADS = ("学校", "学校名称", "校名")
_CODE_HEADS = ("核验码", "结果核验码")


def school_key(name: str) -> str:
    """A school's name (or file name) as matched against a table the district typed: no spaces."""
    return re.sub(r"[\s\u3000]+", "", name or "")



def find_table(book: RawBook, required: tuple[tuple[str, ...], ...], optional: tuple[tuple[str, ...], ...] = ()):
    """The first sheet (in workbook order) with a header row among its first 10 rows holding one
    name of each ``required`` set: (sheet, header row, [0-based column per required set],
    [0-based column or None per optional set]); None when no sheet has such a row."""
    for sheet in (book.sheets[n] for n in book.order):
        for r, row in enumerate(sheet.rows[:10], start=1):
            cells = [text(v) for v in row]
            found = [next((i for i, c in enumerate(cells) if c in heads), None) for heads in required]
            if None in found:
                continue
            return sheet, r, found, [next((i for i, c in enumerate(cells) if c in heads), None) for heads in optional]
    return None


def read_reported_codes(book: RawBook) -> dict[str, tuple[str, str, int]]:
    """{school key: (school as written, code, row)} from the first sheet with 学校 and 核验码 columns."""
    table = find_table(book, (_SCHOOL_HEADS, _CODE_HEADS))
    if table is not None:
        sheet, r, (sc, cc), _ = table
        out: dict[str, tuple[str, str, int]] = {}
        for rr in range(r + 1, sheet.n_rows + 1):
            school, code = text(sheet.cell(rr, sc + 1)), text(sheet.cell(rr, cc + 1))
            if school or code:
                out[school_key(school)] = (school, normalize_code(code), rr)
        return out
    fail(Path(book.source).name, "找不到“学校 | 核验码”表头。",
         "请在第一行写表头：学校、核验码，每所学校一行，填签字页上的结果核验码（如 7KQM-2XHD-95RT）。")


def compare_codes(checks: list, reported: dict[str, tuple[str, str, int]], codes_name: str,
                  new_check, fail_level: str, review_level: str) -> list:
    """Flag each school whose file's code differs from the reported one, files of schools that
    reported nothing, and reported schools without a file. Returns checks for the latter."""
    seen: set[str] = set()
    for c in checks:
        keys = [k for k in (school_key(c.school), school_key(Path(c.relative).stem)) if k]
        hit = next((k for k in keys if k in reported), None)
        if not getattr(c, "code", ""):
            continue                                 # not a result book: already flagged
        if hit is None:
            c.add(review_level, "核验码", f"“{codes_name}”中没有这所学校报送的核验码（文件算出的结果核验码为 {c.code}）。"
                  "处理办法：请学校报送签字页上的结果核验码。")
            continue
        seen.add(hit)
        school, code, row = reported[hit]
        if code != c.code:
            c.add(fail_level, "核验码不符", f"学校在纸面上报送的结果核验码是 {code}（“{codes_name}”第{row}行），"
                  f"这个文件算出的是 {c.code}：报送的文件不是现场签字的那一份（或核验码抄错）。处理办法：请学校说明并报送签字时的原始文件。")
    extra = []
    for k, (school, code, row) in reported.items():
        if k not in seen:
            chk = new_check(f"（{codes_name}）{school}")
            chk.school = school
            chk.add(review_level, "核验码", f"“{codes_name}”第{row}行报送了{school}的核验码 {code}，但文件夹中没有这所学校的结果文件。"
                    "处理办法：请学校报送结果文件。")
            extra.append(chk)
    return extra
