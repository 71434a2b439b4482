"""Witnessed runs on real workbooks: 数据封存 and its input 核验码, the seed from the room (typed
twice) or an explicitly labelled computer seed, the result 核验码 in large type on signed pages, the
chained append-only 编班记录 log, district --codes, and a manual lottery record without the
computer rule."""
from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook, Workbook

from bianban_xl.cli import main as cli
from bianban_xl.cli.cmd_steps import ask_seed_twice
from bianban_xl.cli.main import main
from bianban_xl.district.check import district_check, FAIL, PASS, REVIEW
from bianban_xl.model.codes import ALPHABET, normalize_code, short_code

from conftest import sha, write_book
from onsite_helpers import kv, TEACHERS

CODE = re.compile(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}")


def _sealed(tmp_path, capsys):
    src = write_book(tmp_path / "输入.xlsx", extra_sheets={"教师名单": TEACHERS})
    assert main(["seal", str(src)]) == 0
    out = capsys.readouterr().out
    code = CODE.search(out).group(0)
    return src, code


def _cells(ws):
    return {(c.row, c.column): c for row in ws.iter_rows() for c in row if c.value is not None}


def _big_code(ws) -> str:
    """The result 核验码 printed in large type on a sheet."""
    hits = [c for c in _cells(ws).values() if str(c.value).startswith("结果核验码：")]
    assert hits, ws.title
    assert all(c.font.sz >= 14 and c.font.b for c in hits), [(c.coordinate, c.font.sz) for c in hits]
    return CODE.search(str(hits[0].value)).group(0)


def test_short_codes():
    code = short_code("0" * 64)
    assert code == "2222-2222-2222"
    c = short_code("f3a9" + "0" * 60)
    assert CODE.fullmatch(c) and not set(c) & set("01IO")
    assert normalize_code(c.lower().replace("-", " ")) == c
    assert short_code("") == ""


def test_seal_then_seed_from_the_room(tmp_path, capsys):
    src, code = _sealed(tmp_path, capsys)
    seal = kv(load_workbook(src)["数据封存"])
    assert seal["输入核验码"] == code
    # no seed on a sealed book, not at a terminal: refused, nothing written
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out)]) == 1
    text = capsys.readouterr().out
    assert "数据已封存" in text and "--seed" in text and "--computer-seed" in text and not out.exists()
    # the seed called out in the room
    assert main(["assign", str(src), "-o", str(out), "--seed", "3721", "--source", "家长代表报数"]) == 0
    wb = load_workbook(out)
    rec = kv(wb["编班记录"])
    assert rec["封存核验码"].startswith(code) and rec["种子来源"] == "家长代表报数"
    assert rec["结果核验码"] == short_code(rec["结果指纹"])
    assert _big_code(wb["编班汇总"]) == rec["结果核验码"] == _big_code(wb["编班记录"])
    assert "未经现场报数" not in " ".join(str(c.value) for c in _cells(wb["编班汇总"]).values())
    log = [r for r in wb["编班记录"].iter_rows(values_only=True) if r[0] and re.match(r"\d{4}-", str(r[0]))]
    assert log[0][1].startswith("数据封存") and log[1][1].startswith("自动编班") and all(CODE.fullmatch(r[2]) for r in log)
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    assert rec["结果核验码"] in capsys.readouterr().out
    # a record claiming another seal (or another result code) is caught
    for key, value in (("封存核验码", "2345-6789-ABCD（2026-01-01 08:00:00 封存）"), ("结果核验码", "2345-6789-ABCD")):
        wb = load_workbook(out)
        ws = wb["编班记录"]
        next(c for c in ws["A"] if c.value == key).offset(column=1).value = value
        wb.save(tmp_path / "forged.xlsx")
        assert main(["verify", str(tmp_path / "forged.xlsx")]) == 1
        assert f"{key} 2345-6789-ABCD" in capsys.readouterr().out


def test_changed_after_sealing_is_refused(tmp_path, capsys):
    src, code = _sealed(tmp_path, capsys)
    wb = load_workbook(src)
    wb["学生名单"]["H5"] = 99 if wb["学生名单"]["H5"].value != 99 else 98
    wb.save(src)
    before = sha(src)
    assert main(["assign", str(src), "--seed", "3721"]) == 1
    text = capsys.readouterr().out
    assert "封存" in text and code in text and "被改动" in text
    assert sha(src) == before


