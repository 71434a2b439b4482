"""A seed called out with leading zeros ("0012"): the supervisor finds 0012 on every record and
printed page, while the classes, the draw and the verification are those of seed 12."""
import pytest
from openpyxl import load_workbook

from bianban_xl.cli.cmd_steps import ask_seed_twice
from bianban_xl.cli.main import main
from bianban_xl.excel import live_book
from bianban_xl.model.problems import UserError
from bianban_xl.ui.steps import typed_seed

from conftest import write_book
from onsite_helpers import TEACHERS, kv, roster_classes


def test_typed_twice_the_zeros_must_agree_too(capsys):
    answers = iter(["0012", "12", "0012", "0012"])
    seed, _ = ask_seed_twice(lambda prompt: next(answers))
    assert str(seed) == "0012" and "不一致（0012 和 12 只差前面的 0" in capsys.readouterr().out


def _summary_texts(path) -> str:
    return " ".join(str(v) for row in load_workbook(path)["编班汇总"].iter_rows(values_only=True) for v in row if v)


def test_record_and_paper_show_the_seed_as_called(tmp_path, capsys):
    src = write_book(tmp_path / "输入.xlsx", extra_sheets={"教师名单": TEACHERS})
    zeros, bare = tmp_path / "零.xlsx", tmp_path / "无零.xlsx"
    assert main(["assign", str(src), "-o", str(zeros), "--seed", "0012"]) == 0
    assert "随机种子 0012（命令行指定）" in capsys.readouterr().out
    assert main(["assign", str(src), "-o", str(bare), "--seed", "12"]) == 0
    assert roster_classes(zeros) == roster_classes(bare)                 # the same seed
    rec = kv(load_workbook(zeros)["编班记录"])
    assert rec["随机种子"] == "0012"
    assert any("随机种子 0012（" in str(v) for row in load_workbook(zeros)["编班记录"].iter_rows(values_only=True)
               for v in row if v)                                        # the chained run log
    assert "随机种子 0012" in _summary_texts(zeros)                     # the certificate
    capsys.readouterr()
    assert main(["verify", str(zeros)]) == 0
    assert "用记录的随机种子 0012 重新运行" in capsys.readouterr().out
    # 抽签 with a called 007: recorded and printed as called, same draw as 7, verified
    assert main(["draw", str(zeros), "--seed", "007"]) == 0
    assert "随机种子 007" in capsys.readouterr().out
    assert main(["draw", str(bare), "--seed", "7"]) == 0
    draws = [kv(load_workbook(p)["抽签记录"]) for p in (zeros, bare)]
    assert draws[0]["随机种子"] == "007" and draws[1]["随机种子"] == "7"
    heads = [[r for r in load_workbook(p)["抽签记录"].iter_rows(values_only=True) if r and str(r[0]).isdigit()]
             for p in (zeros, bare)]
    assert heads[0] == heads[1]
    capsys.readouterr()
    assert main(["verify", str(zeros)]) == 0
    assert "抽签检查通过" in capsys.readouterr().out



def test_the_browser_form_wants_the_zeros_twice_too():
    with pytest.raises(UserError) as exc:
        typed_seed({"digits": "0012", "digits2": "12"}, "没有抽签", "由电脑随机抽取")
    assert "只差前面的 0" in exc.value.report.errors[0].text()
    assert str(typed_seed({"digits": "0012", "digits2": "00 12"}, "没有抽签", "由电脑随机抽取")) == "0012"


class _Box:
    """The Excel input box as live_book asks through it: answers in turn, prompts kept."""

    def __init__(self, answers):
        self.answers, self.prompts = iter(answers), []

    def ask(self, prompt, title="", default=""):
        self.prompts.append(prompt)
        return next(self.answers)

    def confirm(self, text):
        return False


def test_the_excel_box_wants_the_zeros_twice_too():
    box = _Box(["0012", "12", "0012", "0012"])
    assert str(live_book._ask_room_seed(box)) == "0012"
    assert "两遍输入不一致（0012 和 12 只差前面的 0" in box.prompts[2]


def _params_seed(seed) -> list:
    from conftest import DEFAULT_PARAMS
    return [(k, seed if k == "随机种子" else v) for k, v in DEFAULT_PARAMS]


def test_seed_typed_as_text_in_params_kept_as_typed(tmp_path, capsys):
    """随机种子 typed as the text 0012 in 参数设置 (a text cell, or Excel's '0012): recorded and printed
    as typed — 编班记录, the run log, 编班汇总, verify's message — with the classes of seed 12. It was
    recorded as 12. A number cell (Excel keeps 12 of a typed 0012) is recorded as the 12 it holds."""
    src = write_book(tmp_path / "文本.xlsx", params=_params_seed("0012"), extra_sheets={"教师名单": TEACHERS})
    num = write_book(tmp_path / "数字.xlsx", params=_params_seed(12), extra_sheets={"教师名单": TEACHERS})
    out, out_num = tmp_path / "文本结果.xlsx", tmp_path / "数字结果.xlsx"
    assert main(["assign", str(src), "-o", str(out)]) == 0
    assert "随机种子 0012（“参数设置”中填写）" in capsys.readouterr().out
    assert main(["assign", str(num), "-o", str(out_num)]) == 0
    assert "随机种子 12（“参数设置”中填写）" in capsys.readouterr().out
    assert roster_classes(out) == roster_classes(out_num)               # the same seed: 12
    assert kv(load_workbook(out)["编班记录"])["随机种子"] == "0012"
    assert kv(load_workbook(out_num)["编班记录"])["随机种子"] == "12"
    assert any("随机种子 0012（" in str(v) for row in load_workbook(out)["编班记录"].iter_rows(values_only=True)
               for v in row if v)
    assert "随机种子 0012" in _summary_texts(out)
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    assert "用记录的随机种子 0012 重新运行" in capsys.readouterr().out
    # a book written before (the text seed recorded as 12) still verifies
    wb = load_workbook(out)
    ws = wb["编班记录"]
    cell = next(c for row in ws.iter_rows() for c in row[:1] if c.value == "随机种子")
    ws.cell(row=cell.row, column=2).value = "12"
    wb.save(tmp_path / "旧.xlsx")
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "旧.xlsx")]) == 0
    assert "用记录的随机种子 12 重新运行" in capsys.readouterr().out


