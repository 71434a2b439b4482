"""数据封存 and 自动编班 on a sealed workbook in `bianban ui`, through the Flask test client: the
same service calls as `bianban seal` / `bianban assign`, the 输入核验码 shown large with its print
view, the room's digits typed twice (a mismatch writes nothing), the computer seed only when
ticked, and the same classes as `bianban assign --seed N` on a copy."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import write_book
from onsite_helpers import kv

from bianban_xl.cli.main import main
from bianban_xl.onsite.state import SOURCE_COMPUTER
from bianban_xl.service import assign_file, lock_file, verify_file
from bianban_xl.ui import steps
from bianban_xl.ui.app import create_app

TOKEN = "test-token"


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "均衡编班"
    d.mkdir()
    return d


@pytest.fixture
def client(folder):
    return create_app(folder, TOKEN).test_client()


def step(client, name: str, timeout: float = 120, **form) -> dict:
    """POST a step and wait for its job; the job's JSON (or the refusal's JSON)."""
    return _finished(client, client.post(f"/api/step/{name}?t={TOKEN}", data=form).get_json(), timeout)


def _finished(client, j: dict, timeout: float) -> dict:
    """The job's final JSON once it is done (or ``j`` itself when the request was refused)."""
    if "job" not in j:
        return j
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        jj = client.get(f"/api/job/{j['job']}?t={TOKEN}").get_json()
        if jj["done"]:
            return jj
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def record(path: Path) -> dict:
    return kv(load_workbook(path, read_only=True)["编班记录"])


def test_seal_button_shows_the_input_code_like_the_cli(client, folder, tmp_path):
    src = write_book(folder / "输入.xlsx")
    cli_copy = shutil.copy(src, tmp_path / "命令行.xlsx")
    assert main(["seal", str(cli_copy)]) == 0
    cli_code = kv(load_workbook(cli_copy)["数据封存"])["输入核验码"]

    labels = [label for _, label, _ in steps.BUTTONS]
    assert labels.index("数据封存") == labels.index("自动编班") - 1
    page = client.get(f"/?t={TOKEN}").get_data(as_text=True)
    assert page.index('data-step="seal"') < page.index('data-step="assign"')
    assert steps.COMPUTER_SEED_LABEL in page and 'id="panel-assign"' in page

    done = step(client, "seal", file="输入.xlsx")
    assert done["ok"], done["html"]
    assert f'<p class="bigcode" id="input-code">{cli_code}</p>' in done["html"]
    assert "/view/seal?file=" in done["html"] and "数据封存单（打印签字）" in done["html"]
    assert kv(load_workbook(src)["数据封存"])["输入核验码"] == cli_code      # written into the workbook
    assert list((folder / "备份").glob("输入.备份-*.xlsx"))                   # after a backup copy
    files = client.get(f"/api/files?t={TOKEN}").get_json()["files"]
    assert [(f["name"], f["state"], f["sealed"]) for f in files] == [("输入.xlsx", "已封存", True)]

    view = client.get(f"/view/seal?file=输入.xlsx&t={TOKEN}").get_data(as_text=True)
    assert f'<p class="bigcode">输入核验码：{cli_code}</p>' in view and '<p class="sign">监督人员签字：__' in view
    assert "print-portrait.css" in view
    # the button again, nothing changed: the same code shown, the signed sheet kept
    sheet = kv(load_workbook(src)["数据封存"])
    again = step(client, "seal", file="输入.xlsx")
    assert again["ok"], again["html"]
    assert f'<p class="bigcode" id="input-code">{cli_code}</p>' in again["html"] and "没有变化" in again["html"]
    assert kv(load_workbook(src)["数据封存"]) == sheet
    # before sealing, the print view says which button makes it
    write_book(folder / "未封存.xlsx")
    view = client.get(f"/view/seal?file=未封存.xlsx&t={TOKEN}").get_data(as_text=True)
    assert "还没有“数据封存”" in view and "请先点击“数据封存”" in view


