"""`bianban assign` loads what assigning needs, not the browser page (Flask, waitress), the
installer builder, the district tools or pypinyin: each costs ≈ 0.1 s on every run (speed targets
in docs/benchmarks.md). Checked in a fresh interpreter that runs a real assign."""
from __future__ import annotations

import subprocess
import sys

from conftest import write_book

NOT_FOR_ASSIGN = ("flask", "werkzeug", "jinja2", "waitress", "xlwings", "pypinyin", "bianban_xl.ui.server",
                  "bianban_xl.ui.app", "bianban_xl.install", "bianban_xl.district", "bianban_xl.demo", "bianban_xl.synth",
                  "bianban_xl.book.template")


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint('-- modules --', *sorted(sys.modules))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return set(proc.stdout.rpartition("-- modules --")[2].split())


def _hits(loaded: set[str], names) -> list[str]:
    return sorted(m for m in loaded for n in names if m == n or m.startswith(n + "."))


def test_importing_the_cli_loads_no_command():
    loaded = _loaded_after("import bianban_xl.cli.main")
    assert "bianban_xl.cli.main" in loaded
    wrong = _hits(loaded, NOT_FOR_ASSIGN + ("numpy", "openpyxl", "bianban_xl.service", "bianban_xl.engine"))
    assert not wrong, wrong


def test_assign_loads_only_what_it_needs(tmp_path):
    src = write_book(tmp_path / "输入.xlsx")
    loaded = _loaded_after(f"from bianban_xl.cli.main import main\n"
                           f"assert main(['assign', {str(src)!r}, '-o', {str(tmp_path / '结果.xlsx')!r}, '--seed', '5']) == 0")
    assert "bianban_xl.cli.cmd_steps" in loaded and "bianban_xl.engine.solve" in loaded     # it did run
    assert not _hits(loaded, NOT_FOR_ASSIGN), _hits(loaded, NOT_FOR_ASSIGN)


def test_ui_command_still_loads_the_server():
    loaded = _loaded_after("from bianban_xl.cli.main import _command\n_command('ui')")
    assert "flask" in loaded and "bianban_xl.ui.server" in loaded
