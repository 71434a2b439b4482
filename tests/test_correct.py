"""更正学生信息 (bianban correct): a typo found after 公示 corrected as a recorded step. The new value
reaches 学生名单, the class sheet, 公示名单 and 双胞胎; the correction is recorded in 编班记录's run log;
verify undoes the recorded corrections, re-runs on the original input, passes and lists them, while
an unrecorded edit fails exactly as before. Refusals are Chinese, name the sheet/row/cell, write
nothing."""
from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from bianban_xl.cli.main import main
from bianban_xl.onsite.public_list import mask_name

from conftest import HEADER, student_rows, write_book
from onsite_helpers import assigned

REASON = "家长反映错字，经核对户口本"


def _result(tmp_path, ids: bool = True, rows=None, public: bool = True, **kw):
    rows = rows or student_rows(30, seed=6)
    if not ids:
        rows = [r[1:] for r in rows]
        kw["header"] = HEADER[1:]
    out = assigned(tmp_path, rows=rows, **kw)
    if public:
        assert main(["public", str(out)]) == 0
    return out


def _roster(path):
    ws = load_workbook(path)["学生名单"]
    head = [c.value for c in ws[1]]
    return ws, head


def _cell(path, row, column):
    ws, head = _roster(path)
    return ws.cell(row, head.index(column) + 1).value


def _class_sheet_names(path, klass):
    ws = load_workbook(path)[klass]
    return [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]


