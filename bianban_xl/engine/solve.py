"""The balancing engine: a :class:`BalanceProblem` in, class labels out. Pure numpy.

Hard rules (never broken; :class:`Infeasible` when they cannot all hold): class ``k`` gets exactly
``sizes[k]`` students; each ``together`` group shares a class; the students of each ``apart`` set are
pairwise in different classes.

Objective (minimised)::

    sum over categorical features g of  w_g * sum_{k,c} (count_kc - total_c / K)^2
  + sum over numeric columns f       of  w_f * sum_k   (S_kf - n_k / N * total_f)^2

Numeric features are standardised over the students who have a value (z-scores; a missing value
— blank or 缺考 — is z = 0). Each numeric feature gives a column z (its class sums balance the class
mean, weight ``weight_mean``) and, when ``weight_sd > 0``, a column z^2 - mean(z^2) (balances the
class spread, weight ``weight_sd``). Because the columns are centred over the students with a value
and are 0 for the others, the deviation of a class sum is exactly (class mean over the students
who sat it - school mean) × (how many sat it): each subject is balanced over who sat it, 总分 over
who has every subject (problem_build), with no count of 缺考 to balance (where a 缺考 student goes
matters only through the scores he has). The weights from :mod:`problem_build` make the objective
close to lexicographic: counts first, then means, spread, birth date. A squared deviation from c/K
is minimal exactly when the counts differ by at most one, so the count terms are minimised at the
provable bound.

Search: a seeded randomised greedy start that respects the hard rules (constrained units first, then
the rest dealt out stratified by gender / school / 等级), then sweeps over pairs of classes
(:mod:`pair_exchange`): for two classes every single swap is evaluated at once, the best improving
one is made, and when none improves, exchanges of two students against two are searched: those
whose categories match (every count stays where it is) and, when pair_exchange.EJECT > 0, up to
ALL_PAIRS_MAX_K classes with the whole G kept, ejection doubles (a numerically good swap that
pushes a count off its bound plus a second swap that brings it back). Moves that would break an
``apart`` rule are masked out; bound groups move as units, swapping with the same number of
single students of another class. A class pair that offered nothing is skipped until one of its
classes changes; the search stops when a sweep changes nothing. Up to ALL_PAIRS_MAX_K classes (with the whole G kept) the
next pairs of a sweep that share no class are probed together (:meth:`PairSearch.probe`) and
only those with an improving move are visited: the same moves, in the same order, as visiting
them one by one, at a fraction of numpy's per-call cost for the visits that find nothing.

Reproducibility: all randomness comes from ``np.random.Generator(np.random.PCG64(seed))``; the work
done is counted, never timed: sweeps until nothing improves, at most ``visit_budget(K)`` class-pair
visits (it grows with the number of classes; ``solve(info=...)`` reports work done and budget for
the 编班记录). ``max_seconds`` is only a safety cap that cuts the search short. Decisions use elementwise arithmetic and row sums only (no BLAS),
Δ values are rounded to a fixed grid before comparison and ties go to the lowest candidate position.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from bianban_xl.engine.arrays import distinct, distinct_inverse
from bianban_xl.engine.pair_exchange import EJECT, PairSearch
from bianban_xl.model.groups import unit_roots
from bianban_xl.model.records import BalanceProblem, Infeasible

MAX_SWEEPS = 60            # class-pair sweeps at most (stops earlier when a sweep moves nobody)
ALL_PAIRS_MAX_K = 48       # up to this many classes every pair of classes is visited each sweep
PARTNERS = 4               # above it, each class meets this many random partner classes per sweep
REPAIR_ROUNDS = 3          # above 48 classes, rounds of count repair before each sweep
EXTREMES = 3               # and, per numeric column, its 3 highest classes meet its 3 lowest
OPPOSITES = 4              # and this many classes whose numeric deviations point most the other way
VISITS_PER_CLASS = 100     # work budget: class-pair visits at most, per class (a counted amount of
VISITS_MIN = 4_000         # work, never time, so `verify` repeats it on any machine); up to 48
                           # classes see visit_budget (N=1000/K=20 stops on its own after ~1,200)
PLACEMENT_TRIES = 30       # randomised greedy starts before declaring the rules infeasible
UNIT_TRIES = 6             # classes tried per bound group and pass
GRID = 1e-9                # Δ rounding grid, relative to the largest weight


def visit_budget(k: int) -> int:
    """Class-pair visits the search may make for ``k`` classes: it grows with the size of the
    school and depends on nothing else, so the same problem gets the same work everywhere. Up to
    ALL_PAIRS_MAX_K classes a sweep visits every pair, and the search stops on its own after ~5
    sweeps; the budget (eight sweeps' worth of pairs, at least VISITS_MIN) only guards against
    an endless search. Above, sweeps are partial and the budget decides when to stop."""
    k = int(k)
    if k <= ALL_PAIRS_MAX_K:
        return max(VISITS_MIN, 4 * k * (k - 1))
    return VISITS_PER_CLASS * k


def _rng(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(int(seed) & ((1 << 63) - 1)))


class _Prep:
    """Everything about the problem that does not change during the search."""

    def __init__(self, p: BalanceProblem):
        self.sizes = np.asarray(p.sizes, dtype=np.int64)
        self.k = len(self.sizes)
        self.n = int(self.sizes.sum())
        n, k = self.n, self.k
        if k <= 0 or n <= 0 or np.any(self.sizes < 0):
            raise Infeasible("班额", [], "班级数或人数不正确")

        # --- bound units (merge overlapping together groups)
        together = [[int(x) for x in g] for g in p.together]
        for g in together:
            if any(not 0 <= x < n for x in g):
                raise Infeasible("同班捆绑", g, "捆绑名单中的学生编号超出名单范围")
        roots = np.array(unit_roots(n, together))
        _, unit_of = distinct_inverse(roots)
        self.unit_of = unit_of.astype(np.int64)
        order = np.argsort(self.unit_of, kind="stable")
        bounds = np.flatnonzero(np.diff(self.unit_of[order])) + 1
        self.units = [np.sort(u) for u in np.split(order, bounds)]
        self.unit_size = np.array([len(u) for u in self.units])
        big = [u for u in self.units if len(u) > 1]
        self.groups = big
        self.is_single = np.ones(n, bool)
        for u in big:
            self.is_single[u] = False
            if len(u) > self.sizes.max():
                raise Infeasible("同班捆绑", [int(x) for x in u],
                                 f"{len(u)}名学生要求同班，超过最大班额{int(self.sizes.max())}人")
        self.singles = np.flatnonzero(self.is_single)

        # --- apart sets
        reasons = list(p.apart_reasons) + ["分开"] * (len(p.apart) - len(p.apart_reasons))
        partners: dict[int, set[int]] = {}
        self.pair_reason: dict[tuple[int, int], str] = {}
        for s, r in zip(p.apart, reasons):
            s = sorted({int(x) for x in s})
            if len(s) < 2:
                continue
            for x in s:
                if not 0 <= x < n:
                    raise Infeasible(r, s, "名单中的学生编号超出范围")
            us = [int(self.unit_of[x]) for x in s]
            for a_i in range(len(s)):
                for b_i in range(a_i + 1, len(s)):
                    if us[a_i] == us[b_i]:
                        both = [s[a_i], s[b_i]]
                        grp = [int(x) for x in self.units[us[a_i]]]
                        raise Infeasible(r, sorted(set(both + grp)),
                                         f"第{both[0] + 1}、{both[1] + 1}号学生既要求同班（捆绑）又要求分开")
            if len(set(us)) > k:
                raise Infeasible(r, s, f"{len(s)}名学生须两两不同班，但只有{k}个班")
            for x in s:
                partners.setdefault(x, set()).update(y for y in s if y != x)
                for y in s:
                    if y != x:
                        self.pair_reason.setdefault((min(x, y), max(x, y)), r)
        self.partners = {x: np.array(sorted(v), dtype=np.int64) for x, v in partners.items()}
        self.constrained = np.array(sorted(self.partners), dtype=np.int64)
        self.cidx = np.full(n, -1, dtype=np.int64)
        self.cidx[self.constrained] = np.arange(len(self.constrained))
        unit_partners: dict[int, set[int]] = {}
        for x, ps in self.partners.items():
            ux = int(self.unit_of[x])
            unit_partners.setdefault(ux, set()).update(int(self.unit_of[y]) for y in ps)
        self.unit_partners = {u: sorted(v) for u, v in unit_partners.items()}

        # --- categorical features -> one code matrix into concatenated count columns
        codes, weights, totals, offs = [], [], [], 0
        self.strata = []
        for f in p.categorical:
            c = np.asarray(f.codes, dtype=np.int64)
            m = int(max(len(f.labels), (c.max() + 1) if c.size else 0))
            c = np.where(c < 0, m, c)            # missing is its own category
            self.strata.append(c)
            codes.append(c + offs)
            weights.append(np.full(m + 1, float(f.weight)))
            offs += m + 1
        # numeric features -> dense standardised columns
        cols, wcol = [], []
        for f in p.numeric:
            v = np.asarray(f.values, dtype=float)
            miss = np.isnan(v)
            if miss.all():
                continue
            mu = v[~miss].sum() / (~miss).sum()
            sd = np.sqrt(((v[~miss] - mu) ** 2).sum() / (~miss).sum())
            if not sd > 0:
                sd = 1.0
            z = np.where(miss, 0.0, (v - mu) / sd)
            if f.weight_mean > 0:
                cols.append(z)
                wcol.append(float(f.weight_mean))
            if f.weight_sd > 0:
                z2 = z * z
                q = np.where(miss, 0.0, z2 - z2[~miss].sum() / (~miss).sum())
                cols.append(q)
                wcol.append(float(f.weight_sd))
        self.n_cat_cols = offs
        self.codes = (np.stack(codes, axis=1) if codes else np.zeros((n, 0), np.int64))
        self.wcat_cols = np.concatenate(weights) if weights else np.zeros(0)
        self.wcat = (self.wcat_cols[self.codes[0]] if codes else np.zeros(0))   # weight per code column
        cat_totals = np.zeros(offs)
        if codes:
            np.add.at(cat_totals, self.codes.ravel(), 1.0)
        self.cat_target = np.broadcast_to(cat_totals / k, (k, offs)).copy()
        self.X = (np.stack(cols, axis=1) if cols else np.zeros((n, 0)))
        self.wnum = np.array(wcol, dtype=float)
        col_tot = self.X.sum(axis=0)
        self.num_target = (self.sizes[:, None] / n) * col_tot[None, :]
        self.Xw = self.X * self.wnum[None, :]
        self.sq = (self.X * self.Xw).sum(axis=1)
        self.cat_quad = 4.0 * float(self.wcat.sum())
        wmax = max([1.0] + list(self.wcat_cols) + list(self.wnum))
        self.grid = GRID * wmax


class _State:
    """Labels plus the deviations D = S - T kept up to date under swaps."""

    def __init__(self, prep: _Prep, labels: np.ndarray):
        self.p = prep
        self.L = labels.astype(np.int64).copy()
        k = prep.k
        cnt = np.zeros((k, prep.n_cat_cols))
        if prep.codes.shape[1]:
            np.add.at(cnt, (np.repeat(self.L, prep.codes.shape[1]), prep.codes.ravel()), 1.0)
        self.Dc = cnt - prep.cat_target
        S = np.zeros((k, prep.X.shape[1]))
        np.add.at(S, self.L, prep.X)
        self.Dn = S - prep.num_target
        # partners of constrained student cidx[x] per class; one more row, all zeros, that
        # cidx = -1 (no apart rule) reads, so "is a partner there" needs no mask
        self.PC = np.zeros((len(prep.constrained) + 1, k), dtype=np.int64)
        for row, x in enumerate(prep.constrained):
            np.add.at(self.PC[row], self.L[prep.partners[int(x)]], 1)
        self.selfv = self._self_terms(np.arange(prep.n))
        self.stale: set[int] = set()          # classes whose selfv needs a refresh before delta()

    def copy_labels(self) -> np.ndarray:
        return self.L.copy()

    def objective(self) -> float:
        p = self.p
        val = 0.0
        if p.n_cat_cols:
            val += float((p.wcat_cols[None, :] * self.Dc * self.Dc).sum())
        if p.X.shape[1]:
            val += float((p.wnum[None, :] * self.Dn * self.Dn).sum())
        return val

    def _self_terms(self, idx: np.ndarray) -> np.ndarray:
        """sum_g w_g D[L_j, c_jg] + sum_f w_f x_jf D[L_j, f] for students ``idx``."""
        p = self.p
        out = np.zeros(len(idx))
        lab = self.L[idx]
        if p.n_cat_cols:
            out += (self.Dc[lab[:, None], p.codes[idx]] * p.wcat[None, :]).sum(axis=1)
        if p.X.shape[1]:
            out += (self.Dn[lab] * p.Xw[idx]).sum(axis=1)
        return out

    def refresh(self, classes) -> None:
        sel = np.zeros(self.p.k, dtype=bool)
        sel[list(classes)] = True
        idx = np.flatnonzero(sel[self.L])
        self.selfv[idx] = self._self_terms(idx)

    def delta(self, i: int, J: np.ndarray, cJ: np.ndarray | None = None,
              xJ: np.ndarray | None = None) -> np.ndarray:
        """Objective change for swapping ``i`` with each of ``J``; +inf where a rule would break.

        Δ_j = 2 (U_j - self_j - self_i + Q[b_j]) + 4 Σ_g w_g + 2 sq_j + 2 sq_i with
        U_j = Σ_g u[c_jg] + Σ_f v_f x_jf, u = w∘(D_a - 2 e(c_i)), v = w∘(D_a - 2 x_i),
        self_j = x_j·w D[L_j], Q[b] = x_i·w D[b]: the expansion of 2 d·(D_a - D_b) + 2|d|^2.
        """
        p = self.p
        a = self.L[i]
        B = self.L[J]
        U = np.zeros(len(J))
        Q = np.zeros(p.k)
        if p.n_cat_cols:
            ci = p.codes[i]
            u = p.wcat_cols * self.Dc[a]
            u[ci] -= 2.0 * p.wcat
            U += u[p.codes[J] if cJ is None else cJ].sum(axis=1)
            Q += (self.Dc[:, ci] * p.wcat[None, :]).sum(axis=1)
        if p.X.shape[1]:
            xi = p.X[i]
            v = p.wnum * (self.Dn[a] - 2.0 * xi)
            U += ((p.X[J] if xJ is None else xJ) * v[None, :]).sum(axis=1)
            Q += (self.Dn * p.Xw[i][None, :]).sum(axis=1)
        out = 2.0 * (U - self.selfv[J] - self.selfv[i] + Q[B]) + (p.cat_quad + 2.0 * p.sq[i]) + 2.0 * p.sq[J]
        bad = B == a
        if len(p.constrained):
            ri = p.cidx[i]
            if ri >= 0:
                bad |= self.PC[ri, B] > 0
            rj = p.cidx[J]
            hit = rj >= 0
            if hit.any():
                bad[hit] |= self.PC[rj[hit], a] > 0
        out = np.rint(out / p.grid)
        out[bad] = np.inf
        return out

    def move(self, x: int, b: int) -> None:
        p = self.p
        a = self.L[x]
        if a == b:
            return
        if p.n_cat_cols:
            c = p.codes[x]
            self.Dc[a][c] -= 1.0          # (a row, then its columns: cheaper than Dc[a, c])
            self.Dc[b][c] += 1.0
        if p.X.shape[1]:
            self.Dn[a] -= p.X[x]
            self.Dn[b] += p.X[x]
        self.L[x] = b
        ps = p.partners.get(int(x))
        if ps is not None:
            rows = p.cidx[ps]
            self.PC[rows, a] -= 1
            self.PC[rows, b] += 1

    def swap(self, i: int, j: int) -> None:
        a, b = self.L[i], self.L[j]
        self.move(i, b)
        self.move(j, a)
        self.refresh([a, b])


# ------------------------------------------------------------------------------------------------
def _initial(prep: _Prep, rng: np.random.Generator) -> tuple[np.ndarray | None, int | None]:
    """Randomised greedy placement respecting every hard rule; (labels, None) or (None, failed unit)."""
    k = prep.k
    rem = prep.sizes.copy()
    L = np.full(prep.n, -1, dtype=np.int64)
    unit_class = np.full(len(prep.units), -1, dtype=np.int64)
    hard = [u for u in range(len(prep.units)) if prep.unit_size[u] > 1 or u in prep.unit_partners]
    hard = np.array(hard, dtype=np.int64)
    if len(hard):
        hard = hard[rng.permutation(len(hard))]
        npart = np.array([len(prep.unit_partners.get(int(u), ())) for u in hard])
        hard = hard[np.lexsort((-npart, -prep.unit_size[hard]))]
    for u in hard:
        u = int(u)
        s = prep.unit_size[u]
        ok = rem >= s
        for v in prep.unit_partners.get(u, ()):
            if unit_class[v] >= 0:
                ok[unit_class[v]] = False
        cand = np.flatnonzero(ok)
        if not len(cand):
            return None, u
        best = cand[rem[cand] == rem[cand].max()]
        c = int(best[rng.integers(len(best))])
        unit_class[u] = c
        rem[c] -= s
        L[prep.units[u]] = c
    # the rest: single students with no apart rule, dealt out stratified
    free = np.flatnonzero(L < 0)
    free = free[rng.permutation(len(free))]
    keys = [prep.strata[g][free] for g in range(min(len(prep.strata), 4))][::-1]
    if keys:
        free = free[np.lexsort(keys)]
    slots = np.repeat(np.arange(k), rem)          # one slot per free place, class by class
    # deal cyclically: order slots so consecutive students go to different classes
    rank = np.zeros(len(slots))
    start = 0
    for c in range(k):
        r = rem[c]
        rank[start:start + r] = (np.arange(r) + rng.random()) * (1.0 / max(r, 1))
        start += r
    slots = slots[np.lexsort((rng.random(len(slots)), rank))]
    L[free] = slots
    return L, None


def _infeasible_from(prep: _Prep, u: int) -> Infeasible:
    members = [int(x) for x in prep.units[u]]
    s = len(members)
    partner_units = prep.unit_partners.get(u, [])
    if not partner_units:
        rule = "同班捆绑" if s > 1 else "班额"
        return Infeasible(rule, members, f"无法为这{s}名要求同班的学生找到有足够空位的班级")
    involved = set(members)
    reason = None
    for x in members:
        for y in prep.partners.get(x, []):
            involved.add(int(y))
            reason = reason or prep.pair_reason[(min(x, int(y)), max(x, int(y)))]
    if s > 1 and reason is None:
        reason = "同班捆绑"
    return Infeasible(reason or "分开", sorted(involved),
                      f"同班捆绑、分开、同名（同音）分开的要求相互冲突，{len(involved)}名学生无法都满足")


def _check(prep: _Prep, problem: BalanceProblem, L: np.ndarray) -> None:
    """Final guard: never hand back labels that break a hard rule."""
    sizes = np.bincount(L, minlength=prep.k)
    if L.min() < 0 or L.max() >= prep.k or not np.array_equal(sizes, prep.sizes):
        raise RuntimeError("engine bug: class sizes broken")
    for g in problem.together:
        if len({int(L[x]) for x in g}) != 1:
            raise RuntimeError("engine bug: together group split")
    for s in problem.apart:
        s = sorted(set(int(x) for x in s))
        if len({int(L[x]) for x in s}) != len(s):
            raise RuntimeError("engine bug: apart set shares a class")


# ------------------------------------------------------------------------------------------------
def solve(problem: BalanceProblem, seed: int, *, max_seconds: float | None = None,
          progress: Callable[[float], None] | None = None,
          max_sweeps: int = MAX_SWEEPS, info: dict | None = None) -> np.ndarray:
    """Balanced labels (N,) in [0, K) for ``problem``; same problem + same seed = same labels."""
    t0 = time.monotonic()
    prep = _Prep(problem)
    rng = _rng(seed)

    def out_of_time() -> bool:
        return max_seconds is not None and time.monotonic() - t0 > max_seconds

    labels, failed = None, {}
    for _ in range(PLACEMENT_TRIES):
        labels, u = _initial(prep, rng)
        if labels is not None:
            break
        failed[u] = failed.get(u, 0) + 1
    if labels is None:
        worst = max(sorted(failed), key=lambda x: failed[x])
        raise _infeasible_from(prep, worst)

    st = _State(prep, labels)
    visits = _search(st, rng, max_sweeps, out_of_time, progress)
    if info is not None:
        info.update(visits=visits, budget=visit_budget(prep.k))
    best_labels = st.copy_labels()
    _check(prep, problem, best_labels)
    if progress is not None:
        progress(1.0)
    return best_labels


def _opposite(st: _State, m: int) -> np.ndarray:
    """For each class the ``m`` classes whose numeric deviation points most the other way (the
    lowest D_a·W·D_b over the numeric columns): exchanges between them gain most. The count columns
    are left out: at their bound their deviations cannot shrink, and their large weights would
    decide alone. Elementwise sums, no BLAS; ties by class number."""
    p = st.p
    k = p.k
    score = np.zeros((k, k))
    for j in range(st.Dn.shape[1]):
        col = st.Dn[:, j]
        score += (p.wnum[j] * col)[:, None] * col[None, :]
    score[np.arange(k), np.arange(k)] = np.inf
    return np.argsort(score, axis=1, kind="stable")[:, :m]


def _count_fixers(st: _State) -> list[tuple[int, int]]:
    """(fullest, emptiest) class of every count column whose range is 2 or more, distinct pairs in
    column order."""
    if not st.Dc.size:
        return []
    cols = np.flatnonzero(st.Dc.max(axis=0) - st.Dc.min(axis=0) > 1.5)
    out: list[tuple[int, int]] = []
    for c in cols:
        a, b = int(np.argmax(st.Dc[:, c])), int(np.argmin(st.Dc[:, c]))
        pair = (min(a, b), max(a, b))
        if pair not in out:
            out.append(pair)
    return out


def _class_pairs(st: _State, rng: np.random.Generator) -> list[tuple[int, int]]:
    """The class pairs visited in one sweep, in a random order: all of them for up to
    ALL_PAIRS_MAX_K classes, else for each class its OPPOSITES most opposite classes and PARTNERS
    random ones, plus, for every count off its bound, the classes with the most and the fewest."""
    k = st.p.k
    if k <= ALL_PAIRS_MAX_K:
        a, b = np.triu_indices(k, 1)
    else:
        a = np.repeat(np.arange(k), PARTNERS)
        b = (a + 1 + rng.integers(0, k - 1, len(a))) % k
        # counts off their bound: the class with the most and the one with the fewest meet
        cols = np.flatnonzero(st.Dc.max(axis=0) - st.Dc.min(axis=0) > 1.5) if st.Dc.size else []
        hi_c = np.argmax(st.Dc[:, cols], axis=0) if len(cols) else np.zeros(0, np.int64)
        lo_c = np.argmin(st.Dc[:, cols], axis=0) if len(cols) else np.zeros(0, np.int64)
        opp = _opposite(st, OPPOSITES)
        # the classes that set each numeric range: the EXTREMES highest meet the EXTREMES lowest
        per = st.Dn / st.p.sizes[:, None]
        order = np.argsort(per, axis=0, kind="stable")
        lo_n = np.repeat(order[:EXTREMES], EXTREMES, axis=0).ravel()
        hi_n = np.tile(order[-EXTREMES:], (EXTREMES, 1)).ravel()
        a = np.concatenate([np.repeat(np.arange(k), OPPOSITES), hi_c, hi_n, a])
        b = np.concatenate([opp.ravel(), lo_c, lo_n, b])
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        pairs = distinct(lo * k + hi)
        a, b = pairs // k, pairs % k
    order = rng.permutation(len(a))
    return [(int(a[q]), int(b[q])) for q in order]


def _search(st: _State, rng: np.random.Generator, max_sweeps: int, out_of_time,
            progress: Callable[[float], None] | None) -> int:
    """Sweeps of class-pair exchanges (pair_exchange.PairSearch) until a sweep changes nothing.

    A pair whose visit found nothing is skipped until one of its two classes changes (version
    counters), so late sweeps only look where something moved. Bound groups get their own
    exchange pass after each sweep that moved anybody. (Over 60 lines: the sweep loop holds the
    shared work count, quiet stamps and stopping rules that the count repair, the probed batches
    and the group pass all update.)
    """
    p = st.p
    if p.k < 2:
        return 0
    ps = PairSearch(st)
    batched = p.k <= ALL_PAIRS_MAX_K and ps.Gs is not None
    ps.eject = batched and EJECT > 0
    version = ps.version                      # per class, bumped by every move into or out of it
    quiet: dict[tuple[int, int], tuple[int, int]] = {}
    groups_done = False                       # bound groups tried since the last change?
    visits = 0
    budget = visit_budget(p.k)
    for sweep in range(max_sweeps):
        moved = 0
        if p.k > ALL_PAIRS_MAX_K:
            # counts first: while a count is off its bound, its fullest and emptiest classes meet
            for _ in range(REPAIR_ROUNDS):
                pairs = _count_fixers(st)
                if not pairs or visits >= budget:
                    break
                for a, b in pairs:
                    if visits >= budget:
                        break
                    visits += 1
                    if ps.visit(a, b):
                        moved += 1
                        groups_done = False
        order = _class_pairs(st, rng)
        q = 0
        while q < len(order) and visits < budget:
            # the next pairs in the sweep's order that are still to look at and share no class
            # (visiting one cannot change another's result, so probing them together first
            # gives exactly what visiting them one by one would)
            todo: list[tuple[int, int]] = []
            used: set[int] = set()
            while q < len(order) and visits + len(todo) < budget:
                a, b = order[q]
                if a in used or b in used:
                    break
                if quiet.get((a, b)) == (int(version[a]), int(version[b])):
                    q += 1
                    continue
                if todo and not batched:
                    break
                todo.append((a, b))
                used.update((a, b))
                q += 1
            if not todo:
                break
            visits += len(todo)
            hit = ps.probe(todo) if len(todo) > 1 else np.ones(1, dtype=bool)
            for (a, b), h in zip(todo, hit):
                if h and ps.visit(a, b):
                    moved += 1
                    groups_done = False
                else:
                    quiet[(a, b)] = (int(version[a]), int(version[b]))
            if out_of_time():
                return visits
        if progress is not None:
            progress(min(0.95, max((sweep + 1) / max_sweeps, visits / budget)))
        if out_of_time():
            return visits
        # bound groups: on the first sweep, then whenever the singles have settled
        if p.groups and (sweep == 0 or not moved) and not groups_done:
            st.refresh(sorted(st.stale))
            st.stale.clear()
            before = st.L.copy()
            for gi in rng.permutation(len(p.groups)):
                _group_move(st, p.groups[int(gi)], rng)
            changed = np.flatnonzero(before != st.L)
            if len(changed):
                version[distinct(np.concatenate([before[changed], st.L[changed]]))] += 1
                ps.relayout()
                moved += 1
            groups_done = True
        if not moved or visits >= budget:
            return visits
    return visits


def _group_move(st: _State, members: np.ndarray, rng: np.random.Generator) -> int:
    """Try swapping a bound group with the same number of singles of another class (greedy per
    member); keep the first exchange that lowers the objective. Returns 1 if moved."""
    p = st.p
    a = int(st.L[members[0]])
    others = np.flatnonzero(np.arange(p.k) != a)
    if not len(others):
        return 0
    for b in others[rng.permutation(len(others))[:UNIT_TRIES]]:
        b = int(b)
        done: list[tuple[int, int]] = []
        total = 0.0
        ok = True
        for m in members:
            J = p.singles[st.L[p.singles] == b]
            if not len(J):
                ok = False
                break
            if done:
                st.refresh([a, b])        # (the self terms are refreshed only before they are read)
            d = st.delta(int(m), J)
            j = int(np.argmin(d))
            if not np.isfinite(d[j]):
                ok = False
                break
            total += d[j]
            st.move(int(m), b)            # as swap(m, J[j])
            st.move(int(J[j]), a)
            done.append((int(m), int(J[j])))
        if ok and total < 0:
            st.refresh([a, b])
            return 1
        for m, j in reversed(done):       # undone move by move (the same arithmetic on D as swap())
            st.move(m, a)
            st.move(j, b)
        if done:
            st.refresh([a, b])
    return 0
