"""Benchmark: the fast reader's CPU time, back to back against other source trees.

Usage:
  python bench/bench_io.py --schools 20 --keep /tmp/io20         # once: inputs and results to read
  python bench/bench_reader.py --keep /tmp/io20                   # this tree's read_fast
  python bench/bench_reader.py --keep /tmp/io20 --against /tmp/old --against /tmp/before
                                                                  # and other checkouts, alternated

What is timed: ``read_fast`` (book/xlsx_read.py, or book/xlsx_fast.py in trees before issue 14) on
every workbook of DIR/in and DIR/out, in CPU time (``time.process_time``), in a fresh process per
tree and round; the trees take turns for --rounds rounds and each figure is the best of all runs.
CPU time, alternation and best-of make the comparison fair on a shared machine, where wall times
mostly measure the wait for a core. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import glob, json, sys, time
try:
    from bianban_xl.book.xlsx_read import read_fast
except ImportError:
    from bianban_xl.book.xlsx_fast import read_fast
base, repeat = sys.argv[1], int(sys.argv[2])
out = {}
for label in ("in", "out"):
    paths = sorted(glob.glob(f"{base}/{label}/*.xlsx"))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for p in paths:
            read_fast(p)
        best = min(best, time.process_time() - t0)
    out[label] = (best, len(paths))
print(json.dumps(out))
"""


def run(tree: Path, base: str, repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", CHILD, base, str(repeat)], capture_output=True, text=True,
                          env=env, cwd=str(tree), check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", required=True, help="folder with in/ and out/ workbooks (from bench_io.py --keep)")
    ap.add_argument("--against", action="append", default=[], help="another source tree (a checkout) to time too")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    trees = [ROOT] + [Path(t).resolve() for t in a.against]
    best: dict[Path, dict[str, float]] = {t: {"in": float("inf"), "out": float("inf")} for t in trees}
    counts = {}
    for _ in range(a.rounds):
        for t in trees:
            for label, (sec, n) in run(t, a.keep, a.repeat).items():
                best[t][label] = min(best[t][label], sec)
                counts[label] = n
    load = os.getloadavg()
    print(f"read_fast, CPU ms per school, best of {a.rounds} rounds x {a.repeat} runs, trees alternated; "
          f"{counts.get('in', 0)} inputs, {counts.get('out', 0)} results; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print("| tree | read input | read result |\n| --- | ---: | ---: |")
    for t in trees:
        b = best[t]
        print(f"| {t} | {1000 * b['in'] / max(counts.get('in', 1), 1):.1f} | {1000 * b['out'] / max(counts.get('out', 1), 1):.1f} |")


if __name__ == "__main__":
    main()
