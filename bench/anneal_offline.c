/* Offline reference search for docs/benchmarks.md (issue 15): simulated annealing over single swaps.
 *
 * Not part of bianban_xl (the engine is pure numpy); bench/anneal_offline.py writes the problem the
 * engine solved and the engine's classes to a file, compiles this with gcc and runs it, to ask how
 * far the engine's end state is from what a long search reaches — with every count kept in its
 * window ("hard") or with the counts ignored ("free").
 *
 * Move: two single students (not in a 同班 group) of different classes swap. A move that would put
 * a student beside an 分开/同名/同音 partner is never made; in "hard" mode neither is one that takes
 * a count (性别, 毕业学校, 户籍, 等级) out of its floor/ceil window (or out of the value it already has
 * where a bound group holds it there). Accepted when Δ < 0, else with probability exp(-Δ/T), T falling
 * geometrically from T0 to T1 over M proposals. Δ is the numeric part of the engine's objective:
 * Σ_f w_f Σ_k D_kf² with D the class sums' deviations (solve.py). The best state is written.
 *
 * Input file (little endian): int32 n, K, G, C, F; int32 labels[n], single[n], codes[n*G], lo[K*C],
 * hi[K*C]; float64 X[n*F], w[F], target[K*F]; int32 partners[n*8] (-1 = none).
 * Usage: anneal_offline IN OUT T0 T1 M SEED hard|free
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rs[2];
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t next(void) {            /* xoroshiro128+ */
    uint64_t s0 = rs[0], s1 = rs[1], r = s0 + s1;
    s1 ^= s0;
    rs[0] = rotl(s0, 55) ^ s1 ^ (s1 << 14);
    rs[1] = rotl(s1, 36);
    return r;
}
static double uniform(void) { return (double)(next() >> 11) * (1.0 / 9007199254740992.0); }

static void *readn(FILE *f, size_t size, size_t count) {
    void *p = malloc(size * count + 1);
    if (!p || fread(p, size, count, f) != count) { fprintf(stderr, "short input\n"); exit(1); }
    return p;
}

int main(int argc, char **argv) {
    if (argc != 8) { fprintf(stderr, "usage: IN OUT T0 T1 M SEED hard|free\n"); return 1; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    double t0 = atof(argv[3]), t1 = atof(argv[4]);
    long m = atol(argv[5]);
    rs[0] = (uint64_t)atol(argv[6]) * 0x9E3779B97F4A7C15ULL + 1;
    rs[1] = 0x1234567;
    int hard = strcmp(argv[7], "hard") == 0;
    int *h = readn(f, 4, 5), n = h[0], K = h[1], G = h[2], C = h[3], F = h[4];
    int *lab = readn(f, 4, n), *single = readn(f, 4, n), *codes = readn(f, 4, (size_t)n * G);
    int *lo = readn(f, 4, (size_t)K * C), *hi = readn(f, 4, (size_t)K * C);
    double *X = readn(f, 8, (size_t)n * F), *w = readn(f, 8, F), *target = readn(f, 8, (size_t)K * F);
    int *part = readn(f, 4, (size_t)n * 8);
    fclose(f);

    int *cnt = calloc((size_t)K * C, sizeof(int));
    double *D = calloc((size_t)K * F, sizeof(double)), *d = malloc(F * sizeof(double));
    for (int i = 0; i < n; i++) {
        for (int g = 0; g < G; g++) cnt[lab[i] * C + codes[i * G + g]]++;
        for (int c = 0; c < F; c++) D[lab[i] * F + c] += X[i * F + c];
    }
    for (int q = 0; q < K * F; q++) D[q] -= target[q];
    for (int q = 0; q < K * C; q++) {          /* a bound group may hold a count off the window */
        if (cnt[q] < lo[q]) lo[q] = cnt[q];
        if (cnt[q] > hi[q]) hi[q] = cnt[q];
    }
    int ns = 0, *S = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) if (single[i]) S[ns++] = i;
    double obj = 0;
    for (int q = 0; q < K * F; q++) obj += w[q % F] * D[q] * D[q];
    double best = obj, start = obj;
    int *keep = malloc(n * sizeof(int));
    memcpy(keep, lab, n * sizeof(int));
    double lr = log(t1 / t0);
    long feasible = 0, accepted = 0;
    for (long it = 0; it < m; it++) {
        int i = S[next() % ns], j = S[next() % ns], a = lab[i], b = lab[j];
        if (a == b) continue;
        int ok = 1;
        for (int g = 0; hard && g < G && ok; g++) {
            int ci = codes[i * G + g], cj = codes[j * G + g];
            if (ci != cj && (cnt[a * C + ci] - 1 < lo[a * C + ci] || cnt[b * C + ci] + 1 > hi[b * C + ci] ||
                             cnt[b * C + cj] - 1 < lo[b * C + cj] || cnt[a * C + cj] + 1 > hi[a * C + cj]))
                ok = 0;
        }
        for (int t = 0; t < 8 && ok && part[i * 8 + t] >= 0; t++)
            if (part[i * 8 + t] != j && lab[part[i * 8 + t]] == b) ok = 0;
        for (int t = 0; t < 8 && ok && part[j * 8 + t] >= 0; t++)
            if (part[j * 8 + t] != i && lab[part[j * 8 + t]] == a) ok = 0;
        if (!ok) continue;
        feasible++;
        double delta = 0;
        for (int c = 0; c < F; c++) {
            d[c] = X[j * F + c] - X[i * F + c];
            delta += w[c] * (2 * d[c] * (D[a * F + c] - D[b * F + c]) + 2 * d[c] * d[c]);
        }
        double temp = t0 * exp(lr * (double)it / (double)m);
        if (delta < 0 || uniform() < exp(-delta / temp)) {
            accepted++;
            obj += delta;
            lab[i] = b;
            lab[j] = a;
            for (int c = 0; c < F; c++) { D[a * F + c] += d[c]; D[b * F + c] -= d[c]; }
            for (int g = 0; g < G; g++) {
                int ci = codes[i * G + g], cj = codes[j * G + g];
                cnt[a * C + ci]--; cnt[b * C + ci]++; cnt[b * C + cj]--; cnt[a * C + cj]++;
            }
            if (obj < best - 1e-9) { best = obj; memcpy(keep, lab, n * sizeof(int)); }
        }
    }
    FILE *o = fopen(argv[2], "wb");
    if (!o || fwrite(keep, sizeof(int), n, o) != (size_t)n) { perror(argv[2]); return 1; }
    fclose(o);
    printf("%.4f %.4f %ld %ld\n", start, best, feasible, accepted);
    return 0;
}
