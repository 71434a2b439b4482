"""Report builders: the result sheets as SheetSpecs (class lists, 编班汇总, 编班记录).

Pure functions of records; the adapters render them. Every sheet: a title row naming school,
grade and sheet, a frozen and repeated header row, widths that fit, A4 fit-to-width.
"""
from __future__ import annotations

import math
import os
from collections import Counter
from functools import lru_cache
from datetime import date, datetime, time

import numpy as np

from bianban_xl.model import schema as S
from bianban_xl.model.id_card import looks_like_id_card
from bianban_xl.engine.balance import Measure, measures, subject_scores, total_scores
from bianban_xl.engine.baselines import snake_assign
from bianban_xl.model.cellref import column_letter
from bianban_xl.model.records import Params, Roster
from bianban_xl.reports.paging import ROW_HEIGHT, PageFill, page_height
from bianban_xl.model.sheet_model import (DEFAULT_COL_WIDTH, WRAP_LINE_HEIGHT, cell_lines, wrapped_row_height, MARGIN_BOTTOM, MARGIN_TOP, ChartSpec, SheetSpec, record_row_height, text_lines,
                                          text_width)

TOTAL = "总分"


def sheet_title(params: Params, what: str) -> str:
    head = " ".join(x for x in (params.school_name, params.grade_name) if x)
    return f"{head} {what}".strip()


# A title prints in 15 pt bold; text_width, made for 10.5 pt text, is about that wide for it (measured in
# LibreOffice: a 15 pt CJK character takes 2.06 column-width characters); a line of it is 20 pt high
TITLE_SCALE, TITLE_LINE, TITLE_HEIGHT = 1.0, 20.0, 26.0


def fit_titles(spec: SheetSpec) -> SheetSpec:
    """Every merged title row of ``spec`` made tall enough for its text wrapped across the table
    (the title style wraps): a long school name (教育集团…校区) with a long 班级名称 ran past both
    sides of the page, cut off, when the title was one line. Call after the widths are set."""
    if not spec.merge_title:
        return spec
    chars = sum(spec.col_widths.get(c, DEFAULT_COL_WIDTH) for c in range(1, spec.title_width + 1))
    for b in spec.blocks:
        if b.style != "title" or b.left != 1 or not b.values or not isinstance(b.values[0][0], str):
            continue
        n = len(text_lines(b.values[0][0], chars / TITLE_SCALE - 1))
        if n > 1:
            spec.row_heights[b.top] = max(spec.row_heights.get(b.top, TITLE_HEIGHT), TITLE_LINE * n + 6)
    return spec


def _width(values, minimum=6.0, maximum=40.0) -> float:
    longest = 0.0
    for v in values:
        if v is None:
            continue
        t = v.strftime("%Y-%m-%d") if isinstance(v, (date, datetime)) else (f"{v:.2f}" if isinstance(v, float) else str(v))
        w = _text_width(t)
        longest = max(longest, w)
    return max(minimum, min(maximum, longest + 2.5))


@lru_cache(maxsize=1 << 14)   # the same schools, levels and names recur on every class sheet
def _text_width(t: str) -> float:
    return text_width(t)


