"""锁定 / 三不动: lock protects result sheets and records fingerprints; a locked book refuses to
re-assign unless forced with a reason (logged); verify names what changed after locking."""
from __future__ import annotations

from openpyxl import load_workbook

from bianban_xl.cli.main import main

from conftest import sha
from onsite_helpers import assigned, kv


def locked(tmp_path):
    out = assigned(tmp_path)
    assert main(["draw", str(out), "--seed", "9"]) == 0
    assert main(["lock", str(out)]) == 0
    return out


def test_lock_protects_and_refuses_reassign(tmp_path, capsys):
    out = locked(tmp_path)
    wb = load_workbook(out)
    for name in ("1班", "2班", "3班", "编班汇总", "编班记录", "抽签记录", "公示名单"):
        assert wb[name].protection.sheet, name
    assert not wb["学生名单"].protection.sheet
    info = kv(wb["编班记录"])
    assert info["锁定状态"] == "已锁定" and "1班:" in info["锁定·班级列指纹"]
    capsys.readouterr()
    before = sha(out)
    assert main(["assign", str(out)]) == 1
    assert "拒绝重新编班" in capsys.readouterr().out and sha(out) == before
    assert main(["assign", str(out), "--force"]) == 1              # no reason
    assert "--reason" in capsys.readouterr().out and sha(out) == before
    assert main(["draw", str(out), "--seed", "1"]) == 1
    assert main(["teachers", str(out)]) == 1
    assert main(["lock", str(out)]) == 1
    assert sha(out) == before
    forced = tmp_path / "forced.xlsx"
    assert main(["assign", str(out), "-o", str(forced), "--seed", "77", "--force", "--reason", "区教育局批准：补录 2 人后重排"]) == 0
    log = " ".join(str(c.value) for row in load_workbook(forced)["编班记录"].iter_rows() for c in row if c.value)
    assert "强制重新编班" in log and "区教育局批准" in log
    assert "抽签记录" not in load_workbook(forced).sheetnames      # the old lottery no longer applies


def test_verify_names_changes_after_lock(tmp_path, capsys):
    out = locked(tmp_path)
    assert main(["verify", str(out)]) == 0
    assert "锁定检查通过" in capsys.readouterr().out
    # change the lottery
    wb = load_workbook(out)
    for row in wb["抽签记录"].iter_rows():
        for c in row:
            if c.value == "1班":
                c.value = "3班"
                break
    wb.save(tmp_path / "draw.xlsx")
    assert main(["verify", str(tmp_path / "draw.xlsx")]) == 1
    assert "锁定（" in (t := capsys.readouterr().out) and "抽签结果被改动" in t
    # change a class sheet and the class column consistently (moving one student 1班 → 2班)
    wb = load_workbook(out)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    ci = head.index("班级") + 1
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, ci).value == "1班")
    ws.cell(r, ci).value = "2班"
    wb.save(tmp_path / "moved.xlsx")
    assert main(["verify", str(tmp_path / "moved.xlsx")]) == 1
    t = capsys.readouterr().out
    assert "班级为“1班”的学生被改动过" in t and "班级为“2班”的学生被改动过" in t


def test_lock_refuses_inconsistent_book(tmp_path, capsys):
    out = assigned(tmp_path)
    wb = load_workbook(out)
    wb["2班"].cell(4, 3).value = "冒名顶替"
    wb.save(out)
    before = sha(out)
    assert main(["lock", str(out)]) == 1
    t = capsys.readouterr().out
    assert "不能锁定" in t and "2班" in t and sha(out) == before


def _rename(path, target, row_of=lambda ws, ci: 2):
    """A name corrected in 学生名单 and on its class sheet alike (one character changed)."""
    wb = load_workbook(path)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    ni, ci = head.index("姓名") + 1, head.index("班级") + 1
    r = row_of(ws, ci)
    old, klass = ws.cell(r, ni).value, ws.cell(r, ci).value
    new = old[:-1] + ("鑫" if old[-1] != "鑫" else "淼")
    ws.cell(r, ni).value = new
    for row in wb[klass].iter_rows():
        for c in row:
            if c.value == old:
                c.value = new
    wb.save(target)


def test_name_corrected_after_lock_without_ids_is_not_called_a_class_change(tmp_path, capsys):
    """A locked book without 编号, one misspelt name corrected: the result fingerprint names pupils by
    姓名 … there, so it differs as it would for a moved pupil, and nothing recorded tells the two
    apart (the lock keeps hashes of 姓名 per class). verify fails, saying both readings and how to
    check on paper, not that a class was changed; with 编号 the classes are known unchanged."""
    from conftest import HEADER, student_rows
    rows = [r[1:] for r in student_rows(30)]
    out = assigned(tmp_path, header=HEADER[1:], rows=rows)
    assert main(["lock", str(out)]) == 0
    _rename(out, tmp_path / "改名.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "改名.xlsx")]) == 1
    t = capsys.readouterr().out
    assert "编班后班级被改动过" not in t
    assert "或者有学生的姓名、出生日期等信息被更正过" in t and "无法区分" in t and "纸质名单" in t
    # moved, names as they were: the input is as it was, so the class change is called one
    _move_one(out, tmp_path / "moved.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "moved.xlsx")]) == 1
    assert "结果指纹不符：编班后班级被改动过" in capsys.readouterr().out


def test_name_corrected_after_lock_with_ids_said_to_leave_the_classes(tmp_path, capsys):
    """With 编号 a name corrected after the lock (学生名单 and class sheet alike) still fails verify —
    the input and the lock's fingerprints, which cover the names, differ — but the lock's findings say
    that by 编号 every pupil is in his class of the run (they read as a class changed after the lock).
    A pupil moved is never said to be in his class."""
    out = locked(tmp_path)
    _rename(out, tmp_path / "改名.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "改名.xlsx")]) == 1
    t = capsys.readouterr().out
    lock_lines = [ln for ln in t.splitlines() if ln.startswith("锁定（") and "被改动过" in ln]
    assert len(lock_lines) == 2 and all("按编号核对，各学生的班级与编班时相同" in ln for ln in lock_lines), lock_lines
    _move_one(tmp_path / "改名.xlsx", tmp_path / "改名又换班.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "改名又换班.xlsx")]) == 1
    t = capsys.readouterr().out
    assert "班级为“1班”的学生被改动过。" in t and "按编号核对" not in t


def _move_one(src, dst):
    """``src`` saved as ``dst`` with one pupil of 1班 put in 2班 (学生名单's 班级 column)."""
    wb = load_workbook(src)
    ws = wb["学生名单"]
    ci = [c.value for c in ws[1]].index("班级") + 1
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, ci).value == "1班")
    ws.cell(r, ci).value = "2班"
    wb.save(dst)
