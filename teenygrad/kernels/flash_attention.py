"""Flash attention, forward and backward, causal or not, on (B, H, T, D) arrays.

    S = scale * Q K^T,  P = softmax(S) (masked above the diagonal when causal),  O = P V
    backward, with L = logsumexp rows of S and delta = rowsum(dO * O):
    dV = P^T dO,  dP = dO V^T,  dS = P * (dP - delta),  dQ = scale * dS K,  dK = scale * dS^T Q

Why: the T x T matrices S and P are never written to memory. The forward walks the keys block by
block with an online softmax (running max m and sum l; earlier partial output rescaled by exp(m_old -
m_new)) and keeps only O and L = m + log(l). The backward recomputes P block by block from L:
one kernel owns a block of keys and loops over queries (dK, dV), another owns a block of queries and
loops over keys (dQ), so no atomics are needed. Causal programs skip the blocks above the diagonal.
Matmuls run on tensor cores for fp16/bf16; fp32 stays exact ("ieee"), as FMAs. Block sizes are fixed per kernel.
Measured on an H200 (docs/gemm.md): fp16 causal (8, 12, 1024, 64) forward 0.19 ms, backward 0.46 ms, 26x and
22x the cupy composite (64 x 64 tiles, not swept). fp32 dots unroll into scalar FMAs whose tiles need far more
registers, so fp32 takes its own tiles per kernel (_FP32_TILES). At D = 64 they were timed on an H200 over a grid
of (BLOCK_M, BLOCK_N, warps, stages) with `python bench/flash_sweep.py` (docs/gemm.md); the other head sizes keep
the tiles first chosen from ptxas's spill report.
"""
import math
import os

import triton
import triton.language as tl

from ._launch import check_float, interpreting, ptrs, strides, upcast_for_dot, xp_of


@triton.jit
def _load_tile(base, rows, s_t, s_d, T, D, BLOCK_D: tl.constexpr, UPCAST: tl.constexpr):
    """A (len(rows), BLOCK_D) tile of a (T, D) matrix; rows past T and columns past D read as 0."""
    rd = tl.arange(0, BLOCK_D)
    tile = tl.load(base + rows[:, None] * s_t + rd[None, :] * s_d, mask=(rows[:, None] < T) & (rd[None, :] < D),
                   other=0.0)
    if UPCAST:
        tile = tile.to(tl.float32)
    return tile


@triton.jit
def _store_tile(base, tile, rows, s_t, s_d, T, D, BLOCK_D: tl.constexpr):
    rd = tl.arange(0, BLOCK_D)
    tl.store(base + rows[:, None] * s_t + rd[None, :] * s_d, tile.to(base.dtype.element_ty),
             mask=(rows[:, None] < T) & (rd[None, :] < D))


@triton.jit
def _probs(q, k, rm, rn, lse, scale, T, CAUSAL: tl.constexpr, PRECISION: tl.constexpr):
    """P = exp(scale * q k^T - lse) for a (query block, key block), 0 where masked or out of range."""
    s = tl.dot(q, tl.trans(k), input_precision=PRECISION) * scale
    valid = (rm[:, None] < T) & (rn[None, :] < T)
    if CAUSAL:
        valid = valid & (rm[:, None] >= rn[None, :])
    return tl.where(valid, tl.exp(s - lse[:, None]), 0.0)


