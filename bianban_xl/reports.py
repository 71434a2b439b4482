"""Report builders: the result sheets as SheetSpecs (class lists, 编班汇总, 编班记录).

Pure functions of records; the adapters render them. Every sheet: a title row naming school,
grade and sheet, a frozen and repeated header row, widths that fit, A4 fit-to-width.
"""
from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np

from . import schema as S
from .balance import Measure, measures, total_scores
from .records import Params, Roster
from .sheet_model import SheetSpec

TOTAL = "总分"


def _title(params: Params, what: str) -> str:
    head = " ".join(x for x in (params.school_name, params.grade_name) if x)
    return f"{head} {what}".strip()


def _width(values, minimum=6.0, maximum=40.0) -> float:
    longest = 0.0
    for v in values:
        if v is None:
            continue
        t = v.strftime("%Y-%m-%d") if isinstance(v, (date, datetime)) else (f"{v:.2f}" if isinstance(v, float) else str(v))
        w = sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in t)
        longest = max(longest, w)
    return max(minimum, min(maximum, longest + 2.5))


def _fmt_score(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return int(x) if float(x).is_integer() else float(x)


def class_sheet(roster: Roster, params: Params, labels: np.ndarray, k: int, stamp: str, seed: int) -> SheetSpec:
    """One class: title, subtitle with counts, the students with all their columns, a foot row."""
    name = params.names()[k]
    members = [i for i in range(len(roster.students)) if labels[i] == k]
    subjects = list(params.subjects)
    extras = [h for h in roster.headers.values() if h not in subjects and (S.resolve(h, S.ROSTER_SYNONYMS) is None)]
    header = ["序号", S.C_ID, S.C_NAME, S.C_GENDER, S.C_BIRTH, S.C_SCHOOL, S.C_HUJI, S.C_LEVEL] + subjects
    if len(subjects) > 1:
        header.append(TOTAL)
    header += extras + [S.C_NOTE]
    totals = total_scores(roster, subjects) if subjects else None
    rows = []
    for n, i in enumerate(members, start=1):
        s = roster.students[i]
        row = [n, s.sid or None, s.name, s.gender, s.birth, s.school, s.huji, s.level]
        row += [_fmt_score(s.scores.get(sub)) for sub in subjects]
        if len(subjects) > 1:
            row.append(_fmt_score(totals[i]))
        row += [s.extra.get(h) for h in extras]
        row.append(s.extra.get(S.C_NOTE) if S.C_NOTE in s.extra else _note(roster, i))
        rows.append(row)
    boys = sum(1 for i in members if roster.students[i].gender == "男")
    foot = ["合计", None, f"{len(members)} 人", f"男{boys} 女{len(members) - boys}", None, None, None, None]
    for sub in subjects:
        vals = [roster.students[i].scores.get(sub) for i in members]
        vals = [v for v in vals if v is not None]
        foot.append(round(float(np.mean(vals)), 2) if vals else None)
    if len(subjects) > 1:
        t = totals[members] if members else np.array([])
        t = t[~np.isnan(t)]
        foot.append(round(float(t.mean()), 2) if len(t) else None)
    foot += [None] * (len(extras) + 1)
    spec = SheetSpec(name=name, freeze="A4", print_title_rows="3:3", header_footer=f"{name}")
    spec.add(1, 1, [[_title(params, f"{name} 学生名单")]], "title")
    spec.add(2, 1, [[f"人数 {len(members)}（男 {boys}，女 {len(members) - boys}）    编班时间 {stamp}    随机种子 {seed}"]], "subtitle")
    spec.add(3, 1, [header], "header")
    if rows:
        spec.add(4, 1, rows, "body")
    spec.add(4 + len(rows), 1, [foot], "foot")
    if subjects:
        spec.add(5 + len(rows), 1, [["合计行中的成绩为本班平均分（缺考不计入）。"]], "note")
    for c, h in enumerate(header, start=1):
        col_vals = [h] + [r[c - 1] for r in rows]
        spec.col_widths[c] = _width(col_vals, minimum=5.0 if c == 1 else 6.0)
    spec.number_formats[5] = "yyyy-mm-dd"
    spec.landscape = len(header) > 12
    return spec


def _note(roster: Roster, i: int) -> str | None:
    for g in roster.twin_groups:
        if i in g.members:
            return f"双胞胎组{g.gid}·{g.mode}"
    return None


def _verdict(m: Measure) -> tuple[str, str]:
    """(text, style) for a gap against its bound."""
    if math.isnan(m.gap):
        return "—", "body"
    if m.unit == "人":
        if m.gap <= m.bound + 1e-9:
            return "达到最优", "good"
        if m.gap <= m.bound + 1:
            return "接近最优", "warn"
        return "未达最优", "bad"
    tol = {"分": 0.5, "天": 15.0}.get(m.unit, 0.5)
    if m.gap <= max(m.bound, 0) + tol / 5:
        return "达到最优" if m.gap <= m.bound + 1e-9 else "接近最优", "good"
    if m.gap <= tol * 2:
        return "基本均衡", "warn"
    return "差距较大", "bad"


def _gap_text(x: float, unit: str):
    if math.isnan(x):
        return None
    return int(round(x)) if unit == "人" else round(float(x), 2)


def summary_sheet(roster: Roster, params: Params, labels: np.ndarray, stamp: str, seed: int) -> SheetSpec:
    """编班汇总: the gaps between classes against their lower bounds, then one row per class."""
    ms = measures(roster, labels, params)
    names = params.names()
    spec = SheetSpec(name=S.SHEET_SUMMARY, landscape=True, header_footer=S.SHEET_SUMMARY)
    spec.add(1, 1, [[_title(params, "编班汇总")]], "title")
    n = len(roster.students)
    boys = sum(1 for s in roster.students if s.gender == "男")
    spec.add(2, 1, [[f"学生 {n} 人（男 {boys}，女 {n - boys}），{len(names)} 个班；编班时间 {stamp}；随机种子 {seed}"]], "subtitle")
    spec.add(4, 1, [["一、各班之间的最大差距与理论最小差距"]], "section")
    head = ["类别", "项目", "各班最大差距", "理论最小差距", "单位", "评价"]
    spec.add(5, 1, [head], "header")
    r = 6
    for m in ms:
        text, style = _verdict(m)
        spec.add(r, 1, [[m.group, m.label, _gap_text(m.gap, m.unit), _gap_text(m.bound, m.unit), m.unit]], "body")
        spec.add(r, 6, [[text]], style)
        r += 1
    spec.add(r, 1, [["最大差距 = 各班中该项数值的最大值减最小值；理论最小差距是这份名单在班级人数确定时可能达到的最好结果"
                     "（人数类：总数能被班级数整除时为 0，否则为 1）。"]], "note")
    r += 2
    spec.add(r, 1, [["二、各班明细"]], "section")
    r += 1
    cols = [("班级", None)] + [(f"{m.group}·{m.label}" if m.group not in ("班额",) else "人数", m) for m in ms]
    spec.add(r, 1, [[c for c, _ in cols]], "header")
    header_row = r
    body = []
    for k, cname in enumerate(names):
        row = [cname]
        for _, m in cols[1:]:
            v = m.per_class[k]
            row.append(None if np.isnan(v) else (int(v) if m.unit == "人" else round(float(v), 2)))
        body.append(row)
    spec.add(r + 1, 1, body, "body")
    r += 1 + len(body)
    gap_row = ["最大差距"] + [_gap_text(m.gap, m.unit) for _, m in cols[1:]]
    bound_row = ["理论最小差距"] + [_gap_text(m.bound, m.unit) for _, m in cols[1:]]
    spec.add(r, 1, [gap_row, bound_row], "foot")
    for c in range(1, len(cols) + 1):
        spec.col_widths[c] = 12 if c > 2 else (14 if c == 1 else 18)
    spec.col_widths[1] = max(spec.col_widths[1], 10)
    spec.col_widths[2] = 22
    spec.col_widths[3] = max(spec.col_widths.get(3, 12), 14)
    spec.col_widths[4] = max(spec.col_widths.get(4, 12), 14)
    spec.freeze = None
    spec.print_title_rows = None
    spec.merge_title = True
    spec.detail_header_row = header_row  # type: ignore[attr-defined]
    return spec


RECORD_KEYS = ("学校名称", "年级", "编班时间", "软件版本", "运行环境", "随机种子", "种子来源", "班级数", "班额上限",
               "成绩科目", "同音分开", "班级名称", "学生人数", "双胞胎申请", "输入指纹", "结果指纹", "硬性规则", "复核方法")


def record_sheet(params: Params, info: dict[str, object], log: list[list[object]] | None = None) -> SheetSpec:
    """编班记录: what was run, with which seed, on which input — enough to re-check it."""
    spec = SheetSpec(name=S.SHEET_RECORD, header_footer=S.SHEET_RECORD)
    spec.add(1, 1, [[_title(params, "编班记录")]], "title")
    spec.add(2, 1, [["本表由软件自动生成，用于复核：用同样的输入和随机种子重新运行，必然得到完全相同的分班结果。"]], "subtitle")
    spec.add(3, 1, [["项目", "内容"]], "header")
    rows = [[k, info.get(k)] for k in RECORD_KEYS if k in info]
    spec.add(4, 1, rows, "body")
    r = 4 + len(rows) + 1
    if log:
        spec.add(r, 1, [["运行日志"]], "section")
        spec.add(r + 1, 1, [["时间", "事项"]], "header")
        spec.add(r + 2, 1, log, "body")
    spec.col_widths = {1: 14, 2: 90}
    spec.freeze = "A4"
    spec.print_title_rows = "3:3"
    spec.merge_title = True
    return spec


def read_record(rows: list[list[object]]) -> dict[str, str]:
    """Parse the 项目 | 内容 rows of a 编班记录 sheet back into a dict."""
    out: dict[str, str] = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip() in RECORD_KEYS:
            out[row[0].strip()] = "" if row[1] is None else str(row[1]).strip()
    return out