def test_seed_typed_twice_at_a_terminal(tmp_path, capsys, monkeypatch):
    answers = iter(["37 21", "3712", "３７２１", "3721"])           # a typo first, then twice the same
    assert ask_seed_twice(lambda prompt: next(answers)) == (3721, "现场报数（输入两遍核对一致）")
    assert "不一致" in capsys.readouterr().out
    assert ask_seed_twice(lambda prompt: "abc") is None
    src, _ = _sealed(tmp_path, capsys)
    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: True, raising=False)
    typed = iter(["2468", "2468"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out)]) == 0
    rec = kv(load_workbook(out)["编班记录"])
    assert rec["随机种子"] == "2468" and rec["种子来源"].startswith("现场报数")


def test_terminal_reads_the_book_once_unless_it_changes_while_the_seed_is_typed(tmp_path, capsys, monkeypatch):
    """At a terminal without --seed the book is read to see whether it is sealed; assign uses that
    read, unless the file changed while the seed was being typed (then it reads it again, and a
    change after sealing is refused as ever)."""
    from bianban_xl import service

    src, _ = _sealed(tmp_path, capsys)
    reads = []
    real = service.book_read.read_for_update
    monkeypatch.setattr(service.book_read, "read_for_update", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: True, raising=False)
    typed = iter(["2468", "2468"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    assert main(["assign", str(src), "-o", str(tmp_path / "一.xlsx")]) == 0
    assert len(reads) == 1
    assert kv(load_workbook(tmp_path / "一.xlsx")["编班记录"])["随机种子"] == "2468"

    def edit_then_type(prompt=""):            # someone saves a change while the operator types
        if not edited:
            wb = load_workbook(src)
            wb["学生名单"]["H5"] = 99 if wb["学生名单"]["H5"].value != 99 else 98
            wb.save(src)
            edited.append(True)
        return "2468"

    edited, reads[:] = [], []
    monkeypatch.setattr("builtins.input", edit_then_type)
    assert main(["assign", str(src), "-o", str(tmp_path / "二.xlsx")]) == 1
    assert len(reads) == 2 and "被改动" in capsys.readouterr().out
    assert not (tmp_path / "二.xlsx").exists()


def test_computer_seed_is_labelled_on_every_printout(tmp_path, capsys):
    src, _ = _sealed(tmp_path, capsys)
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--computer-seed"]) == 0
    wb = load_workbook(out)
    assert kv(wb["编班记录"])["种子来源"] == "电脑随机抽取（未经现场报数）"
    for name in ("编班汇总", "编班记录"):
        assert any("未经现场报数" in str(c.value) for c in _cells(wb[name]).values()), name
    for name in ("1班", "2班", "3班"):
        assert "未经现场报数" in wb[name].oddFooter.center.text, name


def _log_rows(ws):
    return [c.row for c in ws["A"] if c.value and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", str(c.value))]


def test_log_is_chained_and_append_only(tmp_path, capsys):
    src, _ = _sealed(tmp_path, capsys)
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--seed", "11"]) == 0
    for step in (["teachers"], ["draw", "--seed", "3721"], ["public"], ["lock"]):
        assert main([step[0], str(out)] + step[1:]) == 0
    assert main(["assign", str(out), "--seed", "12", "--force", "--reason", "教育局批准重排"]) == 0
    wb = load_workbook(out)
    ws = wb["编班记录"]
    texts = [ws.cell(r, 2).value for r in _log_rows(ws)]
    kinds = [t.split("：")[0].split("（")[0] for t in texts]
    assert kinds[:6] == ["数据封存", "自动编班", "教师搭配", "班主任抽签", "公示名单", "锁定"], kinds
    assert kinds[6] == "强制重新编班" and kinds[7] == "自动编班", kinds          # the old entries stay, the new follow
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    assert f"{len(texts)} 条运行日志" in capsys.readouterr().out
    rows = _log_rows(ws)
    # an entry edited
    wb = load_workbook(out)
    wb["编班记录"].cell(rows[3], 2).value = wb["编班记录"].cell(rows[3], 2).value.replace("3721", "3722")
    wb.save(tmp_path / "edited.xlsx")
    # an entry removed from the middle
    wb = load_workbook(out)
    wb["编班记录"].delete_rows(rows[2])
    wb.save(tmp_path / "removed.xlsx")
    # two entries swapped
    wb = load_workbook(out)
    ws2 = wb["编班记录"]
    for c in (1, 2, 3):
        a, b = ws2.cell(rows[2], c), ws2.cell(rows[3], c)
        a.value, b.value = b.value, a.value
    wb.save(tmp_path / "swapped.xlsx")
    for name, row in (("edited", rows[3]), ("removed", rows[2]), ("swapped", rows[2])):
        capsys.readouterr()
        assert main(["verify", str(tmp_path / f"{name}.xlsx")]) == 1, name
        text = capsys.readouterr().out
        assert f"“编班记录”第{row}行的日志" in text, (name, text)


def test_manual_lottery_record_has_no_computer_rule(tmp_path, capsys):
    src = write_book(tmp_path / "输入.xlsx", extra_sheets={"教师名单": TEACHERS,
                                                         "抽签结果": [["班主任", "班级"], ["王芳", "2班"], ["赵敏", "3班"], ["陈刚", "1班"]]})
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--seed", "5"]) == 0
    assert main(["draw", str(out), "--manual"]) == 0
    wb = load_workbook(out)
    text = " ".join(str(c.value) for c in _cells(wb["抽签记录"]).values())
    assert "PCG64" not in text and "随机种子" not in text and "—" not in text, text
    assert "现场实物抽签" in text and "签条" in text
    assert _big_code(wb["抽签记录"]) == kv(wb["编班记录"])["结果核验码"]
    log = " ".join(str(c.value) for c in _cells(wb["编班记录"]).values())
    assert "种子 —" not in log
    assert main(["verify", str(out)]) == 0


def test_district_checks_the_codes_reported_on_paper(tmp_path, capsys):
    folder = tmp_path / "各校"
    folder.mkdir()
    codes = {}
    for school, seed in (("甲中学", 1), ("乙中学", 2), ("丙中学", 3)):
        src = write_book(tmp_path / f"{school}_in.xlsx", params=[("学校名称", school), ("年级", "2026级初一"), ("班级数", 3)])
        assert main(["assign", str(src), "-o", str(folder / f"{school}.xlsx"), "--seed", str(seed)]) == 0
        codes[school] = kv(load_workbook(folder / f"{school}.xlsx")["编班记录"])["结果核验码"]
    paper = Workbook()
    ws = paper.active
    ws.append(["学校", "核验码"])
    ws.append(["甲中学", codes["甲中学"].lower().replace("-", " ")])     # as written down: fine
    ws.append(["乙中学", codes["丙中学"]])                               # not the file that was signed
    ws.append(["丁中学", "2345-6789-ABCD"])                             # reported, but no file
    paper.save(tmp_path / "核验码.xlsx")
    res = district_check(folder, tmp_path / "汇总.xlsx", jobs=1, codes=tmp_path / "核验码.xlsx")
    by = {c.school: c for c in res.checks}
    assert by["甲中学"].verdict == PASS
    assert by["乙中学"].verdict == FAIL and any(f.kind == "核验码不符" and codes["丙中学"] in f.text for f in by["乙中学"].findings)
    assert by["丙中学"].verdict == REVIEW and "没有这所学校报送的核验码" in by["丙中学"].findings[0].text
    assert by["丁中学"].verdict == REVIEW
    overview = " ".join(str(c.value) for c in _cells(load_workbook(tmp_path / "汇总.xlsx")["学校汇总"]).values())
    assert "核验码不符" in overview or "纸面上报送" in overview
    ws = load_workbook(tmp_path / "汇总.xlsx")["学校汇总"]                # each file's result 核验码 in its own column
    col = [c.value for c in ws[4]].index("结果核验码") + 1
    shown = {ws.cell(r, 4).value: ws.cell(r, col).value for r in range(5, ws.max_row + 1) if ws.cell(r, 4).value}
    assert {k: shown[k] for k in codes} == codes
    assert main(["district", str(folder), "-o", str(tmp_path / "汇总2.xlsx"), "--codes", str(tmp_path / "核验码.xlsx")]) == 1


def test_sealing_again(tmp_path, capsys):
    """Sealing a sealed book with the same input changes nothing (the signed sheet stays valid);
    after a correction it seals again and says which seal it replaces, on the sheet and in the log."""
    src, code = _sealed(tmp_path, capsys)
    first = kv(load_workbook(src)["数据封存"])
    before, backups = sha(src), sorted((tmp_path / "备份").glob("*")) if (tmp_path / "备份").exists() else []
    assert main(["seal", str(src)]) == 0
    text = capsys.readouterr().out
    assert "没有变化" in text and code in text and "文件没有改动" in text and "已写入" not in text
    assert sha(src) == before                                            # not even rewritten
    assert (sorted((tmp_path / "备份").glob("*")) if (tmp_path / "备份").exists() else []) == backups
    assert kv(load_workbook(src)["数据封存"]) == first
    # with -o the copy is still written, and said so
    assert main(["seal", str(src), "-o", str(tmp_path / "副本.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "已写入" in text and "文件没有改动" not in text and (tmp_path / "副本.xlsx").exists()

    def corrected(path):
        wb = load_workbook(path)
        wb["学生名单"]["H5"] = 99 if wb["学生名单"]["H5"].value != 99 else 98
        wb.save(path)

    def seal_again(path, old_code, old_time):
        assert main(["seal", str(path)]) == 0
        text = capsys.readouterr().out
        new = CODE.search(text.split("输入核验码：")[1]).group(0)
        assert new != old_code and "重新封存" in text and "不再有效" in text
        wb = load_workbook(path)
        sheet = " ".join(str(c.value) for c in _cells(wb["数据封存"]).values())
        assert f"原封存（{old_time}，输入核验码 {old_code}）作废" in sheet
        assert kv(wb["数据封存"])["输入核验码"] == new
        return wb, new

    corrected(src)
    _, new = seal_again(src, code, first["封存时间"])
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--seed", "3721"]) == 0
    assert kv(load_workbook(out)["编班记录"])["封存核验码"].startswith(new)
    # on a result (not locked): the log keeps both seals
    second = kv(load_workbook(out)["数据封存"])
    corrected(out)
    wb, newer = seal_again(out, new, second["封存时间"])
    log = [r[1] for r in wb["编班记录"].iter_rows(values_only=True) if r[1] and str(r[1]).startswith("数据封存")]
    assert new in log[-1] and newer in log[-1] and "重新封存" in log[-1]


def test_a_sealed_book_is_assigned_once(tmp_path, capsys):
    """Sealed, then assigned with the number called out: assigning again (another number, in place
    or to another file) was allowed without a word — another draw of the classes from the same
    sealed data. Now refused unless forced with a reason, which the log keeps; after a new seal
    (a correction), the next run is the run of that seal."""
    src, code = _sealed(tmp_path, capsys)
    assert main(["assign", str(src), "--seed", "3721", "--source", "家长代表报数"]) == 0
    before = sha(src)
    for extra in ([], ["-o", str(tmp_path / "另一份.xlsx")]):
        capsys.readouterr()
        assert main(["assign", str(src), "--seed", "1234", *extra]) == 1
        text = capsys.readouterr().out
        assert "封存后已经编过班" in text and "--force" in text
        assert sha(src) == before and not (tmp_path / "另一份.xlsx").exists()
    assert main(["assign", str(src), "--seed", "1234", "--force", "--reason", "报数录入错误，监督人员同意"]) == 0
    log = [r[1] for r in load_workbook(src)["编班记录"].iter_rows(values_only=True) if r[1]]
    assert any(str(x).startswith("封存后再次编班；原因：报数录入错误") for x in log)


def test_check_says_a_sealed_book_was_changed_before_the_number_is_called(tmp_path, capsys):
    """检查数据 on a sealed book changed since: it said '检查通过' (the list showed 已封存) and the
    refusal came only after the number was called and typed twice."""
    src, code = _sealed(tmp_path, capsys)
    assert main(["check", str(src)]) == 0
    wb = load_workbook(src)
    wb["学生名单"]["H5"] = 99 if wb["学生名单"]["H5"].value != 99 else 98
    wb.save(src)
    capsys.readouterr()
    assert main(["check", str(src)]) == 1
    text = capsys.readouterr().out
    assert f"封存时的输入核验码是 {code}" in text and "这样编班会被拒绝" in text and "重新“数据封存”" in text
