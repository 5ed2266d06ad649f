"""GEMM rung 1 — naive: one program computes one output element C[m, n] = sum_k A[m, k] * B[k, n].

What it adds: nothing yet; it is the baseline. Each program reads a whole row of A and a whole column
of B from global memory and uses every loaded value once, so the kernel moves ~2*M*N*K elements for
2*M*N*K flops (arithmetic intensity ~1/4 flop per byte in fp32): it is bound by memory traffic, and the
column walk of B is uncoalesced for row-major B.
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (target: none, it is the floor).
"""
import triton
import triton.language as tl

from ._launch import check_matmul, ptrs, strides


@triton.jit
def _naive_kernel(a, b, c, M, N, K, s_am, s_ak, s_bk, s_bn, s_cm, s_cn, BLOCK_K: tl.constexpr):
    pid = tl.program_id(0)
    m, n = pid // N, pid % N  # consecutive programs share a row of A
    acc = tl.zeros((BLOCK_K,), dtype=tl.float32)
    # K is walked in short vectors only so the loop has few iterations; nothing is reused across programs.
    for k0 in range(0, K, BLOCK_K):
        k = k0 + tl.arange(0, BLOCK_K)
        x = tl.load(a + m * s_am + k * s_ak, mask=k < K, other=0.0).to(tl.float32)
        y = tl.load(b + k * s_bk + n * s_bn, mask=k < K, other=0.0).to(tl.float32)
        acc += x * y
    tl.store(c + m * s_cm + n * s_cn, tl.sum(acc, axis=0).to(c.dtype.element_ty))


def matmul(a, b, out=None):
    """C = A @ B for 2-D float arrays (any strides); fp32 accumulation, output in the input dtype."""
    M, N, K, out = check_matmul("gemm_1_naive.matmul", a, b, out)
    if M * N == 0:
        return out
    if K == 0:
        out[...] = 0
        return out
    _naive_kernel[(M * N,)](*ptrs(a, b, out), M, N, K, *strides(a), *strides(b), *strides(out), BLOCK_K=16)
    return out
