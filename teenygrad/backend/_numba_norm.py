"""numba kernels for teenygrad/ops/nn.py: GroupNorm in float32 (InstanceNorm is its one-channel-per-group case),
LayerNorm in float64 (the float32 LayerNorm kernels are _numba_kernels'), and hardswish in float32. ops/nn.py imports
this module lazily (never at `import teenygrad`), only for numpy arrays of those dtypes with numba on; the ops keep
their numpy path for everything else (cupy, TEENYGRAD_NUMBA=0, strided arrays for hardswish).

What they replace: GroupNorm was a composite of ~15 numpy passes and graph nodes; here the forward reads x twice
for the statistics (two passes, as BatchNorm's kernels) and once more to write y, the backward reads g and x twice.
float64 LayerNorm ran ~8 numpy passes each way; hardswish's backward was nested np.where with ~5 temporaries.
Forward + backward (seeded with ones), old (the previous code, kept in the benchmark script) / new / PyTorch, one
process, alternating rounds, medians, on the shared 2-core VM (noisy: PyTorch at 1 thread, as ours; 13:25 UTC,
2026-11-26): group_norm (64, 64, 32, 32) groups 8: 80 / 18 / 14 ms; instance_norm (32, 128, 256): 13.6 / 3.9 / 4.0;
layer_norm float64 (4096, 512): 76 / 17 / 20; hardswish (4096, 512): 28 / 9.6 / 8.5."""
import numba
import numpy as np

from .cpu import parallel_for, MIN_PARALLEL_ELEMENTS
from ._numba_kernels import _jit

f32 = np.float32
_ONE = f32(1.0)


# ---- GroupNorm over rows of (sample, group): each row is cg channels of s values, contiguous ------------------------
# Sums run in float32 over blocks of _BLOCK values (LLVM vectorises those) and add up in float64: float64 all the way
# measured 2.4x slower in the backward at (64, 64, 32, 32), float32 all the way loses digits on long rows.
_BLOCK = 1024


@numba.njit(**_jit)
def _gn_fwd(x, w, b, eps, first, y, mean, rstd):
    """x, y (rows, cg s); w, b (groups, cg); row i is group (first + i) % groups of its sample."""
    R, m = x.shape
    G, Cg = w.shape
    S = m // Cg
    for i in range(R):
        gi = (first + i) % G
        tot = 0.0
        for j0 in range(0, m, _BLOCK):
            part = f32(0.0)
            for j in range(j0, min(j0 + _BLOCK, m)):
                part += x[i, j]
            tot += part
        mu = f32(tot / m)
        sq = 0.0
        for j0 in range(0, m, _BLOCK):
            part = f32(0.0)
            for j in range(j0, min(j0 + _BLOCK, m)):
                d = x[i, j] - mu
                part += d * d
            sq += part
        r = _ONE / np.sqrt(f32(sq / m) + eps)
        mean[i], rstd[i] = mu, r
        for c in range(Cg):  # channels of a group share the statistics, not the affine
            a, bc = r * w[gi, c], b[gi, c]
            for j in range(c * S, (c + 1) * S):
                y[i, j] = (x[i, j] - mu) * a + bc


@numba.njit(**_jit)
def _gn_bwd(g, x, w, mean, rstd, first, dx, dw, db):
    """dx = r (g w - mean(g w) - xh mean(g w xh)) per row, xh = (x - mu) r; dw, db (groups, cg) float64:
    += sum g xh, sum g."""
    R, m = x.shape
    G, Cg = w.shape
    S = m // Cg
    for i in range(R):
        gi = (first + i) % G
        mu, r = mean[i], rstd[i]
        s1, s2 = 0.0, 0.0
        for c in range(Cg):
            sg, sgx = 0.0, 0.0  # sum g, sum g (x - mu) over the channel
            for j0 in range(c * S, (c + 1) * S, _BLOCK):
                pg, pgx = f32(0.0), f32(0.0)
                for j in range(j0, min(j0 + _BLOCK, (c + 1) * S)):
                    pg += g[i, j]
                    pgx += g[i, j] * (x[i, j] - mu)
                sg += pg
                sgx += pgx
            sgx *= r
            dw[gi, c] += sgx
            db[gi, c] += sg
            s1 += w[gi, c] * sg
            s2 += w[gi, c] * sgx
        m1, m2 = f32(s1 / m), f32(s2 / m) * r
        for c in range(Cg):
            wc = w[gi, c]
            for j in range(c * S, (c + 1) * S):
                dx[i, j] = (g[i, j] * wc - m1 - (x[i, j] - mu) * m2) * r