def _fmt_score(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return int(x) if float(x).is_integer() else float(x)


# A4 in column-width characters (0.5" side margins) that print at 100 % in LibreOffice (measured:
# it counts wider characters than Excel, where these widths print at 100 % with room to spare)
PORTRAIT_CHARS, LANDSCAPE_CHARS = 72.0, 106.0
CLASS_ROW_HEIGHT = 13.5          # points: title + header + 50 students + 合计 on one portrait page
CLASS_ONE_PAGE, CROWDED_ROW_HEIGHT = 50, 12.0
# A class list is one page, posted and signed: a class of more than 50 (大班额, 插班 pupils added up to the
# 班额上限) prints on one page, shrunk by fit-to-page, as long as its text stays at least 9 pt (10.5 pt
# body text at ≥ 86 %); up to about 64 pupils do (the 超大班额 line, 66, is banned). A taller class goes
# on on a second page with its header repeated. Estimated with the page LibreOffice prints: A4 between
# the margins is 523 × 745 pt; a column-width character is 7 pt wide there (Excel's is narrower).
MIN_PRINT_SCALE = 9.0 / 10.5
PRINTABLE_CHARS = {False: 74.5, True: 112.0}                  # landscape? -> column-width characters
PRINTABLE_POINTS = {False: 842.0 - (MARGIN_TOP + MARGIN_BOTTOM) * 72 - 8,
                    True: 595.0 - (MARGIN_TOP + MARGIN_BOTTOM) * 72 - 8}
# a crowded class's text columns measured as LibreOffice prints them (a 10.5 pt CJK character 1.5
# column-width characters, text_width's 2.2 is Excel's 2.0 with room); what Excel finds wider than
# its column shrinks into it (style "fit") rather than being cut
TIGHT_CJK, TIGHT_OTHER, TIGHT_PAD = 1.55, 1.0, 1.0
PENDING_HEAD = "（待抽签）"


def class_columns(roster: Roster, params: Params) -> tuple[list[str], list[str]]:
    """(header, extras) of a class sheet. Private by default: 序号 编号 姓名 性别 出生日期 毕业学校
    备注; ``班级名单显示成绩`` adds 户籍, 等级, the scores and 总分; extra roster columns only when
    named in ``班级名单列``."""
    subjects = list(params.subjects)
    named = {c.strip() for c in params.class_columns}
    extras = [h for h in _extra_headers(tuple(roster.headers.values()), tuple(subjects)) if str(h).strip() in named]
    extras += [h for h in params.class_columns if h in (S.C_HUJI, S.C_LEVEL) and h not in extras]
    header = ["序号", S.C_ID, S.C_NAME, S.C_GENDER, S.C_BIRTH, S.C_SCHOOL]
    if params.show_scores:
        header += [S.C_HUJI, S.C_LEVEL] + subjects + ([TOTAL] if len(subjects) > 1 else [])
        extras = [h for h in extras if h not in (S.C_HUJI, S.C_LEVEL)]
    header += extras + [S.C_NOTE]
    return header, extras


# columns of a class sheet left out of it when the whole roster has nothing in them (a roster of 姓名
# and 性别 printed three empty columns); 编号 goes only when nobody has one, so reading the sheet back
# (onsite.state.names_on_class_sheet: 编号, else "", and 姓名) finds the same pupils either way
OPTIONAL_COLUMNS = {S.C_ID: lambda s: s.sid, S.C_BIRTH: lambda s: s.birth, S.C_SCHOOL: lambda s: s.school}


def printed_columns(roster: Roster, header: list[str]) -> list[int]:
    """Indexes into ``header`` (of :func:`class_columns`) of the columns a class sheet prints: all but
    编号, 出生日期 and 毕业学校 when no pupil of the roster (the whole grade, so every class prints
    alike) has a value there."""
    empty = {h for h, get in OPTIONAL_COLUMNS.items() if not any(get(s) for s in roster.students)}
    return [c for c, h in enumerate(header) if not (c < 6 and h in empty)]


def mask_id(value) -> str | None:
    """An ID number as it may be shown: first 3 and last 4 characters, the rest '*'."""
    if value is None:
        return None
    t = str(value).strip()
    if len(t) <= 7:
        return "*" * len(t)
    return t[:3] + "*" * (len(t) - 7) + t[-4:]


def shown_sid(sid: str | None) -> str | None:
    """A pupil's 编号 on a class sheet; masked when it holds a 身份证号 (a 学籍号 is often G + the
    number), as a 身份证号 column is."""
    if not sid:
        return None
    return mask_id(sid) if looks_like_id_card(sid) else sid


def class_sheet_key(s) -> tuple[str, str]:
    """(编号 as shown, 姓名): how a class sheet lists a pupil (onsite.state.names_on_class_sheet
    reads it back), for the checks that compare a class sheet with the roster."""
    return shown_sid(s.sid) or "", s.name


def class_sheet(roster: Roster, params: Params, labels: np.ndarray, k: int, stamp: str, seed: int,
                totals: np.ndarray | None = None, head: str | None = None) -> SheetSpec:
    """One class, print-ready on portrait A4 (a class of 50 on one page): title, 班主任 and counts,
    the students, a 合计 row with 人数 and 男/女. Private by default (see :func:`class_columns`);
    with ``班级名单显示成绩`` an office version with scores and an 平均分 row (one decimal).
    ``totals``: ``total_scores(roster, params.subjects)`` when the caller has it (one per run);
    ``head``: the head teacher once drawn."""
    name = params.names()[k]
    members = np.flatnonzero(np.asarray(labels) == k).tolist()
    subjects = list(params.subjects) if params.show_scores else []
    full, extras = class_columns(roster, params)
    keep = printed_columns(roster, full)
    header = [full[c] for c in keep]
    if not subjects or len(params.subjects) < 2:
        totals = None
    elif totals is None:
        totals = total_scores(roster, params.subjects)
    rows = [[row[c] for c in keep] for row in
            (_class_row(roster, params, i, n, subjects, totals, extras) for n, i in enumerate(members, start=1))]
    boys = sum(1 for i in members if roster.students[i].gender == "男")
    girls = len(members) - boys
    width = len(header)
    foot = ["合计", f"共 {len(members)} 人"] + [None] * (width - 2)
    foot[max(header.index(S.C_GENDER), 2)] = f"男 {boys} 人，女 {girls} 人"      # under 性别, as wide as what is right of it
    spec = SheetSpec(name=name, freeze="A4", print_title_rows="3:3", header_footer=f"{name}")
    spec.add(1, 1, [[sheet_title(params, f"{name} 学生名单")]], "title")
    spec.add(2, 1, [[f"班主任：{head or PENDING_HEAD}"]], "subtitle")
    counts = f"人数 {len(members)}（男 {boys}，女 {girls}）  编班 {stamp[:10]}"
    spec.add(3, 1, [header], "header")
    if rows:
        spec.add(4, 1, rows, "body")
    r = 4 + len(rows)
    spec.add(r, 1, [foot], "foot")
    if subjects:
        mean = ["平均分"] + [None] * (full.index(S.C_LEVEL))
        for sub in subjects:
            vals = [roster.students[i].scores.get(sub) for i in members]
            vals = [v for v in vals if v is not None]
            mean.append(round(float(np.mean(vals)), 1) if vals else None)
        if len(subjects) > 1:
            t = totals[members] if members else np.array([])
            t = t[~np.isnan(t)]
            mean.append(round(float(t.mean()), 1) if len(t) else None)
        mean += [None] * (len(full) - len(mean))
        spec.add(r + 1, 1, [[mean[c] for c in keep]], "foot")
        spec.add(r + 2, 1, [["平均分行为本班各科平均分（缺考不计入），保留一位小数。本表含成绩，仅供学校内部使用，不得公开。"]], "note")
    widths, tight, grade = _class_widths(roster, params, full, subjects, totals, extras)
    spec.col_widths.update({n: widths[c + 1] for n, c in enumerate(keep, start=1)})
    if len(keep) < len(full):
        # what is left is narrow: 备注 wide enough for a note by hand, for 男 … 女 … of 合计 and for the
        # counts right of 班主任 (the same width on every class: digits of the grade's size); never wider
        # than the columns left out, so a sheet that printed portrait still does
        d = "0" * len(str(len(roster.students)))
        freed = sum(widths[c + 1] for c in range(len(full)) if c not in keep)
        note = spec.col_widths[width]
        spec.col_widths[width] = min(max(note, 14.0, text_width(f"人数 {d}（男 {d}，女 {d}）") + 1.5), note + freed)
    born = [s for s in roster.students if s.birth is not None]
    standard = sum(1 for c in keep if c < 6)          # 序号 … 毕业学校 as printed
    if S.C_BIRTH in header:
        # 出生年月 without days (2012.04) prints as 2012-04, not as an invented first of the month
        spec.number_formats[header.index(S.C_BIRTH) + 1] = \
            "yyyy-mm" if born and all(s.birth_month_only for s in born) else "yyyy-mm-dd"
    for c, h in enumerate(header, start=1):
        fmt = _date_format([rw[c - 1] for rw in rows])
        if fmt and c > standard:     # a date column from 班级名单列 (入学日期 …) shows as a date, not 46266
            spec.number_formats[c] = fmt
        if h in subjects or h == TOTAL:
            whole = all(v is None or float(v).is_integer() for v in (rw[c - 1] for rw in rows))
            spec.number_formats[c] = "0" if whole else "0.0"
    spec.landscape = sum(spec.col_widths.values()) > PORTRAIT_CHARS + 10
    shrunk: set[int] = set()
    tightened = False
    if spec.landscape:
        # long names and schools (a 15-character 小学 and its 校区, 11-character minority names) made
        # the sheet landscape, where a class of 59 took two pages: portrait with the text columns as
        # wide as LibreOffice prints them, when that prints at ≥ 9 pt
        narrow = {n: min(spec.col_widths[n], tight[c + 1]) for n, c in enumerate(keep, start=1)}
        if PRINTABLE_CHARS[False] / sum(narrow.values()) >= MIN_PRINT_SCALE:
            shrunk = {n for n in narrow if narrow[n] < spec.col_widths[n]
                      and all(row[n - 1] is None or isinstance(row[n - 1], str) for row in rows)}
            spec.col_widths.update(narrow)
            spec.landscape, tightened = False, True
    wrapped: set[int] = set()
    if not tightened and spec.landscape:
        shrunk, wrapped = _landscape_columns(spec, header, [grade[c] for c in keep],
                                             {n: tight[c + 1] for n, c in enumerate(keep, start=1)}, subjects)
    elif not tightened:
        _fit_widths(spec, PORTRAIT_CHARS)
    if (shrunk or wrapped) and rows:
        # the body written column by column: the narrowed text columns shrink what does not fit, the
        # wrapped ones break it into lines
        def look(n: int) -> str:
            return "fit" if n in shrunk else "wrap_mid" if n in wrapped else "body"
        spec.blocks = [b for b in spec.blocks if not (b.top == 4 and b.style == "body")]
        c = 0
        while c < width:
            end = c + 1
            while end < width and look(end + 1) == look(c + 1):
                end += 1
            spec.add(4, c + 1, [row[c:end] for row in rows], look(c + 1))
            c = end
    # 人数 … 编班 … right of 班主任 (from column 5, else 4, the date left out if need be) within the table:
    # with 姓名/性别 only the columns there are narrow and the date ran off the table
    def room(c: int) -> float:
        return sum(spec.col_widths.get(x, DEFAULT_COL_WIDTH) for x in range(c, width + 1))
    short = counts.split("  编班")[0]
    start, counts = next(((c, t) for t in (counts, short) for c in (5, 4) if room(c) >= text_width(t) + 1), (4, short))
    spec.add(2, start, [[counts]], "subtitle")
    spec.row_heights = {1: 24.0, 2: 16.0, 3: 16.0}
    # a crowded class (more than 50, 大班额 or 插班 up to the 班额上限) on one page: rows a little lower,
    # the rest by fit-to-page when its text stays ≥ 9 pt (≈ 92 % for 60); it printed 50 on the first
    # page and the rest with 合计 on a second
    body = range(4, 5 + len(rows) + (1 if subjects else 0))
    crowded = len(rows) > CLASS_ONE_PAGE and one_page_scale(spec, body, CROWDED_ROW_HEIGHT) >= MIN_PRINT_SCALE
    spec.fit_height = 1 if crowded else 0
    height = CROWDED_ROW_HEIGHT if crowded else CLASS_ROW_HEIGHT
    spec.row_heights.update({r: height for r in body})
    if spec.landscape:
        # headers that wrap (道德与法治 over a narrow score column) and rows whose wrapped values
        # need more lines: as tall as their lines
        lines = max(cell_lines(str(h), spec.col_widths[n] - 1) for n, h in enumerate(header, start=1))
        spec.row_heights[3] = max(spec.row_heights[3], WRAP_LINE_HEIGHT * lines + 2)
        for r, row in enumerate(rows, start=4):
            height = wrapped_row_height((row[n - 1], spec.col_widths[n]) for n in wrapped)
            if height:
                spec.row_heights[r] = height
    spec.print_area = f"A1:{column_letter(width)}{spec.max_row}"
    return fit_titles(spec)


def _score_width(header: str, values: list) -> float:
    """A score (or 总分) column of a landscape class sheet: as wide as its numbers and the 平均分 row's
    one decimal (85.3, 612.4), or as its header on at most two lines (道德与法治: 道德与 | 法治)."""
    digits = max((len(str(int(abs(v)))) for v in values if isinstance(v, (int, float))), default=3)
    head = header if len(header) <= 3 else header[:math.ceil(len(header) / 2)]
    return max(1.1 * (digits + 2) + 1.0, text_width(head) + 1.0)


def _landscape_columns(spec: SheetSpec, header: list[str], grade: list[list], tight: dict[int, float],
                       subjects: list[str]) -> tuple[set[int], set[int]]:
    """Widths of a class sheet too wide for portrait (the office list with scores, 6–9 subjects, or many
    extra columns): one landscape A4 page across (at ≥ 8.5 pt where the values allow: LIST_PRINT_SCALE),
    rows flowing onto further pages under the repeated header. ``grade``: each printed column's values
    over the whole grade, so every class prints alike. Score columns as wide as their numbers (their
    headers wrap), text columns as wide as LibreOffice prints them (Excel shrinks what it finds wider:
    the first set returned); while still too wide, text columns are narrowed half a character at a
    time and wrap (the second set; rows grow), each time the one that adds the fewest lines. It was
    shrunk column by column to 8 characters: dates printed ###, names and schools were cut, and 9
    subjects printed at ≈ 8.6 pt."""
    key = (tuple(map(id, grade)), tuple(header), tuple(sorted(spec.col_widths.items())))
    hit = _LANDSCAPE.get(key)
    if hit is None:
        widths = dict(spec.col_widths)
        shrunk: set[int] = set()
        text: list[int] = []
        for n, h in enumerate(header, start=1):
            vals = [v for v in grade[n - 1] if v is not None]
            if h in subjects or h == TOTAL:
                widths[n] = _score_width(h, vals)
            elif n > 1 and tight[n] < widths[n]:
                widths[n] = tight[n]
                if all(isinstance(v, str) for v in vals):
                    shrunk.add(n)
            if n > 1 and h != S.C_ID and vals and all(isinstance(v, str) for v in vals):
                text.append(n)            # an 编号 does not wrap: digits broken over two lines misread
        wrapped: set[int] = set()
        limit = PRINTABLE_CHARS[True] / LIST_PRINT_SCALE

        # the values that may wrap (wider than the narrowest column), each with how often it occurs
        long = {n: Counter(v for v in grade[n - 1] if v and text_width(v) > WRAP_MIN_WIDTH - 1) for n in text}
        seen: dict[tuple[int, float], int] = {}

        def lines(n: int, w: float) -> int:
            if (n, w) not in seen:
                seen[n, w] = sum(k * cell_lines(v, w - 1) for v, k in long[n].items())
            return seen[n, w]

        while (excess := sum(widths.values()) - limit) > 0:
            narrow = [n for n in text if widths[n] > WRAP_MIN_WIDTH]
            if not narrow:
                break
            step = {n: max(WRAP_MIN_WIDTH, widths[n] - min(0.5, excess)) for n in narrow}
            n = min(narrow, key=lambda x: (lines(x, step[x]) - lines(x, widths[x]), -widths[x]))
            widths[n] = step[n]
            wrapped.add(n)
            shrunk.discard(n)
        # a text column that Excel finds too narrow for some value (a school name past the 24-character
        # cap) shrinks it rather than cutting it off
        shrunk |= {n for n in text if n not in wrapped
                   and any(text_width(v) + 1 > widths[n] for v in grade[n - 1] if v)}
        if len(_LANDSCAPE) > 8:
            _LANDSCAPE.clear()
        hit = _LANDSCAPE[key] = (widths, shrunk, wrapped, grade)     # grade kept: its ids stay its own
    spec.col_widths.update(hit[0])
    return set(hit[1]), set(hit[2])


_LANDSCAPE: dict[tuple, tuple[dict[int, float], set[int], set[int], list]] = {}


# a landscape class list (the office list with scores) prints one page across with its text at ≥ 8.5 pt
# (LibreOffice measured: ≈ 8.3 pt), each pupil on one line where the widths allow; past that its widest
# text columns wrap, no narrower than 4 Chinese characters a line (a 4-character name whole)
LIST_PRINT_SCALE, WRAP_MIN_WIDTH = 8.5 / 10.5, 9.8


def one_page_scale(spec: SheetSpec, body: range, height: float) -> float:
    """The print scale at which ``spec`` fits one page (LibreOffice's fit-to-page) with the rows of
    ``body`` ``height`` points tall: the title as fit_titles makes it, the other rows as set (15 pt
    where none is), the columns as wide as set."""
    chars = sum(spec.col_widths.values())
    title = max((b for b in spec.blocks if b.style == "title" and b.top == 1), key=lambda b: b.left, default=None)
    lines = len(text_lines(title.values[0][0], chars / TITLE_SCALE - 1)) if title and isinstance(title.values[0][0], str) else 1
    tall = max(spec.row_heights.get(1, TITLE_HEIGHT), TITLE_LINE * lines + 6 if lines > 1 else 0.0)
    tall += sum(height if r in body else spec.row_heights.get(r, ROW_HEIGHT) for r in range(2, spec.max_row + 1))
    return min(1.0, PRINTABLE_CHARS[spec.landscape] / chars, PRINTABLE_POINTS[spec.landscape] / tall)


def _tight_width(t: str) -> float:
    return sum(TIGHT_CJK if ord(ch) > 0x2E80 else TIGHT_OTHER for ch in t)


def _class_row(roster: Roster, params: Params, i: int, n: int, subjects: list[str], totals, extras: list[str]) -> list:
    """Student ``i`` as row ``n`` of a class sheet (the columns of :func:`class_columns`)."""
    s = roster.students[i]
    row = [n, shown_sid(s.sid), s.name, s.gender, s.birth, s.school]
    if params.show_scores:
        row += [s.huji, s.level] + [_fmt_score(s.scores.get(sub)) for sub in subjects]
        if len(subjects) > 1:
            row.append(_fmt_score(totals[i]))
    row += [_extra_value(s, h) for h in extras]
    row.append(s.extra.get(S.C_NOTE) if S.C_NOTE in s.extra else _note(roster, i))
    return row


_WIDTHS: dict[tuple, tuple[Roster, dict[int, float], dict[int, float], list[list]]] = {}


def _class_widths(roster: Roster, params: Params, header: list[str], subjects: list[str], totals,
                  extras: list[str]) -> tuple[dict[int, float], dict[int, float], list[list]]:
    """Column widths of the class sheets, measured over the whole grade, so every class prints alike:
    measured per class, a class with one long minority name or school went landscape (two pages)
    while the others printed portrait, and columns differed from sheet to sheet. Also the tight
    widths: each text column as wide as LibreOffice prints its widest value (and header), a date
    column as wide as yyyy-mm-dd (a crowded class's portrait page). Kept for the roster last asked
    about (one run writes all its class sheets in a row); not to be changed by the caller. Third, each
    column's values over the grade (the header left out)."""
    key = (id(roster), len(roster.students), tuple(header), params.show_scores)
    hit = _WIDTHS.get(key)
    if hit is not None and hit[0] is roster:
        return hit[1], hit[2], hit[3]
    cols: list[list] = [[h] for h in header]
    for i in range(len(roster.students)):
        for c, v in enumerate(_class_row(roster, params, i, i + 1, subjects, totals, extras)):
            cols[c].append(v)
    widths = {c: _width(vals, minimum=5.0 if c == 1 else 6.0, maximum=24.0) for c, vals in enumerate(cols, start=1)}
    widths[1] = 5.0
    widths[len(header)] = min(widths[len(header)], 14.0)     # 备注: long notes wrap off the page
    tight = dict(widths)
    for c, vals in enumerate(cols, start=1):
        shown = [v for v in vals[1:] if v is not None]
        if all(isinstance(v, str) for v in shown):            # text: as wide as LibreOffice prints it
            tight[c] = min(widths[c], max(4.5, *(_tight_width(v) + TIGHT_PAD for v in [vals[0], *shown])))
        elif all(isinstance(v, (date, datetime)) for v in shown):
            tight[c] = min(widths[c], 11.5)                  # yyyy-mm-dd: 10 digits in Excel and LibreOffice
    grade = [vals[1:] for vals in cols]
    _WIDTHS.clear()
    _WIDTHS[key] = (roster, widths, tight, grade)
    return widths, tight, grade


def _date_format(values) -> str | None:
    """The number format for a column whose filled cells are all dates or times, else None."""
    vals = [v for v in values if v is not None]
    if not vals or not all(isinstance(v, (date, time)) for v in vals):
        return None
    times = sum(isinstance(v, time) for v in vals)
    if times:
        return "h:mm" if times == len(vals) else None        # times only, or a mix: no one format
    if any(isinstance(v, datetime) and v.time() != time() for v in vals):
        return "yyyy-mm-dd h:mm"
    return "yyyy-mm-dd"


def _extra_value(s, header: str):
    v = {S.C_HUJI: s.huji, S.C_LEVEL: s.level}[header] if header in (S.C_HUJI, S.C_LEVEL) else s.extra.get(header)
    return mask_id(v) if S.is_id_card_header(header) else v


def _fit_widths(spec: SheetSpec, limit: float) -> None:
    """Narrow the widest columns until the sheet fits ``limit`` characters (A4 at 100 %)."""
    while sum(spec.col_widths.values()) > limit:
        c = max(spec.col_widths, key=spec.col_widths.get)
        if spec.col_widths[c] <= 8:
            break
        spec.col_widths[c] -= 1


def note_lines(text: str, chars: float) -> list[list[str]]:
    """A long note as rows of at most ``chars`` column-width characters, broken after punctuation
    where possible, so no note runs past the table (fit-to-width would shrink the page for it)."""
    return [[line] for line in text_lines(text, chars)]


@lru_cache(maxsize=256)
def _extra_headers(headers: tuple, subjects: tuple) -> tuple:
    """Roster columns that are neither standard nor subjects (shown as they are on class sheets)."""
    return tuple(h for h in headers if h not in subjects and (S.resolve(h, S.ROSTER_SYNONYMS) is None))


def _note(roster: Roster, i: int) -> str | None:
    for g in roster.twin_groups:
        if i in g.members:
            return f"双胞胎组{g.gid}·{g.mode}"
    return None


VERDICT_RULE = ("评价规则：本次差距等于理论最小差距为“达到最优”（绿）；超出理论最小差距的部分不到随机分班典型差距"
                "超出部分的四分之一为“接近最优”（绿）；小于随机分班典型差距为“基本均衡”（黄）；否则为“差距较大”（红）。"
                "随机分班典型差距：把这份名单完全随机地分进同样大小的班，该项最大差距的期望值（由各班人数、该项人数或"
                "全年级标准差按统计公式算出，见 docs/使用指南.md）。")


@lru_cache(maxsize=256)
def expected_range(k: int) -> float:
    """E[max − min] of k independent standard normal values (numerical integration)."""
    if k < 2:
        return 0.0
    xs = np.linspace(-9.0, 9.0, 3601)
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(xs / math.sqrt(2.0)))
    return float(np.sum(1.0 - cdf ** k - (1.0 - cdf) ** k) * (xs[1] - xs[0]))


