"""The workbook contract: canonical sheet names, column headers and their accepted synonyms.

Everything a user can type as a header or a sheet name is resolved here, so the rest of the
package only ever sees canonical names.
"""
from __future__ import annotations

# --- sheet names -------------------------------------------------------------------------
SHEET_PARAMS = "参数设置"
SHEET_ROSTER = "学生名单"
SHEET_TWINS = "双胞胎"
SHEET_TEACHERS = "教师名单"
SHEET_HELP = "使用说明"
SHEET_SUMMARY = "编班汇总"
SHEET_RECORD = "编班记录"
SHEET_CHECK = "校验结果"

SHEET_SYNONYMS: dict[str, tuple[str, ...]] = {
    SHEET_PARAMS: ("参数", "参数表", "设置", "编班参数"),
    SHEET_ROSTER: ("名单", "学生", "学生信息", "新生名单", "花名册", "学生花名册"),
    SHEET_TWINS: ("双胞胎名单", "多胞胎", "双（多）胞胎", "双(多)胞胎", "双多胞胎", "捆绑"),
    SHEET_TEACHERS: ("教师", "教师信息", "老师名单"),
}

# --- 参数设置 keys -------------------------------------------------------------------------
P_SCHOOL = "学校名称"
P_GRADE = "年级"
P_CLASSES = "班级数"
P_CAP = "班额上限"
P_SEED = "随机种子"
P_SUBJECTS = "成绩科目"
P_HOMOPHONE = "同音分开"
P_CLASS_NAMES = "班级名称"
P_FUZZY = "同音模糊"
P_FULL_MARKS = "成绩满分"
DEFAULT_FULL_MARKS = 100
P_SHOW_SCORES = "班级名单显示成绩"
P_CLASS_COLUMNS = "班级名单列"

PARAM_SYNONYMS: dict[str, tuple[str, ...]] = {
    P_SCHOOL: ("学校", "校名"),
    P_GRADE: ("年级名称", "入学年级"),
    P_CLASSES: ("班数", "班级数量", "编班数", "分班数", "班级个数"),
    P_CAP: ("班额", "每班上限", "最大班额", "班额上限（人）", "每班人数", "每班最多人数", "每班人数上限", "每班最多"),
    P_SEED: ("种子", "随机数种子"),
    P_SUBJECTS: ("科目", "成绩列", "均衡科目"),
    P_HOMOPHONE: ("同音字分开", "同音不同班", "同音"),
    P_CLASS_NAMES: ("班名", "班级名"),
    P_FUZZY: ("模糊同音", "模糊音", "同音模糊音"),
    P_FULL_MARKS: ("满分", "各科满分", "科目满分", "试卷满分"),
    P_SHOW_SCORES: ("班级名单含成绩", "名单显示成绩"),
    P_CLASS_COLUMNS: ("班级名单显示列", "名单附加列"),
}
PARAM_DEFAULT_CAP = 50

# --- 学生名单 columns -----------------------------------------------------------------------
C_ID = "编号"
C_NAME = "姓名"
C_GENDER = "性别"
C_BIRTH = "出生日期"
C_SCHOOL = "毕业学校"
C_HUJI = "户籍"
C_LEVEL = "等级"
C_NOTE = "备注"
C_CLASS = "班级"

ROSTER_SYNONYMS: dict[str, tuple[str, ...]] = {
    C_ID: ("学号", "序号", "报名号", "学籍号", "考号", "id", "ID"),
    C_NAME: ("学生姓名", "名字"),
    C_GENDER: ("男女",),
    C_BIRTH: ("出生年月", "出生年月日", "生日", "出生"),
    C_SCHOOL: ("毕业小学", "生源学校", "原学校", "来源学校", "生源", "毕业学校名称", "原就读学校",
               # 小学一年级: the source the plans balance is the kindergarten
               "幼儿园", "毕业幼儿园", "就读幼儿园", "原幼儿园", "来源幼儿园", "毕业园所", "幼儿园名称"),
    C_HUJI: ("户口", "户籍类型", "户口类型", "户籍性质"),
    C_LEVEL: ("成绩等级", "综合等级", "能力等级"),
    C_NOTE: ("说明",),
    C_CLASS: ("编入班级", "分班结果", "班别"),
}
# headers that name a field only when no other header of the row does: exports carry 序号 (a row
# count) next to the real 学籍号 / 学号, and then the real one identifies the student
ROSTER_WEAK = {C_ID: ("序号",)}
ID_CARD_HINTS = ("身份证", "证件号")   # a header naming an identity-card number: read for birth date and
                                      # gender, masked wherever it is printed
ROSTER_REQUIRED = (C_NAME, C_GENDER)
KNOWN_ROSTER_FIELDS = (C_ID, C_NAME, C_GENDER, C_BIRTH, C_SCHOOL, C_HUJI, C_LEVEL, C_NOTE, C_CLASS)
LEVELS = ("优", "良", "中", "差")
LEVEL_SYNONYMS = {"优秀": "优", "A": "优", "良好": "良", "B": "良", "中等": "中", "合格": "中",
                  "C": "中", "差": "差", "待合格": "差", "不合格": "差", "D": "差",
                  "a": "优", "b": "良", "c": "中", "d": "差",                   # as typed in lower case
                  "及格": "中", "一般": "中", "不及格": "差", "待提高": "差"}      # other four-step wordings

