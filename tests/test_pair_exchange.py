"""The exchange arithmetic of pair_exchange against the objective itself, recomputed from scratch."""
import numpy as np

from bianban_xl.engine import solve as E
from bianban_xl.engine.pair_exchange import PairSearch
from bianban_xl.engine.problem_build import build_problem
from bianban_xl.synth import generate_school


def _state(n=240, k=6, seed=3):
    r = generate_school(n, k, seed)
    prep = E._Prep(build_problem(r, r.params))
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