def typical_random_gaps(roster: Roster, params: Params, ms: list[Measure],
                        totals: np.ndarray | None = None) -> list[float]:
    """Per measure, the expected largest gap between classes if this roster were split at random
    into classes of these sizes: the range of k class values, each about normal with the spread
    sampling without replacement gives (counts: hypergeometric; means: σ/√m·√((n−m)/(n−1));
    class SDs: σ/√(2(m−1))). Cheap (no simulation), so every run and every district check has it."""
    n, k = len(roster.students), max(int(params.n_classes), 1)
    d = expected_range(k)
    m = n / k
    shrink = (n - m) / (n - 1) if n > 1 else 0.0
    births = np.array([b.toordinal() for b in (s.birth for s in roster.students) if b is not None], dtype=float)
    out = []
    for x in ms:
        if x.group == "班额":
            out.append(x.bound)
        elif x.unit == "人":
            p = float(np.nansum(x.per_class)) / n if n else 0.0
            out.append(d * math.sqrt(max(m * p * (1 - p) * shrink, 0.0)))
        elif x.group in ("平均分", "标准差"):
            sd = _cohort_sd(roster, params, x.label, totals)
            if not np.isfinite(sd):
                out.append(float("nan"))
            elif x.group == "平均分":
                out.append(d * sd / math.sqrt(m) * math.sqrt(shrink))
            else:
                out.append(d * sd / math.sqrt(2 * max(m - 1, 1)))
        elif x.group == "出生日期" and len(births) > 1:
            out.append(d * float(np.std(births, ddof=1)) / math.sqrt(m) * math.sqrt(shrink))
        else:
            out.append(float("nan"))
    return out


