"""检查数据 before the day: scores above 成绩满分 (errors naming the cell), 0 scores, birth dates
outside the intake window and hidden rows (warnings), 教师名单 checked with the input, and a demo
that ships a 教师名单."""
from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from bianban_xl.book.xlsx_read import read_fast
from bianban_xl.cli.main import main
from bianban_xl.demo import DEMO_CLASSES, DEMO_SEED, DEMO_STUDENTS, write_demo_input
from bianban_xl.model.intake import intake_window
from bianban_xl.service import check_file, read_book
from bianban_xl.synth import generate_school

from conftest import DEFAULT_PARAMS, student_rows, write_book
from onsite_helpers import TEACHERS

COL = {"出生日期": 4, "语文": 8, "数学": 9}


def _texts(report, level="errors"):
    return [p.text() for p in getattr(report, level)]


def test_scores_above_full_marks_are_errors_naming_the_cell(tmp_path, capsys):
    rows = student_rows(30)
    rows[0][COL["语文"] - 1] = 150      # row 2
    rows[1][COL["数学"] - 1] = 850      # row 3
    rows[2][COL["语文"] - 1] = 1500     # row 4
    rows[3][COL["数学"] - 1] = 0        # row 5
    path = write_book(tmp_path / "in.xlsx", rows=rows)
    roster, report = check_file(path)
    assert roster is None
    errors = _texts(report)
    assert len(errors) == 3, errors
    assert any("H2" in e and "语文成绩 150 超过满分 100" in e for e in errors)
    assert any("I3" in e and "850" in e for e in errors)
    assert any("H4" in e and "1500" in e for e in errors)
    assert any("I5" in w and "0 分" in w for w in _texts(report, "warnings"))
    assert main(["check", str(path)]) == 1
    assert "H2" in capsys.readouterr().out


def test_full_marks_per_subject(tmp_path):
    rows = student_rows(30)
    rows[0][COL["语文"] - 1] = 118
    rows[1][COL["数学"] - 1] = 121
    params = DEFAULT_PARAMS + [("成绩满分", "语文:120，数学：120")]
    roster, report = check_file(write_book(tmp_path / "in.xlsx", rows=rows, params=params))
    assert [("I3" in e and "超过满分 120" in e) for e in _texts(report)] == [True]
    params = DEFAULT_PARAMS + [("满分", 150)]
    roster, report = check_file(write_book(tmp_path / "in2.xlsx", rows=rows, params=params))
    assert roster is not None and roster.params.full_mark("数学") == 150
    params = DEFAULT_PARAMS + [("成绩满分", "语文一百二")]
    roster, report = check_file(write_book(tmp_path / "in3.xlsx", rows=rows, params=params))
    assert roster is None and any("成绩满分" in e and "看不懂" in e for e in _texts(report))


