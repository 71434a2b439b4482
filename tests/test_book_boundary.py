"""openpyxl and xlwings are imported only in the workbook layer (bianban_xl/book, bianban_xl/excel):
everything else works on RawBooks, SheetSpecs and BookUpdates (issue 14)."""
from __future__ import annotations

import ast
from pathlib import Path

import bianban_xl

ROOT = Path(bianban_xl.__file__).parent
ADAPTERS = ("openpyxl", "xlwings")
WORKBOOK_LAYER = ("book", "excel")


def _adapter_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[0] in ADAPTERS]
    return found


def test_openpyxl_and_xlwings_only_in_the_workbook_layer():
    outside = []
    inside = 0
    for p in sorted(ROOT.rglob("*.py")):
        rel = p.relative_to(ROOT)
        hits = _adapter_imports(p)
        if rel.parts[0] in WORKBOOK_LAYER:
            inside += len(hits)
        else:
            outside += [f"{rel}:{line} imports {name}" for line, name in hits]
    assert not outside, "\n".join(outside)
    assert inside > 5          # the scan sees the imports that are allowed
