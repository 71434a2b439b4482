"""插班 on real workbooks: nobody moves, sizes stay within 1, twins join their bound sibling,
same names are kept apart, each placement recorded and replayable by verify; bad input refused."""
from __future__ import annotations

import collections
import re

from openpyxl import load_workbook

from bianban_xl.cli.main import main

from conftest import sha, student_rows, write_book
from onsite_helpers import assigned, kv, roster_classes, sort_sheet


def add_students(path, rows, twins=()):
    wb = load_workbook(path)
    for r in rows:
        wb["学生名单"].append(r)
    if twins:
        ws = wb["双胞胎"] if "双胞胎" in wb.sheetnames else wb.create_sheet("双胞胎")
        if ws.max_row == 1 and ws["A1"].value is None:
            ws.append(["组号", "编号", "姓名", "要求"])
        for t in twins:
            ws.append(t)
    wb.save(path)


def late_row(sid, name, gender="男"):
    return [sid, name, gender, None, "第1小学", "本地", "良", 80, 80, None]


def test_late_places_without_moving_anyone(tmp_path, capsys):
    out = assigned(tmp_path, rows=student_rows(31, seed=4))     # sizes 11/10/10
    before = roster_classes(out)
    add_students(out, [late_row("S0901", "钱多多"), late_row("S0902", "孙晓晓", "女"), late_row("S0903", "周一一")])
    assert main(["late", str(out), "--seed", "5"]) == 0
    after = roster_classes(out)
    assert {k: after[k] for k in before} == before                    # 三不动
    sizes = collections.Counter(after.values())
    assert max(sizes.values()) - min(sizes.values()) <= 1 and sum(sizes.values()) == 34
    assert after["S0901"] != "1班" or sizes["1班"] <= 12               # size first
    wb = load_workbook(out)
    log = " ".join(str(c.value) for row in wb["编班记录"].iter_rows() for c in row if c.value)
    assert "插班：钱多多" in log and "理由" in log and "插班批次" in log
    for name, c in (("钱多多", after["S0901"]), ("孙晓晓", after["S0902"])):
        assert name in [r[2] for r in wb[c].iter_rows(min_row=4, values_only=True)]
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    assert "插班检查通过" in capsys.readouterr().out
    # a tampered late placement is caught by the replay
    wb = load_workbook(out)
    ws = wb["学生名单"]
    ci = [c.value for c in ws[1]].index("班级") + 1
    ws.cell(ws.max_row, ci).value = next(c for c in ("1班", "2班", "3班") if c != ws.cell(ws.max_row, ci).value)
    wb.save(tmp_path / "t.xlsx")
    assert main(["verify", str(tmp_path / "t.xlsx")]) == 1
    assert "按插班记录应为" in capsys.readouterr().out


def test_same_seed_same_placement_and_second_batch(tmp_path):
    out = assigned(tmp_path)
    add_students(out, [late_row("S0901", "钱多多"), late_row("S0902", "孙晓晓", "女")])
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert main(["late", str(out), "-o", str(a), "--seed", "11"]) == 0
    assert main(["late", str(out), "-o", str(b), "--seed", "11"]) == 0
    assert roster_classes(a) == roster_classes(b)
    add_students(a, [late_row("S0903", "吴小宝")])
    assert main(["late", str(a), "--seed", "12"]) == 0
    assert main(["verify", str(a)]) == 0


def test_late_twin_joins_sibling_and_same_name_apart(tmp_path, capsys):
    rows = student_rows(30, seed=2)
    out = assigned(tmp_path, rows=rows)
    cls = roster_classes(out)
    sibling = rows[0]
    add_students(out, [late_row("S0901", "王小双"), late_row("S0902", rows[5][1])],
                 twins=[[9, sibling[0], None, "同班"], [9, "S0901", None, "同班"]])
    assert main(["late", str(out), "--seed", "3"]) == 0
    after = roster_classes(out)
    assert after["S0901"] == cls[sibling[0]]                      # the late twin joins the bound sibling
    assert after["S0902"] != cls[rows[5][0]]                      # 同名 kept apart
    # and the record says so: the class of the namesake was closed to the late pupil, by name and row
    said = capsys.readouterr().out
    assert f"{cls[rows[5][0]]}有同名的{rows[5][1]}（第7行），不编入{cls[rows[5][0]]}" in said
    assert main(["verify", str(out)]) == 0


