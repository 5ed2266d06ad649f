"""GEMM rung 4 — tensor cores: fp16/bf16 operands (and tf32 for fp32), fp32 accumulation.

What it adds over rung 3: the math runs on tensor cores (mma/wgmma), which on an H100 give ~15x the
fp32 FMA throughput. fp16/bf16 operands go to tl.dot as they are (half the bytes of fp32 too);
fp32 operands use input_precision="tf32" (10-bit mantissa inputs, fp32 accumulate) — only when the
caller allowed it, like torch.backends.cuda.matmul.allow_tf32. The accumulator stays fp32 and is
rounded to the output dtype once, at the store. Tensor cores want bigger K tiles (64 x 2 bytes = one
128-byte line), more warps per tile and deeper pipelines, so the autotune space changes; pointers are
advanced instead of recomputed, and the K loop skips masks when K divides evenly.
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (target: best bf16 rung >= 90% of cuBLAS).
"""
import triton
import triton.language as tl

from ._launch import check_matmul, do_bench, interpreting, ptrs, strides, upcast_for_dot
from .gemm_3_scheduled import fits_shared_memory, grouped_tile


def _configs():
    if interpreting():
        return [triton.Config({"BLOCK_M": 16, "BLOCK_N": 16, "BLOCK_K": 16, "GROUP_M": 2}),
                triton.Config({"BLOCK_M": 16, "BLOCK_N": 32, "BLOCK_K": 32, "GROUP_M": 2})]
    shapes = [(128, 256, 64, 3, 8), (256, 128, 64, 3, 8), (128, 128, 64, 4, 4), (128, 128, 64, 4, 8),
              (128, 64, 64, 4, 4), (64, 128, 64, 4, 4), (128, 128, 32, 5, 4), (64, 64, 64, 5, 4)]
    return [triton.Config({"BLOCK_M": bm, "BLOCK_N": bn, "BLOCK_K": bk, "GROUP_M": 8}, num_stages=s, num_warps=w)
            for bm, bn, bk, s, w in shapes]


@triton.autotune(configs=_configs(), key=["M", "N", "K", "PRECISION"], do_bench=do_bench,
                 prune_configs_by={"early_config_prune": fits_shared_memory})
@triton.heuristics({"EVEN_K": lambda args: args["K"] % args["BLOCK_K"] == 0})
@triton.jit
def _tensorcore_kernel(a, b, c, M, N, K, s_am, s_ak, s_bk, s_bn, s_cm, s_cn,
                       BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr,
                       PRECISION: tl.constexpr, UPCAST: tl.constexpr, EVEN_K: tl.constexpr):
    pid_m, pid_n = grouped_tile(tl.program_id(0), M, N, BLOCK_M, BLOCK_N, GROUP_M)
    rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    rk = tl.arange(0, BLOCK_K)
    # Rows past M / columns past N are clamped to a valid index (wrapped), not masked: their results
    # land in rows/cols of C that the store mask drops, and the loads need no M/N mask at all.
    rm_load, rn_load = rm % M, rn % N
    a_ptrs = a + rm_load[:, None] * s_am + rk[None, :] * s_ak
    b_ptrs = b + rk[:, None] * s_bk + rn_load[None, :] * s_bn
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        if EVEN_K:
            x, y = tl.load(a_ptrs), tl.load(b_ptrs)
        else:
            x = tl.load(a_ptrs, mask=rk[None, :] < K - k0, other=0.0)
            y = tl.load(b_ptrs, mask=rk[:, None] < K - k0, other=0.0)
        if UPCAST:
            x, y = x.to(tl.float32), y.to(tl.float32)
        acc = tl.dot(x, y, acc, input_precision=PRECISION)
        a_ptrs += BLOCK_K * s_ak
        b_ptrs += BLOCK_K * s_bk
    tl.store(c + rm[:, None] * s_cm + rn[None, :] * s_cn, acc.to(c.dtype.element_ty),
             mask=(rm[:, None] < M) & (rn[None, :] < N))


def matmul(a, b, out=None, allow_tf32=True):
    """C = A @ B for 2-D float arrays (any strides) on tensor cores; fp32 inputs use tf32 when allowed
    (else exact "ieee" fp32, i.e. rung 3's math with this rung's configs)."""
    M, N, K, out = check_matmul("gemm_4_tensorcore.matmul", a, b, out)
    if M * N == 0:
        return out
    precision = "tf32" if (a.dtype.name == "float32" and allow_tf32) else "ieee"
    grid = lambda meta: (triton.cdiv(M, meta["BLOCK_M"]) * triton.cdiv(N, meta["BLOCK_N"]),)
    _tensorcore_kernel[grid](*ptrs(a, b, out), M, N, K, *strides(a), *strides(b), *strides(out),
                             PRECISION=precision, UPCAST=upcast_for_dot(a.dtype))
    return out
