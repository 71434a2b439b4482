"""Check that a tree's engine gives bit-identical class labels: hashes of the labels of many problems.

Usage:
  python bench/same_classes.py capture CASES.pkl      # the tests' own engine problems (runs pytest)
  python bench/same_classes.py save HASHES.json [--cases CASES.pkl]    # on the reference tree
  python bench/same_classes.py check HASHES.json [--cases CASES.pkl]   # on the tree to check

bench/same_classes_main.json holds the hashes of main at ae0f025 (0.6.2), saved with the captured
test problems: `check bench/same_classes_main.json` compares the synthetic problems alone, with
``--cases`` (captured from the tests of that commit) the tests' problems too.

Problems: synthetic rosters (``synth.generate_school``) at N=300/K=8, 1000/20, 2000/40, 2400/49
(above ALL_PAIRS_MAX_K classes with the whole G kept), 5000/100 (no kept G), 0.3% and 5% of score
cells missing, several roster and engine seeds, plus a one-school roster (MATCH_CAP), a two-subject
roster and one without 同音 rules. ``capture`` runs the engine tests with ``solve`` wrapped and
pickles every problem and seed they solve (calls with ``max_seconds`` are left out: time may cut
them short), so ``save`` / ``check`` also cover the tests' own rosters. For each problem the hash of
the labels (int64 bytes) and the work count (``info['visits']``) are compared. Exit status 1 on any
difference. Run it from the tree to check (its ``bianban_xl`` is imported). Not part of the test
suite (≈1–2 min).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# engine tests whose solve() calls are captured
CAPTURE_TESTS = ["tests/test_engine.py", "tests/test_engine_fuzz.py", "tests/test_pair_exchange.py",
                 "tests/test_balance.py", "tests/test_baselines.py"]


def synthetic_cases():
    """(name, builder) of the synthetic problems; builder() -> (problem, engine seed)."""
    from bianban_xl.engine.problem_build import build_problem
    from bianban_xl.synth import generate_school

    def case(n, k, rs, miss, seed, **kw):
        def build():
            r = generate_school(n, k, rs, missing_rate=miss, **{"separate_homophones": True, **kw})
            return build_problem(r, r.params), seed
        extra = "".join(f" {a}={b}" for a, b in kw.items())
        return f"N={n} K={k} roster={rs} missing={miss} seed={seed}{extra}", build

    out = []
    for rs in (0, 1, 2):
        for miss in (0.003, 0.05):
            for seed in (0, 7):
                out.append(case(300, 8, rs, miss, seed))
    for rs in (0, 1, 2, 3, 7):
        for miss in (0.003, 0.05):
            out.append(case(1000, 20, rs, miss, 0))
    out.append(case(1000, 20, 7, 0.003, 7))
    out.append(case(1000, 20, 5, 0.003, 3, n_schools=1))
    out.append(case(600, 12, 4, 0.02, 1, subjects=("语文", "数学")))
    out.append(case(800, 16, 6, 0.003, 2, separate_homophones=False))
    for miss in (0.003, 0.05):
        out.append(case(2000, 40, 0, miss, 0))
    out.append(case(2400, 49, 0, 0.05, 0))
    out.append(case(5000, 100, 0, 0.003, 0))
    return out


def labels_hash(labels) -> str:
    import numpy as np
    return hashlib.sha256(np.asarray(labels, dtype="<i8").tobytes()).hexdigest()[:16]


def run_all(cases_file: str | None) -> dict[str, dict]:
    from bianban_xl.engine.solve import solve
    res: dict[str, dict] = {}
    jobs = list(synthetic_cases())
    if cases_file:
        with open(cases_file, "rb") as f:
            for name, problem, seed, kw in pickle.load(f):
                jobs.append((name, (lambda p=problem, s=seed: (p, s)), kw))
    for job in jobs:
        name, build = job[0], job[1]
        kw = job[2] if len(job) > 2 else {}
        problem, seed = build()
        info: dict = {}
        t = time.process_time()
        try:
            labels = solve(problem, seed, info=info, **kw)
            res[name] = {"labels": labels_hash(labels), "visits": info.get("visits")}
        except Exception as e:          # an Infeasible from a test's problem is a result too
            res[name] = {"error": f"{type(e).__name__}: {e}"}
        print(f"{time.process_time() - t:6.2f} s  {name}", file=sys.stderr, flush=True)
    return res


def capture(out: str) -> None:
    """Run the engine tests with solve() wrapped (plugin below), pickling their problems."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "same_classes", *CAPTURE_TESTS]
    env = {**__import__("os").environ, "SAME_CLASSES_CAPTURE": str(Path(out).resolve()),
           "PYTHONPATH": str(ROOT / "bench")}
    subprocess.run(cmd, cwd=ROOT, env=env, check=False)


# --- pytest plugin (``-p same_classes``): wrap solve and keep what it is asked ---------------------
# patched when the plugin is imported (before conftest.py and the test modules import solve)
_CAPTURE: tuple | None = None


def _install() -> None:
    import os
    global _CAPTURE
    target = os.environ.get("SAME_CLASSES_CAPTURE")
    if not target or __name__ == "__main__":
        return
    import bianban_xl.engine.solve as eng
    original = eng.solve
    seen: dict[str, tuple] = {}

    def wrapped(problem, seed, **kw):
        if kw.get("max_seconds") is None:
            blob = pickle.dumps((problem, int(seed)))
            key = hashlib.sha256(blob).hexdigest()[:16]
            extra = {k: v for k, v in kw.items() if k == "max_sweeps"}
            key += "".join(f" {a}={b}" for a, b in extra.items())
            if key not in seen:
                seen[key] = (f"test problem {key} N={len(problem.sizes) and sum(problem.sizes)} "
                             f"K={len(problem.sizes)} seed={seed}", problem, int(seed), extra)
        return original(problem, seed, **kw)

    eng.solve = wrapped
    _CAPTURE = (target, seen)


_install()


def pytest_unconfigure(config):
    got = _CAPTURE
    if got:
        target, seen = got
        with open(target, "wb") as f:
            pickle.dump(list(seen.values()), f)
        print(f"\nsame_classes: {len(seen)} test problems captured in {target}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["capture", "save", "check"])
    ap.add_argument("file")
    ap.add_argument("--cases", help="test problems pickled by `capture`")
    a = ap.parse_args()
    if a.what == "capture":
        capture(a.file)
        return
    res = run_all(a.cases)
    if a.what == "save":
        Path(a.file).write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"{len(res)} problems saved to {a.file}")
        return
    ref = json.loads(Path(a.file).read_text(encoding="utf-8"))
    if not a.cases:                     # the tests' problems need their pickle: left out without it
        ref = {name: v for name, v in ref.items() if not name.startswith("test problem")}
    bad = [name for name in ref if res.get(name) != ref[name]]
    missing = [name for name in res if name not in ref]
    for name in bad:
        print(f"DIFFERENT  {name}: {ref[name]} -> {res.get(name)}")
    for name in missing:
        print(f"not in the reference: {name}")
    print(f"{len(ref) - len(bad)} of {len(ref)} problems give the same labels")
    sys.exit(1 if bad or missing else 0)


if __name__ == "__main__":
    main()
