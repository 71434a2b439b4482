"""Exchange search between two classes at a time: every single swap, then pairs of swaps.

The engine's objective is one quadratic form over a feature vector per student ``f`` (weighted
one-hot categories and standardised numeric columns, weights ``W``)::

    obj = sum_k (S_k - T_k)^T W (S_k - T_k),   S_k = sum of f over class k,  D_k = S_k - T_k

Swapping ``i`` (class a) with ``j`` (class b) moves ``d = f_j - f_i`` into a and out of b, so

    Δ(i, j) = 2 d^T W (D_a - D_b) + 2 d^T W d
            = 2 (h_j - h_i) + 2 (G_ii + G_jj - 2 G_ij),     h = F W (D_a - D_b),  G = F W F^T

and two swaps of the same two classes done together change it by

    Δ(i1, j1) + Δ(i2, j2) + 4 (G[j1,j2] - G[j1,i2] - G[i1,j2] + G[i1,i2]).

For one pair of classes G is built once over their ~2n students (the set does not change while
students swap between them); each step then costs a few (n × n) array operations. Pairs of swaps
matter because the count balances (gender, school, 户籍, 等级) leave few single swaps that keep
every count at its bound: a swap that breaks a count and one that repairs it, found together,
move the class means by amounts no single neutral swap offers.

Categorical parts of ``G`` and ``h`` are computed by comparing codes (exact); numeric parts by
elementwise products and row sums (no BLAS), so results do not depend on the machine's BLAS.
"""
from __future__ import annotations

import numpy as np

FULL_GRAM_MAX = 3000    # keep the whole student × student G up to this many students
MOVES_PER_VISIT = 12    # moves made at most per visit of a class pair


# fixed odd 64-bit multipliers that mix per-feature digits into one hash key (collisions only
# add candidates: every candidate's Δ is computed exactly)
_HASH = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                  0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
                 dtype=np.uint64)


