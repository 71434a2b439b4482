import numpy as np
import pytest

from bianban_xl.engine.arrays import distinct, distinct_inverse
from bianban_xl.engine.balance import hard_rule_violations, measures
from bianban_xl.engine.solve import solve
from bianban_xl.engine.problem_build import build_problem, class_sizes
from bianban_xl.model.records import (BalanceProblem, CategoricalFeature, Infeasible, NumericFeature,
                                Params, Roster, Student, TwinGroup)
from bianban_xl.synth import generate_school


def _check_rules(p: BalanceProblem, L):
    assert L.shape == (p.n,) and L.min() >= 0 and L.max() < p.k
    assert np.array_equal(np.bincount(L, minlength=p.k), p.sizes)
    for g in p.together:
        assert len(set(L[list(g)])) == 1
    for s in p.apart:
        assert len(set(L[list(s)])) == len(set(s))


def _simple(n, k, together=(), apart=(), reasons=None, seed=0):
    rng = np.random.default_rng(seed)
    cats = (CategoricalFeature("性别", rng.integers(0, 2, n), ("男", "女"), 1e5),)
    nums = (NumericFeature("语文", rng.normal(80, 10, n), 5.0, 1.0),)
    return BalanceProblem(sizes=class_sizes(n, k), together=tuple(together), apart=tuple(apart),
                          categorical=cats, numeric=nums,
                          apart_reasons=tuple(reasons or ["同名分开"] * len(apart)))


def test_synthetic_school_rules_and_reproducible():
    r = generate_school(300, 8, seed=11, same_name_pairs=6, same_sound_pairs=6, separate_homophones=True)
    p = build_problem(r, r.params)
    a = solve(p, 5)
    _check_rules(p, a)
    assert hard_rule_violations(r, a, r.params) == []
    assert np.array_equal(a, solve(p, 5))
    b = solve(p, 6)
    _check_rules(p, b)
    assert not np.array_equal(a, b)


def test_adversarial_many_same_names_and_triplets():
    n, k = 120, 6
    together = [(0, 1, 2), (3, 4, 5), (6, 7), (8, 9, 10)]
    apart = [tuple(range(20, 26)), tuple(range(26, 32)), (0, 3, 6, 8, 40, 41), (50, 51, 52)]
    p = _simple(n, k, together, apart, ["同名分开", "同名分开", "分开", "同音分开"])
    for seed in range(3):
        _check_rules(p, solve(p, seed))


def test_infeasible_apart_larger_than_k():
    p = _simple(40, 3, apart=[(1, 2, 3, 4)], reasons=["同名分开"])
    with pytest.raises(Infeasible) as e:
        solve(p, 0)
    assert e.value.rule == "同名分开" and set(e.value.students) == {1, 2, 3, 4}


def test_infeasible_together_and_apart():
    p = _simple(40, 4, together=[(1, 2)], apart=[(2, 1)], reasons=["分开"])
    with pytest.raises(Infeasible) as e:
        solve(p, 0)
    assert e.value.rule == "分开" and {1, 2} <= set(e.value.students)


def test_infeasible_group_bigger_than_class():
    p = _simple(12, 4, together=[(0, 1, 2, 3)])
    with pytest.raises(Infeasible) as e:
        solve(p, 0)
    assert e.value.rule == "同班捆绑" and set(e.value.students) == {0, 1, 2, 3}


def test_infeasible_packing_found_by_greedy():
    # 3 classes of 4; three bound triplets fill 9 places; the three remaining singles must be apart
    # from each other AND from every triplet's class -> impossible (apart set of 3 + 3 units > slots)
    p = _simple(12, 3, together=[(0, 1, 2), (3, 4, 5), (6, 7, 8)],
                apart=[(0, 9), (3, 9), (6, 9)], reasons=["分开", "分开", "分开"])
    with pytest.raises(Infeasible) as e:
        solve(p, 0)
    assert e.value.rule == "分开" and 9 in e.value.students


def test_cap_infeasible_in_build():
    r = generate_school(100, 2, seed=1)
    r.params.cap = 45
    with pytest.raises(Infeasible) as e:
        build_problem(r, r.params)
    assert e.value.rule == "班额"


def test_progress_and_max_seconds():
    p = _simple(200, 5)
    seen = []
    L = solve(p, 1, progress=seen.append, max_seconds=0.0)
    _check_rules(p, L)
    assert seen and seen[-1] == 1.0 and all(b >= a for a, b in zip(seen, seen[1:]))


