"""Offline: how far is the engine's end state from what a long simulated annealing reaches?

Usage:  python bench/anneal_offline.py [--seeds 0,1,2] [--moves 3e9] [--free-moves 1e9]
Prints Markdown (docs/benchmarks.md, issue 15). Not part of the test suite; needs gcc.

For each seed: the issue-15 benchmark roster (N=1000/K=20, 0.3% of score cells empty, as
run_bench.py), the engine's classes (``build_problem`` + ``solve``, engine seed = roster seed),
then ``anneal_offline.c`` from the engine's classes: single swaps of students outside 同班 groups,
never beside an apart partner, (a) "hard": every count kept in its window, T 100 → 0.01 over
``--moves`` proposals; (b) "free": the counts ignored, T 3 → 0.003 over ``--free-moves``. The
annealing sees only the numeric part of the engine's objective (the counts are constraints or
nothing), so "objective" below is that part for all three. Figures are the certificate's
(run_bench.evaluate): ranges in 分 and 天; "counts at bound" as the certificate shows them.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from run_bench import evaluate, school  # noqa: E402

from bianban_xl.engine.problem_build import build_problem  # noqa: E402
from bianban_xl.engine.solve import _Prep, _State, solve  # noqa: E402

APART_MAX = 8      # partners per student the C side reads


def write_problem(path: Path, prep: _Prep, labels: np.ndarray) -> None:
    """The engine's problem and classes in anneal_offline.c's input format."""
    tgt = prep.cat_target
    lo, hi = np.floor(tgt + 1e-9), np.ceil(tgt - 1e-9)
    part = np.full((prep.n, APART_MAX), -1, np.int32)
    for x, ps in prep.partners.items():
        if len(ps) > APART_MAX:
            raise SystemExit(f"student {x} has {len(ps)} apart partners (at most {APART_MAX})")
        part[x, :len(ps)] = ps
    arrays = [np.array([prep.n, prep.k, prep.codes.shape[1], prep.n_cat_cols, prep.X.shape[1]], np.int32),
              labels.astype(np.int32), prep.is_single.astype(np.int32), prep.codes.astype(np.int32),
              lo.astype(np.int32), hi.astype(np.int32), prep.X.astype(np.float64),
              prep.wnum.astype(np.float64), prep.num_target.astype(np.float64), part]
    path.write_bytes(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays))


def numeric_objective(prep: _Prep, labels: np.ndarray) -> float:
    st = _State(prep, labels)
    return float((prep.wnum[None, :] * st.Dn ** 2).sum())


def cells(prep: _Prep, r, labels: np.ndarray, secs: float) -> list[str]:
    e = evaluate(r, labels)
    return [f"{numeric_objective(prep, labels):.1f}", f"{e['mean 总分'][0]:.3f}", f"{e['mean subject'][0]:.3f}",
            f"{e['sd subject'][0]:.3f}", f"{e['birth'][0]:.1f}",
            f"{'yes' if e['counts at bound'] else 'no'}, {e['viol']}", f"{secs:.0f}"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--moves", type=float, default=3e9, help="proposals, counts kept")
    ap.add_argument("--free-moves", type=float, default=1e9, help="proposals, counts ignored")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "anneal_offline"
        subprocess.run(["gcc", "-O2", "-o", str(exe), str(HERE / "anneal_offline.c"), "-lm"], check=True)
        print("| seed | search | objective | 总分 mean range | worst subject mean | worst subject SD | birth, 天 "
              "| counts at bound, rules broken | CPU s |")
        print("|---|---|---|---|---|---|---|---|---|")
        for seed in (int(s) for s in a.seeds.split(",")):
            r = school(1000, 20, seed, 0.003)
            p = build_problem(r, r.params)
            t = time.process_time()
            eng = solve(p, seed)
            t_eng = time.process_time() - t
            prep = _Prep(p)
            src = Path(tmp) / f"p{seed}.bin"
            write_problem(src, prep, eng)
            print(f"| {seed} | engine | " + " | ".join(cells(prep, r, eng, t_eng)) + " |")
            for mode, t0, t1, moves in (("hard", 100.0, 0.01, a.moves), ("free", 3.0, 0.003, a.free_moves)):
                out = Path(tmp) / f"o{seed}{mode}.bin"
                before = os.times()
                subprocess.run([str(exe), str(src), str(out), str(t0), str(t1), str(int(moves)), str(seed + 1), mode],
                               check=True, capture_output=True)
                after = os.times()
                lab = np.fromfile(out, np.int32).astype(np.int64)
                label = ("annealing, counts kept" if mode == "hard" else "annealing, counts ignored") + f", {moves:.0e} moves"
                print(f"| {seed} | {label} | " + " | ".join(cells(prep, r, lab, after.children_user - before.children_user)) + " |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