def test_seed_typed_as_other_text_is_read_as_before(tmp_path, capsys):
    """Text that is a number but not digits only (12.0, typed into a text cell) is the seed 12 as it
    always was — keeping the digits as typed applies to digits only (12.0 was an internal error)."""
    src = write_book(tmp_path / "文本.xlsx", params=_params_seed("12.0"))
    assert main(["assign", str(src), "-o", str(tmp_path / "结果.xlsx")]) == 0
    assert "随机种子 12（“参数设置”中填写）" in capsys.readouterr().out
    assert main(["check", str(write_book(tmp_path / "千.xlsx", params=_params_seed("1e3")))]) == 0    # 1000, as before
    assert main(["check", str(write_book(tmp_path / "坏.xlsx", params=_params_seed("12.5")))]) == 1
    assert "“随机种子”应为非负整数" in capsys.readouterr().out


def _seed_cell(ws):
    return next(ws.cell(row=r, column=2) for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "随机种子")


def test_every_new_book_has_a_text_seed_cell(tmp_path, capsys):
    """The 随机种子 cell of every 参数设置 we create — the committed template, `bianban template`, the
    browser's 新建空白模板, `bianban demo`'s input — is a text cell ("@"), so 0012 typed there in
    Excel or WPS stays 0012 (a number cell keeps 12 of it). No validation covers the cell (a
    whole-number rule would refuse the text); the text is checked when the book is read."""
    from pathlib import Path

    from bianban_xl.demo import write_demo_input
    from bianban_xl.ui.steps import new_book

    template = Path(__file__).resolve().parents[1] / "workbook_template.xlsm"
    assert main(["template", str(tmp_path / "模板.xlsx")]) == 0
    books = [template, tmp_path / "模板.xlsx", new_book(tmp_path, "template", ""),
             write_demo_input(tmp_path / "示例.xlsx")]
    for path in books:
        ws = load_workbook(path)["参数设置"]
        cell = _seed_cell(ws)
        assert cell.number_format == "@", path.name
        assert not any(cell.coordinate in dv.sqref for dv in ws.data_validations.dataValidation), path.name


@pytest.mark.parametrize("typed, shown", [("0012", "0012"), ("12", "12"), (12, "12"), ("００１２", "0012")])
def test_seed_in_the_template_text_cell(tmp_path, capsys, typed, shown):
    """The template's text cell holding what a registrar typed: 0012 (text now), 12 as text, 12 as a
    number (older books, or a number pasted over the cell) and full-width digits all give the classes
    of seed 12, recorded as typed."""
    from bianban_xl.book.template import build_input_workbook
    from conftest import DEFAULT_PARAMS, HEADER, student_rows

    wb = build_input_workbook(n_rows=50)
    ws = wb["参数设置"]
    values = dict(DEFAULT_PARAMS, 随机种子=typed)
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value in values:
            ws.cell(row=r, column=2, value=values[ws.cell(row=r, column=1).value])
    ws = wb["学生名单"]
    for c in range(1, ws.max_column + 1):
        ws.cell(row=1, column=c).value = None
    for c, h in enumerate(HEADER, start=1):
        ws.cell(row=1, column=c, value=h)
    for r, row in enumerate(student_rows(30), start=2):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    src = tmp_path / "模板填好.xlsx"
    wb.save(src)
    num = write_book(tmp_path / "数字.xlsx", params=_params_seed(12))
    assert main(["assign", str(src), "-o", str(tmp_path / "结果.xlsx")]) == 0
    assert main(["assign", str(num), "-o", str(tmp_path / "数字结果.xlsx")]) == 0
    assert roster_classes(tmp_path / "结果.xlsx") == roster_classes(tmp_path / "数字结果.xlsx")
    assert kv(load_workbook(tmp_path / "结果.xlsx")["编班记录"])["随机种子"] == shown


@pytest.mark.parametrize("typed", ["0 012", "00 12", "12a"])
def test_seed_text_that_is_no_number_gets_the_chinese_message(tmp_path, capsys, typed):
    """Text in the seed cell with a space inside or a letter: the Chinese message naming the cell,
    exit 1, the book untouched — as before the cell was text."""
    from conftest import sha

    src = write_book(tmp_path / "文本.xlsx", params=_params_seed(typed))
    before = sha(src)
    assert main(["assign", str(src), "-o", str(tmp_path / "结果.xlsx")]) == 1
    out = capsys.readouterr().out
    assert f"工作表“参数设置”、B6：“随机种子”应为非负整数，现在是“{typed}”" in out and "Traceback" not in out
    assert sha(src) == before and not (tmp_path / "结果.xlsx").exists()