def test_full_marks_do_not_change_the_fingerprint_or_the_result(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_book(tmp_path / "in_a.xlsx")
    write_book(tmp_path / "in_b.xlsx", params=DEFAULT_PARAMS + [("成绩满分", 120)])
    assert main(["assign", str(tmp_path / "in_a.xlsx"), "-o", str(a), "--seed", "5"]) == 0
    assert main(["assign", str(tmp_path / "in_b.xlsx"), "-o", str(b), "--seed", "5"]) == 0
    rec = [{r[0]: r[1] for r in load_workbook(p)["编班记录"].iter_rows(values_only=True) if r[0]} for p in (a, b)]
    assert rec[0]["输入指纹"] == rec[1]["输入指纹"] and rec[0]["结果指纹"] == rec[1]["结果指纹"]


def test_intake_window_rule():
    early, late, rule = intake_window("2026级初一")
    assert (early, late) == (date(2012, 9, 1), date(2014, 8, 31))
    assert "满 12 周岁" in rule
    early, late, _ = intake_window("小学一年级", today=date(2025, 6, 1))
    assert (early, late) == (date(2017, 9, 1), date(2019, 8, 31))
    assert intake_window("") is None


@pytest.mark.parametrize("grade, intake, who", [
    ("2024级高一年级", 2024, "高一"),          # holds 一年级: was read as 小学一年级
    ("2024级初一年级", 2024, "初一"),
    ("二〇二四级初一", 2024, "初一"),          # Chinese numerals: was the current year
    ("2029届初一", 2026, "初一"),             # a 届 after this year is the year they leave
    ("2026届初一", 2026, "初一"),
    ("2032届一年级", 2026, "小学一年级"),
])
def test_intake_year_and_grade_as_schools_write_them(grade, intake, who):
    _, late, rule = intake_window(grade, today=date(2026, 6, 1))
    assert rule.startswith(f"{intake}年入学的{who}学生")


def test_birth_dates_outside_the_window_and_hidden_rows_are_warnings(tmp_path):
    rows = student_rows(30)
    rows[4][COL["出生日期"] - 1] = "2031-05-01"     # row 6: not even born
    rows[5][COL["出生日期"] - 1] = "2009-03-02"     # row 7: five years older than the cohort
    path = write_book(tmp_path / "in.xlsx", rows=rows)
    wb = load_workbook(path)
    wb["学生名单"].row_dimensions[9].hidden = True
    wb["学生名单"].row_dimensions[40].hidden = True       # hidden but empty: nothing to say
    wb.save(path)
    for book in (read_book(path), read_fast(path)[0]):   # both readers see the hidden row
        assert 9 in book.sheets["学生名单"].hidden_rows
    roster, report = check_file(path)
    assert roster is not None, _texts(report)
    warnings = _texts(report, "warnings")
    assert any("D6" in w and "2031-05-01" in w and "满 12 周岁" in w for w in warnings), warnings
    assert any("D7" in w and "2009-03-02" in w for w in warnings), warnings
    hidden = [w for w in warnings if "隐藏" in w]
    assert len(hidden) == 1 and "第 9 行" in hidden[0], hidden


def test_a_grade_written_wrong_is_one_reminder_not_one_per_pupil(tmp_path):
    """When most of the roster falls outside the window, the 年级 is wrong (初一 written 一年级, last
    year's): one reminder on 参数设置 naming it, instead of ten lines about pupils and a count."""
    path = write_book(tmp_path / "in.xlsx", rows=student_rows(30),
                      params=[(k, "2026级一年级" if k == "年级" else v) for k, v in DEFAULT_PARAMS])
    roster, report = check_file(path)
    births = [w for w in report.warnings if "出生日期" in w.message and "入学年龄" in w.message]
    assert len(births) == 1 and births[0].sheet == "参数设置", [w.text() for w in births]
    assert "30 名学生中有 30 名" in births[0].message and "“年级”写错了" in births[0].message


def test_check_reads_the_teacher_list_too(tmp_path, capsys):
    bad = [list(r) for r in TEACHERS]
    bad[2][5] = "资深"            # 职称 that does not exist (row 3)
    path = write_book(tmp_path / "in.xlsx", extra_sheets={"教师名单": bad})
    roster, report = check_file(path)
    errors = _texts(report)
    assert roster is None
    assert any("教师名单" in e and "F3" in e and "资深" in e for e in errors), errors
    heads = [list(r) for r in TEACHERS]
    heads[4][8] = "否"            # only 2 head teachers for 3 classes
    roster, report = check_file(write_book(tmp_path / "heads.xlsx", extra_sheets={"教师名单": heads}))
    assert roster is None and any("班主任人选只有 2 人" in e for e in _texts(report)), _texts(report)
    assert main(["check", str(path)]) == 1
    good = write_book(tmp_path / "good.xlsx", extra_sheets={"教师名单": TEACHERS})
    assert main(["check", str(good)]) == 0
    empty = write_book(tmp_path / "empty.xlsx", extra_sheets={"教师名单": [TEACHERS[0]]})
    assert main(["check", str(empty)]) == 0          # no teachers yet: nothing to check


def test_demo_input_ships_teachers_and_the_same_students(tmp_path):
    path = write_demo_input(tmp_path / "demo.xlsx")
    roster, report = check_file(path)
    assert roster is not None, _texts(report)
    assert not [w for w in _texts(report, "warnings") if ("出生日期" in w and "可能是双胞胎" not in w) or "是 0 分" in w or "隐藏" in w]
    same = generate_school(DEMO_STUDENTS, DEMO_CLASSES, seed=DEMO_SEED)
    assert [(s.sid, s.name, s.gender, s.birth, s.school) for s in roster.students] == \
        [(s.sid, s.name, s.gender, s.birth, s.school) for s in same.students]
    teachers = [r for r in load_workbook(path)["教师名单"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert sum(1 for t in teachers if t[8] == "是") == DEMO_CLASSES
    for subject in ("语文", "数学", "英语"):
        assert sum(t[9] for t in teachers if t[1] == subject) == DEMO_CLASSES


def test_demo_runs_the_whole_onsite_flow(tmp_path, capsys):
    folder = tmp_path / "demo"
    assert main(["demo", str(folder)]) == 0
    result = folder / "示例学校_编班结果.xlsx"
    for step in (["teachers"], ["draw", "--seed", "3721"], ["public"], ["lock"]):
        assert main([step[0], str(result)] + step[1:]) == 0, capsys.readouterr().out
    assert main(["verify", str(result)]) == 0
    out = capsys.readouterr().out
    assert "日志检查通过" in out and "抽签检查通过" in out and "锁定检查通过" in out
