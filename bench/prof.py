"""Where does a teenygrad step spend its time?
    python bench/prof.py mlp|gpt|sample [steps] [--ops] [--sort tottime|cumtime] [--lines 40]
--ops: wall time per differentiable op (forward and backward separately) and per phase of the step, by
wrapping every Function; otherwise cProfile over the step."""
import argparse
import collections
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def op_times(w, steps):
    from teenygrad.autograd.function import Function
    acc, cnt = collections.defaultdict(float), collections.Counter()

    def wrap(cls):
        fwd, bwd = cls.forward, cls.backward

        def f(self, *a, **k):
            t = time.perf_counter()
            r = fwd(self, *a, **k)
            acc[cls.__name__ + ".forward"] += time.perf_counter() - t
            cnt[cls.__name__ + ".forward"] += 1
            return r

        def b(self, g):
            t = time.perf_counter()
            r = bwd(self, g)
            acc[cls.__name__ + ".backward"] += time.perf_counter() - t
            cnt[cls.__name__ + ".backward"] += 1
            return r
        cls.forward, cls.backward = f, b

    todo, seen = [Function], set()
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                wrap(sub)
                todo.append(sub)
    for _ in range(3):
        w.step()
    acc.clear()
    cnt.clear()
    t = time.perf_counter()
    for _ in range(steps):
        w.step()
    total = (time.perf_counter() - t) / steps
    print(f"{total * 1e3:.2f} ms/step (with the op timers); per step:")
    for k, v in sorted(acc.items(), key=lambda kv: -kv[1]):
        print(f"  {k:40s} {v / steps * 1e3:8.3f} ms  {100 * v / steps / total:5.1f}%  x{cnt[k] // steps}")
    rest = total - sum(acc.values()) / steps
    print(f"  {'everything else (Python, optimizer, ...)':40s} {rest * 1e3:8.3f} ms  {100 * rest / total:5.1f}%")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("steps", nargs="?", type=int, default=50)
    ap.add_argument("--ops", action="store_true")
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--lines", type=int, default=40)
    args = ap.parse_args()
    import importlib
    import models
    import teenygrad as torch
    for m in ("teenygrad.nn.functional", "teenygrad.optim", "teenygrad.nn.utils"):
        importlib.import_module(m)
    w = {"mlp": models.MakemoreMLP, "gpt": models.GPTTrain, "sample": models.GPTSample}[args.workload](torch)
    if args.ops:
        op_times(w, args.steps)
        return
    for _ in range(5):
        w.step()
    t = time.perf_counter()
    for _ in range(args.steps):
        w.step()
    print(f"{(time.perf_counter() - t) / args.steps * 1e6:.1f} us/step without profiler")
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(args.steps):
        w.step()
    pr.disable()
    pstats.Stats(pr).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
