"""Serial numba kernels for indexing and order statistics: scatter-adds along one axis (the backward of x[:, ids]
and of gather, and index_add's forward) and the running extremes (cummax, cummin). Imported lazily by ops/index.py
and tensor_sort.py, only when teenygrad.backend.cpu.fused() says numba is on; each caller keeps a numpy path.

What they replace: np.add.at over a full broadcast index grid (~15 ns an element: 37 ms for the gradient of an
index_select along dim 1 at (256, 4096) -> 8192 columns) and, for cummax, a Python loop over the scanned axis with
2-4 np.where passes a step; topk's and kthvalue's full sorts are gone too (tensor_sort.py).

Where it stands, forward + backward in ms, old (the code before, loaded as a second package) / new / PyTorch at 1
thread, in one process, alternating rounds, medians (13:39 UTC 2026-11-26, on a 2-core VM shared with ~4 other jobs,
so every number is inflated 2-5x, and PyTorch's 2-thread times were swamped and left out): index_add (512, 128) +=
20000 rows 46 / 3.9 / 8.0; embedding_bag mean (4096, 8) ids into (50000, 128) 91 / 11.6 / 20; F.pad reflect
(32, 64, 32, 32) by 2 87 / 17 / 14; index_select(1, 8192 ids) of (256, 4096) 47 / 9.0 / 11.9; topk(5, 1) of
(4096, 1000) 227 / 12.9 / 14.9, topk(5, 0) 330 / 11.7 / 25; topk(100, 1) of (512, 4096) 183 / 22 / 30;
median(1) of (64, 8192) 61 / 4.2 / 11; kthvalue(10, 1) of (4096, 512) 130 / 25 / 46; cummax(1) of (4096, 128)
18 / 4.9 / 5.1; F.one_hot (8192,) -> 1000 13.7 / 6.8 / 9.6.

No fastmath: the adds round exactly as np.add.at's (one element at a time, in index order), and the comparisons
must see NaN."""
import numba
import numpy as np

_exact = dict(error_model="numpy", cache=True, nogil=True)


@numba.njit(**_exact)
def _scatter_add_mid(out, idx, src):
    P, K, Q = src.shape
    if Q == 1:  # along the last axis (a pad's gradient): no inner loop to set up per element
        o, s = out[:, :, 0], src[:, :, 0]
        for p in range(P):
            for i in range(K):
                o[p, idx[i]] += s[p, i]
        return
    for p in range(P):
        for i in range(K):
            r = idx[i]
            for q in range(Q):
                out[p, r, q] += src[p, i, q]


def scatter_add_mid(out, idx, src):
    """out[:, idx[i], :] += src[:, i, :] with repeats summed, in place; out (P, N, Q) C-contiguous, idx (K,) in
    [0, N), src (P, K, Q)."""
    _scatter_add_mid(out, np.ascontiguousarray(idx), np.ascontiguousarray(src))
    return out


@numba.njit(**_exact)
def _take_along(x, idx, out):
    P, K, Q = idx.shape
    if Q == 1:  # along the last axis: 2-D indexing in the loop
        x2, i2, o2 = x[:, :, 0], idx[:, :, 0], out[:, :, 0]
        for p in range(P):
            for i in range(K):
                o2[p, i] = x2[p, i2[p, i]]
        return
    for p in range(P):
        for i in range(K):
            for q in range(Q):
                out[p, i, q] = x[p, idx[p, i, q], q]


def take_along(x, idx):
    """np.take_along_axis(x, idx, axis=1) for x (P, N, Q) and idx (P, K, Q) in [0, N), without its index grids."""
    out = np.empty(idx.shape, x.dtype)
    _take_along(np.ascontiguousarray(x), np.ascontiguousarray(idx), out)
    return out


@numba.njit(**_exact)
def _gather_add(out, idx, src):
    P, K, Q = src.shape
    if Q == 1:
        o2, i2, s2 = out[:, :, 0], idx[:, :, 0], src[:, :, 0]
        for p in range(P):
            for i in range(K):
                o2[p, i2[p, i]] += s2[p, i]
        return
    for p in range(P):
        for i in range(K):
            for q in range(Q):
                out[p, idx[p, i, q], q] += src[p, i, q]


