"""End to end on real workbooks: assign writes the right sheets, keeps every hard rule, is
reproducible, leaves inputs untouched on error; verify catches edits."""
from __future__ import annotations

import collections
import re

import pytest
from openpyxl import load_workbook

from bianban_xl.cli.main import main
from bianban_xl.model.names import normalize_name

from conftest import DEFAULT_PARAMS, sha, student_rows, write_book


def classes_of(path):
    wb = load_workbook(path)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    ci, ni, ii = head.index("班级"), head.index("姓名"), head.index("编号")
    return {row[ii]: (row[ni], row[ci]) for row in ws.iter_rows(min_row=2, values_only=True) if row[ni]}


@pytest.fixture
def rich_book(tmp_path):
    """60 students, 4 classes, two same-name pairs, a bound pair, a bound triple and an apart pair."""
    rows = student_rows(60, seed=7)
    rows[10][1] = rows[20][1] = "张伟"
    rows[11][1] = "李 娜"
    rows[21][1] = "李娜"
    twins = [[1, "S0031", None, "同班"], [1, "S0032", None, "同班"],
             [2, "S0041", None, "同班"], [2, "S0042", None, "同班"], [2, "S0043", None, "同班"],
             [3, "S0051", None, "分开"], [3, "S0052", None, "分开"]]
    params = [(k, 4 if k == "班级数" else v) for k, v in DEFAULT_PARAMS]
    return write_book(tmp_path / "输入.xlsx", params=params, rows=rows, twins=twins)