def test_bad_late_input(tmp_path, capsys):
    out = assigned(tmp_path)
    before = sha(out)
    assert main(["late", str(out)]) == 1                           # nobody to place
    assert "没有需要插班的学生" in capsys.readouterr().out and sha(out) == before
    # a late student whose twin is not in the roster at all
    add_students(out, [late_row("S0901", "王小双")], twins=[[9, "S0901", None, "同班"], [9, "S0999", None, "同班"]])
    before = sha(out)
    assert main(["late", str(out)]) == 1
    t = capsys.readouterr().out
    assert "S0999" in t and "找不到" in t and sha(out) == before
    # a moved student blocks 插班 (三不动)
    (tmp_path / "x").mkdir()
    out2 = assigned(tmp_path / "x")
    wb = load_workbook(out2)
    ws = wb["学生名单"]
    ci = [c.value for c in ws[1]].index("班级") + 1
    ws.cell(2, ci).value = "3班" if ws.cell(2, ci).value != "3班" else "1班"
    ws.append(late_row("S0901", "钱多多"))
    wb.save(out2)
    before = sha(out2)
    assert main(["late", str(out2)]) == 1
    assert "三不动" in capsys.readouterr().out and sha(out2) == before


def test_late_on_locked_book_keeps_lock(tmp_path, capsys):
    """插班 on a locked book keeps it locked, under the time it was locked (verify showed the time of
    the 插班 as the lock's), and verify says the 插班 is the change since."""
    import time

    out = assigned(tmp_path)
    assert main(["lock", str(out)]) == 0
    locked = kv(load_workbook(out)["编班记录"])["锁定时间"]
    time.sleep(1.1)
    add_students(out, [late_row("S0901", "钱多多")])
    assert main(["late", str(out), "--seed", "1"]) == 0
    wb = load_workbook(out)
    assert wb["1班"].protection.sheet and wb["编班汇总"].protection.sheet
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    t = capsys.readouterr().out
    assert f"锁定检查通过：锁定（{locked}）之后，除插班（最近一次 " in t and "插班检查通过" in t


def test_full_classes(tmp_path, capsys):
    params = [("学校名称", "测试中学"), ("年级", "初一"), ("班级数", 3), ("班额上限", 10), ("随机种子", 1)]
    out = assigned(tmp_path, params=params, rows=student_rows(30))
    add_students(out, [late_row("S0901", "钱多多")])
    before = sha(out)
    assert main(["late", str(out)]) == 1
    t = capsys.readouterr().out
    assert ("班额上限" in t or "超过" in t) and sha(out) == before


def test_batch_row_prints_in_two_columns_and_old_five_column_rows_still_replay(tmp_path, capsys):
    """The 插班批次 row is one 项目 | 内容 row (it prints inside the 编班记录 table); a workbook
    written before, with the batch spread over five columns, still verifies."""
    out = assigned(tmp_path, rows=student_rows(31, seed=4))
    add_students(out, [late_row("S0901", "钱多多"), late_row("S0902", "孙晓晓", "女")])
    assert main(["late", str(out), "--seed", "5"]) == 0
    wb = load_workbook(out)
    ws = wb["编班记录"]
    r = next(c.row for c in ws["A"] if c.value == "插班批次")
    content = ws.cell(r, 2).value
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d；随机种子 5（.+）；插班学生编号：S0901\|S0902", content), content
    assert ws.cell(r, 2).alignment.wrap_text and all(ws.cell(r, c).value is None for c in range(3, 8))
    for c, v in enumerate([content[:19], "5", "S0901|S0902", "种子来源：命令行指定"], start=2):   # the old form
        ws.cell(r, c).value = v
    wb.save(out)
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    assert "插班检查通过" in capsys.readouterr().out


