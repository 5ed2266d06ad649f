"""GEMM rung 2 — tiled: one program computes a BLOCK_M x BLOCK_N tile of C with tl.dot.

What it adds over rung 1: data reuse. A program loads a BLOCK_M x BLOCK_K tile of A and a BLOCK_K x
BLOCK_N tile of B once and uses each loaded value BLOCK_N (resp. BLOCK_M) times from on-chip memory
(shared memory / registers). Global traffic drops from ~2*M*N*K to ~M*N*K*(1/BLOCK_N + 1/BLOCK_M)
elements, so arithmetic intensity grows with the tile size, and tile loads are coalesced.
fp32 operands use input_precision="ieee" so this stays a true SGEMM (tl.dot's GPU default is tf32).
Masks make any M, N, K work: out-of-range A/B elements load as 0 and add nothing.
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (target: >= 50% of cuBLAS SGEMM).
"""
import triton
import triton.language as tl

from ._launch import check_matmul, interpreting, ptrs, strides, upcast_for_dot


@triton.jit
def _tiled_kernel(a, b, c, M, N, K, s_am, s_ak, s_bk, s_bn, s_cm, s_cn,
                  BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, UPCAST: tl.constexpr):
    rm = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    rn = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        rk = k0 + tl.arange(0, BLOCK_K)
        x = tl.load(a + rm[:, None] * s_am + rk[None, :] * s_ak, mask=(rm[:, None] < M) & (rk[None, :] < K), other=0.0)
        y = tl.load(b + rk[:, None] * s_bk + rn[None, :] * s_bn, mask=(rk[:, None] < K) & (rn[None, :] < N), other=0.0)
        if UPCAST:
            x, y = x.to(tl.float32), y.to(tl.float32)
        acc = tl.dot(x, y, acc, input_precision="ieee")
    tl.store(c + rm[:, None] * s_cm + rn[None, :] * s_cn, acc.to(c.dtype.element_ty),
             mask=(rm[:, None] < M) & (rn[None, :] < N))


def matmul(a, b, out=None, block=(64, 64, 32)):
    """C = A @ B for 2-D float arrays (any strides); fp32 accumulation, output in the input dtype."""
    M, N, K, out = check_matmul("gemm_2_tiled.matmul", a, b, out)
    if M * N == 0:
        return out
    bm, bn, bk = (16, 16, 16) if interpreting() else block  # small tiles keep the CPU interpreter quick
    grid = (triton.cdiv(M, bm), triton.cdiv(N, bn))
    _tiled_kernel[grid](*ptrs(a, b, out), M, N, K, *strides(a), *strides(b), *strides(out),
                        BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk, UPCAST=upcast_for_dot(a.dtype))
    return out