def test_assign_writes_all_sheets_and_keeps_input(rich_book, tmp_path, capsys):
    before = sha(rich_book)
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(rich_book), "-o", str(out)]) == 0
    assert sha(rich_book) == before
    text = capsys.readouterr().out
    assert "编班完成" in text and "随机种子 12345" in text
    wb = load_workbook(out)
    assert {"参数设置", "学生名单", "双胞胎", "编班汇总", "编班记录", "1班", "2班", "3班", "4班"} <= set(wb.sheetnames)
    ws = wb["1班"]
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1
    assert ws["A3"].value == "序号" and "1班" in ws["A1"].value
    rec = {r[0]: r[1] for r in wb["编班记录"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert rec["随机种子"] == "12345" and len(rec["输入指纹"]) == 64 and len(rec["结果指纹"]) == 64
    assert "bianban verify" in rec["复核方法"]
    # the user's roster is unchanged except for the filled 班级 column
    src, dst = load_workbook(rich_book)["学生名单"], wb["学生名单"]
    for r in range(1, src.max_row + 1):
        for c in range(1, src.max_column + 1):
            assert src.cell(r, c).value == dst.cell(r, c).value
    assert dst.cell(1, src.max_column + 1).value == "班级"


def test_hard_rules_hold(rich_book, tmp_path):
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(rich_book), "-o", str(out)]) == 0
    got = classes_of(out)
    sizes = collections.Counter(c for _, c in got.values())
    assert len(sizes) == 4 and max(sizes.values()) - min(sizes.values()) <= 1
    by_name = collections.defaultdict(list)
    for _, (name, c) in got.items():
        by_name[normalize_name(name)].append(c)
    assert len(set(by_name["张伟"])) == 2 and len(set(by_name["李娜"])) == 2
    assert got["S0031"][1] == got["S0032"][1]
    assert got["S0041"][1] == got["S0042"][1] == got["S0043"][1]
    assert got["S0051"][1] != got["S0052"][1]
    # class sheets list exactly their students
    wb = load_workbook(out)
    for cname in ("1班", "2班", "3班", "4班"):
        names = [r[2] for r in wb[cname].iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
        assert sorted(names) == sorted(n for n, c in got.values() if c == cname)


def test_same_seed_same_classes_different_seed_different(rich_book, tmp_path):
    a, b, c = (tmp_path / f"{x}.xlsx" for x in "abc")
    assert main(["assign", str(rich_book), "-o", str(a)]) == 0
    assert main(["assign", str(rich_book), "-o", str(b)]) == 0
    assert main(["assign", str(rich_book), "-o", str(c), "--seed", "999"]) == 0
    assert classes_of(a) == classes_of(b)
    assert classes_of(a) != classes_of(c)


def test_blank_seed_is_drawn_and_recorded(tmp_path, capsys):
    params = [(k, None if k == "随机种子" else v) for k, v in DEFAULT_PARAMS]
    book = write_book(tmp_path / "in.xlsx", params=params)
    out = tmp_path / "out.xlsx"
    assert main(["assign", str(book), "-o", str(out)]) == 0
    rec = {r[0]: r[1] for r in load_workbook(out)["编班记录"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert rec["种子来源"] == "电脑随机抽取（未经现场报数）" and rec["随机种子"].isdigit()
    assert load_workbook(out)["参数设置"]["B6"].value is None      # the user's blank stays blank
    assert main(["verify", str(out)]) == 0


def test_error_writes_nothing(tmp_path, capsys):
    rows = student_rows(10)
    rows[2][2] = "未知"
    book = write_book(tmp_path / "in.xlsx", rows=rows)
    before = sha(book)
    out = tmp_path / "out.xlsx"
    assert main(["assign", str(book), "-o", str(out)]) == 1
    assert not out.exists() and sha(book) == before
    assert list(tmp_path.iterdir()) == [book]
    text = capsys.readouterr().out
    assert "C4" in text and "Traceback" not in text


def test_write_back_keeps_backup(book, tmp_path):
    before = sha(book)
    assert main(["assign", str(book)]) == 0
    assert not [p for p in tmp_path.iterdir() if "备份-" in p.name]      # backups go into the 备份 folder
    backups = list((tmp_path / "备份").iterdir())
    assert len(backups) == 1 and sha(backups[0]) == before
    assert "编班记录" in load_workbook(book).sheetnames
    assert main(["verify", str(book)]) == 0
    # a second run on the result replaces the result sheets rather than adding more
    assert main(["assign", str(book), "--seed", "7"]) == 0
    names = load_workbook(book).sheetnames
    assert names.count("编班记录") == 1 and names.count("1班") == 1


def test_verify_passes_then_catches_edits(rich_book, tmp_path, capsys):
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(rich_book), "-o", str(out)]) == 0
    assert main(["verify", str(out)]) == 0
    assert "验证通过" in capsys.readouterr().out

    # moving one student in the class column
    wb = load_workbook(out)
    ws = wb["学生名单"]
    ci = [c.value for c in ws[1]].index("班级") + 1
    old = ws.cell(5, ci).value
    ws.cell(5, ci).value = "1班" if old != "1班" else "2班"
    wb.save(tmp_path / "moved.xlsx")
    assert main(["verify", str(tmp_path / "moved.xlsx")]) == 1
    text = capsys.readouterr().out
    assert "第5行" in text and "验证未通过" in text

    # editing a score after the run
    wb = load_workbook(out)
    wb["学生名单"]["H2"] = 1
    wb.save(tmp_path / "score.xlsx")
    assert main(["verify", str(tmp_path / "score.xlsx")]) == 1
    assert "输入指纹不符" in capsys.readouterr().out

    # removing a student from a class sheet
    wb = load_workbook(out)
    wb["2班"].cell(4, 3).value = "冒名顶替"
    wb.save(tmp_path / "sheet.xlsx")
    assert main(["verify", str(tmp_path / "sheet.xlsx")]) == 1
    assert "班级工作表“2班”" in capsys.readouterr().out

    # a workbook with no record
    assert main(["verify", str(rich_book)]) == 1
    assert "没有“编班记录”" in capsys.readouterr().out


def test_template_then_check_and_help(tmp_path, capsys):
    path = tmp_path / "模板.xlsx"
    assert main(["template", str(path)]) == 0
    wb = load_workbook(path)
    assert {"使用说明", "参数设置", "学生名单", "双胞胎", "教师名单"} <= set(wb.sheetnames)
    assert wb["学生名单"].freeze_panes == "A2"
    assert any("男,女" in (dv.formula1 or "") for dv in wb["学生名单"].data_validations.dataValidation)
    assert main(["template", str(path)]) == 1          # no silent overwrite
    assert main(["check", str(path)]) == 1
    assert "没有学生" in capsys.readouterr().out
    for cmd in ("template", "check", "assign", "verify", "demo"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        assert "示例" in capsys.readouterr().out


def test_missing_file_and_garbage(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.xlsx")]) == 1
    assert "找不到文件" in capsys.readouterr().out
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04garbage")
    assert main(["assign", str(junk), "-o", str(tmp_path / "o.xlsx")]) == 1
    assert "Traceback" not in capsys.readouterr().out and not (tmp_path / "o.xlsx").exists()


def _sort_roster(src, dst, key):
    """Sort 学生名单's rows as a registrar does (Excel: whole rows move), saving to ``dst``."""
    wb = load_workbook(src)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    rows = sorted(ws.iter_rows(min_row=2, values_only=True), key=lambda r: key(dict(zip(head, r))))
    for i, r in enumerate(rows, start=2):
        for j, v in enumerate(r, start=1):
            ws.cell(i, j).value = v
    wb.save(dst)


def test_sorting_the_roster_changes_nothing(rich_book, tmp_path, capsys):
    """A registrar sorts 学生名单 by class before printing, or the input by name: the same pupils
    with the same seed get the same classes, and verify and 插班 accept the sorted result (they
    called it tampered with: the engine and the fingerprints followed the order of the rows)."""
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(rich_book), "-o", str(out), "--seed", "31"]) == 0
    _sort_roster(rich_book, tmp_path / "按姓名.xlsx", lambda r: str(r["姓名"]))
    assert main(["assign", str(tmp_path / "按姓名.xlsx"), "-o", str(tmp_path / "b.xlsx"), "--seed", "31"]) == 0
    assert classes_of(tmp_path / "b.xlsx") == classes_of(out)
    sorted_out = tmp_path / "按班级.xlsx"
    _sort_roster(out, sorted_out, lambda r: (str(r["班级"]), str(r["编号"])))
    ids = [list(load_workbook(p)["学生名单"].iter_rows(min_row=2, max_col=1, values_only=True)) for p in (out, sorted_out)]
    assert ids[0] != ids[1] and sorted(ids[0]) == sorted(ids[1])
    capsys.readouterr()
    assert main(["verify", str(sorted_out)]) == 0
    assert "验证通过" in capsys.readouterr().out
    wb = load_workbook(sorted_out)
    wb["学生名单"].append(["S0901", "钱多多", "男", None, "第1小学", "本地", "良", 80, 80, None])
    wb.save(sorted_out)
    assert main(["late", str(sorted_out), "--seed", "5"]) == 0
    assert classes_of(sorted_out)["S0901"][1]
    capsys.readouterr()
    assert main(["verify", str(sorted_out)]) == 0


def test_twins_bound_together_whose_names_sound_alike(tmp_path, capsys):
    """郭悦 and 郭越, twins whose parents applied for 同班, with 同音分开=是: the application decides
    (it was 'two rules contradict', whose only way out was 同音分开=否 for the whole grade); a third
    郭月 is still kept apart from both, and verify agrees."""
    rows = student_rows(30)
    rows[0][1], rows[1][1], rows[2][1] = "郭悦", "郭越", "郭月"
    twins = [[1, rows[0][0], None, "同班"], [1, rows[1][0], None, "同班"]]
    params = [(k, v) for k, v in DEFAULT_PARAMS] + [("同音分开", "是")]
    book = write_book(tmp_path / "in.xlsx", params=params, rows=rows, twins=twins)
    out = tmp_path / "out.xlsx"
    assert main(["assign", str(book), "-o", str(out)]) == 0
    assert "读音相同，但家长申请同班" in capsys.readouterr().out
    got = classes_of(out)
    assert got[rows[0][0]][1] == got[rows[1][0]][1] != got[rows[2][0]][1]
    assert main(["verify", str(out)]) == 0


def test_a_name_corrected_after_the_run_is_no_moved_class(rich_book, tmp_path, capsys):
    """A misspelt name corrected at 公示 (in 学生名单 and on the class sheet): verify still says the
    input changed, but no longer that classes were moved, and 插班 goes on (it was blocked as
    'someone changed the class column'); the 结果核验码 stays the one signed."""
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(rich_book), "-o", str(out), "--seed", "5"]) == 0
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    wb = load_workbook(out)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    old, klass = ws.cell(2, head.index("姓名") + 1).value, ws.cell(2, head.index("班级") + 1).value
    ws.cell(2, head.index("姓名") + 1).value = old + "一"
    sheet = wb[klass]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == old)
    cell.value = old + "一"
    ws.append(["S0901", "钱多多", "男", None, "第1小学", "本地", "良", 80, 80, None])
    wb.save(out)
    assert main(["verify", str(out)]) == 1
    text = capsys.readouterr().out
    assert "输入指纹不符" in text and "结果指纹相符" in text and "班级被改动" not in text
    assert main(["late", str(out), "--seed", "5"]) == 0
    capsys.readouterr()
    main(["verify", str(out)])
    assert "结果指纹相符" in capsys.readouterr().out


