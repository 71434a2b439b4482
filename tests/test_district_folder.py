"""`bianban district` on a folder as a district officer receives it: the same school's result sent
twice (a copy, or a second run), read through the command line."""
from __future__ import annotations

import shutil

from openpyxl import load_workbook

from bianban_xl.cli import main as cli
from bianban_xl.district.check import district_check
from bianban_xl.service import assign_file, seal_file
from conftest import school_input



def test_one_school_sent_twice_is_flagged(tmp_path, capsys):
    """Before: 城关中学 assigned twice (seeds 1 and 2) and sent as two files, and 石桥中学 sent twice
    as the same file — all four 合格, each school counted twice, nothing said."""
    root = tmp_path / "报送"
    a = school_input(tmp_path / "in" / "城关中学.xlsx", "城关中学", 1)
    b = school_input(tmp_path / "in" / "石桥中学.xlsx", "石桥中学", 2)
    c = school_input(tmp_path / "in" / "河口中学.xlsx", "河口中学", 3)
    assign_file(a, root / "城区" / "城关中学.xlsx", seed=1)
    assign_file(a, root / "城区" / "城关中学-重新编班.xlsx", seed=2)
    assign_file(b, root / "乡镇" / "石桥中学.xlsx", seed=3)
    (root / "邮件附件").mkdir()
    shutil.copy(root / "乡镇" / "石桥中学.xlsx", root / "邮件附件" / "石桥中学(1).xlsx")
    assign_file(c, root / "乡镇" / "河口中学.xlsx", seed=4)
    rc = cli.main(["district", str(root), "-o", str(tmp_path / "汇总.xlsx"), "--jobs", "1"])
    text = capsys.readouterr().out
    assert rc == 1, text
    assert "不合格 0，需核查 4，合格 1" in text, text
    assert "“城区/城关中学-重新编班.xlsx”（结果核验码" in text and "结果核验码不同" in text, text
    assert "“邮件附件/石桥中学(1).xlsx”也是石桥中学" in text and "结果核验码相同" in text, text
    wb = load_workbook(tmp_path / "汇总.xlsx")
    for ws in wb:        # the title, not merged (frozen panes), was centred in narrow column A: its start was cut off
        assert ws["A1"].alignment.horizontal in (None, "left", "general") or "A1" in ws.merged_cells, ws.title
    rows = {r[1]: (r[2], r[21]) for r in wb["学校汇总"].iter_rows(min_row=5, values_only=True)}
    assert rows["乡镇/河口中学.xlsx"][0] == "合格"
    for rel in ("城区/城关中学.xlsx", "城区/城关中学-重新编班.xlsx", "乡镇/石桥中学.xlsx", "邮件附件/石桥中学(1).xlsx"):
        assert rows[rel][0] == "需核查" and "也是" in rows[rel][1], rows[rel]


def test_an_empty_folder_is_said_to_be_empty(tmp_path, capsys):
    """A mistyped or wrong folder: district said '核查完成：0 个文件，不合格 0 … 合格 0', wrote an empty
    overview and exited 0 (all well); batch wrote an empty 批量编班结果.xlsx into a new folder and exited 0."""
    (tmp_path / "各校").mkdir()
    (tmp_path / "各校" / "子文件夹").mkdir()
    rc = cli.main(["district", str(tmp_path / "各校"), "-o", str(tmp_path / "汇总.xlsx")])
    text = capsys.readouterr().out
    assert rc == 1 and "中没有任何学校的文件" in text and "请检查文件夹是否选对" in text, text
    (tmp_path / "各校" / "子文件夹" / "名单说明.txt").write_text("见附件", encoding="utf-8")
    rc = cli.main(["batch", str(tmp_path / "各校"), "-o", str(tmp_path / "结果")])
    text = capsys.readouterr().out
    assert rc == 1 and "没有 Excel 工作簿（.xlsx / .xlsm），只有 1 个其他文件：子文件夹/名单说明.txt" in text, text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["各校"]


def test_batch_names_two_input_files_of_one_school(tmp_path, capsys):
    """An old copy of a school's input left in another sub-folder: both were assigned, each 成功,
    and nothing said that one school now had two different results. Two grades of one 九年一贯制
    school are two inputs, not a duplicate."""
    src = tmp_path / "各校"
    school_input(src / "城区" / "城关中学.xlsx", "城关中学", 1)
    shutil.copy(src / "城区" / "城关中学.xlsx", tmp_path / "旧.xlsx")
    (src / "旧版").mkdir()
    shutil.copy(tmp_path / "旧.xlsx", src / "旧版" / "城关中学.xlsx")
    school_input(src / "城关学校-初一.xlsx", "城关学校", 2)
    other = school_input(src / "城关学校-一年级.xlsx", "城关学校", 3)
    wb = load_workbook(other)
    for row in wb["参数设置"].iter_rows(min_row=2):
        if row[0].value == "年级":
            row[1].value = "2026级一年级"
    wb.save(other)
    rc = cli.main(["batch", str(src), "-o", str(tmp_path / "结果"), "--jobs", "1"])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "同一所学校有不止一个输入文件" in text and "● 城区/城关中学.xlsx（城关中学" in text and "也见于：旧版/城关中学.xlsx" in text, text
    assert "城关学校" not in text.split("同一所学校有不止一个输入文件")[1], text
    rows = {r[1]: r[9] for r in load_workbook(tmp_path / "结果" / "批量编班结果.xlsx").active.iter_rows(min_row=4, values_only=True) if r[1]}
    assert rows["旧版/城关中学.xlsx"].startswith("[提醒] “城区/城关中学.xlsx”也是城关中学"), rows


