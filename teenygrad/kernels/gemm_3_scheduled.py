"""GEMM rung 3 — scheduled: grouped program order, software pipelining, autotuned block shapes.

What it adds over rung 2 (same tile math, better scheduling):
- L2 reuse: programs run roughly in pid order. Row-major order (all of C's first tile row, then the
  next) streams all of B through L2 for every tile row. Grouping GROUP_M tile rows and walking them
  column by column keeps a few A row-panels and B column-panels hot in L2 at once.
- Pipelining: `num_stages` lets the compiler issue the loads of the next K tiles (cp.async) while the
  tensor/FMA units work on the current one, hiding global-memory latency.
- Autotuning: the best tile shape / warps / stages depend on the GPU and the problem, so we time a few
  configs per (M, N, K) with our own timer (`_launch.do_bench`; Triton's default one imports torch).
Number reached: not yet measured on a GPU: run `python bench/gpu.py` (target: >= 50% of cuBLAS SGEMM).
"""
import numpy as np
import triton
import triton.language as tl

from ._launch import check_matmul, do_bench, interpreting, ptrs, strides, upcast_for_dot


@triton.jit
def grouped_tile(tile_id, M, N, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, GROUP_M: tl.constexpr):
    """Map a linear tile id to (tile row, tile col), walking GROUP_M tile rows column by column."""
    tiles_m, tiles_n = tl.cdiv(M, BLOCK_M), tl.cdiv(N, BLOCK_N)
    per_group = GROUP_M * tiles_n
    first_m = (tile_id // per_group) * GROUP_M
    group_m = min(tiles_m - first_m, GROUP_M)  # the last group may be short
    pid_m = first_m + (tile_id % per_group) % group_m
    pid_n = (tile_id % per_group) // group_m
    return pid_m, pid_n


SHARED_MEMORY_BYTES = 232448  # per-program limit on an H100 (sm_90); a config over it cannot launch


def fits_shared_memory(configs, named_args, **kwargs):
    """Autotune pre-filter: keep configs whose pipeline buffers fit shared memory for this dtype.
    Each of num_stages buffers holds an A tile and a B tile; a TMA store (C_TMA) also stages the C tile.
    fp32 needs twice the bytes of bf16, so the big bf16 tiles would not even launch for tf32."""
    size = np.dtype(named_args["a"].dtype).itemsize

    def need(cfg):
        bm, bn, bk = cfg.kwargs["BLOCK_M"], cfg.kwargs["BLOCK_N"], cfg.kwargs["BLOCK_K"]
        return cfg.num_stages * (bm * bk + bk * bn) * size + (bm * bn * size if kwargs.get("C_TMA") else 0)
    fitting = [c for c in configs if need(c) <= SHARED_MEMORY_BYTES]
    return fitting or [min(configs, key=need)]


def _configs():
    if interpreting():  # two tiny configs: the autotune path is exercised without a slow CPU run
        return [triton.Config({"BLOCK_M": 16, "BLOCK_N": 16, "BLOCK_K": 16, "GROUP_M": 2}),
                triton.Config({"BLOCK_M": 32, "BLOCK_N": 16, "BLOCK_K": 16, "GROUP_M": 2})]
    shapes = [(128, 128, 32, 4, 4), (128, 64, 32, 4, 4), (64, 128, 32, 4, 4), (64, 64, 32, 5, 4),
              (128, 128, 16, 3, 8), (256, 64, 32, 3, 8), (64, 256, 32, 3, 8), (32, 64, 32, 5, 2)]
    return [triton.Config({"BLOCK_M": bm, "BLOCK_N": bn, "BLOCK_K": bk, "GROUP_M": 8}, num_stages=s, num_warps=w)
            for bm, bn, bk, s, w in shapes]


@triton.autotune(configs=_configs(), key=["M", "N", "K"], do_bench=do_bench,
                 prune_configs_by={"early_config_prune": fits_shared_memory})
@triton.jit
def _scheduled_kernel(a, b, c, M, N, K, s_am, s_ak, s_bk, s_bn, s_cm, s_cn,
                      BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr,
                      UPCAST: tl.constexpr):
    pid_m, pid_n = grouped_tile(tl.program_id(0), M, N, BLOCK_M, BLOCK_N, GROUP_M)
    rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
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


def matmul(a, b, out=None):
    """C = A @ B for 2-D float arrays (any strides); fp32 accumulation, output in the input dtype."""
    M, N, K, out = check_matmul("gemm_3_scheduled.matmul", a, b, out)
    if M * N == 0:
        return out
    grid = lambda meta: (triton.cdiv(M, meta["BLOCK_M"]) * triton.cdiv(N, meta["BLOCK_N"]),)
    _scheduled_kernel[grid](*ptrs(a, b, out), M, N, K, *strides(a), *strides(b), *strides(out),
                            UPCAST=upcast_for_dot(a.dtype))
    return out