def _verdict(m: Measure, typical: float = float("nan")) -> tuple[str, str]:
    """(text, style) for a gap against its provable bound and the typical gap of a random split."""
    if math.isnan(m.gap):
        return "—", "body"
    if m.gap <= m.bound + 1e-9:
        return "达到最优", "good"
    if not np.isfinite(typical):
        return ("接近最优", "good") if m.unit == "人" and m.gap <= m.bound + 1 else ("基本均衡", "warn")
    room = max(typical - m.bound, 0.0)
    if m.gap - m.bound <= 0.25 * room + 1e-9:
        return "接近最优", "good"
    if m.gap < typical:
        return "基本均衡", "warn"
    return "差距较大", "bad"


def _typical_text(x: float, unit: str):
    if not np.isfinite(x):
        return None
    return int(x) if float(x).is_integer() else round(float(x), 1 if unit == "人" else 2)


def _gap_text(x: float, unit: str):
    if math.isnan(x):
        return None
    return int(round(x)) if unit == "人" else round(float(x), 2)


INDEX_FORMULA = ("均衡指数 = 100 × (1 − 各班平均分最大差距 ÷ 全年级该科成绩标准差)，低于 0 记为 0；"
                 "总体均衡指数取各科与总分均衡指数的平均值。“评价”按下面第二部分末尾的评价规则，"
                 "把各班平均分最大差距与理论最小差距、随机分班典型差距相比较。")


