"""Benchmark: a proof, per roster, of how small the four mean ranges can be made together.

Usage:  python bench/forced_bound.py [--seeds 20] [--n 1000] [--k 20] [--missing 0.003]
Needs scipy (``pip install -e '.[bench]'``); prints Markdown. Not part of the test suite.

The students with some but not all scores (缺考 or blank) tie the class means together. For a
class c, with n_cs its pupils who sat subject s, n*_c its pupils who sat every subject, D_cs its
mean of s minus the school's mean of s (over every pupil who sat s) and D_cT its 总分 mean minus
the school's 总分 mean (over every pupil with all scores), exactly:

    Σ_s n_cs·D_cs − n*_c·D_cT = n*_c·δ + I_c

where δ = school 总分 mean − Σ_s school mean of s, and I_c = Σ over the class's incomplete pupils
of Σ over the subjects they sat of (score − school mean of s): a complete pupil adds
Σ_s(x_s − μ_s) − (Σ_s x_s − μ_T) = δ, an incomplete one only its present deviations. Besides,
the school mean is the weighted mean of the class means: Σ_c n_cs·D_cs = 0 and Σ_c n*_c·D_cT = 0.

This script asks: over every way of placing the incomplete pupils in classes (a binary x_ic),
and every value of the class means allowed by these equations alone, what is the least t such
that the 总分 mean range is ≤ t·cap_T and each subject mean range ≤ t·cap_S? Everything else a
real assignment must also satisfy (the count rules, 同名, twins, and that class means come from
real pupils' scores) is left out, so the real least t can only be larger: t > 1 proves that NO
assignment of that roster meets the caps together. The products x_ic·D_cf are linearised
exactly (McCormick, x binary, |D| ≤ 4 caps: the weighted mean of the D is 0 and t ≤ 4 is
asked), the classes' symmetry is broken (numbered by first use: class c holds a pupil only if
class c-1 holds an earlier one — valid as every class has the same size), and the
mixed-integer program is solved by HiGHS (scipy.optimize.milp) to optimality; the reported t is HiGHS's proven lower bound (its dual bound), so it is a bound, not an estimate.
Only for rosters whose classes all have one size (N divisible by K).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bianban_xl.engine.balance import subject_scores  # noqa: E402
from bianban_xl.synth import generate_school  # noqa: E402

# issue 15's caps at N=1000/K=20, 0.3% missing: (总分, each subject), mean of seeds and worst seed
CAPS = {"mean targets (0.08 / 0.12)": (0.08, 0.12), "worst-seed caps (0.12 / 0.18)": (0.12, 0.18)}


def least_scale(v: np.ndarray, k: int, cap_t: float, cap_s: float, time_limit: float = 600.0) -> dict:
    """The least t (proven lower bound and best found) with 总分 range ≤ t·cap_t, subjects ≤ t·cap_s.

    ``v``: scores, students × subjects, nan = missing. Every class holds len(v) / k students."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix

    n, m = v.shape
    if n % k:
        raise ValueError("classes of unequal size")
    size = n // k
    miss = np.isnan(v)
    inc_rows = np.flatnonzero(miss.any(axis=1))
    if inc_rows.size == 0:
        return {"incomplete": 0, "bound": 0.0, "found": 0.0, "status": "no incomplete pupil"}
    mu = np.nanmean(v, axis=0)
    complete = ~miss.any(axis=1)
    mu_t = float(v[complete].sum(axis=1).mean())
    delta = mu_t - float(mu.sum())
    mi = miss[inc_rows].astype(float)                        # inc × m: missing s
    e = np.nansum(v[inc_rows] - mu, axis=1)                  # inc: present deviations
    p = inc_rows.size
    f_n = m + 1                                              # columns: subjects, then 总分
    big = max(cap_t, cap_s) * 4.0                            # |D| ≤ range ≤ t·cap: t ≤ 4 is asked

    # variable layout
    idx = {}
    nv = 0

    def add(name, count):
        nonlocal nv
        idx[name] = nv
        nv += count

    add("x", p * k)             # x[i, c]
    add("D", k * f_n)           # D[c, f]
    add("y", p * k * f_n)       # y[i, c, f] = x[i, c] · D[c, f]
    add("a", f_n)               # lower end of each column's range
    add("t", 1)

    def X(i, c):
        return idx["x"] + i * k + c

    def Dv(c, f):
        return idx["D"] + c * f_n + f

    def Y(i, c, f):
        return idx["y"] + (i * k + c) * f_n + f

    rows, lo, hi = [], [], []
    A = lil_matrix((0, nv))

    def row(coefs: dict, lb: float, ub: float):
        rows.append(coefs)
        lo.append(lb)
        hi.append(ub)

    caps = [cap_s] * m + [cap_t]
    for i in range(p):                                       # each incomplete pupil in one class
        row({X(i, c): 1.0 for c in range(k)}, 1.0, 1.0)
    for i in range(1, p):       # classes numbered by first use: class c opens only after class c-1
        for c in range(1, min(i, k - 1) + 1):
            co = {X(i, c): 1.0}
            for j in range(i):
                co[X(j, c - 1)] = -1.0
            row(co, -np.inf, 0.0)
    for c in range(k):
        # Σ_s n_cs D_cs − n*_c D_cT − n*_c δ − I_c = 0, with n_cs = size − Σ_i x_ic miss_is,
        # n*_c = size − Σ_i x_ic
        co: dict = {}
        for s in range(m):
            co[Dv(c, s)] = co.get(Dv(c, s), 0.0) + size
            for i in range(p):
                if mi[i, s]:
                    co[Y(i, c, s)] = co.get(Y(i, c, s), 0.0) - 1.0
        co[Dv(c, m)] = co.get(Dv(c, m), 0.0) - size
        for i in range(p):
            co[Y(i, c, m)] = co.get(Y(i, c, m), 0.0) + 1.0
            co[X(i, c)] = co.get(X(i, c), 0.0) + delta - e[i]
        row(co, size * delta, size * delta)
        for f in range(f_n):                                 # a_f ≤ D_cf ≤ a_f + t·cap_f
            row({Dv(c, f): 1.0, idx["a"] + f: -1.0}, 0.0, np.inf)
            row({Dv(c, f): 1.0, idx["a"] + f: -1.0, idx["t"]: -caps[f]}, -np.inf, 0.0)
            for i in range(p):                               # y = x·D, exactly (x binary, |D| ≤ big)
                row({Y(i, c, f): 1.0, X(i, c): -big}, -np.inf, 0.0)
                row({Y(i, c, f): 1.0, X(i, c): big}, 0.0, np.inf)
                row({Y(i, c, f): 1.0, Dv(c, f): -1.0, X(i, c): -big}, -big, np.inf)
                row({Y(i, c, f): 1.0, Dv(c, f): -1.0, X(i, c): big}, -np.inf, big)
    for f in range(f_n):                                     # school mean = weighted class means
        co = {}
        for c in range(k):
            co[Dv(c, f)] = float(size)
            for i in range(p):
                if (mi[i, f] if f < m else 1.0):
                    co[Y(i, c, f)] = -1.0
        row(co, 0.0, 0.0)

    A = lil_matrix((len(rows), nv))
    for r_i, co in enumerate(rows):
        for j, val in co.items():
            A[r_i, j] = val
    lb = np.full(nv, -np.inf)
    ub = np.full(nv, np.inf)
    lb[idx["x"]: idx["x"] + p * k] = 0.0
    ub[idx["x"]: idx["x"] + p * k] = 1.0
    for i in range(p):                                       # symmetry: pupil i in classes 0..i
        for c in range(i + 1, k):
            ub[X(i, c)] = 0.0
    lb[idx["D"]: idx["D"] + k * f_n] = -big
    ub[idx["D"]: idx["D"] + k * f_n] = big
    lb[idx["y"]: idx["y"] + p * k * f_n] = -big
    ub[idx["y"]: idx["y"] + p * k * f_n] = big
    lb[idx["t"]] = 0.0
    ub[idx["t"]] = 4.0
    integrality = np.zeros(nv)
    integrality[idx["x"]: idx["x"] + p * k] = 1
    cost = np.zeros(nv)
    cost[idx["t"]] = 1.0
    t0 = time.process_time()
    res = milp(cost, constraints=LinearConstraint(A.tocsr(), np.array(lo), np.array(hi)),
               integrality=integrality, bounds=Bounds(lb, ub),
               options={"time_limit": time_limit, "mip_rel_gap": 1e-6, "disp": False})
    cpu = time.process_time() - t0
    bound = getattr(res, "mip_dual_bound", None)
    found = float(res.x[idx["t"]]) if res.x is not None else float("nan")
    if bound is None or not np.isfinite(bound):
        bound = found if res.status == 0 else float("nan")
    return {"incomplete": p, "bound": float(bound), "found": found, "status": res.message, "cpu": cpu,
            "optimal": res.status == 0}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--missing", type=float, default=0.003)
    ap.add_argument("--time-limit", type=float, default=600.0)
    a = ap.parse_args(argv)
    # Both pairs of caps have the ratio 2 : 3 and the equations are linear in the D, so the least
    # scale of the one is the other's times the ratio of the caps: one program per roster.
    (name0, (t0, s0)), (name1, (t1, s1)) = CAPS.items()
    assert abs(t0 * s1 - t1 * s0) < 1e-12
    print(f"N={a.n}, K={a.k}, {a.missing:.1%} of score cells missing; t = least scale of the caps that "
          f"any assignment can meet (HiGHS's proven lower bound; t > 1: the caps cannot all be met)\n")
    print(f"| roster | incomplete pupils | t, {name0} | t, {name1} | CPU s |")
    print("|---|---|---|---|---|")
    for seed in range(a.first, a.first + a.seeds):
        r = generate_school(a.n, a.k, seed, missing_rate=a.missing, separate_homophones=True)
        v = np.stack([subject_scores(r, s) for s in r.params.subjects], axis=1)
        out = least_scale(v, a.k, t0, s0, time_limit=a.time_limit)
        mark = "" if out.get("optimal", True) else " (time limit)"
        cells = []
        for t in (out["bound"], out["bound"] * t0 / t1):
            cell = f"{t:.3f}{mark}"
            cells.append(f"**{cell}**" if t > 1 else cell)
        print(f"| {seed} | {out['incomplete']} | " + " | ".join(cells) + f" | {out.get('cpu', 0.0):.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
