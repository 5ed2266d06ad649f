"""One AdamW step on a ~1M-parameter model split into 20 tensors: teenygrad vs torch, side by side.

    python bench/optim_step.py [--steps 200]

Both get the same parameters and gradients (float32). Prints the median time per step of each and the
ratio measured in this same run, for torch at 1 thread and at its default thread count (numpy's ufuncs
are single-threaded). The frameworks alternate in blocks of BLOCK steps, so drifting machine load hits both
alike while torch's idle OpenMP threads (which spin for a while after each parallel loop) don't steal the
CPU from the numpy steps that would otherwise follow them at once."""
import argparse
import os
import statistics
import sys
import time
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # run from a checkout
import teenygrad as tg  # noqa: E402

SHAPES = [(256, 384), (384,)] * 10  # 986,880 parameters in 20 tensors
BLOCK = 10


def _make(rng):
    init = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    gp = [tg.tensor(a, requires_grad=True) for a in init]
    for t, g, a in zip(tp, gp, grads):
        t.grad, g.grad = torch.tensor(a), tg.tensor(a)
    kw = dict(lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    return torch.optim.AdamW(tp, **kw), tg.optim.AdamW(gp, **kw), tp, gp


def _time_block(fn, out):
    for _ in range(BLOCK):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    args = ap.parse_args()
    n = sum(int(np.prod(s)) for s in SHAPES)
    print(f"AdamW step, {n:,} float32 parameters in {len(SHAPES)} tensors, median of {args.steps} steps")
    default_threads = torch.get_num_threads()
    for threads in sorted({1, default_threads}):
        torch.set_num_threads(threads)
        topt, gopt, tp, gp = _make(np.random.default_rng(0))
        for _ in range(5):  # warm-up: state allocation, scratch buffers, caches
            topt.step()
            gopt.step()
        tt, gt = [], []
        for _ in range(max(1, args.steps // BLOCK)):
            _time_block(topt.step, tt)
            time.sleep(0.01)
            _time_block(gopt.step, gt)
        tm, gm = statistics.median(tt), statistics.median(gt)
        drift = max(float(np.max(np.abs(g.numpy() - t.detach().numpy()))) for t, g in zip(tp, gp))
        label = f"torch {threads} thread{'s' if threads > 1 else ''}:"
        print(f"  {label:17s} {tm * 1e3:7.3f} ms   teenygrad: {gm * 1e3:7.3f} ms"
              f"   teenygrad/torch = {gm / tm:.2f}x   (max |param diff| after {args.steps + 5} steps: {drift:.1e})")


if __name__ == "__main__":
    main()
