"""Benchmark: whole `bianban assign` in a fresh process, CPU time, back to back against other trees.

Usage:
  python bench/bench_assign.py                                   # this tree
  python bench/bench_assign.py --against /tmp/before --rounds 7  # and another checkout, alternated

For each size (N=300/K=8 and N=1000/K=20, 0.3% of score cells empty, the rosters of
``run_bench.py --assign``): one input workbook, then `python -m bianban_xl.cli.main assign IN -o OUT
--seed 7 --overwrite` run from each tree's folder (so that tree's ``bianban_xl`` is imported), the
trees taking turns for --rounds rounds, bytecode cached (one untimed run first, a private
PYTHONPYCACHEPREFIX per tree). Also the imports alone: ``import bianban_xl.cli.main,
bianban_xl.cli.cmd_steps`` (what `assign` imports before it reads the file). Figures: CPU s (user +
sys of the child), median and best of the rounds, and the wall-clock median. CPU and alternation
keep the comparison fair on a shared machine; wall times there mostly measure the wait for a core.
Prints a Markdown table. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tree_envs import tree_arguments, tree_envs  # noqa: E402  (before bianban_xl: it keeps the start environment)

from bianban_xl.book.template import fill_input_workbook  # noqa: E402
from bianban_xl.book.workbook_file import save_atomic  # noqa: E402
from bianban_xl.synth import generate_school  # noqa: E402

IMPORTS = "import bianban_xl.cli.main, bianban_xl.cli.cmd_steps"


def _run(cmd: list[str], tree: Path, env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, cwd=tree, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def main() -> None:
    ap = argparse.ArgumentParser()
    tree_arguments(ap)
    a = ap.parse_args()
    trees = [ROOT] + [Path(t).resolve() for t in a.against]
    print(f"load average at start {os.getloadavg()[0]:.2f}; {a.rounds} rounds, trees alternated")
    with tempfile.TemporaryDirectory() as tmp:
        envs = tree_envs(trees, tmp)
        jobs = [("imports", [sys.executable, "-c", IMPORTS])]
        for n, k in ((300, 8), (1000, 20)):
            r = generate_school(n, k, 1, missing_rate=0.003, separate_homophones=True)
            r.params.seed = None
            src = Path(tmp) / f"in_{n}.xlsx"
            save_atomic(fill_input_workbook(r, r.params), src)
            jobs.append((f"assign N={n}, K={k}", [sys.executable, "-m", "bianban_xl.cli.main", "assign", str(src), "-o",
                                                  str(Path(tmp) / f"out_{n}.xlsx"), "--seed", "7", "--overwrite"]))
        print("\n| run | tree | CPU s median (best) | wall s median |\n|---|---|---|---|")
        for label, cmd in jobs:
            for tree, env in zip(trees, envs):
                _run(cmd, tree, env)                      # compiles into the tree's cache
            got: list[list[tuple[float, float]]] = [[] for _ in trees]
            for _ in range(a.rounds):
                for i, (tree, env) in enumerate(zip(trees, envs)):
                    got[i].append(_run(cmd, tree, env))
            for tree, runs in zip(trees, got):
                cpu = [c for c, _ in runs]
                print(f"| {label} | {tree.name} | {statistics.median(cpu):.3f} ({min(cpu):.3f}) | "
                      f"{statistics.median(w for _, w in runs):.3f} |", flush=True)
    print(f"\nload average after the runs: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