class PairSearch:
    """Single and double exchanges between two classes ``a`` and ``b`` of an engine ``_State``."""

    def __init__(self, st):
        self.st = st
        p = st.p
        self.p = p
        # students that may take part in plain swaps: single (not bound) students
        self.movable = p.is_single.copy()
        # students in an apart set: single swaps only, with the partner check
        self.free = self.movable.copy()
        if len(p.constrained):
            self.free[p.constrained] = False
        # double exchanges are matched on the category multisets of the features with three or
        # more categories (school, 等级 ...); two-valued ones (gender, 户籍, 缺考 flags) are left to
        # the exact Δ, which also accepts the many exchanges they leave neutral
        ncat = [len(np.unique(p.codes[:, g])) for g in range(p.codes.shape[1])]
        self.key_features = [g for g in range(len(ncat)) if ncat[g] >= 3] or list(range(len(ncat)))
        self.version = np.zeros(p.k, dtype=np.int64)     # bumped whenever a class changes
        self._keys: dict[int, tuple] = {}
        self._row = np.zeros(p.n, dtype=np.int64)         # scratch: student -> row/column of M
        # the whole G = F W F^T when it is small enough to keep (N <= FULL_GRAM_MAX)
        self.G = self._gram(np.arange(p.n)) if p.n <= FULL_GRAM_MAX else None

    # -- Gram matrices over the members of a and b ------------------------------------------------
    def _gram(self, U: np.ndarray) -> np.ndarray:
        p = self.p
        m = len(U)
        Gc = np.zeros((m, m))
        if p.n_cat_cols:
            C = p.codes[U]
            for g in range(C.shape[1]):
                col = C[:, g]
                Gc += (col[:, None] == col[None, :]) * p.wcat[g]
        Gn = np.zeros((m, m))
        if p.X.shape[1]:
            XU = p.X[U]
            XwU = p.Xw[U]
            for f in range(XU.shape[1]):
                Gn += XwU[:, f][:, None] * XU[:, f][None, :]
        return Gc + Gn

    def _h(self, U: np.ndarray, a: int, b: int) -> np.ndarray:
        """h = F W (D_a - D_b) for the students ``U``."""
        p, st = self.p, self.st
        h = np.zeros(len(U))
        if p.n_cat_cols:
            dd = (st.Dc[a] - st.Dc[b]) * p.wcat_cols
            h += dd[p.codes[U]].sum(axis=1)
        if p.X.shape[1]:
            v = p.wnum * (st.Dn[a] - st.Dn[b])
            h += (p.X[U] * v[None, :]).sum(axis=1)
        return h

    def visit(self, a: int, b: int, pairs: bool = True) -> int:
        """Improve classes ``a`` and ``b`` by single, then double swaps; returns moves made."""
        st, p = self.st, self.p
        A = np.flatnonzero(st.L == a)
        B = np.flatnonzero(st.L == b)
        A = A[self.movable[A]]
        B = B[self.movable[B]]
        if not len(A) or not len(B):
            return 0
        U = np.concatenate([A, B])
        G = self._gram(U) if self.G is None else self.G[np.ix_(U, U)]
        diag = np.diag(G)
        Q = 2.0 * (diag[:, None] + diag[None, :]) - 4.0 * G      # 2 |f_j - f_i|^2_W over U x U
        pa = np.arange(len(A))                 # positions in U of a's movable members
        pb = np.arange(len(A), len(U))
        apart = bool((p.cidx[U] >= 0).any()) if len(p.constrained) else False
        grid = p.grid
        moves = 0
        for _ in range(MOVES_PER_VISIT):
            h = 2.0 * self._h(U, a, b)
            M = (h[pb][None, :] - h[pa][:, None]) + Q[np.ix_(pa, pb)]
            Mr = np.rint(M / grid)
            if apart:
                Mr[self._apart_mask(U, pa, pb, a, b)] = np.inf
            k = int(np.argmin(Mr))
            if Mr.flat[k] < 0:
                r, c = divmod(k, len(pb))
                self._swap(U, pa, pb, r, c, a, b)
                moves += 1
                continue
            if not pairs:
                break
            best = self._double(U, pa, pb, M, G, a, b)
            if best is None:
                break
            for r, c in zip(best[0], best[1]):
                self._swap(U, pa, pb, int(r), int(c), a, b)
            moves += 1
        if moves:
            st.stale.update((a, b))
        return moves

    def _double(self, U, pa, pb, M, G, a, b):
        """Best improving exchange of two students of a with two of b that leaves every count as it
        is: per key feature the two leaving a have the same categories as the two arriving.
        Returns ((r1, r2), (c1, c2)), positions into pa/pb meaning the swaps r1<->c1 and r2<->c2,
        or None."""
        p = self.p
        Sa, xa, ya, ka, _, _, _, _ = self._class_keys(a)
        Sb, xb, yb, _, order, uk, ustart, ucnt = self._class_keys(b)
        if not len(ka) or not len(uk):
            return None
        idx = np.minimum(np.searchsorted(uk, ka), len(uk) - 1)
        cnt = np.where(uk[idx] == ka, ucnt[idx], 0)
        lo = ustart[idx]
        total = int(cnt.sum())
        if total == 0:
            return None
        qa = np.repeat(np.arange(len(ka)), cnt)
        qb = order[np.arange(total) + np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)]
        row = self._row
        row[U[pa]] = np.arange(len(pa))
        row[U[pb]] = np.arange(len(pb))
        R1, R2 = row[Sa[xa[qa]]], row[Sa[ya[qa]]]          # rows of M (a side)
        C1, C2 = row[Sb[xb[qb]]], row[Sb[yb[qb]]]          # columns of M (b side)
        I1, I2, J1, J2 = pa[R1], pa[R2], pb[C1], pb[C2]
        # Δ of (i1<->j1) + (i2<->j2) = M[i1,j1] + M[i2,j2] + 4 (f_j1 - f_i1)W(f_j2 - f_i2)
        tot = M[R1, C1] + M[R2, C2] + 4.0 * (G[J1, J2] - G[J1, I2] - G[I1, J2] + G[I1, I2])
        totr = np.rint(tot / p.grid)
        k = int(np.argmin(totr))
        if not totr[k] < 0:
            return None
        return (int(R1[k]), int(R2[k])), (int(C1[k]), int(C2[k]))

    def _class_keys(self, c: int):
        """Pair keys of the free members of class ``c`` (cached until the class changes): the
        members S, pair positions x < y, the keys, their stable sort order, and the distinct keys
        with where each starts in that order and how often it occurs.
        A key hashes the per-feature category multisets {c_x, c_y} over the key features."""
        hit = self._keys.get(c)
        if hit is not None and hit[0] == self.version[c]:
            return hit[1]
        p = self.p
        S = np.flatnonzero((self.st.L == c) & self.free)
        x, y = np.triu_indices(len(S), 1)
        C = p.codes[S]
        nc = np.uint64(p.n_cat_cols + 1)
        key = np.zeros(len(x), dtype=np.uint64)
        for g in self.key_features:
            cg = C[:, g].astype(np.uint64)
            cx, cy = cg[x], cg[y]
            key += (np.minimum(cx, cy) * nc + np.maximum(cx, cy) + np.uint64(1)) * _HASH[g % len(_HASH)]
        order = np.argsort(key, kind="stable")
        sk = key[order]
        first = np.ones(len(sk), dtype=bool)
        first[1:] = sk[1:] != sk[:-1]
        ustart = np.flatnonzero(first)
        ucnt = np.diff(np.append(ustart, len(sk)))
        out = (S, x, y, key, order, sk[ustart], ustart, ucnt)
        self._keys[c] = (self.version[c], out)
        return out

    def _apart_mask(self, U, pa, pb, a, b) -> np.ndarray:
        p, st = self.p, self.st
        bad = np.zeros((len(pa), len(pb)), dtype=bool)
        if not len(p.constrained):
            return bad
        ra = p.cidx[U[pa]]
        hit = ra >= 0
        if hit.any():
            bad[hit, :] = (st.PC[ra[hit], b] > 0)[:, None]
        rb = p.cidx[U[pb]]
        hit = rb >= 0
        if hit.any():
            bad[:, hit] |= (st.PC[rb[hit], a] > 0)[None, :]
        return bad

    def _swap(self, U, pa, pb, r, c, a, b) -> None:
        st = self.st
        i, j = int(U[pa[r]]), int(U[pb[c]])
        st.move(i, b)
        st.move(j, a)
        self.version[a] += 1
        self.version[b] += 1
        pa[r], pb[c] = pb[c], pa[r]
