"""`bianban assign` loads what assigning needs, not the browser page (Flask, waitress), the
installer builder, the district tools or pypinyin: each costs ≈ 0.1 s on every run (speed targets
in docs/benchmarks.md). Nor openpyxl (≈ 0.2 s) when the zip reader and writer handle the workbook:
the registrar's .xlsx, and `check`, `seal`, `verify` and `report` on it and on the result. Checked in a fresh
interpreter that runs a real assign."""
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
    assert "bianban_xl.book.xlsx_fast" in loaded
    assert not _hits(loaded, NOT_FOR_ASSIGN + ("openpyxl",)), _hits(loaded, NOT_FOR_ASSIGN + ("openpyxl",))
    assert "numpy.ma" not in loaded        # np.unique would import it (≈ 20 ms): engine.arrays instead


def test_check_seal_assign_and_verify_load_no_openpyxl(tmp_path):
    src = write_book(tmp_path / "输入.xlsx")
    sealed, out = tmp_path / "封存.xlsx", tmp_path / "结果.xlsx"
    for args, code in ((["check", str(src)], 0), (["seal", str(src), "-o", str(sealed)], 0),
                       (["assign", str(sealed), "-o", str(out), "--seed", "5"], 0), (["verify", str(out)], 0),
                       (["report", str(out), "-o", str(tmp_path / "上报.xlsx")], 0)):
        loaded = _loaded_after(f"from bianban_xl.cli.main import main\nassert main({args!r}) == {code}")
        assert "bianban_xl.book.xlsx_read" in loaded, args
        assert not _hits(loaded, ("openpyxl", "bianban_xl.book.workbook_file")), (args, _hits(loaded, ("openpyxl",)))


def test_the_openpyxl_path_still_loads_it_when_taken(tmp_path):
    """A re-run replaces the result sheets: the fast writer leaves that to openpyxl, loaded then."""
    src = write_book(tmp_path / "输入.xlsx")
    first, again = tmp_path / "一.xlsx", tmp_path / "二.xlsx"
    loaded = _loaded_after(f"from bianban_xl.cli.main import main\n"
                           f"assert main(['assign', {str(src)!r}, '-o', {str(first)!r}, '--seed', '5']) == 0\n"
                           f"assert main(['assign', {str(first)!r}, '-o', {str(again)!r}, '--seed', '5']) == 0")
    assert "openpyxl" in loaded and "bianban_xl.book.apply_openpyxl" in loaded


def test_ui_command_still_loads_the_server():
    loaded = _loaded_after("from bianban_xl.cli.main import _command\n_command('ui')")
    assert "flask" in loaded and "bianban_xl.ui.server" in loaded


def test_numpy_starts_no_blas_threads_and_nothing_calls_blas():
    """bianban_xl sets OPENBLAS_NUM_THREADS=1 before numpy loads (OpenBLAS's thread per core costs
    every command tens of ms CPU), keeps a value the user set, and calls no BLAS routine that a
    single thread would slow down (matrix products, linalg, einsum with optimize)."""
    import ast
    import os
    from pathlib import Path

    import bianban_xl

    if not os.path.isdir("/proc/self/task"):
        return
    code = ("import os, bianban_xl.cli.main, bianban_xl.cli.cmd_steps, numpy\n"
            "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == ["1", "1"]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**env, "OPENBLAS_NUM_THREADS": "2"}, check=True).stdout
    assert out.split()[0] == "2"
    blas = {"dot", "matmul", "linalg", "tensordot", "vdot", "inner", "lstsq", "cholesky"}
    calls = []
    for path in Path(bianban_xl.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult) or (
                    isinstance(node, ast.Attribute) and node.attr in blas) or (
                    isinstance(node, ast.keyword) and node.arg == "optimize"):
                calls.append(f"{path.name}:{node.lineno}")
    assert not calls, f"BLAS calls run on one thread (bianban_xl/__init__.py): {calls}"


def test_the_program_run_leaves_its_objects_to_the_os(tmp_path):
    """Run as the program (main() with no list: the `bianban` command), `assign` freezes what it
    made for the garbage collector before the process ends: the collections at exit would walk
    and free it object by object (≈ 30 ms at N=1000). Called with a list (tests, tools), the
    caller goes on and nothing is frozen."""
    src = write_book(tmp_path / "输入.xlsx")
    args = ["assign", str(src), "-o", str(tmp_path / "结果.xlsx"), "--seed", "5"]
    code = ("import gc, sys\nfrom bianban_xl.cli.main import main\n"
            f"sys.argv = ['bianban'] + {args!r}\n"
            "assert main() == 0\nprint('frozen', gc.get_freeze_count())\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert int(proc.stdout.rpartition("frozen")[2]) > 0
    assert (tmp_path / "结果.xlsx").stat().st_size > 0
    code = ("import gc\nfrom bianban_xl.cli.main import main\n"
            f"assert main({args + ['--overwrite']!r}) == 0\nprint('frozen', gc.get_freeze_count())\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert int(proc.stdout.rpartition("frozen")[2]) == 0
