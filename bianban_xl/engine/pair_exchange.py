"""Exchange search between two classes at a time: every single swap, then pairs of swaps.

The engine's objective is one quadratic form over a feature vector per student ``f`` (weighted
one-hot categories and standardised numeric columns, weights ``W``)::

    obj = sum_k (S_k - T_k)^T W (S_k - T_k),   S_k = sum of f over class k,  D_k = S_k - T_k

Swapping ``i`` (class a) with ``j`` (class b) moves ``d = f_j - f_i`` into a and out of b, so

    Δ(i, j) = 2 d^T W (D_a - D_b) + 2 d^T W d
            = 2 (h_j - h_i) + 2 (G_ii + G_jj - 2 G_ij),     h = F W (D_a - D_b),  G = F W F^T

and two swaps of the same two classes done together change it by

    Δ(i1, j1) + Δ(i2, j2) + 4 (G[j1,j2] - G[j1,i2] - G[i1,j2] + G[i1,i2]).

G is kept whole up to FULL_GRAM_MAX students, its rows and columns in class order (else each
class's own block is kept while the class is unchanged and a visit computes the block between its
two classes from the features), so each step costs a few (n × n) array operations for
classes of n. Double exchanges matter because the count balances (gender, school, 户籍, 等级)
leave few single swaps that keep every count at its bound. Two kinds are searched:

* matched doubles: two students against two with the same categories keep every count exactly
  and move the class means by amounts no single neutral swap offers. They are found by keying
  every pair of students of a class by the category multisets of the features with three or
  more categories and matching equal keys between the two classes;
* ejection doubles: one of the EJECT single swaps with the best numeric Δ (counts ignored), which
  usually pushes a count off its bound, together with any second swap of the same two classes —
  the exact Δ keeps only those whose second swap brings every count back within its bound
  (a count may end on the other side of its floor/ceil window than it started). This larger
  move set lets the means and spreads keep improving once the counts are at their bound (the
  matched doubles alone stop in a deep local optimum). On since 0.4.0, up to ALL_PAIRS_MAX_K
  classes with the whole G kept: balance comes before speed; benchmarks.md has the figures.

Where few categories make nearly every pair of students match (one source school, or a roster
with 性别 alone), the matched doubles of two classes run into the hundreds of thousands; above
MATCH_CAP only the pairs among each class's students with the best single swaps are matched
(since 0.4.1; before, such a roster took minutes at N=1000).

Students of apart rules (同名, 同音, 分开) take part in every kind of exchange, but never towards a
class that holds one of their partners (:meth:`PairSearch._blocked`; checked before the exchange,
so conservatively also when that partner leaves in it). Until 0.5.0 they were left to single
swaps; at 20,000 students, where 同名 and 同音 put more than half the school in some apart rule,
that left most of the school out of the double exchanges.

Δ is computed exactly for every candidate. :meth:`PairSearch.probe` evaluates the same moves for
several class pairs with no class in common in one set of array operations (most visits late in
the search find nothing, and for 50-student classes numpy's per-call cost, not arithmetic,
decides the time); visit() then makes the moves where the probe found some.

Categorical parts of ``G`` and ``h`` are computed by comparing codes (exact); numeric parts by
elementwise products and row sums (no BLAS), so results do not depend on the machine's BLAS.
"""
from __future__ import annotations

import math

import numpy as np

from bianban_xl.engine.arrays import distinct, runs

FULL_GRAM_MAX = 2500    # keep the whole student × student G up to this many students
EJECT = 32              # first swaps tried per ejection-double search (0 = off); at N=1000/K=20 it
                        # lowers every mean figure ≈10% for ≈30% more CPU (0.4.0; benchmarks.md)
EJECT_CHUNK = 16        # of them evaluated per array operation in probe() (P pairs at a time: keeps
                        # the arrays in cache)
BLOCK_ROWS = 64         # rows of G computed at a time (_block)
SELECT_GROUP = 16       # _smallest: values per group whose minima bound the m-th smallest
MOVES_PER_VISIT = 12    # moves made at most per visit of a class pair
MATCH_CAP = 6000        # matched doubles evaluated per class pair at most. Few categories make most
                        # pairs of students match (one source school, or a roster with 性别 alone:
                        # 140,000 and 500,000 per pair at N=1000, minutes of search); above the cap
                        # only pairs among each class's students with the best single swaps are
                        # matched. 30 source schools give ≈1,200 (at most ≈2,300), 10 give ≈5,700.


def _smallest_set(key: np.ndarray, m: int) -> np.ndarray:
    """Per row of ``key`` (2-d), the positions of its ``m`` smallest values in any order: the
    same set as ``np.argpartition(key, m - 1, axis=1)[:, :m]`` (found as _smallest does; a row
    where the m-th value has equal values left out, where the choice among them is
    argpartition's own, is handed to argpartition)."""
    out = np.empty((len(key), m), dtype=np.intp)
    for t, row in enumerate(key):
        n = len(row)
        if n >= SELECT_GROUP * m:
            mins = np.minimum.reduce(row[:n - n % SELECT_GROUP].reshape(SELECT_GROUP, -1), axis=0)
            cand = (row <= np.partition(mins, m - 1)[m - 1]).nonzero()[0]
            first = cand[np.argpartition(row[cand], m - 1)[:m]]
            if np.count_nonzero(row <= row[first].max()) == m:
                out[t] = first
                continue
        out[t] = np.argpartition(row, m - 1)[:m]
    return out