def balance_index(mean_gap: float, cohort_sd: float) -> float:
    """The published 均衡指数 of one subject: 100 × (1 − class-mean range / cohort SD), floored at 0."""
    if not np.isfinite(mean_gap) or not np.isfinite(cohort_sd) or cohort_sd <= 0:
        return float("nan")
    return max(0.0, 100.0 * (1.0 - mean_gap / cohort_sd))


VERDICT_ORDER = {"达到最优": 0, "接近最优": 1, "基本均衡": 2, "差距较大": 3, "—": -1}


def _cohort_sd(roster: Roster, params: Params, label: str, totals: np.ndarray | None = None) -> float:
    if label == TOTAL:
        v = totals if totals is not None else total_scores(roster, params.subjects)
    else:
        v = subject_scores(roster, label)
    v = v[~np.isnan(v)]
    return float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")


def baseline_measures(roster: Roster, params: Params, seed: int) -> dict[str, list[Measure]]:
    """The same roster under the S-shaped (蛇形) method (a random split is judged by its expectation,
    :func:`typical_random_gaps`, not by one draw)."""
    return {"蛇形法": measures(roster, snake_assign(roster, params, seed), params)}


def summary_sheet(roster: Roster, params: Params, labels: np.ndarray, stamp: str, seed: int,
                  compare: dict[str, list[Measure]] | None = None, ms: list[Measure] | None = None,
                  totals: np.ndarray | None = None) -> SheetSpec:
    """编班汇总 as a balance certificate: 均衡指数 with its formula, every gap against its provable
    lower bound and against the S-shaped method and a random split, per-class detail, charts.
    ``ms``, ``totals``: ``measures(roster, labels, params)`` and ``total_scores(roster, params.subjects)``
    when the caller has them."""
    if ms is None:
        ms = measures(roster, labels, params)
    if totals is None and len(params.subjects) > 1:
        totals = total_scores(roster, params.subjects)
    if compare is None:
        compare = baseline_measures(roster, params, seed)
    names = params.names()
    spec = SheetSpec(name=S.SHEET_SUMMARY, landscape=True, header_footer=S.SHEET_SUMMARY)
    # column A holds the class names of the detail tables: 七年级（10）班 was cut to 七年级（1
    widths = {1: min(max(11.0, max((_text_width(c) for c in names), default=0.0) + 1.5), 20.0), 2: SUMMARY_LABEL_CHARS,
              3: 11, 4: 11, 5: 10}
    spec.add(1, 1, [[sheet_title(params, "编班汇总 · 均衡情况说明")]], "title")
    n = len(roster.students)
    boys = sum(1 for s in roster.students if s.gender == "男")
    spec.add(2, 1, [[f"学生 {n} 人（男 {boys}，女 {n - boys}），{len(names)} 个班；编班时间 {stamp}；随机种子 {seed}"]], "subtitle")
    typical = typical_random_gaps(roster, params, ms, totals)
    # row 1: the title as it wraps across the table; row 3: the result 核验码 (witness_marks adds it)
    title_lines = len(text_lines(spec.blocks[0].values[0][0], SUMMARY_TABLE_CHARS / TITLE_SCALE - 1))
    fill = PageFill(spec, page_height(landscape=True), reserved={1: max(TITLE_HEIGHT, TITLE_LINE * title_lines + 6), 3: 30.0})
    r = _index_section(spec, 4, roster, params, ms, compare, typical, totals)
    r = _gaps_section(spec, r, ms, compare, typical, fill)
    r, where = _detail_section(spec, r, ms, names, widths, fill)
    table_cols = max(max(widths), spec.max_col)
    for c in range(1, table_cols + 1):
        widths.setdefault(c, 9)
    spec.add(r, 1, [["监督人员签字：______________    家长代表签字：______________    教务处：______________    日期：________"]], "sign")
    r = _chart_section(spec, r + 2, ms, params, totals, names, where, table_cols, widths)
    spec.col_widths = widths
    spec.freeze = None
    spec.print_area = f"A1:{column_letter(table_cols)}{r}"
    return fit_titles(spec)


SUMMARY_TABLE_CHARS = LANDSCAPE_CHARS - 4
SUMMARY_LABEL_CHARS = 26.0       # column B of 编班汇总: 项目 of 二、 (科目 headers of 一、)


def _add_note(spec: SheetSpec, r: int, text: str) -> int:
    """A note on 编班汇总 as rows that stay inside the table's width; the next free row."""
    lines = note_lines(text, SUMMARY_TABLE_CHARS)
    spec.add(r, 1, lines, "note")
    return r + len(lines)


def _index_section(spec: SheetSpec, r: int, roster: Roster, params: Params, ms: list[Measure],
                   compare: dict[str, list[Measure]], typical: list[float], totals: np.ndarray | None) -> int:
    """一、均衡指数: one row per subject (and 总分), the overall row, the formula; the next free row."""
    spec.add(r, 1, [["一、均衡指数（分数越高越均衡，满分 100）"]], "section")
    r += 1
    if not any(m.group == "平均分" for m in ms):     # an empty table and a formula for an index not there
        spec.add(r, 1, [["（名单中没有成绩，不计算均衡指数；人数、男女、学校等的均衡见下面第二部分）"]], "note")
        return r + 2
    spec.add(r, 1, [["科目", "各班平均分最大差距", "全年级标准差", "均衡指数", "评价"] + [f"{k}均衡指数" for k in compare]
                    + ["随机分班均衡指数"]], "header")
    spec.row_heights[r] = 30.0     # two-line headers
    r += 1
    indices, grades = [], []
    means = [(i, m) for i, m in enumerate(ms) if m.group == "平均分"]
    for i, m in means:
        sd = _cohort_sd(roster, params, m.label, totals)
        idx = balance_index(m.gap, sd)
        indices.append(idx)
        grade, style = _verdict(m, typical[i])
        grades.append((grade, style))
        others = []
        for lst in compare.values():
            om = next((x for x in lst if x.group == "平均分" and x.label == m.label), None)
            oi = balance_index(om.gap, sd) if om else float("nan")
            others.append(round(oi, 1) if np.isfinite(oi) else None)
        ti = balance_index(typical[i], sd)
        others.append(round(ti, 1) if np.isfinite(ti) else None)
        spec.add(r, 1, [[m.label, round(m.gap, 2), round(sd, 2) if np.isfinite(sd) else None,
                         round(idx, 1) if np.isfinite(idx) else None]], "body")
        spec.add(r, 5, [[grade]], style)
        if others:
            spec.add(r, 6, [others], "body")
        r += 1
    if means:
        overall = float(np.nanmean(indices)) if any(np.isfinite(indices)) else float("nan")
        grade, style = max(grades, key=lambda g: VERDICT_ORDER.get(g[0], -1))      # the weakest subject
        spec.add(r, 1, [["总体", None, None, round(overall, 1) if np.isfinite(overall) else None]], "foot")
        spec.add(r, 5, [[grade]], style)
        r += 1
    else:
        spec.add(r, 1, [["（名单中没有成绩，只均衡人数、男女、学校等）"]], "note")
        r += 1
    return _add_note(spec, r, INDEX_FORMULA) + 1


