"""GEMM rung 5 — Hopper: TMA tensor descriptors and a persistent kernel.

What it adds over rung 4:
- TMA (tensor memory accelerator, sm_90+): `tl.make_tensor_descriptor` describes A, B and C (base,
  shape, strides, tile shape); a tile load/store is then one bulk copy done by a hardware engine, with
  bounds handled in hardware (out-of-range elements read as 0, writes are clipped), no per-thread
  address math and no masks. The rule: the last stride is 1 and the other strides and the base are
  16-byte aligned. Column-major operands (e.g. W.T in x @ W.T) use a descriptor over the transpose and
  transpose the tile on chip; anything else is first copied into a row-padded buffer.
- Persistent kernel: launch one program per SM and let each loop over output tiles (in grouped order).
  This removes launch/tail overhead per tile and lets one tile's epilogue overlap the next tile's loads.
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (target: best bf16 rung >= 90% of cuBLAS).
"""
import triton
import triton.language as tl

from ._launch import address, check_matmul, do_bench, interpreting, num_sms, ptrs, strides, upcast_for_dot, xp_of
from .gemm_3_scheduled import fits_shared_memory, grouped_tile


def _configs():
    if interpreting():
        return [triton.Config({"BLOCK_M": 16, "BLOCK_N": 16, "BLOCK_K": 16, "GROUP_M": 2}),
                triton.Config({"BLOCK_M": 32, "BLOCK_N": 16, "BLOCK_K": 16, "GROUP_M": 2})]
    shapes = [(128, 256, 64, 3, 8), (256, 128, 64, 3, 8), (128, 128, 64, 4, 8), (128, 128, 64, 4, 4),
              (128, 64, 64, 4, 4), (64, 128, 64, 4, 4), (128, 128, 32, 4, 8)]
    return [triton.Config({"BLOCK_M": bm, "BLOCK_N": bn, "BLOCK_K": bk, "GROUP_M": 8}, num_stages=s, num_warps=w)
            for bm, bn, bk, s, w in shapes]


@triton.autotune(configs=_configs(), key=["M", "N", "K", "PRECISION", "A_T", "B_T", "C_TMA"], do_bench=do_bench,
                 prune_configs_by={"early_config_prune": fits_shared_memory})
@triton.jit
def _hopper_kernel(a, b, c, M, N, K, s_a, s_b, s_cm, s_cn, n_programs,
                   BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr,
                   A_T: tl.constexpr, B_T: tl.constexpr, C_TMA: tl.constexpr, PRECISION: tl.constexpr,
                   UPCAST: tl.constexpr):
    # A column-major operand is described as its row-major transpose; its tiles are transposed on chip.
    if A_T:
        a_desc = tl.make_tensor_descriptor(a, shape=[K, M], strides=[s_a, 1], block_shape=[BLOCK_K, BLOCK_M])
    else:
        a_desc = tl.make_tensor_descriptor(a, shape=[M, K], strides=[s_a, 1], block_shape=[BLOCK_M, BLOCK_K])
    if B_T:
        b_desc = tl.make_tensor_descriptor(b, shape=[N, K], strides=[s_b, 1], block_shape=[BLOCK_N, BLOCK_K])
    else:
        b_desc = tl.make_tensor_descriptor(b, shape=[K, N], strides=[s_b, 1], block_shape=[BLOCK_K, BLOCK_N])
    if C_TMA:
        c_desc = tl.make_tensor_descriptor(c, shape=[M, N], strides=[s_cm, 1], block_shape=[BLOCK_M, BLOCK_N])
    n_tiles = tl.cdiv(M, BLOCK_M) * tl.cdiv(N, BLOCK_N)
    for tile in tl.range(tl.program_id(0), n_tiles, n_programs):  # persistent: this program's share of tiles
        pid_m, pid_n = grouped_tile(tile, M, N, BLOCK_M, BLOCK_N, GROUP_M)
        m0, n0 = pid_m * BLOCK_M, pid_n * BLOCK_N
        acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
        for k0 in range(0, K, BLOCK_K):
            if A_T:
                x = a_desc.load([k0, m0]).T
            else:
                x = a_desc.load([m0, k0])
            if B_T:
                y = b_desc.load([n0, k0]).T
            else:
                y = b_desc.load([k0, n0])
            if UPCAST:
                x, y = x.to(tl.float32), y.to(tl.float32)
            acc = tl.dot(x, y, acc, input_precision=PRECISION)
        if C_TMA:
            c_desc.store([m0, n0], acc.to(c.dtype.element_ty))
        else:  # an out= buffer TMA cannot describe: plain masked store
            rm, rn = m0 + tl.arange(0, BLOCK_M), n0 + tl.arange(0, BLOCK_N)
            tl.store(c + rm[:, None] * s_cm + rn[None, :] * s_cn, acc.to(c.dtype.element_ty),
                     mask=(rm[:, None] < M) & (rn[None, :] < N))


def _tma_ok(x):
    """Row-major with 16-byte aligned base and row stride: what a TMA descriptor can describe."""
    return (x.strides[1] == x.itemsize and x.strides[0] % 16 == 0 and x.strides[0] > 0
            and address(x) % 16 == 0)


def _tma_operand(x):
    """(array to describe, transposed?) for an operand: as is, as its transpose, or a row-padded copy."""
    if _tma_ok(x):
        return x, False
    if _tma_ok(x.T):
        return x.T, True
    xp = xp_of(x)
    cols = -(-x.shape[1] * x.itemsize // 16) * 16 // x.itemsize  # round the row up to 16 bytes
    buf = xp.zeros((x.shape[0], max(cols, 16 // x.itemsize)), dtype=x.dtype)
    buf[:, :x.shape[1]] = x
    return buf[:, :x.shape[1]], False


def matmul(a, b, out=None, allow_tf32=True):
    """C = A @ B for 2-D float arrays with TMA loads in a persistent kernel (sm_90+ on a GPU)."""
    M, N, K, out = check_matmul("gemm_5_hopper.matmul", a, b, out)
    if M * N == 0:
        return out
    if K == 0:
        out[...] = 0
        return out
    a_t, a_is_t = _tma_operand(a)
    b_t, b_is_t = _tma_operand(b)
    precision = "tf32" if (a.dtype.name == "float32" and allow_tf32) else "ieee"
    n_sm = num_sms(a)
    grid = lambda meta: (min(n_sm, triton.cdiv(M, meta["BLOCK_M"]) * triton.cdiv(N, meta["BLOCK_N"])),)
    _hopper_kernel[grid](*ptrs(a_t, b_t, out), M, N, K, strides(a_t)[0], strides(b_t)[0], *strides(out), n_sm,
                         A_T=a_is_t, B_T=b_is_t, C_TMA=_tma_ok(out), PRECISION=precision,
                         UPCAST=upcast_for_dot(a.dtype))
    return out
