"""`bianban district` on a folder as a district officer receives it: the same school's result sent
twice (a copy, or a second run), read through the command line."""
from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook

from bianban_xl.book.template import fill_input_workbook
from bianban_xl.book.workbook_file import save_atomic
from bianban_xl.cli import main as cli
from bianban_xl.service import assign_file
from bianban_xl.synth import generate_school


def _input(path: Path, school: str, seed: int) -> Path:
    r = generate_school(40, 2, seed=seed, n_schools=4, school_name=school)
    r.params.seed = None
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(fill_input_workbook(r, r.params), path)
    return path


def test_one_school_sent_twice_is_flagged(tmp_path, capsys):
    """Before: 城关中学 assigned twice (seeds 1 and 2) and sent as two files, and 石桥中学 sent twice
    as the same file — all four 合格, each school counted twice, nothing said."""
    root = tmp_path / "报送"
    a = _input(tmp_path / "in" / "城关中学.xlsx", "城关中学", 1)
    b = _input(tmp_path / "in" / "石桥中学.xlsx", "石桥中学", 2)
    c = _input(tmp_path / "in" / "河口中学.xlsx", "河口中学", 3)
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
    rows = {r[1]: (r[2], r[19]) for r in load_workbook(tmp_path / "汇总.xlsx")["学校汇总"].iter_rows(min_row=5, values_only=True)}
    assert rows["乡镇/河口中学.xlsx"][0] == "合格"
    for rel in ("城区/城关中学.xlsx", "城区/城关中学-重新编班.xlsx", "乡镇/石桥中学.xlsx", "邮件附件/石桥中学(1).xlsx"):
        assert rows[rel][0] == "需核查" and "也是" in rows[rel][1], rows[rel]
