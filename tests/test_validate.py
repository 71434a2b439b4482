"""Every validation case from the core issue, on real openpyxl-written workbooks."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bianban_xl.model.problems import UserError
from bianban_xl.service import check_file

from conftest import DEFAULT_PARAMS, HEADER, student_rows, write_book


def errors(path):
    roster, report = check_file(path)
    return roster, [p for p in report.errors], [p for p in report.warnings]


def params_with(**changes):
    out = []
    for k, v in DEFAULT_PARAMS:
        if k in changes:
            v = changes.pop(k)
            if v is _DROP:
                continue
        out.append((k, v))
    out += list(changes.items())
    return out


_DROP = object()


def test_valid_book_reads_everything(book):
    roster, errs, warns = errors(book)
    assert errs == []
    assert roster is not None and len(roster.students) == 30
    assert roster.params.n_classes == 3 and roster.params.subjects == ["语文", "数学"]
    s = roster.students[0]
    assert s.sid == "S0001" and s.gender in "男女" and s.birth.year == 2013 and s.school.startswith("第")


def test_missing_sheets(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "别的表"
    wb.save(tmp_path / "x.xlsx")
    _, errs, _ = errors(tmp_path / "x.xlsx")
    texts = " ".join(e.text() for e in errs)
    assert "缺少工作表“参数设置”" in texts and "缺少工作表“学生名单”" in texts


def test_sheet_synonyms_accepted(tmp_path):
    path = write_book(tmp_path / "x.xlsx", roster_name="花名册")
    roster, errs, _ = errors(path)
    assert errs == [] and roster.sheet == "花名册"


def test_a_first_grade_roster_balances_its_kindergartens(tmp_path):
    """小学一年级 rosters name the source kindergarten, not a 毕业学校: it is the same balance rule."""
    for head in ("幼儿园", "毕业幼儿园", "就读幼儿园"):
        header = [head if h == "毕业学校" else h for h in HEADER]
        roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", header=header, rows=student_rows(8)))
        assert errs == [] and all(s.school for s in roster.students), head


def test_classes_over_the_national_class_size_get_a_reminder(tmp_path):
    """小学 45, 初中 50: more per class is allowed (a school may have no room) but said, with the
    number of classes that would keep to the standard; a grade the reader cannot place says nothing."""
    rows = student_rows(100)
    for grade, k, said in (("2026级一年级", 2, ("超过小学班额 45 人的标准", "3 个班可使每班不超过 45 人")),
                           ("2026级一年级", 3, None), ("2026级初一", 2, None),
                           ("2026级初一", 1, ("超过初中班额 50 人的标准", "2 个班可使每班不超过 50 人")),
                           ("兴趣班", 1, None)):
        params = params_with(年级=grade, 班级数=k, 班额上限=100)
        roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", params=params, rows=rows))
        hit = [w for w in warns if "班额" in w.message and "标准" in w.message]
        assert errs == [], [e.text() for e in errs]
        if said:
            assert len(hit) == 1 and said[0] in hit[0].message and said[1] in hit[0].fix, (grade, k)
            assert hit[0].sheet == "参数设置"
        else:
            assert hit == [], (grade, k, [w.text() for w in hit])


def test_missing_required_column(tmp_path):
    header = [h for h in HEADER if h != "性别"]
    rows = [r[:2] + r[3:] for r in student_rows(5)]
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", header=header, rows=rows))
    assert any("缺少必填列“性别”" in e.message and e.sheet == "学生名单" for e in errs)


def test_class_count_missing_zero_or_text(tmp_path):
    for value, needle in ((None, "没有填写"), (0, "不小于 1 的整数"), ("十二", "不小于 1 的整数"), (2.5, "不小于 1 的整数")):
        _, errs, _ = errors(write_book(tmp_path / "x.xlsx", params=params_with(班级数=value)))
        hit = [e for e in errs if "班级数" in e.message]
        assert hit and needle in hit[0].message, (value, [e.text() for e in errs])
        assert hit[0].sheet == "参数设置" and hit[0].row == 4 and hit[0].col == 2
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", params=params_with(班级数=_DROP)))
    assert any("缺少参数“班级数”" in e.message for e in errs)


def test_unknown_gender_names_the_cell(tmp_path):
    rows = student_rows(10)
    rows[3][2] = "男孩"
    rows[5][2] = " 女 "          # trimmed variant is fine
    rows[6][2] = "M"             # common variant is fine
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    assert len(errs) == 1
    assert errs[0].row == 5 and errs[0].col == 3 and "男孩" in errs[0].message and "男" in errs[0].fix
    assert errs[0].where == "C5"


def test_duplicate_id(tmp_path):
    rows = student_rows(10)
    rows[7][0] = rows[2][0]
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    assert any("编号“S0003”重复（第4行和第9行）" in e.message for e in errs)


def test_twin_row_naming_no_student_or_ambiguous(tmp_path):
    rows = student_rows(10)
    rows[8][1] = rows[9][1]        # two students share a name
    twins = [[1, "S9999", None, "同班"], [1, "S0001", None, "同班"],
             [2, None, rows[9][1], "同班"], [2, "S0002", None, "同班"],
             [3, None, "查无此人", "同班"], [3, "S0003", None, "同班"]]
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows, twins=twins))
    texts = [e.text() for e in errs if e.sheet == "双胞胎"]
    assert any("编号“S9999”" in t and "找不到" in t for t in texts)
    assert any("无法确定是哪一个" in t and "编号" in t for t in texts)
    assert any("查无此人" in t for t in texts)


def test_twin_row_naming_a_namesake_in_a_roster_without_numbers(tmp_path):
    """No 编号 column: a 双胞胎 row naming one of two 刘涛 was told to '请填写“编号”来指明' — there
    is no 编号 to fill in. It now says to add the 编号 column (学籍号) for them first."""
    rows = [r[1:] for r in student_rows(10)]
    rows[3][0] = rows[7][0] = "刘涛"
    twins = [[1, None, "刘涛", "同班"], [1, None, rows[5][0], "同班"]]
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows, header=HEADER[1:], twins=twins))
    said = next(e.text() for e in errs if "无法确定是哪一个" in e.text())
    assert "学生名单第5、9行没有编号" in said and "没有这一列就加上" in said


def test_twin_requests_in_the_words_parents_write(tmp_path):
    twins = [[1, "S0001", None, "同一个班"], [1, "S0002", None, "同一个班"],
             [2, "S0003", None, "不在一个班"], [2, "S0004", None, "分到不同班"]]
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", twins=twins))
    assert errs == [] and [g.mode for g in roster.twin_groups] == ["同班", "分开"]


def test_numbered_rows_without_students_are_skipped_with_one_notice(tmp_path):
    """School lists are often numbered further down than there are pupils (序号 1–200 for 30
    pupils): each such row was an error of its own (170 of them). A row holding nothing but its
    number is now a blank row, named once; rows with data but no name are still errors, at most
    MAX_LISTED listed and the rest counted."""
    header = ["序号"] + HEADER[1:]
    rows = [[k + 1] + r[1:] for k, r in enumerate(student_rows(30))] + [[k + 31] + [None] * 9 for k in range(170)]
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows, header=header))
    assert errs == [] and len(roster.students) == 30
    assert [w.message for w in warns if "只有序号" in w.message] == ["第 32–201 行只有序号，没有学生，当作空行跳过。"]
    for r in rows[30:]:
        r[5] = "本地"                        # now each has data: 170 errors, 30 listed and a count
    _, errs, _ = errors(write_book(tmp_path / "y.xlsx", rows=rows, header=header))
    assert len(errs) == 31 and "另有 140 行" in errs[-1].message
    header = ["序号", "学籍号"] + HEADER[1:]                 # 序号 and 学籍号 both, but no pupil
    rows = [[k + 1, f"G{k}"] + r[1:] for k, r in enumerate(student_rows(30))] + [[k + 31, f"G{k + 30}"] + [None] * 9
                                                                                 for k in range(20)]
    roster, errs, warns = errors(write_book(tmp_path / "z.xlsx", rows=rows, header=header))
    assert errs == [] and len(roster.students) == 30
    assert any(w.message == "第 32–51 行只有序号，没有学生，当作空行跳过。" for w in warns)


def test_scores_with_their_unit_leave_words_and_one_school_however_typed(tmp_path):
    """85分 is a score; 请假 / 病假 / 缺席 / 旷考 mean the pupil did not sit, like 缺考; 第１小学, 第1 小学
    and 第1小学 are one school (they were three, which splits its count balance)."""
    rows = student_rows(30)
    rows[0][7], rows[1][7], rows[2][8], rows[3][8] = "85分", "请假", "病假", "缺席"
    rows[4][4], rows[5][4], rows[6][4] = "第１小学", "第1 小学", " 第1小学 "
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    assert errs == []
    s = roster.students
    assert s[0].scores["语文"] == 85 and s[1].scores["语文"] is None and s[2].scores["数学"] is None
    assert {x.school for x in s[4:7]} == {"第1小学"}
    rows = [r[:7] + [f"{r[7]}分", r[8]] + r[9:] for r in student_rows(30)]      # detected as a subject too
    roster, errs, _ = errors(write_book(tmp_path / "y.xlsx", rows=rows, params=params_with(成绩科目=_DROP)))
    assert errs == [] and roster.params.subjects == ["语文", "数学"]


def test_a_header_of_two_rows_is_one_error_saying_so(tmp_path):
    """A school-made list with a two-row header (基本信息 cells merged down, 成绩 over 语文 | 数学)
    gave a merged-cell error per column and "成绩科目 not found"; now one error says the header
    takes two rows and how to make it one."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "参数设置"
    for row in [("参数", "值"), *DEFAULT_PARAMS]:
        ws.append(list(row))
    ws = wb.create_sheet("学生名单")
    ws.append(["编号", "姓名", "性别", "出生日期", "毕业学校", "户籍", "等级", "成绩", None, "备注"])
    ws.append([None] * 7 + ["语文", "数学", None])
    for c in "ABCDEFGJ":
        ws.merge_cells(f"{c}1:{c}2")
    ws.merge_cells("H1:I1")
    for r in student_rows(30):
        ws.append(r)
    wb.save(tmp_path / "x.xlsx")
    _, errs, _ = errors(tmp_path / "x.xlsx")
    assert len(errs) == 1 and "表头占了2行（第1–2行" in errs[0].message and "改成一行" in errs[0].fix
    assert errs[0].where == "A1" and "如 A1:A2" in errs[0].message           # the first, whichever reader


