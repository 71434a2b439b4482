"""Benchmark: the workbook I/O of a district, without the engine.

Usage:
  python bench/bench_io.py --keep /tmp/io           # 50 schools (about 16,000 students), kept for re-runs
  python bench/bench_io.py --keep /tmp/io --reuse   # time again on the schools generated there
  python bench/bench_io.py --calamine               # also python-calamine's read (if installed)

What is timed, per school and summed (one process, best of --repeat runs):
  read input    book.xlsx_read.read_fast (the headless run's reader) and book.workbook_file.read_raw (openpyxl)
  assign I/O    service.assign_file wall clock minus its engine seconds: read, check, build the result
                sheets, write the result workbook (zip fast path, and with service.FAST_IO off: openpyxl)
  read result   read_fast / read_raw on the result workbooks (what `bianban district` reads)
  calamine      python_calamine: every sheet's values and merged ranges (no formula flags, no styles)
Generating the input workbooks is not timed. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bianban_xl import service  # noqa: E402
from bianban_xl.book.template import fill_input_workbook  # noqa: E402
from bianban_xl.book.workbook_file import read_raw, save_atomic  # noqa: E402
from bianban_xl.book.xlsx_read import read_fast  # noqa: E402
from bianban_xl.synth import generate_school  # noqa: E402


def make_schools(folder: Path, n_schools: int, per_school: int) -> list[Path]:
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(6))
    sizes = np.clip(np.round(rng.lognormal(0.0, 0.45, n_schools) * per_school), 90, 600).astype(int)
    paths = []
    for i, n in enumerate(sizes):
        p = folder / f"学校{i + 1:03d}.xlsx"
        if not p.exists():
            k = max(2, -(-int(n) // 45))
            r = generate_school(int(n), k, seed=100 + i, n_schools=8 + int(n) // 40, school_name=p.stem, cap=50)
            r.params.seed = None
            save_atomic(fill_input_workbook(r, r.params), p)
        paths.append(p)
    return paths


def timed(fn, items, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for it in items:
            fn(it)
        best = min(best, time.perf_counter() - t0)
    return best


def assign_io(paths: list[Path], out: Path, fast: bool, repeat: int) -> float:
    service.FAST_IO = fast
    best = float("inf")
    for _ in range(repeat):
        total = 0.0
        for p in paths:
            (out / p.name).unlink(missing_ok=True)     # a fresh output each time (outputs are never replaced silently)
            t0 = time.perf_counter()
            result, _, _ = service.assign_file(p, out / p.name, seed=1)
            total += time.perf_counter() - t0 - result.engine_seconds
        best = min(best, total)
    service.FAST_IO = True
    return best


def calamine_read(p: Path) -> None:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(p))
    for name in wb.sheet_names:
        sh = wb.get_sheet_by_name(name)
        sh.to_python()
        sh.merged_cell_ranges


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=50)
    ap.add_argument("--per-school", type=int, default=330)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--calamine", action="store_true")
    a = ap.parse_args()
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bench_io-"))
    inputs, outputs = base / "in", base / "out"
    inputs.mkdir(parents=True, exist_ok=True)
    outputs.mkdir(parents=True, exist_ok=True)
    paths = make_schools(inputs, a.schools, a.per_school)
    rows = [("read input: read_fast", timed(read_fast, paths, a.repeat)),
            ("read input: openpyxl read_raw", timed(read_raw, paths, a.repeat))]
    if a.calamine:
        rows.append(("read input: python-calamine", timed(calamine_read, paths, a.repeat)))
    rows += [("assign I/O (fast path)", assign_io(paths, outputs, True, a.repeat)),
             ("assign I/O (openpyxl path)", assign_io(paths, outputs, False, a.repeat))]
    results = [outputs / p.name for p in paths]
    rows += [("read result: read_fast", timed(read_fast, results, a.repeat)),
             ("read result: openpyxl read_raw", timed(read_raw, results, a.repeat))]
    if a.calamine:
        rows.append(("read result: python-calamine", timed(calamine_read, results, a.repeat)))
    size = sum(p.stat().st_size for p in paths) / 1e6
    print(f"{len(paths)} schools, {size:.1f} MB of input workbooks; seconds, best of {a.repeat}, summed over the schools\n")
    print("| step | seconds | ms per school |\n| --- | ---: | ---: |")
    for name, sec in rows:
        print(f"| {name} | {sec:.2f} | {1000 * sec / len(paths):.1f} |")


if __name__ == "__main__":
    main()
