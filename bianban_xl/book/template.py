"""The input workbook template: 使用说明, 参数设置, 学生名单, 双胞胎, 教师名单 with headers,
dropdowns and sample parameter rows. Used by `bianban template` and by the .xlsm build."""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from bianban_xl.model import schema as S
from bianban_xl.model.called_digits import as_cell
from bianban_xl.model.sheet_model import WRAP_LINE_HEIGHT, text_lines, text_width
from bianban_xl.book.workbook_file import FONT_NAME, a4_setup

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")

ROSTER_HEADERS = [S.C_ID, S.C_NAME, S.C_GENDER, S.C_BIRTH, S.C_SCHOOL, S.C_HUJI, S.C_LEVEL, "语文", "数学", "英语", S.C_NOTE]
TWIN_HEADERS = [S.T_GROUP, S.T_ID, S.T_NAME, S.T_MODE]
TEACHER_HEADERS = list(S.TEACHER_COLUMNS)

PARAM_ROWS = [
    (S.P_SCHOOL, "某某中学", "学校全称，打印在各表标题上"),
    (S.P_GRADE, "2026级初一", "年级或届别"),
    (S.P_CLASSES, 12, "必填：要编的班级个数"),
    (S.P_CAP, 50, "每班最多人数：小学 45，初中 50；留空为 50"),
    (S.P_SEED, None, "留空由电脑随机抽取并记录；也可由现场家长代表报数填入（本格是文本格式，报的 0012 照原样记录）"),
    (S.P_SUBJECTS, "语文,数学,英语", "参与均衡的成绩列名，逗号分隔；留空则自动识别学生名单中的成绩列"),
    (S.P_FULL_MARKS, 100, "各科满分；各科不同时写成 语文:120,数学:120,英语:100。超过满分的成绩是错误，0 分会提醒核对"),
    (S.P_HOMOPHONE, "否", "是：读音相同的姓名（如 张伟 / 章伟）也分到不同班"),
    (S.P_FUZZY, "否", "是：同音判断时把易混的音也算相同（zh/z、ch/c、sh/s、n/l、an/ang、en/eng、in/ing）"),
    (S.P_CLASS_NAMES, None, "可选：逗号分隔的班名，如 七(1)班,七(2)班；留空为 1班、2班……"),
    (S.P_SHOW_SCORES, "否", "否：班级名单只有序号、编号、姓名、性别、出生日期、毕业学校、备注（发给老师、家长）；是：另含户籍、等级和成绩（教务处内部用）"),
    (S.P_CLASS_COLUMNS, None, "可选：学生名单中另外要印在班级名单上的列，逗号分隔，如 家长电话；不填则不印。身份证号只显示前 3 位和后 4 位"),
]

HELP_LINES = [
    "均衡编班工作簿 — 使用说明",
    "",
    "1. 在“参数设置”中填写学校名称、年级、班级数（必填）等。",
    "2. 把招生系统导出的新生名单粘贴到“学生名单”（第 1 行为表头；姓名、性别必填；成绩、等级、毕业学校可选）。",
    "   缺考的成绩写“缺考”或留空，不要写 0。请粘贴数值，不要用公式，不要合并单元格。",
    "3. 双胞胎 / 多胞胎：家长书面申请同班的，在“双胞胎”中每个孩子占一行，同一家庭填相同组号，要求填“同班”；",
    "   申请分开的填“分开”。没有申请的不用填。",
    "4. 点击功能区“均衡编班”选项卡中的“检查数据”，按提示改正所有错误。",
    "5. 编班当天先点击“数据封存”（命令行：bianban seal 本文件），打印输入核验码请监督人员签字；再请家长代表报数作随机种子，",
    "   在监督人员见证下点击“自动编班”（报出的数字输入两遍；命令行：bianban assign 本文件 -o 结果.xlsx）。",
    "   结果写入各班工作表、“编班汇总”和“编班记录”。",
    "6. 任何人都可用“验证结果”（bianban verify 结果.xlsx）复核：同样的输入和随机种子一定得到同样的分班。",
    "7. 编班之后依次点击：“教师搭配”（按“教师名单”组成教师团队）→“班主任抽签”（输入家长代表现场报的数字作种子，",
    "   留空由电脑抽取）→“公示导出”→“锁定”（三不动）。后来报到的学生加在“学生名单”末尾、班级留空，点击“插班”。",
    "   每一步的做法和要签字的材料见 docs/现场操作流程.md。",
    "",
    "同名学生自动分到不同班；同班申请的双胞胎编在同一班；各班人数相差不超过 1 人。",
    "WPS 用户：请保存并关闭本文件后，在命令行使用 bianban 命令。",
]


