"""Benchmark: the engine against its targets, the provable bounds and 蛇形 on realistic rosters.

Usage:  python bench/run_bench.py [--seeds 20] [--sizes 300x8,1000x20,2000x40] [--missing 0.003,0.05]
                                  [--big] [--assign]
Prints Markdown (paste into docs/benchmarks.md). Not part of the test suite.

Rosters: ``synth.generate_school(N, K, seed, missing_rate=R, separate_homophones=True)`` — 3 subjects,
~30 source schools of skewed size, 户籍, 等级, ≈1.5% twins (同班 and 分开 groups, a few triplets),
deliberate 同名 and 同音 pairs with 同音分开=是, and a share R of each subject's score cells empty
(blank and 缺考 both reach the engine as a missing score). For each size, missing share and seed:
build the problem, run the engine (seed) and 蛇形 (``baselines.snake_assign``), and measure both
with ``balance.measures`` / ``balance.hard_rule_violations`` — the figures a registrar reads on the
certificate: ranges (largest minus smallest class value) in 分 (points), 天 (days) and 人 (persons).

Columns: engine mean over seeds (worst seed in brackets); the target of issue 15; the provable
lower bound (``Measure.bound``, largest over seeds); 蛇形 mean (worst). Engine time is CPU time of
``build_problem`` + ``solve`` (``time.process_time``, so other work on the machine does not inflate
it) and, in brackets, the wall time; ``--assign`` times whole ``bianban assign`` runs in a fresh
process. The engine's work (class-pair visits, counted, never timed) is shown against its budget.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bianban_xl.engine.balance import hard_rule_violations, measures  # noqa: E402
from bianban_xl.engine.baselines import snake_assign  # noqa: E402
from bianban_xl.engine.problem_build import build_problem  # noqa: E402
from bianban_xl.engine.solve import solve  # noqa: E402
from bianban_xl.synth import generate_school  # noqa: E402

COUNT_GROUPS = ("班额", "性别", "毕业学校", "户籍", "等级")
# issue 15's targets for N=1000/K=20 (mean of seeds, worst seed); None = no target
TARGETS = {
    0.003: {"mean 总分": (0.08, 0.12), "mean subject": (0.12, 0.18), "sd subject": (0.3, None),
            "birth": (4.0, None)},
    0.05: {"mean 总分": (0.12, None), "mean subject": (0.18, None)},
}


def school(n: int, k: int, seed: int, missing: float):
    return generate_school(n, k, seed, missing_rate=missing, separate_homophones=True)


def forced_by_missing(r) -> float:
    """What the students with some but not all scores force on the four mean ranges, in points.

    In any class, Σ over subjects of (present count × (subject mean − school mean)) minus
    (complete count × (总分 mean − school 总分 mean)) equals I = the summed deviations of the
    incomplete students' present scores (each complete student contributes total − Σ means ≈ 0).
    A class holding incomplete students with Σ I = t therefore needs Σ_s range_s + range_总分 ≥
    |t| / n (n = class size) against a class holding none. The students can be grouped so that
    their I cancel; this is the least possible largest |group sum| over all groupings into at
    most K classes (exhaustive branch and bound; only with fewer incomplete students than classes
    and at most 14 of them), divided by n —
    an estimate (it ignores the one-student differences in class sizes), reported, not used."""
    from bianban_xl.engine.balance import subject_scores

    subs = list(r.params.subjects)
    v = np.stack([subject_scores(r, s) for s in subs], axis=1)
    miss = np.isnan(v)
    inc = miss.any(axis=1) & ~miss.all(axis=1)
    if not inc.any() or inc.sum() > 14 or inc.sum() >= int(r.params.n_classes):
        return float("nan")     # (with as many incomplete students as classes, no class need hold none)
    mu = np.nanmean(v, axis=0)
    vals = sorted((float(np.nansum(row - mu)) for row in v[inc]), key=lambda x: -abs(x))
    k = int(r.params.n_classes)
    best = [sum(abs(x) for x in vals)]
    pos = np.cumsum([max(x, 0.0) for x in vals][::-1])[::-1].tolist() + [0.0]   # still to come
    neg = np.cumsum([min(x, 0.0) for x in vals][::-1])[::-1].tolist() + [0.0]

    def place(i: int, groups: list[float], _: float) -> None:
        # a group can still move anywhere in [g + neg, g + pos]: prune when one cannot get under best
        lb = max([0.0 if g + neg[i] <= 0.0 <= g + pos[i] else min(abs(g + neg[i]), abs(g + pos[i]))
                  for g in groups] + [0.0])
        if lb >= best[0]:
            return
        if i == len(vals):
            best[0] = max(abs(g) for g in groups)
            return
        x = vals[i]
        seen = set()
        for g in range(len(groups)):
            if groups[g] in seen:
                continue
            seen.add(groups[g])
            groups[g] += x
            place(i + 1, groups, 0.0)
            groups[g] -= x
        if len(groups) < k:
            groups.append(x)
            place(i + 1, groups, 0.0)
            groups.pop()

    place(0, [], 0.0)
    return best[0] / (len(r.students) / k)


def evaluate(r, labels) -> dict:
    """The certificate's figures for one assignment."""
    ms = measures(r, labels, r.params)
    row: dict = {"viol": len(hard_rule_violations(r, labels, r.params))}
    over = [m.gap - m.bound for m in ms if m.group in COUNT_GROUPS]
    row["counts at bound"] = all(m.at_bound for m in ms if m.group in COUNT_GROUPS)
    row["count excess"] = max(over) if over else 0.0
    subj_mean, subj_sd = [], []
    for m in ms:
        if m.group == "平均分":
            row["mean " + m.label] = (m.gap, m.bound)
            if m.label != "总分":
                subj_mean.append((m.gap, m.bound))
        elif m.group == "标准差":
            row["sd " + m.label] = (m.gap, m.bound)
            if m.label != "总分":
                subj_sd.append((m.gap, m.bound))
        elif m.group == "出生日期":
            row["birth"] = (m.gap, m.bound)
    row["mean subject"] = max(subj_mean)
    row["sum of mean ranges"] = (sum(g for g, _ in subj_mean) + row["mean 总分"][0], 0.0)
    row["sd subject"] = max(subj_sd)
    return row


