"""Where nanoGPT's GPU-config training step spends its time, kernel by kernel, beside PyTorch eager.

    python bench/gpu_step_breakdown.py [--steps 5] [--no-profile] [--no-rungs]

One process, one GPU, the same weights and batches (bench/gpu.py's torch twin). It times the step (forward,
backward, clip 1.0, AdamW; medians of --steps after 3 warm-ups that compile and autotune) with fp32 products by
cuBLAS (the default) or by our exact-fp32 Triton rung, with tf32 products by our tensor-core rung or by cuBLAS
(CuPy's compute-type switch, the default for tf32; it covers 2-D products only), with attention by the flash kernels or composite (batched cuBLAS products and
softmax), and PyTorch eager in fp32 and in tf32. Then it records two steps of some settings under
torch.profiler, which sees every CUDA kernel in the process (CUPTI): cupy's and Triton's as well as PyTorch's. It prints the kernels grouped by name with their GPU time per
step, and the sum beside the wall time, which says whether the step waits on the GPU or on the Python host.
--no-rungs leaves out the rows with our Triton GEMM rungs (their autotuning takes most of a fresh machine's minutes).
"""
import argparse
import os
import statistics
import sys
import time


HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)


def timed(step, n, warmup=3):
    losses, times = [], []
    for i in range(warmup + n):
        t = time.perf_counter()
        losses.append(step(i))
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times), min(times), max(times), losses


def kernel_table(step, label, n=2, top=22):
    """Run `step` n times under torch.profiler; print GPU time per step by kernel name."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile
    step(0)
    t = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for i in range(n):
            step(i)
    wall = (time.perf_counter() - t) * 1e3 / n
    by_name = {}
    for e in prof.events():
        if e.device_type == DeviceType.CUDA:
            dt = e.time_range.elapsed_us()
            c, s = by_name.get(e.name, (0, 0.0))
            by_name[e.name] = (c + 1, s + dt)
    total = sum(s for _, s in by_name.values()) / 1e3 / n
    print(f"\n-- {label}: wall {wall:.1f} ms/step under the profiler; GPU kernels {total:.1f} ms/step "
          f"({sum(c for c, _ in by_name.values()) / n:.0f} kernels/step)")
    groups = {"GEMM": 0.0, "triton": 0.0, "other": 0.0}
    for name, (_, s) in by_name.items():
        low = name.lower()
        key = "GEMM" if any(w in low for w in ("gemm", "sgemm", "cutlass", "_mm_", "matmul", "xmma", "nvjet")) \
            else "triton" if "triton" in low or "_kernel" in low else "other"
        groups[key] += s / 1e3 / n
    print("   by kind: " + ", ".join(f"{k} {v:.1f} ms" for k, v in groups.items()))
    for name, (c, s) in sorted(by_name.items(), key=lambda kv: -kv[1][1])[:top]:
        print(f"   {s / 1e3 / n:8.3f} ms  {c / n:5.0f}x  {name[:110]}")
    return dict(wall_ms=wall, gpu_ms=total, kinds=groups)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--no-profile", action="store_true")
    p.add_argument("--no-rungs", action="store_true", help="skip the rows that run our Triton GEMM rungs")
    args = p.parse_args(argv)
    import torch
    from gpu import TRAIN_CFG, train_steps
    from teenygrad.backend import cuda as backend
    cfg = TRAIN_CFG
    tg_step, th_step = train_steps(cfg)
    print(f"device: {torch.cuda.get_device_name()}; config {cfg}")
    settings = [
        ("teenygrad fp32 cuBLAS, flash attention", tg_step, dict(impl=None)),
        ("teenygrad fp32 cuBLAS, composite attention", tg_step, dict(impl=None, flash=False)),
        ("teenygrad fp32 cuBLAS, flash attention tf32x3", tg_step, dict(impl=None, flash_precision="tf32x3")),
        ("teenygrad fp32 Triton rung, flash", tg_step, dict(impl="scheduled")),
        ("teenygrad tf32 Triton rung, flash", tg_step, dict(impl="tensorcore", tf32=True)),
        ("teenygrad tf32 Triton rung, composite", tg_step, dict(impl="tensorcore", tf32=True, flash=False)),
        ("teenygrad tf32 cuBLAS (CuPy), composite", tg_step, dict(impl=None, tf32=True, flash=False, cublas=True)),
        ("torch eager fp32", th_step, dict()),
        ("torch eager tf32", th_step, dict(tf32=True)),
    ]
    if args.no_rungs:
        settings = [row for row in settings if row[2].get("impl") is None]
    flash_default = backend.FLASH_DTYPES
    from teenygrad.kernels import flash_attention

    def setup(s):
        backend.set_matmul_impl(s.get("impl"))
        backend.set_allow_tf32(s.get("tf32", False))
        backend.FLASH_DTYPES = flash_default if s.get("flash", True) else ("float16", "bfloat16")
        flash_attention.FP32_PRECISION = s.get("flash_precision", "ieee")
        torch.backends.cuda.matmul.allow_tf32 = s.get("tf32", False)
        # the cuBLAS-tf32 row needs CuPy's compute-type switch (backend.cuda.cublas_tf32); without it, skip the row
        return not s.get("cublas") or backend.cublas_tf32(True)

    rows = {}
    for label, step, s in settings:
        if not setup(s):
            print(f"{label:44s} skipped: CuPy's compute-type switch is not there")
            continue
        t0 = time.perf_counter()
        med, lo, hi, losses = timed(step, args.steps)
        rows[label] = med
        print(f"{label:44s} {med:7.1f} ms/step (min {lo:.1f}, max {hi:.1f}); loss {losses[0]:.5f} -> "
              f"{losses[-1]:.5f}  [{time.perf_counter() - t0:.0f} s with warm-ups]", flush=True)
    base = rows["torch eager fp32"]
    for label, ms in rows.items():
        print(f"  {label:44s} x{ms / base:.2f} of torch eager fp32")
    if not args.no_profile:
        profiled = ("teenygrad fp32 cuBLAS, flash attention", "teenygrad fp32 cuBLAS, flash attention tf32x3",
                    "teenygrad tf32 cuBLAS (CuPy), composite", "torch eager fp32")
        for label, step, s in [row for row in settings if row[0] in profiled]:
            if label in rows:
                setup(s)
                kernel_table(step, label)
    setup({})
    backend.set_matmul_impl(None)
    backend.set_allow_tf32(None)


if __name__ == "__main__":
    main()
