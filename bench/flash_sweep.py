"""Tile sizes for the flash-attention kernels, measured: every (BLOCK_M, BLOCK_N, warps, stages) of a grid, per kernel.

    python bench/flash_sweep.py [--dtype float32] [--precision ieee|tf32x3] [--shape 64,6,256,64] [--json out.json]

Needs a GPU with cupy and triton. The grid's kernels compile first in --procs processes at once (they share
TRITON_CACHE_DIR), then one process launches each configuration on causal attention of each shape, checks its
output against a float64 cupy reference (a configuration that computes wrong is reported, never picked), and times
it with CUDA events (best of 3 runs of --reps launches). It prints each kernel's configurations by time for each
shape, the current choice (flash_attention.tile_meta) beside the best, and the best by the sum over the shapes.
"""
import argparse
import itertools
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

GRID = {  # kernel -> the (BLOCK_M, BLOCK_N) pairs tried; each with warps 4 / 8 and stages 1 / 2
    "fwd": [(m, n) for m in (16, 32, 64, 128) for n in (16, 32, 64)],
    "dkdv": [(m, n) for m in (16, 32, 64) for n in (16, 32, 64, 128)],
    "dq": [(m, n) for m in (16, 32, 64, 128) for n in (16, 32, 64)],
}
WARPS, STAGES = (4, 8), (1, 2)


def configs(kernel, precision="ieee"):
    return [dict(BLOCK_M=m, BLOCK_N=n, num_warps=w, num_stages=s, PRECISION=precision)
            for (m, n), w, s in itertools.product(GRID[kernel], WARPS, STAGES)]


def inputs(shape, dtype):
    """q, k, v, do (B, H, T, D) in dtype and the float64 reference: o, lse, dq, dk, dv (causal)."""
    import cupy as cp
    B, H, T, D = shape
    rng = cp.random.default_rng(0)
    q, k, v, do = (rng.standard_normal(shape, dtype=cp.float32).astype(dtype) for _ in range(4))
    q64, k64, v64, do64 = (x.astype(cp.float64) for x in (q, k, v, do))
    scale = 1.0 / math.sqrt(D)
    s = q64 @ k64.transpose(0, 1, 3, 2) * scale
    s = cp.where(cp.tril(cp.ones((T, T), bool)), s, -cp.inf)
    lse = cp.log(cp.exp(s - s.max(-1, keepdims=True)).sum(-1)) + s.max(-1)
    p = cp.exp(s - lse[..., None])
    o = p @ v64
    dp = do64 @ v64.transpose(0, 1, 3, 2)
    ds = p * (dp - (do64 * o).sum(-1, keepdims=True))
    ref = dict(o=o, lse=lse, dq=ds @ k64 * scale, dk=ds.transpose(0, 1, 3, 2) @ q64 * scale,
               dv=p.transpose(0, 1, 3, 2) @ do64)
    return (q, k, v, do), ref, scale


def launcher(kernel, shape, dtype, cfg, data):
    """A function that launches `kernel` once with configuration cfg, and the names of the arrays it writes."""
    import cupy as cp
    import triton
    from teenygrad.kernels import flash_attention as fa
    from teenygrad.kernels._launch import ptrs, strides
    (q, k, v, do), ref, scale = data
    B, H, T, D = shape
    meta = dict(cfg, BLOCK_D=max(16, triton.next_power_of_2(D)), UPCAST=False, CAUSAL=True)
    meta.setdefault("PRECISION", "ieee")
    o, lse = ref["o"].astype(dtype), ref["lse"].astype(cp.float32)
    delta = (do.astype(cp.float32) * o.astype(cp.float32)).sum(-1)
    out = {name: cp.empty(shape, dtype) for name in ("o", "dq", "dk", "dv")}
    out["lse"] = cp.empty((B, H, T), cp.float32)
    if kernel == "fwd":
        grid = (triton.cdiv(T, cfg["BLOCK_M"]), B * H)
        args = (*ptrs(q, k, v, out["o"], out["lse"]), scale, H, T, D, *strides(q), *strides(k), *strides(v),
                *strides(out["o"]))
        return (lambda: fa._fwd_kernel[grid](*args, **meta)), out, ("o", "lse")
    if kernel == "dkdv":
        grid = (triton.cdiv(T, cfg["BLOCK_N"]), B * H)
        args = (*ptrs(q, k, v, do, lse, delta, out["dk"], out["dv"]), scale, H, T, D, *strides(q))
        return (lambda: fa._bwd_dkdv_kernel[grid](*args, **meta)), out, ("dk", "dv")
    grid = (triton.cdiv(T, cfg["BLOCK_M"]), B * H)
    args = (*ptrs(q, k, v, do, lse, delta, out["dq"]), scale, H, T, D, *strides(q))
    return (lambda: fa._bwd_dq_kernel[grid](*args, **meta)), out, ("dq",)


def compile_some(job):
    """Worker: launch each (kernel, shape, cfg) once so its binary lands in the shared Triton cache."""
    import cupy as cp
    dtype_name, items = job
    dtype = getattr(cp, dtype_name)
    failed, cache = [], {}
    for kernel, shape, cfg in items:
        if shape not in cache:
            cache[shape] = inputs(shape, dtype)
        try:
            launch, _, _ = launcher(kernel, shape, dtype, cfg, cache[shape])
            launch()
            cp.cuda.Device().synchronize()
        except Exception as e:  # out of resources & co.: reported by the timing pass too
            failed.append((kernel, shape, cfg, f"{type(e).__name__}: {str(e)[:120]}"))
    return failed