def run(n: int, k: int, seeds: int, missing: float) -> dict:
    eng, snake, cpu, wall, work, forced = [], [], [], [], [], []
    for seed in range(seeds):
        r = school(n, k, seed, missing)
        info: dict = {}
        c0, w0 = time.process_time(), time.perf_counter()
        p = build_problem(r, r.params)
        L = solve(p, seed, info=info)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        work.append((info.get("visits", 0), info.get("budget", 0)))
        forced.append(forced_by_missing(r))
        eng.append(evaluate(r, L))
        snake.append(evaluate(r, snake_assign(r, r.params, seed)))
    return {"engine": eng, "snake": snake, "cpu": cpu, "wall": wall, "work": work, "forced": forced}


def _fmt(vals, digits=3) -> str:
    return f"{np.mean(vals):.{digits}f} ({np.max(vals):.{digits}f})"


def table(n: int, k: int, missing: float, res: dict) -> str:
    eng, snake = res["engine"], res["snake"]
    seeds = len(eng)
    tg = TARGETS.get(missing, {}) if (n, k) == (1000, 20) else {}
    out = [f"\n### N={n}, K={k}, {missing:.1%} of score cells missing, {seeds} seeds\n",
           "| figure | engine: mean (worst seed) | target (worst) | bound | 蛇形: mean (worst) |",
           "|---|---|---|---|---|",
           f"| hard rules broken | {sum(r['viol'] > 0 for r in eng)}/{seeds} runs | 0 | 0 | "
           f"{sum(r['viol'] > 0 for r in snake)}/{seeds} runs |",
           f"| every count (班额 性别 学校 户籍 等级) at its bound | {sum(r['counts at bound'] for r in eng)}/{seeds} "
           f"(worst +{max(r['count excess'] for r in eng):.0f} 人) | all | — | "
           f"{sum(r['counts at bound'] for r in snake)}/{seeds} (worst +{max(r['count excess'] for r in snake):.0f} 人) |"]
    keys = [("mean 总分", "总分 mean range, 分"), ("mean 语文", "语文 mean range, 分"),
            ("mean 数学", "数学 mean range, 分"), ("mean 英语", "英语 mean range, 分"),
            ("mean subject", "worst subject mean range, 分"),
            ("sd 总分", "总分 SD range, 分"), ("sd subject", "worst subject SD range, 分"),
            ("birth", "mean birth date range, 天")]
    for key, label in keys:
        e = [r[key][0] for r in eng]
        b = max(r[key][1] for r in eng)
        s = [r[key][0] for r in snake]
        t = tg.get(key)
        ts = "—" if t is None else (f"≤ {t[0]}" + (f" (≤ {t[1]})" if t[1] is not None else ""))
        d = 1 if key == "birth" else 3
        out.append(f"| {label} | {_fmt(e, d)} | {ts} | {b:.{d}f} | {_fmt(s, d)} |")
    e = [r["sum of mean ranges"][0] for r in eng]
    f = np.array(res["forced"])
    forced = (f"{np.nanmean(f):.3f} ({np.nanmax(f):.3f}), {np.isfinite(f).sum()} seeds"
              if np.isfinite(f).any() else "— (too many incomplete students to search)")
    out.append(f"| Σ subject mean ranges + 总分 mean range, 分 | {_fmt(e)} | — | forced by 缺考 ≈ {forced} | "
               f"{_fmt([r['sum of mean ranges'][0] for r in snake])} |")
    vis = [w[0] for w in res["work"]]
    out.append(f"| engine CPU s (wall) | {_fmt(res['cpu'], 2)} ({np.mean(res['wall']):.2f}) | "
               f"{'≤ 0.6' if (n, k) == (1000, 20) else ('—')} | | |")
    out.append(f"| engine work: class-pair visits / budget | {np.mean(vis):.0f} (max {np.max(vis)}) / "
               f"{res['work'][0][1]} | | | |")
    return "\n".join(out)


