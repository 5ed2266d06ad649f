"""conv2d forward + backward, teenygrad (im2col + one batched GEMM, teenygrad/ops/conv.py) against PyTorch in the
same process, on the same input: x (32, 3, 32, 32), 16 3x3 filters, padding 1, float32.

    python bench/conv2d.py [--reps 50] [--threads 1]

Prints the median time per step of each and the ratio teenygrad / torch."""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import teenygrad as tg  # noqa: E402
import teenygrad.nn.functional as F


def _median_ms(step, reps):
    step()  # warm up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tg.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((32, 3, 32, 32), (16, 3, 3, 3), (16,)))
    g = rng.standard_normal((32, 16, 32, 32)).astype(np.float32)
    xs = [tg.tensor(a, requires_grad=True) for a in (x, w, b)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    gt, gg = tg.tensor(g), torch.tensor(g)

    def ours():
        F.conv2d(*xs, padding=1).backward(gt)

    def theirs():
        torch.nn.functional.conv2d(*ts, padding=1).backward(gg)

    a, c = _median_ms(ours, args.reps), _median_ms(theirs, args.reps)
    print(f"conv2d fwd+bwd (32,3,32,32) x 16 3x3, {args.threads} thread(s): teenygrad {a:.2f} ms, torch {c:.2f} ms, "
          f"ratio {a / c:.2f}x")


if __name__ == "__main__":
    main()
