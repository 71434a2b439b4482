"""Benchmark: the engine on roster shapes other than the issue-15 benchmark's, as real schools send them.

Usage:  python bench/run_shapes.py [--seeds 5]
Prints Markdown (docs/benchmarks.md, "Other roster shapes"). Not part of the test suite.

The N=1000/K=20 benchmark roster (3 subjects, 30 source schools, 0.3% of score cells empty, ≈1.5%
twins, 同名 and 同音 pairs with 同音分开=是) changed one property at a time: how many subjects are
balanced (1, 2, 6), how many source schools (1, 5, 80), a roster with 性别 and scores only (no 毕业学校,
户籍 or 等级 columns, as many schools send it), many empty score cells (20%), many twins (5%), other
class sizes (660/12, 1,350/30, 120/3). Real rosters differ from the generator in all of these;
the hard rules and count bounds must hold on every one, and the figures show how balance depends on
the shape rather than on tuning to one generator. Same figures and 蛇形 baseline as run_bench.py.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bianban_xl.engine.balance import hard_rule_violations, measures  # noqa: E402
from bianban_xl.engine.baselines import snake_assign  # noqa: E402
from bianban_xl.engine.problem_build import build_problem  # noqa: E402
from bianban_xl.engine.solve import solve  # noqa: E402
from bianban_xl.synth import generate_school  # noqa: E402

COUNT_GROUPS = ("班额", "性别", "毕业学校", "户籍", "等级")
SIX = ("语文", "数学", "英语", "物理", "化学", "生物")
SHAPES = [   # (label, arguments of generate_school on top of the benchmark roster)
    ("benchmark roster: 1000/20, 3 subjects", {}),
    ("1 subject (语文)", {"subjects": SIX[:1]}),
    ("2 subjects (语文 数学)", {"subjects": SIX[:2]}),
    ("6 subjects", {"subjects": SIX}),
    ("1 source school", {"n_schools": 1}),
    ("5 source schools", {"n_schools": 5}),
    ("性别 and scores only (no 毕业学校, 户籍, 等级)", {"bare": True}),
    ("80 source schools", {"n_schools": 80}),
    ("20% of score cells empty", {"missing_rate": 0.2}),
    ("5% twins", {"twin_rate": 0.05}),
    ("660/12 (55 per class)", {"n_students": 660, "n_classes": 12}),
    ("1350/30 (45 per class)", {"n_students": 1350, "n_classes": 30}),
    ("120/3 (small school)", {"n_students": 120, "n_classes": 3}),
]


def figures(r, labels) -> dict:
    """Rules broken, counts at bound and the ranges a registrar reads, for one assignment."""
    ms = measures(r, labels, r.params)
    out = {"viol": len(hard_rule_violations(r, labels, r.params)) > 0,
           "bound": all(m.at_bound for m in ms if m.group in COUNT_GROUPS),
           "total": np.nan, "subject": np.nan, "sd": np.nan, "birth": np.nan}
    subj = [m.gap for m in ms if m.group == "平均分" and m.label != "总分"]
    sds = [m.gap for m in ms if m.group == "标准差" and m.label != "总分"]
    for m in ms:
        if m.group == "平均分" and m.label == "总分":
            out["total"] = m.gap
        elif m.group == "出生日期":
            out["birth"] = m.gap
    out["subject"] = max(subj) if subj else np.nan
    out["sd"] = max(sds) if sds else np.nan
    return out


def run_shape(kw: dict, seeds: int) -> str:
    args = {"n_students": 1000, "n_classes": 20, "missing_rate": 0.003, **kw}
    bare = args.pop("bare", False)
    eng, snake, cpu = [], [], []
    for seed in range(seeds):
        r = generate_school(seed=seed, separate_homophones=True, **args)
        if bare:
            for s in r.students:
                s.school = s.huji = s.level = None
        c0 = time.process_time()
        labels = solve(build_problem(r, r.params), seed)
        cpu.append(time.process_time() - c0)
        eng.append(figures(r, labels))
        snake.append(figures(r, snake_assign(r, r.params, seed)))

    def col(rows, key, d=3):
        v = np.array([x[key] for x in rows], dtype=float)
        return "—" if np.isnan(v).all() else f"{np.nanmean(v):.{d}f} ({np.nanmax(v):.{d}f})"

    return (f"{sum(x['viol'] for x in eng)} / {sum(x['viol'] for x in snake)} | "
            f"{sum(x['bound'] for x in eng)}/{seeds} | {col(eng, 'total')} | {col(snake, 'total', 2)} | "
            f"{col(eng, 'subject')} | {col(snake, 'subject', 2)} | {col(eng, 'sd')} | {col(eng, 'birth', 1)} | "
            f"{np.mean(cpu):.2f} ({np.max(cpu):.2f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}; load average at start {os.getloadavg()[0]:.2f}; {a.seeds} seeds per shape\n")
    print("| roster | runs breaking a rule: engine / 蛇形 | counts at bound | 总分 mean range, 分 | 蛇形 | "
          "worst subject mean range, 分 | 蛇形 | worst subject SD range, 分 | birth-date range, 天 | engine CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, kw in SHAPES:
        print(f"| {label} | {run_shape(kw, a.seeds)} |", flush=True)


if __name__ == "__main__":
    main()
