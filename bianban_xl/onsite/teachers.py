"""教师搭配: read and check 教师名单, then build one balanced teacher team per head teacher.

Every team has exactly one teacher for every subject that has teachers; each head teacher (班主任)
leads one team and teaches it in her or his subject; each teacher takes exactly 任教班数 teams.
Teams are balanced by a small seeded exchange search (swap two teams' teachers of one subject
while that lowers the cost): mean 评分, number of 骨干 and of 高级 titles, mean age and 教龄, men /
women, and 以老带新 (no team made only of new teachers or only of veterans). Reproducible: same
教师名单 and seed, same teams. Which team gets which class is decided later by the lottery.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from bianban_xl.model import schema as S
from bianban_xl.model.called_digits import recorded_seed
from bianban_xl.model.fingerprint import sha
from bianban_xl.model.problems import fail, Report, UserError
from bianban_xl.model.raw_book import RawBook, RawSheet
from bianban_xl.model.records import Params
from bianban_xl.model.sheet_model import BookUpdate, SheetSpec, record_row_height, text_width
from bianban_xl.onsite.journal import append_rows
from bianban_xl.model.validate import _number as num, _with_unit as with_unit, read_params
from bianban_xl.onsite.state import key_values, refuse_if_locked, resolve_seed, text
from bianban_xl.reports.result_sheets import fit_titles, LANDSCAPE_CHARS, note_lines, PORTRAIT_CHARS, sheet_title

# columns of 教师名单 and what users also write for them
TC_NAME, TC_SUBJECT, TC_GENDER, TC_AGE, TC_YEARS, TC_TITLE, TC_KEY, TC_SCORE, TC_HEAD, TC_LOAD = S.TEACHER_COLUMNS
TEACHER_SYNONYMS: dict[str, tuple[str, ...]] = {
    TC_NAME: ("教师姓名", "老师", "教师"),
    TC_SUBJECT: ("任教学科", "科目", "任教科目", "学科名称"),
    TC_GENDER: ("男女",),
    TC_AGE: ("年纪",),
    TC_YEARS: ("工作年限", "教学年限", "从教年限"),
    TC_TITLE: ("职务职称", "专业技术职称", "职称等级"),
    TC_KEY: ("骨干教师", "是否骨干"),
    TC_SCORE: ("考核分", "综合评分", "评价分", "得分", "考核评分"),
    TC_HEAD: ("是否班主任", "班主任候选", "班主任人选"),
    TC_LOAD: ("班数", "带班数", "任教班级数", "教班数"),
}
KNOWN_SUBJECTS: dict[str, tuple[str, ...]] = {
    "语文": (), "数学": (), "英语": ("外语",), "物理": (), "化学": (), "生物": ("生物学",),
    "道德与法治": ("道法", "政治", "思想品德", "思品", "品德与社会", "品德与生活"), "历史": (), "地理": (),
    "科学": (), "音乐": (), "美术": (), "体育": ("体育与健康",), "信息技术": ("信息科技", "信息", "计算机"),
    "劳动": (), "心理健康": ("心理",), "书法": (), "综合实践": ("综合实践活动",), "日语": (), "俄语": (),
}
SENIOR_TITLES = ("高级", "副高级", "正高级", "高级教师", "正高级教师", "特级", "特级教师")
TITLES = ("初级", "中级", "高级", "副高级", "正高级", "特级", "未定级", "二级教师", "一级教师", "高级教师",
          "正高级教师", "三级教师", "特级教师")
# 职称 as schools write them, to the names of the 2015 reform (原中学高级 → 高级; 原中学一级、小学高级 → 一级;
# 原中学二级、小学一级 → 二级; 原中学三级、小学二级 → 三级)
TITLE_SYNONYMS = {"一级": "一级教师", "二级": "二级教师", "三级": "三级教师", "副高": "副高级", "正高": "正高级",
                  "中学高级": "高级教师", "中学高级教师": "高级教师", "中高": "高级教师", "中学一级": "一级教师",
                  "中学一级教师": "一级教师", "中一": "一级教师", "中学二级": "二级教师", "中学二级教师": "二级教师",
                  "中二": "二级教师", "中学三级": "三级教师", "小学高级": "一级教师", "小学高级教师": "一级教师", "小高": "一级教师",
                  "小学一级": "二级教师", "小学一级教师": "二级教师", "小一": "二级教师", "小学二级": "三级教师",
                  "小学二级教师": "三级教师", "小学三级": "三级教师", "见习": "未定级", "无": "未定级"}
NEW_YEARS, VETERAN_YEARS = 5, 20          # 教龄 < 5: 新教师; ≥ 20: 老教师 (以老带新)


@dataclass
class Teacher:
    """A row of 教师名单."""
    row: int
    name: str
    subject: str
    gender: str | None = None
    age: float | None = None
    years: float | None = None
    title: str | None = None
    key: bool = False
    score: float | None = None
    head: bool = False
    load: int = 1

    @property
    def senior(self) -> bool:
        return (self.title or "") in SENIOR_TITLES


@dataclass
class Teams:
    """教师搭配: the teachers grouped into one team per class."""
    teachers: list[Teacher]
    subjects: list[str]
    heads: list[int]                      # team t -> index of its head teacher
    slots: np.ndarray                     # (T, S) teacher index per team and subject
    seed: int
    seed_source: str
    teacher_fp: str
    sheet: str = S.SHEET_TEACHERS

    @property
    def n(self) -> int:
        return len(self.heads)

    def head_name(self, t: int) -> str:
        return self.teachers[self.heads[t]].name

    def fingerprint(self) -> str:
        return sha([[self.teachers[i].name + "/" + self.teachers[i].subject for i in row] for row in self.slots.tolist()])


# --- reading ----------------------------------------------------------------------------
def _canon_title(raw: str) -> str:
    """A 职称 as schools write it, to the names of TITLES where one can be read: synonyms, and the
    title with its level in brackets or with 职称 after it (高级教师（副高级）, 一级教师(中级职称),
    中级职称). Unreadable text comes back as typed (less spaces), for the message."""
    t = re.sub(r"\s+", "", raw)
    for cand in (t, re.sub(r"[（(【\[].*?[)）】\]]", "", t), re.sub(r"职称$", "", t),
                 re.sub(r"职称$", "", re.sub(r"^.*?[（(【\[](.*?)[)）】\]].*$", r"\1", t))):
        cand = TITLE_SYNONYMS.get(cand, cand)
        if cand in TITLES:
            return cand
    return t


def _number(v) -> float | None:
    return num(v)


def _canon_subject(raw: str, allowed: list[str] | None) -> str | None:
    t = re.sub(r"\s+", "", raw)
    if allowed is not None:
        return t if t in allowed else None
    for canon, alts in KNOWN_SUBJECTS.items():
        if t == canon or t in alts:
            return canon
    return None


def _allowed_subjects(book: RawBook) -> list[str] | None:
    name = S.resolve_sheet(book.order, S.SHEET_PARAMS)
    if name is None:
        return None
    for row in book.sheets[name].rows:
        if row and text(row[0]).replace(" ", "") == S.P_TEACH_SUBJECTS and len(row) > 1 and text(row[1]):
            return [s for s in re.split(r"[,，、;；\s]+", text(row[1])) if s]
    return None


def teacher_sheet_name(book: RawBook) -> str | None:
    return S.resolve_sheet(book.order, S.SHEET_TEACHERS)


def read_teachers(book: RawBook, report: Report, counts: bool = True) -> tuple[list[Teacher], str]:
    """Every filled row of 教师名单, checked cell by cell (and, with ``counts``, that the teachers and
    head teachers add up to the number of classes). Returns (teachers, sheet name)."""
    name = teacher_sheet_name(book)
    if name is None:
        report.error("", f"缺少工作表“{S.SHEET_TEACHERS}”。",
                     f"请添加“{S.SHEET_TEACHERS}”工作表（表头：{'、'.join(S.TEACHER_COLUMNS)}），或用 bianban template 生成模板后复制过来。")
        return [], ""
    sh = book.sheets[name]
    hr, cols = _teacher_header(sh)
    if not hr:
        report.error(name, "找不到表头行：前 10 行中没有同时含“姓名”和“学科”的一行。",
                     f"请在第一行写表头：{'、'.join(S.TEACHER_COLUMNS)}。", row=1)
        return [], name
    rows = _TeacherRows(sh, name, cols, _allowed_subjects(book), report)
    teachers = [t for t in map(rows.read, sh.value_rows(hr + 1)) if t is not None]
    if report.ok and not teachers:
        report.error(name, "教师名单中没有教师。", f"请填写教师（每位老师每个学科一行；{TC_HEAD}填“是”的为班主任人选）。", row=hr + 1)
    if report.ok and counts:
        _check_counts(teachers, allowed=rows.allowed, name=name, cols=cols, report=report, book=book)
    return teachers, name


def _teacher_header(sh: RawSheet) -> tuple[int, dict[str, int]]:
    """The header row among the first 10 (the first holding 姓名 and 学科) and its columns; (0, {})."""
    for r in range(1, min(10, sh.n_rows) + 1):
        found: dict[str, int] = {}
        for c, v in enumerate(sh.rows[r - 1], start=1):
            canon = S.resolve(v, TEACHER_SYNONYMS)
            if canon and canon not in found:
                found[canon] = c
        if TC_NAME in found and TC_SUBJECT in found:
            return r, found
    return 0, {}


class _TeacherRows:
    """Reads one row of 教师名单 at a time: a Teacher, or None (blank row, or errors reported)."""

    def __init__(self, sh: RawSheet, name: str, cols: dict[str, int], allowed: list[str] | None, report: Report):
        self.sh, self.name, self.cols, self.allowed, self.report = sh, name, cols, allowed, report
        self.seen: dict[tuple[str, str], int] = {}

    def get(self, r: int, key: str):
        return self.sh.cell(r, self.cols[key]) if key in self.cols else None

    def error(self, r: int, key: str, message: str, fix: str) -> None:
        self.report.error(self.name, message, fix, row=r, col=self.cols[key])

    def read(self, r: int) -> Teacher | None:
        if all(text(self.get(r, k)) == "" for k in self.cols):
            return None
        before = len(self.report.problems)
        nm = re.sub(r"\s+", "", text(self.get(r, TC_NAME)))
        if not nm:
            self.error(r, TC_NAME, "这一行有数据但“姓名”为空。", "请补上教师姓名，或删除整行。")
        subject = self._subject(r, nm)
        gender = self._gender(r)
        nums = self._numbers(r)
        title = text(self.get(r, TC_TITLE)) or None
        title = _canon_title(title) if title else None
        if title and title not in TITLES:
            self.error(r, TC_TITLE, f"职称“{title}”无法识别。",
                       "请填写 三级教师、二级教师、一级教师、高级教师、正高级教师（或 初级、中级、高级、正高级），不知道可写 未定级。")
        flags = {key: self._yes_no(r, key) for key in (TC_KEY, TC_HEAD)}
        load = self._load(r)
        if nm and subject:
            k = (nm, subject)
            if k in self.seen:
                self.error(r, TC_NAME, f"教师“{nm}”的学科“{subject}”填写了两次（第{self.seen[k]}行和第{r}行）。",
                           "请删除重复的一行；一位老师教几个班请填在“任教班数”里。")
            else:
                self.seen[k] = r
        if len(self.report.problems) > before:
            return None
        return Teacher(r, nm, subject, gender, nums[TC_AGE], nums[TC_YEARS], title, flags[TC_KEY],
                       nums[TC_SCORE], flags[TC_HEAD], load)

    def _subject(self, r: int, nm: str) -> str | None:
        raw = text(self.get(r, TC_SUBJECT))
        if not raw:
            self.error(r, TC_SUBJECT, f"“{nm or '该教师'}”的学科为空。", "请填写任教学科，如 语文、数学。")
            return None
        subject = _canon_subject(raw, self.allowed)
        if subject is None and self.allowed is not None:
            self.error(r, TC_SUBJECT, f"学科“{raw}”不在“{S.SHEET_PARAMS}”的“{S.P_TEACH_SUBJECTS}”（{'、'.join(self.allowed)}）中。",
                       f"请改成其中之一，或把它加进“{S.P_TEACH_SUBJECTS}”。")
        elif subject is None:
            self.error(r, TC_SUBJECT, f"学科“{raw}”无法识别。",
                       f"请写成标准学科名（{'、'.join(KNOWN_SUBJECTS)}）；本校另有学科时，请在“{S.SHEET_PARAMS}”加一行“{S.P_TEACH_SUBJECTS}”列出全部学科（逗号分隔）。")
        return subject

    def _gender(self, r: int) -> str | None:
        gv = text(self.get(r, TC_GENDER))
        if not gv:
            return None
        gender = S.GENDER_VALUES.get(gv.casefold(), S.GENDER_VALUES.get(gv))
        if gender is None:
            self.error(r, TC_GENDER, f"性别“{gv}”无法识别。", "请填写“男”或“女”。")
        return gender

    def _numbers(self, r: int) -> dict[str, float | None]:
        nums: dict[str, float | None] = {}
        for key, lo, hi, what, units in ((TC_AGE, 18, 75, "年龄", ("岁", "周岁")), (TC_YEARS, 0, 50, "教龄", ("年",)),
                                         (TC_SCORE, None, None, "评分", ("分",))):
            v = self.get(r, key)
            x = _number(with_unit(v, units)) if text(v) != "" else None      # 45岁, 10年, 95分
            if text(v) != "" and (x is None or (lo is not None and not (lo <= x <= hi))):
                rng = f"（应在 {lo} 到 {hi} 之间）" if lo is not None else ""
                self.error(r, key, f"{what}“{text(v)}”不是有效的数字{rng}。", f"请填写{what}的数字，不知道可留空。")
                x = None
            nums[key] = x
        return nums

    def _yes_no(self, r: int, key: str) -> bool:
        v = self.get(r, key)
        yn = S.parse_yes_no(v)
        if yn is None:
            self.error(r, key, f"“{key}”应填“是”或“否”，现在是“{text(v)}”。", "请填“是”或“否”（不是可留空）。")
            return False
        return yn

    def _load(self, r: int) -> int:
        lv = self.get(r, TC_LOAD)
        if not text(lv):
            return 1
        x = _number(with_unit(lv, ("个班", "班", "个")))
        if x is None or not float(x).is_integer() or x < 1:
            self.error(r, TC_LOAD, f"任教班数“{text(lv)}”应为正整数。",
                       "请填写这位老师在本年级任教本学科的班级个数（如 2），不填按 1 个班。")
            return 1
        return int(x)


def _check_counts(teachers: list[Teacher], allowed: list[str] | None, name: str, cols: dict, report: Report,
                  book: RawBook) -> None:
    params, _ = read_params(book, Report())
    k = params.n_classes if params else 0
    if not k:
        report.error(S.SHEET_PARAMS, f"“{S.P_CLASSES}”没有正确填写，无法知道要搭配几个教师团队。", "请先填写班级数。")
        return
    heads = [t for t in teachers if t.head]
    head_names: dict[str, int] = {}
    for t in heads:
        if t.name in head_names:
            report.error(name, f"“{t.name}”在第{head_names[t.name]}行和第{t.row}行都标为班主任。",
                         "一位老师只能当一个班的班主任：请只在其中一行填“是”。", row=t.row, col=cols[TC_HEAD])
        head_names.setdefault(t.name, t.row)
    if len(heads) < k:
        report.error(name, f"班主任人选只有 {len(heads)} 人，少于班级数 {k}。",
                     f"请在“{TC_HEAD}”列再给 {k - len(heads)} 位老师填“是”，使班主任人数等于班级数。", col=cols[TC_HEAD])
    elif len(heads) > k:
        report.error(name, f"班主任人选有 {len(heads)} 人，多于班级数 {k}。",
                     f"请确定担任班主任的 {k} 位老师，只在他们的“{TC_HEAD}”列填“是”。", col=cols[TC_HEAD])
    by_subject: dict[str, list[Teacher]] = {}
    for t in teachers:
        by_subject.setdefault(t.subject, []).append(t)
    if allowed is not None:
        for s in allowed:
            if s not in by_subject:
                report.error(name, f"“{S.P_TEACH_SUBJECTS}”中的学科“{s}”没有任何教师。",
                             f"请补上“{s}”的教师，或从“{S.SHEET_PARAMS}”的“{S.P_TEACH_SUBJECTS}”中删去它。")
    for s, ts in by_subject.items():
        total = sum(t.load for t in ts)
        where = "、".join(f"{t.name}{t.load}个班" for t in ts)
        if total < k:
            report.error(name, f"{s}教师的任教班数合计 {total}（{where}），少于班级数 {k}：还有 {k - total} 个班没有{s}老师。",
                         f"请增加{s}教师，或调大“{TC_LOAD}”。", row=ts[0].row, col=cols.get(TC_LOAD, cols[TC_SUBJECT]))
        elif total > k:
            report.error(name, f"{s}教师的任教班数合计 {total}（{where}），多于班级数 {k}（每个班每科只需一位老师）。",
                         f"请核对“{TC_LOAD}”，使{s}老师的任教班数加起来等于 {k}。", row=ts[0].row, col=cols.get(TC_LOAD, cols[TC_SUBJECT]))


# Since 0.6.1 teams and the draw see the teachers in this order, not in the sheet's row order, so
# sorting 教师名单 changes nothing; books whose 教师搭配 / 抽签记录 lack the mark keep the row order.
K_ORDER, ORDER_BY_CONTENT = "教师顺序", "按学科和姓名（与教师名单的行顺序无关）"


def in_canonical_order(teachers: list[Teacher], allowed: list[str] | None = None) -> list[Teacher]:
    """The teachers by subject (in 参数设置's 任教学科 order, else the usual order of subjects),
    then name and the other fields: where a row stands in 教师名单 does not matter."""
    rank = {s: i for i, s in enumerate(allowed or KNOWN_SUBJECTS)}
    return sorted(teachers, key=lambda t: (rank.get(t.subject, len(rank)), t.subject, t.name,
                                           repr([t.gender, t.age, t.years, t.title, t.key, t.score, t.head, t.load])))


def ordered_teachers(book: RawBook, teachers: list[Teacher], marked: bool) -> list[Teacher]:
    """``teachers`` as a step made with ``marked`` (the order mark present) saw them."""
    return in_canonical_order(teachers, _allowed_subjects(book)) if marked else teachers


def teacher_fingerprint(teachers: list[Teacher]) -> str:
    return sha([[t.name, t.subject, t.gender, t.age, t.years, t.title, t.key, t.score, t.head, t.load] for t in teachers])


# --- balancing ------------------------------------------------------------------------------
_ATTRS = ("score", "key", "senior", "age", "years", "male", "new", "veteran")
_WEIGHTS = np.array([3.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0, 0.0])


def _attr_matrix(teachers: list[Teacher]) -> np.ndarray:
    nan = float("nan")
    rows = []
    for t in teachers:
        rows.append([nan if t.score is None else t.score, float(t.key), float(t.senior),
                     nan if t.age is None else t.age, nan if t.years is None else t.years,
                     nan if t.gender is None else float(t.gender == "男"),
                     nan if t.years is None else float(t.years < NEW_YEARS),
                     nan if t.years is None else float(t.years >= VETERAN_YEARS)])
    return np.array(rows, dtype=float).reshape(len(teachers), len(_ATTRS))


class _Cost:
    """Cost of a team layout from per-team sums and counts of every attribute."""

    def __init__(self, attrs: np.ndarray, n_subjects: int):
        self.attrs = np.nan_to_num(attrs, nan=0.0)
        self.present = (~np.isnan(attrs)).astype(float)
        sd = np.nanstd(attrs, axis=0) if len(attrs) else np.zeros(len(_ATTRS))
        sd = np.where(np.isfinite(sd) & (sd > 1e-9), sd, 1.0)
        self.scale = sd
        self.means = np.array([True, False, False, True, True, False, False, False])  # mean vs count
        self.n_subjects = n_subjects

    def team_values(self, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        return np.where(self.means, means, sums)

    def __call__(self, sums: np.ndarray, counts: np.ndarray) -> float:
        v = self.team_values(sums, counts)
        cost = 0.0
        for a in range(len(_ATTRS)):
            if _WEIGHTS[a] == 0:
                continue
            col = v[:, a]
            col = col[np.isfinite(col)]
            if len(col) < 2:
                continue
            scale = self.scale[a] if self.means[a] else 1.0
            cost += _WEIGHTS[a] * ((col.max() - col.min()) + 0.5 * col.std()) / scale
        # 以老带新: a team made only of new teachers, or only of veterans (among those with 教龄)
        known = counts[:, 4]
        all_new = (known > 1) & (sums[:, 6] >= known)
        all_old = (known > 1) & (sums[:, 7] >= known)
        return cost + 10.0 * float(np.sum(all_new) + np.sum(all_old))


def build_teams(teachers: list[Teacher], n: int, seed: int, seed_source: str = "", sheet: str = S.SHEET_TEACHERS) -> Teams:
    """Balanced teams for ``n`` classes. ``teachers`` must have passed read_teachers' checks."""
    rng = np.random.default_rng(seed)
    subjects = list(dict.fromkeys(t.subject for t in teachers))
    heads = [i for i, t in enumerate(teachers) if t.head]
    assert len(heads) == n
    slots = np.full((n, len(subjects)), -1, dtype=int)
    fixed = np.zeros_like(slots, dtype=bool)
    for t, h in enumerate(heads):
        s = subjects.index(teachers[h].subject)
        slots[t, s], fixed[t, s] = h, True
    for s, subj in enumerate(subjects):
        pool: list[int] = []
        for i, tch in enumerate(teachers):
            if tch.subject == subj:
                pool += [i] * (tch.load - (1 if tch.head else 0))
        free = [t for t in range(n) if not fixed[t, s]]
        assert len(pool) == len(free)
        order = rng.permutation(len(pool))
        for t, p in zip(free, order):
            slots[t, s] = pool[p]
    attrs = _attr_matrix(teachers)
    cost = _Cost(attrs, len(subjects))
    vals, pres = cost.attrs, cost.present
    sums = vals[slots].sum(axis=1)
    counts = pres[slots].sum(axis=1)
    best = cost(sums, counts)
    moves = [(s, a, b) for s in range(len(subjects)) for a in range(n) for b in range(a + 1, n)
             if not fixed[a, s] and not fixed[b, s]]
    for _ in range(60):
        improved = False
        for m in rng.permutation(len(moves)):
            s, a, b = moves[m]
            ia, ib = slots[a, s], slots[b, s]
            if ia == ib:
                continue
            d_val, d_pres = vals[ib] - vals[ia], pres[ib] - pres[ia]
            sums[a] += d_val; counts[a] += d_pres; sums[b] -= d_val; counts[b] -= d_pres  # noqa: E702
            c = cost(sums, counts)
            if c < best - 1e-12:
                best, improved = c, True
                slots[a, s], slots[b, s] = ib, ia
            else:
                sums[a] -= d_val; counts[a] -= d_pres; sums[b] += d_val; counts[b] += d_pres  # noqa: E702
        if not improved:
            break
    return Teams(teachers, subjects, heads, slots, seed, seed_source, teacher_fingerprint(teachers), sheet)


def team_figures(teams: Teams) -> np.ndarray:
    """(T, attrs) per-team figures: mean 评分, 骨干 count, 高级 count, mean age, mean 教龄, men, new, veterans."""
    c = _Cost(_attr_matrix(teams.teachers), len(teams.subjects))
    return c.team_values(c.attrs[teams.slots].sum(axis=1), c.present[teams.slots].sum(axis=1))


# --- the service step -----------------------------------------------------------------------
def load_teachers(book: RawBook) -> tuple[list[Teacher], str, Params]:
    """Read 教师名单 and 参数设置; raise UserError with every problem found."""
    report = Report()
    params, found = read_params(book, report)
    if params is None or "_invalid" in found:
        raise UserError(report)
    teachers, sheet = read_teachers(book, report)
    if not report.ok:
        raise UserError(report)
    return teachers, sheet, params


def plan_teams(book: RawBook, seed: int | None = None, seed_source: str | None = None) -> tuple[Teams, BookUpdate]:
    """教师搭配: build balanced teams and the 教师搭配 sheet. Raises UserError; writes nothing."""
    refuse_if_locked(book, "重新进行教师搭配")
    if S.SHEET_DRAW_LOG in book.sheets:
        fail(S.SHEET_DRAW_LOG, "已经抽过签，重新搭配教师会使抽签结果作废。",
             f"如确需重新搭配，请先删除“{S.SHEET_DRAW_LOG}”工作表（并在{S.SHEET_RECORD}中说明原因），再重新搭配和抽签。")
    teachers, sheet, params = load_teachers(book)
    teachers = ordered_teachers(book, teachers, True)
    seed, source = resolve_seed(seed, seed_source, "命令行指定", params.seed, f"“{S.SHEET_PARAMS}”中的随机种子")
    teams = build_teams(teachers, params.n_classes, seed, source, sheet)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    before = key_values(book.sheets.get(S.SHEET_TEAMS)) if S.SHEET_TEAMS in book.sheets else None
    replaced = f"（替换了原教师搭配：搭配种子 {before.get('搭配种子', '？')}）" if before is not None else ""
    upd = BookUpdate(sheets=[teams_sheet(teams, params, stamp)])
    upd.record_rows += append_rows(book, [(stamp, f"教师搭配{replaced}：{teams.n} 个教师团队，搭配种子 {seed}（{source}），"
                                                  f"教师搭配指纹 {teams.fingerprint()[:16]}")])
    upd.messages.append(f"教师搭配完成：{teams.n} 个教师团队，{len(teams.subjects)} 个学科（{'、'.join(teams.subjects)}）；搭配种子 {seed}（{source}）。")
    if before is not None:
        upd.messages.append(f"原来的教师搭配（搭配种子 {before.get('搭配种子', '？')}）已被这次的替换，运行日志中两次都有记录；"
                            "如果原来的已打印公示，请收回，改贴这一份。")
    upd.messages += team_range_lines(teams)
    return teams, upd


def team_range_lines(teams: Teams) -> list[str]:
    v = team_figures(teams)
    out = []
    for a, label, unit in ((0, "平均评分", "分"), (1, "骨干人数", "人"), (2, "高级职称人数", "人"), (3, "平均年龄", "岁"),
                           (4, "平均教龄", "年"), (5, "男教师人数", "人")):
        col = v[:, a]
        col = col[np.isfinite(col)]
        if len(col):
            out.append(f"  {label}: 各团队最大差距 {col.max() - col.min():.2f} {unit}")
    return out


TEAM_KEYS = ("搭配种子", "种子来源", "教师名单指纹", "搭配指纹")


def teams_sheet(teams: Teams, params: Params, stamp: str, class_of_team: list[str] | None = None) -> SheetSpec:
    """教师搭配: one row per team (per class once drawn), one column per subject, team figures, ranges."""
    v = team_figures(teams)
    spec = SheetSpec(name=S.SHEET_TEAMS, landscape=True, header_footer=S.SHEET_TEAMS, freeze="D4", print_title_rows="3:3")
    spec.add(1, 1, [[sheet_title(params, "教师搭配（班主任与任课教师团队）")]], "title")
    spec.add(2, 1, [[f"生成时间 {stamp}    搭配种子 {teams.seed}（{teams.seed_source}）    "
                     + ("班级由班主任抽签决定" if class_of_team is None else "班级为班主任抽签结果")]], "subtitle")
    figs = ["平均评分", "骨干", "高级职称", "平均年龄", "平均教龄", "男/女", "新老搭配"]
    spec.add(3, 1, [["团队", "班级", "班主任"] + teams.subjects + figs], "header")
    order = list(range(teams.n))
    if class_of_team is not None:
        names = params.names()
        order.sort(key=lambda t: names.index(class_of_team[t]) if class_of_team[t] in names else t)
    rows = []
    for t in order:
        members = teams.slots[t]
        n_known = sum(1 for i in members if teams.teachers[i].years is not None)
        n_new = sum(1 for i in members if (teams.teachers[i].years or 0) < NEW_YEARS and teams.teachers[i].years is not None)
        n_old = sum(1 for i in members if (teams.teachers[i].years or 0) >= VETERAN_YEARS)
        n_male = sum(1 for i in members if teams.teachers[i].gender == "男")
        n_female = sum(1 for i in members if teams.teachers[i].gender == "女")
        mix = f"新{n_new} 老{n_old}" + ("（全是新教师）" if n_known > 1 and n_new == n_known else
                                       "（全是老教师）" if n_known > 1 and n_old == n_known else "")
        row = [f"第{t + 1}组", "（待抽签）" if class_of_team is None else class_of_team[t], teams.head_name(t)]
        row += [teams.teachers[i].name for i in members]
        row += [_round(v[t, 0]), int(v[t, 1]), int(v[t, 2]), _round(v[t, 3]), _round(v[t, 4]), f"{n_male}/{n_female}", mix]
        rows.append(row)
    r = 4 + len(rows)
    gap = ["最大差距", None, None] + [None] * len(teams.subjects)
    for a in range(5):
        col = v[:, a][np.isfinite(v[:, a])]
        gap.append(_round(col.max() - col.min()) if len(col) else None)
    male = v[:, 5][np.isfinite(v[:, 5])]
    gap += [f"男相差{int(male.max() - male.min())}" if len(male) else None, None]
    spec.add(r, 1, [gap], "foot")
    width = 3 + len(teams.subjects) + len(figs)
    spec.col_widths = team_widths(rows, 3 + len(teams.subjects))
    names = 3 + len(teams.subjects)
    # a long name (努尔古丽·阿不都热依木) or 班级名称 wraps in its cell; it ran under the next name
    tall = {n: record_row_height(row[:names], spec.col_widths) for n, row in enumerate(rows)}
    spec.add(4, 1, [row[:names] for row in rows], "wrap" if any(tall.values()) else "body")
    spec.add(4, names + 1, [row[names:] for row in rows], "body")
    spec.row_heights.update({4 + n: h + 2 for n, h in tall.items() if h})
    chars = sum(spec.col_widths.values())
    spec.landscape = chars > PORTRAIT_CHARS
    lines = note_lines("平均评分、平均年龄、平均教龄为团队各学科老师的平均值；骨干、高级职称为团队中的人数。"
                       f"新教师指教龄不足 {NEW_YEARS} 年，老教师指教龄 {VETERAN_YEARS} 年及以上；"
                       "以老带新：没有一个团队全是新教师或全是老教师。", chars - 2)
    spec.add(r + 1, 1, lines, "note")
    r += 1 + len(lines) + 1
    spec.add(r, 1, [["项目", "内容"]], "header")
    spec.add(r + 1, 1, [["搭配种子", str(teams.seed)], ["种子来源", teams.seed_source]], "body")
    spec.print_area = f"A1:{_letter(width)}{r + 2}"
    spec.add(r + 4, 1, [["复核用数据（不打印）"]], "section")
    spec.add(r + 5, 1, [["教师名单指纹", teams.teacher_fp], ["搭配指纹", teams.fingerprint()], [K_ORDER, ORDER_BY_CONTENT]], "body")
    spec.row_heights[3] = 30.0
    return fit_titles(spec)


def team_widths(rows: list[list], names: int) -> dict[int, float]:
    """Widths of 教师搭配: 团队; 班级 (up to 24 characters), 班主任 and one column per subject as wide as
    their longest value (8 to 14 characters), narrowed until the sheet fits landscape A4 at about
    93 %; then the figures."""
    figures = (7, 5, 6, 7, 7, 6, 12)
    longest = [max((text_width(str(row[c])) for row in rows if row[c] is not None), default=0.0) + 1.5
               for c in range(1, names)]
    budget = LANDSCAPE_CHARS + 8 - 8 - sum(figures)
    klass, cap = min(max(longest[0], 9.0), 24.0), 14.0
    while klass + sum(min(max(w, 8.0), cap) for w in longest[1:]) > budget and (cap > 8 or klass > 12):
        if cap > 8:
            cap -= 1
        else:
            klass -= 1
    widths = {1: 8.0, 2: klass}
    widths.update({c + 1: min(max(w, 8.0), cap) for c, w in enumerate(longest[1:], start=2)})
    widths.update({names + 1 + k: float(w) for k, w in enumerate(figures)})
    return widths


def _letter(c: int) -> str:
    out = ""
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def _round(x: float):
    return None if not np.isfinite(x) else round(float(x), 2)


def recorded_teams(book: RawBook) -> tuple[Teams | None, list[str]]:
    """The teams the 教师搭配 sheet stands for, rebuilt from its recorded seed; problems as text."""
    sh = book.sheets.get(S.SHEET_TEAMS)
    if sh is None:
        return None, []
    kv = key_values(sh)
    try:
        seed = recorded_seed(kv.get("搭配种子", ""))
    except ValueError:
        return None, [f"“{S.SHEET_TEAMS}”中的搭配种子缺失或被改动。请重新进行教师搭配。"]
    try:
        teachers, sheet, params = load_teachers(book)
    except UserError as exc:
        return None, ["教师名单有误：" + exc.report.errors[0].text()]
    teachers = ordered_teachers(book, teachers, kv.get(K_ORDER) == ORDER_BY_CONTENT)
    if teacher_fingerprint(teachers) != kv.get("教师名单指纹"):
        return None, [f"“{S.SHEET_TEACHERS}”在教师搭配之后被修改过（教师名单指纹不符）。请重新进行教师搭配。"]
    teams = build_teams(teachers, params.n_classes, seed, kv.get("种子来源", ""), sheet)
    if teams.fingerprint() != kv.get("搭配指纹"):
        return teams, [f"“{S.SHEET_TEAMS}”的搭配与按记录的搭配种子重新计算的结果不一致（搭配指纹不符）。"]
    problems = []
    for row in sh.rows:
        if row and isinstance(row[0], str) and re.fullmatch(r"第\d+组", row[0].strip()):
            t = int(row[0].strip()[1:-1]) - 1
            if 0 <= t < teams.n:
                want = [teams.head_name(t)] + [teams.teachers[i].name for i in teams.slots[t]]
                got = [text(x) for x in row[2:3 + len(teams.subjects)]]
                if got != want:
                    problems.append(f"“{S.SHEET_TEAMS}”中{row[0]}的教师被改动：现为 {'、'.join(got)}，按记录应为 {'、'.join(want)}。")
    return teams, problems
