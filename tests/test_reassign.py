"""Re-assigning a workbook that already went through the on-site steps: the old 抽签记录 and
公示名单 are removed and logged, 教师搭配 keeps its teams with the classes reset to “（待抽签）”, and
verify flags on-site sheets left stale (by hand or by an older version)."""
from __future__ import annotations

from openpyxl import load_workbook

from bianban_xl.cli.main import main

from onsite_helpers import assigned


def _log(path) -> str:
    return " ".join(str(c.value) for row in load_workbook(path)["编班记录"].iter_rows() for c in row if c.value)


def _team_classes(path) -> dict:
    ws = load_workbook(path)["教师搭配"]
    return {r[2]: r[1] for r in ws.iter_rows(min_row=4, values_only=True) if str(r[0]).startswith("第")}


def _drawn(tmp_path):
    out = assigned(tmp_path)
    assert main(["teachers", str(out)]) == 0
    assert main(["draw", str(out), "--seed", "3721"]) == 0
    assert set(_team_classes(out).values()) == {"1班", "2班", "3班"}
    return out


def test_forced_reassign_resets_the_onsite_sheets_and_says_so(tmp_path, capsys):
    out = _drawn(tmp_path)
    assert main(["lock", str(out)]) == 0
    forced = tmp_path / "forced.xlsx"
    assert main(["assign", str(out), "-o", str(forced), "--seed", "77", "--force", "--reason", "区教育局批准"]) == 0
    wb = load_workbook(forced)
    assert "抽签记录" not in wb.sheetnames and "公示名单" not in wb.sheetnames
    assert set(_team_classes(forced).values()) == {"（待抽签）"}
    assert _team_classes(forced).keys() == _team_classes(out).keys()      # the same teams, same head teachers
    log = _log(forced)
    assert "强制重新编班" in log and "原“抽签记录”" in log and "已作废并删除" in log and "种子 3721" in log
    assert "原“公示名单”已删除" in log and "班级已清空" in log
    capsys.readouterr()
    assert main(["verify", str(forced)]) == 0, capsys.readouterr().out
    # and the lottery can be held again on the new classes
    assert main(["draw", str(forced), "--seed", "11"]) == 0
    assert main(["verify", str(forced)]) == 0


def test_plain_reassign_of_a_drawn_book_does_the_same(tmp_path, capsys):
    out = _drawn(tmp_path)
    again = tmp_path / "again.xlsx"
    assert main(["assign", str(out), "-o", str(again), "--seed", "78"]) == 0
    assert "抽签记录" not in load_workbook(again).sheetnames
    assert set(_team_classes(again).values()) == {"（待抽签）"}
    capsys.readouterr()
    assert main(["verify", str(again)]) == 0, capsys.readouterr().out


def test_teams_that_cannot_be_rebuilt_are_removed(tmp_path):
    out = _drawn(tmp_path)
    wb = load_workbook(out)
    wb["教师名单"]["H2"] = 60                                   # a score changed after 教师搭配
    wb.save(out)
    again = tmp_path / "again.xlsx"
    assert main(["assign", str(out), "-o", str(again), "--seed", "79"]) == 0
    assert "教师搭配" not in load_workbook(again).sheetnames
    assert "请重新运行“教师搭配”" in _log(again)


def test_reassign_without_a_draw_leaves_teams_alone(tmp_path):
    out = assigned(tmp_path)
    assert main(["teachers", str(out)]) == 0
    before = _team_classes(out)
    again = tmp_path / "again.xlsx"
    assert main(["assign", str(out), "-o", str(again), "--seed", "80"]) == 0
    assert _team_classes(again) == before and "重新编班" not in _log(again)


def _copy_sheet(src, dest, name):
    a, b = load_workbook(src), load_workbook(dest)
    if name in b.sheetnames:
        b.remove(b[name])
    ws = b.create_sheet(name)
    for row in a[name].iter_rows():
        for c in row:
            if c.value is not None:
                ws.cell(c.row, c.column, c.value)
    b.save(dest)


def test_verify_flags_stale_onsite_sheets(tmp_path, capsys):
    out = _drawn(tmp_path)
    # as an older version left it: re-assigned, but 教师搭配 still shows the old lottery's classes
    again = tmp_path / "again.xlsx"
    assert main(["assign", str(out), "-o", str(again), "--seed", "81"]) == 0
    _copy_sheet(out, again, "教师搭配")
    capsys.readouterr()
    assert main(["verify", str(again)]) == 1
    text = capsys.readouterr().out
    assert "“教师搭配”的班级一栏填有班级，但工作簿中没有“抽签记录”" in text and "重新进行班主任抽签" in text
    # ... or a 公示名单 of the earlier classes
    again2 = tmp_path / "again2.xlsx"
    assert main(["assign", str(out), "-o", str(again2), "--seed", "82"]) == 0
    _copy_sheet(out, again2, "公示名单")
    assert main(["verify", str(again2)]) == 1
    text = capsys.readouterr().out
    assert "“公示名单”中 1班、2班、3班 的名单与现在学生名单的班级不一致" in text
    assert "班主任与“抽签记录”不一致" in text and "重新生成“公示名单”" in text


def test_verify_flags_an_edited_public_list(tmp_path, capsys):
    out = _drawn(tmp_path)
    wb = load_workbook(out)
    ws = wb["公示名单"]
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("班主任："))
    cell.value = "班主任：某某某    " + cell.value.split("    ", 1)[1]
    wb.save(tmp_path / "edited.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "edited.xlsx")]) == 1
    assert "“公示名单”中 1班 的班主任与“抽签记录”不一致" in capsys.readouterr().out