def test_district_output_that_is_a_folder(tmp_path, capsys):
    """-o 结果 (an existing folder) was told '扩展名应为 .xlsx', as if a file name lacked its extension."""
    root = tmp_path / "报送"
    assign_file(school_input(tmp_path / "in" / "一中.xlsx", "一中", 1), root / "一中.xlsx", seed=1)
    (tmp_path / "结果").mkdir()
    assert cli.main(["district", str(root), "-o", str(tmp_path / "结果"), "--jobs", "1"]) == 1
    text = capsys.readouterr().out
    assert "是一个文件夹，不是文件" in text and "全区汇总表.xlsx" in text and "扩展名" not in text, text
    assert list((tmp_path / "结果").iterdir()) == []


def test_the_overview_says_where_each_seed_came_from(tmp_path):
    """A school that sealed its data and took the number called out in the room, and one that let
    the computer draw the seed without sealing, looked the same in 学校汇总 (both 合格, a seed each):
    the officer could not see which runs were witnessed."""
    root = tmp_path / "报送"
    a = school_input(tmp_path / "in" / "一中.xlsx", "一中", 1)
    seal_file(a)
    assign_file(a, root / "一中.xlsx", seed=3721, seed_source="家长代表报数")
    assign_file(school_input(tmp_path / "in" / "二中.xlsx", "二中", 2), root / "二中.xlsx", computer_seed=True)
    district_check(root, tmp_path / "汇总.xlsx", jobs=1)
    ws = load_workbook(tmp_path / "汇总.xlsx")["学校汇总"]
    col = [c.value for c in ws[4]].index("种子来源 / 封存") + 1
    shown = {ws.cell(r, 4).value: ws.cell(r, col).value for r in range(5, ws.max_row + 1)
             if isinstance(ws.cell(r, 1).value, int)}       # the school rows (notes follow the table)
    assert shown == {"一中": "家长代表报数；已封存", "二中": "电脑随机抽取（未经现场报数）；未封存"}, shown


def test_batch_output_among_the_inputs_is_refused(tmp_path, capsys):
    """-o 各校/城区 (a sub-folder holding schools' inputs): those schools were taken for results and
    left out without a word; -o 各校 (the input folder itself) reported '1 个工作簿' for a folder of many."""
    src = tmp_path / "各校"
    for name, seed in (("城区/一中", 1), ("城区/二中", 2), ("乡镇/三中", 3)):
        school_input(src / f"{name}.xlsx", name.split("/")[1], seed)
    for out, words in ((src, "就是存放各校输入工作簿的文件夹"), (src / "城区", "其中有 2 个还没有编班的工作簿（一中.xlsx、二中.xlsx）")):
        before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
        assert cli.main(["batch", str(src), "-o", str(out), "--jobs", "1"]) == 1
        text = capsys.readouterr().out
        assert words in text and "-o 各校-编班结果" in text, text
        assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == before
    assert cli.main(["batch", str(src), "-o", str(src / "结果"), "--jobs", "1"]) == 0      # a new folder inside: fine
    assert cli.main(["batch", str(src), "-o", str(src / "结果"), "--jobs", "1"]) == 0      # and again (results only)
    assert "保留上次的结果 3" in capsys.readouterr().out


def test_an_earlier_overview_in_the_folder_is_not_a_school(tmp_path, capsys):
    """An earlier overview saved into the folder as 汇总-上次.xlsx was checked as a school and told to
    '请学校用本软件编班后重新报送结果文件' (需核查, exit 1 for ever)."""
    root = tmp_path / "报送"
    assign_file(school_input(tmp_path / "in" / "一中.xlsx", "一中", 1), root / "一中.xlsx", seed=1)
    assert cli.main(["district", str(root), "-o", str(tmp_path / "汇总.xlsx"), "--jobs", "1"]) == 0
    shutil.copy(tmp_path / "汇总.xlsx", root / "汇总-上次.xlsx")
    assert cli.main(["district", str(root), "-o", str(tmp_path / "汇总.xlsx"), "--jobs", "1"]) == 0
    text = capsys.readouterr().out
    assert "核查完成：1 个文件" in text and "未核查 1 个本软件生成的汇总表（不是学校的结果）：汇总-上次.xlsx" in text, text