def group_norm(x, rows, w, b, eps):
    """x C-contiguous float32, seen as (rows, cg s); w, b (groups, cg): returns y (x's shape: no view, so a leaf's
    gradient is never copied), mean, rstd (per row)."""
    x2 = x.reshape(rows, x.size // rows)
    out = np.empty(x.shape, f32)
    y = out.reshape(x2.shape)
    mean, rstd = np.empty(rows, f32), np.empty(rows, f32)
    e = f32(eps)
    parallel_for(rows, lambda lo, hi: _gn_fwd(x2[lo:hi], w, b, e, lo, y[lo:hi], mean[lo:hi], rstd[lo:hi]),
                 MIN_PARALLEL_ELEMENTS // max(x2.shape[1], 1) + 1)
    return out, mean, rstd


def group_norm_backward(g, x, rows, w, mean, rstd):
    """dx (x's shape), dw, db (groups * cg,) of group_norm; g and x C-contiguous, of one shape."""
    x2 = x.reshape(rows, x.size // rows)
    g2 = g.reshape(x2.shape)
    out = np.empty(x.shape, f32)
    dx = out.reshape(x2.shape)
    parts = []                      # per-thread float64 partial sums of dw, db (list.append is atomic)

    def body(lo, hi):
        dw, db = np.zeros(w.shape, np.float64), np.zeros(w.shape, np.float64)
        _gn_bwd(g2[lo:hi], x2[lo:hi], w, mean[lo:hi], rstd[lo:hi], lo, dx[lo:hi], dw, db)
        parts.append((dw, db))
    parallel_for(rows, body, MIN_PARALLEL_ELEMENTS // max(x2.shape[1], 1) + 1)
    dw, db = parts[0]
    for pw, pb in parts[1:]:
        dw += pw
        db += pb
    return out, dw.reshape(-1).astype(f32), db.reshape(-1).astype(f32)


# ---- float64 LayerNorm over the last axis (the float32 kernels are _numba_kernels'): numpy took ~8 passes each way --
@numba.njit(**_jit)
def _ln64_fwd(x, w, b, eps, y, mean, rstd):
    n, d = x.shape
    for i in range(n):
        s = 0.0
        for j in range(d):
            s += x[i, j]
        mu = s / d
        s2 = 0.0
        for j in range(d):
            c = x[i, j] - mu
            s2 += c * c
        r = 1.0 / np.sqrt(s2 / d + eps)
        mean[i], rstd[i] = mu, r
        for j in range(d):
            y[i, j] = (x[i, j] - mu) * r * w[j] + b[j]


@numba.njit(**_jit)
def _ln64_bwd(g, x, w, mean, rstd, dx, dw, db):
    n, d = x.shape
    for i in range(n):
        mu, r = mean[i], rstd[i]
        s1, s2 = 0.0, 0.0
        for j in range(d):
            xh = (x[i, j] - mu) * r
            dxh = g[i, j] * w[j]
            s1 += dxh
            s2 += dxh * xh
            dw[j] += g[i, j] * xh
            db[j] += g[i, j]
        s1 /= d
        s2 /= d
        for j in range(d):
            dx[i, j] = (g[i, j] * w[j] - s1 - (x[i, j] - mu) * r * s2) * r


def layer_norm(x, w, b, eps):
    """Last-axis LayerNorm of float64 x (weight w, bias b, float64 (d,)): y (x's shape), mean, rstd (per row)."""
    x2 = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    out = np.empty(x.shape, np.float64)
    mean, rstd = np.empty(x2.shape[0]), np.empty(x2.shape[0])
    _ln64_fwd(x2, w, b, float(eps), out.reshape(x2.shape), mean, rstd)
    return out, mean, rstd


def layer_norm_backward(g, x, w, mean, rstd):
    """dx, dw, db of the float64 layer_norm above."""
    x2 = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    out, dw, db = np.empty(x.shape, np.float64), np.zeros(x2.shape[1]), np.zeros(x2.shape[1])
    _ln64_bwd(np.ascontiguousarray(g).reshape(x2.shape), x2, w, mean, rstd, out.reshape(x2.shape), dw, db)
    return out, dw, db


# ---- hardswish: y = x clip(x + 3, 0, 6) / 6 --------------------------------------------------------------------------
# No fastmath: these round as torch's formula does and keep nan and inf (-inf * 0 is nan, as torch's).
_exact = dict(error_model="numpy", cache=True, nogil=True)


@numba.njit(**_exact)
def _hardswish_fwd(x, out):
    for i in range(out.size):
        c = x[i] + f32(3.0)
        c = f32(0.0) if c < 0 else (f32(6.0) if c > 6 else c)  # nan stays nan
        out[i] = x[i] * c / f32(6.0)


@numba.njit(**_exact)
def _hardswish_bwd(g, x, out):
    for i in range(out.size):  # torch's hardswish_backward: 0 to -3, x/3 + 1/2 below 3, then (and for nan) g
        v = x[i]
        if v <= -3:
            out[i] = f32(0.0)
        elif v < 3:
            out[i] = g[i] * (v / f32(3.0) + f32(0.5))
        else:
            out[i] = g[i]


def hardswish(x):
    """x C-contiguous float32."""
    out = np.empty(x.shape, f32)
    _hardswish_fwd(x.reshape(-1), out.reshape(-1))
    return out


def hardswish_backward(g, x):
    """g, x C-contiguous float32 of one shape."""
    out = np.empty(x.shape, f32)
    _hardswish_bwd(g.reshape(-1), x.reshape(-1), out.reshape(-1))
    return out


# ---- batch norm over (n, *spatial) per channel, x viewed (n, c, s) (ops/nn.py, BatchNorm in training mode):
# numpy reduces over the non-last axes ~4x slower than PyTorch; here each pass walks contiguous rows ---------------
@numba.njit(**_jit)
def batch_norm_fwd(x, w, b, eps, y, xh, mean, var):
    """x, y, xh (n, c, s); w, b, mean, var (c,). Batch statistics (biased var, two passes, float64 sums)."""
    N, C, S = x.shape
    m = N * S
    for c in range(C):
        tot = 0.0
        for n in range(N):
            for s in range(S):
                tot += x[n, c, s]
        mu = f32(tot / m)
        sq = 0.0
        for n in range(N):
            for s in range(S):
                d = x[n, c, s] - mu
                sq += d * d
        v = f32(sq / m)
        r = _ONE / np.sqrt(v + eps)
        mean[c], var[c] = mu, v
        wc, bc = w[c], b[c]
        for n in range(N):
            for s in range(S):
                h = (x[n, c, s] - mu) * r
                xh[n, c, s] = h
                y[n, c, s] = h * wc + bc


@numba.njit(**_jit)
def batch_norm_bwd(g, xh, w, var, eps, gx, gw, gb):
    """gx = rstd (dxh - mean(dxh) - xh mean(dxh xh)), dxh = g w; gw = sum g xh; gb = sum g (per channel)."""
    N, C, S = g.shape
    m = N * S
    for c in range(C):
        sg, sgx = 0.0, 0.0
        for n in range(N):
            for s in range(S):
                sg += g[n, c, s]
                sgx += g[n, c, s] * xh[n, c, s]
        gw[c], gb[c] = f32(sgx), f32(sg)
        wc = w[c]
        r = _ONE / np.sqrt(var[c] + eps)
        mg, mgx = f32(sg / m) * wc, f32(sgx / m) * wc
        for n in range(N):
            for s in range(S):
                gx[n, c, s] = r * (g[n, c, s] * wc - mg - xh[n, c, s] * mgx)


# The kernels above walk one channel at a time: its values are rows of length s, contiguous when s is long. When s is
# short (BatchNorm1d on (n, c): s = 1) that walk strides through all of x once per channel, and once x outgrows the
# cache it thrashes ((4096, 128): 14 ms forward against ~0.1 ms). These take x as (n, c s) and walk it in memory
# order, summing each column in float64 and folding the columns of a channel together afterwards.
@numba.njit(**_jit)
def _channel_sums(col, C, S):
    """The float64 column sums col (c s,) folded per channel: (c,) float64."""
    out = np.zeros(C, np.float64)
    for c in range(C):
        for s in range(S):
            out[c] += col[c * S + s]
    return out


@numba.njit(**_jit)
def batch_norm_fwd_rows(x, w, b, eps, y, xh, mean, var):
    """x, y, xh (n, c s) for a short s; w, b, mean, var (c,). Batch statistics (biased var, two passes, float64
    sums), as batch_norm_fwd."""
    N, J = x.shape
    C = w.shape[0]
    S = J // C
    m = N * S
    col = np.zeros(J, np.float64)
    for n in range(N):
        for j in range(J):
            col[j] += x[n, j]
    tot = _channel_sums(col, C, S)
    mu, r, we, be = np.empty(J, np.float32), np.empty(J, np.float32), np.empty(J, np.float32), np.empty(J, np.float32)
    for j in range(J):
        mu[j] = f32(tot[j // S] / m)
    col[:] = 0.0
    for n in range(N):
        for j in range(J):
            d = x[n, j] - mu[j]
            col[j] += d * d
    sq = _channel_sums(col, C, S)
    for c in range(C):
        mean[c], var[c] = mu[c * S], f32(sq[c] / m)
    for j in range(J):
        c = j // S
        r[j], we[j], be[j] = _ONE / np.sqrt(var[c] + eps), w[c], b[c]
    for n in range(N):
        for j in range(J):
            h = (x[n, j] - mu[j]) * r[j]
            xh[n, j] = h
            y[n, j] = h * we[j] + be[j]


@numba.njit(**_jit)
def batch_norm_bwd_rows(g, xh, w, var, eps, gx, gw, gb):
    """batch_norm_bwd with g, xh, gx as (n, c s) for a short s, walked in memory order."""
    N, J = g.shape
    C = w.shape[0]
    S = J // C
    m = N * S
    cg, cgx = np.zeros(J, np.float64), np.zeros(J, np.float64)
    for n in range(N):
        for j in range(J):
            cg[j] += g[n, j]
            cgx[j] += g[n, j] * xh[n, j]
    sg, sgx = _channel_sums(cg, C, S), _channel_sums(cgx, C, S)
    r, we, mg, mgx = np.empty(J, np.float32), np.empty(J, np.float32), np.empty(J, np.float32), np.empty(J, np.float32)
    for c in range(C):
        gw[c], gb[c] = f32(sgx[c]), f32(sg[c])
    for j in range(J):
        c = j // S
        wc = w[c]
        r[j], we[j] = _ONE / np.sqrt(var[c] + eps), wc
        mg[j], mgx[j] = f32(sg[c] / m) * wc, f32(sgx[c] / m) * wc
    for n in range(N):
        for j in range(J):
            gx[n, j] = r[j] * (g[n, j] * we[j] - mg[j] - xh[n, j] * mgx[j])
