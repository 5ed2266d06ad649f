"""Serial numba kernels for scatter and scatter_reduce along one axis: x viewed as (P, N, Q), the index and src as
(P, K, Q), out[p, idx[p, k, q], q] (op)= src[p, k, q] in one pass. Imported lazily by ops/index.py, only when
teenygrad.backend.cpu.fused() says numba is on (float32); ops/index.py keeps a numpy path (ufunc.at on one flat index).
The scatter-add itself is _numba_index.gather_add.

What they replace: np.maximum.at (or a plain fancy assignment) over a full index grid, two int64 arrays of the
index's size. x, idx, src (4096, 4096), idx along dim 1, in place, ms, old / new / PyTorch at 1 thread, in one process,
alternating rounds, medians (2026-11-26, a 2-core VM shared with ~4 other jobs; the rest of each new time is the
in-place path's three copies of x): scatter_reduce_ amax 387 / 118 / 50, mean (include_self=False) 1379 / 288 / 291;
scatter_ 144 / 127 / 40; scatter_add_ (with _numba_index.gather_add) 283 / 104 / 34.

No fastmath: the products and sums round as ufunc.at's (one element at a time, in index order), and the comparisons
must see NaN (amax/amin propagate it, as np.maximum and torch do)."""
import numba

_exact = dict(error_model="numpy", cache=True, nogil=True)

SUM, PROD, AMAX, AMIN = 0, 1, 2, 3


@numba.njit(**_exact)
def _scatter_reduce(out, idx, src, op, start, count):
    P, K, Q = src.shape
    if start == start:  # not include_self: the scattered places start from the reduction's identity (NaN: they don't)
        for p in range(P):
            for i in range(K):
                for q in range(Q):
                    out[p, idx[p, i, q], q] = start
    for p in range(P):
        for i in range(K):
            for q in range(Q):
                j, s = idx[p, i, q], src[p, i, q]
                o = out[p, j, q]
                if op == SUM:
                    out[p, j, q] = o + s
                elif op == PROD:
                    out[p, j, q] = o * s
                elif op == AMAX:
                    if s > o or s != s:  # NaN wins, and stays (a NaN o fails s > o)
                        out[p, j, q] = s
                elif s < o or s != s:
                    out[p, j, q] = s
                if count.size:
                    count[p, j, q] += 1


def scatter_reduce(out, idx, src, op, start, count):
    """out[p, idx[p, i, q], q] = op(out[...], src[p, i, q]) in place, in index order; out (P, N, Q) C-contiguous,
    idx and src (P, K, Q) C-contiguous, idx in [0, N); op SUM, PROD, AMAX or AMIN. start: the value the scattered
    places take first (the identity, where include_self is off), NaN for none; count (P, N, Q) counts the
    contributions to each place (for mean), or an empty array."""
    _scatter_reduce(out, idx, src, op, start, count)
    return out


@numba.njit(**_exact)
def _scatter_set(out, idx, src):
    P, K, Q = src.shape
    for p in range(P):
        for i in range(K):
            for q in range(Q):
                out[p, idx[p, i, q], q] = src[p, i, q]


def scatter_set(out, idx, src):
    """out[p, idx[p, i, q], q] = src[p, i, q] in place (repeats: the last in index order wins, as numpy's fancy
    assignment); shapes as scatter_reduce's."""
    _scatter_set(out, idx, src)
    return out
