"""Benchmark: the engine on random combinations of roster shapes (a soak), as real schools send them.

Usage:  python bench/run_soak.py [--rosters 40] [--first 0]
Prints Markdown (docs/benchmarks.md, "Random roster shapes"). Not part of the test suite.

run_shapes.py changes one property of the benchmark roster at a time; real rosters differ in
several at once. Here each roster draws every property from a fixed random stream (roster t uses
``default_rng(1000 + t)``, so the same list every run): 200–3,000 students in classes of 30–56
(N % K ≠ 0 mostly), 1–150 source schools, 0–9 subjects, 0–50% of score cells empty, 0–10% twins,
0–N/50 同名 pairs, 同音分开 on or off, and some columns dropped (no 等级; no 户籍 and 等级; only
性别 and scores). For each: hard rules broken (engine / 蛇形), every count at its bound, engine
CPU per 1,000 students, the visits used against the budget, and the figures a registrar reads
against 蛇形 on the same roster. A roster that takes longer than 600 s CPU is reported as such.
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from run_shapes import figures  # noqa: E402

from bianban_xl.engine.baselines import snake_assign  # noqa: E402
from bianban_xl.engine.problem_build import build_problem  # noqa: E402
from bianban_xl.engine.solve import solve  # noqa: E402
from bianban_xl.synth import generate_school  # noqa: E402

SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "政治", "历史", "地理")
LIMIT = 600          # CPU seconds per roster before it is reported as too slow


def draw(t: int) -> tuple[dict, str]:
    """The generate_school arguments of roster ``t`` and which columns it drops."""
    g = np.random.default_rng(1000 + t)
    size = int(g.integers(30, 57))
    n = int(g.integers(200, 3001))
    kw = dict(n_students=n, n_classes=max(2, round(n / size)),
              n_schools=int(g.choice([1, 2, 3, 5, 10, 30, 80, 150])),
              subjects=SUBJECTS[:int(g.choice([0, 1, 2, 3, 3, 4, 6, 9]))],
              missing_rate=float(g.choice([0, 0.003, 0.05, 0.2, 0.5])),
              twin_rate=float(g.choice([0, 0.015, 0.05, 0.1])),
              same_name_pairs=int(g.choice([0, n // 200, n // 50])),
              separate_homophones=bool(g.integers(2)))
    return kw, str(g.choice(["none", "bare", "huji_level", "level"]))


def _too_slow(*_):
    raise TimeoutError


def run(t: int) -> str:
    kw, drop = draw(t)
    r = generate_school(seed=t, **kw)
    for s in r.students:
        if drop in ("bare", "huji_level", "level"):
            s.level = None
        if drop in ("bare", "huji_level"):
            s.huji = None
        if drop == "bare":
            s.school = None
    n, k = kw["n_students"], kw["n_classes"]
    shape = (f"{n}/{k} | {kw['n_schools'] if drop != 'bare' else '—'} | {len(kw['subjects'])} | "
             f"{kw['missing_rate']:.1%} | {kw['twin_rate']:.1%} | {kw['same_name_pairs']} | "
             f"{'是' if kw['separate_homophones'] else '否'} | {drop}")
    signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(LIMIT)
    c0 = time.process_time()
    try:
        info: dict = {}
        labels = solve(build_problem(r, r.params), t, info=info)
    except TimeoutError:
        return f"| {t} | {shape} | over {LIMIT} s | | | | | | | | | |"
    finally:
        signal.alarm(0)
    cpu = time.process_time() - c0
    e, s = figures(r, labels), figures(r, snake_assign(r, r.params, t))

    def f(x, d=3):
        return "—" if np.isnan(x) else f"{x:.{d}f}"
    return (f"| {t} | {shape} | {int(e['viol'])} / {int(s['viol'])} | {'yes' if e['bound'] else '**no**'} | "
            f"{cpu / n * 1000:.2f} | {info['visits']} / {info['budget']} | {f(e['total'])} | {f(s['total'], 2)} | "
            f"{f(e['subject'])} | {f(s['subject'], 2)} | {f(e['sd'])} | {f(e['birth'], 1)} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rosters", type=int, default=40)
    ap.add_argument("--first", type=int, default=0)
    a = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}; load average at start {os.getloadavg()[0]:.2f}\n")
    print("| # | N/K | schools | subjects | empty cells | twins | 同名 pairs | 同音分开 | columns dropped | "
          "rules broken: engine / 蛇形 | counts at bound | engine CPU s per 1,000 | visits / budget | "
          "总分 mean range | 蛇形 | worst subject mean range | 蛇形 | worst subject SD range | birth-date range, 天 |")
    print("|" + "---|" * 19)
    for t in range(a.first, a.first + a.rosters):
        print(run(t), flush=True)


if __name__ == "__main__":
    main()