GAPS_NOTE = ("最大差距 = 各班该项数值的最大值减最小值。理论最小差距是这份名单在班级人数确定时数学上可能达到的最好结果"
             "（人数类：总数能被班级数整除时为 0，否则为 1；同班的双胞胎必须整组编入一个班，可能使它变为 2 或更大）。"
             "蛇形法用同一名单现场计算，供对照。" + VERDICT_RULE)


def _gaps_section(spec: SheetSpec, r: int, ms: list[Measure], compare: dict[str, list[Measure]],
                  typical: list[float], fill: PageFill) -> int:
    """二、各项差距: every gap against its bound, the S-shape and a random split; the next free row.
    Nine subjects make a table taller than a page: it goes on with its header repeated, and its
    last rows keep the notes with them (they fell alone onto a page of their own)."""
    head = ["类别", "项目", "本次编班", "理论最小差距", "评价"] + list(compare) + ["随机分班典型差距", "单位"]
    schools = [i for i, m in enumerate(ms) if m.group == "毕业学校" and np.isfinite(m.gap)]
    worst_school = max(schools, key=lambda i: (ms[i].gap - ms[i].bound, ms[i].gap), default=None)
    items = []
    for i, m in enumerate(ms):
        if m.group == "毕业学校" and i != worst_school:
            continue       # every school is in 生源分布; here the one furthest from its bound
        label = f"{m.label}（{len(schools)} 所中差距最大）" if i == worst_school and len(schools) > 1 else m.label
        items.append((i, m, label, text_lines(label, SUMMARY_LABEL_CHARS - 1)))     # a long school name wraps
    heights = [14.0 * len(lines) if len(lines) > 1 else ROW_HEIGHT for *_, lines in items]
    notes = note_lines(GAPS_NOTE, SUMMARY_TABLE_CHARS)
    breaks = fill.plan_table(r, ROW_HEIGHT, 30.0, heights, tail=ROW_HEIGHT * len(notes))
    spec.add(r, 1, [["二、各班之间的最大差距：本次编班、理论最优、蛇形排班、随机分班"]], "section")
    r += 1
    for n, (i, m, label, lines) in enumerate(items):
        if n == 0 or n in breaks:
            if n:
                fill.break_before(r)
            spec.add(r, 1, [head], "header")
            spec.row_heights[r] = 30.0
            r += 1
        text, style = _verdict(m, typical[i])
        spec.add(r, 1, [[m.group]], "body")
        spec.add(r, 2, [[label]], "wrap_mid" if len(lines) > 1 else "body")
        if len(lines) > 1:
            spec.row_heights[r] = heights[n]
        spec.add(r, 3, [[_gap_text(m.gap, m.unit), _gap_text(m.bound, m.unit)]], "body")
        spec.add(r, 5, [[text]], style)
        spec.add(r, 6, [[_gap_text(lst[i].gap, m.unit) if i < len(lst) else None for lst in compare.values()]
                        + [_typical_text(typical[i], m.unit), m.unit]], "body")
        r += 1
    spec.add(r, 1, notes, "note")
    return r + len(notes) + 1