def test_a_list_pasted_twice_is_refused_naming_the_rows(tmp_path):
    """The same pupil twice (same name, gender, birth date, school; no 编号 telling them apart) was
    only a 同名 notice, and assigning put the child in two classes."""
    rows = student_rows(30)
    header = HEADER[1:]
    rows = [r[1:] for r in rows]
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows + rows[:2], header=header))
    assert [e.where for e in errs] == ["第32行", "第33行"] and "第2行和第32行像是同一名学生" in errs[0].message
    more = [r[1:] for r in student_rows(35)]
    _, errs, _ = errors(write_book(tmp_path / "y.xlsx", rows=more + more, header=header,
                                   params=params_with(班级数=4)))
    assert len(errs) == 31 and "共 35 对" in errs[-1].message and "粘贴了两次" in errs[-1].fix
    twins = [list(r) for r in rows[:2]]                  # same birth and school, other names: no match
    twins[1][0], twins[1][2], twins[1][3], twins[1][4] = twins[0][0] + "二", twins[0][2], twins[0][3], twins[0][4]
    roster, errs, _ = errors(write_book(tmp_path / "z.xlsx", rows=rows[2:] + twins, header=header))
    assert errs == []
    ided = student_rows(30)                               # two ids tell the two rows apart
    ided.append(["S9999"] + ided[0][1:])
    _, errs, _ = errors(write_book(tmp_path / "w.xlsx", rows=ided))
    assert not any("同一名学生" in e.message for e in errs)


