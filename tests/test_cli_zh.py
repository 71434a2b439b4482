"""The command line speaks Chinese: help, usage lines and argparse's own errors; usage errors exit 1."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bianban_xl.cli.main import build_parser, main
from conftest import write_book

ENGLISH = re.compile(r"usage:|positional arguments|options:|optional arguments|show this help|"
                     r"the following arguments|invalid int|unrecognized|invalid choice|error:|expected one")
COMMANDS = [c for c in build_parser()._subparsers._group_actions[0].choices]


def _run(*args):
    return subprocess.run([sys.executable, "-m", "bianban_xl.cli.main", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def test_assign_without_arguments_is_a_chinese_usage_error():
    r = _run("assign")
    text = r.stdout + r.stderr
    assert r.returncode == 1, text
    assert "缺少必填的参数：工作簿" in text and "用法：bianban assign" in text and "bianban assign --help" in text
    assert not ENGLISH.search(text), text


def test_a_seed_that_is_not_a_number(tmp_path):
    r = _run("assign", str(tmp_path / "x.xlsx"), "--seed", "abc")
    text = r.stdout + r.stderr
    assert r.returncode == 1 and "“abc”不是整数" in text and "--seed" in text, text
    assert not ENGLISH.search(text), text


@pytest.mark.parametrize("args, words", [
    (["nosuch"], "没有“nosuch”这个命令"),
    (["check", "a.xlsx", "b.xlsx"], "无法识别的参数：b.xlsx"),
    (["batch", "dir"], "缺少必填的参数：-o"),
    (["draw", "a.xlsx", "--seed"], "后面需要跟一个值"),
])
def test_argparse_messages_in_chinese(args, words, capsys):
    assert main(args) == 1
    text = "".join(capsys.readouterr())
    assert words in text, text
    assert not ENGLISH.search(text), text


@pytest.mark.parametrize("command", [None] + COMMANDS)
def test_every_help_is_chinese_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main(([command] if command else []) + ["--help"])
    text = capsys.readouterr().out
    assert exc.value.code == 0
    assert text.startswith("用法：bianban") and "选项" in text and "显示本帮助" in text
    assert "示例" in text or "学校的流程" in text
    assert "位置参数:" not in text and "选项:" not in text                # full-width colons, as in 用法：
    if command is None:     # the overview names every step a registrar and a district officer take
        for step in ("template", "check", "seal", "assign", "verify", "teachers", "report", "batch", "district", "demo"):
            assert f"bianban {step}" in text, step
    assert not ENGLISH.search(text), text
    assert not re.search(r"\b(?!(?:CPU|WPS)\b)[A-Z]{3,}\b", text), text    # no English metavars such as OUTPUT, PORT


def test_assign_source_and_computer_seed_are_recorded(tmp_path, capsys):
    from openpyxl import load_workbook

    from conftest import write_book
    from onsite_helpers import kv

    src = write_book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    assert main(["assign", str(src), "-o", str(out), "--seed", "3721", "--source", "家长代表报数"]) == 0
    assert kv(load_workbook(out)["编班记录"])["种子来源"] == "家长代表报数"
    assert main(["assign", str(src), "-o", str(out), "--seed", "1", "--computer-seed"]) == 1
    assert "只能用一个" in capsys.readouterr().out


def test_output_into_a_closed_pipe_is_no_traceback(tmp_path):
    """`bianban check 文件 | head -1`: the reader stops, the command's next line meets a closed pipe.
    No traceback, no 'Exception ignored' at exit; exit 1."""
    src = write_book(tmp_path / "输入.xlsx")
    proc = subprocess.Popen([sys.executable, "-m", "bianban_xl.cli.main", "check", str(src)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                      # nobody reads: every print meets a closed pipe
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.wait(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in err and "Exception ignored" not in err, err


def test_verify_of_a_file_with_no_result_says_what_to_do(tmp_path, capsys):
    book = write_book(tmp_path / "名单.xlsx")
    before = book.read_bytes()
    assert main(["verify", str(book)]) == 1
    text = capsys.readouterr().out
    assert "没有“编班记录”工作表" in text and "处理办法：" in text and "bianban assign" in text, text
    assert book.read_bytes() == before


@pytest.mark.parametrize("args, words, help_of", [
    (["asign", "a.xlsx"], "没有“asign”这个命令。您是不是要输入 assign？", "bianban --help"),
    (["chek"], "您是不是要输入 check？", "bianban --help"),
    (["--verison"], "您是不是要输入 --version？", "bianban --help"),
    (["assign", "a.xlsx", "--overwirte"], "无法识别的参数：--overwirte。您是不是要输入 --overwrite？", "bianban assign --help"),
    (["check", "--foo", "a.xlsx"], "无法识别的参数：--foo。", "bianban check --help"),
    (["check", "a.xlsx", "b.xlsx"], "无法识别的参数：b.xlsx。", "bianban check --help"),
    (["bundle", "-o", "x", "--platform", "win64"], "您是不是要输入 win_amd64？可选：win_amd64、current。", "bianban bundle --help"),
    (["batch"], "缺少必填的参数：文件夹、-o 或 --output。", "bianban batch --help"),
])
def test_a_mistyped_command_or_option_names_the_closest_and_the_right_help(args, words, help_of):
    """A typo in a command or option name: the closest one is named, and an option the subcommand
    does not know is reported with that subcommand's usage and --help (it said: run bianban --help,
    with the top-level usage line, and listed the commands as 'template', 'check', …)."""
    r = _run(*args)
    text = r.stdout + r.stderr
    assert r.returncode == 1, text
    assert words in text and f"运行 {help_of} 查看" in text, text
    assert "Traceback" not in text and "'" not in text and not ENGLISH.search(text), text


@pytest.mark.parametrize("module", ["bianban_xl.ui", "bianban_xl.install.doctor"])
def test_the_other_entry_points_speak_chinese_too(module):
    """`python -m bianban_xl.ui` (the 网页界面 shortcut) and `python -m bianban_xl.install.doctor`
    (均衡编班诊断.cmd) showed argparse's English help ('show this help message') and exited 2 on a
    mistyped option ('error: unrecognized arguments')."""
    r = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("用法：python -m " + module) and "示例" in r.stdout, r.stdout
    assert not ENGLISH.search(r.stdout), r.stdout
    r = subprocess.run([sys.executable, "-m", module, "--quite"], capture_output=True, text=True, encoding="utf-8", timeout=120)
    text = r.stdout + r.stderr
    assert r.returncode == 1 and "无法识别的参数：--quite" in text and not ENGLISH.search(text), text


def test_a_port_out_of_range_is_refused(capsys):
    """--port 99999 was taken and a random port used instead, without a word."""
    assert main(["ui", "--port", "99999", "--no-browser"]) == 1
    text = "".join(capsys.readouterr())
    assert "端口号“99999”无效：应为 1 到 65535 之间的整数" in text and not ENGLISH.search(text), text
