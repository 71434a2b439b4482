"""`bianban doctor`: the checks that can run here (the Windows registry and Mark-of-the-Web looks
run only on Windows; the Wine test in test_bundle.py runs --fix inside the installed tree)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bianban_xl.book.vba_project import conf_sheet_value, module_sources, xlwings_module_version
from bianban_xl.cli.main import main
from bianban_xl.install import doctor, xlwings_config

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_template.xlsm"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_module_sources_equal_an_independent_reader():
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser("t.xlsm", data=TEMPLATE.read_bytes())
    theirs = {name.rsplit(".", 1)[0]: code for (_, _, name, code) in parser.extract_macros()}
    parser.close()
    ours = module_sources(TEMPLATE)
    assert set(ours) == set(theirs)
    for name in ours:
        assert ours[name].replace("\r\n", "\n").strip() == theirs[name].replace("\r\n", "\n").strip(), name


def test_template_module_matches_installed_xlwings(capsys):
    import xlwings

    assert xlwings_module_version(TEMPLATE) == xlwings.__version__
    assert main(["doctor", str(TEMPLATE)]) == 0
    out = capsys.readouterr().out
    assert f"xlwings 宏模块 {xlwings.__version__} 与安装的 xlwings 一致" in out and "诊断完成：一切正常" in out


def test_a_workbook_with_another_xlwings_module_is_a_problem(tmp_path, capsys):
    pyopenvba = pytest.importorskip("pyopenvba")
    book = tmp_path / "旧版.xlsm"
    shutil.copy(TEMPLATE, book)
    with pyopenvba.ExcelFile(str(book)) as xf:
        module = xf.vba_project().get_module("xlwings")
        module.body = re.sub(r'XLWINGS_VERSION As String = "[^"]+"', 'XLWINGS_VERSION As String = "0.30.0"', module.body)
        xf.save()
    assert xlwings_module_version(book) == "0.30.0"
    assert main(["doctor", str(book)]) == 1
    out = capsys.readouterr().out
    assert "0.30.0 版" in out and "处理办法" in out


def test_a_workbook_without_macros_is_a_problem(tmp_path, capsys):
    book = tmp_path / "无宏.xlsx"
    assert main(["template", str(book)]) == 0
    capsys.readouterr()
    assert main(["doctor", str(book)]) == 1
    assert "没有 xlwings 的宏模块" in capsys.readouterr().out


def test_missing_book_is_named(capsys):
    assert main(["doctor", "不存在.xlsm"]) == 1
    assert "找不到工作簿“不存在.xlsm”" in capsys.readouterr().out


def test_template_sheet_leaves_the_interpreter_to_the_user_config():
    assert conf_sheet_value(TEMPLATE, "INTERPRETER_WIN") is None
    assert conf_sheet_value(TEMPLATE, "Use UDF Server") == "False"


def test_user_config_round_trip_keeps_other_keys(tmp_path):
    conf = tmp_path / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_text('"ONEDRIVE_WIN","D:\\\\云盘"\r\n"INTERPRETER_WIN","pythonw"\r\n', encoding="utf-8")
    xlwings_config.write_user_config({"interpreter_win": r"C:\Users\张老师\AppData\Local\Programs\均衡编班\Python\pythonw.exe"}, conf)
    values = xlwings_config.read_user_config(conf)
    assert values["INTERPRETER_WIN"].endswith(r"均衡编班\Python\pythonw.exe")
    assert values["ONEDRIVE_WIN"] == "D:\\\\云盘"
    lines = conf.read_bytes().split(b"\r\n")
    assert lines[1].startswith(b'"INTERPRETER_WIN","C:\\Users\\')


def test_doctor_runs_without_the_engine():
    """The installer runs `python -m bianban_xl.install.doctor --fix` where numpy may not load."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['numpy'] = None; "
            "from bianban_xl.install.doctor import main; sys.exit(main(['--quiet']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stderr
    assert "诊断完成" in proc.stdout