def test_seal_refused_on_a_locked_book_with_the_cli_message(client, folder, tmp_path, capsys):
    src = write_book(tmp_path / "输入.xlsx")
    book = folder / "结果.xlsx"
    assign_file(src, book, seed=5)
    lock_file(book, reason="公示期满")
    cli_copy = shutil.copy(book, tmp_path / "命令行.xlsx")
    capsys.readouterr()
    assert main(["seal", str(cli_copy)]) == 1
    cli_says = capsys.readouterr().out
    before = snapshot(folder)
    done = step(client, "seal", file="结果.xlsx")
    assert not done["ok"]
    message = next(line for line in cli_says.splitlines() if "锁定" in line)
    problem = message.split("] ", 1)[-1].split(" 处理办法")[0].split("：", 1)[-1]
    assert problem and problem in done["html"], (problem, done["html"])
    assert snapshot(folder) == before


def test_sealed_assign_takes_the_digits_typed_twice(client, folder, tmp_path):
    src = write_book(folder / "输入.xlsx")
    assert step(client, "seal", file="输入.xlsx")["ok"]
    code = kv(load_workbook(src)["数据封存"])["输入核验码"]
    cli_copy = shutil.copy(src, tmp_path / "命令行.xlsx")
    before = snapshot(folder)
    refusals = (({"room": "1", "digits": "3721", "digits2": "3712"}, "两次输入的数字不一致"),
                ({"room": "1", "digits": "", "digits2": ""}, "没有输入现场报的数字"),
                ({"room": "1", "digits": "37a1", "digits2": "37a1"}, "不是一串数字"),
                ({"room": "1", "digits": "3721", "digits2": "3721", "computer": "1"}, "二者选一"),
                ({}, "数据已封存"))              # the page's list was stale: no form was shown
    for form, text in refusals:
        done = step(client, "assign", file="输入.xlsx", **form)
        assert not done["ok"] and text in done["html"] and "没有编班" in done["html"], (form, done["html"])
    assert snapshot(folder) == before              # nothing written, no result file, no backup

    done = step(client, "assign", file="输入.xlsx", room="1", digits="３７ ２１", digits2="3721")
    assert done["ok"] and "随机种子 3721" in done["html"], done["html"]
    result = folder / "输入_编班结果.xlsx"
    assert done["select"] == result.name and src.read_bytes() == before["输入.xlsx"]
    rec = record(result)
    assert rec["随机种子"] in (3721, "3721")
    assert rec["种子来源"] == steps.ASSIGN_SEED_SOURCE
    assert rec["封存核验码"].startswith(code)
    assert verify_file(result).ok

    # the same classes as the command line with the same seed on a copy of the sealed input
    cli_out = tmp_path / "命令行_结果.xlsx"
    assert main(["assign", str(cli_copy), "-o", str(cli_out), "--seed", "3721"]) == 0
    assert record(cli_out)["结果指纹"] == rec["结果指纹"] and record(cli_out)["结果核验码"] == rec["结果核验码"]
    assert rec["结果核验码"] in done["html"]


def test_sealed_assign_computer_seed_only_when_ticked(client, folder):
    write_book(folder / "输入.xlsx")
    assert step(client, "seal", file="输入.xlsx")["ok"]
    done = step(client, "assign", file="输入.xlsx", room="1", digits="", digits2="", computer="1")
    assert done["ok"], done["html"]
    rec = record(folder / "输入_编班结果.xlsx")
    assert rec["种子来源"] == SOURCE_COMPUTER
    assert "未经现场报数" in done["html"]