GENDER_VALUES = {"男": "男", "女": "女", "男生": "男", "女生": "女", "m": "男", "male": "男",
                 "f": "女", "female": "女", "boy": "男", "girl": "女", "1": "男", "2": "女",
                 "男性": "男", "女性": "女"}

MISSING_SCORE_WORDS = ("缺考", "缺", "无", "-", "—", "/", "免考", "未考", "请假", "病假", "事假", "缺席", "旷考",
                       "——", "--", "－", "－－", "／", "未参加", "未参考", "缺测")

# --- 双胞胎 columns -------------------------------------------------------------------------
T_GROUP = "组号"
T_ID = "编号"
T_NAME = "姓名"
T_MODE = "要求"
TWIN_SYNONYMS: dict[str, tuple[str, ...]] = {
    T_GROUP: ("组别", "组", "分组", "家庭", "组编号"),
    T_ID: ("学号", "学生编号", "报名号"),
    T_NAME: ("学生姓名",),
    T_MODE: ("编班要求", "方式", "类型", "申请"),
}
MODE_TOGETHER = "同班"
MODE_APART = "分开"
MODE_SYNONYMS = {"同班": MODE_TOGETHER, "捆绑": MODE_TOGETHER, "在一起": MODE_TOGETHER,
                 "一起": MODE_TOGETHER, "同一班": MODE_TOGETHER, "绑定": MODE_TOGETHER,
                 "同一个班": MODE_TOGETHER, "一个班": MODE_TOGETHER, "同一班级": MODE_TOGETHER,
                 "编在一起": MODE_TOGETHER, "同班级": MODE_TOGETHER,
                 "不同班级": MODE_APART, "不在一个班": MODE_APART, "不在同一班": MODE_APART,
                 "不在同一个班": MODE_APART, "分到不同班": MODE_APART, "不要同班": MODE_APART,
                 "分开": MODE_APART, "分班": MODE_APART, "不同班": MODE_APART, "分开编班": MODE_APART,
                 "拆开": MODE_APART}

# --- 教师名单 columns -----------------------------------------------------------------------
TEACHER_COLUMNS = ("姓名", "学科", "性别", "年龄", "教龄", "职称", "骨干", "评分", "班主任", "任教班数")

YES_WORDS = ("是", "Y", "y", "yes", "Yes", "YES", "1", "√", "✓", "true", "True", "TRUE", "对")
NO_WORDS = ("否", "N", "n", "no", "No", "NO", "0", "×", "false", "False", "FALSE", "", "不")


def _key(text: str) -> str:
    """Header comparison key: no white space (half/full width spaces, and the line breaks of a
    wrapped header cell such as 出生⏎日期), no '*', case-folded."""
    return ("".join(text.split()).replace("*", "").replace("＊", "")
            .replace("（", "(").replace("）", ")").casefold())


def is_id_card_header(header: str) -> bool:
    """Whether a column header names an identity-card number (身份证号, 证件号码 …)."""
    return any(h in header for h in ID_CARD_HINTS)


def is_weak(text: object, canon: str, weak: dict[str, tuple[str, ...]]) -> bool:
    """Whether the header ``text`` names ``canon`` only through one of its weak synonyms."""
    return text is not None and any(_key(str(text)) == _key(w) for w in weak.get(canon, ()))


def resolve(text: object, synonyms: dict[str, tuple[str, ...]]) -> str | None:
    """Return the canonical name for a header / key typed by a user, or None if unknown."""
    if text is None:
        return None
    k = _key(str(text))
    if not k:
        return None
    for canon, alts in synonyms.items():
        if k == _key(canon) or any(k == _key(a) for a in alts):
            return canon
    return None


def resolve_sheet(sheetnames: list[str], canonical: str) -> str | None:
    """Find the sheet in a workbook that stands for ``canonical`` (exact name first, then synonyms)."""
    for name in sheetnames:
        if name == canonical:
            return name
    for name in sheetnames:
        if resolve(name, {canonical: SHEET_SYNONYMS.get(canonical, ())}) == canonical:
            return name
    return None


def parse_yes_no(value: object) -> bool | None:
    """是/否 → True/False; None if the text is not a recognisable yes/no."""
    text = "" if value is None else str(value).strip()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    return None

# --- on-site process (教师搭配, 抽签, 公示, 锁定, 插班) -----------------------------------------------
SHEET_TEAMS = "教师搭配"
SHEET_DRAW_LOG = "抽签记录"
SHEET_DRAW_INPUT = "抽签结果"      # typed in by the registrar after a physical draw: 班主任 | 班级
SHEET_PUBLIC = "公示名单"
P_TEACH_SUBJECTS = "任教学科"       # optional 参数设置 row: the subjects teams must cover

# --- sheet names a class may not take (Excel compares sheet names ignoring case) ---------------
INPUT_SHEETS = (SHEET_PARAMS, SHEET_ROSTER, SHEET_TWINS, SHEET_TEACHERS, SHEET_HELP, SHEET_DRAW_INPUT)
RESULT_SHEETS = (SHEET_SUMMARY, SHEET_RECORD, SHEET_CHECK, "生源分布", SHEET_TEAMS, SHEET_DRAW_LOG, SHEET_PUBLIC,
                 "检查结果", "学校汇总", "问题明细", "批量编班结果", "数据封存")
# A step that writes a new sheet adds its name here (tests/test_safety.py runs every step and checks).
EXCEL_CELL_MAX = 32767             # characters in one cell
EXCEL_SHEET_NAME_MAX = 31
