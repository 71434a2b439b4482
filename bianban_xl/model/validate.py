"""RawBook → Roster + every problem found, with sheet, row/cell and fix in Chinese.

Like scikit-learn's input checks: all problems at once, each one precise and actionable. Nothing
here modifies the workbook.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

from bianban_xl.model import schema as S
from bianban_xl.model.groups import unit_roots
from bianban_xl.model.id_card import id_card_facts
from bianban_xl.model.intake import STANDARD_CAP, grade_kind, intake_window
from bianban_xl.model.names import normalize_name, same_name_groups, same_sound_groups, sound_groups_to_part
from bianban_xl.model.called_digits import parse_called_digits
from bianban_xl.model.cellref import cell_ref, range_ref
from bianban_xl.model.problems import Report
from bianban_xl.model.raw_book import RawBook, RawSheet
from bianban_xl.model.records import Params, Roster, Student, TwinGroup
from bianban_xl.model.text_safety import check_text_safety

MAX_LISTED = 30          # per kind of cell problem (formulas, merged) before summarising
_SHEET_BAD_CHARS = set('[]:*?/\\')
_HALF_DIGITS = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}          # ０-９ → 0-9
_HALF_WIDTH = {**_HALF_DIGITS, **{c: c - 0xFEE0 for c in [*range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}}   # and Ａ-ｚ
_NON_SCORE_HINTS = ("号", "电话", "手机", "证", "码", "邮编", "年龄", "年份", "序", "班", "身高", "体重", "视力")
# numeric columns worked out from the scores, which exports from the admission system usually
# carry next to them: a rank is never balanced as a score; a total or an average only when it is
# the one score column there is (the engine works out and balances the total of the subjects)
_RANK_HINTS = ("名次", "排名", "位次", "排序", "排位")
_TOTAL_HINTS = ("总", "合计", "平均", "均分")


def _is_rank(head: str) -> bool:
    return any(h in head for h in _RANK_HINTS)


def _is_total(head: str) -> bool:
    return not _is_rank(head) and any(h in head for h in _TOTAL_HINTS)


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


_SPACES = re.compile(r"[\u3000\s]+")


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat()
    return _SPACES.sub(" ", str(v)).strip()


def _number(v) -> float | None:
    """A cell as a number, or None if it is not one (text digits accepted)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else None          # nan, inf: not a number anyone typed
    if isinstance(v, str):
        t = v.strip().replace("，", ".").replace("．", ".")
        t = t.translate(_HALF_DIGITS)
        try:
            x = float(t)
        except ValueError:
            return None
        return x if math.isfinite(x) else None             # "inf", "nan", "1e309"
    return None


def _year_month(x: float) -> date | None:
    """The first of the month a number names when a birth year and month are typed as one (as
    出生年月 columns are filled): 2012.04, 2012.3 or 201204. 2011.1 is October here: Excel keeps
    2011.10 as 2011.1 (:func:`_one_tenth`; the roster reader settles it by the intake year)."""
    if x == int(x) and 190001 <= x <= 210012:
        y, m = divmod(int(x), 100)
    elif 1900 <= x < 2101 and abs(x * 100 - round(x * 100)) < 1e-4:
        y, h = divmod(round(x * 100), 100)
        m = h // 10 if h % 10 == 0 and h != 10 else h      # 2012.3 is March, 2012.12 December
    else:
        return None
    return date(y, m, 1) if 1 <= m <= 12 else None


def _one_tenth(x: float) -> bool:
    """2011.1: January typed 2011.1, or October typed 2011.10 — a number cannot tell."""
    return x != int(x) and round(x * 100) % 100 == 10