def test_assign_prints_the_code_to_sign_and_lock_lists_only_what_failed(rich_book, tmp_path, capsys):
    """The 结果核验码 supervisors copy onto the signing page is printed by assign (it was only in
    the workbook), the same verify shows; a refused lock lists what failed, not the checks that
    passed as [错误] lines."""
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(rich_book), "-o", str(out), "--seed", "8"]) == 0
    code = re.search(r"结果核验码：(\S{4}-\S{4}-\S{4})（请抄在签字页上", capsys.readouterr().out).group(1)
    assert main(["verify", str(out)]) == 0
    assert f"结果核验码 {code}" in capsys.readouterr().out
    wb = load_workbook(out)
    ws = wb["学生名单"]
    ci = [c.value for c in ws[1]].index("班级") + 1
    ws.cell(5, ci).value = "1班" if ws.cell(5, ci).value != "1班" else "2班"
    wb.save(out)
    assert main(["lock", str(out)]) == 1
    text = capsys.readouterr().out
    assert "验证未通过，不能锁定" in text and "第5行" in text and "检查通过" not in text


def test_a_renamed_class_sheet_is_named(rich_book, tmp_path, capsys):
    """A class sheet renamed by hand (1班 → 七(1)班): verify said only '缺少班级工作表“1班”'; it now
    names the sheet that lists pupils under another name and how to put it right."""
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(rich_book), "-o", str(out), "--seed", "4"]) == 0
    wb = load_workbook(out)
    wb["1班"].title = "七(1)班"
    wb.save(out)
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    assert "缺少班级工作表“1班”（工作簿中有列着学生的工作表“七(1)班”：如果是它改了名，请改回“1班”）" in capsys.readouterr().out