@triton.jit
def _fwd_kernel(q, k, v, o, lse, scale, H, T, D, s_qb, s_qh, s_qt, s_qd, s_kb, s_kh, s_kt, s_kd,
                s_vb, s_vh, s_vt, s_vd, s_ob, s_oh, s_ot, s_od,
                BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr, CAUSAL: tl.constexpr,
                PRECISION: tl.constexpr, UPCAST: tl.constexpr):
    pid_m, bh = tl.program_id(0), tl.program_id(1).to(tl.int64)
    b, h = bh // H, bh % H
    q += b * s_qb + h * s_qh
    k += b * s_kb + h * s_kh
    v += b * s_vb + h * s_vh
    rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    qt = _load_tile(q, rm, s_qt, s_qd, T, D, BLOCK_D, UPCAST)
    m_i = tl.full([BLOCK_M], -float("inf"), tl.float32)  # key 0 is valid for every row, so m_i turns finite at once
    l_i = tl.zeros([BLOCK_M], dtype=tl.float32)
    acc = tl.zeros([BLOCK_M, BLOCK_D], dtype=tl.float32)
    # causal: keys past this block's last query are masked for every row, so the loop stops there
    hi = tl.minimum(T, (pid_m + 1) * BLOCK_M) if CAUSAL else T
    for n0 in range(0, hi, BLOCK_N):
        rn = n0 + tl.arange(0, BLOCK_N)
        kt = _load_tile(k, rn, s_kt, s_kd, T, D, BLOCK_D, UPCAST)
        s = tl.dot(qt, tl.trans(kt), input_precision=PRECISION) * scale
        valid = rn[None, :] < T
        if CAUSAL:
            valid = valid & (rm[:, None] >= rn[None, :])
        s = tl.where(valid, s, -float("inf"))
        m_new = tl.maximum(m_i, tl.max(s, axis=1))
        p = tl.exp(s - m_new[:, None])
        alpha = tl.exp(m_i - m_new)  # rescales what was summed under the old max
        l_i = l_i * alpha + tl.sum(p, axis=1)
        vt = _load_tile(v, rn, s_vt, s_vd, T, D, BLOCK_D, UPCAST)
        acc = acc * alpha[:, None] + tl.dot(p.to(vt.dtype), vt, input_precision=PRECISION)
        m_i = m_new
    _store_tile(o + b * s_ob + h * s_oh, acc / l_i[:, None], rm, s_ot, s_od, T, D, BLOCK_D)
    tl.store(lse + bh * T + rm, m_i + tl.log(l_i), mask=rm < T)


