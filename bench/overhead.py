"""Per-op overhead: tiny tensors, so the time is framework bookkeeping, not arithmetic.
teenygrad vs torch (CPU) in one process, alternating runs, medians; prints the ratio table.

    python bench/overhead.py [--reps 2000] [--rounds 7]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import teenygrad as tg  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # the ratio needs torch; without it print teenygrad's own numbers
    torch = None


def cases(L):
    """name -> zero-argument callable doing one op (+ backward) on tiny tensors of library L."""
    rng = np.random.default_rng(0)
    a = L.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    b = L.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    m1 = L.tensor(rng.standard_normal((8, 8)).astype(np.float32), requires_grad=True)
    m2 = L.tensor(rng.standard_normal((8, 8)).astype(np.float32), requires_grad=True)
    c = L.tensor(rng.standard_normal(4).astype(np.float32))
    d = L.tensor(rng.standard_normal(4).astype(np.float32))

    def fwd_bwd(fn):
        def run():
            fn().sum().backward()
            a.grad = b.grad = m1.grad = m2.grad = None
        return run

    return {
        "add (no grad)": lambda: c + d,
        "add + backward": fwd_bwd(lambda: a + b),
        "mul + backward": fwd_bwd(lambda: a * b),
        "matmul 8x8 + backward": fwd_bwd(lambda: m1 @ m2),
        "tanh + backward": fwd_bwd(lambda: a.tanh()),
        "sum + backward": fwd_bwd(lambda: a),
    }


def time_us(fn, reps):
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    libs = {"teenygrad": cases(tg)}
    if torch is not None:
        libs["torch"] = cases(torch)
    for fns in libs.values():  # warm up
        for fn in fns.values():
            time_us(fn, 50)
    results = {name: {lib: [] for lib in libs} for name in libs["teenygrad"]}
    for _ in range(args.rounds):  # alternate libraries round by round so load changes hit both alike
        for name in results:
            for lib, fns in libs.items():
                results[name][lib].append(time_us(fns[name], args.reps))
    print(f"{'op':24s} {'teenygrad us':>13s} {'torch us':>10s} {'ratio':>7s}")
    ratios = []
    for name, per in results.items():
        t_tg = statistics.median(per["teenygrad"])
        if torch is None:
            print(f"{name:24s} {t_tg:13.2f}")
            continue
        t_th = statistics.median(per["torch"])
        ratios.append(t_tg / t_th)
        print(f"{name:24s} {t_tg:13.2f} {t_th:10.2f} {t_tg / t_th:7.2f}")
    if ratios:
        print(f"geometric mean ratio (teenygrad / torch): {float(np.exp(np.mean(np.log(ratios)))):.2f}")


if __name__ == "__main__":
    main()
