"""Where does a teenygrad step spend its time? cProfile over a workload from bench/models.py.
    python bench/prof.py mlp|gpt|sample [steps] [--sort tottime|cumtime] [--lines 40]"""
import argparse
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("steps", nargs="?", type=int, default=200)
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--lines", type=int, default=40)
    ap.add_argument("--framework", default="teenygrad")
    args = ap.parse_args()
    import importlib
    import models
    torch = importlib.import_module(args.framework)
    importlib.import_module(args.framework + ".nn.functional")
    importlib.import_module(args.framework + ".optim")
    w = {"mlp": models.MakemoreMLP, "gpt": models.GPTTrain, "sample": models.GPTSample}[args.workload](torch)
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
