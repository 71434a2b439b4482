"""Benchmark: our engine vs a random split vs 蛇形 on generated schools.

Usage:  python bench/run_bench.py [--seeds 20] [--big] [--missing 0.004]
Prints a Markdown table (paste into docs/benchmarks.md). Not part of the test suite.
For each size and seed: generate a school (synth.generate_school, seed), build the problem, run
the engine (seed), random_assign and snake_assign, and measure with balance.measures /
balance.hard_rule_violations. "at bound" = share of seeds where every 性别 / 毕业学校 / 等级
measure equals its provable bound. Mean / SD ranges are averaged over seeds (max in brackets).
Schools are generated as the core issue specifies them (3 subjects, ~30 source schools, 等级, ~1.5%
twins, some same names) with no 缺考; ``--missing R`` adds a table for N=1000 with a share R of 缺考
per subject (see docs/benchmarks.md for why 缺考 widens the mean ranges).
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
from bianban_xl.engine.baselines import random_assign, snake_assign  # noqa: E402
from bianban_xl.engine.solve import solve  # noqa: E402
from bianban_xl.engine.problem_build import build_problem  # noqa: E402
from bianban_xl.synth import generate_school  # noqa: E402


def evaluate(r, L):
    ms = measures(r, L, r.params)
    row = {"viol": len(hard_rule_violations(r, L, r.params))}
    for grp in ("性别", "毕业学校", "户籍", "等级"):
        row[grp] = all(m.at_bound for m in ms if m.group == grp)
    for m in ms:
        if m.group == "平均分":
            row["mean " + m.label] = m.gap
        if m.group == "标准差":
            row["sd " + m.label] = m.gap
    return row


def run(n, k, seeds, max_seconds=None, missing_rate=0.0):
    res = {"engine": [], "random": [], "snake": []}
    times = []
    for seed in range(seeds):
        r = generate_school(n, k, seed, missing_rate=missing_rate)
        p = build_problem(r, r.params)
        t = time.perf_counter()
        L = solve(p, seed, max_seconds=max_seconds)
        times.append(time.perf_counter() - t)
        res["engine"].append(evaluate(r, L))
        res["random"].append(evaluate(r, random_assign(r, r.params, seed)))
        res["snake"].append(evaluate(r, snake_assign(r, r.params, seed)))
    return res, times


def table(n, k, res, times, note=""):
    keys = ["viol", "性别", "毕业学校", "户籍", "等级", "mean 总分", "mean 语文", "mean 数学", "mean 英语",
            "sd 总分", "sd 语文", "sd 数学", "sd 英语"]
    out = [f"\n### N={n}, K={k}, {len(times)} seeds{note}\n",
           "| measure | engine | random | 蛇形 |", "|---|---|---|---|"]
    for key in keys:
        cells = []
        for m in ("engine", "random", "snake"):
            vals = [row[key] for row in res[m]]
            if key == "viol":
                cells.append(f"{sum(v > 0 for v in vals)}/{len(vals)} runs broken")
            elif isinstance(vals[0], bool):
                cells.append(f"{100 * np.mean(vals):.0f}% at bound")
            else:
                cells.append(f"{np.mean(vals):.3f} (max {np.max(vals):.3f})")
        label = {"viol": "hard-rule violations"}.get(key, key if key.startswith(("mean", "sd")) else key + " range")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out.append(f"| engine seconds | mean {np.mean(times):.2f}, max {np.max(times):.2f} | | |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--big", action="store_true", help="also time N=20000, K=400 once")
    ap.add_argument("--missing", type=float, default=0.0,
                    help="also run N=1000, K=20 with this share of 缺考 per subject")
    ap.add_argument("--sizes", default="300x8,1000x20,2000x40", help="N x K list")
    a = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    for size in a.sizes.split(","):
        n, k = (int(x) for x in size.split("x"))
        s = a.seeds if n <= 1000 else max(5, a.seeds // 4)
        res, times = run(n, k, s)
        print(table(n, k, res, times), flush=True)
    if a.missing > 0:
        res, times = run(1000, 20, a.seeds, missing_rate=a.missing)
        print(table(1000, 20, res, times, f", {a.missing:.1%} 缺考 per subject"), flush=True)
    if a.big:
        import resource
        r = generate_school(20000, 400, 0, missing_rate=0.0)
        p = build_problem(r, r.params)
        t = time.perf_counter()
        L = solve(p, 0, max_seconds=600)
        dt = time.perf_counter() - t
        row = evaluate(r, L)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nN=20000, K=400: engine {dt:.1f} s, peak RSS {rss:.0f} MB, violations {row['viol']}, "
              f"mean 总分 range {row['mean 总分']:.3f}")


if __name__ == "__main__":
    main()