def _detail_parts(detail: list[Measure], first_width: float) -> list[list[Measure]]:
    """The measures of 三、各班明细 as tables that fit landscape A4 at ≥ 93 %: 人数 measures, then the
    score measures (平均分 and 标准差 of each subject), each cut into near-equal tables when too many
    for one. Nine subjects made one table of 21 columns, printed at about half size."""
    most = max(1, 4 + int((LANDSCAPE_CHARS + 8 - first_width - 58) // 9))
    people = [m for m in detail if m.unit == "人"]
    scores = [m for m in detail if m.unit != "人"]
    groups = [people, scores] if len(scores) <= most else \
        [people] + [[m for m in scores if m.group == g] for g in dict.fromkeys(m.group for m in scores)]
    out = []
    for g in groups:
        n = math.ceil(len(g) / most)
        size = math.ceil(len(g) / n) if n else 0
        out += [g[i:i + size] for i in range(0, len(g), size)] if size else []
    return out


DETAIL_WIDTH = 9          # the detail tables' columns right of the fifth (left of it, §二's widths)


def _detail_section(spec: SheetSpec, r: int, ms: list[Measure], names: list[str],
                    widths: dict[int, float], fill: PageFill) -> tuple[int, dict[str, int]]:
    """三、各班明细: tables of the 人数 and the score measures (see :func:`_detail_parts`), each narrow
    enough for the page; a table taller than the rest of a page (32 and more classes) goes on on the
    next with its header repeated (a sheet repeats one row range, so its rows printed without one).
    The next free row, and each column's table: label -> the table's header row (the charts read
    their own copy of the values, :func:`_chart_section`, and chart one table's subjects together)."""
    fill.break_before(r)          # the detail tables and the signatures on pages of their own
    spec.add(r, 1, [["三、各班明细"]], "section")
    r += 1
    detail = [m for m in ms if m.group not in ("出生日期", "毕业学校")]
    parts = _detail_parts(detail, widths[1])
    where: dict[str, int] = {}
    wrap = any(_text_width(c) > widths[1] - 1 for c in names)
    heights = [14.0 * len(text_lines(c, widths[1] - 1)) if _text_width(c) > widths[1] - 1 else ROW_HEIGHT for c in names]
    parts = [p for p in parts if p]
    for n, part in enumerate(parts):
        cols = [("班级", None)] + [(("人数" if m.group == "班额" else f"{m.group}·{m.label}"), m) for m in part]
        # 最大差距 and 理论最小差距 stay with the last rows; after the last table, the note and the signatures too
        tail = (5 if n == len(parts) - 1 else 2) * ROW_HEIGHT
        # a long label (标准差·道德与法治 in a 9-wide column) wraps: its header row grows to show it
        lines = max(cell_lines(label, (widths[c] if c <= 5 else DETAIL_WIDTH) - 1) for c, (label, _) in enumerate(cols, start=1))
        head = ROW_HEIGHT if lines == 1 else WRAP_LINE_HEIGHT * lines + 2
        breaks = fill.plan_table(r, ROW_HEIGHT if n == 0 else 0.0, head, heights, tail=tail)
        body = []
        for k, cname in enumerate(names):
            row = [cname]
            for _, m in cols[1:]:
                v = m.per_class[k]
                row.append(None if np.isnan(v) else (int(v) if m.unit == "人" else round(float(v), 2)))
            body.append(row)
        header_row = r
        for k, row in enumerate(body):
            if k == 0 or k in breaks:
                if k:
                    fill.break_before(r)
                spec.add(r, 1, [[c for c, _ in cols]], "header")
                if head != ROW_HEIGHT:
                    spec.row_heights[r] = head
                r += 1
            spec.add(r, 1, [row[:1]], "wrap_mid" if wrap else "body")
            spec.add(r, 2, [row[1:]], "body")
            if heights[k] != ROW_HEIGHT:
                spec.row_heights[r] = heights[k]
            r += 1
        spec.add(r, 1, [["最大差距"] + [_gap_text(m.gap, m.unit) for _, m in cols[1:]],
                        ["理论最小差距"] + [_gap_text(m.bound, m.unit) for _, m in cols[1:]]], "foot")
        r += 3
        for c, (label, _) in enumerate(cols, start=1):
            where[label] = header_row
            if c > 5:
                widths[c] = DETAIL_WIDTH
    if any(m.group == "毕业学校" for m in ms):
        spec.add(r - 1, 1, [[f"各毕业学校在各班的人数见工作表“{SHEET_SCHOOLS}”。"]], "note")
        r += 1
    return r, where


# the plot of a 24 cm chart is about 600 pt wide; a category label prints in 10 pt (a CJK character
# 10 pt wide, a digit 5.6)
CHART_PLOT_POINTS = 600.0


def _label_points(t: str) -> float:
    return sum(10.0 if ord(ch) > 0x2E80 else 5.6 for ch in t)


def chart_labels(names: list[str]) -> tuple[list[str], str]:
    """(the class labels under a chart's columns, the axis title naming them). The class names when
    each fits the width of its column; else what tells the classes apart: the part between what every
    name starts and ends with (digits kept whole), as “12班”, or “12” under a 班级 axis title when even
    that is too wide. 32 classes named 2026级初一年级（12）班（城东校区南楼教学班） printed labels
    that filled the chart and ran off it, every other one left out."""
    room = CHART_PLOT_POINTS / max(len(names), 1) * 0.9
    if not names or max(_label_points(c) for c in names) <= room:
        return list(names), ""
    head = os.path.commonprefix(names)
    tail = os.path.commonprefix([c[::-1] for c in names])[::-1]
    while head and head[-1].isdigit():
        head = head[:-1]
    while tail and tail[0].isdigit():
        tail = tail[1:]
    if len(head) + len(tail) >= min(len(c) for c in names):
        return list(names), ""
    middle = [c[len(head):len(c) - len(tail)] for c in names]
    if len(set(middle)) < len(middle) or not all(middle):
        return list(names), ""
    if all(m.isdigit() for m in middle):
        numbered = [f"{int(m)}班" for m in middle]
        if max(_label_points(c) for c in numbered) <= room:
            return numbered, ""
        return [str(int(m)) for m in middle], "班级"
    return middle, ""


def _chart_section(spec: SheetSpec, r: int, ms: list[Measure], params: Params, totals: np.ndarray | None,
                   names: list[str], where: dict[str, int], table_cols: int,
                   widths: dict[int, float]) -> int:
    """四、图表: native charts, each over its own data written beside the page (not printed): the
    classes as :func:`chart_labels` names them, then the values of the detail tables (so a table cut
    by a page break, its header repeated, is read whole) and the cohort line. The last row of the
    print area."""
    spec.add(r, 1, [["四、图表"]], "section")
    spec.row_breaks.append(r - 1)
    r += 1
    chart_top = r
    data_col = table_cols + 2
    labels, x_title = chart_labels(names)
    d0, d1 = chart_top, chart_top + len(names)
    by_label = {("人数" if m.group == "班额" else f"{m.group}·{m.label}"): m for m in ms}
    free = [data_col + 4]             # the next column free beside the page

    def aside(titles: list[str]) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
        """The classes and the detail values of ``titles`` beside the page: (categories, data)."""
        col = free[0]
        free[0] += len(titles) + 2
        spec.add(d0, col, [["班级", *titles]], "header")
        rows = []
        for k in range(len(names)):
            vals = [by_label[t].per_class[k] for t in titles]
            rows.append([labels[k], *(None if np.isnan(v) else (int(v) if by_label[t].unit == "人" else round(float(v), 2))
                                      for t, v in zip(titles, vals))])
        spec.add(d0 + 1, col, rows, "body")
        return (col, d0 + 1, col, d1), (col + 1, d0, col + len(titles), d1)

    if "性别·男" in where and "性别·女" in where and "性别·男" in by_label and "性别·女" in by_label:
        cats, data = aside(["性别·男", "性别·女"])
        spec.charts.append(ChartSpec("stacked", "各班男女人数", f"A{r}", cats, data, y_title="人", x_title=x_title,
                                     width_cm=24, height_cm=7.5))
    mean_cols = [label for label in where if label.startswith("平均分·")]
    if not mean_cols:
        return chart_top + 16
    tm = next(m for m in ms if m.group == "平均分" and f"平均分·{m.label}" == mean_cols[-1])
    cohort = float(np.nanmean(totals)) if len(params.subjects) > 1 else float(np.nanmean(
        [x for x in tm.per_class if np.isfinite(x)]))
    spec.add(chart_top, data_col, [["图表数据", "各班平均分", "全年级平均分"]], "header")
    spec.add(chart_top + 1, data_col, [[labels[k], None if np.isnan(tm.per_class[k]) else round(float(tm.per_class[k]), 2),
                                        round(cohort, 2)] for k in range(len(names))], "body")
    lo = float(np.nanmin(tm.per_class)) if np.any(np.isfinite(tm.per_class)) else 0.0
    hi = float(np.nanmax(tm.per_class)) if np.any(np.isfinite(tm.per_class)) else 1.0
    span = max(5.0, round(0.1 * cohort))
    spec.charts.append(ChartSpec("col", f"各班{tm.label}平均分与全年级平均分", f"A{chart_top + 16}",
                                 (data_col, d0 + 1, data_col, d1), (data_col + 1, d0, data_col + 1, d1), y_title="分",
                                 line=(data_col + 2, d0, data_col + 2, d1), x_title=x_title,
                                 y_min=float(np.floor(min(lo, cohort) - span)), y_max=float(np.ceil(max(hi, cohort) + span)),
                                 width_cm=24, height_cm=7.5))
    for c, w in zip(range(data_col, data_col + 3), (10, 11, 12)):
        widths[c] = w
    if len(mean_cols) == 1:
        return chart_top + 31
    subj = [label for label in mean_cols[:-1] if where[label] == where[mean_cols[0]]]    # one table's
    vals = np.concatenate([by_label[label].per_class for label in subj])
    vals = vals[np.isfinite(vals)]
    spec.row_breaks.append(chart_top + 31)
    cats, data = aside(subj)
    # a column per subject and class: with more than 20 classes the chart takes its page's height
    tall = len(names) > 20
    spec.charts.append(ChartSpec("col", "各班各科平均分", f"A{chart_top + 32}", cats, data, x_title=x_title,
                                 y_title="分", y_min=float(np.floor(vals.min() - 5)) if len(vals) else None,
                                 y_max=float(np.ceil(vals.max() + 5)) if len(vals) else None,
                                 width_cm=24, height_cm=14.0 if tall else 7.5))
    return chart_top + (60 if tall else 47)


SHEET_SCHOOLS = "生源分布"


def schools_sheet(roster: Roster, params: Params, labels: np.ndarray,
                  all_measures: list[Measure] | None = None) -> SheetSpec | None:
    """生源分布: source school × class counts, shaded by value, with each school's gap and bound.
    More classes than landscape A4 holds at ≥ 93 % are cut into tables of near-equal numbers of
    classes, one under the other, the school names repeated (32 classes printed at about 40 %)."""
    L = column_letter
    if all_measures is None:
        all_measures = measures(roster, labels, params)
    ms = [m for m in all_measures if m.group == "毕业学校"]
    if not ms:
        return None
    names = params.names()
    spec = SheetSpec(name=SHEET_SCHOOLS, header_footer=SHEET_SCHOOLS)
    first = _width([m.label for m in ms] + ["毕业学校"], 10, 24)
    per_class = max(max(5.0, _width([c], 5, 12)) for c in names)
    tail = (6, 6, 8, 9)
    one = first + len(names) * per_class + sum(tail) <= LANDSCAPE_CHARS + 8
    # several tables: the classes in tables of near-equal size, then 合计 … 评价 in a table of their own
    tables = 1 if one else math.ceil(len(names) / max(1, int((LANDSCAPE_CHARS + 8 - first) // per_class)))
    size = math.ceil(len(names) / tables)
    chunks = [list(range(i, min(i + size, len(names)))) for i in range(0, len(names), size)]
    spec.col_widths = {1: first}
    spec.col_widths.update({c: max(5.0, _width([names[c - 2]], 5, 12)) if one else per_class for c in range(2, size + 2)})
    if one:
        spec.col_widths.update({c: float(w) for c, w in zip(range(size + 2, size + 6), tail)})
    chars = sum(spec.col_widths.values())
    spec.landscape = chars > PORTRAIT_CHARS
    _fit_widths(spec, LANDSCAPE_CHARS if spec.landscape else PORTRAIT_CHARS)
    chars = min(chars, LANDSCAPE_CHARS if spec.landscape else PORTRAIT_CHARS)
    spec.add(1, 1, [[sheet_title(params, "生源分布（各毕业学校在各班的人数）")]], "title")
    spec.add(2, 1, note_lines("颜色越深人数越多；“最大差距”为该校学生在各班人数的最大值减最小值；“理论最小差距”是这所学校的"
                              "人数在这些班级之间能分得最匀的结果（一般为 0 或 1，同班的双胞胎整组编班时可能为 2）。"
                              "评价规则见“编班汇总”。", chars - 2),
             "subtitle")
    top = spec.max_row + 2 if not one else spec.max_row + 1
    typical = typical_random_gaps(roster, params, ms)
    page = (595 if spec.landscape else 842) - (MARGIN_TOP + MARGIN_BOTTOM) * 72 - 10
    used = 24.0 + 15.0 * top
    tail_head = ["毕业学校", "合计", "最大差距", "理论最小差距", "评价"]
    for n, chunk in enumerate(chunks + ([[]] if not one else [])):
        head_h = max([30.0] + [14.0 * len(text_lines(names[k], spec.col_widths[c] - 1)) for c, k in enumerate(chunk, start=2)])
        height = head_h + 15.0 * (len(ms) + 1)
        if n and used + height > page:
            spec.row_breaks.append(top - 1)
            used = 0.0
        with_tail = one or not chunk
        spec.add(top, 1, [tail_head if not chunk else ["毕业学校"] + [names[k] for k in chunk] + (tail_head[1:] if one else [])],
                 "header")
        spec.row_heights[top] = head_h
        for i, m in enumerate(ms):
            row = [m.label] + [int(m.per_class[k]) for k in chunk]
            spec.add(top + 1 + i, 1, [row], "body")
            if with_tail:
                text, style = _verdict(m, typical[i])
                spec.add(top + 1 + i, len(row) + 1, [[int(np.nansum(m.per_class)), _gap_text(m.gap, "人"),
                                                      _gap_text(m.bound, "人")]], "body")
                spec.add(top + 1 + i, len(row) + 4, [[text]], style)
        if chunk:
            spec.color_scales.append(f"B{top + 1}:{L(1 + len(chunk))}{top + len(ms)}")
        used += height
        top += len(ms) + 2
    if one:
        spec.freeze, spec.print_title_rows = f"B{top - len(ms) - 1}", f"{top - len(ms) - 2}:{top - len(ms) - 2}"
    spec.print_area = f"A1:{L(max(size + (4 if one else 0), 4) + 1)}{spec.max_row}"
    return fit_titles(spec)


RECORD_KEYS = ("学校名称", "年级", "编班时间", "软件版本", "运行环境", "随机种子", "种子来源", "班级数", "班额上限",
               "成绩科目", "同音分开", "班级名称", "学生人数", "双胞胎申请", "输入指纹", "结果指纹", "封存核验码", "结果核验码",
               "硬性规则", "复核方法", "计算量")


def record_sheet(params: Params, info: dict[str, object], log: list[list[object]] | None = None) -> SheetSpec:
    """编班记录: what was run, with which seed, on which input — enough to re-check it."""
    spec = SheetSpec(name=S.SHEET_RECORD, header_footer=S.SHEET_RECORD)
    spec.add(1, 1, [[sheet_title(params, "编班记录")]], "title")
    spec.add(2, 1, [["本表由软件自动生成，用于复核：用同样的输入和随机种子重新运行，必然得到完全相同的分班结果。"]], "subtitle")
    spec.add(3, 1, [["项目", "内容"]], "header")
    rows = [[k, info.get(k)] for k in RECORD_KEYS if k in info]
    spec.add(4, 1, rows, "wrap")
    r = 4 + len(rows) + 1
    if log:
        spec.add(r, 1, [["运行日志"]], "section")
        spec.add(r + 1, 1, [["时间", "事项", "校验码"][:max(len(x) for x in log)]], "header")
        spec.add(r + 2, 1, log, "wrap")
    three = bool(log) and max(len(x) for x in log) > 2
    # 时间 (19 characters) | 事项 | 校验码 (14 characters, XXXX-XXXX-XXXX) across portrait A4
    spec.col_widths = {1: 19, 2: PORTRAIT_CHARS - (36 if three else 20)}
    if three:
        spec.col_widths[3] = 16
    # the same rule as rows the later steps append (every writer sizes those by record_row_height)
    for row, values in [*enumerate(rows, start=4), *enumerate(log or [], start=r + 2)]:
        height = record_row_height(values, spec.col_widths)
        if height:
            spec.row_heights[row] = height
    spec.freeze = "A4"
    # a page that continues the 运行日志 repeats its header (时间 | 事项 | 校验码), not 项目 | 内容
    spec.print_title_rows = record_title_rows(spec)
    spec.merge_title = True
    return fit_titles(spec)


def record_title_rows(spec: SheetSpec) -> str:
    """The rows 编班记录 repeats on continued pages: the 运行日志's header, else 项目 | 内容."""
    head = next((b.top for b in spec.blocks if b.style == "header" and b.values and b.values[0][:1] == ["时间"]), 3)
    return f"{head}:{head}"