def test_refreshed_summary_and_class_sheets_keep_the_result_code_and_the_computer_label(tmp_path):
    """插班 reprints 编班汇总 and the class sheets: they still carry the run's result 核验码 in large
    type and in the footer, and a computer-drawn seed stays labelled, as on the first print."""
    src = write_book(tmp_path / "输入.xlsx", rows=student_rows(31, seed=4))
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--computer-seed"]) == 0
    wb = load_workbook(out)
    code = next(r[1] for r in wb["编班记录"].iter_rows(values_only=True) if r[0] == "结果核验码")
    add_students(out, [late_row("S0901", "钱多多")])
    assert main(["late", str(out), "--seed", "5"]) == 0
    wb = load_workbook(out)
    ws = wb["编班汇总"]
    assert ws["A3"].value == f"结果核验码：{code}" and code in ws.oddFooter.center.text
    assert "未经现场报数" in ws["A2"].value
    assert all("未经现场报数" in wb[c].oddFooter.center.text for c in ("1班", "2班", "3班"))


def test_late_names_a_prefilled_class_and_deleted_rows(tmp_path, capsys):
    """A new pupil typed in with his class already filled, or a pupil's row deleted: 插班 said the
    class column had been tampered with; now it names the row and the fix (leave the class blank;
    keep a no-show's row, with a note), and verify says how many pupils came or went."""
    out = assigned(tmp_path, rows=student_rows(31, seed=4))
    wb = load_workbook(out)
    wb.save(tmp_path / "del.xlsx")
    ws = wb["学生名单"]
    ci = [c.value for c in ws[1]].index("班级")
    add_students(out, [late_row("S0901", "钱多多")[:ci] + ["2班"]])
    capsys.readouterr()
    assert main(["late", str(out), "--seed", "5"]) == 1
    said = capsys.readouterr().out
    assert "第33行 钱多多 是编班后新加的学生，但班级一栏已填了“2班”" in said and "请清空这一格" in said
    wb = load_workbook(tmp_path / "del.xlsx")
    wb["学生名单"].delete_rows(5)
    wb.save(tmp_path / "del.xlsx")
    assert main(["late", str(tmp_path / "del.xlsx"), "--seed", "5"]) == 1
    assert "学生名单比编班时少了 1 人（编班时 31 人" in capsys.readouterr().out
    assert main(["verify", str(tmp_path / "del.xlsx")]) == 1
    assert "学生名单现在有 30 名学生，编班时是 31 名（少了 1 名）" in capsys.readouterr().out


def test_district_check_passes_a_school_that_used_late(tmp_path, capsys):
    """插班 as documented (a pupil, and a twin joining his sibling's class of 11: sizes 12/10/10)
    then verify passes; the district check marked the school 不合格 ('学生人数 31, now 33' and
    '班额相差超过1人'). It now checks the run's rules on the pupils the run placed and names the
    插班 pupils in a note."""
    from bianban_xl.district.check import PASS, check_result_book

    rows = student_rows(31, seed=2)
    out = assigned(tmp_path, rows=rows)
    cls = roster_classes(out)
    big = collections.Counter(cls.values()).most_common(1)[0][0]
    sibling = next(r for r in rows if cls[r[0]] == big)
    add_students(out, [late_row("S0901", "王小双"), late_row("S0902", "孙晓晓", "女")],
                 twins=[[9, sibling[0], None, "同班"], [9, "S0901", None, "同班"]])
    assert main(["late", str(out), "--seed", "3"]) == 0
    sizes = collections.Counter(roster_classes(out).values())
    assert max(sizes.values()) - min(sizes.values()) == 2
    assert main(["verify", str(out)]) == 0
    chk = check_result_book(out)
    assert chk.verdict == PASS, [(f.kind, f.text) for f in chk.findings]
    assert any("插班 2 人" in n for n in chk.notes)


def _sort_roster(src, dst):
    """Sort 学生名单 by 班级 and 姓名 as a registrar does before printing."""
    sort_sheet(src, dst, "学生名单", lambda head, r: (r[head.index("班级")] or "", r[0]))


