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
