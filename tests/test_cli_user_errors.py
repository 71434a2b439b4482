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