def test_group_both_together_and_apart(tmp_path):
    twins = [[1, "S0001", None, "同班"], [1, "S0002", None, "分开"]]
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", twins=twins))
    assert any("同时被标为“同班”和“分开”" in e.message for e in errs)


def test_too_many_students_for_classes_and_cap(tmp_path):
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", params=params_with(班级数=2, 班额上限=10), rows=student_rows(25)))
    assert any("超过 2 个班 × 班额上限 10 = 20 人" in e.message for e in errs)


def test_bound_group_larger_than_a_class(tmp_path):
    twins = [[1, f"S{i:04d}", None, "同班"] for i in range(1, 13)]
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", twins=twins))
    assert any("捆绑同班的 12 名学生" in e.message for e in errs)


def test_more_same_names_than_classes(tmp_path):
    rows = student_rows(12)
    for r in rows[:4]:
        r[1] = "张 伟"
    rows[4][1] = "張偉"            # traditional form is the same name
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    hit = [e for e in errs if "同名" in e.message]
    assert hit and "5 名学生同名" in hit[0].message and "第2、3、4、5、6行" in hit[0].message


def test_formulas_and_merged_cells(tmp_path):
    path = write_book(tmp_path / "x.xlsx")
    wb = load_workbook(path)
    ws = wb["学生名单"]
    ws["H3"] = "=80+5"
    ws.merge_cells("E5:E6")
    wb.save(path)
    _, errs, _ = errors(path)
    assert any(e.where == "H3" and "公式" in e.message for e in errs)
    assert any("合并单元格 E5:E6" in e.message for e in errs)


DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("name, said", [
    ("设了打开密码1234.xlsx", "设有打开密码"),      # made with msoffcrypto-tool 6.1.0 (ECMA-376 agile encryption)
    ("旧版xls改名.xlsx", "实际是旧版 .xls 文件"),     # LibreOffice 7 --convert-to xls, renamed
])
def test_password_protected_or_renamed_xls_is_named_as_such(tmp_path, name, said):
    """Two common files that are no zip: a workbook with an opening password (an OLE compound
    file holding EncryptionInfo and EncryptedPackage) and an old .xls renamed .xlsx. Both were
    "not a workbook, may be damaged"; the message now says what the file is and how to fix it —
    from the command line too, with the file left as it was."""
    src = tmp_path / name
    shutil.copy(DATA / name, src)
    before = src.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "bianban_xl.cli.main", "assign", str(src)], capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 1 and said in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and src.read_bytes() == before
    if "密码" in said:
        assert "取消打开密码" in proc.stdout + proc.stderr


def test_a_large_password_protected_workbook_is_named_too(tmp_path):
    """In a large OLE file the directory naming EncryptedPackage can sit after the first 8 MB."""
    from bianban_xl.book.package import _SCAN_BYTES, not_a_zip
    big = tmp_path / "大名单.xlsx"
    big.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(_SCAN_BYTES + 4096) + "EncryptedPackage".encode("utf-16-le"))
    assert "设有打开密码" in not_a_zip(big)
    other = tmp_path / "文档.xlsx"                           # an OLE file that is no workbook (a .doc)
    other.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(4096) + "WordDocument".encode("utf-16-le"))
    assert "不是 Excel 工作簿" in not_a_zip(other) and "旧版 .xls" not in not_a_zip(other)


def test_not_a_workbook(tmp_path):
    bad = tmp_path / "名单.xlsx"
    bad.write_text("这不是表格")
    try:
        check_file(bad)
    except UserError as exc:
        assert "不是 Excel 工作簿" in exc.report.errors[0].message
    else:
        raise AssertionError("expected UserError")
    old = tmp_path / "名单.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    try:
        check_file(old)
    except UserError as exc:
        assert "另存为" in exc.report.errors[0].message
    else:
        raise AssertionError("expected UserError")


def test_missing_scores_and_lonely_school_are_warnings(tmp_path):
    rows = student_rows(12)
    rows[0][7] = "缺考"
    rows[1][8] = None
    rows[2][4] = "孤岛小学"
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    assert errs == []
    assert roster.students[0].scores["语文"] is None and roster.students[1].scores["数学"] is None
    assert any("缺考" in w.message for w in warns)
    assert any("孤岛小学" in w.message for w in warns)


def test_all_errors_reported_at_once(tmp_path):
    rows = student_rows(10)
    rows[1][2] = "?"
    rows[4][2] = "未知"
    rows[6][6] = "甲"
    rows[7][7] = "八十"
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows, params=params_with(班级数="abc")))
    places = {(e.sheet, e.where) for e in errs}
    assert {("学生名单", "C3"), ("学生名单", "C6"), ("学生名单", "G8"), ("学生名单", "H9"), ("参数设置", "B4")} <= places


def test_blank_rows_skipped_extra_columns_kept(tmp_path):
    header = HEADER + ["联系电话"]
    rows = [r + ["13800000000"] for r in student_rows(6)]
    rows.insert(3, [None] * len(header))
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows, header=header,
                                        params=params_with(成绩科目=_DROP)))
    assert errs == [] and len(roster.students) == 6
    assert roster.params.subjects == ["语文", "数学"]          # phone column is not a subject
    assert roster.students[0].extra["联系电话"] == "13800000000"


def _with_total_and_rank(n: int = 12) -> tuple[list[str], list[list]]:
    """A roster as the admission system exports it: 总分 and 名次 next to the subjects."""
    rows = student_rows(n)
    totals = [r[7] + r[8] for r in rows]
    order = sorted(range(n), key=lambda i: -totals[i])
    rank = {i: k + 1 for k, i in enumerate(order)}
    header = HEADER[:9] + ["总分", "年级名次", "原班级", "身高"] + HEADER[9:]
    return header, [r[:9] + [totals[i], rank[i], 1 + i % 4, 140 + i] + r[9:] for i, r in enumerate(rows)]


