"""Is PyTorch's makemore step slow because of its second thread? Alternates PyTorch children at 2 threads and at 1
thread (and teenygrad at 2, with --teenygrad), a fresh process each, and prints each one's median step time.

    python bench/torch_modes.py [--pairs 20] [--seconds 0.5] [--workload mlp] [--teenygrad]

On these 2-core VMs PyTorch's 2-thread makemore step is bimodal, ~150 or ~220 us, in runs of minutes; the 1-thread
child beside it stays at ~150 us (docs/performance.md, seventeenth landing)."""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def child_us(framework, workload, threads, seconds):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, os.path.join(HERE, "worker.py"), framework, workload, str(seconds)],
                         capture_output=True, text=True, env=env, check=True).stdout
    rec = json.loads(out.split("@@", 1)[1])

    def times(o):
        if isinstance(o, dict):
            if "times" in o:
                return o["times"]
            for v in o.values():
                t = times(v)
                if t:
                    return t
        return None
    return statistics.median(times(rec)) * 1e6


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pairs", type=int, default=20)
    p.add_argument("--seconds", type=float, default=0.5)
    p.add_argument("--workload", default="mlp")
    p.add_argument("--teenygrad", action="store_true", help="a teenygrad child (2 threads) in each round too")
    args = p.parse_args(argv)
    runs = [("torch", 2), ("torch", 1)] + ([("teenygrad", 2)] if args.teenygrad else [])
    got = {r: [] for r in runs}
    for i in range(args.pairs):
        line = []
        for fw, th in runs:
            us = child_us(fw, args.workload, th, args.seconds)
            got[fw, th].append(us)
            line.append(f"{fw} {th} thr {us:7.1f} us")
        print(f"round {i + 1:2d}: " + " | ".join(line), flush=True)
    for (fw, th), v in got.items():
        print(f"{fw} at {th} thread(s): median {statistics.median(v):.1f} us, range {min(v):.1f}..{max(v):.1f}")


if __name__ == "__main__":
    main()
