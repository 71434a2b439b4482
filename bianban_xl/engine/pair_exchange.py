"""Exchange search between two classes at a time: every single swap, then pairs of swaps.

The engine's objective is one quadratic form over a feature vector per student ``f`` (weighted
one-hot categories and standardised numeric columns, weights ``W``)::

    obj = sum_k (S_k - T_k)^T W (S_k - T_k),   S_k = sum of f over class k,  D_k = S_k - T_k

Swapping ``i`` (class a) with ``j`` (class b) moves ``d = f_j - f_i`` into a and out of b, so

    Δ(i, j) = 2 d^T W (D_a - D_b) + 2 d^T W d
            = 2 (h_j - h_i) + 2 (G_ii + G_jj - 2 G_ij),     h = F W (D_a - D_b),  G = F W F^T

and two swaps of the same two classes done together change it by

    Δ(i1, j1) + Δ(i2, j2) + 4 (G[j1,j2] - G[j1,i2] - G[i1,j2] + G[i1,i2]).

G is kept whole up to FULL_GRAM_MAX students, its rows and columns in class order (else a visit's
block is computed from the features), so each step costs a few (n × n) array operations for
classes of n. Double exchanges matter because the
count balances (gender, school, 户籍, 等级) leave few single swaps that keep every count at its
bound; two students against two with the same categories keep every count and move the class
means by amounts no single neutral swap offers. They are found by hashing, for every pair of
students of a class, the category multiset of the features with three or more categories, and
matching equal hashes between the two classes (Δ is then computed exactly for each match).

Categorical parts of ``G`` and ``h`` are computed by comparing codes (exact); numeric parts by
elementwise products and row sums (no BLAS), so results do not depend on the machine's BLAS.
"""
from __future__ import annotations

import numpy as np