def test_total_and_rank_columns_are_not_detected_as_subjects(tmp_path):
    """With 成绩科目 blank, a 总分 and a 名次 column beside the subjects (as most exports have them)
    are not balanced as two more subjects, nor the pupil's old class number or height — before, every total above 100 and every rank above
    100 was an error telling the registrar to raise their 满分, and following it balanced ranks."""
    header, rows = _with_total_and_rank()
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows, header=header,
                                            params=params_with(成绩科目=_DROP)))
    assert errs == []
    assert roster.params.subjects == ["语文", "数学"]
    said = [w.message for w in warns if w.sheet == "参数设置"]
    assert any("自动按成绩列均衡：语文、数学" in m and "“总分”“年级名次”" in m for m in said), said
    assert roster.students[0].extra["总分"] == rows[0][9]          # kept as a column, not lost


def test_a_sum_row_under_the_list_is_one_error_and_does_not_hide_the_subjects(tmp_path):
    """A 合计 row under the students (sums of 1,000+ in the score columns) made every score column
    look like no score at all: with 成绩科目 blank the roster was balanced on nothing, silently,
    and the row itself was skipped. Now the subjects are found from the named students' rows, and
    the 合计 row is one error naming it."""
    header, rows = _with_total_and_rank(40)
    rows.append(["合计"] + [None] * 6 + [sum(r[7] for r in rows), sum(r[8] for r in rows)] + [None] * 5)
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows, header=header,
                                        params=params_with(成绩科目=_DROP)))
    assert [(e.where, "合计" in e.message and "删除整行" in e.fix) for e in errs] == [("B42", True)]


def test_a_total_alone_is_balanced_and_a_rank_never(tmp_path):
    header, rows = _with_total_and_rank()
    header = [h for h in header if h not in ("语文", "数学")]
    rows = [r[:7] + r[9:] for r in rows]
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows, header=header,
                                        params=params_with(成绩科目=_DROP, 成绩满分=200)))
    assert errs == [] and roster.params.subjects == ["总分"]
    header = [h for h in header if h != "总分"]
    rows = [r[:7] + r[8:] for r in rows]
    assert header[7] == "年级名次"
    roster, errs, warns = errors(write_book(tmp_path / "y.xlsx", rows=rows, header=header,
                                            params=params_with(成绩科目=_DROP)))
    assert errs == [] and roster.params.subjects == []
    assert any("没有找到各科成绩列" in w.message and "年级名次" in w.message for w in warns)


def test_total_or_rank_named_in_subjects_is_allowed_but_said(tmp_path):
    header, rows = _with_total_and_rank()
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows, header=header,
                                            params=params_with(成绩科目="语文,数学,总分,年级名次", 成绩满分=300)))
    assert errs == [] and roster.params.subjects == ["语文", "数学", "总分", "年级名次"]
    said = " ".join(w.message for w in warns)
    assert "“总分”像是各科的总分或平均分" in said and "“年级名次”像是名次" in said


def test_row_number_beside_a_real_id_is_no_duplicate(tmp_path):
    """序号 (a row count) next to 学籍号, as exports have them: 学籍号 identifies the students and
    序号 is kept as a plain column — before, the two were "the same header twice", an error."""
    rows = student_rows(8)
    header = ["序号", "学籍号"] + HEADER[1:]
    rows = [[k + 1, f"G{2013000 + k}"] + r[1:] for k, r in enumerate(rows)]
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows, header=header))
    assert errs == []
    assert [s.sid for s in roster.students[:2]] == ["G2013000", "G2013001"]
    assert any("“学籍号”列作为编号" in w.message for w in warns)
    header = ["学籍号", "序号"] + HEADER[1:]                  # the same in the other order
    rows = [[r[1], r[0]] + r[2:] for r in rows]
    roster, errs, _ = errors(write_book(tmp_path / "y.xlsx", rows=rows, header=header))
    assert errs == [] and roster.students[0].sid == "G2013000"
    header = ["序号"] + HEADER[1:]                             # alone, 序号 still is the 编号
    roster, errs, _ = errors(write_book(tmp_path / "z.xlsx", rows=[[k + 1] + r[2:] for k, r in enumerate(rows)],
                                        header=header))
    assert errs == [] and roster.students[1].sid == "2"
    header = ["学号", "学籍号"] + HEADER[1:]                   # two real ids: which one is meant?
    _, errs, _ = errors(write_book(tmp_path / "w.xlsx", rows=rows, header=header))
    assert any("重复" in e.message for e in errs)
    header = ["序号", "序号"] + HEADER[1:]                     # two row counts: the same header twice
    _, errs, warns = errors(write_book(tmp_path / "v.xlsx", rows=rows, header=header))
    assert any("重复" in e.message for e in errs) and not any("只当作行号" in w.message for w in warns)


def test_wrapped_header_cells_are_recognised(tmp_path):
    """Formatted exports wrap long header cells (出生⏎日期, 毕业⏎学校): such a header was not
    recognised, so its column was silently left out of the balance (no 毕业学校 counts)."""
    header = ["编号", "姓名", "性\n别", "出生\n日期", "毕业\r\n学校", "户籍", "等级", "语文", "数学", "备注"]
    rows = student_rows(30)
    rows[1][3] = "2013-09-01 00:00:00"              # a date exported as text, with its time
    rows[2][3] = "2013/9/2 0:00"
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", header=header, rows=rows))
    assert errs == []
    s = roster.students[0]
    assert s.school and s.school.startswith("第") and s.birth is not None
    assert [str(x.birth) for x in roster.students[1:3]] == ["2013-09-01", "2013-09-02"]


