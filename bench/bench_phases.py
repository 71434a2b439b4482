"""Benchmark: where whole `bianban assign` spends its CPU, phase by phase, in fresh processes.

Usage:
  python bench/bench_phases.py                                   # this tree
  python bench/bench_phases.py --against /tmp/before --rounds 7  # and another checkout, alternated

Same rosters as ``bench_assign.py`` (N=300/K=8 and N=1000/K=20, 0.3% of score cells empty, seed 7).
Each run is a fresh interpreter started in the tree's folder (so that tree's ``bianban_xl`` is
imported, bytecode cached in a private PYTHONPYCACHEPREFIX per tree) that imports the CLI, wraps the
functions `assign` calls by the phase they belong to, and runs ``cli.main.main(["assign", ...])``
in-process. CPU s (``time.process_time``) per phase, median of the rounds:

- start: the interpreter until this script's first line; imports: ``bianban_xl.cli.main`` and
  ``cli.cmd_steps`` (what `assign` loads before reading);
- read: ``service._read_for_assign``; validate: ``model.validate.validate`` (with the pinyin table
  and 繁简 dictionaries on first use) and the seal check;
- build: the canonical order and ``engine.problem_build.build_problem``; engine: ``solve`` and the
  hard-rule check;
- sheets: fingerprints, measures, result sheets, marks; write: ``book.apply.apply_update_file``;
- rest: everything else (argument parsing, locks, the printed summary with its second ``measures``).

A function called inside another wrapped one counts once, in the outer phase. The trees take turns
(alternated) so that a shared machine's load hits them alike. Prints a Markdown table. Not part of
the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tree_envs import tree_arguments, tree_envs  # noqa: E402  (before bianban_xl: it keeps the start environment)

from bianban_xl.book.template import fill_input_workbook  # noqa: E402
from bianban_xl.book.workbook_file import save_atomic  # noqa: E402
from bianban_xl.synth import generate_school  # noqa: E402

PHASES = ["start", "imports", "read", "validate", "build", "engine", "sheets", "write", "rest", "total"]

CHILD = r"""
import time
T0 = time.process_time()
import json, sys
import bianban_xl.cli.main as climain, bianban_xl.cli.cmd_steps
T1 = time.process_time()
import bianban_xl.service as svc, bianban_xl.onsite.assign as oa
spent = {}
depth = [0]

def wrap(mod, name, phase):
    f = getattr(mod, name)
    def inner(*a, **k):
        if depth[0]:
            return f(*a, **k)
        depth[0] += 1
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            spent[phase] = spent.get(phase, 0.0) + time.process_time() - t
            depth[0] -= 1
    setattr(mod, name, inner)

for mod, name, phase in [
        (svc, "_read_for_assign", "read"), (oa, "validate", "validate"), (oa, "check_seal", "validate"),
        (oa, "canonical_order", "build"), (oa, "build_problem", "build"),
        (oa, "solve", "engine"), (oa, "hard_rule_violations", "engine"),
        (oa, "input_fingerprint", "sheets"), (oa, "result_fingerprint", "sheets"), (oa, "measures", "sheets"),
        (oa, "total_scores", "sheets"), (oa, "summary_sheet", "sheets"), (oa, "schools_sheet", "sheets"),
        (oa, "class_sheet", "sheets"), (oa, "record_sheet", "sheets"), (oa, "witness_marks", "sheets"),
        (oa, "after_reassign", "sheets"), (oa, "_log_rows", "sheets"),
        (svc, "apply_update_file", "write")]:
    wrap(mod, name, phase)
import io, contextlib
with contextlib.redirect_stdout(io.StringIO()):
    rc = climain.main(sys.argv[1:])
assert rc == 0, rc
T2 = time.process_time()
spent["start"] = T0
spent["imports"] = T1 - T0
spent["total"] = T2
spent["rest"] = T2 - sum(v for k, v in spent.items() if k != "total")
sys.__stdout__.write(json.dumps(spent))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    tree_arguments(ap)
    ap.add_argument("--sizes", default="300x8,1000x20")
    a = ap.parse_args()
    trees = [ROOT] + [Path(t).resolve() for t in a.against]
    print(f"load average at start {os.getloadavg()[0]:.2f}; {a.rounds} rounds, trees alternated")
    with tempfile.TemporaryDirectory() as tmp:
        envs = tree_envs(trees, tmp)
        print("\n| N, K | tree | " + " | ".join(PHASES) + " |\n|---|---|" + "---:|" * len(PHASES))
        for size in a.sizes.split(","):
            n, k = map(int, size.split("x"))
            r = generate_school(n, k, 1, missing_rate=0.003, separate_homophones=True)
            r.params.seed = None
            src = Path(tmp) / f"in_{n}.xlsx"
            save_atomic(fill_input_workbook(r, r.params), src)
            cmd = [sys.executable, "-c", CHILD, "assign", str(src), "-o", str(Path(tmp) / f"out_{n}.xlsx"),
                   "--seed", "7", "--overwrite"]
            for tree, env in zip(trees, envs):          # compiles into the tree's cache
                subprocess.run(cmd, cwd=tree, env=env, check=True, capture_output=True)
            got: list[list[dict]] = [[] for _ in trees]
            for _ in range(a.rounds):
                for i, (tree, env) in enumerate(zip(trees, envs)):
                    p = subprocess.run(cmd, cwd=tree, env=env, check=True, capture_output=True, text=True)
                    got[i].append(json.loads(p.stdout))
            for tree, runs in zip(trees, got):
                cells = [f"{statistics.median(r.get(ph, 0.0) for r in runs):.3f}" for ph in PHASES]
                print(f"| {n}, {k} | {tree.name} | " + " | ".join(cells) + " |", flush=True)
    print(f"\nload average after the runs: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