def test_unsealed_assign_unchanged(client, folder):
    """Without 数据封存 the button assigns at once with 参数设置's seed (or the computer's), as before."""
    write_book(folder / "输入.xlsx")
    files = client.get(f"/api/files?t={TOKEN}").get_json()["files"]
    assert [(f["state"], f["sealed"]) for f in files] == [("未编班", False)]
    done = step(client, "assign", file="输入.xlsx")
    assert done["ok"] and "编班完成" in done["html"]
    assert record(folder / "输入_编班结果.xlsx")["种子来源"] != steps.ASSIGN_SEED_SOURCE


def test_forced_reassign_of_a_sealed_drawn_book_asks_for_the_digits(client, folder):
    """The 强制重新编班 form on a sealed book carries the digits fields too."""
    write_book(folder / "输入.xlsx")
    assert step(client, "seal", file="输入.xlsx")["ok"]
    assert step(client, "assign", file="输入.xlsx", room="1", digits="11", digits2="11")["ok"]
    result = "输入_编班结果.xlsx"
    assert step(client, "lock", file=result, reason="公示期满")["ok"]
    done = step(client, "assign", file=result)
    assert not done["ok"] and 'class="panel force"' in done["html"] and 'name="digits2"' in done["html"]
    before = snapshot(folder)
    done = step(client, "assign", file=result, force="1", reason="经批准", room="1", digits="12", digits2="21")
    assert not done["ok"] and "不一致" in done["html"] and snapshot(folder) == before
    done = step(client, "assign", file=result, force="1", reason="经批准", room="1", digits="12", digits2="12")
    assert done["ok"], done["html"]
    assert record(folder / result)["随机种子"] in (12, "12")


def district(client, name: str, timeout: float = 180, **form) -> dict:
    return _finished(client, client.post(f"/api/district/{name}?t={TOKEN}", data=form).get_json(), timeout)


def test_batch_with_a_seeds_table(client, folder, tmp_path):
    """全区模式 批量编班: a sealed school is refused without a seed, and assigned with the digits of
    the 种子表 chosen on the page (as ``bianban batch --seeds``); unsealed schools as before."""
    from openpyxl import Workbook

    from bianban_xl.service import seal_file

    schools = folder / "各校"
    schools.mkdir()
    sealed = write_book(schools / "甲校.xlsx")
    write_book(schools / "乙校.xlsx")
    seal_file(sealed)
    shutil.rmtree(schools / "备份")
    cli_copy = shutil.copy(sealed, tmp_path / "甲校_命令行.xlsx")
    page = client.get(f"/?t={TOKEN}").get_data(as_text=True)
    assert 'id="seeds-file"' in page

    done = district(client, "batch", folder="各校")
    assert not done["ok"] and "成功 1，失败 1" in done["html"] and "种子表" in done["html"]
    assert "甲校.xlsx" in done["html"] and "封存" in done["html"]

    wb = Workbook()
    wb.active.append(["学校", "随机种子", "种子来源"])
    wb.active.append(["甲校", "3721", "家长代表报数"])
    wb.save(folder / "种子表.xlsx")
    bad = district(client, "batch", folder="各校", seeds="../种子表.xlsx")
    assert bad["ok"] is False and "工作文件夹" in bad["html"]
    done = district(client, "batch", folder="各校", seeds="种子表.xlsx")
    assert done["ok"] and "成功 2，失败 0" in done["html"] and "种子表：种子表.xlsx" in done["html"], done["html"]
    out = folder / "各校_编班结果(2)" / "甲校.xlsx"
    rec = record(out)
    assert str(rec["随机种子"]) == "3721" and "家长代表报数" in rec["种子来源"] and "种子表" in rec["种子来源"]
    cli_out = tmp_path / "甲校_结果.xlsx"
    assert main(["assign", str(cli_copy), "-o", str(cli_out), "--seed", "3721"]) == 0
    assert record(cli_out)["结果指纹"] == rec["结果指纹"]