@pytest.mark.parametrize("key, typed, got", [
    ("班级数", "3个班", ("n_classes", 3)), ("班级数", "3 个", ("n_classes", 3)), ("班级数", "3班", ("n_classes", 3)),
    ("班额上限", "45人", ("cap", 45)), ("班额上限", "45 名", ("cap", 45)),
    ("成绩满分", "120分", ("full_mark_default", 120.0)),
    ("成绩满分", "语文120，数学150分", ("full_marks", {"语文": 120.0, "数学": 150.0})),
])
def test_parameters_typed_with_their_unit(tmp_path, key, typed, got):
    """A number followed by its unit (3个班, 45人, 120分, 语文120) is what a registrar types; it
    was refused as no number."""
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", params=params_with(**{key: typed})))
    assert errs == [] and getattr(roster.params, got[0]) == got[1]


@pytest.mark.parametrize("key, typed", [("班级数", "个"), ("班级数", "三个班"), ("班额上限", "50岁"), ("随机种子", "2026人")])
def test_a_unit_alone_or_the_wrong_unit_is_still_refused(tmp_path, key, typed):
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", params=params_with(**{key: typed})))
    assert [e.where for e in errs] and f"“{key}”" in errs[0].message


def test_subject_not_in_roster(tmp_path):
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", params=params_with(成绩科目="语文,物理")))
    assert any("成绩科目“物理”" in e.message for e in errs)


def test_homophones_listed_and_separated_when_asked(tmp_path):
    rows = student_rows(9)
    rows[0][1], rows[1][1] = "张伟", "章伟"
    _, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    assert errs == [] and any("同音" in w.message and "张伟" in w.message and "章伟" in w.message for w in warns)
    _, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows, params=params_with(同音分开="是")))
    assert errs == [] and any("将分在不同班级" in w.message for w in warns)
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows, params=params_with(同音分开="也许")))
    assert any("同音分开" in e.message for e in errs)


def test_birth_dates_pasted_as_day_numbers(tmp_path):
    """Dates pasted as values into a text or General cell become Excel's day number ("41518"):
    read as the date it stands for, with one notice naming the rows and an example, so the
    registrar can check; other five-digit texts are still refused."""
    header = HEADER
    rows = student_rows(30)
    rows[1][3] = "41518"                            # text: 2013-09-01
    rows[2][3] = "４１５１９"                        # full-width digits
    rows[3][3] = 41520                              # a number: read, not flagged (it may show as a date)
    rows[5][3] = "41522"
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", header=header, rows=rows))
    assert errs == []
    assert [str(x.birth) for x in roster.students[1:4]] == ["2013-09-01", "2013-09-02", "2013-09-03"]
    notes = [w for w in warns if "日期序号" in w.message]
    assert len(notes) == 1 and "第 3–4、7 行等 3 个单元格" in notes[0].message and "“41518”= 2013-09-01" in notes[0].message
    assert "选择性粘贴" in notes[0].fix
    rows[1][3] = "12345"                            # 1933: no day number of a pupil's birth
    _, errs, _ = errors(write_book(tmp_path / "y.xlsx", header=header, rows=rows))
    assert any("出生日期“12345”无法识别" in e.message for e in errs)


def test_birth_year_and_month_typed_as_numbers(tmp_path):
    """出生年月 columns are filled as 2013.09: in a General cell Excel keeps the number (2013.1 for
    2013.10), in a date-formatted one it shows a day of 1905. Both are read as that year and month,
    with one notice; 2013.1 / 2014.1 are settled by the intake year (the 2026 初一 cohort is born
    Sep 2013 – Aug 2014: 2013.1 is October, 2014.1 January). Month-only births never make pupils
    look like twins; they print as 2013-09 on class sheets."""
    import datetime as dt

    rows = student_rows(30)
    typed = {1: 2013.09, 2: 2013.1, 3: 2014.1, 4: 2014.3, 5: 201312, 6: dt.datetime(1905, 7, 6, 1, 12),
             7: 2013.11}
    for r, v in typed.items():
        rows[r][3] = v
    rows[6][1], rows[7][1] = "王" + rows[6][1][1:], "王" + rows[7][1][1:]    # same surname, school, month
    rows[7][3], rows[6][4], rows[7][4] = 2014.05, "第1小学", "第1小学"
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    assert errs == []
    got = {r: (str(roster.students[r].birth), roster.students[r].birth_month_only) for r in typed}
    assert got == {1: ("2013-09-01", True), 2: ("2013-10-01", True), 3: ("2014-01-01", True), 4: ("2014-03-01", True),
                   5: ("2013-12-01", True), 6: ("2014-05-01", True), 7: ("2014-05-01", True)}
    assert roster.students[0].birth_month_only is False
    notes = [w for w in warns if "年.月" in w.message]
    assert len(notes) == 1 and "第 3–9 行等 7 个单元格" in notes[0].message and "1905 年" in notes[0].message
    assert "2013.1 读作 2013年10月、2014.1 读作 2014年1月（第 4–5 行）" in notes[0].fix
    assert not [w for w in warns if "双胞胎" in w.message]
    # all month-only: class sheets print the month
    rows = [r[:3] + [2013.09 + (i % 3) / 100] + r[4:] for i, r in enumerate(student_rows(30))]
    roster, errs, _ = errors(write_book(tmp_path / "y.xlsx", rows=rows))
    from bianban_xl.reports.result_sheets import class_sheet
    import numpy as np
    spec = class_sheet(roster, roster.params, np.zeros(30, int), 0, "2026-07-01 09:00", 1)
    assert spec.number_formats[5] == "yyyy-mm"
    rows[0][3] = "2013-09-15"
    roster, errs, _ = errors(write_book(tmp_path / "z.xlsx", rows=rows))
    assert class_sheet(roster, roster.params, np.zeros(30, int), 0, "2026-07-01 09:00", 1).number_formats[5] == "yyyy-mm-dd"


def _id_number(born, male: bool, serial: int = 12) -> str:
    """A well-formed 18-digit 居民身份证号 (area 110101) for a test pupil."""
    body = f"110101{born:%Y%m%d}{serial:02d}{1 if male else 2}"
    w = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * k for d, k in zip(body, w)) % 11]