def test_balance_mid_size_school():
    r = generate_school(600, 14, seed=2)
    p = build_problem(r, r.params)
    L = solve(p, 2)
    assert hard_rule_violations(r, L, r.params) == []
    ms = measures(r, L, r.params)
    for m in ms:
        if m.group in ("班额", "性别", "毕业学校", "等级"):
            assert m.at_bound, (m.group, m.label, m.per_class, m.bound)
    # this school has a few 缺考, which by themselves keep subject means ~0.3 apart (benchmarks.md)
    tot = [m for m in ms if m.group == "平均分" and m.label == "总分"][0]
    assert tot.gap < 0.3
    for m in ms:
        if m.group == "平均分" and m.label != "总分":
            assert m.gap < 0.6
        if m.group == "标准差":
            assert m.gap < 1.2


def test_missing_scores_balanced_over_who_sat_them():
    """A subject's column sums are (class mean over the students who sat it - school mean) × how
    many sat it, in z units; 总分 the same over the students with every subject; no 缺考 count."""
    from bianban_xl.engine import solve as E
    from bianban_xl.engine.balance import subject_scores, total_scores

    r = generate_school(400, 8, seed=4, missing_rate=0.05, separate_homophones=True)
    p = build_problem(r, r.params)
    prep = E._Prep(p)
    # one column per category plus one for "not filled" per categorical feature, none for 缺考
    assert prep.n_cat_cols == sum(max(len(f.labels), int(np.max(f.codes)) + 1) + 1 for f in p.categorical)
    labels = solve(p, 4)
    st = E._State(prep, labels)
    col = 0
    for f in p.numeric:
        v = np.asarray(f.values, float)
        ok = ~np.isnan(v)
        mu, sd = v[ok].mean(), v[ok].std()
        for k in range(8):
            ink = ok & (labels == k)
            want = (v[ink].mean() - mu) * ink.sum() / sd
            assert np.isclose(st.Dn[k, col], want, atol=1e-9)
        col += 1 + (f.weight_sd > 0)
    names = [f.name for f in p.numeric]
    assert names[:4] == ["语文", "数学", "英语", "总分"]
    assert np.array_equal(np.isnan(p.numeric[3].values), np.isnan(total_scores(r, r.params.subjects)))
    assert np.isnan(subject_scores(r, "语文")).sum() > 10


def test_balance_with_five_percent_missing():
    r = generate_school(1000, 20, seed=3, missing_rate=0.05, separate_homophones=True)
    p = build_problem(r, r.params)
    info = {}
    L = solve(p, 3, info=info)
    assert hard_rule_violations(r, L, r.params) == []
    ms = measures(r, L, r.params)
    assert all(m.at_bound for m in ms if m.group in ("班额", "性别", "毕业学校", "户籍", "等级"))
    gaps = {(m.group, m.label): m.gap for m in ms}
    assert gaps[("平均分", "总分")] < 0.3
    assert max(gaps[("平均分", s)] for s in r.params.subjects) < 0.45
    assert gaps[("出生日期", "平均出生日期")] < 8
    assert 0 < info["visits"] <= info["budget"]
    again = {}
    assert np.array_equal(solve(p, 3, info=again), L) and again == info


def test_distinct_is_np_unique():
    """engine.arrays replaces np.unique (which imports numpy.ma on every run): the same values."""
    rng = np.random.default_rng(5)
    for a in (np.zeros(0, np.int64), np.array([3]), rng.integers(-5, 9, 200), rng.integers(0, 2**40, 50)):
        assert np.array_equal(distinct(a), np.unique(a))
        u, inv = distinct_inverse(a)
        v, inv2 = np.unique(a, return_inverse=True)
        assert np.array_equal(u, v) and np.array_equal(inv, inv2) and np.array_equal(u[inv], a)


def test_same_classes_without_the_cpu_features_numpy_dispatches_to():
    """Same input + same seed = same classes on any machine: numpy picks its SIMD loops by CPU
    (AVX2/FMA here; a school PC may only have SSE4), and a reduction summed in another order
    could move a tie. A child process with numpy's dispatch limited to the x86-64 v2 baseline
    (NPY_DISABLE_CPU_FEATURES) makes the same classes for a school with twins, 同名 and 缺考."""
    import hashlib
    import os
    import subprocess
    import sys

    code = ("import hashlib, sys\n"
            "from numpy._core._multiarray_umath import __cpu_features__ as f\n"
            "print(f['X86_V3'], f['X86_V4'])\n"
            "from bianban_xl.engine.problem_build import build_problem\n"
            "from bianban_xl.engine.solve import solve\n"
            "from bianban_xl.synth import generate_school\n"
            "r = generate_school(400, 10, seed=5, missing_rate=0.05, separate_homophones=True)\n"
            "print(hashlib.sha256(solve(build_problem(r, r.params), 5).tobytes()).hexdigest())\n")
    r = generate_school(400, 10, seed=5, missing_rate=0.05, separate_homophones=True)
    here = hashlib.sha256(solve(build_problem(r, r.params), 5).tobytes()).hexdigest()
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    v3, v4, labels = out.stdout.split()
    assert (v3, v4) == ("False", "False")          # the child really ran without AVX2/FMA3 (x86-64 v3)
    assert labels == here
