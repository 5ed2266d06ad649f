"""The nanoGPT CPU step's Linear GEMMs alone, numpy (teenygrad's BLAS) against PyTorch, same shapes and layouts:
each layer's four Linears (128 -> 384, 128 -> 128, 128 -> 512, 512 -> 128) on 768 rows, and the lm_head (128 -> 65),
each as forward x W^T, dx = g W and dW = g^T x. Best of 5 rounds per product, per step totals and their ratio.
    OMP_NUM_THREADS=2 python bench/gpt_gemms.py [--realtime]"""
import os
import sys
import time

import numpy as np

SHAPES = [(128, 384, 4), (128, 128, 4), (128, 512, 4), (512, 128, 4), (128, 65, 1)]  # (in, out, per step)
ROWS = 768  # batch 12 x block 64


def best_us(fn, n=100, rounds=5):
    for _ in range(5):
        fn()
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t) / n)
    return best * 1e6


def main():
    if "--realtime" in sys.argv:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
    import torch
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    rng = np.random.default_rng(0)
    total_np = total_torch = 0.0
    print(f"{'shape':>12s} {'product':>10s} {'numpy us':>9s} {'torch us':>9s}")
    for i, o, per_step in SHAPES:
        x, w = rng.standard_normal((ROWS, i), dtype=np.float32), rng.standard_normal((o, i), dtype=np.float32)
        g = rng.standard_normal((ROWS, o), dtype=np.float32)
        tx, tw, tg = map(torch.from_numpy, (x, w, g))
        for name, f_np, f_t in (("x W^T", lambda: x @ w.T, lambda: tx @ tw.T), ("g W", lambda: g @ w, lambda: tg @ tw),
                                ("g^T x", lambda: g.T @ x, lambda: tg.T @ tx)):
            a, b = best_us(f_np), best_us(f_t)
            total_np += a * per_step
            total_torch += b * per_step
            print(f"{f'{i}->{o}':>12s} {name:>10s} {a:9.0f} {b:9.0f}")
    print(f"per GPT step: numpy {total_np / 1e3:.2f} ms, torch {total_torch / 1e3:.2f} ms, "
          f"ratio {total_np / total_torch:.2f}")


if __name__ == "__main__":
    main()
