"""bianban_xl — 均衡编班: balanced, reproducible class assignment driven from Excel."""
import os

# numpy's OpenBLAS starts a thread per further core when numpy is imported, which costs every
# command ≈ 40-70 ms CPU on a 2-core machine (more with more cores). Nothing in bianban_xl calls
# BLAS (the engine's einsum runs numpy's own loops, without optimize), so one thread does the same
# work with the same results. Set here, before any module imports numpy; a value already set wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.6.4"