@triton.jit
def _bwd_dkdv_kernel(q, k, v, do, lse, delta, dk, dv, scale, H, T, D, s_b, s_h, s_t, s_d,
                     BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr, CAUSAL: tl.constexpr,
                     PRECISION: tl.constexpr, UPCAST: tl.constexpr):
    # All of q, k, v, do, dk, dv share one contiguous (B, H, T, D) layout (the wrapper makes it so).
    pid_n, bh = tl.program_id(0), tl.program_id(1).to(tl.int64)
    off = (bh // H) * s_b + (bh % H) * s_h
    rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    kt = _load_tile(k + off, rn, s_t, s_d, T, D, BLOCK_D, UPCAST)
    vt = _load_tile(v + off, rn, s_t, s_d, T, D, BLOCK_D, UPCAST)
    dk_acc = tl.zeros([BLOCK_N, BLOCK_D], dtype=tl.float32)
    dv_acc = tl.zeros([BLOCK_N, BLOCK_D], dtype=tl.float32)
    lo = (pid_n * BLOCK_N // BLOCK_M) * BLOCK_M if CAUSAL else 0  # causal: earlier queries never see these keys
    for m0 in range(lo, T, BLOCK_M):
        rm = m0 + tl.arange(0, BLOCK_M)
        qt = _load_tile(q + off, rm, s_t, s_d, T, D, BLOCK_D, UPCAST)
        dot = _load_tile(do + off, rm, s_t, s_d, T, D, BLOCK_D, UPCAST)
        p = _probs(qt, kt, rm, rn, tl.load(lse + bh * T + rm, mask=rm < T, other=0.0), scale, T, CAUSAL, PRECISION)
        dv_acc += tl.dot(tl.trans(p).to(dot.dtype), dot, input_precision=PRECISION)
        dp = tl.dot(dot, tl.trans(vt), input_precision=PRECISION)
        ds = p * (dp - tl.load(delta + bh * T + rm, mask=rm < T, other=0.0)[:, None])
        dk_acc += tl.dot(tl.trans(ds).to(qt.dtype), qt, input_precision=PRECISION)
    _store_tile(dk + off, dk_acc * scale, rn, s_t, s_d, T, D, BLOCK_D)
    _store_tile(dv + off, dv_acc, rn, s_t, s_d, T, D, BLOCK_D)


@triton.jit
def _bwd_dq_kernel(q, k, v, do, lse, delta, dq, scale, H, T, D, s_b, s_h, s_t, s_d,
                   BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr, CAUSAL: tl.constexpr,
                   PRECISION: tl.constexpr, UPCAST: tl.constexpr):
    pid_m, bh = tl.program_id(0), tl.program_id(1).to(tl.int64)
    off = (bh // H) * s_b + (bh % H) * s_h
    rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    qt = _load_tile(q + off, rm, s_t, s_d, T, D, BLOCK_D, UPCAST)
    dot = _load_tile(do + off, rm, s_t, s_d, T, D, BLOCK_D, UPCAST)
    row_lse = tl.load(lse + bh * T + rm, mask=rm < T, other=0.0)
    row_delta = tl.load(delta + bh * T + rm, mask=rm < T, other=0.0)
    dq_acc = tl.zeros([BLOCK_M, BLOCK_D], dtype=tl.float32)
    hi = tl.minimum(T, (pid_m + 1) * BLOCK_M) if CAUSAL else T
    for n0 in range(0, hi, BLOCK_N):
        rn = n0 + tl.arange(0, BLOCK_N)
        kt = _load_tile(k + off, rn, s_t, s_d, T, D, BLOCK_D, UPCAST)
        vt = _load_tile(v + off, rn, s_t, s_d, T, D, BLOCK_D, UPCAST)
        p = _probs(qt, kt, rm, rn, row_lse, scale, T, CAUSAL, PRECISION)
        ds = p * (tl.dot(dot, tl.trans(vt), input_precision=PRECISION) - row_delta[:, None])
        dq_acc += tl.dot(ds.to(kt.dtype), kt, input_precision=PRECISION)
    _store_tile(dq + off, dq_acc * scale, rm, s_t, s_d, T, D, BLOCK_D)


def _setup(name, q, k, v):
    check_float(name, q=q, k=k, v=v)
    if q.ndim != 4 or q.shape != k.shape or q.shape != v.shape:
        raise ValueError(f"{name}: q, k, v must share one (B, H, T, D) shape, got {q.shape}, {k.shape}, {v.shape}")
    if not (q.dtype == k.dtype == v.dtype):
        raise TypeError(f"{name}: q, k, v dtypes differ: {q.dtype}, {k.dtype}, {v.dtype}")
    if q.shape[3] > 256:
        raise ValueError(f"{name}: head size {q.shape[3]} > 256 is not supported (one tile holds a whole head)")
    B, H, T, D = q.shape
    block_d = max(16, triton.next_power_of_2(D))
    return {kernel: tile_meta(kernel, q.dtype, block_d) for kernel in ("fwd", "dkdv", "dq")}, B * H


# (kernel, BLOCK_D) -> (BLOCK_M, BLOCK_N, warps, stages) for fp32. D = 64: the fastest of bench/flash_sweep.py's
# 48 per kernel at nanoGPT's GPU shape, causal (64, 6, 256, 64), on an H200: dkdv 0.70 ms (was 1.15 at 16 x 16),
# dq 0.46 (was 0.62 at 32 x 32), fwd unchanged; they also lead or come within 2% at (8, 12, 1024, 64). Bigger tiles
# spill registers (ptxas) and still win. Other head sizes: chosen from `ptxas -v` on sm_90 (spill-free except
# dkdv), not timed. Wider heads keep the half-precision choice.
_FP32_TILES = {("fwd", 16): (16, 16, 4, 2), ("dkdv", 16): (16, 16, 4, 2), ("dq", 16): (16, 16, 4, 2),
               ("fwd", 32): (32, 32, 8, 2), ("dkdv", 32): (16, 16, 4, 2), ("dq", 32): (32, 32, 8, 2),
               ("fwd", 64): (32, 32, 4, 2), ("dkdv", 64): (32, 32, 4, 2), ("dq", 64): (64, 64, 4, 1),
               ("fwd", 128): (32, 32, 8, 2), ("dkdv", 128): (16, 16, 8, 2), ("dq", 128): (32, 32, 8, 2)}


# tf32x3's tiles (BLOCK_M, BLOCK_N, warps, stages) at D = 64: the fastest over both shapes of bench/flash_sweep.py
# --precision tf32x3 --blocks 32,64,128 on an H200 (36 per kernel). Other head sizes take the half-precision tiles.
_TF32X3_TILES = {("fwd", 64): (32, 64, 4, 2), ("dkdv", 64): (64, 32, 4, 1), ("dq", 64): (64, 64, 4, 1)}

# How fp32 attention multiplies on a GPU: "ieee" (exact fp32 FMAs, the default) or "tf32x3" (each product split into
# three tf32 tensor-core products, ~fp32 accuracy: the sweep's errors against float64 were the same as ieee's,
# ~1e-6 of the largest value, and the device tests pass with it). At nanoGPT's GPU shape it makes the attention
# kernels 2.7-2.9x faster (docs/gemm.md); the training step was not timed with these tiles, so it is opt-in.
# TEENYGRAD_FLASH_FP32 sets it at import.
FP32_PRECISION = os.environ.get("TEENYGRAD_FLASH_FP32", "ieee")
if FP32_PRECISION not in ("ieee", "tf32x3"):
    raise ValueError(f"TEENYGRAD_FLASH_FP32 must be ieee or tf32x3, got {FP32_PRECISION!r}")


def tile_meta(kernel, dtype, block_d):
    """Launch constants of one kernel ("fwd", "dkdv" or "dq") for a dtype and padded head size."""
    precision = FP32_PRECISION if dtype.itemsize == 4 and not interpreting() else "ieee"
    if interpreting():
        block_m = block_n = 16
        warps, stages = 4, 2
    elif precision == "ieee" and dtype.itemsize == 4 and (kernel, block_d) in _FP32_TILES:
        block_m, block_n, warps, stages = _FP32_TILES[kernel, block_d]
    elif precision == "tf32x3" and (kernel, block_d) in _TF32X3_TILES:
        block_m, block_n, warps, stages = _TF32X3_TILES[kernel, block_d]
    else:  # 64x64 tiles fit shared memory up to D = 128; D = 256 needs 32x32 and more warps for the accumulators
        block_m = block_n = 64 if block_d <= 128 else 32
        warps, stages = (4 if block_d <= 64 else 8), 2
    return dict(BLOCK_M=block_m, BLOCK_N=block_n, BLOCK_D=block_d, PRECISION=precision,
                UPCAST=upcast_for_dot(dtype), num_warps=warps, num_stages=stages)


def attention_fwd(q, k, v, causal=False, scale=None):
    """Returns out (B, H, T, D) in q's dtype and logsumexp (B, H, T) fp32 (saved for the backward)."""
    metas, bh = _setup("attention_fwd", q, k, v)
    meta = metas["fwd"]
    B, H, T, D = q.shape
    xp = xp_of(q)
    scale = 1.0 / math.sqrt(D) if scale is None else float(scale)
    o = xp.empty(q.shape, dtype=q.dtype)
    lse = xp.empty((B, H, T), dtype=xp.float32)
    if q.size:
        _fwd_kernel[(triton.cdiv(T, meta["BLOCK_M"]), bh)](*ptrs(q, k, v, o, lse), scale, H, T, D, *strides(q),
                                                           *strides(k), *strides(v), *strides(o),
                                                           CAUSAL=bool(causal), **meta)
    return o, lse


def attention_bwd(do, q, k, v, o, lse, causal=False, scale=None):
    """Returns dq, dk, dv (in q's dtype) given dO, the forward's inputs, its out and its logsumexp."""
    metas, bh = _setup("attention_bwd", q, k, v)
    if do.shape != q.shape or o.shape != q.shape:
        raise ValueError(f"attention_bwd: do {do.shape} and o {o.shape} must match q {q.shape}")
    B, H, T, D = q.shape
    xp = xp_of(q)
    scale = 1.0 / math.sqrt(D) if scale is None else float(scale)
    q, k, v, do = (xp.ascontiguousarray(x) for x in (q, k, v, do))  # one shared layout for the kernels
    delta = xp.ascontiguousarray((do.astype(xp.float32) * o.astype(xp.float32)).sum(axis=-1))  # (B, H, T)
    lse = xp.ascontiguousarray(lse, dtype=xp.float32)
    dq, dk, dv = (xp.empty(q.shape, dtype=q.dtype) for _ in range(3))
    if q.size:
        args = (scale, H, T, D, *strides(q))
        kv, qm = metas["dkdv"], metas["dq"]
        _bwd_dkdv_kernel[(triton.cdiv(T, kv["BLOCK_N"]), bh)](*ptrs(q, k, v, do, lse, delta, dk, dv), *args,
                                                              CAUSAL=bool(causal), **kv)
        _bwd_dq_kernel[(triton.cdiv(T, qm["BLOCK_M"]), bh)](*ptrs(q, k, v, do, lse, delta, dq), *args,
                                                            CAUSAL=bool(causal), **qm)
    return dq, dk, dv