def _run(capsys, *args) -> tuple[int, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    got = capsys.readouterr()
    return rc, got.out + got.err


@pytest.mark.parametrize("ids", [True, False], ids=["with_ids", "without_ids"])
def test_a_recorded_name_correction_verifies_and_is_listed(tmp_path, capsys, ids):
    """Before: there was no 更正 step; a name fixed in 学生名单 failed verify (输入指纹不符), and without
    编号 it could not be told from a moved pupil. Now the correction is recorded, written everywhere
    the pupil is shown, and verify passes listing it."""
    out = _result(tmp_path, ids)
    old, klass = _cell(out, 12, "姓名"), _cell(out, 12, "班级")
    new = old[0] + "方"
    rc, said = _run(capsys, "correct", out, "--row", 12, "--column", "姓名", "--value", new, "--reason", REASON)
    assert rc == 0, said
    assert f"姓名 {old} → {new}（原因：{REASON}，" in said and f"班级没有变（{klass}）" in said
    assert _cell(out, 12, "姓名") == new and _cell(out, 12, "班级") == klass
    names = _class_sheet_names(out, klass)
    assert new in names and old not in names
    posted = [c.value for r in load_workbook(out)["公示名单"].iter_rows() for c in r]
    assert mask_name(new) in posted
    log = [r[1] for r in load_workbook(out)["编班记录"].iter_rows(values_only=True)
           if len(r) > 1 and isinstance(r[1], str) and r[1].startswith("更正：")]
    assert len(log) == 1 and f"学生名单第12行" in log[0] and f"姓名：「{old}」→「{new}」；原因：{REASON}" in log[0]
    rc, said = _run(capsys, "verify", out)
    assert rc == 0, said
    assert said.startswith("验证通过：") and "输入数据除记录的更正外与编班时相同" in said
    assert re.search(rf"编班后更正过 1 处.*第12行.* 姓名 {old} → {new}（原因：{REASON}，\d{{4}}-", said), said


def test_an_unrecorded_edit_still_fails_and_says_how_to_record_it(tmp_path, capsys):
    """A hand edit fails verify as before (and now says to use 更正); after a recorded correction, a
    hand edit of another pupil, or of the corrected cell again, still fails."""
    out = _result(tmp_path)
    wb = load_workbook(out)
    ws = wb["学生名单"]
    ws["B5"].value = ws["B5"].value + "甲"
    wb.save(tmp_path / "手改.xlsx")
    rc, said = _run(capsys, "verify", tmp_path / "手改.xlsx")
    assert rc == 1 and "输入指纹不符" in said and "bianban correct" in said
    # the hand-edited book cannot be corrected on top: first put it back
    rc, said = _run(capsys, "correct", tmp_path / "手改.xlsx", "--row", 12, "--column", "姓名", "--value", "王方",
                    "--reason", REASON)
    assert rc == 1 and "验证未通过，不能记录更正" in said and "先改回原来的内容" in said
    old = _cell(out, 12, "姓名")
    assert main(["correct", str(out), "--row", "12", "--column", "姓名", "--value", old[0] + "方", "--reason", REASON]) == 0
    wb = load_workbook(out)
    wb["学生名单"]["B5"].value = wb["学生名单"]["B5"].value + "甲"
    wb.save(tmp_path / "又手改.xlsx")
    rc, said = _run(capsys, "verify", tmp_path / "又手改.xlsx")
    assert rc == 1 and "输入指纹不符" in said
    wb = load_workbook(out)
    wb["学生名单"]["B12"].value = old[0] + "芳芳"
    wb.save(tmp_path / "改了更正.xlsx")
    rc, said = _run(capsys, "verify", tmp_path / "改了更正.xlsx")
    assert rc == 1 and "输入指纹不符" in said and f"找不到更正后的内容（“{old[0]}方”），没有还原" in said


def test_refusals_name_sheet_row_and_fix_and_leave_the_file_untouched(tmp_path, capsys):
    rows = student_rows(30, seed=6)
    rows[20][1] = rows[3][1]                         # two pupils of one name (the run keeps them apart)
    out = _result(tmp_path, rows=rows)
    before = out.read_bytes()
    first = _cell(out, 2, "姓名")
    gender = _cell(out, 12, "性别")
    cases = [
        (["--row", "99", "--column", "姓名", "--value", "王方"], "“学生名单”第99行没有学生"),
        (["--id", "X999", "--column", "姓名", "--value", "王方"], "没有编号为“X999”的学生"),
        (["--name", "无此人", "--column", "姓名", "--value", "王方"], "没有姓名为“无此人”的学生"),
        (["--name", rows[3][1], "--column", "姓名", "--value", "王方"], f"有 2 名学生叫“{rows[3][1]}”"),
        (["--row", "12", "--column", "身高", "--value", "150"], "“学生名单”中没有“身高”这一列"),
        (["--row", "12", "--column", "班级", "--value", "2班"], "班级不能用“更正”改动"),
        (["--row", "2", "--column", "姓名", "--value", first], f"已经是“{first}”，没有需要更正的内容"),
        (["--row", "12", "--column", "性别", "--value", "未知"], "性别“未知”无法识别"),
        (["--row", "12", "--column", "出生日期", "--value", "2013-13-45"], "出生日期“2013-13-45”无法识别"),
        (["--row", "12", "--column", "编号", "--value", "S0002"], "编号“S0002”重复"),
        (["--row", "12", "--column", "姓名", "--value", "  "], "“姓名”不能为空"),
        (["--row", "12", "--column", "性别", "--value", gender, "--reason", "x"], "没有需要更正的内容"),
    ]
    for args, want in cases:
        reason = [] if "--reason" in args else ["--reason", REASON]
        rc, said = _run(capsys, "correct", out, *args, *reason)
        assert rc == 1 and "[错误]" in said and want in said and "Traceback" not in said, (args, said)
        assert out.read_bytes() == before, args
    rc, said = _run(capsys, "correct", out, "--row", 12, "--column", "姓名", "--value", "王方", "--reason", "  ")
    assert rc == 1 and "请写明更正的原因" in said and out.read_bytes() == before
    rc, said = _run(capsys, "correct", out, "--row", 12, "--column", "姓名", "--value", "王方")
    assert rc == 1 and "--reason" in said and out.read_bytes() == before
    # the row is named in the message: 工作表“学生名单”、第99行 / B12
    rc, said = _run(capsys, "correct", out, "--row", 12, "--column", "性别", "--value", "未知", "--reason", REASON)
    assert "工作表“学生名单”、C12" in said


def test_id_birth_date_and_twin_listing_are_corrected_together(tmp_path, capsys):
    """A twin listed in 双胞胎 by 编号 and 姓名: correcting his 姓名 or 编号 changes 双胞胎 too (else the
    application no longer names him); verify passes on both, and on a birth date corrected."""
    rows = student_rows(30, seed=6)
    twins = [[1, rows[4][0], rows[4][1], "同班"], [1, rows[5][0], rows[5][1], "同班"]]
    src = write_book(tmp_path / "输入.xlsx", rows=rows, twins=twins)
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--seed", "3"]) == 0
    new_name = rows[4][1][0] + "双"
    assert main(["correct", str(out), "--id", rows[4][0], "--column", "姓名", "--value", new_name, "--reason", REASON]) == 0
    assert main(["correct", str(out), "--name", new_name, "--column", "编号", "--value", "T0001", "--reason", "学籍号录错"]) == 0
    assert main(["correct", str(out), "--id", "T0001", "--column", "出生日期", "--value", "2013-09-02", "--reason", "差一天"]) == 0
    tw = [r for r in load_workbook(out)["双胞胎"].iter_rows(min_row=2, values_only=True)]
    assert tw[0][1:3] == ("T0001", new_name) and tw[1][1:3] == (rows[5][0], rows[5][1])
    assert _cell(out, 6, "编号") == "T0001" and str(_cell(out, 6, "出生日期")).startswith("2013-09-02")
    rc, said = _run(capsys, "verify", out)
    assert rc == 0, said
    assert "编班后更正过 3 处" in said and "编号 S0005 → T0001" in said and "出生日期" in said


def test_late_after_a_correction_on_a_roster_without_ids(tmp_path, capsys):
    """Without 编号 the result fingerprint names pupils by 姓名 …: 插班 after a recorded correction was
    refused as 'classes changed'. It takes the run's pupils with the corrections undone."""
    out = _result(tmp_path, ids=False, public=False)
    old = _cell(out, 7, "姓名")
    assert main(["correct", str(out), "--row", "7", "--column", "姓名", "--value", old[0] + "方", "--reason", REASON]) == 0
    wb = load_workbook(out)
    wb["学生名单"].append(["新同学", "男", "2013-10-01", "第1小学", "本地", "良", 80, 80, None])
    wb.save(out)
    rc, said = _run(capsys, "late", out, "--seed", 7)
    assert rc == 0, said
    rc, said = _run(capsys, "verify", out)
    assert rc == 0 and "插班检查通过：1 次插班共 1 名学生" in said and "编班后更正过 1 处" in said, said


def test_a_locked_book_stays_locked_and_verifies(tmp_path, capsys):
    out = _result(tmp_path)
    assert main(["lock", str(out)]) == 0
    old = _cell(out, 9, "姓名")
    rc, said = _run(capsys, "correct", out, "--row", 9, "--column", "姓名", "--value", old[0] + "方", "--reason", REASON)
    assert rc == 0 and "已更新锁定指纹" in said, said
    wb = load_workbook(out)
    assert wb["编班汇总"].protection.sheet and wb[_cell(out, 9, "班级")].protection.sheet
    rc, said = _run(capsys, "verify", out)
    assert rc == 0, said
    assert "锁定检查通过" in said and "更正学生信息（最近一次" in said


def test_a_correction_making_classmates_namesakes_moves_nobody_and_says_so(tmp_path, capsys):
    """三不动: a correction that makes two classmates 同名 (which the run would have kept apart) moves
    nobody; the step and verify remind of it, verify still passes (the run was right on the input it had)."""
    out = _result(tmp_path)
    ws, head = _roster(out)
    ci, ni = head.index("班级"), head.index("姓名")
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    a = next(i for i, r in enumerate(rows) if r[ci] == rows[0][ci] and i > 0)
    target = rows[0][ni]
    rc, said = _run(capsys, "correct", out, "--row", a + 2, "--column", "姓名", "--value", target, "--reason", REASON)
    assert rc == 0, said
    assert "提醒：更正后" in said and f"第2行 {target}（同名）" in said and "按三不动不调整班级" in said
    rc, said = _run(capsys, "verify", out)
    assert rc == 0, said
    assert f"第2行 {target}（同名）" in said and "按三不动不调整班级" in said


def test_a_record_edited_by_hand_fails(tmp_path, capsys):
    """The correction is an entry of the chained run log: changing its 更正为 by hand breaks the chain."""
    out = _result(tmp_path)
    old = _cell(out, 12, "姓名")
    assert main(["correct", str(out), "--row", "12", "--column", "姓名", "--value", old[0] + "方", "--reason", REASON]) == 0
    wb = load_workbook(out)
    ws = wb["编班记录"]
    for r in ws.iter_rows():
        if len(r) > 1 and isinstance(r[1].value, str) and r[1].value.startswith("更正："):
            r[1].value = r[1].value.replace(f"「{old[0]}方」", f"「{old[0]}芳」")
    wb["学生名单"]["B12"].value = old[0] + "芳"
    wb.save(out)
    rc, said = _run(capsys, "verify", out)
    assert rc == 1 and "校验码与前后记录对不上" in said, said


def test_user_text_is_written_as_text(tmp_path, capsys):
    out = _result(tmp_path, public=False)
    rc, said = _run(capsys, "correct", out, "--row", 12, "--column", "毕业学校", "--value", "=1+1",
                    "--reason", "=HYPERLINK(\"x\")")
    assert rc == 0, said
    wb = load_workbook(out)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    cell = ws.cell(12, head.index("毕业学校") + 1)
    assert cell.value == "=1+1" and cell.data_type == "s"
    entry = next(c for r in wb["编班记录"].iter_rows() for c in r
                 if isinstance(c.value, str) and c.value.startswith("更正："))
    assert entry.data_type == "s" and "原因：=HYPERLINK" in entry.value
    assert main(["verify", str(out)]) == 0


def test_the_district_check_passes_a_recorded_correction(tmp_path, capsys):
    from bianban_xl.district.check import PASS, check_result_book

    rows = student_rows(30, seed=6)
    out = _result(tmp_path, ids=False, rows=rows)
    old = _cell(out, 12, "姓名")
    assert main(["correct", str(out), "--row", "12", "--column", "姓名", "--value", old[0] + "方", "--reason", REASON]) == 0
    chk = check_result_book(out)
    assert chk.verdict == PASS, [(f.kind, f.text) for f in chk.findings]
    assert any(n.startswith("编班后更正过 1 处") for n in chk.notes)


def test_the_browser_form_runs_the_same_step(tmp_path, capsys):
    """`bianban ui`: the 更正学生信息 button opens a form (pupil by row / 编号 / 姓名, column, new value,
    reason) over service.correct_file; a refusal is the problems table and writes nothing."""
    import time

    from bianban_xl.ui.app import create_app

    folder = tmp_path / "均衡编班"
    folder.mkdir()
    out = _result(folder)
    client = create_app(folder, "tok").test_client()
    page = client.get("/?t=tok").get_data(as_text=True)
    assert 'data-step="correct"' in page and 'id="panel-correct"' in page and "更正原因" in page

    def step(**form):
        j = client.post("/api/step/correct?t=tok", data={"file": out.name, **form}).get_json()
        if "job" not in j:
            return j
        while True:
            jj = client.get(f"/api/job/{j['job']}?t=tok").get_json()
            if jj["done"]:
                return jj
            time.sleep(0.05)

    before = out.read_bytes()
    done = step(by="row", who="12", column="姓名", value="王方", reason="")
    assert not done["ok"] and "更正必须写明原因" in done["html"] and out.read_bytes() == before
    done = step(by="row", who="12", column="班级", value="2班", reason=REASON)
    assert not done["ok"] and "班级不能用“更正”改动" in done["html"] and out.read_bytes() == before
    old = _cell(out, 12, "姓名")
    done = step(by="id", who=_cell(out, 12, "编号"), column="姓名", value=old[0] + "方", reason=REASON)
    assert done["ok"], done["html"]
    assert f"姓名 {old} → {old[0]}方" in done["html"] and "公示名单（打印）" in done["html"]
    assert _cell(out, 12, "姓名") == old[0] + "方"
    rc, said = _run(capsys, "verify", out)
    assert rc == 0 and "编班后更正过 1 处" in said


def test_the_ribbon_button_corrects_the_selected_cell(tmp_path, monkeypatch):
    """Excel: select the wrong cell in 学生名单, click 更正学生信息, type the new value and the reason
    (against the xlwings fake of test_excel_adapter); the same step as the command."""
    from types import SimpleNamespace

    from test_excel_adapter import FakeBook

    from bianban_xl.excel import entry
    from bianban_xl.excel import live_book as L
    from bianban_xl.verify import verify_book

    monkeypatch.setattr(L, "LOG_FILE", tmp_path / "bianban_xl.log")
    out = _result(tmp_path, public=False)
    old, klass = _cell(out, 12, "姓名"), _cell(out, 12, "班级")
    _, head = _roster(out)

    def select(book, row, column):
        book.selection = SimpleNamespace(sheet=SimpleNamespace(name="学生名单"), row=row, column=head.index(column) + 1)

    book = FakeBook.from_file(out)                     # nothing selected in 学生名单: said, nothing changed
    book.selection = SimpleNamespace(sheet=SimpleNamespace(name=klass), row=3, column=2)
    before = book.everything()
    entry.correct(book)
    assert "请先在“学生名单”中点选要更正的那一格" in book.app.alerts[-1][0] and book.everything() == before
    select(book, 12, "班级")                           # the class column: refused (三不动)
    book.app.answers = ["2班", REASON]
    entry.correct(book)
    assert "班级不能用“更正”改动" in book.app.alerts[-1][0]
    assert [x for x in book.everything() if x[0] != "校验结果"] == before      # (the problems sheet, as every button)
    select(book, 12, "姓名")                           # cancelled at the reason: nothing changed
    book.app.answers = [old[0] + "方", None]
    entry.correct(book)
    assert "没有更正" in book.app.alerts[-1][0] and [x for x in book.everything() if x[0] != "校验结果"] == before
    book.app.answers = [old[0] + "方", REASON]
    entry.correct(book)
    assert f"姓名 {old} → {old[0]}方（原因：{REASON}" in book.app.alerts[-1][0], book.app.alerts[-1]
    assert book.sheets["学生名单"].cells[(12, head.index("姓名") + 1)] == old[0] + "方"
    res = verify_book(L.LiveBook(book).read_raw())
    assert res.ok and any(x.startswith("编班后更正过 1 处") for x in res.findings), res.findings


def test_late_after_a_gender_correction_is_replayed_on_the_data_it_had(tmp_path, capsys):
    """插班 after a correction placed the pupil on the corrected data (a girl corrected to a boy counts
    as a boy); verify replays each 插班 on the data of its time — the corrections made after it undone,
    those made before it kept — not on the run's data, which would have chosen another class."""
    import shutil

    out = _result(tmp_path, public=False)
    late = ["S0901", "钱多多", "男", "2013-10-01", "第1小学", "本地", "良", 80, 80, None]

    def add_late(path):
        wb = load_workbook(path)
        wb["学生名单"].append(late)
        wb.save(path)

    trial = shutil.copy(out, tmp_path / "试.xlsx")     # where he goes on the run's data
    add_late(trial)
    assert main(["late", str(trial), "--seed", "5"]) == 0
    there = _cell(trial, 32, "班级")
    ws, head = _roster(out)
    gi, ci = head.index("性别"), head.index("班级")
    girl = next(n for n, r in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2)
                if r[ci] == there and r[gi] == "女")
    assert main(["correct", str(out), "--row", str(girl), "--column", "性别", "--value", "男", "--reason", "性别录错"]) == 0
    add_late(out)
    rc, said = _run(capsys, "late", out, "--seed", 5)
    assert rc == 0 and _cell(out, 32, "班级") != there, said     # one more boy there now: another class
    name = _cell(out, 16, "姓名")                                 # and one more correction after the 插班
    assert main(["correct", str(out), "--row", "16", "--column", "姓名", "--value", name[0] + "方", "--reason", REASON]) == 0
    rc, said = _run(capsys, "verify", out)
    assert rc == 0 and "插班检查通过：1 次插班共 1 名学生" in said, said