FULL_GRAM_MAX = 2500    # keep the whole student × student G up to this many students
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
        self._pos = np.zeros(p.n, dtype=np.int64)         # scratch: student -> row/column of M
        self.diag = self._pairs(np.arange(p.n), np.arange(p.n))       # G_ii
        # layout: the students class by class (class c at positions starts[c]:starts[c+1]); up to
        # FULL_GRAM_MAX students the whole G = F W F^T is kept in that order (Gs), so a visit
        # reads its two classes' Gram block as four slices, and every swap exchanges two positions
        self.starts = np.concatenate([[0], np.cumsum(p.sizes)])
        self.perm = np.zeros(p.n, dtype=np.int64)
        self.Gs = None
        self.relayout()

    def relayout(self) -> None:
        """Order the layout by the current classes (after moves made outside visit())."""
        new = np.argsort(self.st.L, kind="stable")
        if self.Gs is None:
            if self.p.n <= FULL_GRAM_MAX:
                self.Gs = self._block(new, new)
        elif not np.array_equal(new, self.perm):
            where = np.empty(self.p.n, dtype=np.int64)
            where[self.perm] = np.arange(self.p.n)
            idx = where[new]
            self.Gs = self.Gs[np.ix_(idx, idx)]
        self.perm = new

    # -- entries of G = F W F^T ---------------------------------------------------------------------
    def _block(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """G[X][:, Y], computed from the features."""
        p = self.p
        out = np.zeros((len(X), len(Y)))
        if p.n_cat_cols:
            CX, CY = p.codes[X], p.codes[Y]
            for g in range(CX.shape[1]):
                out += (CX[:, g][:, None] == CY[:, g][None, :]) * p.wcat[g]
        if p.X.shape[1]:
            XwX, XY = p.Xw[X], p.X[Y]
            for f in range(XY.shape[1]):
                out += XwX[:, f][:, None] * XY[:, f][None, :]
        return out

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
        """Improve classes ``a`` and ``b`` by single, then double swaps; returns moves made.

        The visit works on U = the two classes' students in layout order, a's first (bound
        students are masked out): the Gram block GUU = G[U][:, U] is copied once from the layout
        and kept in that order as students change sides (a swap exchanges two rows and columns),
        so every step reads its a×b, a×a and b×b blocks as views.
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
            GUU = self._block(U, U)
        dU = self.diag[U]
        self._at = (sa, sb, na)
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
            if apart:
                Mr[self._apart_mask(U[:na], U[na:], a, b)] = np.inf
            if pinned:
                Mr[~mv[:na], :] = np.inf
                Mr[:, ~mv[na:]] = np.inf
            k = int(np.argmin(Mr))
            if Mr.flat[k] < 0:
                r, c = divmod(k, nb)
                self._swap_local(U, GUU, dU, CU, XU, r, na + c, a, b)
                moves += 1
                continue
            if not pairs:
                break
            best = self._double(U, na, GUU, M, a, b)
            if best is None:
                break
            for r, c in zip(best[0], best[1]):
                self._swap_local(U, GUU, dU, CU, XU, r, na + c, a, b)
            moves += 1
        if moves:
            st.stale.update((a, b))
        return moves

    def _h_rows(self, C, X, a: int, b: int) -> np.ndarray:
        """h = F W (D_a - D_b) for students with category codes ``C`` and numeric rows ``X``."""
        p, st = self.p, self.st
        out = np.zeros(len(C) if C is not None else len(X))
        if C is not None:
            dd = (st.Dc[a] - st.Dc[b]) * p.wcat_cols
            out += dd[C].sum(axis=1)
        if X is not None:
            v = p.wnum * (st.Dn[a] - st.Dn[b])
            out += (X * v[None, :]).sum(axis=1)
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
        g = [sa + r, sb + q - na]
        gs = g[::-1]
        self.perm[g] = self.perm[gs]
        if self.Gs is not None:
            self.Gs[g] = self.Gs[gs]
            self.Gs[:, g] = self.Gs[:, gs]
        U[[r, q]] = U[sw]
        GUU[[r, q]] = GUU[sw]
        GUU[:, [r, q]] = GUU[:, sw]
        dU[[r, q]] = dU[sw]
        if CU is not None:
            CU[[r, q]] = CU[sw]
        if XU is not None:
            XU[[r, q]] = XU[sw]

    def _double(self, U, na, GUU, M, a, b):
        """Best improving exchange of two students of a with two of b that leaves every count as it
        is: per key feature the two leaving a have the same categories as the two arriving.
        Returns ((r1, r2), (c1, c2)), positions into U[:na] / U[na:] meaning the swaps
        U[r1]<->U[na+c1] and U[r2]<->U[na+c2], or None."""
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
        I1, I2 = Sa[xa[qa]], Sa[ya[qa]]          # students leaving a
        J1, J2 = Sb[xb[qb]], Sb[yb[qb]]          # students leaving b
        pos = self._pos
        pos[U] = np.arange(len(U))
        R1, R2, C1, C2 = pos[I1], pos[I2], pos[J1], pos[J2]
        # Δ of (i1<->j1) + (i2<->j2) = M[i1,j1] + M[i2,j2] + 4 (f_j1 - f_i1)W(f_j2 - f_i2)
        tot = M[R1, C1 - na] + M[R2, C2 - na] + 4.0 * (GUU[C1, C2] - GUU[R2, C1] - GUU[R1, C2] + GUU[R1, R2])
        totr = np.rint(tot / p.grid)
        k = int(np.argmin(totr))
        if not totr[k] < 0:
            return None
        return (int(R1[k]), int(R2[k])), (int(C1[k] - na), int(C2[k] - na))

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

    def _apart_mask(self, A, B, a, b) -> np.ndarray:
        p, st = self.p, self.st
        bad = np.zeros((len(A), len(B)), dtype=bool)
        ra = p.cidx[A]
        hit = ra >= 0
        if hit.any():
            bad[hit, :] = (st.PC[ra[hit], b] > 0)[:, None]
        rb = p.cidx[B]
        hit = rb >= 0
        if hit.any():
            bad[:, hit] |= (st.PC[rb[hit], a] > 0)[None, :]
        return bad
