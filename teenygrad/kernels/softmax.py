"""Fused row softmax, forward and backward: one program per row, the whole row in one block.

    y = exp(x - max(x)) / sum(exp(x - max(x)))       (max subtracted for stability; exact math)
    dx = y * (dy - sum(dy * y))                      (the softmax Jacobian applied to dy)

Why fused: the cupy composite (max, subtract, exp, sum, divide) reads/writes the rows ~5 times; here
each row is read once and written once, so the kernel runs at memory bandwidth. Rows up to 65536 wide
(the row must fit one block); for vocabulary-wide rows use cross_entropy, which loops over columns.
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (reports time vs the cupy composite).
"""
import triton
import triton.language as tl

from ._launch import check_float, ptrs, strides, xp_of

MAX_COLS = 65536


@triton.jit
def _softmax_fwd_kernel(x, y, N, s_xr, s_xc, s_yr, s_yc, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)  # int64: rows * row stride can pass 2**31
    cols = tl.arange(0, BLOCK)
    mask = cols < N
    v = tl.load(x + row * s_xr + cols * s_xc, mask=mask, other=-float("inf")).to(tl.float32)
    e = tl.exp(v - tl.max(v, axis=0))  # padding lanes: exp(-inf) = 0, they add nothing to the sum
    tl.store(y + row * s_yr + cols * s_yc, (e / tl.sum(e, axis=0)).to(y.dtype.element_ty), mask=mask)


@triton.jit
def _softmax_bwd_kernel(y, dy, dx, N, s_yr, s_yc, s_dyr, s_dyc, s_dxr, s_dxc, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    mask = cols < N
    p = tl.load(y + row * s_yr + cols * s_yc, mask=mask, other=0.0).to(tl.float32)
    g = tl.load(dy + row * s_dyr + cols * s_dyc, mask=mask, other=0.0).to(tl.float32)
    out = p * (g - tl.sum(p * g, axis=0))
    tl.store(dx + row * s_dxr + cols * s_dxc, out.to(dx.dtype.element_ty), mask=mask)


def _launch_config(name, x):
    if x.ndim != 2:
        raise ValueError(f"{name}: expects a 2-D (rows, cols) array, got shape {x.shape}")
    if x.shape[1] > MAX_COLS:
        raise ValueError(f"{name}: rows of {x.shape[1]} > {MAX_COLS} columns do not fit one block")
    block = triton.next_power_of_2(max(x.shape[1], 1))
    return block, (4 if block <= 2048 else 8 if block <= 8192 else 16)


def softmax_fwd(x):
    """Softmax over the last axis of a 2-D array (any strides); returns y in x's dtype."""
    check_float("softmax_fwd", x=x)
    block, warps = _launch_config("softmax_fwd", x)
    y = xp_of(x).empty(x.shape, dtype=x.dtype)
    if x.size:
        _softmax_fwd_kernel[(x.shape[0],)](*ptrs(x, y), x.shape[1], *strides(x), *strides(y),
                                           BLOCK=block, num_warps=warps)
    return y


def softmax_bwd(y, dy):
    """Gradient wrt the softmax input, given its output y and the upstream gradient dy."""
    check_float("softmax_bwd", y=y, dy=dy)
    if y.shape != dy.shape:
        raise ValueError(f"softmax_bwd: y {y.shape} and dy {dy.shape} differ in shape")
    block, warps = _launch_config("softmax_bwd", y)
    dx = xp_of(y).empty(y.shape, dtype=dy.dtype)
    if y.size:
        _softmax_bwd_kernel[(y.shape[0],)](*ptrs(y, dy, dx), y.shape[1], *strides(y), *strides(dy), *strides(dx),
                                           BLOCK=block, num_warps=warps)
    return dx