def test_a_run_after_a_correction_takes_the_corrected_data(tmp_path, capsys):
    """重新编班 (forced) after a correction runs on the corrected data; the log keeps the 更正 entry,
    which no longer counts: verify passes without undoing it, and lists no correction."""
    out = _result(tmp_path, public=False)
    old = _cell(out, 12, "姓名")
    assert main(["correct", str(out), "--row", "12", "--column", "姓名", "--value", old[0] + "方", "--reason", REASON]) == 0
    assert main(["assign", str(out), "--force", "--reason", "区教育局批准重新编班"]) == 0
    log = [r[1] for r in load_workbook(out)["编班记录"].iter_rows(values_only=True)
           if len(r) > 1 and isinstance(r[1], str) and r[1].startswith("更正：")]
    assert len(log) == 1
    rc, said = _run(capsys, "verify", out)
    assert rc == 0 and "编班后更正过" not in said and "输入数据与编班时相同" in said, said


def test_numbers_stay_numbers_and_a_birth_month_typed_as_a_number_is_restored_as_one(tmp_path, capsys):
    """A score corrected in a column of numbers is written as a number; a birth month typed as a
    number (2011.1, which the reader takes as October, as text January) is undone to that number."""
    rows = student_rows(30, seed=6)
    rows[10][3] = 2013.1                                      # October 2013, as Excel keeps 2013.10
    out = _result(tmp_path, rows=rows, public=False)
    assert main(["correct", str(out), "--row", "12", "--column", "出生日期", "--value", "2013-10-05",
                 "--reason", "家长提供了出生证"]) == 0
    assert main(["correct", str(out), "--row", "13", "--column", "数学", "--value", "88", "--reason", "成绩录错"]) == 0
    ws, head = _roster(out)
    assert ws.cell(13, head.index("数学") + 1).data_type == "n"
    rc, said = _run(capsys, "verify", out)
    assert rc == 0 and "编班后更正过 2 处" in said and "出生日期 2013.1 → 2013-10-05" in said, said