def _smallest(key: np.ndarray, m: int) -> np.ndarray:
    """Positions of the ``m`` smallest of the distinct values ``key`` (1-d), smallest first —
    ``np.argpartition`` then a sort of those m, over the few values that can be among them: the
    m-th smallest of the minima of groups of values (every n // SELECT_GROUP-th value, so that
    the minima are one elementwise minimum of SELECT_GROUP rows) is at least the m-th smallest
    value (it is above or at m distinct values), so only the values up to it are partitioned."""
    n = len(key)
    if n >= SELECT_GROUP * m:
        mins = np.minimum.reduce(key[:n - n % SELECT_GROUP].reshape(SELECT_GROUP, -1), axis=0)
        cand = (key <= np.partition(mins, m - 1)[m - 1]).nonzero()[0]
        first = cand[np.argpartition(key[cand], m - 1)[:m]]
    else:
        first = np.argpartition(key, m - 1)[:m]
    return first[key[first].argsort()]


class PairSearch:
    """Single and double exchanges between two classes ``a`` and ``b`` of an engine ``_State``."""

    def __init__(self, st):
        self.st = st
        p = st.p
        self.p = p
        # students that may take part in exchanges: single (not bound) students; a student of an
        # apart rule only towards a class that holds none of his partners (_blocked)
        self.movable = p.is_single.copy()
        self._blk = np.zeros(p.n, dtype=bool)            # scratch: student -> blocked (_matches)
        # double exchanges are matched on the category multisets of the features with three or
        # more categories (school, 等级 ...); two-valued ones (gender, 户籍, 缺考 flags) are left to
        # the exact Δ, which also accepts the many exchanges they leave neutral
        ncat = [len(distinct(p.codes[:, g])) for g in range(p.codes.shape[1])]
        self.key_features = [g for g in range(len(ncat)) if ncat[g] >= 3] or list(range(len(ncat)))
        # per student, the sum over the key features of a fixed random 64-bit code of his category
        # (drawn from a fixed seed, so the same on every machine)
        codes_rng = np.random.Generator(np.random.PCG64(20251125))
        table = codes_rng.integers(0, 2**63, size=max(p.n_cat_cols, 1), dtype=np.int64).astype(np.uint64)
        table = table * np.uint64(2) + np.uint64(1)
        self._skey = np.zeros(p.n, dtype=np.uint64)
        for g in self.key_features:
            self._skey += table[p.codes[:, g]]
        self._tri: dict[int, tuple] = {}
        self.version = np.zeros(p.k, dtype=np.int64)     # bumped whenever a class changes
        self._keys: dict[int, tuple] = {}
        self._kept_matches: dict[tuple[int, int], tuple] = {}   # (a, b) -> (versions, _matches), last probe
        self._buf = np.empty(0, dtype=np.float32)                 # scratch of the ejection searches
        self._pos = np.zeros(p.n, dtype=np.int64)         # scratch: student -> layout position (visit)
        self._rank_buf = np.zeros(p.n)                    # scratch: student -> best single-swap Δ
        self.diag = self._pairs(np.arange(p.n), np.arange(p.n))       # G_ii
        self._sq_b = np.add.reduce(p.X * p.X * p.wnum, axis=1)          # p.sq summed as probe() did
        # layout: the students class by class (class c at positions starts[c]:starts[c+1]); up to
        # FULL_GRAM_MAX students the whole G = F W F^T is kept in that order (Gs), so a visit
        # reads its two classes' Gram block as four slices, and every swap exchanges two positions
        self.starts = np.concatenate([[0], np.cumsum(p.sizes)])
        self.perm = np.zeros(p.n, dtype=np.int64)
        self.where = np.zeros(p.n, dtype=np.int64)       # student -> layout position
        self.eject = False                                # also search ejection doubles
        self.Gs = None
        self._own: dict[int, tuple] = {}                 # no kept G: class -> (version, own block)
        self.relayout()

    def relayout(self) -> None:
        """Order the layout by the current classes (after moves made outside visit())."""
        new = np.argsort(self.st.L, kind="stable")
        self._own.clear()
        self._keys.clear()                  # they hold layout positions
        self._kept_matches.clear()
        if self.Gs is None:
            if self.p.n <= FULL_GRAM_MAX:
                self.Gs = self._block(new, new)
        elif not np.array_equal(new, self.perm):
            where = np.empty(self.p.n, dtype=np.int64)
            where[self.perm] = np.arange(self.p.n)
            idx = where[new]
            self.Gs = self.Gs[np.ix_(idx, idx)]
        self.perm = new
        self.where[new] = np.arange(self.p.n)

    # -- entries of G = F W F^T ---------------------------------------------------------------------
    def _block(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """G[X][:, Y], computed from the features: the weight of each category two students share,
        then each numeric column's products, added in that order; BLOCK_ROWS rows at a time, so
        that the whole G's (up to 2,500 × 2,500) terms are added in cache. Up to 8 categorical
        features and blocks of more than 4,096 entries, their part is looked up by which
        categories two students share (a bit each): the table holds the same sums, added in the
        same order."""
        p = self.p
        out = np.empty((len(X), len(Y)))
        CY, XY = p.codes[Y].T.copy(), p.X[Y].T.copy()
        table = self._cat_table() if len(X) * len(Y) > 4096 else None     # (small blocks: per feature)
        if table is not None:
            pat = np.empty((min(len(X), BLOCK_ROWS), len(Y)), dtype=np.uint8)
            bit = np.empty_like(pat)
        for r0 in range(0, len(X), BLOCK_ROWS):
            x = X[r0:r0 + BLOCK_ROWS]
            o = out[r0:r0 + BLOCK_ROWS]
            if table is not None:
                pt, bt = pat[:len(x)], bit[:len(x)]
                pt.fill(0)
                for g, cx in enumerate(p.codes[x].T):
                    np.equal(cx[:, None], CY[g][None, :], out=bt.view(bool))
                    bt <<= g
                    pt |= bt
                table.take(pt, out=o)
            else:
                o.fill(0.0)
                for g, cx in enumerate(p.codes[x].T):
                    o += (cx[:, None] == CY[g][None, :]) * p.wcat[g]
            for f, xw in enumerate(p.Xw[x].T):
                o += xw[:, None] * XY[f][None, :]
        return out

    def _cat_table(self) -> np.ndarray | None:
        """_block's categorical part by which categories two students share (bit g: feature g),
        for up to 8 features: Σ_g (w_g if shared else 0), added feature by feature."""
        nf = self.p.codes.shape[1]
        if not 0 < nf <= 8:
            return None
        table = np.zeros(1 << nf)
        for g in range(nf):                         # bit g set: + w_g, else + 0, feature by feature
            table += (np.arange(1 << nf) >> g & 1).astype(bool) * self.p.wcat[g]
        return table

    def _own_block(self, c: int) -> np.ndarray:
        """G among the students of class ``c`` in layout order (kept until the class changes)."""
        hit = self._own.get(c)
        if hit is None or hit[0] != self.version[c]:
            S = self.perm[self.starts[c]:self.starts[c + 1]]
            hit = self._own[c] = (int(self.version[c]), self._block(S, S))
        return hit[1]

    def _pairs(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """G[X[t], Y[t]] for each t, computed from the features."""
        p = self.p
        out = np.zeros(len(X))
        if p.n_cat_cols:
            out += ((p.codes[X] == p.codes[Y]) * p.wcat[None, :]).sum(axis=1)
        if p.X.shape[1]:
            out += (p.Xw[X] * p.X[Y]).sum(axis=1)
        return out

    def _h(self, S: np.ndarray, a: int, b: int) -> np.ndarray:
        """h = F W (D_a - D_b) for the students ``S``."""
        p = self.p
        return self._h_rows(p.codes[S] if p.n_cat_cols else None, p.X[S] if p.X.shape[1] else None, a, b)

    def visit(self, a: int, b: int, pairs: bool = True) -> int:
        """Improve classes ``a`` and ``b`` by single swaps, and when none improves by the better of
        the best matched and (if ``self.eject``) the best ejection double; returns moves made.

        The visit works on U = the two classes' students in layout order, a's first (bound
        students are masked out): the Gram block GUU = G[U][:, U] is copied once from the layout
        and kept in that order as students change sides (a swap exchanges two rows and columns),
        so every step reads its a×b, a×a and b×b blocks as views. (Over 60 lines: one loop over
        the moves of a visit, which shares these local arrays; split up it would pass them all.)
        """
        st, p = self.st, self.p
        sa, ea, sb, eb = self.starts[a], self.starts[a + 1], self.starts[b], self.starts[b + 1]
        na, nb = int(ea - sa), int(eb - sb)
        U = np.concatenate([self.perm[sa:ea], self.perm[sb:eb]])   # U[:na] in a, U[na:] in b, kept so
        mv = self.movable[U]
        if not mv[:na].any() or not mv[na:].any():
            return 0
        pinned = not mv.all()
        apart = bool((p.cidx[U] >= 0).any()) if len(p.constrained) else False
        if self.Gs is not None:
            Gs = self.Gs
            GUU = np.empty((na + nb, na + nb))
            GUU[:na, :na] = Gs[sa:ea, sa:ea]
            GUU[:na, na:] = Gs[sa:ea, sb:eb]
            GUU[na:, :na] = Gs[sb:eb, sa:ea]
            GUU[na:, na:] = Gs[sb:eb, sb:eb]
        else:
            # no kept G (large schools): each class's own block is kept while the class is
            # unchanged, so a visit computes only the block between the two classes
            GUU = np.empty((na + nb, na + nb))
            GUU[:na, :na] = self._own_block(a)
            GUU[na:, na:] = self._own_block(b)
            GUU[:na, na:] = self._block(U[:na], U[na:])
            GUU[na:, :na] = GUU[:na, na:].T
        dU = self.diag[U]
        self._at = (sa, sb, na)
        U0 = U.copy()
        CU = p.codes[U] if p.n_cat_cols else None
        XU = p.X[U] if p.X.shape[1] else None
        grid = p.grid
        moves = 0
        for _ in range(MOVES_PER_VISIT):
            h = 2.0 * self._h_rows(CU, XU, a, b)
            hA, hB = h[:na], h[na:]
            GAB = GUU[:na, na:]
            # M[r, c] = Δ of swapping U[r] (in a) with U[na + c] (in b) = 2(h_j - h_i) + 2(G_ii + G_jj - 2 G_ij)
            M = (hB[None, :] - hA[:, None]) + 2.0 * (dU[:na, None] + dU[None, na:]) - 4.0 * GAB
            Mr = np.rint(M / grid)
            rowok, colok = mv[:na], mv[na:]         # who may move: single, and no partner there
            if apart:
                rowok = rowok & ~self._blocked(U[:na], b)
                colok = colok & ~self._blocked(U[na:], a)
            if apart or pinned:
                Mr[~rowok, :] = np.inf
                Mr[:, ~colok] = np.inf
            k = int(Mr.argmin())
            if Mr.flat[k] < 0:
                if np.count_nonzero(Mr == Mr.flat[k]) > 1:     # equal Δ: lowest student numbers
                    tie = (Mr == Mr.flat[k]).ravel().nonzero()[0]
                    rr, cc = np.divmod(tie, nb)
                    k = int(tie[(U[rr] * p.n + U[na + cc]).argmin()])
                r, c = divmod(k, nb)
                self._swap_local(U, GUU, dU, CU, XU, r, na + c, a, b)
                moves += 1
                continue
            if not pairs:
                break
            best = self._double(U, na, GUU, M, a, b, lambda: self._rank(U[:na], U[na:], Mr))
            alt = self._eject(U, na, GUU, Mr, XU, a, b, rowok, colok, self._hnum) if self.eject else None
            if alt is not None and (best is None or alt[2] < best[2]):
                best = alt
            if best is None:
                break
            for r, c in zip(best[0], best[1]):
                self._swap_local(U, GUU, dU, CU, XU, r, na + c, a, b)
            moves += 1
        if moves:
            st.stale.update((a, b))
            if self.Gs is None:
                self._own[a] = (int(self.version[a]), GUU[:na, :na].copy())
                self._own[b] = (int(self.version[b]), GUU[na:, na:].copy())
            else:
                # the kept G follows the layout: the rows and columns of the students who moved
                # are put where they now sit, once (a few of the two classes' positions)
                at = np.concatenate([np.arange(sa, ea), np.arange(sb, eb)])
                old = self._pos
                old[U0] = at                        # where each student sat before the visit
                src = old[U]
                ch = src != at
                at, src = at[ch], src[ch]
                self.Gs[at] = self.Gs[src]
                self.Gs[:, at] = self.Gs[:, src]
        return moves

    def probe(self, pairs: list[tuple[int, int]]) -> np.ndarray:
        """For class pairs with no class in common: True where a visit may find an improving move
        (a single swap, a matched double or an ejection double, as visit() searches them), all
        pairs evaluated together so that numpy's per-call cost is paid once per round rather than
        once per pair. Needs the kept G. The arithmetic follows visit() (rounded to the grid); a
        pair flagged here and found quiet by visit() only costs that visit."""
        st, p = self.st, self.p
        self._kept_matches.clear()
        P = len(pairs)
        a = np.array([x for x, _ in pairs], dtype=np.int64)
        b = np.array([y for _, y in pairs], dtype=np.int64)
        sa, sb = self.starts[a], self.starts[b]
        na, nb = self.starts[a + 1] - sa, self.starts[b + 1] - sb
        n = int(max(na.max(), nb.max()))
        r = np.arange(n)
        okA, okB = r[None, :] < na[:, None], r[None, :] < nb[:, None]
        IA = sa[:, None] + np.minimum(r[None, :], na[:, None] - 1)        # layout positions
        IB = sb[:, None] + np.minimum(r[None, :], nb[:, None] - 1)
        UA, UB = self.perm[IA], self.perm[IB]
        Gs, grid = self.Gs, p.grid
        # each pair's a×b block of the kept G (slices; beyond a smaller class: 0, masked below)
        GAB = np.empty((P, n, n)) if (na == n).all() and (nb == n).all() else np.zeros((P, n, n))
        for t, (x, y, ra, rb) in enumerate(zip(sa.tolist(), sb.tolist(), na.tolist(), nb.tolist())):
            GAB[t, :ra, :rb] = Gs[x:x + ra, y:y + rb]
        pi = np.arange(P)[:, None]
        hA = np.zeros((P, n))
        hB = np.zeros((P, n))
        if p.n_cat_cols:
            dd = (st.Dc[a] - st.Dc[b]) * p.wcat_cols[None, :]
            hA += np.add.reduce(dd[pi[:, :, None], p.codes[UA]], axis=2)
            hB += np.add.reduce(dd[pi[:, :, None], p.codes[UB]], axis=2)
        XA, XB = p.X[UA], p.X[UB]
        if p.X.shape[1]:
            v = p.wnum[None, :] * (st.Dn[a] - st.Dn[b])
            numA = np.add.reduce(XA * v[:, None, :], axis=2)
            numB = np.add.reduce(XB * v[:, None, :], axis=2)
            hA += numA
            hB += numB
        dA, dB = self.diag[UA], self.diag[UB]
        M = 2.0 * (hB[:, None, :] - hA[:, :, None]) + 2.0 * (dA[:, :, None] + dB[:, None, :]) - 4.0 * GAB
        Mr = np.rint(M / grid)
        rowok = okA & self.movable[UA]
        colok = okB & self.movable[UB]
        if len(p.constrained):
            rowok &= st.PC[p.cidx[UA], b[:, None]] == 0         # (PC's last row: cidx -1)
            colok &= st.PC[p.cidx[UB], a[:, None]] == 0
        allowed = rowok[:, :, None] & colok[:, None, :]
        Mr[~allowed] = np.inf
        hit = Mr.reshape(P, -1).min(axis=1) < 0
        rest = (~hit).nonzero()[0]
        if len(rest):
            hit[rest] |= self._probe_matched(rest, a, b, sa, sb, Mr, M, GAB, UA, UB)
        rest = (~hit).nonzero()[0]
        if len(rest) and self.eject and p.X.shape[1]:
            hit[rest] |= self._probe_eject(rest, sa, sb, IA, IB, UA, UB, rowok, colok, XB, numA, numB, Mr, GAB)
        return hit

    def _probe_matched(self, idx, a, b, sa, sb, Mr, M, GAB, UA, UB) -> np.ndarray:
        """probe(): matched doubles (as _double) of the pairs ``idx``."""
        parts, owner = [], []
        na, nb = self.starts[a + 1] - sa, self.starts[b + 1] - sb
        for t in idx:
            ra, rb = int(na[t]), int(nb[t])
            m = self._matches(int(a[t]), int(b[t]),
                              lambda t=t, ra=ra, rb=rb: self._rank(UA[t, :ra], UB[t, :rb], Mr[t, :ra, :rb]),
                              keep=True)
            if m is not None:
                parts.append(m[:4])
                owner.append(np.full(len(m[0]), t))
        if not parts:
            return np.zeros(len(idx), dtype=bool)
        R1, R2, C1, C2 = (np.concatenate(x) for x in zip(*parts))
        o = np.concatenate(owner)
        # as _double: M[o, R1, C1] + M[o, R2, C2] + 4 (Gs[Q1, Q2] - Gs[P2, Q1] - Gs[P1, Q2] + Gs[P1, P2])
        # with layout positions P = sa[o] + R, Q = sb[o] + C; Gs[P, Q] is GAB[o, R, C]; read by
        # flat positions
        n, N = M.shape[1], self.Gs.shape[0]
        at = o * (n * n)
        at1, at2 = at + R1 * n, at + R2 * n
        Mf, Bf, Gf = M.ravel(), GAB.ravel(), self.Gs.ravel()
        sao, sbo = sa[o], sb[o]
        tot = Mf.take(at1 + C1) + Mf.take(at2 + C2) + 4.0 * (
            Gf.take((sbo + C1) * N + (sbo + C2)) - Bf.take(at2 + C1) - Bf.take(at1 + C2)
            + Gf.take((sao + R1) * N + (sao + R2)))
        good = np.rint(tot / self.p.grid) < 0
        found = np.zeros(len(a), dtype=bool)
        found[o[good]] = True
        return found[idx]

    def _probe_eject(self, idx, sa, sb, IA, IB, UA, UB, rowok, colok, XB, numA, numB, Mr, GAB) -> np.ndarray:
        """probe(): ejection doubles (as _eject) of the pairs ``idx``; ``rowok`` / ``colok``: the
        students of each side that may move (probe's single-swap masks); ``numA`` / ``numB``: the
        numeric part of h; ``GAB``: each pair's a×b block of G."""
        p = self.p
        P = len(idx)
        if P < len(sa):                      # (mostly every pair of the probe is left)
            sa, sb, IA, IB, UA, UB, XB = sa[idx], sb[idx], IA[idx], IB[idx], UA[idx], UB[idx], XB[idx]
            numA, numB, Mr, rowok, colok, GAB = numA[idx], numB[idx], Mr[idx], rowok[idx], colok[idx], GAB[idx]
        n = IA.shape[1]
        m = min(EJECT, int((np.add.reduce(rowok, axis=1) * np.add.reduce(colok, axis=1)).min()))
        if m < 1:                                                              # (allowed swaps per pair)
            return np.zeros(P, dtype=bool)
        # Σ_f w_f x_f² as (XA * XA w).sum(axis=2) and (XB * XB * w).sum(axis=2), per student
        sqA, sqB = 2.0 * p.sq[UA], 2.0 * self._sq_b[UB]
        Mn = (2.0 * numB + sqB)[:, None, :] + (sqA - 2.0 * numA)[:, :, None]
        Mn -= 4.0 * np.einsum("prf,pcf->prc", p.Xw[UA], XB)
        Mn /= p.grid
        key = np.rint(Mn, out=Mn)
        key[~(rowok[:, :, None] & colok[:, None, :])] = np.inf
        first = _smallest_set(key.reshape(P, -1), m)
        R1, C1 = np.divmod(first, n)                          # (P, m)
        pi = np.arange(P)[:, None]
        g = p.grid / 4.0
        # G[i1, a's students] - G[a's students, j1] and G[j1, b's students] - G[i1, b's students]:
        # the a×b parts from GAB, the a×a and b×b rows from the kept G (beyond a smaller class, any
        # finite value: M is inf there)
        u = self._rows(IA[pi, R1], sa, n) - GAB.transpose(0, 2, 1)[pi, C1]
        u /= g
        u = np.rint(u, out=u)
        u += Mr[pi, R1, C1][:, :, None]
        w = self._rows(IB[pi, C1], sb, n) - GAB[pi, R1]
        w /= g
        w = np.rint(w, out=w)
        pm = np.arange(m)[None, :]
        u[pi, pm, R1] = np.inf
        w[pi, pm, C1] = np.inf
        M32 = Mr.astype(np.float32)                 # probe() set Mr to inf where ok is False
        u32, w32 = u.astype(np.float32), w.astype(np.float32)
        best = np.full(P, np.inf, dtype=np.float32)
        buf = self._buffer((P, min(m, EJECT_CHUNK), n, n))
        for c0 in range(0, m, EJECT_CHUNK):
            uc = u32[:, c0:c0 + EJECT_CHUNK]
            T = buf[:, :uc.shape[1]]
            T[...] = M32[:, None]                   # (M + u) + w, as _eject
            T += uc[:, :, :, None]
            T += w32[:, c0:c0 + EJECT_CHUNK, None, :]
            np.minimum(best, np.minimum.reduce(T.reshape(P, -1), axis=1), out=best)
        return best < -2

    def _rows(self, R: np.ndarray, start: np.ndarray, n: int) -> np.ndarray:
        """Gs[R[t, i], start[t] + j] for j < n: for each pair t, rows of the kept G from its
        class's first position on (beyond a smaller class, the next class's values), as one
        gather of row pieces."""
        N = self.Gs.shape[0]
        if int(start.max()) + n > N:                # the last class, smaller than n: stop at its end
            cols = np.minimum(start[:, None] + np.arange(n), N - 1)
            return self.Gs[R[:, :, None], cols[:, None, :]]
        rs, cs = self.Gs.strides
        win = np.ndarray((N, N - n + 1, n), self.Gs.dtype, self.Gs, strides=(rs, cs, cs))  # win[i, j] = Gs[i, j:j + n]
        return win[R, start[:, None]]

    def _buffer(self, shape: tuple) -> np.ndarray:
        """A float32 scratch array of ``shape`` for the ejection search, from one kept buffer (a
        new large array on every step cost as much as the arithmetic in it)."""
        size = math.prod(shape)
        if self._buf.size < size:
            self._buf = np.empty(size, dtype=np.float32)
        return self._buf[:size].reshape(shape)

    def _h_rows(self, C, X, a: int, b: int) -> np.ndarray:
        """h = F W (D_a - D_b) for students with category codes ``C`` and numeric rows ``X``; its
        numeric part alone is left in ``self._hnum`` (the ejection search's numeric Δ uses it)."""
        p, st = self.p, self.st
        out = np.zeros(len(C) if C is not None else len(X))
        self._hnum = None
        if C is not None:
            dd = (st.Dc[a] - st.Dc[b]) * p.wcat_cols
            out += np.add.reduce(dd[C], axis=1)
        if X is not None:
            v = p.wnum * (st.Dn[a] - st.Dn[b])
            self._hnum = np.add.reduce(X * v, axis=1)
            out += self._hnum
        return out

    def _swap_local(self, U, GUU, dU, CU, XU, r: int, q: int, a: int, b: int) -> None:
        """Swap U[r] (class a) with U[q] (class b) in the state, the layout and the visit's local
        arrays, so U[:na] stays class a."""
        st = self.st
        i, j = int(U[r]), int(U[q])
        st.move(i, b)
        st.move(j, a)
        self.version[a] += 1
        self.version[b] += 1
        sw = [q, r]
        sa, sb, na = self._at
        gi, gj = int(sa) + r, int(sb) + q - na          # i's and j's layout positions: exchanged
        perm, where = self.perm, self.where
        perm[gi], perm[gj] = j, i
        where[i], where[j] = gj, gi
        U[r], U[q] = j, i
        dU[r], dU[q] = dU[q], dU[r]
        GUU[[r, q]] = GUU[sw]
        GUU[:, [r, q]] = GUU[:, sw]
        if CU is not None:
            CU[[r, q]] = CU[sw]
        if XU is not None:
            XU[[r, q]] = XU[sw]

    def _matches(self, a: int, b: int, rank=None, keep: bool = False):
        """Every exchange of two students of ``a`` with two of ``b`` whose pair keys are equal
        (same category multiset per key feature): the positions (R1, R2) in a's block of the
        layout of the two leaving a, (C1, C2) in b's block of the two leaving b, and the a-pair's
        and b-pair's numbers in member order (ties between equal Δ go to the first a-pair, then
        b-pair); or None. Distinct keys are matched once; each match gives all its a-pairs × b-pairs.
        More than MATCH_CAP of them: only the pairs among the students that ``rank()`` (each
        student's best single swap, see _rank) puts first in each class, as many as keep the
        count near the cap. ``keep``: remember the result until the next probe (probe() asks with
        it, and the visit that follows it, for the same unchanged classes, reads it back; not when
        the cap used ``rank``, which the probe computes its own way)."""
        versions = (int(self.version[a]), int(self.version[b]))
        kept = self._kept_matches.get((a, b))
        if kept is not None and kept[0] == versions:
            return kept[1]
        ka, kb = self._class_keys(a), self._class_keys(b)
        if len(self.p.constrained):
            # a student of an apart rule may not go where one of his partners is (checked before
            # the exchange, so also when that partner leaves in it: conservative, like single swaps;
            # the two arriving together were in one class, so they are no partners): pairs with
            # such a student are dropped before matching
            Sa = self.perm[self.starts[a]:self.starts[a + 1]]
            Sb = self.perm[self.starts[b]:self.starts[b + 1]]
            ba, bb = self._blocked(Sa, b), self._blocked(Sb, a)
            if ba.any() or bb.any():
                blk = self._blk
                blk[Sa] = ba
                blk[Sb] = bb
                ka, kb = self._without(ka, blk), self._without(kb, blk)
        hit = self._match_keys(ka, kb)
        capped = hit is not None and hit[-1] > MATCH_CAP and rank is not None
        if capped:
            r = rank()
            share = np.sqrt(np.sqrt(MATCH_CAP / hit[-1]))   # matches grow as the 4th power of class size
            # then 10% fewer members a round; it ends: 4 members a class give at most 6 × 6 matches
            while hit is not None and hit[-1] > MATCH_CAP:
                ka, kb = self._best_keys(ka, r, share, a), self._best_keys(kb, r, share, b)
                hit = self._match_keys(ka, kb)
                share = 0.9
        if hit is None:
            out = None
        else:
            out = self._expand(ka, kb, hit)
        if keep and not capped:
            self._kept_matches[(a, b)] = (versions, out)
        return out

    @staticmethod
    def _expand(ka, kb, hit):
        """The exchanges of matched pair keys (_match_keys): see _matches."""
        _, _, oa, _, sta, cna, LA1, LA2 = ka
        _, _, ob, _, stb, _, LB1, LB2 = kb
        i, j, cb, per, total = hit
        # match by match, each of its a-pairs with each of its b-pairs in turn: first the a-pairs
        # (positions in a's key order), then each of them repeated over its match's b-pairs (no
        # integer division)
        ca = cna[i]
        pa = (sta[i] - (ca.cumsum() - ca)).repeat(ca) + np.arange(int(ca.sum()))
        cbr = cb.repeat(ca)
        pb = (stb[j].repeat(ca) - (cbr.cumsum() - cbr)).repeat(cbr) + np.arange(total)
        qa, qb = oa[pa.repeat(cbr)], ob[pb]
        return LA1[qa], LA2[qa], LB1[qb], LB2[qb], qa, qb

    @staticmethod
    def _without(keys, blk: np.ndarray):
        """Pair keys (as _class_keys) without the pairs that hold a student marked in ``blk``:
        the kept pairs stay in key order, distinct keys, starts and counts recomputed."""
        A1, A2, order, uk, ustart, ucnt = keys[:6]
        ok = ~(blk[A1] | blk[A2])[order]                 # per position in key order
        if ok.all():
            return keys
        group = np.arange(len(uk)).repeat(ucnt)[ok]  # distinct key of each kept position
        start, count = runs(group)
        return (A1, A2, order[ok], uk[group[start]], start, count) + keys[6:]

    @staticmethod
    def _match_keys(ka, kb):
        """Equal pair keys of two classes: (positions i into a's distinct keys, j into b's, b's
        count per match, a-pairs × b-pairs per match, their total), or None."""
        uka, cna = ka[3], ka[5]
        ukb, cnb = kb[3], kb[5]
        if not len(uka) or not len(ukb):
            return None
        j = np.minimum(ukb.searchsorted(uka), len(ukb) - 1)
        i = (ukb[j] == uka).nonzero()[0]
        if not len(i):
            return None
        j = j[i]
        ca, cb = cna[i], cnb[j]
        per = ca * cb
        return i, j, cb, per, int(per.sum())

    def _rank(self, A, B, Mr) -> np.ndarray:
        """Per student (scratch array over all students): the best rounded Δ of a single swap he
        takes part in, for the students ``A`` of one class (rows of ``Mr``) and ``B`` of the other
        (columns); the same numbers in visit() and probe()."""
        r = self._rank_buf
        r[A] = Mr.min(axis=1)
        r[B] = Mr.min(axis=0)
        return r

    def _best_keys(self, keys, rank: np.ndarray, share: float, c: int):
        """_class_keys restricted to the pairs among the ⌊share × members⌋ (at least 4) members
        with the lowest ``rank`` (ties: lower student number)."""
        members = np.union1d(keys[0][keys[2]], keys[1][keys[2]])     # of the pairs in play
        m = min(len(members), max(4, int(share * len(members))))
        keep = np.sort(members[np.lexsort((members, rank[members]))[:m]])
        return self._pair_keys(keep, c)

    def _double(self, U, na, GUU, M, a, b, rank=None):
        """Best improving exchange of two students of a with two of b that leaves every count as it
        is: per key feature the two leaving a have the same categories as the two arriving.
        Returns ((r1, r2), (c1, c2), Δ), positions into U[:na] / U[na:] meaning the swaps
        U[r1]<->U[na+c1] and U[r2]<->U[na+c2], or None."""
        m = self._matches(a, b, rank)
        if m is None:
            return None
        R1, R2, C1, C2 = m[:4]            # U[:na] is a's block of the layout, U[na:] b's
        # Δ of (i1<->j1) + (i2<->j2) = M[i1,j1] + M[i2,j2] + 4 (f_j1 - f_i1)W(f_j2 - f_i2), that is
        # M[R1, C1] + M[R2, C2] + 4 (G[Q1, Q2] - G[R2, Q1] - G[R1, Q2] + G[R1, R2]) with G = GUU,
        # Q = na + C, read by flat positions (np.take: a fraction of 2-d fancy indexing's cost)
        nu = len(U)
        nb = nu - na
        Mf, Gf = M.ravel(), GUU.ravel()
        Q1, Q2 = C1 + na, C2 + na
        R1n, R2n, Q1n = R1 * nu, R2 * nu, Q1 * nu
        tot = Mf.take(R1 * nb + C1) + Mf.take(R2 * nb + C2) + 4.0 * (
            Gf.take(Q1n + Q2) - Gf.take(R2n + Q1) - Gf.take(R1n + Q2) + Gf.take(R1n + R2))
        totr = np.rint(tot / self.p.grid)
        k = int(totr.argmin())
        if not totr[k] < 0:
            return None
        tie = (totr == totr[k]).nonzero()[0]
        if len(tie) > 1:            # equal Δ: the first a-pair, then b-pair, in member order
            k = int(tie[np.lexsort((m[5][tie], m[4][tie]))[0]])
        return (int(R1[k]), int(R2[k])), (int(C1[k]), int(C2[k])), float(totr[k])

    def _eject(self, U, na, GUU, Mr, XU, a, b, rowok, colok, hnum=None):
        """Best improving ejection double: the first swap among the EJECT single swaps of movable
        students with the best numeric Δ (counts ignored, so mostly swaps that push a count off
        its bound), the second any other swap of movable students of the two classes. Δ of every
        combination is M[r1,c1] + M[r2,c2] + 4 (G[q1,q2] - G[r2,q1] - G[r1,q2] + G[r1,r2]), each
        term rounded to the grid; the minimum is located in float32 (elementwise, the same on
        every machine) and accepted on its exact float64 value. ``rowok`` / ``colok``: the students
        of U[:na] / U[na:] who may move (visit()'s single-swap masks); ``hnum``: the numeric part
        of h for U (_h_rows), computed here when not given. Same return as _double."""
        p = self.p
        nb = len(U) - na
        if XU is None or na < 2 or nb < 2:
            return None
        m = min(EJECT, int(np.count_nonzero(rowok)) * int(np.count_nonzero(colok)))
        if m == 0:
            return None
        wn = p.wnum
        if hnum is None:
            hnum = np.add.reduce(XU * (wn * (self.st.Dn[a] - self.st.Dn[b])), axis=1)
        lin = 2.0 * hnum
        sq2 = 2.0 * p.sq[U]                      # Σ_f w_f x_f², as (XU * XU w).sum(axis=1)
        Mn = (lin[na:] + sq2[na:])[None, :] + (sq2[:na] - lin[:na])[:, None]
        Mn -= 4.0 * np.einsum("if,jf->ij", p.Xw[U[:na]], XU[na:])
        key = np.rint(Mn / p.grid)
        key[~rowok, :] = np.inf                  # the pairs that may not move: Mr holds them as inf
        key[:, ~colok] = np.inf
        key = key.ravel() * 4096.0 + np.arange(na * nb)
        R1, C1 = np.divmod(_smallest(key, m), nb)
        Q1 = na + C1
        g = p.grid / 4.0
        u = np.rint((GUU[R1, :na] - GUU[:na, Q1].T) / g) + Mr[R1, C1][:, None]
        w = np.rint((GUU[Q1, na:] - GUU[R1, na:]) / g)
        u[np.arange(m), R1] = np.inf
        w[np.arange(m), C1] = np.inf
        # all m first swaps in one operation (m × na × nb float32: 320 KB for classes of 50):
        # T = (M + u) + w, M copied in and u, w added in place (an add broadcasting a column
        # writes as slowly as two in-place adds)
        T = self._buffer((m, na, nb))
        T[...] = Mr.astype(np.float32)              # (inf already where rowok / colok forbid)
        T += u.astype(np.float32)[:, :, None]
        T += w.astype(np.float32)[:, None, :]
        k = int(T.argmin())                         # the first of the smallest, (t, r2, c2) order
        if not T.flat[k] < np.inf:      # no second swap anybody may make (tiny classes, apart rules)
            return None
        t, rest = divmod(k, na * nb)
        r2, c2 = divmod(rest, nb)
        tot = Mr[r2, c2] + u[t, r2] + w[t, c2]          # exact (grid units) for the chosen one
        if not tot < -2:
            return None
        return (int(R1[t]), int(r2)), (int(C1[t]), int(c2)), float(tot)

    def _class_keys(self, c: int):
        """Pair keys of the single (not bound) members of class ``c`` (cached until the class
        changes; _matches drops the exchanges that would join apart partners): the two
        members of each pair, the keys' stable sort order, the distinct keys with where each
        starts in that order and how often it occurs, and the two members' positions in the
        class's block of the layout (so the cache is cleared when relayout() moves them).
        A key is s_x + s_y (mod 2^64), s = a student's sum of random 64-bit codes of his category
        per key feature: equal for two pairs exactly when every key feature's category multiset
        is equal (up to hash collisions, which only add candidates: Δ is computed exactly)."""
        hit = self._keys.get(c)
        if hit is not None and hit[0] == self.version[c]:
            return hit[1]
        S = np.sort(self.perm[self.starts[c]:self.starts[c + 1]])
        out = self._pair_keys(S[self.movable[S]], c)
        self._keys[c] = (self.version[c], out)
        return out

    def _pair_keys(self, S: np.ndarray, c: int):
        """Pair keys of the students ``S`` (sorted) of class ``c``: see _class_keys."""
        tri = self._tri.get(len(S))
        if tri is None:
            tri = self._tri[len(S)] = np.triu_indices(len(S), 1)
        x, y = tri
        sS = self._skey[S]
        key = sS[x] + sS[y]
        order = key.argsort(kind="stable")
        sk = key[order]
        ustart, ucnt = runs(sk)
        at = self.where[S] - self.starts[c]
        return S[x], S[y], order, sk[ustart], ustart, ucnt, at[x], at[y]

    def _blocked(self, S: np.ndarray, other: int) -> np.ndarray:
        """True for the students ``S`` who may not move to class ``other``: a partner of one of
        their apart rules is there."""
        return self.st.PC[self.p.cidx[S], other] > 0      # cidx -1 reads PC's last row, zeros
