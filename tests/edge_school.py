"""Edge schools for the paper tests: what crowded county schools and long official names look like.

``full_school``: a long school name (a 教育集团 with its campus in brackets), long 班级名称, 58–59
pupils a class (班额上限 60), nine subjects, minority names of 8+ characters with '·', compound
surnames (欧阳/司马 …), 2-character names, many twins, head teachers with long names; then 插班
pupils added after the lock. ``names_only``: only 姓名 and 性别 (no 编号, no scores), 57 a class.
Both run the whole day through the service (数据封存 → assign → 教师搭配 → 抽签 → 公示 → 锁定 → 插班).
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook

from bianban_xl import service

SCHOOL = "福建省泉州市丰泽区城东街道教育发展集团第二实验学校（泉州第五中学城东校区）"
GRADE = "2026级初一"
SUBJECTS = ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治"]
MINORITY = ["阿依古丽·买买提吐尔逊", "买买提江·阿不都热合曼", "古丽娜尔·艾买提", "热依拉·吐尔洪",
            "艾克拜尔·吐尔逊托合提", "迪丽热巴·阿不都克力木", "阿卜杜许库尔·买买提明", "斯琴高娃", "扎西多吉"]
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "慕容", "东方"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "浩子俊博皓睿泽铭一思天嘉昊宏志明鹏成锦梓逸家旭振星雨晟瑞宇文欣诗语佳可若梦晓雅紫芷心晨安婉依舒雪艺"
PRIMARY = ["城东中心小学", "城西实验小学", "丰泽区第二实验小学（东海校区）", "泉州师范学院附属小学",
           "东海街道浔埔村小学", "北峰街道群石小学"]
TEACHER_HEAD = ["姓名", "学科", "性别", "年龄", "教龄", "职称", "骨干", "评分", "班主任", "任教班数"]


def class_names(k: int) -> list[str]:
    return [f"2026级初一年级（{c}）班（城东校区南楼教学班）" for c in range(1, k + 1)]


def _name(rnd: random.Random, i: int) -> str:
    r = rnd.random()
    if r < 0.06:
        return MINORITY[i % len(MINORITY)]
    if r < 0.14:
        return rnd.choice(COMPOUND) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice([1, 2])))
    if r < 0.40:
        return rnd.choice(SURNAMES) + rnd.choice(GIVEN)                 # 2 characters
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)


def _params(ws, school: str, k: int, cap: int, subjects: list[str], names: list[str] | None) -> None:
    ws.append(["参数", "值"])
    for row in (("学校名称", school), ("年级", GRADE), ("班级数", k), ("班额上限", cap),
                ("成绩科目", ",".join(subjects)), ("班级名称", ",".join(names) if names else None)):
        ws.append(list(row))


def _teachers(ws, k: int, rnd: random.Random) -> None:
    """k head teachers (语文 k-1, 数学 1), 数学/英语 teachers with 2 classes each; long minority names."""
    ws.append(TEACHER_HEAD)
    n = 0
    for subject, count, load in (("语文", k, 1), ("数学", k // 2, 2), ("英语", k // 2, 2)):
        for j in range(count):
            if n % 3 == 0:
                name = ["努尔古丽·阿不都热依木", "买买提艾力·吐尔逊江", "欧阳明轩"][n // 3 % 3] + ("" if n < 9 else str(n))
            else:
                name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN) + str(n)
            head = "是" if (subject == "语文" and j < k - 1) or (subject == "数学" and j == 0) else "否"
            years = (7 * n) % 31
            ws.append([name, subject, "女" if n % 3 else "男", 24 + years, years,
                       ("正高级教师", "高级教师", "一级教师", "二级教师")[n % 4], "是" if n % 4 == 0 else "否",
                       70 + (n * 11) % 30, head, load])
            n += 1


def write_full(path: Path, k: int = 4, per: int = 58, cap: int = 60) -> Path:
    rnd = random.Random(11)
    wb = Workbook()
    _params(wb.active, SCHOOL, k, cap, SUBJECTS, class_names(k))
    wb.active.title = "参数设置"
    ws = wb.create_sheet("学生名单")
    ws.append(["编号", "姓名", "性别", "出生日期", "毕业学校", "户籍", "等级", *SUBJECTS, "备注"])
    n = k * per + 1
    rows = []
    for i in range(n):
        rows.append([f"S{i + 1:05d}", _name(rnd, i), "男" if rnd.random() < 0.51 else "女",
                     date(2013, 9, 1) + timedelta(days=rnd.randrange(365)), rnd.choice(PRIMARY),
                     rnd.choice(["本地", "本地", "外地"]), rnd.choice("优良中差"),
                     *[rnd.randint(40, 100) for _ in SUBJECTS], None])
        ws.append(rows[-1])
    tw = wb.create_sheet("双胞胎")
    tw.append(["组号", "编号", "姓名", "要求"])
    for g, j in enumerate(range(0, n - 1, 12), start=1):
        for row in rows[j:j + 2]:
            tw.append([g, row[0], row[1], "同班" if g % 3 else "分开"])
    _teachers(wb.create_sheet("教师名单"), k, rnd)
    wb.save(path)
    return path


def write_names_only(path: Path, k: int = 2, per: int = 57) -> Path:
    """姓名 and 性别 only: no 编号, no birth dates, no schools, no scores."""
    rnd = random.Random(5)
    wb = Workbook()
    _params(wb.active, "某某县第一中学", k, 60, [], None)
    wb.active.title = "参数设置"
    ws = wb.create_sheet("学生名单")
    ws.append(["姓名", "性别"])
    for i in range(k * per):
        ws.append([_name(rnd, i), "男" if rnd.random() < 0.5 else "女"])
    _teachers(wb.create_sheet("教师名单"), k, rnd)
    wb.save(path)
    return path


LATE = [("L001", "阿卜杜热西提·艾合买提江", "男"), ("L002", "林一", "女"), ("L003", "欧阳娜娜", "女")]


def add_late(path: Path) -> None:
    """插班 pupils typed at the end of 学生名单 with the class left blank (as the registrar does)."""
    wb = load_workbook(path)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    r = ws.max_row + 1
    for sid, name, gender in LATE:
        values = {"编号": sid, "姓名": name, "性别": gender, "出生日期": date(2014, 1, 2), "毕业学校": PRIMARY[2],
                  "户籍": "外地", "等级": "良", "备注": "转入"}
        for c, h in enumerate(head, start=1):
            if h in values:
                ws.cell(row=r, column=c).value = values[h]
        r += 1
    wb.save(path)


def full_day(src: Path) -> Path:
    """The whole day on ``src``; the result workbook."""
    service.seal_file(src)
    out = src.with_name("结果.xlsx")
    service.assign_file(src, out, seed=20260901, progress=None, seed_source="现场家长代表报数")
    service.teachers_file(out, None, seed=31415, seed_source="现场家长代表报数")
    service.draw_file(out, None, seed=2718, seed_source="现场家长代表报数")
    service.public_file(out, None)
    service.lock_file(out, None)
    add_late(out)
    service.late_file(out, None, seed=99, seed_source="现场家长代表报数")
    return out