def test_draw_print_view_shows_the_result_code_large(client, folder):
    from onsite_helpers import assigned

    from bianban_xl.service import draw_file

    result = assigned(folder)
    draw_file(result, seed=5)
    code = record(result)["结果核验码"]
    view = client.get(f"/view/draw?file={result.name}&t={TOKEN}").get_data(as_text=True)
    assert f'<p class="bigcode">结果核验码：{code}</p>' in view
    assert '<p class="sign">监督人员签字：__' in view and '<p class="sign">家长代表签字：__' in view


def _count_reads(monkeypatch, path: Path) -> list:
    """Every read of ``path`` by any reader (the zip reader or openpyxl, through book.read)."""
    from bianban_xl.book import read as book_read

    reads, real = [], book_read.read_for_update

    def counted(p, fast=True):
        if Path(p).resolve() == path.resolve():
            reads.append(p)
        return real(p, fast)

    monkeypatch.setattr(book_read, "read_for_update", counted)
    return reads


def test_the_pre_check_and_the_step_read_the_workbook_once(client, folder, tmp_path, monkeypatch):
    """自动编班 on a sealed book: the page's pre-check (/api/can/assign) and the step read the file
    once between them (it was read four times: the pre-check's state and checks, the step's state
    and the run), with the classes of `bianban assign --seed` on a copy."""
    from onsite_helpers import roster_classes

    src = write_book(folder / "输入.xlsx")
    assert step(client, "seal", file="输入.xlsx")["ok"]
    cli_copy = shutil.copy(src, tmp_path / "命令行.xlsx")
    assert main(["assign", str(cli_copy), "-o", str(tmp_path / "命令行结果.xlsx"), "--seed", "3721"]) == 0
    reads = _count_reads(monkeypatch, src)
    assert client.post(f"/api/can/assign?t={TOKEN}", data={"file": "输入.xlsx"}).get_json()["ok"]
    done = step(client, "assign", file="输入.xlsx", room="1", digits="3721", digits2="3721")
    assert done["ok"], done["html"]
    assert len(reads) == 1, reads
    assert roster_classes(folder / "输入_编班结果.xlsx") == roster_classes(tmp_path / "命令行结果.xlsx")


def test_the_draw_pre_check_and_the_draw_read_the_workbook_once(client, folder, monkeypatch):
    """班主任抽签: the pre-check (/api/can/draw) and the draw read the result once (it was twice)."""
    from ui_helpers import write_demo_with_teachers

    src = write_demo_with_teachers(folder / "a.xlsx")
    result = folder / "a_结果.xlsx"
    assert main(["assign", str(src), "-o", str(result), "--seed", "5"]) == 0
    assert main(["teachers", str(result)]) == 0
    reads = _count_reads(monkeypatch, result)
    j = client.post(f"/api/can/draw?t={TOKEN}", data={"file": "a_结果.xlsx"}).get_json()
    assert j["ok"] and j["notice"] == "", j
    done = step(client, "draw", file="a_结果.xlsx", digits="7", digits2="7")
    assert done["ok"], done["html"]
    assert len(reads) == 1, reads
    assert kv(load_workbook(result, read_only=True)["抽签记录"])["随机种子"] == "7"


def test_a_file_changed_after_the_pre_check_is_read_again(client, folder, monkeypatch):
    """Saved again between the pre-check and the step (the registrar fixed a cell in WPS): the step
    reads the file as it is now, not the pre-check's copy."""
    src = write_book(folder / "输入.xlsx")
    reads = _count_reads(monkeypatch, src)
    assert client.post(f"/api/can/assign?t={TOKEN}", data={"file": "输入.xlsx"}).get_json()["ok"]
    wb = load_workbook(src)
    wb["参数设置"]["B2"] = "改过的中学"                       # the registrar fixes the school name and saves
    wb.save(src)
    done = step(client, "assign", file="输入.xlsx")
    assert done["ok"], done["html"]
    assert len(reads) == 2
    assert load_workbook(folder / "输入_编班结果.xlsx")["参数设置"]["B2"].value == "改过的中学"
