"""The exchange arithmetic of pair_exchange against the objective itself, recomputed from scratch."""
import dataclasses

import numpy as np
import pytest

from bianban_xl.engine import pair_exchange
from bianban_xl.engine import solve as E
from bianban_xl.engine.pair_exchange import PairSearch
from bianban_xl.engine.problem_build import build_problem
from bianban_xl.synth import generate_school


def _gender_only(r):
    """The roster as many schools send it: 性别 and scores, no 毕业学校, 户籍 or 等级 — so nearly
    every pair of students matches every other (the MATCH_CAP path)."""
    for s in r.students:
        s.school = s.huji = s.level = None
    return r


def _apart_heavy(p, seed, share=0.6):
    """The problem with a share of its single students put in 分开 rules of three, as at 20,000
    students, where 同名 and 同音 put more than half the school in some apart rule."""
    bound = {x for g in p.together for x in g}
    singles = np.array([x for x in range(p.n) if x not in bound])
    pick = np.random.default_rng(seed).permutation(singles)[: int(share * p.n) // 3 * 3]
    groups = tuple(tuple(int(x) for x in g) for g in pick.reshape(-1, 3))
    return dataclasses.replace(p, apart=tuple(p.apart) + groups,
                               apart_reasons=tuple(p.apart_reasons) + ("分开",) * len(groups))


def _state(n=240, k=6, seed=3, coarse=False, apart=False):
    r = generate_school(n, k, seed)
    if coarse:
        _gender_only(r)
    p = build_problem(r, r.params)
    if apart:
        p = _apart_heavy(p, seed)
    prep = E._Prep(p)
    labels, _ = E._initial(prep, E._rng(seed))
    return E._State(prep, labels)


def _objective(st):
    return E._State(st.p, st.L).objective()        # from the labels alone, no incremental state


def test_single_and_double_exchange_delta_match_the_objective():
    st = _state()
    ps = PairSearch(st)
    rng = np.random.default_rng(0)
    a, b = 1, 4
    U = np.flatnonzero((st.L == a) | (st.L == b))
    U = np.concatenate([U[st.L[U] == a], U[st.L[U] == b]])
    G = ps._block(U, U)                            # computed from the features (large N)
    where = np.empty(st.p.n, dtype=np.int64)       # the kept G, rows and columns in class order
    where[ps.perm] = np.arange(st.p.n)
    assert np.allclose(ps.Gs[np.ix_(where[U], where[U])], G)
    assert np.allclose(ps._pairs(U, U[::-1]), G[np.arange(len(U)), np.arange(len(U))[::-1]])
    h = ps._h(U, a, b)
    na = int((st.L[U] == a).sum())
    for _ in range(20):
        r1, r2 = rng.choice(na, 2, replace=False)
        c1, c2 = rng.choice(len(U) - na, 2, replace=False) + na
        i1, i2, j1, j2 = U[[r1, r2, c1, c2]]

        def single(r, c):
            return 2 * (h[c] - h[r]) + 2 * (G[r, r] + G[c, c] - 2 * G[r, c])

        before = _objective(st)
        pred1 = single(r1, c1)
        pred2 = pred1 + single(r2, c2) + 4 * (G[c1, c2] - G[c1, r2] - G[r1, c2] + G[r1, r2])
        L0 = st.L.copy()
        st.move(i1, b)
        st.move(j1, a)
        assert np.isclose(_objective(st) - before, pred1, rtol=1e-9, atol=1e-6)
        st.move(i2, b)
        st.move(j2, a)
        assert np.isclose(_objective(st) - before, pred2, rtol=1e-9, atol=1e-6)
        for x in (i1, i2):
            st.move(x, a)
        for x in (j1, j2):
            st.move(x, b)
        assert np.array_equal(st.L, L0)


def _count_part(st):
    return float((st.p.wcat_cols[None, :] * st.Dc * st.Dc).sum())


def test_visit_lowers_the_objective_and_double_exchanges_keep_the_counts():
    st = _state(n=400, k=8, seed=5)
    ps = PairSearch(st)
    for a in range(8):
        for b in range(a + 1, 8):
            ps.visit(a, b, pairs=False)         # singles only, to a local optimum
    counts = _count_part(st)
    before = _objective(st)
    moved = sum(ps.visit(a, b) for a in range(8) for b in range(a + 1, 8))
    assert moved > 0                             # doubles find what singles could not
    assert _objective(st) < before
    # double exchanges are matched so that the counts' part of the objective cannot grow: the
    # gain is all in the means and spreads
    assert _count_part(st) <= counts + 1e-6
    _check_layout(ps)


def _check_layout(ps):
    """The layout still lists every class's students in its block, and the kept G is G in that order."""
    st = ps.st
    assert np.array_equal(np.sort(ps.perm), np.arange(st.p.n))
    for c in range(st.p.k):
        assert np.all(st.L[ps.perm[ps.starts[c]:ps.starts[c + 1]]] == c)
    assert np.allclose(ps.Gs, ps._block(ps.perm, ps.perm))


def test_layout_follows_moves_made_outside_visits():
    st = _state(n=300, k=6, seed=7)
    ps = PairSearch(st)
    assert ps.visit(0, 1) > 0                      # swaps made inside a visit
    i = int(np.flatnonzero(st.L == 2)[0])
    j = int(np.flatnonzero(st.L == 4)[0])
    st.swap(i, j)                                   # as the bound-group pass does
    ps.relayout()
    _check_layout(ps)
    ps.visit(2, 4)
    _check_layout(ps)


def test_ejection_double_delta_matches_the_objective(monkeypatch):
    """An ejection double (a swap that breaks a count plus one that repairs it) changes the
    objective by exactly the Δ the search computed for it."""
    monkeypatch.setattr(pair_exchange, "EJECT", 32)
    st = _state(n=400, k=8, seed=9)
    ps = PairSearch(st)
    ps.eject = True
    for a in range(8):
        for b in range(a + 1, 8):
            ps.visit(a, b, pairs=False)            # singles to a local optimum: counts near bound
    found = 0
    for a in range(8):
        for b in range(a + 1, 8):
            sa, ea, sb, eb = ps.starts[a], ps.starts[a + 1], ps.starts[b], ps.starts[b + 1]
            na = int(ea - sa)
            U = np.concatenate([ps.perm[sa:ea], ps.perm[sb:eb]])
            GUU = ps._block(U, U)
            h = 2.0 * ps._h(U, a, b)
            dU = ps.diag[U]
            M = (h[None, na:] - h[:na, None]) + 2.0 * (dU[:na, None] + dU[None, na:]) - 4.0 * GUU[:na, na:]
            rowok = ps.movable[U[:na]] & ~ps._blocked(U[:na], b)
            colok = ps.movable[U[na:]] & ~ps._blocked(U[na:], a)
            best = ps._eject(U, na, GUU, np.rint(M / st.p.grid), st.p.X[U], a, b, rowok, colok)
            if best is None:
                continue
            (r1, r2), (c1, c2), d = best
            before = _objective(st)
            for r, c in ((r1, c1), (r2, c2)):
                st.move(int(U[r]), b)
                st.move(int(U[na + c]), a)
            assert np.isclose(_objective(st) - before, d * st.p.grid, rtol=1e-6, atol=1e-3)
            assert d < 0
            found += 1
            ps.relayout()
            ps.version[[a, b]] += 1
    assert found > 0


@pytest.mark.parametrize("eject,coarse,apart", [(0, False, False), (32, False, False), (32, True, False),
                                               (32, False, True)])
def test_probe_finds_exactly_the_pairs_a_visit_improves(monkeypatch, eject, coarse, apart):
    monkeypatch.setattr(pair_exchange, "EJECT", eject)
    st = _state(n=400, k=8, seed=2, coarse=coarse, apart=apart)
    ps = PairSearch(st)
    ps.eject = True
    for a in range(8):
        for b in range(a + 1, 8):
            ps.visit(a, b)
    # every pair of the 8 classes, in 7 rounds of 4 pairs with no class in common
    rounds = [[(min(x, y), max(x, y)) for x, y in ((0, r + 1), *(((r + i) % 7 + 1, (r - i) % 7 + 1)
                                                              for i in range(1, 4)))] for r in range(7)]
    assert sorted(pq for rnd in rounds for pq in rnd) == [(a, b) for a in range(8) for b in range(a + 1, 8)]
    flags = []
    for rnd in rounds:
        assert len({c for pq in rnd for c in pq}) == 2 * len(rnd)      # no class twice in a round
        hit = ps.probe(rnd)
        for (a, b), h in zip(rnd, hit):
            other = PairSearch(E._State(st.p, st.L))                     # a fresh search, same labels
            other.eject = True
            flags.append((bool(h), other.visit(a, b) > 0))
    assert all(h == v for h, v in flags)
    assert any(h for h, _ in flags) and not all(h for h, _ in flags)


@pytest.mark.parametrize("coarse", [False, True])
def test_probing_changes_nothing_but_the_time(monkeypatch, coarse):
    """solve() probes the next pairs that share no class together and visits only those with an
    improving move; visiting every pair one by one gives the same classes."""
    r = generate_school(500, 10, seed=6, missing_rate=0.01, separate_homophones=True)
    if coarse:
        _gender_only(r)
    p = build_problem(r, r.params)
    probed = E.solve(p, 6)
    monkeypatch.setattr(PairSearch, "probe", lambda self, pairs: np.ones(len(pairs), dtype=bool))
    assert np.array_equal(E.solve(p, 6), probed)


def test_matched_doubles_are_capped_where_few_categories_match_everybody(monkeypatch):
    """A roster with 性别 alone: every pair of a class matches a third of the other's (≈500,000
    matched doubles per pair of 50-student classes). Above MATCH_CAP only the pairs among the
    students with the best single swaps are matched; the moves found still keep every count
    and lower the objective by exactly their Δ."""
    st = _state(n=400, k=8, seed=4, coarse=True)
    ps = PairSearch(st)
    a, b = 2, 5
    full = ps._matches(a, b)
    assert len(full[0]) > 20 * pair_exchange.MATCH_CAP
    U = np.concatenate([ps.perm[ps.starts[a]:ps.starts[a + 1]], ps.perm[ps.starts[b]:ps.starts[b + 1]]])
    na = int(ps.starts[a + 1] - ps.starts[a])
    Mr = np.random.default_rng(1).integers(0, 10**6, (na, len(U) - na)).astype(float)
    capped = ps._matches(a, b, lambda: ps._rank(U[:na], U[na:], Mr))
    assert 0 < len(capped[0]) <= pair_exchange.MATCH_CAP
    # only students among the best ranked of their class, and every one a real match
    # (_matches gives positions in each class's block of the layout)
    I1, I2 = U[:na][capped[0]], U[:na][capped[1]]
    J1, J2 = U[na:][capped[2]], U[na:][capped[3]]
    best_a = set(U[:na][np.argsort(Mr.min(axis=1), kind="stable")[:na // 2]])
    assert set(I1) | set(I2) <= best_a
    g = st.p.codes[:, 0]
    assert np.array_equal(np.sort(g[I1] + g[I2]), np.sort(g[J1] + g[J2]))
    # a whole search on such a roster: counts at their bound, the objective recomputed equals the state's
    before = _objective(st)
    for x in range(8):
        for y in range(x + 1, 8):
            ps.visit(x, y)
    assert _objective(st) < before
    assert np.isclose(_objective(st), st.objective())
    counts = np.bincount(st.L[st.p.codes[:, 0] == 0], minlength=8)
    assert counts.max() - counts.min() <= 1


def test_students_of_apart_rules_take_part_in_double_exchanges_but_never_join_a_partner(monkeypatch):
    """Double exchanges (matched and ejection) take students of apart rules too — at 20,000
    students more than half the school is in some 同名/同音/分开 rule — but never towards a class
    that holds one of their partners; the rules hold after every visit."""
    monkeypatch.setattr(pair_exchange, "EJECT", 32)
    st = _state(n=400, k=8, seed=8, apart=True)
    p = st.p
    assert len(p.constrained) > 0.5 * p.n
    ps = PairSearch(st)
    ps.eject = True
    for a in range(8):
        for b in range(a + 1, 8):
            ps.visit(a, b, pairs=False)                 # singles to a local optimum
    with_partners = 0
    for a in range(8):
        for b in range(a + 1, 8):
            m = ps._matches(a, b)
            if m is None:
                continue
            A, B = ps.perm[ps.starts[a]:ps.starts[a + 1]], ps.perm[ps.starts[b]:ps.starts[b + 1]]
            for movers, to in ((A[m[0]], b), (A[m[1]], b), (B[m[2]], a), (B[m[3]], a)):
                r = p.cidx[movers]
                with_partners += int((r >= 0).sum())
                assert not np.any(st.PC[r[r >= 0], to] > 0)
    assert with_partners > 0
    before = _objective(st)
    made = []
    real = ps._swap_local
    monkeypatch.setattr(ps, "_swap_local", lambda U, *a: made.append(int(U[a[4]])) or real(U, *a))
    moved = sum(ps.visit(a, b) for a in range(8) for b in range(a + 1, 8))
    assert moved > 0 and _objective(st) < before
    assert any(p.cidx[x] >= 0 for x in made)          # some moves took a student of an apart rule
    for x, partners in p.partners.items():
        assert not np.any(st.L[partners] == st.L[x])
    _check_layout(ps)


def test_tiny_classes_full_of_apart_rules_never_crash_the_search():
    """Classes of 3–5 students where most students are in apart rules: an ejection double may
    find its first swap but no second swap anyone is free to make. The search goes on without
    it (this used to end in an UnboundLocalError), and every rule holds."""
    crashed = []
    for seed in range(30):
        r = generate_school(30, 8, seed)
        p = _apart_heavy(build_problem(r, r.params), seed, share=0.7)
        try:
            labels = E.solve(p, seed)
        except E.Infeasible:
            continue
        except Exception as exc:                       # noqa: BLE001 — the failure being tested
            crashed.append((seed, type(exc).__name__))
            continue
        for s in p.apart:
            assert len({int(labels[x]) for x in s}) == len(set(s))
    assert crashed == []


def _block_by_sums(p, X, Y):
    """G[X][:, Y] as the sum of its terms, feature by feature: the weights of the categories two
    students share, then each numeric column's products (the order _block keeps)."""
    out = np.zeros((len(X), len(Y)))
    for g in range(p.codes.shape[1]):
        out += (p.codes[X, g][:, None] == p.codes[Y, g][None, :]) * p.wcat[g]
    for f in range(p.X.shape[1]):
        out += p.Xw[X, f][:, None] * p.X[Y, f][None, :]
    return out


@pytest.mark.parametrize("n_cat", [0, 1, 4, 8, 9])
def test_kept_gram_matrix_is_the_sum_of_its_terms_bit_for_bit(n_cat):
    """_block computes G a band of rows at a time and looks the categorical part up by which
    categories two students share (up to 8 features; above, feature by feature): every entry is
    the same float as adding the terms one by one, so the search makes the same moves."""
    import types
    rng = np.random.default_rng(n_cat)
    n = 150
    codes = rng.integers(0, [2, 30, 2, 5, 3, 7, 2, 4, 6][:n_cat], (n, n_cat)) if n_cat else np.zeros((n, 0), int)
    X = rng.normal(size=(n, 9))
    X[rng.random(X.shape) < 0.05] = 0.0
    wnum = rng.choice([6.0, 0.3, 80.0, 1.0, 0.5], 9)
    p = types.SimpleNamespace(codes=codes, wcat=rng.choice([1e5, 3e4, 7.5, 0.3], n_cat), X=X,
                              Xw=X * wnum[None, :])
    ps = PairSearch.__new__(PairSearch)            # _block needs the features alone
    ps.p = p
    rows, cols = rng.permutation(n), rng.permutation(n)[:97]
    for xs, ys in ((rows, cols), (rows[:40], rows[:40]), (rows[:1], cols)):   # lookup, per feature
        assert ps._block(xs, ys).tobytes() == _block_by_sums(p, xs, ys).tobytes()


def test_the_smallest_values_are_those_argpartition_picks():
    """_smallest (the visit's first swaps: distinct keys, smallest first) and _smallest_set (the
    probe's: equal keys possible, any order) look only among the values under a bound; they
    pick what np.argpartition picks, also where equal values straddle the m-th place."""
    rng = np.random.default_rng(5)
    straddled = 0
    for _ in range(1500):
        rows, width, m = int(rng.integers(1, 5)), int(rng.choice([30, 900, 2500])), int(rng.integers(1, 40))
        key = rng.integers(0, int(rng.choice([4, 40, 10**6])), (rows, width)).astype(float) - 2.0
        key[rng.random(key.shape) < rng.random() * 0.4] = np.inf
        m = max(1, min(m, int(np.isfinite(key).sum(axis=1).min())))
        want = np.argpartition(key, m - 1, axis=1)[:, :m]
        got = pair_exchange._smallest_set(key, m)
        for r in range(rows):
            assert set(got[r]) == set(want[r])
            straddled += int(np.count_nonzero(key[r] <= key[r][want[r]].max()) > m)
        distinct = key[0] * 4096.0 + np.arange(width)
        if np.isfinite(distinct).sum() >= m:
            first = np.argpartition(distinct, m - 1)[:m]
            assert np.array_equal(pair_exchange._smallest(distinct, m), first[np.argsort(distinct[first])])
    assert straddled > 50                      # the tie case is tested, not only the easy one


def test_rows_of_the_kept_gram_matrix_from_a_class_on():
    """probe()'s a×a and b×b terms: Gs[R[t, i], start[t] + j], also for the last class (where
    the row pieces stop at the end of G)."""
    st = _state(n=300, k=6, seed=1)
    ps = PairSearch(st)
    N = st.p.n
    rng = np.random.default_rng(0)
    for start in (ps.starts[[0, 2, 4]], ps.starts[[5, 1, 3]]):
        n = int(N - ps.starts[5]) + 3             # wider than the last class
        R = rng.integers(0, N, (3, 7))
        cols = np.minimum(start[:, None] + np.arange(n), N - 1)
        want = ps.Gs[R[:, :, None], cols[:, None, :]]
        got = ps._rows(R, start, n)
        inside = start[:, None] + np.arange(n) < N
        assert np.array_equal(got[np.broadcast_to(inside[:, None, :], got.shape)],
                              want[np.broadcast_to(inside[:, None, :], want.shape)])


def test_a_roster_without_scores_or_birth_dates_is_balanced_on_its_categories():
    """No numeric feature at all (a roster of 姓名 and 性别 only, say): the visits' double search
    has no numeric part to hand the ejection search (an internal error since the ejection
    search reused it), and the counts still reach their bound."""
    r = generate_school(300, 6, seed=3)
    p = dataclasses.replace(build_problem(r, r.params), numeric=())
    labels = E.solve(p, 3)
    assert np.array_equal(np.bincount(labels, minlength=6), np.asarray(p.sizes))
    for f in p.categorical:
        codes = np.asarray(f.codes)
        for c in np.unique(codes):
            counts = np.bincount(labels[codes == c], minlength=6)
            assert counts.max() - counts.min() <= 1
