"""Fused LayerNorm over the last axis, forward and backward.

    mean = sum(x)/N,  rstd = 1/sqrt(sum((x-mean)^2)/N + eps),  xhat = (x-mean)*rstd,  y = xhat*w + b
    dxhat = dy*w;  dx = rstd * (dxhat - mean(dxhat) - xhat*mean(dxhat*xhat));  dw = sum_rows dy*xhat;  db = sum_rows dy

Why fused: one read of x and one write of y per row in the forward (the composite makes ~6 passes),
and the backward recomputes xhat from the saved (mean, rstd) instead of storing it. dw and db are
sums over all rows: each backward program owns a strided set of rows, accumulates its own partial
dw/db in registers, and writes one partial row; the few partial rows are summed afterwards with xp
(deterministic, unlike atomics). The row must fit one block (N <= 65536).
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (reports time vs the cupy composite).
"""
import triton
import triton.language as tl

from ._launch import check_float, interpreting, num_sms, ptrs, strides, xp_of


@triton.jit
def _ln_fwd_kernel(x, w, b, y, mean, rstd, N, eps, s_xr, s_yr, BLOCK: tl.constexpr, HAS_BIAS: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    mask = cols < N
    v = tl.load(x + row * s_xr + cols, mask=mask, other=0.0).to(tl.float32)
    mu = tl.sum(v, axis=0) / N
    centered = tl.where(mask, v - mu, 0.0)  # padding lanes must not add (0 - mu)^2 to the variance
    r = 1.0 / tl.sqrt(tl.sum(centered * centered, axis=0) / N + eps)
    out = centered * r * tl.load(w + cols, mask=mask, other=0.0).to(tl.float32)
    if HAS_BIAS:
        out += tl.load(b + cols, mask=mask, other=0.0).to(tl.float32)
    tl.store(y + row * s_yr + cols, out.to(y.dtype.element_ty), mask=mask)
    tl.store(mean + row, mu)
    tl.store(rstd + row, r)


@triton.jit
def _ln_bwd_kernel(x, w, dy, dx, mean, rstd, dw_part, db_part, n_rows, N, s_xr, s_dyr, s_dxr, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    mask = cols < N
    wv = tl.load(w + cols, mask=mask, other=0.0).to(tl.float32)
    dw_acc = tl.zeros([BLOCK], dtype=tl.float32)
    db_acc = tl.zeros([BLOCK], dtype=tl.float32)
    first_row = pid.to(tl.int64)
    for i in range(pid, n_rows, tl.num_programs(0)):
        row = first_row + (i - pid)  # = i, as int64 so row * stride cannot overflow
        v = tl.load(x + row * s_xr + cols, mask=mask, other=0.0).to(tl.float32)
        g = tl.load(dy + row * s_dyr + cols, mask=mask, other=0.0).to(tl.float32)
        r = tl.load(rstd + row)
        xhat = tl.where(mask, (v - tl.load(mean + row)) * r, 0.0)
        dxhat = g * wv
        out = r * (dxhat - tl.sum(dxhat, axis=0) / N - xhat * (tl.sum(dxhat * xhat, axis=0) / N))
        tl.store(dx + row * s_dxr + cols, out.to(dx.dtype.element_ty), mask=mask)
        dw_acc += g * xhat
        db_acc += g
    tl.store(dw_part + pid * N + cols, dw_acc, mask=mask)
    tl.store(db_part + pid * N + cols, db_acc, mask=mask)


def _rows(name, x, N):
    """View x as (rows, N) with unit column stride; copies only if x is not already laid out so."""
    if x.shape[-1:] != (N,):
        raise ValueError(f"{name}: last axis of {x.shape} must equal normalized size {N}")
    if N > 65536:
        raise ValueError(f"{name}: rows of {N} > 65536 columns do not fit one block")
    x2 = x.reshape(-1, N)
    return x2 if x2.strides[-1] == x2.itemsize else xp_of(x).ascontiguousarray(x2)


def _warps(block):
    return 4 if block <= 2048 else 8 if block <= 8192 else 16


def layer_norm_fwd(x, weight, bias=None, eps=1e-5):
    """LayerNorm over x's last axis. Returns y (x's shape and dtype) and fp32 mean and rstd (one per row)."""
    check_float("layer_norm_fwd", x=x, weight=weight)
    N = weight.shape[0]
    x2 = _rows("layer_norm_fwd", x, N)
    xp = xp_of(x)
    weight = xp.ascontiguousarray(weight)
    bias = None if bias is None else xp.ascontiguousarray(bias)
    y = xp.empty(x2.shape, dtype=x.dtype)
    mean, rstd = xp.empty(x2.shape[0], dtype=xp.float32), xp.empty(x2.shape[0], dtype=xp.float32)
    block = triton.next_power_of_2(max(N, 1))
    if x2.shape[0]:
        _ln_fwd_kernel[(x2.shape[0],)](*ptrs(x2, weight, weight if bias is None else bias, y, mean, rstd),
                                       N, eps, strides(x2)[0], strides(y)[0], BLOCK=block,
                                       HAS_BIAS=bias is not None, num_warps=_warps(block))
    return y.reshape(x.shape), mean, rstd


def layer_norm_bwd(dy, x, weight, mean, rstd):
    """Gradients (dx, dw, db) of LayerNorm given the forward's saved mean and rstd; dw/db in weight's dtype."""
    check_float("layer_norm_bwd", dy=dy, x=x, weight=weight)
    if dy.shape != x.shape:
        raise ValueError(f"layer_norm_bwd: dy {dy.shape} and x {x.shape} differ in shape")
    N = weight.shape[0]
    x2, dy2 = _rows("layer_norm_bwd", x, N), _rows("layer_norm_bwd", dy, N)
    xp = xp_of(x)
    weight = xp.ascontiguousarray(weight)
    mean, rstd = xp.ascontiguousarray(mean, dtype=xp.float32), xp.ascontiguousarray(rstd, dtype=xp.float32)
    n_rows = x2.shape[0]
    dx = xp.empty(x2.shape, dtype=dy.dtype)
    programs = max(1, min(n_rows, 8 if interpreting() else 4 * num_sms(x)))
    dw_part = xp.zeros((programs, N), dtype=xp.float32)
    db_part = xp.zeros((programs, N), dtype=xp.float32)
    block = triton.next_power_of_2(max(N, 1))
    if n_rows:
        _ln_bwd_kernel[(programs,)](*ptrs(x2, weight, dy2, dx, mean, rstd, dw_part, db_part), n_rows, N,
                                    strides(x2)[0], strides(dy2)[0], strides(dx)[0], BLOCK=block,
                                    num_warps=_warps(block))
    return dx.reshape(x.shape), dw_part.sum(axis=0).astype(weight.dtype), db_part.sum(axis=0).astype(weight.dtype)
