"""`bianban draw` reads the workbook once: the checks before the number is called and the draw
use the same read — unless the file changed while the number was typed, then it is read again."""
from openpyxl import load_workbook

from bianban_xl.book import read as book_read
from bianban_xl.cli import cmd_steps as cli
from bianban_xl.cli.main import main

from onsite_helpers import assigned, kv


def _counting(monkeypatch) -> list:
    reads = []
    real = book_read.read_for_update

    def counted(path, fast=True):
        reads.append(path)
        return real(path, fast)
    monkeypatch.setattr(book_read, "read_for_update", counted)
    return reads


def test_draw_reads_the_workbook_once(tmp_path, monkeypatch):
    book = assigned(tmp_path)
    reads = _counting(monkeypatch)
    assert main(["draw", str(book), "--seed", "3721"]) == 0
    assert len(reads) == 1
    assert kv(load_workbook(book)["抽签记录"])["随机种子"] == "3721"


def test_a_file_changed_while_the_number_is_typed_is_read_again(tmp_path, monkeypatch):
    book = assigned(tmp_path)
    reads = _counting(monkeypatch)
    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: True, raising=False)

    def typed(prompt=""):                     # meanwhile someone saves the book with 教师名单 changed
        wb = load_workbook(book)
        wb["教师名单"]["H2"] = 93
        wb.save(book)
        return "3721"
    monkeypatch.setattr("builtins.input", typed)
    assert main(["draw", str(book)]) == 0
    assert len(reads) == 2
    wb = load_workbook(book)
    assert wb["教师名单"]["H2"].value == 93 and kv(wb["抽签记录"])["随机种子"] == "3721"
