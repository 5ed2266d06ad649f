"""numba kernels for dense linear algebra that numpy lacks: LU with partial pivoting (LAPACK's getrf), and the
pairwise L1 distance of cdist(p=1).

LU: ops/linalg_lu.py's lu_packed is unblocked Gaussian elimination in numpy (one rank-1 update of the whole
trailing matrix per column: BLAS-2). lu_blocked here is getrf's right-looking blocked form: a kernel factors a
panel of _LU_BLOCK columns and solves the U block row beside it, then one GEMM (numpy @) updates the trailing
matrix. Same pivots (the first max |value| in the column, NaN first, as np.argmax) and the same packed result up
to rounding. (512, 512) float32: 144 -> see tests/test_perf_paths_linalg2.py's docstring for the numbers.
No fastmath in the LU kernel: a zero or NaN pivot must behave as in the numpy path, and division stays division.

cdist(p=1): the numpy path builds the (P, R, M) difference tensor and backpropagates through abs and sum; these
kernels loop over pairs instead, holding only the (P, R) result."""
import numba
import numpy as np

_jit = dict(fastmath=True, error_model="numpy", cache=True, nogil=True)
_jit_exact = dict(error_model="numpy", cache=True, nogil=True)

_LU_BLOCK = 64  # panel width: the GEMM does the (n - 64) / n of the work that is BLAS-3


@numba.njit(**_jit_exact)
def _lu_panel(w, j0, jb, pivots, perm, info):
    """Factor columns j0:j0+jb of each matrix of w (b, m, n) in place, rows j0 on, swapping whole rows; then
    U's block row beside the panel: w[j0:j0+jb, j0+jb:] = L11^-1 w[j0:j0+jb, j0+jb:] (L11 unit lower)"""
    nb, m, n = w.shape
    for b in range(nb):
        a = w[b]
        for j in range(j0, j0 + jb):
            p, best = j, -1.0
            for i in range(j, m):  # first max |a[i, j]|; a NaN wins at once, as np.argmax
                v = abs(a[i, j])
                if v != v:
                    p = i
                    break
                if v > best:
                    p, best = i, v
            pivots[b, j] = p + 1
            if p != j:
                for c in range(n):
                    a[j, c], a[p, c] = a[p, c], a[j, c]
                perm[b, j], perm[b, p] = perm[b, p], perm[b, j]
            piv = a[j, j]
            if piv == 0:
                if info[b] == 0:
                    info[b] = j + 1
            else:  # below a zero pivot the column is zero already
                for i in range(j + 1, m):
                    a[i, j] /= piv
            for i in range(j + 1, m):  # rank-1 update of the panel's remaining columns only
                l = a[i, j]
                for c in range(j + 1, j0 + jb):
                    a[i, c] -= l * a[j, c]
        for i in range(j0 + 1, j0 + jb):  # forward substitution with L11, row by row over the columns right
            for r in range(j0, i):
                l = a[i, r]
                for c in range(j0 + jb, n):
                    a[i, c] -= l * a[r, c]


def lu_blocked(a):
    """lu_packed (ops/linalg_lu.py) of a float32/float64 numpy array (..., m, n): (LU, pivots, perm, info)"""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    work = a.reshape((int(np.prod(batch)), m, n)).copy()
    pivots = np.empty((work.shape[0], k), np.int32)
    perm = np.tile(np.arange(m), (work.shape[0], 1))
    info = np.zeros(work.shape[0], np.int32)
    for j0 in range(0, k, _LU_BLOCK):
        j1 = min(j0 + _LU_BLOCK, k)
        _lu_panel(work, j0, j1 - j0, pivots, perm, info)
        if j1 < m and j1 < n:  # A22 -= L21 U12
            work[:, j1:, j1:] -= work[:, j1:, j0:j1] @ work[:, j0:j1, j1:]
    return work.reshape(a.shape), pivots.reshape(batch + (k,)), perm.reshape(batch + (m,)), info.reshape(batch)


# cdist(p=1). NaN must reach the result as in torch: no nnan/ninf; reassoc lets the sum over d vectorise.
_jit_nan = dict(_jit, fastmath={"nsz", "arcp", "contract", "afn", "reassoc"})


@numba.njit(**_jit_nan)
def l1_dist(x1, x2, out):
    """out[b, i, j] = sum_d |x1[b, i, d] - x2[b, j, d]|; x1 (B, P, M), x2 (B, R, M) C-contiguous"""
    for b in range(x1.shape[0]):
        for i in range(x1.shape[1]):
            for j in range(x2.shape[1]):
                acc = x1.dtype.type(0)
                for d in range(x1.shape[2]):
                    acc += abs(x1[b, i, d] - x2[b, j, d])
                out[b, i, j] = acc


@numba.njit(**_jit_nan)
def l1_dist_backward(x1, x2, g, g1, g2):
    """g1[b, i] = sum_j g[b, i, j] sign(x1[b, i] - x2[b, j]), g2[b, j] = -sum_i (the same); sign(0) = 0 and
    sign(NaN) = NaN, as torch's; g1, g2 zeroed by the caller"""
    for b in range(x1.shape[0]):
        for i in range(x1.shape[1]):
            for j in range(x2.shape[1]):
                gij = g[b, i, j]
                for d in range(x1.shape[2]):
                    t = x1[b, i, d] - x2[b, j, d]
                    s = gij * ((t > 0) - (t < 0)) if t == t else t
                    g1[b, i, d] += s
                    g2[b, j, d] -= s