def time_it(launch, reps):
    import cupy as cp
    start, end = cp.cuda.Event(), cp.cuda.Event()
    best = math.inf
    for _ in range(3):
        start.record()
        for _ in range(reps):
            launch()
        end.record()
        end.synchronize()
        best = min(best, cp.cuda.get_elapsed_time(start, end) / reps)
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dtype", default="float32")
    p.add_argument("--shape", action="append", help="B,H,T,D (repeatable); default 64,6,256,64 and 8,12,1024,64")
    p.add_argument("--procs", type=int, default=min(12, os.cpu_count() or 1))
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--top", type=int, default=8)
    p.add_argument("--precision", default="ieee", help="tl.dot's input_precision for fp32: ieee or tf32x3")
    p.add_argument("--blocks", help="e.g. 32,64,128: every (BLOCK_M, BLOCK_N) of these for each kernel, instead of "
                                    "GRID's pairs")
    p.add_argument("--json")
    args = p.parse_args(argv)
    shapes = [tuple(int(x) for x in s.split(",")) for s in (args.shape or ["64,6,256,64", "8,12,1024,64"])]
    if args.blocks:
        sizes = [int(x) for x in args.blocks.split(",")]
        GRID.update({k: [(m, n) for m in sizes for n in sizes] for k in GRID})
    import multiprocessing as mp
    import numpy as np
    import cupy as cp
    from teenygrad.kernels import flash_attention as fa
    dtype = getattr(cp, args.dtype)
    items = [(kernel, shape, cfg) for kernel in GRID for cfg in configs(kernel, args.precision) for shape in shapes]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(args.procs) as pool:
        failed = [f for part in pool.map(compile_some, [(args.dtype, items[i::args.procs])
                                                          for i in range(args.procs)]) for f in part]
    print(f"compiled {len(items)} launches in {time.perf_counter() - t0:.0f} s with {args.procs} processes; "
          f"{len(failed)} failed to launch", flush=True)
    bad = {(k, s, tuple(sorted(c.items()))) for k, s, c, _ in failed}
    results = []
    data = {shape: inputs(shape, dtype) for shape in shapes}
    for kernel, shape, cfg in items:
        row = dict(kernel=kernel, shape=shape, **cfg)
        if (kernel, shape, tuple(sorted(cfg.items()))) in bad:
            results.append(dict(row, ms=None, error="launch failed"))
            continue
        launch, out, written = launcher(kernel, shape, dtype, cfg, data[shape])
        launch()
        cp.cuda.Device().synchronize()
        err = max(float(cp.abs(out[n].astype(cp.float64) - data[shape][1][n]).max()
                        / max(float(cp.abs(data[shape][1][n]).max()), 1e-30)) for n in written)
        tol = 1e-4 if args.dtype == "float32" else 2e-2
        results.append(dict(row, ms=time_it(launch, args.reps), rel_err=err, ok=bool(err < tol)))
    for f in failed[:10]:
        print("  launch failed:", f)
    fa.FP32_PRECISION = args.precision
    current = {k: fa.tile_meta(k, np.dtype(args.dtype), 64) for k in GRID}
    keys = ("BLOCK_M", "BLOCK_N", "num_warps", "num_stages")
    for kernel in GRID:
        cur = tuple(current[kernel][x] for x in keys)
        for shape in shapes:
            rows = sorted((r for r in results if r["kernel"] == kernel and r["shape"] == shape and r.get("ok")),
                          key=lambda r: r["ms"])
            now = next((r for r in rows if tuple(r[x] for x in keys) == cur), None)
            print(f"\n{kernel} {args.dtype} ({args.precision}) causal {shape}: current (M, N, warps, stages) {cur} "
                  f"{now['ms'] * 1e3 if now else float('nan'):.1f} us; "
                  f"{sum(1 for r in results if r['kernel'] == kernel and r['shape'] == shape and not r.get('ok'))} "
                  f"configurations wrong or not launched")
            for r in rows[:args.top]:
                print(f"   {tuple(r[x] for x in keys)}  {r['ms'] * 1e3:8.1f} us  x{r['ms'] / now['ms'] if now else 0:.2f}"
                      f"  err {r['rel_err']:.1e}")
        total = {}
        for r in results:
            if r["kernel"] == kernel:
                c = tuple(r[x] for x in keys)
                total[c] = total.get(c, 0.0) + (r["ms"] if r.get("ok") else math.inf)
        best = min(total, key=total.get)
        print(f"{kernel}: best over the shapes {best} ({total[best] * 1e3:.1f} us summed) vs current {cur} "
              f"({total.get(cur, math.nan) * 1e3:.1f} us)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(dtype=args.dtype, shapes=shapes, results=results, failed=[list(map(str, f)) for f in failed],
                           device=cp.cuda.runtime.getDeviceProperties(0)["name"].decode()), f, indent=1)


if __name__ == "__main__":
    main()