def test_a_result_of_a_version_before_the_canonical_order(rich_book, tmp_path, capsys):
    """A result made by 0.5.x fingerprints the rows in sheet order: 0.6.0 re-running it said the
    input and the classes had been altered. verify, 插班 and the district check now say it cannot be
    checked with this version, and with which to check it."""
    from bianban_xl.district.check import REVIEW, check_result_book

    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(rich_book), "-o", str(out), "--seed", "6"]) == 0
    wb = load_workbook(out)
    next(c for c in wb["编班记录"]["A"] if c.value == "软件版本").offset(column=1).value = "bianban_xl 0.5.2"
    wb.save(out)
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    text = capsys.readouterr().out
    assert "结果由 bianban_xl 0.5.2 生成" in text and "bianban_xl==0.5.2" in text and "被改动过" not in text
    assert main(["late", str(out)]) == 1
    assert "无法用 bianban_xl" in capsys.readouterr().out
    chk = check_result_book(out)
    assert [(f.kind, f.level) for f in chk.findings if f.kind == "版本不同"] == [("版本不同", REVIEW)], chk.findings


def test_terminal_summary_names_birth_dates_and_every_count_rule():
    """After 编班 the terminal shows the mean birth date's range, and 户籍 / 等级 / 毕业学校 in one
    line when every count is at its bound — a count off its bound on a line of its own."""
    import types

    import numpy as np

    from bianban_xl.cli.cmd_steps import _balance_lines
    from bianban_xl.engine.balance import Measure

    def m(group, label, gap, bound, unit="人"):
        return Measure(group, label, np.zeros(3), gap, bound, unit)

    ms = [m("班额", "人数", 1, 1), m("性别", "男", 1, 1), m("平均分", "语文", 0.2, 0, "分"),
          m("出生日期", "平均出生日期", 3.5, 0, "天"), m("户籍", "本地", 1, 1), m("户籍", "外地", 1, 1),
          *[m("毕业学校", f"第{i}小学", 1, 1) for i in range(5)], m("毕业学校", "城西小学", 3, 1)]
    lines = _balance_lines(types.SimpleNamespace(measures=ms))
    assert "  出生日期·平均出生日期: 各班最大差距 3.50 天（理论最小 0.00）" in lines
    assert "  毕业学校·城西小学: 各班最大差距 3 人（理论最小 1）" in lines
    assert lines[-1] == "  户籍、毕业学校（5 所）: 各班人数差距都达到理论最小"
    assert not any("第0小学" in x or "户籍·" in x for x in lines)



def test_gap_rows_show_two_decimals_like_the_table_above(rich_book, tmp_path):
    """编班汇总 §三's 最大差距 row under means of 78.60 read 0.2 and 0.4 (a float in a foot row had no
    number format): points show two decimals there too (1.00, not 1), persons stay whole numbers."""
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(rich_book), "-o", str(out)]) == 0
    ws = load_workbook(out)["编班汇总"]
    feet = [[c for c in row[1:] if isinstance(c.value, (int, float))] for row in ws.iter_rows() if row[0].value == "最大差距"]
    points = [row for row in feet if any(not float(c.value).is_integer() for c in row)]
    persons = [row for row in feet if row not in points]
    assert points and persons
    assert all(c.number_format == "0.00" for row in points for c in row), [(c.coordinate, c.number_format) for row in points for c in row]
    assert all(c.number_format == "General" for row in persons for c in row)