def test_birth_dates_and_genders_from_id_numbers(tmp_path):
    """Admission exports carry the 身份证号, and the 学籍号 is G + that number: a blank 出生日期 is
    read from it (birth dates are balanced), and a 出生日期 or 性别 that disagrees with it is named
    — without ever printing the number."""
    import datetime as dt

    rows = student_rows(30)
    header = HEADER + ["身份证号"]
    ids = []
    for k, r in enumerate(rows):
        born = r[3] if isinstance(r[3], dt.date) else dt.date.fromisoformat(str(r[3])[:10])
        ids.append(_id_number(born, r[2] == "男", serial=k))
        r.append(ids[-1])
    rows[1][3] = None                                   # blank: read from the number
    rows[2][3] = None
    rows[4][3] = "2013-01-01"                           # disagrees with the number
    rows[5][2] = "女" if rows[5][2] == "男" else "男"    # disagrees with the number
    rows[6][-1] = ids[6][:-1] + ("0" if ids[6][-1] != "0" else "1")   # a wrong check digit: not used
    rows[6][3] = None
    rows[7][2] = None                                   # blank 性别: read from the number
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", header=header, rows=rows))
    assert errs == []
    s = roster.students
    assert s[7].gender == ("男" if int(ids[7][16]) % 2 else "女")
    assert any("第 9 行的性别为空，已从“身份证号”读出（1 名学生）" in w.message for w in warns)
    assert s[1].birth == dt.date.fromisoformat(ids[1][6:10] + "-" + ids[1][10:12] + "-" + ids[1][12:14])
    assert s[2].birth is not None and s[6].birth is None
    text = " ".join(w.message + w.fix for w in warns)
    assert "第 3–4 行的出生日期为空，已从“身份证号”读出（2 名学生）" in text
    birth = [w for w in warns if "与身份证号" in w.message and "出生日期" in w.message]
    assert len(birth) == 1 and birth[0].row == 6 and "2013-01-01" in birth[0].message
    sex = [w for w in warns if "性别为“" in w.message and "表示" in w.message]
    assert len(sex) == 1 and sex[0].row == 7
    assert not any(i in text or i[:14] in text for i in ids)         # the numbers are never printed

    # no 出生日期 column, the 学籍号 is G + 身份证号: every birth date is read from it
    header = ["学籍号"] + HEADER[1:3] + HEADER[4:]
    rows[7][2] = "男" if int(ids[7][16]) % 2 else "女"
    rows2 = [["G" + r[-1]] + r[1:3] + r[4:-1] for r in rows]
    roster, errs, warns = errors(write_book(tmp_path / "y.xlsx", header=header, rows=rows2))
    assert errs == []
    assert sum(x.birth is not None for x in roster.students) == 29           # all but the wrong check digit
    assert any("没有“出生日期”列" in w.message and "学籍号" in w.message for w in warns)
    # and the class sheets, which go to teachers, show such a 学籍号 masked like a 身份证号 column
    from bianban_xl.service import assign_file

    assign_file(tmp_path / "y.xlsx", tmp_path / "out.xlsx", seed=3)
    wb = load_workbook(tmp_path / "out.xlsx")
    shown = [c.value for ws in wb if ws.title in ("1班", "2班", "3班") for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert sum(v.startswith("G11") and "*" * 12 in v for v in shown) == 30
    assert not any(i[6:14] in v for v in shown for i in ids)
    from bianban_xl.service import verify_file

    assert verify_file(tmp_path / "out.xlsx").ok            # verify reads the masked 编号 back


def test_id_numbers_stored_as_numbers_are_named(tmp_path):
    """An 18-digit 身份证号 typed into a number cell keeps 15 digits (1.10101201309E+17): it is not
    used, and the registrar is told why and how to keep the digits."""
    rows = student_rows(30)
    for k, r in enumerate(rows):
        r.append(float(_id_number(__import__("datetime").date(2013, 9, 1), True, serial=k)[:17] + "0"))
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", header=HEADER + ["身份证号"], rows=rows))
    assert errs == []
    hit = [w for w in warns if "数值格式" in w.message]
    assert len(hit) == 1 and "第 2–31 行" in hit[0].message and "“文本”格式" in hit[0].fix and hit[0].row == 2
    assert not any("身份证号中的" in w.message or "表示" in w.message for w in warns)   # not compared


def test_school_written_two_ways_is_named(tmp_path):
    """Parents type the 毕业学校 at registration: 第一小学, 第1小学 and 一小 are one school counted as
    three (its pupils are then not spread as one school). Named as a notice with the counts; never
    merged silently; schools that only look alike by number (第1 / 第10) are not named."""
    rows = student_rows(30)
    for k, r in enumerate(rows):
        r[4] = ["第一小学", "第1小学", "一小", "实验小学", "实验小学校", "第10小学", "城南小学"][k % 7]
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    assert errs == []
    alike = [w.message for w in warns if "可能是同一所学校" in w.message]
    assert alike == ["毕业学校 “第1小学”（5 人）、“第一小学”（5 人）、“一小”（4 人） 可能是同一所学校，现在按不同学校分别均衡人数。",
                     "毕业学校 “实验小学”（4 人）、“实验小学校”（4 人） 可能是同一所学校，现在按不同学校分别均衡人数。"]
    assert len({s.school for s in roster.students}) == 7                   # nothing merged


def test_possible_twins_without_an_application_are_named(tmp_path):
    """Two pupils with one surname, one birth date and one 毕业学校 are most likely twins: if no
    application names them, a notice asks the registrar to check (parents often apply late)."""
    rows = student_rows(30)
    for r, nm in zip(rows[:6], ["欧阳明", "欧阳亮", "李甲", "李乙", "张丙", "张丁"]):
        r[1], r[3], r[4] = nm, "2013-10-08", "第2小学"
    rows[5][4] = "第3小学"                               # 张丁: another school
    twins = [[1, rows[2][0], rows[2][1], "同班"], [1, rows[3][0], rows[3][1], "同班"]]   # 李甲/李乙 applied
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows, twins=twins))
    assert errs == []
    hits = [w for w in warns if "可能是双胞胎" in w.message]
    assert [w.message for w in hits] == ["“欧阳明”、“欧阳亮”（第2、3行）同姓、出生日期相同、来自同一所学校，可能是双胞胎（多胞胎）。"]
    assert hits[0].row == 2 and "双胞胎" in hits[0].fix
    for r in rows:                                       # no 毕业学校 at all: the message does not claim one
        r[4] = None
    _, _, warns = errors(write_book(tmp_path / "y.xlsx", rows=rows, twins=twins))
    hits = [w.message for w in warns if "可能是双胞胎" in w.message]
    assert "“欧阳明”、“欧阳亮”（第2、3行）同姓、出生日期相同，可能是双胞胎（多胞胎）。" in hits and not any("同一所学校" in h for h in hits)


