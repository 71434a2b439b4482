"""What a school's IT staff member types wrong at the `bianban` command line, run as a real
subprocess: every mistake is a Chinese message saying what is wrong and the fix, exit code 1, no
traceback, no English, and nothing on disk changed — no file, and no new folder either."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

from conftest import DEFAULT_PARAMS, write_book

ENGLISH = re.compile(r"Traceback|Error\b|File exists|BadZipFile|No such file|Errno|usage:|error:")


def run(*args, cwd=None):
    r = subprocess.run([sys.executable, "-m", "bianban_xl.cli.main", *map(str, args)], capture_output=True, text=True,
                       encoding="utf-8", timeout=300, cwd=cwd, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder``: path -> sha256 ('' for a folder)."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "")
            for p in sorted(folder.rglob("*"))}


def bad_input(path: Path) -> Path:
    """An input whose 参数设置 lacks 班级数: assign refuses it."""
    return write_book(path, params=[(k, v) for k, v in DEFAULT_PARAMS if k != "班级数"])


def test_a_refused_assign_leaves_no_new_output_folder(tmp_path):
    """-o into folders that do not exist yet, and the input has an error: the folders were created
    before the input was checked and stayed behind, empty, after the refusal."""
    src = bad_input(tmp_path / "编班.xlsx")
    before = tree(tmp_path)
    code, text = run("assign", src, "-o", tmp_path / "结果" / "2026" / "编班结果.xlsx")
    assert code == 1 and "班级数" in text, text
    assert not ENGLISH.search(text), text
    assert tree(tmp_path) == before


def _docx(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return path


def test_a_file_that_is_no_workbook_is_named_for_what_it_is(tmp_path):
    """A folder, an empty file, a .csv export, a Word notice, a zip: each said '不是 Excel 工作簿，
    可能已损坏' (with 'BadZipFile' or 'InvalidFileException' in brackets); now what it is and what to do."""
    (tmp_path / "名单文件夹").mkdir()
    (tmp_path / "空.xlsx").write_bytes(b"")
    (tmp_path / "名单.csv").write_text("姓名,性别\n张三,男\n", encoding="utf-8")
    _docx(tmp_path / "通知.docx")
    (tmp_path / "各校.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (tmp_path / "~$编班.xlsx").write_bytes(b"\x08lock" + b"\0" * 160)      # Excel's lock file beside an open book
    cases = {"名单文件夹": "是一个文件夹，不是工作簿文件", "空.xlsx": "是空文件（0 字节）",
             "名单.csv": "是 CSV 文本文件", "通知.docx": "是 Word 文档", "各校.zip": "是压缩包",
             "~$编班.xlsx": "是 Excel / WPS 打开“编班.xlsx”时留下的临时文件"}
    before = tree(tmp_path)
    for name, words in cases.items():
        for command in ("check", "verify", "assign"):
            code, text = run(command, tmp_path / name)
            assert code == 1 and words in text and "可能已损坏" not in text, (command, text)
            assert not ENGLISH.search(text) and "Exception" not in text, (command, text)
    assert tree(tmp_path) == before


def test_an_error_piped_into_head_is_no_traceback(tmp_path):
    """`bianban check 名单.csv | head -1`: the error report met the closed pipe outside the guard
    that covered the command's own output — a BrokenPipeError traceback."""
    (tmp_path / "名单.csv").write_text("姓名\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "bianban_xl.cli.main", "check", str(tmp_path / "名单.csv")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.wait(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in err and "Exception ignored" not in err, err


def test_a_file_where_a_folder_is_wanted(tmp_path):
    """`bianban demo 名单.xlsx` and `bianban batch 各校 -o 名单.xlsx`: 'File exists' in English —
    and batch assigned every school before it found out."""
    book = write_book(tmp_path / "名单.xlsx")
    (tmp_path / "各校").mkdir()
    write_book(tmp_path / "各校" / "一中.xlsx")
    before = tree(tmp_path)
    code, text = run("demo", book)
    assert code == 1 and "是一个已有的文件，这里需要的是文件夹" in text and not ENGLISH.search(text), text
    code, text = run("batch", tmp_path / "各校", "-o", book)
    assert code == 1 and "是一个已有的文件，不是文件夹" in text and not ENGLISH.search(text), text
    assert "批量编班 [" not in text, text          # refused before any school was assigned
    assert tree(tmp_path) == before


def test_a_workbook_open_in_excel_or_wps_is_not_replaced(tmp_path):
    """The registrar has 编班.xlsx open while seal writes into it; the officer has 汇总.xlsx open
    while running district again. On Windows the replace failed only at the end (after the work,
    the called number typed twice); where it does not fail (WPS on Linux) the program's next save
    puts the old content back. The owner file Excel/WPS (~$) or LibreOffice (.~lock.…#) keeps
    beside an open workbook is seen first, and the file left alone."""
    book = write_book(tmp_path / "编班.xlsx")
    owner = tmp_path / "~$编班.xlsx"
    owner.write_bytes(b"\x08registrar" + b"\0" * 150)
    before = tree(tmp_path)
    code, text = run("seal", book)
    assert code == 1 and "好像正在 Excel / WPS 中打开" in text and "~$编班.xlsx" in text and "-o" in text, text
    assert not ENGLISH.search(text) and tree(tmp_path) == before
    code, text = run("seal", book, "-o", tmp_path / "封存.xlsx")            # a new file beside it: fine
    assert code == 0, text
    owner.unlink()
    (tmp_path / "各校").mkdir()
    code, text = run("assign", book, "-o", tmp_path / "各校" / "一中.xlsx", "--computer-seed")
    assert code == 0, text
    assert run("district", tmp_path / "各校", "-o", tmp_path / "汇总.xlsx")[0] == 0
    (tmp_path / ".~lock.汇总.xlsx#").write_text(",officer,PC,26.11.2026 12:00,", encoding="utf-8")
    before = tree(tmp_path)
    code, text = run("district", tmp_path / "各校", "-o", tmp_path / "汇总.xlsx")
    assert code == 1 and "“汇总.xlsx”好像正在 Excel / WPS 中打开" in text and "逐校核查 [" not in text, text
    assert tree(tmp_path) == before


def test_template_keeps_the_name_typed(tmp_path):
    """`bianban template 2026.9编班` wrote 2026.xlsx (the '.9编班' taken for an extension); a folder
    given got a file named after the folder beside it; .xlsm became .xlsx without a word."""
    (tmp_path / "模板").mkdir()
    for typed, written, words in (("2026.9编班", "2026.9编班.xlsx", ""), ("模板", "模板/编班模板.xlsx", "是一个文件夹"),
                                  ("编班.xlsm", "编班.xlsx", "不含宏的 .xlsx"), ("名单.csv", "名单.xlsx", "不是 .csv")):
        code, text = run("template", typed, cwd=tmp_path)
        assert code == 0 and (tmp_path / written).is_file() and f"已生成输入模板：{Path(written)}" in text, text
        assert words in text, text
    assert not (tmp_path / "2026.xlsx").exists() and not (tmp_path / "模板.xlsx").exists()


def test_demo_twice_in_the_same_folder(tmp_path):
    """`bianban demo` run a second time (the README's first line, run again): it rewrote the input,
    then refused the result with '请加 --overwrite' — an option demo does not have. The previous
    demo result is now replaced after a copy to 备份."""
    assert run("demo", tmp_path / "演示")[0] == 0
    code, text = run("demo", tmp_path / "演示")
    assert code == 0 and "验证通过" in text and "--overwrite" not in text, text
    assert "原文件已备份为" in text and len(list((tmp_path / "演示" / "备份").glob("示例学校_编班结果.备份-*.xlsx"))) == 1


def test_a_closed_terminal_leaves_no_temporary_or_lock_file(tmp_path):
    """Closing the terminal window (SIGHUP) mid-write killed the command on the spot: the
    temporary file .~bianban-….xlsx and the lock file stayed beside the workbook."""
    import os
    import signal
    import time

    from bianban_xl.book.files import TEST_WRITE_DELAY

    book = write_book(tmp_path / "输入.xlsx")
    before = tree(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "bianban_xl.cli.main", "assign", str(book), "-o",
                             str(tmp_path / "结果.xlsx"), "--computer-seed"], env=dict(os.environ, **{TEST_WRITE_DELAY: "60"}),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    end = time.monotonic() + 120
    while not any(p.name.startswith(".~bianban-") for p in tmp_path.iterdir()):
        assert time.monotonic() < end and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGHUP)
    stdout, stderr = proc.communicate(timeout=60)
    assert "已中断（终端窗口已关闭）" in stdout and "Traceback" not in stderr, (stdout, stderr)
    assert proc.returncode == 129                # 128 + SIGHUP; 143 is 结束进程 (SIGTERM)
    assert tree(tmp_path) == before


def test_a_closed_terminal_window_ends_with_129_and_no_traceback(tmp_path):
    """The terminal itself gone (its window closed: the pty's other end shut, then SIGHUP): the
    command cleans up, cannot print its message, and exits 129 (128 + SIGHUP, as shells report it)
    — it was 143, the code of 结束进程 (SIGTERM)."""
    import os
    import pty
    import signal
    import time

    from bianban_xl.book.files import TEST_WRITE_DELAY

    book = write_book(tmp_path / "输入.xlsx")
    before = tree(tmp_path)
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "bianban_xl.cli.main", "assign", str(book), "-o",
                             str(tmp_path / "结果.xlsx"), "--computer-seed"], env=dict(os.environ, **{TEST_WRITE_DELAY: "60"}),
                            stdin=slave, stdout=slave, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    os.close(slave)
    end = time.monotonic() + 120
    while not any(p.name.startswith(".~bianban-") for p in tmp_path.iterdir()):
        assert time.monotonic() < end and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    os.close(master)
    proc.send_signal(signal.SIGHUP)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 129 and "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    assert tree(tmp_path) == before


def test_a_file_name_with_a_stray_space_says_so(tmp_path, capsys):
    """“找不到文件” alone, for a name copied with a space at its end or start, sent the registrar
    looking for a file that is right there."""
    from bianban_xl.cli.main import main

    book = write_book(tmp_path / "输入.xlsx")
    before = tree(tmp_path)
    for typed in (f"{book} ", f" {book}", f"{book}\u3000"):
        assert main(["check", typed]) == 1
        assert f"文件名的开头或末尾多了空格：“{book}”是存在的" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "没有.xlsx ")]) == 1
    assert "请检查路径是否正确" in capsys.readouterr().out
    assert main(["batch", f"{tmp_path} ", "-o", str(tmp_path / "结果")]) == 1
    assert f"文件夹名的开头或末尾多了空格：“{tmp_path}”是存在的" in capsys.readouterr().out
    assert tree(tmp_path) == before