def _style_header(ws, headers, required=()):
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=c, value=h)
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = REQUIRED_FILL if h in required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = max(10, 2.2 * len(str(h)) + 4)
    ws.freeze_panes = "A2"


def print_ready(ws, landscape: bool, title_rows: str | None = "1:1") -> None:
    """Printable as it is: A4, one page wide (no column pushed onto a second sheet of paper), the
    header row on every page, the sheet's name and page number in the footer, the result sheets'
    margins."""
    a4_setup(ws, landscape, title_rows, ws.title)


def wrap_note(ws, row: int, col: int, width: float) -> None:
    """The note in (row, col), a column ``width`` characters wide: when it needs more than one line
    it wraps there (on screen and on paper), the row's cells left of it align to its top, and the
    row is as tall as its lines (11 pt text: WRAP_LINE_HEIGHT, set for 10.5 pt, × 1.1)."""
    lines = len(text_lines(str(ws.cell(row=row, column=col).value), width - 1))
    if lines > 1:
        ws.cell(row=row, column=col).alignment = Alignment(wrap_text=True, vertical="top")
        for c in range(1, col):
            ws.cell(row=row, column=c).alignment = Alignment(vertical="top")
        ws.row_dimensions[row].height = WRAP_LINE_HEIGHT * 1.1 * lines


def _list_validation(ws, formula: str, ref: str, title: str, prompt: str) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                        errorTitle=title, error=prompt, promptTitle=title, prompt=prompt)
    dv.add(ref)
    ws.add_data_validation(dv)


def build_input_workbook(n_rows: int = 2000) -> Workbook:
    """A fresh input workbook. Dropdowns cover the first ``n_rows`` data rows."""
    wb = Workbook()
    wb.calculation.fullCalcOnLoad = False   # else Excel recalculates on open and asks "save changes?" after only looking
    help_ws = wb.active
    help_ws.title = S.SHEET_HELP
    for r, line in enumerate(HELP_LINES, start=1):
        cell = help_ws.cell(row=r, column=1, value=line)
        cell.font = Font(name=FONT_NAME, size=14 if r == 1 else 11, bold=r == 1)
    # wide enough for the longest line, so none runs past the printed page
    help_ws.column_dimensions["A"].width = round(max(text_width(x) for x in HELP_LINES) + 4)
    print_ready(help_ws, landscape=True, title_rows=None)

    ws = wb.create_sheet(S.SHEET_PARAMS)
    _style_header(ws, ["参数", "值", "说明"])
    note_width = 70
    for r, (key, value, note) in enumerate(PARAM_ROWS, start=2):
        ws.cell(row=r, column=1, value=key).font = Font(name=FONT_NAME, bold=key == S.P_CLASSES)
        ws.cell(row=r, column=2, value=value)
        if key == S.P_SEED:                 # text, so a called 0012 stays 0012 (a number cell keeps 12)
            ws.cell(row=r, column=2).number_format = "@"
        ws.cell(row=r, column=3, value=note).font = Font(name=FONT_NAME, color="606060")
        wrap_note(ws, r, 3, note_width)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = note_width
    print_ready(ws, landscape=True)
    hp_row = 2 + [k for k, _, _ in PARAM_ROWS].index(S.P_HOMOPHONE)
    _list_validation(ws, '"是,否"', f"B{hp_row}:B{hp_row + 1}", S.P_HOMOPHONE, "请选择 是 或 否")
    sc_row = 2 + [k for k, _, _ in PARAM_ROWS].index(S.P_SHOW_SCORES)
    _list_validation(ws, '"是,否"', f"B{sc_row}", S.P_SHOW_SCORES, "请选择 是 或 否")
    ws.cell(row=2 + [k for k, _, _ in PARAM_ROWS].index(S.P_CLASSES), column=2).comment = Comment("必填：班级个数", "bianban")

    ws = wb.create_sheet(S.SHEET_ROSTER)
    _style_header(ws, ROSTER_HEADERS, required=S.ROSTER_REQUIRED)
    last = n_rows + 1
    col = {h: get_column_letter(i) for i, h in enumerate(ROSTER_HEADERS, start=1)}
    _list_validation(ws, '"男,女"', f"{col[S.C_GENDER]}2:{col[S.C_GENDER]}{last}", "性别", "请选择 男 或 女")
    _list_validation(ws, '"优,良,中,差"', f"{col[S.C_LEVEL]}2:{col[S.C_LEVEL]}{last}", "等级", "请选择 优、良、中、差，或留空")
    for h in (S.C_ID,):
        for r in range(2, 3):
            ws.cell(row=r, column=ROSTER_HEADERS.index(h) + 1).number_format = "@"
    ws.column_dimensions[col[S.C_SCHOOL]].width = 18
    ws.column_dimensions[col[S.C_BIRTH]].width = 12
    ws.column_dimensions[col[S.C_NOTE]].width = 20
    print_ready(ws, landscape=True)

    ws = wb.create_sheet(S.SHEET_TWINS)
    _style_header(ws, TWIN_HEADERS, required=(S.T_GROUP, S.T_MODE))
    _list_validation(ws, '"同班,分开"', "D2:D500", "要求", "同班 = 家长申请捆绑编在同一班；分开 = 要求分在不同班")
    ws.cell(row=1, column=5, value="同一家庭填相同组号；每个孩子一行；可只填编号或只填姓名（同名时必须填编号）").font = Font(name=FONT_NAME, color="606060")
    ws.column_dimensions["E"].width = round(text_width(ws["E1"].value) + 2)
    print_ready(ws, landscape=True)

    ws = wb.create_sheet(S.SHEET_TEACHERS)
    _style_header(ws, TEACHER_HEADERS)
    tcol = {h: get_column_letter(i) for i, h in enumerate(TEACHER_HEADERS, start=1)}
    _list_validation(ws, '"男,女"', f"{tcol['性别']}2:{tcol['性别']}500", "性别", "请选择 男 或 女")
    _list_validation(ws, '"初级,中级,高级,正高级,未定级"', f"{tcol['职称']}2:{tcol['职称']}500", "职称", "请选择职称")
    for key in ("骨干", "班主任"):
        _list_validation(ws, '"是,否"', f"{tcol[key]}2:{tcol[key]}500", key, "请选择 是 或 否")
    print_ready(ws, landscape=True)
    wb.active = 1
    return wb