def _year_month_number(v) -> float | None:
    """The number behind a birth cell holding a year and month typed as a number (2012.04, 201204),
    also in a cell with a date format, where Excel shows 2012.04 as a day of 1905; else None."""
    if isinstance(v, datetime) and not 1906 <= v.year <= 2100:    # no pupil is born then: a serial
        v = (v - datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and _year_month(v):
        return float(v)
    return None


def month_only(v) -> bool:
    """Whether a birth cell gives a year and month but no day (2012.04, 2012年4月, 201204)."""
    if _year_month_number(v) is not None:
        return True
    t = "" if _blank(v) or not isinstance(v, str) else v.strip().translate(_HALF_DIGITS)
    return re.fullmatch(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*月?|\d{6}", t) is not None


def parse_date(v) -> date | None | str:
    """A birth date from a cell; returns a date, None for blank, or the string 'bad'. A year and
    month without a day (:func:`month_only`) is read as the first of the month."""
    if _blank(v):
        return None
    ym = _year_month_number(v)
    if ym is not None:
        return _year_month(ym)
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        n = int(v)
        if 19000101 <= n <= 21001231:            # 20130512
            return parse_date(str(n))
        if 20000 <= n <= 80000:                   # Excel serial day number
            return date(1899, 12, 30) + timedelta(days=n)
        return "bad"
    t = str(v).strip().translate(_HALF_DIGITS)
    if _is_day_number(t):                         # "41518": a date pasted as values into a text cell
        return parse_date(int(t))
    t = re.sub(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", "", t)   # "2013-09-01 00:00:00" (a date exported as text)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?", t)
    if not m and re.fullmatch(r"\d{8}", t):
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", t)
    if not m and re.fullmatch(r"\d{6}", t):
        m = re.fullmatch(r"(\d{4})(\d{2})()", t)
    if not m:
        return "bad"
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    try:
        return date(y, mo, d)
    except ValueError:
        return "bad"


def _cell_issues(sheet: RawSheet, first_row: int, last_col: int, report: Report) -> None:
    """Formulas and merged cells where values are expected."""
    found = sorted((r, c) for (r, c) in sheet.formulas if r >= first_row and c <= last_col)
    for r, c in found[:MAX_LISTED]:
        report.error(sheet.name, "这里是公式，本工具只读取数值。",
                     "请复制整列后用“选择性粘贴 → 数值”替换公式。", row=r, col=c)
    if len(found) > MAX_LISTED:
        report.error(sheet.name, f"另有 {len(found) - MAX_LISTED} 个单元格是公式（共 {len(found)} 个）。",
                     "请将数据区全部“选择性粘贴 → 数值”。")
    for (r1, c1, r2, c2) in sheet.merged:
        if r2 >= first_row and c1 <= last_col:
            report.error(sheet.name, f"合并单元格 {range_ref(r1, c1, r2, c2)}：每个学生、每个参数要占独立的单元格。",
                         "请取消合并，并在每一行填上相应的值。", row=r1, col=c1)


def _header_row(sheet: RawSheet, synonyms: dict, must: str, scan: int = 10,
                weak: dict | None = None) -> tuple[int, dict[str, int], dict[int, str]]:
    """Find the header row (the first one naming ``must``). Returns (row, canon->col, col->header):
    the first column naming each field, a ``weak`` synonym only when no other header names it."""
    for r in range(1, min(scan, sheet.n_rows) + 1):
        row = sheet.rows[r - 1]
        cols: dict[str, int] = {}
        raw: dict[int, str] = {}
        for c, v in enumerate(row, start=1):
            if _blank(v):
                continue
            raw[c] = _text(v)
            canon = S.resolve(v, synonyms)
            if canon and (canon not in cols or S.is_weak(raw[cols[canon]], canon, weak or {})
                          and not S.is_weak(v, canon, weak or {})):
                cols[canon] = c
        if must in cols:
            return r, cols, raw
    return 0, {}, {}


# --- 参数设置 -------------------------------------------------------------------------------
def read_params(book: RawBook, report: Report) -> tuple[Params | None, dict[str, tuple[int, object]]]:
    name = S.resolve_sheet(book.order, S.SHEET_PARAMS)
    if name is None:
        bare = S.resolve_sheet(book.order, S.SHEET_ROSTER) or _roster_like_sheet(book)
        fix = (f"这个文件像是导出的学生名单：请生成输入模板（`bianban template 编班.xlsx`，或网页界面中的“新建空白模板”），"
               f"在模板的“{S.SHEET_PARAMS}”中填写班级数等，再把“{bare}”中的名单复制到模板的“{S.SHEET_ROSTER}”。"
               if bare else f"请添加名为“{S.SHEET_PARAMS}”的工作表（两列：参数 | 值），或用 `bianban template` 生成模板。")
        report.error("", f"缺少工作表“{S.SHEET_PARAMS}”。", fix)
        return None, {}
    found = _param_cells(name, book.sheets[name], report)

    def cell_of(key):
        return found.get(key, (None, None))

    n_classes = _classes_param(name, *cell_of(S.P_CLASSES), report)
    ok = n_classes > 0
    cap = _int_param(name, S.P_CAP, *cell_of(S.P_CAP), 1, None, "正整数",
                     "请填写每班最多人数（小学 45，初中 50），或留空使用默认 50。", report, CAP_UNITS)
    seed = _int_param(name, S.P_SEED, *cell_of(S.P_SEED), 0, 2 ** 63, "非负整数",
                      "请填写一个整数（可由现场家长代表报数），或留空由电脑随机抽取。", report, called=True)
    ok = ok and cap is not False and seed is not False
    cap = S.PARAM_DEFAULT_CAP if cap is None or cap is False else cap
    seed = None if seed is False else seed
    subjects: list[str] = []
    r, v = cell_of(S.P_SUBJECTS)
    if r is not None and not _blank(v):
        subjects = [s.strip() for s in re.split(r"[,，、;；\s]+", _text(v)) if s.strip()]
        twice = sorted({s for s in subjects if subjects.count(s) > 1}, key=subjects.index)
        if twice:                                     # a subject counted twice would weigh double
            report.warn(name, f"“{S.P_SUBJECTS}”中“{'”“'.join(twice)}”写了不止一次，按一次计。", "请删去重复的科目。",
                        row=r, col=2)
            subjects = list(dict.fromkeys(subjects))

    def yes_no(key: str) -> bool | None:
        """A 是/否 parameter: False when blank, None (reported) when not a yes/no."""
        r, v = cell_of(key)
        if r is None or _blank(v):
            return False
        yn = S.parse_yes_no(v)
        if yn is None:
            report.error(name, f"“{key}”应填“是”或“否”，现在是“{_text(v)}”。", "请填“是”或“否”。", row=r, col=2)
        return yn

    sep, fuzzy, show = yes_no(S.P_HOMOPHONE), yes_no(S.P_FUZZY), yes_no(S.P_SHOW_SCORES)
    ok = ok and sep is not None and fuzzy is not None and show is not None
    r, v = cell_of(S.P_CLASS_COLUMNS)
    class_columns = [] if r is None or _blank(v) else [c.strip() for c in re.split(r"[,，、;；]+", _text(v)) if c.strip()]
    class_names: list[str] = []
    r, v = cell_of(S.P_CLASS_NAMES)
    if r is not None and not _blank(v):
        class_names = [s.strip() for s in re.split(r"[,，、;；]+", _text(v)) if s.strip()]
        ok = _class_names_ok(book, name, r, class_names, n_classes, report) and ok
    school = _text(cell_of(S.P_SCHOOL)[1])
    grade = _text(cell_of(S.P_GRADE)[1])
    full_default, full_marks = _full_marks(name, *cell_of(S.P_FULL_MARKS), report)
    ok = ok and full_default is not None
    return Params(n_classes=n_classes, school_name=school, grade_name=grade, cap=cap, seed=seed,
                  subjects=subjects, separate_homophones=bool(sep), class_names=class_names,
                  fuzzy_homophones=bool(fuzzy), show_scores=bool(show), class_columns=class_columns, full_marks=full_marks,
                  full_mark_default=full_default or float(S.DEFAULT_FULL_MARKS)), found if ok else {"_invalid": (0, None)}


def _param_cells(name: str, sh: RawSheet, report: Report) -> dict[str, tuple[int, object]]:
    """{parameter: (row, value)} of 参数设置 (a parameter named twice is reported, the first kept)."""
    _cell_issues(sh, 1, 2 + 1, report)
    found: dict[str, tuple[int, object]] = {}
    unknown: list[tuple[int, int, str]] = []
    for r, row in enumerate(sh.rows, start=1):
        cells = [(c, v) for c, v in enumerate(row, start=1) if not _blank(v)]
        if not cells:
            continue
        c0, key = cells[0]
        canon = S.resolve(key, S.PARAM_SYNONYMS) or S.resolve(_bare_label(key), S.PARAM_SYNONYMS)
        if canon is None:
            label = _bare_label(key)
            if r > 1 and label not in _OTHER_PARAM_LABELS and len(cells) > 1 and cells[1][0] == c0 + 1:
                unknown.append((r, c0, _text(key)))     # a label with a value beside it, read by nobody
            continue
        if canon in found:
            report.error(name, f"参数“{canon}”填写了两次（第{found[canon][0]}行和第{r}行）。", "请删除多余的一行。", row=r)
            continue
        found[canon] = (r, sh.cell(r, c0 + 1))
    for r, c, label in unknown:
        report.warn(name, f"参数“{label}”无法识别，这一行没有用上。",
                    f"参数名请用：{'、'.join(S.PARAM_SYNONYMS)} 之一；不需要的行请删除。", row=r, col=c)
    return found


_OTHER_PARAM_LABELS = ("参数", S.P_TEACH_SUBJECTS, "说明", "备注")


def _bare_label(key: object) -> str:
    """A 参数设置 label without what registrars add to it: 随机种子：, 班级数（个）, 同音分开(是/否)."""
    t = re.sub(r"[\s:：]+$", "", _text(key))
    return re.sub(r"\s*[(（][^()（）]*[)）]$", "", t).strip()


def _with_unit(v, units: tuple[str, ...]):
    """``v`` without one trailing unit a registrar may type after a number (12个班, 50人, 120分)."""
    if isinstance(v, str):
        t = v.strip()
        for u in sorted(units, key=len, reverse=True):
            if t.endswith(u) and t[:-len(u)].strip():
                return t[:-len(u)].strip()
    return v


CLASS_UNITS = ("个班", "个", "班")
CAP_UNITS = ("人", "名", "人/班", "人每班", "名/班")
MARK_UNITS = ("分",)


def _classes_param(name: str, r: int | None, v, report: Report) -> int:
    """班级数, a required whole number from 1; 0 (reported) when missing, blank or wrong."""
    if r is None:
        report.error(name, f"缺少参数“{S.P_CLASSES}”。", f"请在“{name}”中加一行：{S.P_CLASSES} | 班级个数（如 12）。")
        return 0
    num = _number(_with_unit(v, CLASS_UNITS))
    if _blank(v):
        report.error(name, f"“{S.P_CLASSES}”没有填写。", "请填写要编的班级个数，如 12。", row=r, col=2)
        return 0
    if num is None or not float(num).is_integer() or num < 1:
        report.error(name, f"“{S.P_CLASSES}”应为不小于 1 的整数，现在是“{_text(v)}”。", "请填写班级个数，如 12。", row=r, col=2)
        return 0
    return int(num)


def _int_param(name: str, key: str, r: int | None, v, lo: int, hi: int | None, kind: str, fix: str,
               report: Report, units: tuple[str, ...] = (), called: bool = False) -> int | None | bool:
    """An optional whole-number parameter in [lo, hi), perhaps followed by one of ``units``: None
    when absent or blank, False (reported) when not such a number. ``called`` (the 随机种子): digits
    typed as text with leading zeros ("0012") are kept as typed (a CalledSeed: 12 for computing,
    0012 on every record), as a seed called out in the room is."""
    if r is None or _blank(v):
        return None
    bare = _with_unit(v, units)
    typed = None                            # the digits, when typed as text that is digits only
    if isinstance(bare, str) and re.fullmatch(r"\d+", digits := bare.strip().translate(_HALF_DIGITS)):
        num = int(digits)                   # exact: float() rounds 12345678901234567 to ...568
        typed = digits
    elif isinstance(bare, float) and bare >= 1e15 and not isinstance(v, bool):
        report.error(name, f"“{key}”{bare:.0f} 超过 15 位，Excel 只保留数字的前 15 位，后几位可能已被改动。",
                     "请先把这个单元格设为“文本”格式，再输入完整的数字；或用不超过 15 位的数字。", row=r, col=2)
        return False
    else:
        num = _number(bare)
    if num is None or not float(num).is_integer() or num < lo or (hi is not None and num >= hi):
        report.error(name, f"“{key}”应为{kind}，现在是“{_text(v)}”。", fix, row=r, col=2)
        return False
    if called and typed is not None:
        return parse_called_digits(typed)   # 0012 kept as typed (a CalledSeed), 12 a plain int
    return int(num)


def _class_names_ok(book: RawBook, name: str, r: int, class_names: list[str], n_classes: int, report: Report) -> bool:
    """Whether the 班级名称 fit: as many as classes, no two alike, each usable as a sheet name."""
    ok = True
    if n_classes and len(class_names) != n_classes:
        report.error(name, f"“{S.P_CLASS_NAMES}”列出了 {len(class_names)} 个班名，但“{S.P_CLASSES}”是 {n_classes}。",
                     "请让班名个数与班级数一致（用逗号分隔），或留空使用 1班、2班……", row=r, col=2)
        ok = False
    def fold(c: str) -> str:                   # 七（1）班 and 七(1)班 are one name to anyone reading the list
        return "".join(c.split()).translate(_HALF_WIDTH).replace("（", "(").replace("）", ")").casefold()

    folded = [fold(c) for c in class_names]
    dup = sorted({c for c in class_names if folded.count(fold(c)) > 1})
    if dup:
        report.error(name, f"班级名称重复：{'、'.join(dup)}。", "每个班名只能出现一次。", row=r, col=2)
        ok = False
    taken = {n.casefold(): n for n in (*S.INPUT_SHEETS, *S.RESULT_SHEETS)}
    taken.update((n.casefold(), n) for canonical in (S.SHEET_PARAMS, S.SHEET_ROSTER, S.SHEET_TWINS, S.SHEET_TEACHERS)
                 if (n := S.resolve_sheet(book.order, canonical)))
    for cn in class_names:
        if len(cn) > S.EXCEL_SHEET_NAME_MAX or set(cn) & _SHEET_BAD_CHARS or cn.startswith("'") or cn.endswith("'"):
            report.error(name, f"班级名称“{cn[:40]}{'…' if len(cn) > 40 else ''}”不能用作工作表名"
                               f"（Excel 规定：最长 {S.EXCEL_SHEET_NAME_MAX} 个字，不能含 [ ] : * ? / \\，不能以 ' 开头或结尾）。",
                         "请改一个班名。", row=r, col=2)
            ok = False
        elif cn.casefold() in taken:
            report.error(name, f"班级名称“{cn}”与工作表“{taken[cn.casefold()]}”同名（工作表名不区分大小写），"
                               "每个班的名单要单独占一张工作表。",
                         f"请改一个班名，不要用这些名称：{'、'.join(sorted(set(taken.values())))}。", row=r, col=2)
            ok = False
    return ok


def _full_marks(sheet: str, r: int | None, v, report: Report) -> tuple[float | None, dict[str, float]]:
    """成绩满分: blank → 100 for every subject; one number → every subject; ``语文:120,数学:120``
    → per subject (others 100). (None, {}) after reporting an error."""
    default = float(S.DEFAULT_FULL_MARKS)
    if r is None or _blank(v):
        return default, {}
    fix = f"请填写一个数（如 150），或按科目写成 语文:120,数学:120,英语:100；不填为 {S.DEFAULT_FULL_MARKS}。"
    num = _number(_with_unit(v, MARK_UNITS))
    if num is not None:
        if num <= 0:
            report.error(sheet, f"“{S.P_FULL_MARKS}”应为正数，现在是“{_text(v)}”。", fix, row=r, col=2)
            return None, {}
        return float(num), {}
    marks: dict[str, float] = {}
    for part in (p.strip() for p in re.split(r"[,，、;；]+", _text(v)) if p.strip()):
        m = re.fullmatch(r"(.+?)\s*[:：=]\s*(\S+)", part) or re.fullmatch(r"(\D+?)\s*(\d[\d.]*\s*分?)", part)
        x = _number(_with_unit(m.group(2), MARK_UNITS)) if m else None
        if m is None or x is None or x <= 0:
            report.error(sheet, f"“{S.P_FULL_MARKS}”中的“{part}”看不懂。", fix, row=r, col=2)
            return None, {}
        marks[m.group(1).strip()] = float(x)
    return default, marks


# --- 学生名单 -------------------------------------------------------------------------------
def _detect_subjects(sh: RawSheet, header_row: int, raw: dict[int, str], known_cols: set[int],
                     name_col: int) -> tuple[list[str], list[str]]:
    """(subjects, numeric columns left out): the columns of numbers (or 缺考) that are no id,
    phone, date or age; of them ranks never, and totals or averages only when no subject column
    is there (then the first of them alone)."""
    heads = _numeric_columns(sh, header_row, raw, known_cols, name_col)
    subjects = [h for h in heads if not _is_rank(h) and not _is_total(h)]
    if not subjects:
        subjects = [h for h in heads if _is_total(h)][:1]
    return subjects, [h for h in heads if h not in subjects]


def _numeric_columns(sh: RawSheet, header_row: int, raw: dict[int, str], known_cols: set[int],
                     name_col: int) -> list[str]:
    """The headers of the columns whose values, in the rows of a named student, are numbers of 0 to
    1,000 or 缺考 (a 合计 row under the list, or a note in a blank row, does not count)."""
    subjects = []
    rows = [r for r in sh.value_rows(header_row + 1) if not _blank(sh.cell(r, name_col))]
    for c, head in raw.items():
        if c in known_cols or any(h in head for h in _NON_SCORE_HINTS):
            continue
        values = [sh.cell(r, c) for r in rows]
        filled = [v for v in values if not _blank(v)]
        if not filled:
            continue
        nums = [_number(_with_unit(v, MARK_UNITS)) for v in filled]
        numeric = [x for x in nums if x is not None]
        missing = [v for v in filled if isinstance(v, str) and v.strip() in S.MISSING_SCORE_WORDS]
        if len(numeric) >= 0.8 * (len(filled) - len(missing)) and numeric and max(numeric) <= 1000 and min(numeric) >= 0:
            subjects.append(head)
    return subjects


def read_roster(book: RawBook, params: Params | None, report: Report) -> tuple[list[Student], list[str], int, str]:
    students, columns, hr, name, _ = _read_roster(book, params, report)
    return students, columns, hr, name


def _read_roster(book: RawBook, params: Params | None, report: Report):
    """(students, columns, header row, sheet name, layout) of 学生名单; problems into ``report``."""
    name, sh, hr, cols, raw = _roster_header(book, report)
    if sh is None:
        return [], [], hr, name, {}
    last_col = max(raw) if raw else 1
    known_cols = set(cols.values())
    if params is not None:
        _roster_subjects(params, name, sh, hr, raw, known_cols, cols[S.C_NAME], report)
    subjects = params.subjects if params else []
    rows = _RosterRows(sh, name, cols, raw, subjects, params, report)
    students: list[Student] = []
    for r in sh.value_rows(hr + 1):
        row = sh.rows[r - 1]
        if all(_blank(v) for v in row[:last_col]):
            continue
        student = rows.read(r)
        if student is not None:
            students.append(student)
    _score_range_problems(name, params, rows.over, rows.zeros, report)
    if rows.nameless > MAX_LISTED:
        report.error(name, f"另有 {rows.nameless - MAX_LISTED} 行有数据但“姓名”为空（共 {rows.nameless} 行）。",
                     "请补上姓名，或删除这些行。")
    if rows.only_id:
        report.warn(name, f"第 {_row_spans(rows.only_id)} 行只有{rows.number_head}，没有学生，当作空行跳过。",
                    "如果其中有学生，请补上姓名、性别等；否则可不管或删除这些行。")
    if rows.birth_from_card:
        n, src = len(rows.birth_from_card), rows.card_head
        if S.C_BIRTH not in cols:
            report.warn(name, f"名单没有“出生日期”列：已从“{src}”读出 {n} 名学生的出生日期，用于均衡各班的平均出生日期。",
                        "请抽查几名学生；不需要均衡出生日期时可不管。")
        else:
            report.warn(name, f"第 {_row_spans(rows.birth_from_card)} 行的出生日期为空，已从“{src}”读出（{n} 名学生）。",
                        "请核对；也可在出生日期列补上。", row=rows.birth_from_card[0], col=cols[S.C_BIRTH])
    if rows.gender_from_card:
        report.warn(name, f"第 {_row_spans(rows.gender_from_card)} 行的性别为空，已从“{rows.card_head}”读出"
                          f"（{len(rows.gender_from_card)} 名学生）。",
                    "请核对；也可在性别列补上。", row=rows.gender_from_card[0], col=cols.get(S.C_GENDER))
    if rows.card_numbers:
        report.warn(name, f"“{rows.card_head}”第 {_row_spans(rows.card_numbers)} 行是数值格式（{len(rows.card_numbers)} 个）："
                          "Excel 只保留 15 位有效数字，18 位证件号的后几位已变成 0，这些号码已不准确，没有用来读出生日期。",
                    "请把这一列设为“文本”格式后重新粘贴或录入（或从原始导出文件复制时选“文本”）。",
                    row=rows.card_numbers[0], col=rows.card_col)
    if rows.card_disagrees > MAX_LISTED:
        report.warn(name, f"另有 {rows.card_disagrees - MAX_LISTED} 处出生日期或性别与{rows.card_head}不一致（共 {rows.card_disagrees} 处）。",
                    "请核对这些学生的出生日期、性别和证件号。")
    if rows.serial_text:
        r, t, d = rows.serial_text[0]
        more = f"等 {len(rows.serial_text)} 个单元格" if len(rows.serial_text) > 1 else ""
        report.warn(name, f"出生日期第 {_row_spans([x[0] for x in rows.serial_text])} 行{more}是 Excel 的日期序号（如“{t}”= {d:%Y-%m-%d}），"
                          "已按日期读取。",
                    "这通常是日期被“选择性粘贴 → 数值”贴进了文本格式的单元格；请核对几个学生的出生日期，"
                    "也可把这一列设为日期格式后重新粘贴。", row=r, col=cols.get(S.C_BIRTH))
    if rows.year_month:
        _year_month_notice(rows.year_month, name, cols.get(S.C_BIRTH), report)
    if rows.missing_scores:
        report.warn(name, f"共有 {rows.missing_scores} 个成绩为空或“缺考”，按缺考处理（不计 0 分，不参与该科平均分）。",
                    "如有漏填请补上。")
    columns = [S.resolve(h, S.ROSTER_SYNONYMS) or h for _, h in sorted(raw.items())]
    layout = {"header_row": hr, "class_col": cols.get(S.C_CLASS, last_col + 1), "headers": dict(raw),
              "requests": rows.requests, "note_col": cols.get(S.C_NOTE)}
    return students, columns, hr, name, layout


def _roster_like_sheet(book: RawBook) -> str | None:
    """The one sheet, under another name, whose header has 姓名 and 性别 (an export's Sheet1)."""
    known = {S.resolve_sheet(book.order, c) for c in S.SHEET_SYNONYMS}
    found = [n for n in book.order if n not in known and n in book.sheets
             and {S.C_NAME, S.C_GENDER} <= set(_header_row(book.sheets[n], S.ROSTER_SYNONYMS, S.C_NAME)[1])]
    return found[0] if len(found) == 1 else None


def _roster_header(book: RawBook, report: Report) -> tuple[str, RawSheet | None, int, dict[str, int], dict[int, str]]:
    """(sheet name, sheet, header row, canon->col, col->header) of 学生名单, after the checks of the
    sheet, its header, required columns, formulas and merged cells, and repeated headers. The sheet
    is None when the roster cannot be read (the name is "" and the row 0 when unknown)."""
    name = S.resolve_sheet(book.order, S.SHEET_ROSTER)
    if name is None:
        like = _roster_like_sheet(book)
        fix = (f"工作表“{like}”有姓名、性别等列，像是学生名单：请把它改名为“{S.SHEET_ROSTER}”（右键点工作表标签 → 重命名）。"
               if like and S.resolve_sheet(book.order, S.SHEET_PARAMS) else
               f"见上一条：把“{like}”中的名单复制到模板的“{S.SHEET_ROSTER}”。" if like else f"请添加名为“{S.SHEET_ROSTER}”的工作表，第一行为表头（至少有 姓名、性别 两列），或用 `bianban template` 生成模板。")
        report.error("", f"缺少工作表“{S.SHEET_ROSTER}”。", fix)
        return "", None, 0, {}, {}
    sh = book.sheets[name]
    hr, cols, raw = _header_row(sh, S.ROSTER_SYNONYMS, S.C_NAME, weak=S.ROSTER_WEAK)
    if not hr:
        report.error(name, "找不到表头行：前 10 行中没有“姓名”列。", "请在第一行写表头：编号、姓名、性别、出生日期、毕业学校、户籍、等级、各科成绩、备注。", row=1)
        return name, None, 0, {}, {}
    for req in S.ROSTER_REQUIRED:
        if req not in cols:
            report.error(name, f"缺少必填列“{req}”。", f"请在表头行（第{hr}行）加上“{req}”一列并填写。", row=hr)
    if any(req not in cols for req in S.ROSTER_REQUIRED):
        return name, None, hr, {}, {}
    deep = sorted(m for m in sh.merged if m[0] <= hr < m[2])  # header cells merged down into the next row
    if deep:
        last = max(m[2] for m in deep)
        report.error(name, f"表头占了{last - hr + 1}行（第{hr}–{last}行，有上下合并的单元格，如 {range_ref(*deep[0])}）。",
                     "请把表头改成一行：取消合并，每列一个列名（如 姓名、性别、语文、数学），删去多余的表头行，"
                     "学生从表头的下一行开始。", row=hr, col=deep[0][1])
        return name, None, hr, {}, {}
    _cell_issues(sh, hr + 1, max(raw) if raw else 1, report)
    seen_heads: dict[str, int] = {}
    for c, head in raw.items():
        canon = S.resolve(head, S.ROSTER_SYNONYMS) or head
        if (canon in cols and cols[canon] != c and S.is_weak(head, canon, S.ROSTER_WEAK)
                and not S.is_weak(raw[cols[canon]], canon, S.ROSTER_WEAK)):
            report.warn(name, f"“{raw[cols[canon]]}”列作为{canon}；“{head}”列只当作行号，不作{canon}。",
                        f"双胞胎申请中的{canon}请按“{raw[cols[canon]]}”填写。", row=hr, col=cols[canon])
        elif canon in seen_heads:
            report.error(name, f"表头“{head}”与第{seen_heads[canon]}列重复。", "请删除或改名其中一列。", row=hr, col=c)
        else:
            seen_heads[canon] = c
    return name, sh, hr, cols, raw


def _names_subject(header: str, subject: str) -> bool:
    """Whether a column header names a subject with a word around it: 语文成绩, 数学（分）, 入学英语."""
    rest = header.replace(subject, "", 1) if subject in header else None
    return bool(rest is not None and re.fullmatch(r"[\s()（）]*(?:入学|摸底|测试|考试|期末)?(?:成绩|分数|得分|分)?[\s()（）]*", rest))


def _roster_subjects(params: Params, name: str, sh: RawSheet, hr: int, raw: dict[int, str], known_cols: set[int],
                     name_col: int, report: Report) -> None:
    """``params.subjects``: the 成绩科目 found in the header, or, when none are named, the score columns."""
    if params.subjects:
        by_head = {h: c for c, h in raw.items()}
        subjects, moved = [], []
        for s in params.subjects:
            near = [h for h in by_head if h not in params.subjects and _names_subject(h, s)]
            if s in by_head:
                subjects.append(s)
            elif len(near) == 1 and near[0] not in subjects:     # 成绩科目 语文, column 语文成绩
                subjects.append(near[0])
                moved.append(f"“{s}”按“{near[0]}”列")
                if s in params.full_marks:
                    params.full_marks[near[0]] = params.full_marks[s]
            else:
                report.error(S.SHEET_PARAMS, f"成绩科目“{s}”在“{name}”的表头中找不到。",
                             f"请让“{S.P_SUBJECTS}”中的名称与“{name}”第{hr}行的列名一致（现有列：{'、'.join(raw.values())}）。")
        if moved:
            report.warn(S.SHEET_PARAMS, f"成绩科目{'、'.join(moved)}读取（“{name}”中没有同名的列）。",
                        f"如不对，请让“{S.P_SUBJECTS}”中的名称与列名一致。")
        params.subjects = subjects
        _derived_subject_warnings(subjects, report)
        _full_marks_named(params, name, report)
    else:
        params.subjects, left = _detect_subjects(sh, hr, raw, known_cols, name_col)
        fix = f"如不对，请在“{S.SHEET_PARAMS}”中填写“{S.P_SUBJECTS}”（用逗号分隔）。"
        out = ""
        if left:
            out = (f"“{'”“'.join(left)}”看来是总分、平均分或名次，不单独作为一科参与均衡"
                   + ("（各科的总分由编班自动计算并均衡）" if len(params.subjects) > 1 else "") + "。")
        if params.subjects:
            report.warn(S.SHEET_PARAMS, f"未填写“{S.P_SUBJECTS}”，自动按成绩列均衡：{'、'.join(params.subjects)}。{out}", fix)
        elif left:
            report.warn(S.SHEET_PARAMS, f"未填写“{S.P_SUBJECTS}”，“{name}”中没有找到各科成绩列。{out}", fix)


def _full_marks_named(params: Params, roster_sheet: str, report: Report) -> None:
    """成绩满分 by subject names 成绩科目: 语数:120 or 外语:100 sets nothing, while the registrar
    believes the full marks set (then every score above 100 is an error): say so."""
    stray = [k for k in params.full_marks if k not in params.subjects and not any(
        _names_subject(s, k) and params.full_marks.get(s) == params.full_marks[k] for s in params.subjects)]
    if stray and params.subjects:
        report.warn(S.SHEET_PARAMS, f"“{S.P_FULL_MARKS}”中的“{'”“'.join(stray)}”不是成绩科目（成绩科目：{'、'.join(params.subjects)}），没有用上。",
                     f"请按成绩科目逐科写，如 {params.subjects[0]}:120；各科满分相同时只写一个数（如 120）。")


def _derived_subject_warnings(subjects: list[str], report: Report) -> None:
    """A rank named in 成绩科目, or a total / average next to the subjects it sums: allowed (the
    school decides), but said, since it is seldom meant."""
    for s in subjects:
        if _is_rank(s):
            report.warn(S.SHEET_PARAMS, f"成绩科目中的“{s}”像是名次而不是分数：编班会把名次当作分数求各班平均。",
                        f"一般应从“{S.P_SUBJECTS}”中删去“{s}”，只写各科成绩列；确实要这样可以不改。")
        elif _is_total(s) and len(subjects) > 1:
            report.warn(S.SHEET_PARAMS, f"成绩科目中的“{s}”像是各科的总分或平均分：编班已按所列各科自动计算并均衡总分，"
                        f"再把它列为一科，总分在均衡中的分量就加倍了。",
                        f"一般应从“{S.P_SUBJECTS}”中删去“{s}”；如果名单中只有这一列分数，只写“{s}”即可。")


def _school(v) -> str | None:
    """A 毕业学校 as one school is written however it was typed: no spaces inside, full-width
    digits and letters as half-width (第１小学 = 第1小学 = 第1 小学); other characters as typed."""
    t = "".join(_text(v).split()).translate(_HALF_WIDTH)
    return t or None


_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_number(t: str) -> str:
    """Chinese numerals as digits: 一 1, 十 10, 十二 12, 二十 20, 二十三 23; 一二 12 (digit by digit)."""
    if "十" not in t:
        return "".join(str(_CN_DIGITS[c]) for c in t)
    tens, _, ones = t.partition("十")
    return str((_CN_DIGITS.get(tens[-1:], 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones[:1], 0) if ones else 0))


def _school_key(name: str) -> str:
    """What two spellings of one school share: numerals as digits, no 第, no 学/校 at the end
    (第一小学 = 第1小学 = 一小; 实验中学 = 实验中学校)."""
    t = re.sub(r"[〇零一二两三四五六七八九十]+", lambda m: _cn_number(m.group()), name).replace("第", "")
    return re.sub(r"(学校|学|校)$", "", t) or name


def _school_variants(counts: dict[str, int], sheet: str, report: Report) -> None:
    """Names of 毕业学校 that look like one school written two ways: a notice (each spelling is
    balanced as a school of its own), never a silent merge."""
    groups: dict[str, list[str]] = {}
    for sch in sorted(counts, key=lambda x: (-counts[x], x)):
        groups.setdefault(_school_key(sch), []).append(sch)
    alike = [g for g in groups.values() if len(g) > 1]
    for g in alike[:10]:
        names = "、".join(f"“{x}”（{counts[x]} 人）" for x in g)
        report.warn(sheet, f"毕业学校 {names} 可能是同一所学校，现在按不同学校分别均衡人数。",
                    "如果是同一所学校，请在学生名单中统一写法（查找替换）；不是则不用管。")
    if len(alike) > 10:
        report.warn(sheet, f"另有 {len(alike) - 10} 组毕业学校名称相近（共 {len(alike)} 组）。", "请核对毕业学校的写法是否统一。")


def _row_spans(rows: list[int], limit: int = 10) -> str:
    """Row numbers as runs: 32–201、250; the first ``limit`` runs, then ……"""
    out, start = [], rows[0]
    for a, b in zip(rows, rows[1:] + [None]):
        if b != a + 1:
            out.append(f"{start}–{a}" if a > start else f"{start}")
            start = b
    return "、".join(out[:limit]) + ("……" if len(out) > limit else "")


def _shown_number(x: float) -> str:
    """2012.04, 2011.1, 201110: a number as Excel's General format shows it."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _year_month_notice(found: list[tuple[int, float, bool, date]], sheet: str, col: int | None,
                       report: Report) -> None:
    """One notice for birth dates typed as a year.month number: how they were read, and how the one
    reading a number cannot tell was settled (2011.1: January or October)."""
    r, x, _, d = found[0]
    more = f"等 {len(found)} 个单元格" if len(found) > 1 else ""
    shown = "，在 Excel 里显示成 1905 年的日期（单元格设了日期格式）" if any(f[2] for f in found) else ""
    tenths = [(q, y, b) for q, y, _, b in found if _one_tenth(y)]
    fix = "请核对几个学生；"
    if tenths:
        read = "、".join(sorted({f"{_shown_number(y)} 读作 {b:%Y年%-m月}" for _, y, b in tenths}))
        fix += (f"只有一位小数的 .1 分不出是 1 月还是 10 月（在 Excel 里输入 2011.10 会存成 2011.1），按这一届学生的出生年月，"
                f"{read}（第 {_row_spans([q for q, _, _ in tenths])} 行），读错的请先把这一列设为“文本”格式，再改为 2011.01 或 2011.10；")
    fix += "出生日期也可写成 2012-04-15 或 2012.04。"
    report.warn(sheet, f"出生日期第 {_row_spans([f[0] for f in found])} 行{more}是“年.月”形式的数字{shown}"
                       f"（如 {_shown_number(x)} = {d:%Y年%-m月}），已按年月读取（没有日，按该月 1 日计）。",
                fix, row=r, col=col)


def _is_day_number(v) -> bool:
    """A birth-date cell holding Excel's day number as text ("41518"), which is what pasting dates
    as values into a text cell leaves. (A number is not flagged: Chinese Excel writes its 年月日
    date formats as built-in ids 27–36 / 50–58, which the reader, like openpyxl, leaves as numbers,
    so a number here may well show as a date.)"""
    return isinstance(v, str) and re.fullmatch(r"\d{5}", v.strip().translate(_HALF_DIGITS)) is not None


class _RosterRows:
    """Reads one roster row at a time into a Student (None when the row is skipped or wrong),
    keeping what the whole roster is checked for afterwards: ids seen, scores over 成绩满分 and of 0,
    the count of missing scores."""

    def __init__(self, sh: RawSheet, name: str, cols: dict[str, int], raw: dict[int, str], subjects: list[str],
                 params: Params | None, report: Report):
        self.sh, self.name, self.cols, self.raw, self.subjects = sh, name, cols, raw, subjects
        self.params, self.report = params, report
        self.known_cols = set(cols.values())
        self.filled_cols = self.known_cols - {cols.get(S.C_CLASS, -1)}   # a row with none of these is skipped
        # the other columns, kept as they are (a header written twice: the last such column)
        self.extra_cols = [c for c in raw if c not in self.known_cols and raw[c] not in subjects]
        # the columns a numbered but empty row may hold: the 编号 and a 序号 beside a real id
        self.number_cols = {cols.get(S.C_ID)} | {c for c, h in raw.items() if S.is_weak(h, S.C_ID, S.ROSTER_WEAK)}
        self.number_head = ""
        self.subj_cols = {s: c for c, s in raw.items() if s in subjects}
        self.ids: dict[str, int] = {}
        self.missing_scores = 0
        self.over: list[tuple[int, int, str, float]] = []     # scores above 成绩满分
        self.zeros: list[tuple[int, int, str]] = []           # scores of 0
        self.only_id: list[int] = []                          # rows holding nothing but an 编号
        self.nameless = 0                                     # rows with data but no 姓名
        self.serial_text: list[tuple[int, str, date]] = []    # birth dates written as a day number
        # birth year.month typed as a number: (row, the number, in a date-formatted cell, read as)
        self.year_month: list[tuple[int, float, bool, date]] = []
        window = intake_window(params.grade_name) if params is not None else None
        self.intake_year = window[1].year if window else None   # the cohort's youngest were born then
        # a 身份证号 column, else the 编号 (a 学籍号 is G + 身份证号): birth dates and genders it states
        self.card_col = next((c for c, h in raw.items() if S.is_id_card_header(h)), cols.get(S.C_ID))
        self.card_head = raw.get(self.card_col, "")
        self.birth_from_card: list[int] = []                  # blank 出生日期 read from the number
        self.gender_from_card: list[int] = []                 # blank 性别 read from the number
        self.card_disagrees = 0                               # 出生日期 / 性别 that disagree with it
        self.card_numbers: list[int] = []                     # numbers stored as numbers (digits lost)
        self.requests: dict[int, str] = {}                    # 备注 asking for a class (row -> note)

    def _card_facts(self, r: int) -> tuple[date, str] | None:
        """(birth date, gender) the row's 身份证号 states, or None."""
        if not self.card_col:
            return None
        v = self.sh.cell(r, self.card_col)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 1e16:
            if S.is_id_card_header(self.card_head):
                self.card_numbers.append(r)         # 18 digits in a number cell: Excel kept 15 of them
            return None
        return id_card_facts(v.translate(_HALF_WIDTH) if isinstance(v, str) else v)

    def _against_card(self, r: int, nm: str, birth: date | None, gender: str | None,
                      facts: tuple[date, str], month_only: bool) -> date | None:
        """The birth date, read from the 身份证号 when blank; a 出生日期 or 性别 that disagrees
        with the number is named (the number itself never is)."""
        born, sex = facts
        said = []
        if birth is None:
            self.birth_from_card.append(r)
            birth = born
        elif month_only and (birth.year, birth.month) == (born.year, born.month):
            birth = born                  # 出生年月 agrees with the number, which also gives the day
        elif birth != born:
            typed = f"{birth:%Y-%m}" if month_only else f"{birth:%Y-%m-%d}"
            said.append((f"“{nm}”的出生日期 {typed} 与{self.card_head}中的 {born:%Y-%m-%d} 不一致。", S.C_BIRTH))
        if gender is not None and gender != sex:
            said.append((f"“{nm}”的性别为“{gender}”，{self.card_head}（第 17 位）表示“{sex}”。", S.C_GENDER))
        for message, key in said:
            self.card_disagrees += 1
            if self.card_disagrees <= MAX_LISTED:
                self.report.warn(self.name, message, "请核对，改正录错的一处。", row=r, col=self.cols.get(key))
        return birth

    def _get(self, r: int, key: str):
        return self.sh.cell(r, self.cols[key]) if key in self.cols else None

    def read(self, r: int) -> Student | None:
        sh, name, cols, report = self.sh, self.name, self.cols, self.report
        if all(_blank(sh.cell(r, c)) for c in self.filled_cols) and \
                all(_blank(sh.cell(r, c)) for c in self.subj_cols.values()):
            return None
        nm = _text(self._get(r, S.C_NAME))
        bad = False
        if not nm:
            filled = [c for c, v in enumerate(sh.rows[r - 1], start=1) if not _blank(v)]
            if filled and set(filled) <= self.number_cols:   # a numbered row of a list longer than the school
                self.only_id.append(r)
                self.number_head = self.number_head or self.raw[filled[0]]
                return None
            # one message for the row (a 合计 row under the list is the usual case)
            self.nameless += 1
            if self.nameless <= MAX_LISTED:
                first = _text(sh.rows[r - 1][filled[0] - 1]) if filled else ""
                report.error(name, f"这一行有数据但“姓名”为空（这一行的第一项是“{first[:20]}”）。",
                             "请补上姓名；如果这是合计、平均或说明行，请删除整行。", row=r, col=cols[S.C_NAME])
            return None
        gv = _text(self._get(r, S.C_GENDER))
        gender = S.GENDER_VALUES.get(gv.replace(" ", "").translate(_HALF_WIDTH).casefold(), S.GENDER_VALUES.get(gv))
        facts = self._card_facts(r)
        if gender is None and not gv and facts is not None:     # blank 性别: the 身份证号 says it
            gender = facts[1]
            self.gender_from_card.append(r)
        if gender is None:
            if not gv:
                report.error(name, f"“{nm or '该学生'}”的性别为空。", "请填写“男”或“女”。", row=r, col=cols[S.C_GENDER])
            else:
                report.error(name, f"性别“{gv}”无法识别。", "请填写“男”或“女”。", row=r, col=cols[S.C_GENDER])
            bad = True
        sid = _text(self._get(r, S.C_ID))
        if sid:
            if sid in self.ids:
                report.error(name, f"编号“{sid}”重复（第{self.ids[sid]}行和第{r}行）。", "每个学生的编号必须唯一，请改正其中一个。",
                             row=r, col=cols[S.C_ID])
                bad = True
            else:
                self.ids[sid] = r
        cell = self._get(r, S.C_BIRTH)
        birth = parse_date(cell)
        if isinstance(birth, date) and _is_day_number(cell):
            self.serial_text.append((r, _text(cell), birth))
        by_month = isinstance(birth, date) and month_only(cell)
        ym = _year_month_number(cell) if by_month else None
        if ym is not None:
            if _one_tenth(ym) and self.intake_year == birth.year:
                birth = birth.replace(month=1)    # October of the intake year is too young: January
            self.year_month.append((r, ym, isinstance(cell, datetime), birth))
        if birth == "bad":
            report.error(name, f"出生日期“{_text(cell)}”无法识别。", "请写成 2019-05-12 或设为日期格式的单元格；不知道可留空。",
                         row=r, col=cols[S.C_BIRTH])
            birth = None
            bad = True
        elif facts is not None:
            birth = self._against_card(r, nm, birth, gender, facts, by_month)
            by_month = by_month and birth != facts[0]    # the number gave the day
        level = None
        lv = _text(self._get(r, S.C_LEVEL))
        if lv:
            level = lv if lv in S.LEVELS else S.LEVEL_SYNONYMS.get("".join(lv.split()).translate(_HALF_WIDTH))
            if level is None:
                report.error(name, f"等级“{lv}”无法识别。", "请填写 优、良、中、差 之一，或留空。", row=r, col=cols[S.C_LEVEL])
                bad = True
        scores, scores_ok = self._scores(r)
        if bad or not scores_ok:
            return None
        raw = self.raw
        note = _text(self._get(r, S.C_NOTE))
        if note and re.search(_NOTE_REQUEST, note):
            self.requests[r] = note
        extra = {raw[c]: sh.cell(r, c) for c in self.extra_cols}
        return Student(row=r, sid=sid, name=nm, gender=gender, birth=birth, school=_school(self._get(r, S.C_SCHOOL)),
                       huji=_text(self._get(r, S.C_HUJI)) or None, level=level, scores=scores, extra=extra,
                       klass=_text(self._get(r, S.C_CLASS)) or None, birth_month_only=by_month)

    def _scores(self, r: int) -> tuple[dict[str, float | None], bool]:
        """The row's scores (None: missing) and whether they are all usable."""
        scores: dict[str, float | None] = {}
        ok = True
        for s, c in self.subj_cols.items():
            v = self.sh.cell(r, c)
            if _blank(v) or (isinstance(v, str) and v.strip() in S.MISSING_SCORE_WORDS):
                scores[s] = None
                self.missing_scores += 1
                continue
            x = _number(_with_unit(v, MARK_UNITS))        # 85 or 85分
            if x is None:
                self.report.error(self.name, f"{s}成绩“{_text(v)}”不是数字。", "请填写分数；缺考请写“缺考”或留空。", row=r, col=c)
                ok = False
            elif x < 0:
                self.report.error(self.name, f"{s}成绩 {x:g} 是负数。", "请改正分数。", row=r, col=c)
                ok = False
            elif self.params is not None and x > self.params.full_mark(s):
                self.over.append((r, c, s, x))
                ok = False
            else:
                scores[s] = x
                if x == 0:
                    self.zeros.append((r, c, s))
        return scores, ok


def _score_range_problems(sheet: str, params: Params | None, over: list, zeros: list, report: Report) -> None:
    """Scores above 成绩满分 are errors (each cell, then a count); scores of 0 are warnings."""
    for r, c, s, x in over[:MAX_LISTED]:
        report.error(sheet, f"{s}成绩 {x:g} 超过满分 {params.full_mark(s):g}。",
                     f"请核对这个分数（常见的是多打了一位，如 850 应为 85）；如果{s}满分不是 {params.full_mark(s):g}，"
                     f"请在“{S.SHEET_PARAMS}”的“{S.P_FULL_MARKS}”中填写（如 {s}:150）。", row=r, col=c)
    if len(over) > MAX_LISTED:
        report.error(sheet, f"另有 {len(over) - MAX_LISTED} 个成绩超过满分（共 {len(over)} 个）。",
                     f"如果满分设置不对，请在“{S.SHEET_PARAMS}”的“{S.P_FULL_MARKS}”中改正。")
    for r, c, s in zeros[:MAX_LISTED]:
        report.warn(sheet, f"{s}成绩是 0 分。", "请核对：缺考请写“缺考”或留空（0 分会计入平均分）；确为 0 分可不改。", row=r, col=c)
    if len(zeros) > MAX_LISTED:
        report.warn(sheet, f"另有 {len(zeros) - MAX_LISTED} 个成绩是 0 分（共 {len(zeros)} 个）。", "请核对是否把缺考写成了 0。")


def check_duplicates(students: list[Student], sheet: str, report: Report) -> None:
    """Two rows that are one pupil: the same name, gender, birth date and school, with no 编号 to
    tell them apart — a list pasted twice, or two exports that overlap. Assigned, the pupil would
    sit in two classes; the 同名 notice alone was easy to miss among many."""
    first: dict[tuple, int] = {}
    pairs: list[tuple[int, int]] = []
    for i, s in enumerate(students):
        if s.birth is None:
            continue
        j = first.setdefault((normalize_name(s.name), s.gender, s.birth, s.school), i)
        if j != i and not (s.sid and students[j].sid and s.sid != students[j].sid):
            pairs.append((j, i))
    for j, i in pairs[:MAX_LISTED]:
        a, b = students[j], students[i]
        report.error(sheet, f"第{a.row}行和第{b.row}行像是同一名学生：{b.name}，姓名、性别、出生日期、毕业学校都相同。",
                     "如果是重复粘贴，请删除其中一行；确是两名学生时，请给他们填上不同的编号。", row=b.row)
    if len(pairs) > MAX_LISTED:
        report.error(sheet, f"另有 {len(pairs) - MAX_LISTED} 对这样的行（共 {len(pairs)} 对）。", "名单可能被粘贴了两次，请检查。")


_TWIN_WORDS = r"双胞胎|多胞胎|三胞胎|龙凤胎|孪生"
_NOTE_REQUEST = _TWIN_WORDS + r"|同班|一个班|分到|分在"


def check_note_requests(students: list[Student], groups: list[TwinGroup], layout: dict, sheet: str,
                        report: Report) -> None:
    """A 备注 that asks for a class (双胞胎同班, 与某某同班, 要某老师的班) is not an instruction:
    only a 双胞胎 application binds or separates pupils, and everyone else is assigned at random.
    Named, so nobody believes a note was carried out."""
    requests = layout.get("requests") or {}
    applied = {i for g in groups for i in g.members}
    said = 0
    for i, s in enumerate(students):
        note = requests.get(s.row)
        if note is None or i in applied:
            continue
        said += 1
        if said > MAX_LISTED:
            continue
        if re.search(_TWIN_WORDS, note):
            report.warn(sheet, f"“{s.name}”的备注写着“{note[:30]}”，但“{S.SHEET_TWINS}”表中没有这名学生：备注不参与编班。",
                        f"如果家长书面申请了同班或分开，请把这组孩子填入“{S.SHEET_TWINS}”表（同一家庭填相同组号）。",
                        row=s.row, col=layout.get("note_col"))
        else:
            report.warn(sheet, f"“{s.name}”的备注写着“{note[:30]}”：备注中的分班要求不会被执行。",
                        "均衡编班一律电脑随机分班，只有双胞胎（多胞胎）可按书面申请捆绑同班或分开；如属此类请填入"
                        f"“{S.SHEET_TWINS}”表。", row=s.row, col=layout.get("note_col"))
    if said > MAX_LISTED:
        report.warn(sheet, f"另有 {said - MAX_LISTED} 名学生的备注中有分班要求（共 {said} 名），不会被执行。",
                    f"双胞胎（多胞胎）的书面申请请填入“{S.SHEET_TWINS}”表。")


_NAME_MARK = re.compile(r"\s*(?:[(（\[【][^()（）\[\]【】]{1,6}[)）\]】]|[A-Za-z0-9０-９Ａ-Ｚａ-ｚ①-⑳*＊#＃]{1,3})$")


def check_marked_namesakes(students: list[Student], groups: list[TwinGroup], sheet: str, report: Report) -> None:
    """Names that are the same but for a mark added to tell namesakes apart — 王芳(大) / 王芳(小),
    王芳1 / 王芳2 — are not 同名 (the mark is how a school lets more namesakes than classes share
    one), so they may share a class: say so, and how to keep them apart if that was the intent."""
    apart = {frozenset(g.members) for g in groups if g.mode == S.MODE_APART}
    by_base: dict[str, list[int]] = {}
    for i, s in enumerate(students):
        base = normalize_name(_NAME_MARK.sub("", s.name))
        if base and re.search(r"[\u4e00-\u9fff]$", base):
            by_base.setdefault(base, []).append(i)
    found = [idx for idx in by_base.values()
             if len({normalize_name(students[i].name) for i in idx}) > 1 and frozenset(idx) not in apart]
    for idx in found[:MAX_LISTED]:
        names = "、".join(f"“{students[i].name}”" for i in idx)
        report.warn(sheet, f"{names}（第{_rows(students, idx)}行）只差名字后面的标记（括号、数字、字母），不算同名，可能分在同一班。",
                    f"如要分到不同班，请在“{S.SHEET_TWINS}”表把他们填为一组，要求写“分开”。", row=students[idx[0]].row)


def check_possible_twins(students: list[Student], groups: list[TwinGroup], sheet: str, report: Report) -> None:
    """Pupils who look like twins — the same surname and birth date, from the same 毕业学校 (or with
    none) — and are in no 双胞胎 application: a notice, so the registrar can ask whether the parents
    applied in writing (without one they are assigned at random, like everybody)."""
    applied = {i for g in groups for i in g.members}
    alike: dict[tuple, list[int]] = {}
    for i, s in enumerate(students):
        nm = normalize_name(s.name)
        if s.birth is not None and not s.birth_month_only and nm and i not in applied:   # a month: no sign
            alike.setdefault((nm[0], s.birth, s.school or ""), []).append(i)
    found = [idx for idx in alike.values() if 1 < len(idx) <= 6 and len({normalize_name(students[i].name) for i in idx}) == len(idx)]
    for idx in found[:10]:
        names = "、".join(f"“{students[i].name}”" for i in idx)
        same = "、来自同一所学校" if students[idx[0]].school else ""
        report.warn(sheet, f"{names}（第{_rows(students, idx)}行）同姓、出生日期相同{same}，可能是双胞胎（多胞胎）。",
                    f"如果家长书面申请了同班或分开，请填入“{S.SHEET_TWINS}”表；没有申请则不用管（与其他学生一样随机编班）。",
                    row=students[idx[0]].row)
    if len(found) > 10:
        report.warn(sheet, f"另有 {len(found) - 10} 组学生可能是双胞胎（共 {len(found)} 组）。",
                    f"请核对是否有书面申请；有则填入“{S.SHEET_TWINS}”表。")


def check_births(students: list[Student], params: Params, sheet: str, col: int | None, report: Report) -> None:
    """Birth dates outside the grade's intake window (model.intake) are warnings."""
    window = intake_window(params.grade_name)
    if window is None:
        return
    earliest, latest, rule = window
    dated = [s for s in students if s.birth is not None]
    odd = [s for s in dated if not (earliest <= s.birth <= latest)]
    if len(dated) >= 20 and len(odd) * 2 > len(dated):
        # most of the grade outside the window: the 年级 (or its year) is wrong, not the birth dates
        s = odd[0]
        report.warn(S.SHEET_PARAMS, f"{len(dated)} 名学生中有 {len(odd)} 名的出生日期不在“{params.grade_name}”的入学年龄范围内"
                    f"（如第{s.row}行{s.name} {s.birth:%Y-%m-%d}），多半是“{S.P_GRADE}”写错了（如初一写成了一年级）或年份不对。",
                    f"请核对“{S.P_GRADE}”（{rule}）。")
        return
    for s in odd[:MAX_LISTED]:
        report.warn(sheet, f"{s.name}的出生日期 {s.birth:%Y-%m}{'' if s.birth_month_only else f'-{s.birth:%d}'} 不在这一届的入学年龄范围内。",
                    f"请核对是否录错（{rule}）。", row=s.row, col=col)
    if len(odd) > MAX_LISTED:
        report.warn(sheet, f"另有 {len(odd) - MAX_LISTED} 名学生的出生日期不在入学年龄范围内（共 {len(odd)} 名）。",
                    f"请核对“{S.P_GRADE}”是否填对，及出生日期（{rule}）。")


def check_hidden_rows(book: RawBook, sheet: str, first_row: int, report: Report) -> None:
    """Filled rows hidden in Excel take part like any other: say so, they are easy to forget."""
    sh = book.sheets.get(sheet)
    if sh is None:
        return
    rows = sorted(r for r in sh.hidden_rows if r >= first_row and any(not _blank(v) for v in (sh.rows[r - 1] if r <= sh.n_rows else [])))
    if rows:
        shown = "、".join(str(r) for r in rows[:20]) + ("……" if len(rows) > 20 else "")
        report.warn(sheet, f"有 {len(rows)} 行是隐藏的（第 {shown} 行），这些行里的学生同样参加编班。",
                    "请取消隐藏（选中整表 → 右键 → 取消隐藏）核对这些行；不该参加编班的请删除整行，而不是隐藏。", row=rows[0])


STRAY_ROWS = 100         # blank rows below the roster after which a value is "far away"
STRAY_COLS = 10          # blank columns right of the header's last column, likewise


def check_stray_cells(book: RawBook, sheet: str, header_row: int, last_col: int, report: Report) -> None:
    """A value (even a lone space) far below or right of the roster — a typo at row 2000 or in column
    ZZ — is not read as a student, but it stretches the sheet: Excel, printing and every reader
    treat the table as reaching that cell. Name each such cell and how to remove it."""
    sh = book.sheets.get(sheet)
    if sh is None:
        return
    near = last_col + STRAY_COLS
    end = header_row               # the roster's last row: rows with values, no gap over STRAY_ROWS
    far: list[tuple[int, int, object]] = []
    for r, cols in sh.stored_rows(header_row):
        in_table = r - end <= STRAY_ROWS and any(c <= near and not _blank(v) for c, v in cols.items())
        if in_table:
            end = r
        far += [(r, c, v) for c, v in cols.items() if c > near or (not in_table and r - end > STRAY_ROWS)]
    table = range_ref(1, 1, end, last_col)
    for r, c, v in far[:MAX_LISTED]:
        ref = cell_ref(r, c)
        what = "只有空格，看不见" if _blank(v) else f"“{_text(v)[:20]}”"
        report.warn(sheet, f"单元格 {ref} 有内容（{what}），离名单（{table}）很远，多半是误输入。",
                    f"请在 Excel 中按 Ctrl+G 输入 {ref} 跳过去核对：不需要就删除该单元格的内容（或删除整行/整列）后保存；"
                    f"否则 Excel、打印和读取都会把表格一直算到 {ref}。", row=r, col=c)
    if len(far) > MAX_LISTED:
        report.warn(sheet, f"另有 {len(far) - MAX_LISTED} 个单元格离名单很远（共 {len(far)} 个）。",
                    f"请删除名单（{table}）之外的多余内容：选中名单下方的空行或右侧的空列 → 右键 → 删除，然后保存。")


# --- 双胞胎 -------------------------------------------------------------------------------
def read_twins(book: RawBook, students: list[Student], report: Report) -> list[TwinGroup]:
    name = S.resolve_sheet(book.order, S.SHEET_TWINS)
    if name is None:
        return []
    sh = book.sheets[name]
    hr, cols, raw = _header_row(sh, S.TWIN_SYNONYMS, S.T_GROUP)
    if not hr:
        if any(not _blank(v) for row in sh.rows for v in row):
            report.error(name, "找不到表头行（组号、编号、姓名、要求）。", "请在第一行写表头：组号、编号、姓名、要求。", row=1)
        return []
    if S.T_ID not in cols and S.T_NAME not in cols:
        report.error(name, "缺少“编号”或“姓名”列，无法知道是哪个学生。", "请至少加上“编号”或“姓名”一列。", row=hr)
        return []
    _cell_issues(sh, hr + 1, max(raw), report)
    by_id = {s.sid: i for i, s in enumerate(students) if s.sid}
    by_name: dict[str, list[int]] = {}
    for i, s in enumerate(students):
        by_name.setdefault(normalize_name(s.name), []).append(i)
    groups: dict[str, TwinGroup] = {}
    modes: dict[str, dict[str, int]] = {}
    shown_gid: dict[str, str] = {}
    for r in sh.value_rows(hr + 1):
        get = lambda key: sh.cell(r, cols[key]) if key in cols else None  # noqa: E731
        gid, sid, nm, mode_raw = _text(get(S.T_GROUP)), _text(get(S.T_ID)), _text(get(S.T_NAME)), _text(get(S.T_MODE))
        if not (gid or sid or nm or mode_raw):
            continue
        if not gid:
            report.error(name, "“组号”为空，无法知道这名学生和谁是一组。", "请给同一家庭的孩子填相同的组号（如 1、2、3）。", row=r, col=cols[S.T_GROUP])
            continue
        mode = S.MODE_SYNONYMS.get(mode_raw.replace(" ", ""))
        if mode is None:
            col = cols.get(S.T_MODE)
            if not mode_raw:
                report.error(name, "“要求”为空。", "请填写“同班”（家长申请捆绑编在同一班）或“分开”（要求分在不同班）。", row=r, col=col)
            else:
                report.error(name, f"要求“{mode_raw}”无法识别。", "请填写“同班”或“分开”。", row=r, col=col)
            continue
        idx = _twin_student(name, r, cols, sid, nm, students, by_id, by_name, report)
        if idx is None:
            continue
        gid = shown_gid.setdefault(_group_key(gid), gid)     # 1, 01, １, 第1组: one group
        g = groups.setdefault(gid, TwinGroup(gid=gid, members=[], mode=mode, rows=[]))
        modes.setdefault(gid, {}).setdefault(mode, r)
        if idx in g.members:
            report.error(name, f"学生“{students[idx].name}”在组 {gid} 中出现了两次。", "请删除重复的一行。", row=r)
            continue
        g.members.append(idx)
        g.rows.append(r)
    return _twin_groups_checked(name, groups, modes, students, report)


def _group_key(gid: str) -> str:
    """One key for a 组号 however typed: 1, 01, １, 1.0, 第1组, 1组."""
    t = re.sub(r"\s+", "", gid.translate(_HALF_WIDTH))
    t = re.sub(r"^第?(.+?)组?$", r"\1", t)
    if re.fullmatch(r"\d+(?:\.0+)?", t):
        t = str(int(float(t)))
    return t


def _twin_student(name: str, r: int, cols: dict[str, int], sid: str, nm: str, students: list[Student],
                  by_id: dict[str, int], by_name: dict[str, list[int]], report: Report) -> int | None:
    """The roster index of the student a 双胞胎 row names (by 编号, else by 姓名), or None (reported)."""
    if sid:
        idx = by_id.get(sid)
        if idx is None:
            report.error(name, f"编号“{sid}”在“{S.SHEET_ROSTER}”中找不到。", "请核对编号，使之与学生名单一致。", row=r, col=cols.get(S.T_ID))
            return None
        if nm and normalize_name(nm) != normalize_name(students[idx].name):
            report.error(name, f"编号“{sid}”在学生名单中是“{students[idx].name}”，这里写的是“{nm}”。", "请核对编号与姓名。", row=r, col=cols.get(S.T_NAME))
            return None
    elif nm:
        hits = by_name.get(normalize_name(nm), [])
        if not hits:
            report.error(name, f"学生“{nm}”在“{S.SHEET_ROSTER}”中找不到。", "请核对姓名，或改填编号。", row=r, col=cols.get(S.T_NAME))
            return None
        if len(hits) > 1:
            rows = "、".join(str(students[i].row) for i in hits)
            fix = ("请填写“编号”来指明。" if all(students[i].sid for i in hits) else
                   f"学生名单第{rows}行没有编号：请在“{S.SHEET_ROSTER}”的“编号”列（没有这一列就加上，如填学籍号）给他们填上编号，"
                   "再在这里填写这名学生的编号。")
            report.error(name, f"学生名单中有 {len(hits)} 个“{nm}”（第{rows}行），无法确定是哪一个。", fix, row=r, col=cols.get(S.T_NAME))
            return None
        idx = hits[0]
    else:
        report.error(name, "这一行没有“编号”也没有“姓名”。", "请填写学生的编号或姓名。", row=r)
        return None
    return idx


def _twin_groups_checked(name: str, groups: dict[str, TwinGroup], modes: dict[str, dict[str, int]],
                         students: list[Student], report: Report) -> list[TwinGroup]:
    """The groups that hold: not both 同班 and 分开, at least two students; contradictions between
    groups sharing a student reported."""
    out = []
    single = [g for g in groups.values() if len(g.members) == 1]
    for gid, g in groups.items():
        if len(modes[gid]) > 1:
            rows = "、".join(str(x) for x in sorted(modes[gid].values()))
            report.error(name, f"组 {gid} 同时被标为“同班”和“分开”（第{rows}行）。", "同一组只能有一种要求，请按家长的书面申请改正。", row=min(modes[gid].values()))
            continue
        if len(g.members) < 2:                 # an application is for two children or more
            fix = ("同一家庭的孩子要填相同的组号（组号不是序号）；" if len(single) > 1 else "") + \
                "请补上同组的兄弟姐妹；如果兄弟姐妹不在本校名单中，请删除这一行。"
            report.error(name, f"组 {gid} 只有 1 名学生（“{students[g.members[0]].name}”），这份“{g.mode}”申请无法执行。",
                         fix, row=g.rows[0] if g.rows else None)
            continue
        out.append(g)
    # a student in several groups
    where: dict[int, list[TwinGroup]] = {}
    for g in out:
        for i in g.members:
            where.setdefault(i, []).append(g)
    for i, gs in where.items():
        if len(gs) > 1:
            kinds = {g.mode for g in gs}
            if len(kinds) > 1 and any(set(a.members) & set(b.members) - {i} for a in gs for b in gs if a is not b and a.mode != b.mode):
                report.error(name, f"学生“{students[i].name}”所在的组 {'、'.join(g.gid for g in gs)} 要求矛盾。", "请核对这几组的要求。", row=gs[0].rows[0])
    return out


# --- cross-sheet rules ----------------------------------------------------------------------
def _rows(students: list[Student], idx) -> str:
    return "、".join(str(students[i].row) for i in idx)


def check_feasibility(students: list[Student], groups: list[TwinGroup], params: Params, roster_sheet: str,
                      report: Report) -> None:
    n, k = len(students), params.n_classes
    if n == 0:
        report.error(roster_sheet, "学生名单中没有学生。", "请从招生系统导出新生名单粘贴到这里（第一行为表头）。")
        return
    if n > k * params.cap:
        report.error(S.SHEET_PARAMS, f"学生 {n} 人，超过 {k} 个班 × 班额上限 {params.cap} = {k * params.cap} 人。",
                     f"请增加班级数（至少 {math.ceil(n / params.cap)} 个班）或核对班额上限。")
    if k > n:
        report.error(S.SHEET_PARAMS, f"班级数 {k} 多于学生人数 {n}。", "请核对班级数。")
    level, standard = STANDARD_CAP.get(grade_kind(params.grade_name) or "", ("", 0))
    if standard and 0 < k <= n <= k * params.cap and math.ceil(n / k) > standard:
        report.warn(S.SHEET_PARAMS, f"{n} 名学生分 {k} 个班，每班最多 {math.ceil(n / k)} 人，超过{level}班额 {standard} 人的标准。",
                    f"如有条件，请增加班级数（{math.ceil(n / standard)} 个班可使每班不超过 {standard} 人）；确需大班额的可不改。")
    size_max = min(math.ceil(n / k), params.cap) if k else 0
    # union of 同班 groups (a student in two together groups merges them)
    roots = unit_roots(n, [g.members for g in groups if g.mode == S.MODE_TOGETHER])
    units: dict[int, list[int]] = {}
    for i in range(n):
        units.setdefault(roots[i], []).append(i)
    unit_of = dict(enumerate(roots))
    for members in units.values():
        if len(members) > 1 and len(members) > size_max:
            names = "、".join(students[i].name for i in members)
            report.error(S.SHEET_TWINS, f"捆绑同班的 {len(members)} 名学生（{names}）超过了每班人数 {size_max}。",
                         "请核对该组，或增加班额上限。")
    apart_sets: list[tuple[str, list[int]]] = []
    for idx in same_name_groups([s.name for s in students]):
        apart_sets.append(("同名", idx))
        if len(idx) > k:
            report.error(roster_sheet, f"有 {len(idx)} 名学生同名“{students[idx[0]].name}”（第{_rows(students, idx)}行），多于班级数 {k}，无法全部分到不同班。",
                         "请核对是否重复录入；确属不同学生时可在姓名后加区分（如“张伟(大)”），或增加班级数。")
        else:
            report.warn(roster_sheet, f"同名学生“{students[idx[0]].name}”共 {len(idx)} 人（第{_rows(students, idx)}行），将分在不同班级。",
                        "请确认不是重复录入。")
    for g in groups:
        if g.mode == S.MODE_APART:
            apart_sets.append(("分开", g.members))
            if len(g.members) > k:
                report.error(S.SHEET_TWINS, f"组 {g.gid} 要求分开的 {len(g.members)} 人多于班级数 {k}。", "请核对该组。", row=g.rows[0])
    if params.separate_homophones:
        together = [g.members for g in groups if g.mode == S.MODE_TOGETHER]
        sound, bound = sound_groups_to_part([s.name for s in students], params.fuzzy_homophones, together)
        for idx in bound:
            names = "、".join(f"{students[i].name}(第{students[i].row}行)" for i in idx)
            report.warn(roster_sheet, f"{names} 读音相同，但家长申请同班：按申请编在同一班，不按同音分开。", "请确认。")
        for idx in sound:
            apart_sets.append(("同音", idx))
            names = "、".join(f"{students[i].name}(第{students[i].row}行)" for i in idx)
            if len(idx) > k:
                report.error(roster_sheet, f"同音学生 {len(idx)} 人（{names}）多于班级数 {k}，无法全部分开。",
                             f"请把“{S.P_HOMOPHONE}”改为“否”，或增加班级数。")
            else:
                report.warn(roster_sheet, f"同音学生：{names}，将分在不同班级。", "请确认。")
    elif n:
        for idx in same_sound_groups([s.name for s in students]):
            names = "、".join(f"{students[i].name}(第{students[i].row}行)" for i in idx)
            report.warn(roster_sheet, f"发现同音姓名：{names}。目前“{S.P_HOMOPHONE}”为“否”，不强制分开。",
                        f"如需分开，请在“{S.SHEET_PARAMS}”中把“{S.P_HOMOPHONE}”设为“是”。")
    for why, idx in apart_sets:
        by_unit: dict[int, list[int]] = {}
        for i in idx:
            by_unit.setdefault(unit_of[i], []).append(i)
        for members in by_unit.values():
            if len(members) > 1:
                names = "、".join(f"{students[i].name}(第{students[i].row}行)" for i in members)
                report.error(S.SHEET_TWINS, f"{names} 被要求捆绑同班，但又因“{why}”必须分在不同班，两条规则矛盾。",
                             "请核对双胞胎表的要求。")
    # warnings: small source schools
    counts: dict[str, int] = {}
    for s in students:
        if s.school:
            counts[s.school] = counts.get(s.school, 0) + 1
    _school_variants(counts, roster_sheet, report)
    ones = sorted(sch for sch, c in counts.items() if c == 1)
    if ones:
        report.warn(roster_sheet, f"{len(ones)} 所毕业学校只有 1 名学生：{'、'.join(ones[:10])}{'……' if len(ones) > 10 else ''}。",
                    "请确认学校名称写法一致（如“实验小学”与“实验小学校”会被当作两所学校）。")


def validate(book: RawBook) -> tuple[Roster | None, Report]:
    """Read and check everything. Returns (roster, report); roster is None when there are errors."""
    report = Report()
    check_text_safety(book, report)
    params, found = read_params(book, report)
    params_ok = params is not None and "_invalid" not in found
    students, columns, _, roster_sheet, layout = _read_roster(book, params, report)
    if roster_sheet and layout:
        check_hidden_rows(book, roster_sheet, layout["header_row"] + 1, report)
        check_stray_cells(book, roster_sheet, layout["header_row"], max(layout["headers"], default=1), report)
    if params is not None and students:
        birth_col = next((c for c, h in layout["headers"].items() if S.resolve(h, S.ROSTER_SYNONYMS) == S.C_BIRTH), None)
        check_births(students, params, roster_sheet, birth_col, report)
    if students:
        check_duplicates(students, roster_sheet, report)
    groups = read_twins(book, students, report) if students else []
    if students:
        check_possible_twins(students, groups, roster_sheet, report)
        check_marked_namesakes(students, groups, roster_sheet, report)
        check_note_requests(students, groups, layout, roster_sheet, report)
    if params_ok and students:
        check_feasibility(students, groups, params, roster_sheet, report)
    elif params is not None and not students and roster_sheet and report.ok:
        report.error(roster_sheet, "学生名单中没有学生。", "请从招生系统导出新生名单粘贴到这里（第一行为表头）。")
    if not report.ok or not params_ok:
        return None, report
    return Roster(students=students, twin_groups=groups, columns=columns, params=params, sheet=roster_sheet,
                  header_row=layout["header_row"], class_col=layout["class_col"], headers=layout["headers"]), report


# --- for the on-site steps that change input cells by rule (更正) ------------------------------
cell_text = _text      # a cell as the roster reader reads a text field (姓名, 编号 …)


def roster_layout(book: RawBook) -> tuple[str, int, dict[str, int], dict[int, str]]:
    """(sheet, header row, canon->col, col->header) of 学生名单, as :func:`validate` finds them
    ("" and 0 when the roster cannot be read)."""
    name, sh, hr, cols, raw = _roster_header(book, Report())
    return (name, hr, cols, raw) if sh is not None else ("", 0, {}, {})


def twins_layout(book: RawBook) -> tuple[str, int, dict[str, int]]:
    """(sheet, header row, canon->col) of 双胞胎 ("" and 0 when there is none)."""
    name = S.resolve_sheet(book.order, S.SHEET_TWINS)
    if name is None:
        return "", 0, {}
    hr, cols, _ = _header_row(book.sheets[name], S.TWIN_SYNONYMS, S.T_GROUP)
    return name, hr, cols
