"""Benchmark: `bianban batch` on a generated district, and `bianban assign` on one very large school.

Usage:
  python bench/bench_district.py                     # 300 schools, about 100,000 students
  python bench/bench_district.py --schools 30        # a quick run
  python bench/bench_district.py --big               # also the 20,000-student / 400-class school
  python bench/bench_district.py --keep DIR          # keep the generated folders in DIR
  python bench/bench_district.py --keep DIR --reuse  # time again on the schools generated there

What is timed: the wall clock of district.batch_assign (read, check, balance, write every school and
the summary workbook) with --jobs processes (default: all cores). Generating the input workbooks is
not timed. Peak memory: this process's peak RSS plus, per worker process, its own peak RSS (each
worker reports ``ru_maxrss`` with every school), summed — an upper bound of the memory in use at any
moment. The big school runs `python -m bianban_xl.cli.main assign` in a fresh process; its peak RSS is
that child's ``ru_maxrss``. Prints a Markdown block for docs/benchmarks.md.
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
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bianban_xl.district.batch import batch_assign, default_jobs  # noqa: E402


def _school_sizes(n_schools: int, total: int, seed: int = 6) -> list[int]:
    """School sizes between 90 and 600, skewed like real districts, summing to about ``total``."""
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(seed))
    raw = rng.lognormal(mean=0.0, sigma=0.45, size=n_schools)
    sizes = np.clip(np.round(raw / raw.mean() * total / n_schools), 90, 600).astype(int)
    return [int(x) for x in sizes]


def _make_school(path: str, n: int, seed: int) -> int:
    from bianban_xl.synth import generate_school
    from bianban_xl.book.template import fill_input_workbook
    from bianban_xl.book.workbook_file import save_atomic

    k = max(2, -(-n // 45))
    r = generate_school(n, k, seed=seed, n_schools=8 + n // 40, school_name=Path(path).stem, cap=50)
    r.params.seed = None
    save_atomic(fill_input_workbook(r, r.params), path)
    return n


def make_district(folder: Path, n_schools: int, total: int, jobs: int) -> int:
    tasks = []
    for i, n in enumerate(_school_sizes(n_schools, total)):
        sub = folder / f"片区{i % 6 + 1}"
        sub.mkdir(parents=True, exist_ok=True)
        tasks.append((str(sub / f"第{i + 1:03d}中学.xlsx"), n, 5000 + i))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return sum(pool.map(_make_school, *zip(*tasks), chunksize=4))


def _rss_mb(ru_maxrss: int) -> float:
    return ru_maxrss / 1024 / 1024 if sys.platform == "darwin" else ru_maxrss / 1024


def bench_batch(folder: Path, out: Path, jobs: int) -> dict:
    t0 = time.perf_counter()
    res = batch_assign(folder, out, jobs=jobs, progress=None)
    wall = time.perf_counter() - t0
    per_worker: dict[int, float] = {}
    for it in res.items:
        if it.pid:
            per_worker[it.pid] = max(per_worker.get(it.pid, 0.0), it.max_rss_mb)
    parent = _rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    secs = sorted(it.seconds for it in res.items)
    eng = sum(it.engine_seconds for it in res.items)
    cpu = sorted(it.cpu_seconds for it in res.items)
    return {"schools": len(res.items), "failed": len(res.failures), "students": res.students, "wall": wall,
            "parent_mb": parent, "workers_mb": sum(per_worker.values()), "worker_max_mb": max(per_worker.values(), default=0),
            "workers": len(per_worker), "per_school_median": secs[len(secs) // 2], "per_school_max": secs[-1],
            "engine_share": eng / max(1e-9, sum(secs)), "sum_school_seconds": sum(secs),
            "sum_cpu_seconds": sum(cpu), "cpu_median": cpu[len(cpu) // 2]}


def bench_big(folder: Path, n: int, k: int) -> dict:
    src = folder / "大校.xlsx"
    t = time.perf_counter()
    _make_school_exact(str(src), n, k)
    gen = time.perf_counter() - t
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bianban_xl.cli.main", "assign", str(src), "-o", str(folder / "大校_结果.xlsx"),
                           "--seed", "20260901", "-q"], capture_output=True, text=True,
                          cwd=os.path.join(os.path.dirname(__file__), ".."))
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    line = next((x for x in proc.stdout.splitlines() if "计算用时" in x), proc.stdout[-300:])
    return {"rc": proc.returncode, "wall": wall, "peak_mb": _rss_mb(max(after, before)), "generate": gen, "line": line}


def _make_school_exact(path: str, n: int, k: int) -> None:
    from bianban_xl.synth import generate_school
    from bianban_xl.book.template import fill_input_workbook
    from bianban_xl.book.workbook_file import save_atomic

    r = generate_school(n, k, seed=77, n_schools=60, school_name="超大规模学校", cap=50)
    r.params.seed = None
    save_atomic(fill_input_workbook(r, r.params), path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=300)
    ap.add_argument("--students", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, default=default_jobs())
    ap.add_argument("--big", action="store_true", help="also the 20,000-student / 400-class school")
    ap.add_argument("--big-only", action="store_true")
    ap.add_argument("--keep", help="generate into this folder and keep it")
    ap.add_argument("--reuse", action="store_true",
                    help="with --keep: use the schools already generated there (same sizes and seeds)")
    a = ap.parse_args()
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bianban-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, jobs={a.jobs}; folder {base}")
    rows = []
    if not a.big_only:
        t = time.perf_counter()
        if a.reuse and (base / "各校").is_dir():
            total = sum(_school_sizes(a.schools, a.students))
            print(f"reusing {base / '各校'} ({total} students)")
        else:
            total = make_district(base / "各校", a.schools, a.students, a.jobs)
            print(f"generated {a.schools} schools, {total} students in {time.perf_counter() - t:.1f} s (not timed)")
        if (base / "结果").exists():
            import shutil

            shutil.rmtree(base / "结果")
        r = bench_batch(base / "各校", base / "结果", a.jobs)
        print(r)
        rows.append(f"| batch: {r['schools']} schools, {total} students, jobs={a.jobs} | {r['wall']:.1f} s wall "
                    f"({r['sum_school_seconds']:.0f} s summed per school; median {r['per_school_median']:.2f} s, "
                    f"max {r['per_school_max']:.2f} s; engine {100 * r['engine_share']:.0f}% of school time; "
                    f"CPU {r['sum_cpu_seconds']:.0f} s in all, median {r['cpu_median']:.2f} s) | "
                    f"{r['parent_mb'] + r['workers_mb']:.0f} MB (parent {r['parent_mb']:.0f} + {r['workers']} workers, "
                    f"largest {r['worker_max_mb']:.0f}) | failed {r['failed']} |")
    if a.big or a.big_only:
        r = bench_big(base, 20_000, 400)
        print(r)
        rows.append(f"| assign: 1 school, 20000 students, 400 classes | {r['wall']:.1f} s wall ({r['line'].strip()}) | "
                    f"{r['peak_mb']:.0f} MB | rc {r['rc']} |")
    print("\n| run | time | peak memory | result |\n|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