def test_roster_without_numbers_can_be_sorted_after_late_and_after_lock(tmp_path, capsys):
    """Without 编号 a student was recorded by his row (第31行): sorting 学生名单 after 插班 made
    other pupils 'the late ones' and verify said 3 classes were changed; sorting a locked book
    said every class was changed after the lock. Students are now named by 姓名（性别，出生日期）."""
    out = _late_without_numbers(tmp_path, [r[1:] for r in student_rows(30, seed=6)])
    wb = load_workbook(out)
    log = " ".join(str(c.value) for row in wb["编班记录"].iter_rows() for c in row if c.value)
    assert "新同学（男，2013-10-01）|新同学乙（女，2013-10-02）" in log
    _sort_roster(out, tmp_path / "排序.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "排序.xlsx")]) == 0, capsys.readouterr().out
    assert "插班检查通过：1 次插班共 2 名学生" in capsys.readouterr().out
    assert main(["lock", str(out)]) == 0
    _sort_roster(out, tmp_path / "锁定后排序.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "锁定后排序.xlsx")]) == 0, capsys.readouterr().out
    assert "锁定检查通过" in capsys.readouterr().out
    # a real change after the lock is still found
    wb = load_workbook(tmp_path / "锁定后排序.xlsx")
    ws = wb["学生名单"]
    ci = [c.value for c in ws[1]].index("班级") + 1
    ws.cell(2, ci).value = "3班" if ws.cell(2, ci).value != "3班" else "2班"
    wb.save(tmp_path / "改动.xlsx")
    assert main(["verify", str(tmp_path / "改动.xlsx")]) == 1
    assert "被改动过" in capsys.readouterr().out


def test_books_made_before_named_students_by_row_still_verify(tmp_path, capsys, monkeypatch):
    """A book without 编号 that went through 插班 and 锁定 before 0.6.1 recorded its students by
    row (第31行): unsorted, it still verifies (the row names are read as rows)."""
    from conftest import HEADER
    from bianban_xl.onsite import late, lock

    rows = [r[1:] for r in student_rows(30, seed=6)]
    src = write_book(tmp_path / "输入.xlsx", rows=rows, header=HEADER[1:])
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--seed", "5"]) == 0
    add_students(out, [["新同学", "男", "2013-10-01", "第1小学", "本地", "良", 80, 80, None]])
    old = lambda students: [s.key for s in students]      # noqa: E731 — how 0.6.0 named them
    monkeypatch.setattr(late, "student_idents", old)
    monkeypatch.setattr(lock, "student_idents", old)
    assert main(["late", str(out), "--seed", "7"]) == 0
    assert main(["lock", str(out)]) == 0
    wb = load_workbook(out)
    assert "插班学生编号：第32行" in " ".join(str(c.value) for r in wb["编班记录"].iter_rows() for c in r if c.value)
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0, capsys.readouterr().out
    said = capsys.readouterr().out
    assert "插班检查通过：1 次插班共 1 名学生" in said and "锁定检查通过" in said


def test_the_reason_names_only_what_the_roster_has(tmp_path, capsys):
    """A roster of 姓名 and 性别 only: the 插班 reason said '同毕业学校 0 人、同等级 0 人' (columns the
    school does not have)."""
    rows = [[r[1], r[2]] for r in student_rows(30, seed=5)]
    src = write_book(tmp_path / "输入.xlsx", rows=rows, header=["姓名", "性别"],
                     params=[("学校名称", "测试中学"), ("年级", "2026级初一"), ("班级数", 3), ("班额上限", 50)])
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--seed", "5"]) == 0
    add_students(out, [["新同学", "男"]])
    capsys.readouterr()
    assert main(["late", str(out), "--seed", "7"]) == 0
    said = capsys.readouterr().out
    assert "同性别" in said and "同毕业学校" not in said and "同等级" not in said


def _late_without_numbers(tmp_path, rows):
    """A roster without 编号, assigned, then two late pupils placed; returns the result path."""
    from conftest import HEADER

    src = write_book(tmp_path / "输入.xlsx", rows=rows, header=HEADER[1:])
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--seed", "5"]) == 0
    add_students(out, [["新同学", "男", "2013-10-01", "第1小学", "本地", "良", 80, 80, None],
                       ["新同学乙", "女", "2013-10-02", "第2小学", "本地", "良", 70, 80, None]])
    assert main(["late", str(out), "--seed", "7"]) == 0
    return out


def _correct(path, name, new_name=None, new_birth=None) -> str:
    """Correct a pupil's 姓名 (in 学生名单 and on his class sheet) and/or 出生日期; returns his class."""
    wb = load_workbook(path)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[head.index("姓名")].value == name)
    klass = row[head.index("班级")].value
    if new_birth:
        row[head.index("出生日期")].value = new_birth
    if new_name:
        row[head.index("姓名")].value = new_name
        next(c for r in wb[klass].iter_rows() for c in r if c.value == name).value = new_name
    wb.save(path)
    return klass


def test_a_late_pupil_without_number_whose_name_or_birth_date_is_corrected(tmp_path, capsys):
    """Named by 姓名（性别，出生日期） in the 插班 record, a late pupil whose name or birth date was
    corrected afterwards was 'not found' (and then taken for an original pupil). He is the one
    pupil of his recorded class who differs from the record in only that field: accepted, said."""
    out = _late_without_numbers(tmp_path, [r[1:] for r in student_rows(30, seed=6)])
    klass = _correct(out, "新同学", new_name="辛同学")
    _correct(out, "新同学乙", new_birth="2013-10-12")
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0, capsys.readouterr().out
    said = capsys.readouterr().out
    assert (f"插班的学生“新同学（男，2013-10-01）”（编入{klass}）在“学生名单”中找不到了；{klass}中只有第" in said
            and "的“辛同学”与记录只差姓名、其余相符，认定为同一人：该生的姓名在插班后更正过" in said), said
    assert "“新同学乙”与记录只差出生日期" in said and "插班检查通过：1 次插班共 2 名学生" in said
    # both corrected: not concluded, and said how to make it checkable
    _correct(out, "辛同学", new_birth="2013-10-03")
    assert main(["verify", str(out)]) == 1
    said = capsys.readouterr().out
    assert (f"“新同学（男，2013-10-01）”（编入{klass}）在“学生名单”中找不到了：{klass}中没有只差姓名或只差出生日期" in said
            and "请先把其中一项改回插班时的样子（“新同学（男，2013-10-01）”）" in said), said


def test_a_corrected_late_pupil_is_not_guessed_among_look_alikes(tmp_path, capsys):
    """Several pupils of his class differ from the record only in the name (same 性别 and birth
    date): none is taken for him; the message names them and the fix."""
    rows = [r[1:3] + ["2013-10-01"] + r[4:] for r in student_rows(30, seed=6)]
    out = _late_without_numbers(tmp_path, rows)
    klass = _correct(out, "新同学", new_name="辛同学")
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    said = capsys.readouterr().out
    assert f"“新同学（男，2013-10-01）”（编入{klass}）在“学生名单”中找不到了；{klass}中有" in said, said
    assert "无法确定是哪一位，没有认定" in said and "“辛同学”" in said and "认定为同一人" not in said


def test_a_deleted_late_pupil_is_not_replaced_by_an_original_look_alike(tmp_path, capsys):
    """The late pupil deleted, and one pupil of the original run in his class has his 性别 and
    birth date: that pupil is not taken for him (the recorded 输入指纹 says he was in the run)."""
    rows = [r[1:] for r in student_rows(30, seed=6)]
    twin = next(r for r in rows if r[0] == "苏沐思")            # 男, 2013-10-27: the look-alike
    from conftest import HEADER

    src = write_book(tmp_path / "输入.xlsx", rows=rows, header=HEADER[1:])
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--seed", "5"]) == 0
    add_students(out, [["新同学", twin[1], twin[2], "第1小学", "本地", "良", 80, 80, None]])
    assert main(["late", str(out), "--seed", "7"]) == 0
    wb = load_workbook(out)
    ws = wb["学生名单"]
    ci = [c.value for c in ws[1]].index("班级")
    klass = {r[0].value: r[ci].value for r in ws.iter_rows(min_row=2)}
    assert klass["新同学"] == klass["苏沐思"]                    # the case this test is about
    ws.delete_rows(ws.max_row)
    wb.save(out)
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    said = capsys.readouterr().out
    assert "只差姓名，但按编班记录的输入指纹，该生编班时就在名单中，不是这名插班学生，没有认定" in said, said
    assert "认定为同一人" not in said and "输入指纹不符" not in said
