"""公示名单: masked names, no private columns, every student exactly once, rule printed."""
from __future__ import annotations

from openpyxl import load_workbook

from bianban_xl.cli.main import main
from bianban_xl.model.records import Student
from bianban_xl.onsite.public_list import mask_name, public_names

from onsite_helpers import assigned, roster_classes, sort_sheet


def test_mask_name():
    assert mask_name("张三明") == "张*明"
    assert mask_name("李娜") == "李*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("李 娜") == "李*"
    assert mask_name("阿依·古丽") == "阿*·*丽"
    # a mark the school added to tell same names apart stays readable (it was masked into 王***))
    assert mask_name("王芳(大)") == "王*(大)" and mask_name("张三明（小）") == "张*明（小）"
    assert mask_name("欧阳娜娜【2】") == "欧**娜【2】" and mask_name("李(大") == "李*大"


def test_public_sheet(tmp_path, capsys):
    out = assigned(tmp_path)
    assert main(["public", str(out)]) == 0
    assert "待抽签" in capsys.readouterr().out
    wb = load_workbook(out)
    ws = wb["公示名单"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    body = [r for r in rows if isinstance(r[0], int)]
    classes = roster_classes(out)
    assert len(body) == len(classes)
    ro = wb["学生名单"]
    names = {r[0]: r[1] for r in ro.iter_rows(min_row=2, values_only=True)}
    masked = sorted((mask_name(names[k]), c) for k, c in classes.items())
    assert sorted((r[2], r[1]) for r in body) == masked
    flat = " ".join(str(v) for r in rows for v in r if v is not None)
    for k, name in names.items():
        assert k not in flat and name not in flat           # no IDs, no full names
    assert "第1小学" not in flat and "2013-" not in flat     # no schools, no birth dates
    assert "姓名隐私处理" in flat
    assert len(ws.row_breaks.brk) == 3                       # a page per class


def test_public_refuses_unplaced(tmp_path, capsys):
    out = assigned(tmp_path)
    wb = load_workbook(out)
    wb["学生名单"].append(["S0999", "新同学", "女", None, None, None, None, 80, 80, None])
    wb.save(out)
    assert main(["public", str(out)]) == 1
    assert "1 名学生还没有班级" in capsys.readouterr().out


def test_public_names_tell_alike_names_apart():
    """Two 刘* in one class are told apart by their 编号's last three characters, by more when those
    are alike too, and without 编号 by the whole row number (it showed '09行' for rows 109 and 209)."""
    rows = [Student(109, "", "刘洋", "男"), Student(209, "", "刘涛", "男"), Student(5, "", "王小明", "女")]
    assert public_names(rows) == ["刘*（第109行）", "刘*（第209行）", "王*明"]
    ids = [Student(2, "S01023", "李娜", "女"), Student(3, "S02023", "李静", "女"), Student(4, "S00777", "李红", "女")]
    shown = public_names(ids)
    assert len(set(shown)) == 3 and shown[2] == "李*（0777）" and shown[0].endswith("1023）")
    assert public_names([Student(2, "S01023", "李娜", "女"), Student(3, "S00777", "李静", "女")]) == ["李*（023）", "李*（777）"]


def test_sorting_the_roster_after_the_public_list_changes_nothing(tmp_path, capsys):
    """公示导出, then 学生名单 sorted by name (as registrars do before printing): verify said every
    class's 公示名单 no longer matched the roster — it compared the posted order with the rows'.
    Who is posted in which class is what counts; a changed name on the sheet is still found."""
    out = assigned(tmp_path)
    assert main(["public", str(out)]) == 0
    sort_sheet(out, tmp_path / "排序.xlsx", "学生名单", lambda head, r: r[1], reverse=True)
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "排序.xlsx")]) == 0, capsys.readouterr().out
    wb = load_workbook(tmp_path / "排序.xlsx")
    ws = wb["公示名单"]
    cell = next(r[2] for r in ws.iter_rows() if isinstance(r[0].value, int))
    cell.value = "张*"
    wb.save(tmp_path / "改名.xlsx")
    assert main(["verify", str(tmp_path / "改名.xlsx")]) == 1
    said = capsys.readouterr().out     # the same boys and girls in the class: a name differs, nobody moved
    assert "人数和男女与学生名单相同，但有姓名不同" in said and "班级不一致" not in said
    wb = load_workbook(tmp_path / "排序.xlsx")
    row = next(r for r in wb["公示名单"].iter_rows() if isinstance(r[0].value, int))
    row[1].value = "2班" if row[1].value != "2班" else "3班"     # a pupil posted in another class
    wb.save(tmp_path / "换班.xlsx")
    assert main(["verify", str(tmp_path / "换班.xlsx")]) == 1
    assert "的名单与现在学生名单的班级不一致" in capsys.readouterr().out


def test_a_list_posted_before_marks_were_kept_still_verifies(tmp_path, capsys):
    """0.6.3 keeps 王芳(大)'s mark (王*(大)); a 公示名单 printed earlier shows 王***) for him. That
    posted list is still the current one for verify; a changed name on it is still found."""
    from conftest import student_rows

    rows = student_rows(30)
    rows[0][1] = "王芳(大)"
    out = assigned(tmp_path, rows=rows)
    assert main(["public", str(out)]) == 0
    wb = load_workbook(out)
    cells = [r[2] for r in wb["公示名单"].iter_rows() if isinstance(r[0].value, int)]
    tagged = next(c for c in cells if c.value == "王*(大)")
    tagged.value = "王***)"                                   # as 0.6.2 posted it
    wb.save(tmp_path / "旧公示.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "旧公示.xlsx")]) == 0, capsys.readouterr().out
    tagged.value = "王*"
    wb.save(tmp_path / "改名.xlsx")
    assert main(["verify", str(tmp_path / "改名.xlsx")]) == 1
    assert "公示名单" in capsys.readouterr().out