def big(n: int, k: int, missing: float) -> str:
    r = school(n, k, 0, missing)
    info: dict = {}
    c0, w0 = time.process_time(), time.perf_counter()
    L = solve(build_problem(r, r.params), 0, info=info)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    row = evaluate(r, L)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"\nN={n}, K={k}, {missing:.1%} missing, seed 0: engine CPU {cpu:.1f} s (wall {wall:.1f} s), "
            f"peak RSS {rss:.0f} MB, work {info.get('visits')} / {info.get('budget')} visits, "
            f"hard rules broken {row['viol']}, counts at bound {row['counts at bound']}; ranges: "
            f"总分 mean {row['mean 总分'][0]:.3f}, worst subject mean {row['mean subject'][0]:.3f}, "
            f"worst subject SD {row['sd subject'][0]:.3f}, birth {row['birth'][0]:.1f} 天")


def assign_times(sizes: list[tuple[int, int]], repeats: int) -> str:
    """Whole `bianban assign` (process start, read, check, balance, write) in a fresh process, CPU
    (user + sys of the child) and wall time per run, two ways:

    - *bytecode cached*: as on an installed PC from its second run on (pip compiles the package on
      install; the Windows bundle's Python writes ``__pycache__`` on first use): one untimed run first,
      the compiled modules kept in a private ``PYTHONPYCACHEPREFIX``;
    - *as this environment runs it*: the inherited environment; where PYTHONDONTWRITEBYTECODE is set and
      the package is a source tree (an editable install), every run compiles bianban_xl's modules.
    """
    from bianban_xl.book.template import fill_input_workbook
    from bianban_xl.book.workbook_file import save_atomic

    out = ["\n| whole `bianban assign` (fresh process) | CPU s per run, bytecode cached | wall s | "
           "CPU s per run, inherited environment | wall s |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for n, k in sizes:
            r = school(n, k, 1, 0.003)
            r.params.seed = None
            src = Path(tmp) / f"in_{n}.xlsx"
            save_atomic(fill_input_workbook(r, r.params), src)
            cmd = [sys.executable, "-m", "bianban_xl.cli.main", "assign", str(src), "-o", str(Path(tmp) / f"out_{n}.xlsx"),
                   "--seed", "7", "--overwrite"]
            subprocess.run(cmd, check=True, capture_output=True, env=cached)       # compiles, fills the file cache
            cells = []
            for env in (cached, None):
                walls, cpus = [], []
                for _ in range(repeats):
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t = time.perf_counter()
                    subprocess.run(cmd, check=True, capture_output=True, env=env)
                    walls.append(time.perf_counter() - t)
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                cells += [", ".join(f"{c:.2f}" for c in cpus), ", ".join(f"{w:.2f}" for w in walls)]
            out.append(f"| N={n}, K={k} | " + " | ".join(cells) + " |")
    out.append(f"\nload average after the runs: {os.getloadavg()[0]:.2f}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--sizes", default="300x8,1000x20,2000x40", help="N x K list")
    ap.add_argument("--missing", default="0.003,0.05", help="shares of score cells left empty")
    ap.add_argument("--big", action="store_true", help="also N=20000, K=400 once (0.3%% missing)")
    ap.add_argument("--assign", action="store_true", help="also time whole `bianban assign` runs")
    a = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (affinity "
          f"{len(os.sched_getaffinity(0))}), Python {platform.python_version()}, numpy {np.__version__}; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    for size in a.sizes.split(","):
        n, k = (int(x) for x in size.split("x"))
        for missing in (float(x) for x in a.missing.split(",")):
            s = a.seeds if n <= 1000 else max(5, a.seeds // 4)
            print(table(n, k, missing, run(n, k, s, missing)), flush=True)
    if a.big:
        print(big(20000, 400, 0.003), flush=True)
    if a.assign:
        print(assign_times([(300, 8), (1000, 20)], 3), flush=True)


if __name__ == "__main__":
    main()