def test_without_ids_a_corrected_pupil_is_found_after_the_roster_is_sorted(tmp_path, capsys):
    """No 编号: the record names the pupil by his 姓名 beside the row, so a birth date or 性别 corrected
    (values many pupils share) is still undone on the right pupil after 学生名单 is sorted by class."""
    from onsite_helpers import sort_sheet

    out = _result(tmp_path, ids=False, public=False)
    name, gender = _cell(out, 12, "姓名"), _cell(out, 12, "性别")
    other = "男" if gender == "女" else "女"
    assert main(["correct", str(out), "--row", "12", "--column", "性别", "--value", other, "--reason", "性别录错"]) == 0
    assert main(["correct", str(out), "--row", "12", "--column", "姓名", "--value", name[0] + "方", "--reason", REASON]) == 0
    assert main(["correct", str(out), "--row", "12", "--column", "出生日期", "--value", "2013-10-01", "--reason", "差几天"]) == 0
    sorted_out = tmp_path / "排序.xlsx"
    sort_sheet(out, sorted_out, "学生名单", lambda h, r: (r[h.index("班级")], r[h.index("姓名")]), reverse=True)
    assert _cell(sorted_out, 12, "姓名") != name[0] + "方"
    rc, said = _run(capsys, "verify", sorted_out)
    assert rc == 0 and "编班后更正过 3 处" in said and f"第12行（{name}） 性别" in said, said