def fill_input_workbook(roster, params) -> Workbook:
    """The template filled with a roster (used by `bianban demo`, the benchmark and tests)."""
    wb = build_input_workbook(n_rows=max(2000, len(roster.students) + 10))
    ws = wb[S.SHEET_PARAMS]
    values = {S.P_SCHOOL: params.school_name, S.P_GRADE: params.grade_name, S.P_CLASSES: params.n_classes,
              S.P_CAP: params.cap, S.P_SEED: as_cell(params.seed), S.P_SUBJECTS: ",".join(params.subjects),
              S.P_HOMOPHONE: "是" if params.separate_homophones else "否",
              S.P_FUZZY: "是" if params.fuzzy_homophones else "否",
              S.P_CLASS_NAMES: ",".join(params.class_names) if params.class_names else None,
              S.P_FULL_MARKS: ",".join(f"{k}:{v:g}" for k, v in params.full_marks.items()) if params.full_marks
              else int(params.full_mark_default) if float(params.full_mark_default).is_integer() else params.full_mark_default,
              S.P_SHOW_SCORES: "是" if params.show_scores else "否",
              S.P_CLASS_COLUMNS: ",".join(params.class_columns) or None}
    for r in range(2, ws.max_row + 1):
        key = ws.cell(row=r, column=1).value
        if key in values:
            ws.cell(row=r, column=2, value=values[key])
    ws = wb[S.SHEET_ROSTER]
    subjects = list(params.subjects)
    headers = [S.C_ID, S.C_NAME, S.C_GENDER, S.C_BIRTH, S.C_SCHOOL, S.C_HUJI, S.C_LEVEL] + subjects + [S.C_NOTE]
    if headers != ROSTER_HEADERS:
        for c in range(1, ws.max_column + 1):
            ws.cell(row=1, column=c).value = None
        for c, h in enumerate(headers, start=1):
            ws.cell(row=1, column=c, value=h)
    for r, s in enumerate(roster.students, start=2):
        row = [s.sid, s.name, s.gender, s.birth, s.school, s.huji, s.level]
        row += ["缺考" if s.scores.get(sub) is None else s.scores.get(sub) for sub in subjects]
        row.append(s.extra.get(S.C_NOTE))
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            if c == 4 and v is not None:
                cell.number_format = "yyyy-mm-dd"
    ws = wb[S.SHEET_TWINS]
    r = 2
    for g in roster.twin_groups:
        for i in g.members:
            s = roster.students[i]
            for c, v in enumerate([g.gid, s.sid, s.name, g.mode], start=1):
                ws.cell(row=r, column=c, value=v)
            r += 1
    return wb