def gather_add(out, idx, src):
    """out[p, idx[p, i, q], q] += src[p, i, q] (the backward of take_along_axis along axis 1), in place; out
    (P, N, Q) C-contiguous, idx and src (P, K, Q), idx in [0, N)."""
    _gather_add(out, np.ascontiguousarray(idx), np.ascontiguousarray(src))
    return out


@numba.njit(**_exact)
def _cum_extreme(a, is_max, idx):
    P, N, Q = a.shape
    best = np.empty(Q, a.dtype)
    cur = np.zeros(Q, np.int64)
    for p in range(P):
        for q in range(Q):
            best[q] = a[p, 0, q]
            cur[q] = 0
            idx[p, 0, q] = 0
        for i in range(1, N):
            for q in range(Q):
                x, b = a[p, i, q], best[q]
                take = x >= b if is_max else x <= b  # a tie moves the index to the later one, as torch
                if x != x:  # NaN wins, and then stays
                    take = True
                elif b != b:
                    take = False
                if take:
                    best[q] = x
                    cur[q] = i
                idx[p, i, q] = cur[q]


def cum_extreme(a, is_max):
    """The index (int64, a's (P, N, Q) shape) of the running max (is_max) or min of a along axis 1, N >= 1."""
    idx = np.empty(a.shape, np.int64)
    _cum_extreme(np.ascontiguousarray(a), is_max, idx)
    return idx


@numba.njit(**_exact)
def _beats(x, y, largest):
    """x comes before y in topk's order: larger (smaller) first, NaN the largest; equal values never beat."""
    if largest:
        return x > y or (x != x and y == y)
    return x < y or (y != y and x == x)


@numba.njit(**_exact)
def _top_positions(a, k, largest, out):
    P, N, Q = a.shape
    vals = np.empty((Q, k), a.dtype)  # per column q: the best k so far, best first, ties in index order
    pos = np.empty((Q, k), np.int64)
    for p in range(P):
        for i in range(N):
            for q in range(Q):
                x = a[p, i, q]
                j = min(i, k)  # how many are held
                if j == k and not _beats(x, vals[q, k - 1], largest):
                    continue  # the common case: x doesn't make the cut
                if j == k:
                    j -= 1  # the worst one drops out
                while j > 0 and _beats(x, vals[q, j - 1], largest):  # after every tie: a stable order
                    vals[q, j] = vals[q, j - 1]
                    pos[q, j] = pos[q, j - 1]
                    j -= 1
                vals[q, j] = x
                pos[q, j] = i
        for q in range(Q):
            for j in range(k):
                out[p, j, q] = pos[q, j]


def top_positions(a, k, largest):
    """For a (P, N, Q) and 0 < k <= N: the positions along axis 1 of the first k of a stable sort (descending when
    largest, NaN the largest), as (P, k, Q) int64. One pass that keeps k candidates per column: O(N) a column
    unless many elements beat the held ones (O(N k) for a sorted input, as slow as the full sort it replaces)."""
    out = np.empty((a.shape[0], k, a.shape[2]), np.int64)
    _top_positions(np.ascontiguousarray(a), k, largest, out)
    return out


@numba.njit(**_exact)
def _add_rows(out, to, src, frm):
    n, e = to.size, out.shape[1]
    for i in range(n):
        o, s = to[i], frm[i]
        for j in range(e):
            out[o, j] += src[s, j]


def add_rows(out, to, src, frm):
    """out[to[i]] += src[frm[i]] for each i, in place (repeats summed, in order); out and src 2-D with one row
    width, out C-contiguous. embedding_bag's sum both ways, with no (len(to), e) array of gathered rows between."""
    _add_rows(out, np.ascontiguousarray(to), np.ascontiguousarray(src), np.ascontiguousarray(frm))
    return out
