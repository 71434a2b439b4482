"""班主任抽签 on real workbooks: seeded draw reproducible and recorded, manual draw typed in,
duplicates refused, verify catches a tampered lottery."""
from __future__ import annotations

from openpyxl import load_workbook

from bianban_xl.cli.main import main

from conftest import sha
from onsite_helpers import assigned, kv, sort_sheet, TEACHERS


def draw_table(path):
    ws = load_workbook(path)["抽签记录"]
    rows = list(ws.iter_rows(values_only=True))
    i = next(n for n, r in enumerate(rows) if r[:4] == ("序号", "班主任", "任教学科", "抽中班级"))
    out = {}
    for r in rows[i + 1:]:
        if not isinstance(r[0], int):
            break
        out[r[1]] = r[3]
    return out


def test_seeded_draw_writes_record_and_verifies(tmp_path, capsys):
    out = assigned(tmp_path)
    assert main(["teachers", str(out)]) == 0
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert main(["draw", str(out), "-o", str(a), "--seed", "3721", "--source", "家长代表报数"]) == 0
    assert main(["draw", str(out), "-o", str(b), "--seed", "3721"]) == 0
    assert draw_table(a) == draw_table(b)
    got = draw_table(a)
    assert set(got) == {"王芳", "赵敏", "陈刚"} and sorted(got.values()) == ["1班", "2班", "3班"]
    wb = load_workbook(a)
    info = kv(wb["抽签记录"])
    assert info["随机种子"] == "3721" and info["种子来源"] == "家长代表报数"
    assert info["学生名单指纹"] == kv(wb["编班记录"])["结果指纹"]
    signs = " ".join(str(r[0]) for r in wb["抽签记录"].iter_rows(values_only=True) if r[0])
    assert "监督人员签字" in signs and "家长代表签字" in signs
    # 教师搭配 now shows each team's class; 公示名单 names the head teachers
    teams = {r[2]: r[1] for r in wb["教师搭配"].iter_rows(min_row=4, values_only=True) if str(r[0]).startswith("第")}
    assert teams == got
    assert any(f"班主任：{h}" in str(c.value) for h in got for c in wb["公示名单"]["A"])
    capsys.readouterr()
    assert main(["verify", str(a)]) == 0
    assert "抽签检查通过" in capsys.readouterr().out
    # a second draw is refused
    before = sha(a)
    assert main(["draw", str(a), "--seed", "1"]) == 1
    assert "已经抽过签" in capsys.readouterr().out and sha(a) == before


