"""Cell references without a workbook library: column letters <-> numbers, 'B7' <-> (7, 2).

The model and the report builders name cells in messages and ranges; they must not import the
workbook adapters (openpyxl / xlwings live only under ``bianban_xl/book`` and ``bianban_xl/excel``).
"""
from __future__ import annotations

import re

MAX_COL = 16384          # XFD
MAX_ROW = 1048576

_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_LETTERS: dict[int, str] = {}


def column_letter(col: int) -> str:
    """1 -> 'A', 28 -> 'AB', 16384 -> 'XFD'."""
    got = _LETTERS.get(col)
    if got is None:
        if not 1 <= col <= MAX_COL:
            raise ValueError(f"column {col} outside 1..{MAX_COL}")
        n, out = col, ""
        while n:
            n, rem = divmod(n - 1, 26)
            out = chr(65 + rem) + out
        got = _LETTERS[col] = out
    return got


def column_index(letters: str) -> int:
    """'A' -> 1, 'xfd' -> 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def cell_ref(row: int, col: int) -> str:
    """(7, 2) -> 'B7'."""
    return f"{column_letter(col)}{row}"


def parse_ref(ref: str) -> tuple[int, int]:
    """'B7' (or '$B$7') -> (7, 2). Raises ValueError for anything else."""
    m = _REF.fullmatch(ref.strip())
    if m is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), column_index(m.group(1))


def range_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    """(1, 1, 3, 2) -> 'A1:B3'."""
    return f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"
