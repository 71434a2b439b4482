"""The house flows one way: no import circle among bianban_xl's modules, imports at module top,
and each layer imports only the layers below it.

One stated exception to "imports at module top": a shell may name the module that implements each
of its commands in a module-level table ``COMMANDS = {"command": "bianban_xl.x.y:function"}`` and
import only the one it runs (cli/main.py: `bianban assign` must not load the browser UI, the
installer builder or the district tools); so does book/openpyxl_path.py for the openpyxl modules
(read, write, new book), taken only when the zip reader and writer do not handle a workbook. Each entry counts here as an import at the top of the
module holding the table, so the layer and circle rules apply to it as to an import statement; and
no module imports by name (importlib.import_module, __import__) without such a table."""
from __future__ import annotations

import ast
from pathlib import Path

import bianban_xl
from bianban_xl.cli import main as cli

ROOT = Path(bianban_xl.__file__).parent

# a module may import from its own layer and the layers after it in this list
LAYERS = ["cli", "ui", "install", "excel", "district", "service", "verify", "onsite", "reports", "engine",
          "book", "model"]
ALLOWED_UP: set[tuple[str, str]] = set()   # (importer layer, imported layer) pairs allowed against the order


def _modules() -> dict[str, Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        rel = p.relative_to(ROOT.parent).with_suffix("")
        name = ".".join(rel.parts)
        out[name.removesuffix(".__init__")] = p
    return out


def _command_table(tree: ast.Module) -> list[tuple[str, int]]:
    """(module, line) of each entry of a module-level ``COMMANDS = {...: "module:function"}``."""
    found = []
    for node in tree.body:
        if (isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["COMMANDS"]
                and isinstance(node.value, ast.Dict)):
            for v in node.value.values:
                assert isinstance(v, ast.Constant) and isinstance(v.value, str) and ":" in v.value, ast.dump(v)
                found.append((v.value.partition(":")[0], v.lineno))
    return found


def _imports(path: Path, mods: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """(imported bianban_xl module, line, at module top?) for every import in ``path``, counting the
    entries of a command table (see the module docstring) as imports at the top."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    found = [(n, line, True) for n, line in _command_table(tree)]
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in mods else node.module for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for n in names:
            if n.startswith("bianban_xl.") and n in mods:
                found.append((n, node.lineno, id(node) in top))
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "model"


def test_no_import_circle_and_imports_at_top():
    mods = _modules()
    graph = {m: {n for n, _, _ in _imports(p, mods)} - {m} for m, p in mods.items()}
    inner = [(m, n, line) for m, p in mods.items() for n, line, top in _imports(p, mods) if not top]
    assert not inner, f"imports inside functions hide the structure: {inner}"
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in graph.get(m, ()):
            if n.startswith(m + "."):         # a package importing its own submodule
                continue
            if state.get(n) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(n):] + [n]))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_layers_import_downward_only():
    mods = _modules()
    wrong = []
    for m, p in mods.items():
        lm = _layer(m)
        if lm not in LAYERS:
            continue
        for n, line, _ in _imports(p, mods):
            ln = _layer(n)
            if ln in LAYERS and LAYERS.index(ln) < LAYERS.index(lm) and (lm, ln) not in ALLOWED_UP:
                wrong.append(f"{m}:{line} imports {n}")
    assert not wrong, "upward imports: " + "; ".join(wrong)


def test_command_tables_name_real_functions_and_nothing_else_imports_by_name():
    mods = _modules()
    tables = 0
    for m, p in mods.items():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        table = _command_table(tree)
        tables += bool(table)
        for n, line in table:
            assert n in mods, f"{m}:{line}: COMMANDS names {n}, which is not a module of bianban_xl"
        by_name = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call) and (
            getattr(node.func, "attr", None) == "import_module" or getattr(node.func, "id", None) in ("__import__", "import_module"))]
        assert not by_name or table, f"{m}:{by_name}: imports by name without a COMMANDS table"
    assert tables, "cli/main.py's COMMANDS table is gone: update this test with the new rule"
    for command, target in cli.COMMANDS.items():
        assert callable(cli._command(command)), (command, target)
    parser = cli.build_parser()
    choices = next(a for a in parser._actions if a.dest == "command").choices
    assert set(choices) == set(cli.COMMANDS)
