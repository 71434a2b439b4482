"""`bianban batch`: every school's input workbook assigned in one go, failures collected, not fatal."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook, Workbook

from bianban_xl.cli import main as cli
from bianban_xl.district.batch import BATCH_SUMMARY, batch_assign
from bianban_xl.service import seal_file, verify_file
from bianban_xl.synth import generate_school
from bianban_xl.book.template import fill_input_workbook
from bianban_xl.book.workbook_file import save_atomic


def _school(path: Path, n: int, k: int, seed: int, **kw) -> Path:
    r = generate_school(n, k, seed=seed, n_schools=5, school_name=path.stem, **kw)
    r.params.seed = None
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(fill_input_workbook(r, r.params), path)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("各校") / "输入"
    _school(root / "城区" / "城关中学.xlsx", 60, 2, 1)
    _school(root / "城区" / "实验中学.xlsx", 48, 2, 2)
    _school(root / "乡镇" / "石桥中学.xlsx", 40, 2, 3)
    # an input whose 班级数 was left empty: validation fails, the others go on
    bad = _school(root / "乡镇" / "河口中学.xlsx", 40, 2, 4)
    wb = load_workbook(bad)
    ws = wb["参数设置"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "班级数":
            row[1].value = None
    wb.save(bad)
    (root / "损坏.xlsx").write_bytes(b"this is not a zip file")
    (root / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0old")
    (root / "说明.txt").write_text("各校名单", encoding="utf-8")
    (root / "~$城关中学.xlsx").write_bytes(b"lock")          # Excel's lock file: ignored
    return root


@pytest.fixture(scope="module")
def batch(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("结果")
    return batch_assign(folder, out, jobs=2)


def test_every_school_done_and_failures_collected(batch, folder):
    by = {i.relative: i for i in batch.items}
    assert set(by) == {"城区/城关中学.xlsx", "城区/实验中学.xlsx", "乡镇/石桥中学.xlsx", "乡镇/河口中学.xlsx",
                       "损坏.xlsx", "旧格式.xls"}
    assert sorted(i.relative for i in batch.failures) == sorted(["乡镇/河口中学.xlsx", "损坏.xlsx", "旧格式.xls"])
    assert any("参数设置" in t and "班级数" in t for t in by["乡镇/河口中学.xlsx"].problems)
    assert "不是 Excel 工作簿" in by["损坏.xlsx"].problems[0]
    assert "旧版 .xls" in by["旧格式.xls"].problems[0] and "另存为" in by["旧格式.xls"].problems[0]
    assert [p.name for p in batch.skipped] == ["说明.txt"]
    assert batch.students == 60 + 48 + 40
    # no traceback text anywhere a user reads
    assert not any("Traceback" in t for i in batch.items for t in i.problems)


def test_outputs_mirror_the_tree_and_verify(batch):
    for it in batch.items:
        if not it.ok:
            assert it.output is None
            continue
        assert Path(it.output) == batch.out_dir / it.relative
        assert it.seed is not None and it.students > 0 and it.classes == 2
        assert verify_file(it.output).ok
    assert not (batch.out_dir / "损坏.xlsx").exists()


def test_summary_workbook_lists_failures_first(batch):
    path = batch.summary_path
    assert path == batch.out_dir / f"{BATCH_SUMMARY}.xlsx"
    ws = load_workbook(path)[BATCH_SUMMARY]
    results = [ws.cell(row=r, column=3).value for r in range(4, 4 + len(batch.items))]
    assert results == ["失败"] * 3 + ["成功"] * 3
    reasons = ws.cell(row=4, column=10).value
    assert "班级数" in reasons


def test_output_inside_input_is_not_reread(tmp_path):
    src = tmp_path / "各校"
    _school(src / "一中.xlsx", 40, 2, 7)
    first = batch_assign(src, src / "结果", jobs=1, seed=4321)
    assert [i.ok for i in first.items] == [True]
    second = batch_assign(src, src / "结果", jobs=1, seed=4321)
    assert [i.relative for i in second.items] == ["一中.xlsx"]     # 结果/ and 批量编班结果.xlsx not taken as input
    assert second.items[0].seed == 4321


def test_cli_batch_prints_failures_and_exit_code(folder, tmp_path, capsys):
    rc = cli.main(["batch", str(folder), "-o", str(tmp_path / "out"), "--jobs", "1", "--seed", "99"])
    text = capsys.readouterr().out
    assert rc == 1
    assert "成功 3，失败 3" in text
    assert "失败的学校及原因" in text and "河口中学.xlsx" in text and "班级数" in text
    assert "bianban district" in text


def test_cli_batch_missing_folder(tmp_path, capsys):
    rc = cli.main(["batch", str(tmp_path / "没有"), "-o", str(tmp_path / "out")])
    assert rc == 1
    assert "找不到文件夹" in capsys.readouterr().out


def test_help_has_chinese_examples(capsys):
    for cmd in ("batch", "district"):
        with pytest.raises(SystemExit):
            cli.main([cmd, "--help"])
        assert "示例" in capsys.readouterr().out


def _named_school(path: Path, school: str, seed: int) -> Path:
    r = generate_school(40, 2, seed=seed, n_schools=4, school_name=school)
    r.params.seed = 777                                          # typed before sealing: never used for a sealed book
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(fill_input_workbook(r, r.params), path)
    return path


def _seed_table(path: Path, rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["学校", "随机种子", "种子来源"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_sealed_books_take_each_school_seed_from_the_seeds_table(tmp_path, capsys):
    """Sealed books (数据封存) need the seed called out in the room: without a 种子表 they fail
    with what to do; with it, each school gets its own seed (matched by file name or by 学校名称),
    recorded with its source; unsealed schools work as before."""
    src = tmp_path / "各校"
    a = _named_school(src / "甲校.xlsx", "甲中学", 1)               # matched by 学校名称
    b = _named_school(src / "乙中学.xlsx", "乙中学", 2)             # matched by file name
    _named_school(src / "丙中学.xlsx", "丙中学", 3)                 # not sealed
    for p in (a, b):
        seal_file(p)
    res = batch_assign(src, tmp_path / "结果1", jobs=1)
    by = {i.relative: i for i in res.items}
    assert by["丙中学.xlsx"].ok and by["丙中学.xlsx"].seed == 777
    for rel in ("甲校.xlsx", "乙中学.xlsx"):
        text = by[rel].problems[0]
        assert not by[rel].ok and "封存" in text and "输入核验码" in text and "--seeds 种子表.xlsx" in text, text
        assert "随机种子 | 种子来源" in text and "Traceback" not in text
    table = _seed_table(src / "种子表.xlsx", [["甲中学", "3 7 2 1", "家长代表报数"], ["乙中学", 4455, None]])
    rc = cli.main(["batch", str(src), "-o", str(tmp_path / "结果2"), "--jobs", "1", "--seeds", str(table)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "成功 3，失败 0" in out                                  # the 种子表 in the folder is not a school
    for rel, seed, source in (("甲校.xlsx", "3721", "家长代表报数（批量编班种子表“种子表.xlsx”第2行）"),
                              ("乙中学.xlsx", "4455", "现场报数（批量编班种子表“种子表.xlsx”第3行）")):
        result = tmp_path / "结果2" / rel
        record = {r[0]: r[1] for r in load_workbook(result)["编班记录"].iter_rows(values_only=True) if r and r[0]}
        assert record["随机种子"] == seed and record["种子来源"] == source, record
        assert verify_file(result).ok


def test_seeds_table_errors_name_the_row(tmp_path, capsys):
    src = tmp_path / "各校"
    _named_school(src / "甲中学.xlsx", "甲中学", 1)
    table = _seed_table(tmp_path / "种子表.xlsx", [["甲中学", "三七二一", None], ["乙中学", 5, None], ["乙中学", 6, None]])
    rc = cli.main(["batch", str(src), "-o", str(tmp_path / "结果"), "--seeds", str(table)])
    out = capsys.readouterr().out
    assert rc == 1 and "第2行（甲中学）的随机种子“三七二一”不是一串数字" in out and "第4行的学校“乙中学”在第3行已经出现过" in out
    assert not (tmp_path / "结果").exists()                          # nothing assigned
    rc = cli.main(["batch", str(src), "-o", str(tmp_path / "结果"), "--seeds", str(table), "--seed", "5"])
    assert rc == 1 and "只能用一个" in capsys.readouterr().out


def test_one_seed_row_never_serves_two_files_of_one_school_name(tmp_path):
    """Two sealed files under one 学校名称 (a copied file, two 校区) and one 种子表 row for that
    name: both were assigned with that number, each record saying it was called out for it. Now
    neither is, with what to do; rows by file name still work."""
    src = tmp_path / "各校"
    for stem in ("东校区", "西校区"):
        seal_file(_named_school(src / f"{stem}.xlsx", "城关实验中学", 1))
    table = _seed_table(tmp_path / "种子表.xlsx", [["城关实验中学", 3721, "家长代表报数"]])
    res = batch_assign(src, tmp_path / "结果", jobs=1, seeds=table)
    assert [i.ok for i in res.items] == [False, False]
    text = res.items[0].problems[0]
    assert "第2行的学校名称对应 2 个文件（“东校区.xlsx”、“西校区.xlsx”）" in text and "改用文件名（东校区、西校区）" in text
    table = _seed_table(tmp_path / "种子表2.xlsx", [["东校区", 3721, None], ["西校区", 5812, None]])
    res = batch_assign(src, tmp_path / "结果2", jobs=1, seeds=table)
    assert [(i.ok, i.seed) for i in res.items] == [(True, 3721), (True, 5812)]


def test_a_seed_table_number_with_leading_zeros_is_recorded_as_called(tmp_path):
    """种子表 cells written as text “0012”: each school's 编班记录 and the 批量编班结果 sheet show
    0012 (it was 12), the classes are those of seed 12 — also through the worker processes."""
    src = tmp_path / "各校"
    for stem, n in (("甲中学", 1), ("乙中学", 2)):
        seal_file(_named_school(src / f"{stem}.xlsx", stem, n))
    table = _seed_table(tmp_path / "种子表.xlsx", [["甲中学", "0012", None], ["乙中学", "0034", None]])
    res = batch_assign(src, tmp_path / "结果", jobs=2, seeds=table)
    assert sorted((i.relative, i.ok, str(i.seed)) for i in res.items) == [("乙中学.xlsx", True, "0034"),
                                                                          ("甲中学.xlsx", True, "0012")]
    record = {r[0]: r[1] for r in load_workbook(tmp_path / "结果" / "甲中学.xlsx")["编班记录"].iter_rows(values_only=True)
              if r and r[0]}
    assert record["随机种子"] == "0012"
    summary = list(load_workbook(tmp_path / "结果" / f"{BATCH_SUMMARY}.xlsx")[BATCH_SUMMARY].iter_rows(values_only=True))
    assert ("甲中学.xlsx", "0012") in {(r[1], r[6]) for r in summary if r and len(r) > 6}