def test_tampered_lottery_is_detected(tmp_path, capsys):
    out = assigned(tmp_path)
    assert main(["draw", str(out), "--seed", "42"]) == 0      # no 教师搭配: head teachers from 教师名单
    wb = load_workbook(out)
    ws = wb["抽签记录"]
    cells = [c for row in ws.iter_rows() for c in row if c.value in ("1班", "2班")]
    a, b = cells[0], cells[1]
    a.value, b.value = b.value, a.value
    wb.save(tmp_path / "swapped.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "swapped.xlsx")]) == 1
    text = capsys.readouterr().out
    assert "按记录的随机种子重新抽签应为" in text and "验证未通过" in text


def test_manual_draw_and_typed_twice(tmp_path, capsys):
    out = assigned(tmp_path)
    wb = load_workbook(out)
    ws = wb.create_sheet("抽签结果")
    for row in (["班主任", "班级"], ["王芳", "2班"], ["赵敏", "2班"], ["陈刚", "1班"]):
        ws.append(row)
    wb.save(out)
    before = sha(out)
    assert main(["draw", str(out), "--manual"]) == 1
    text = capsys.readouterr().out
    assert "班级“2班”被录入了两次（第2行和第3行）" in text and "B3" in text
    assert sha(out) == before
    wb = load_workbook(out)
    wb["抽签结果"]["B3"] = "3班"
    wb.save(out)
    # the slips typed in, but --manual forgotten: a computer draw would contradict them
    assert main(["draw", str(out), "--seed", "3721"]) == 1
    text = capsys.readouterr().out
    assert "已经录入了现场抽签的结果，这次却是电脑抽签" in text and "--manual" in text
    assert main(["draw", str(out), "--manual"]) == 0
    assert draw_table(out) == {"王芳": "2班", "赵敏": "3班", "陈刚": "1班"}
    assert kv(load_workbook(out)["抽签记录"])["抽签方式"].startswith("现场实物抽签")
    assert main(["verify", str(out)]) == 0
    # editing the typed-in sheet afterwards is caught
    wb = load_workbook(out)
    wb["抽签结果"]["B2"], wb["抽签结果"]["B3"] = "3班", "2班"
    wb.save(tmp_path / "edited.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "edited.xlsx")]) == 1
    assert "按“抽签结果”应为" in capsys.readouterr().out


def test_draw_needs_assignment_and_enough_heads(tmp_path, capsys):
    from conftest import write_book
    from onsite_helpers import TEACHERS

    src = write_book(tmp_path / "in.xlsx", extra_sheets={"教师名单": TEACHERS})
    assert main(["draw", str(src)]) == 1
    assert "还没有编班结果" in capsys.readouterr().out
    few = [r[:] for r in TEACHERS]
    few[1][8] = "否"
    out = assigned(tmp_path, teachers=few)
    assert main(["draw", str(out), "--seed", "5"]) == 1
    assert "班主任人选有 2 人，班级有 3 个" in capsys.readouterr().out


def test_draw_at_a_terminal_asks_for_the_number_called_out(tmp_path, capsys, monkeypatch):
    """`bianban draw` without --seed, in front of the teachers, drew at once by computer (and a
    second draw is refused): at a terminal it now asks for the number twice, like 自动编班 on a
    sealed book; --computer-seed keeps the computer draw, labelled."""
    import sys

    out = assigned(tmp_path)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    typed = iter(["58 01", "5801"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    assert main(["draw", str(out), "-o", str(tmp_path / "a.xlsx")]) == 0
    said = capsys.readouterr().out
    assert "现场报一串数字作为抽签种子" in said
    assert said.index("还没有做“教师搭配”：抽签之后就不能再搭配了") < said.index("现场报一串数字")   # said before the number
    rec = kv(load_workbook(tmp_path / "a.xlsx")["抽签记录"])
    assert rec["随机种子"] == "5801" and rec["种子来源"].startswith("现场报数")
    monkeypatch.setattr("builtins.input", lambda prompt="": (_ for _ in ()).throw(AssertionError("asked")))
    assert main(["draw", str(out), "-o", str(tmp_path / "b.xlsx"), "--computer-seed"]) == 0
    assert "未经现场报数" in kv(load_workbook(tmp_path / "b.xlsx")["抽签记录"])["种子来源"]


def _sort_teachers(src, dst, key):
    sort_sheet(src, dst, "教师名单", lambda head, r: key(r))


def test_sorting_the_teacher_list_changes_nothing(tmp_path, capsys):
    """教师名单 sorted by 学科 after 教师搭配 read as 'changed since the teams were made': verify
    warned and the draw was refused; sorted after a heads-only draw, verify said every head teacher
    had the wrong class. Teams and the draw now see the teachers by subject and name."""
    out = assigned(tmp_path)
    assert main(["teachers", str(out), "--seed", "4"]) == 0
    by_subject = tmp_path / "按学科.xlsx"
    _sort_teachers(out, by_subject, key=lambda r: (r[1], r[0]))
    capsys.readouterr()
    assert main(["verify", str(by_subject)]) == 0
    assert "教师搭配检查通过" in capsys.readouterr().out
    assert main(["draw", str(by_subject), "--seed", "9"]) == 0
    _sort_teachers(by_subject, tmp_path / "按姓名.xlsx", key=lambda r: r[0])
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "按姓名.xlsx")]) == 0, capsys.readouterr().out
    assert "抽签检查通过" in capsys.readouterr().out
    # heads only (no 教师搭配): the draw order no longer follows the rows
    heads = [r for r in TEACHERS if r[8] != "否"]
    (tmp_path / "heads").mkdir()
    (tmp_path / "heads2").mkdir()
    out2 = assigned(tmp_path / "heads", teachers=heads)
    assert main(["draw", str(out2), "--seed", "11"]) == 0
    before = draw_table(out2)
    _sort_teachers(out2, tmp_path / "倒序.xlsx", key=lambda r: r[0])
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "倒序.xlsx")]) == 0, capsys.readouterr().out
    b = tmp_path / "另一份.xlsx"
    _sort_teachers(assigned(tmp_path / "heads2", teachers=heads[:1] + heads[1:][::-1]), b, key=lambda r: r[0])
    assert main(["draw", str(b), "--seed", "11"]) == 0
    assert draw_table(b) == before                        # same teachers, same number: same classes


def test_teams_and_draws_recorded_before_the_mark_keep_the_row_order(tmp_path, capsys, monkeypatch):
    """教师搭配 and 抽签记录 written before 0.6.1 (no 教师顺序 mark) saw the teachers in row order:
    they still verify."""
    from bianban_xl.onsite import teachers

    out = assigned(tmp_path)
    monkeypatch.setattr(teachers, "in_canonical_order", lambda ts, allowed=None: ts)
    assert main(["teachers", str(out), "--seed", "4"]) == 0
    assert main(["draw", str(out), "--seed", "9"]) == 0
    monkeypatch.undo()
    wb = load_workbook(out)
    for name in ("教师搭配", "抽签记录"):
        ws = wb[name]
        row = next(r[0].row for r in ws.iter_rows() if r[0].value == "教师顺序")
        ws.delete_rows(row)
    wb.save(out)
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0, capsys.readouterr().out
    said = capsys.readouterr().out
    assert "抽签检查通过" in said and "不一致" not in said