def test_level_wordings_of_other_grading_schemes(tmp_path):
    """等级 pasted from other four-step schemes (优/良/及格/不及格, a–d, Ａ in full width) is read."""
    rows = student_rows(30)
    typed = ["及格", "不及格", "一般", "待提高", "a", "d", "Ｂ", " c "]
    for r, t in zip(rows, typed):
        r[6] = t
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    assert errs == []
    assert [s.level for s in roster.students[:8]] == ["中", "差", "中", "差", "优", "差", "良", "中"]
    rows[0][6] = "很好"
    _, errs, _ = errors(write_book(tmp_path / "y.xlsx", rows=rows))
    assert any("等级“很好”无法识别" in e.message for e in errs)


def test_class_requests_in_notes_are_named(tmp_path):
    """A 备注 is not an instruction: twins written only there are not bound, and a wish to be in a
    friend's or a teacher's class is not carried out. Both are named; twins in an application and
    ordinary notes are not."""
    rows = student_rows(30)
    rows[0][9] = "与王五是双胞胎，家长申请同班"          # not in the 双胞胎 sheet
    rows[1][9] = "希望和李四同班"
    rows[2][9] = "双胞胎"                                # in the 双胞胎 sheet: fine
    rows[3][9] = "双胞胎"
    rows[4][9] = "原六年级一班班长"                       # an ordinary note
    twins = [[1, rows[2][0], rows[2][1], "分开"], [1, rows[3][0], rows[3][1], "分开"]]
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows, twins=twins))
    assert errs == []
    notes = [w for w in warns if "备注" in w.message]
    assert [(w.row, w.col) for w in notes] == [(2, 10), (3, 10)]
    assert "“双胞胎”表中没有这名学生" in notes[0].message and "填入“双胞胎”表" in notes[0].fix
    assert "不会被执行" in notes[1].message and "随机" in notes[1].fix
    assert len(roster.twin_groups) == 1                  # nothing read from the notes


def test_birth_month_agreeing_with_the_id_number_takes_its_day(tmp_path):
    """A 出生年月 (2013.10) next to a 身份证号 of a day in that month agrees with it: no
    disagreement named, and the day comes from the number; another month is named."""
    import datetime as dt

    rows = student_rows(30)
    header = HEADER + ["身份证号"]
    for i, r in enumerate(rows):
        r.append(_id_number(dt.date(2013, 10, 1 + i % 28), r[2] == "男"))
        r[3] = 2013.1
    rows[5][3] = 2013.11
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", header=header, rows=rows))
    assert errs == []
    assert str(roster.students[4].birth) == "2013-10-05" and not roster.students[4].birth_month_only
    named = [w for w in warns if "不一致" in w.message]
    assert len(named) == 1 and "出生日期 2013-11 与身份证号中的 2013-10-06 不一致" in named[0].message


def test_what_exports_and_registrars_type_beside_the_template(tmp_path):
    """——, -- and 未参加 mean the pupil did not sit; a full-width Ｍ is 男; 成绩科目 语文 reads a
    column headed 语文成绩 (with its 成绩满分), one notice naming the columns; a workbook with the
    list on Sheet1 is told to rename it, and an export with no 参数设置 how to use the template."""
    rows = student_rows(30)
    rows[0][7], rows[1][8], rows[2][7], rows[3][2] = "——", "--", "未参加", "Ｍ"
    rows[4][7] = 115
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows, params=params_with(成绩满分="语文:120,数学:100"),
                                            header=HEADER[:7] + ["语文成绩", "数学（分）", "备注"]))
    assert errs == []
    assert roster.params.subjects == ["语文成绩", "数学（分）"]
    s = roster.students
    assert s[0].scores["语文成绩"] is None and s[1].scores["数学（分）"] is None and s[2].scores["语文成绩"] is None
    assert s[3].gender == "男" and s[4].scores["语文成绩"] == 115
    said = [w for w in warns if "成绩科目" in w.message]
    assert len(said) == 1 and "“语文”按“语文成绩”列、“数学”按“数学（分）”列读取" in said[0].message
    # two columns could be 语文: no guess
    _, errs, _ = errors(write_book(tmp_path / "y.xlsx", rows=[r + [1] for r in student_rows(30)],
                                   header=HEADER[:7] + ["语文成绩", "数学", "备注", "语文分数"]))
    assert any("成绩科目“语文”" in e.message for e in errs)
    path = write_book(tmp_path / "z.xlsx", roster_name="Sheet1")
    _, errs, _ = errors(path)
    assert [e.fix for e in errs if "学生名单" in e.message] == \
        ["工作表“Sheet1”有姓名、性别等列，像是学生名单：请把它改名为“学生名单”（右键点工作表标签 → 重命名）。"]
    from openpyxl import load_workbook
    wb = load_workbook(path)
    del wb["参数设置"]
    wb.save(path)
    _, errs, _ = errors(path)
    assert "这个文件像是导出的学生名单" in errs[0].fix and "“Sheet1”" in errs[0].fix


