"""批量编班 with seeds from the room: a workbook of 学校 | 随机种子 (| 种子来源) rows, one per school.

A sealed workbook (数据封存) takes its seed from the room — digits called out after the supervisors
signed the input 核验码 — never from the computer or from 参数设置; so a batch cannot draw one for
it. When the schools' seeds are called out on their own sites (or one by one in the district's
room), the officer types them into this table and ``bianban batch 文件夹 -o 结果 --seeds 种子表.xlsx``
assigns every school with its own seed, recorded with its source in each 编班记录. Schools are
matched by file name or by 学校名称 in 参数设置, as ``district --codes`` matches them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bianban_xl.district.codes import find_table, school_key
from bianban_xl.model.problems import fail, Report, UserError
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.called_digits import parse_called_digits
from bianban_xl.onsite.state import text

_SCHOOL_HEADS = ("学校", "学校名称", "校名", "文件", "文件名")
_SEED_HEADS = ("随机种子", "种子")
_SOURCE_HEADS = ("种子来源", "来源")
DEFAULT_SOURCE = "现场报数"


@dataclass(frozen=True)
class SchoolSeed:
    school: str        # as written in the table
    seed: int
    source: str        # 种子来源 as written, else DEFAULT_SOURCE
    row: int           # sheet row, for messages


def read_school_seeds(book: RawBook) -> dict[str, SchoolSeed]:
    """{school key: SchoolSeed} from the first sheet with 学校 and 随机种子 columns in its first 10
    rows. Raises UserError naming sheet and row for a seed that is not a whole number in range, a
    school listed twice, or a table without those headers."""
    name = Path(book.source).name
    table = find_table(book, (_SCHOOL_HEADS, _SEED_HEADS), (_SOURCE_HEADS,))
    if table is not None:
        sheet, r, (sc, kc), (oc,) = table
        return _rows(sheet, r, sc, kc, oc)
    fail(name, "种子表中找不到“学校 | 随机种子”表头。",
         "请在第一行写表头：学校、随机种子（可再加一列 种子来源），每所学校一行，填现场报出的数字。")


def _rows(sheet, header_row: int, sc: int, kc: int, oc: int | None) -> dict[str, SchoolSeed]:
    out: dict[str, SchoolSeed] = {}
    rep = Report()
    for r in range(header_row + 1, sheet.n_rows + 1):
        school, raw = text(sheet.cell(r, sc + 1)), text(sheet.cell(r, kc + 1))
        if not raw:                                # no seed for this school: as if not listed
            continue
        try:
            seed = parse_called_digits(raw)        # the one reader of digits called out in the room
        except ValueError:
            seed = -1
        if not school:
            rep.error(sheet.name, f"第{r}行有随机种子 {raw}，但没有写学校。", "请填写学校名称（与参数设置中的学校名称或文件名相同）。", row=r)
        elif seed is None or seed < 0:
            rep.error(sheet.name, f"第{r}行（{school}）的随机种子“{raw}”不是一串数字（0 到 9223372036854775807）。",
                      "请填写现场报出的数字；太长的数字请把单元格设为“文本”后再填，以免 Excel 改成科学计数法。",
                      row=r, col=kc + 1)
        elif school_key(school) in out:
            rep.error(sheet.name, f"第{r}行的学校“{school}”在第{out[school_key(school)].row}行已经出现过。",
                      "每所学校只填一行；请删去多余的一行。", row=r, col=sc + 1)
        else:
            source = text(sheet.cell(r, oc + 1)) if oc is not None else ""
            out[school_key(school)] = SchoolSeed(school, seed, source or DEFAULT_SOURCE, r)
    if rep.errors:
        raise UserError(rep)
    return out


def seed_for(seeds: dict[str, SchoolSeed], file_stem: str, school: str = "") -> SchoolSeed | None:
    """The table's seed for a school's file (by file name first, then by 学校名称)."""
    for k in (school_key(file_stem), school_key(school)):
        if k and k in seeds:
            return seeds[k]
    return None