def test_namesakes_told_apart_by_a_mark_are_named(tmp_path):
    """王芳(大) / 王芳（小） / 王芳2 are not 同名 (the mark is the school's way to let namesakes share a
    class), so nothing keeps them apart: one notice says so and how to keep them apart; none once
    the 双胞胎 sheet has them as a 分开 group."""
    rows = student_rows(30)
    rows[0][1], rows[1][1], rows[2][1] = "王芳(大)", "王芳（小）", "王芳2"
    rows[3][1], rows[4][1] = "李明A", "李明B"
    rows[5][1], rows[6][1] = "Anna", "Anne"                  # no Chinese name under the mark: nothing
    _, errs, warns = errors(write_book(tmp_path / "x.xlsx", rows=rows))
    said = [w.message for w in warns if "不算同名" in w.message]
    assert errs == [] and len(said) == 2
    assert said[0].startswith("“王芳(大)”、“王芳（小）”、“王芳2”（第2、3、4行）只差名字后面的标记")
    twins = [["1", rows[3][0], rows[3][1], "分开"], ["1", rows[4][0], rows[4][1], "分开"]]
    _, errs, warns = errors(write_book(tmp_path / "y.xlsx", rows=rows, twins=twins))
    assert errs == [] and len([w for w in warns if "不算同名" in w.message]) == 1


def test_twin_group_numbers_however_typed_and_a_lone_child(tmp_path):
    """组号 1, 01, １ and 第1组 are one group (they were three, each 'of one pupil', and the 同班
    request was dropped with a notice); a group of one child is an error (a written application
    that cannot be carried out), and numbering rows 1, 2, 3 is named as the likely cause."""
    rows = student_rows(30)
    twins = [["1", rows[0][0], None, "同班"], ["01", rows[1][0], None, "同班"],
             ["第2组", rows[2][0], None, "分开"], ["２", rows[3][0], None, "分开"], [" 2 ", rows[4][0], None, "分开"]]
    roster, errs, _ = errors(write_book(tmp_path / "x.xlsx", rows=rows, twins=twins))
    assert errs == []
    assert sorted((g.gid, len(g.members), g.mode) for g in roster.twin_groups) == [("1", 2, "同班"), ("第2组", 3, "分开")]
    twins = [[str(k + 1), rows[k][0], None, "同班"] for k in range(3)]
    _, errs, _ = errors(write_book(tmp_path / "y.xlsx", rows=rows, twins=twins))
    assert len(errs) == 3 and all("这份“同班”申请无法执行" in e.message and "组号不是序号" in e.fix for e in errs)
    _, errs, _ = errors(write_book(tmp_path / "z.xlsx", rows=rows, twins=twins[:1] + [["1", rows[5][0], None, "同班"],
                                                                                      ["2", rows[6][0], None, "同班"]]))
    assert len(errs) == 1 and "组 2 只有 1 名学生" in errs[0].message and "组号不是序号" not in errs[0].fix


def test_parameter_labels_as_typed_and_long_seeds_exact(tmp_path):
    """随机种子： (a colon), 同音分开（是/否）, 班级数（个）, 每班人数 are the parameters they name (they
    were skipped without a word: the seed called out in the room was replaced by a computer draw);
    a label nobody reads is named; a seed typed as text is read digit for digit (float() made
    12345678901234567 ...568), and one stored as a number of more than 15 digits is refused."""
    params = [("学校名称", "测试中学"), ("年级", "2026级初一"), ("班级数（个）", 3), ("每班人数", 12),
              ("随机种子：", "12345678901234567"), ("成绩科目", "语文,数学"), ("同音分开(是/否)", "是"), ("联系人", "张老师"),
              ("注：以上由教务处填写",), ("任教学科", "语文,数学")]
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", params=params))
    assert errs == []
    p = roster.params
    assert (p.n_classes, p.cap, p.seed, p.separate_homophones) == (3, 12, 12345678901234567, True)
    named = [w for w in warns if "无法识别，这一行没有用上" in w.message]
    assert [w.message for w in named] == ["参数“联系人”无法识别，这一行没有用上。"] and named[0].where.endswith("A9")
    _, errs, _ = errors(write_book(tmp_path / "y.xlsx", params=params_with(随机种子=12345678901234567)))
    assert len(errs) == 1 and "超过 15 位" in errs[0].message and "文本" in errs[0].fix


def test_full_marks_for_no_subject_and_a_subject_named_twice(tmp_path):
    """成绩满分 语数120 (or 外语:100) sets nothing: named, so the registrar does not believe 120
    applies; a subject listed twice in 成绩科目 is counted once (it would weigh double), and said."""
    params = params_with(成绩科目="语文、数学、语文") + [("成绩满分", "语数120，数学:120")]
    roster, errs, warns = errors(write_book(tmp_path / "x.xlsx", params=params))
    assert errs == [] and roster.params.subjects == ["语文", "数学"]
    said = [w.message for w in warns if "成绩科目" in w.message or "成绩满分" in w.message]
    assert "“成绩满分”中的“语数”不是成绩科目（成绩科目：语文、数学），没有用上。" in said
    assert "“成绩科目”中“语文”写了不止一次，按一次计。" in said
    assert roster.params.full_mark("数学") == 120


def test_class_names_alike_but_for_the_width_of_a_bracket(tmp_path):
    """七（1）班 and 七(1)班 are the same class name to everyone reading the lists: refused as a
    repeat (two sheets were made, and no 七（3）班)."""
    _, errs, _ = errors(write_book(tmp_path / "x.xlsx", params=params_with(班级名称="七（1）班、七（2）班、七(1)班")))
    assert any(e.message.startswith("班级名称重复：") and "七(1)班" in e.message for e in errs)
    _, errs, _ = errors(write_book(tmp_path / "y.xlsx", params=params_with(班级名称="七（1）班、七（2）班、七（3）班")))
    assert errs == []
