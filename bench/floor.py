"""How far down can a numpy-backed framework go on the makemore MLP step? Runs, alternating, each in its own
process: teenygrad, PyTorch, and the same step written by hand in numpy (bench/models.py MakemoreMLPNumpy:
forward, backward and SGD with no framework at all: the same weights, shapes and ops as teenygrad's step; its batch
indices come from numpy's generator, not teenygrad's, so the losses differ slightly).

    python bench/floor.py [--rounds 5] [--seconds 2] [--threads 2] [--realtime] [--tiny] [--native-blas]

--tiny: the same step at emb 2, hidden 4, batch 2: the arithmetic all but vanishes and what is left is each
framework's per-step overhead (and numpy's own per-call cost, in the floor).

The hand-written step is the floor: every numpy-backed autograd makes the same numpy calls plus its own
bookkeeping, so floor / PyTorch bounds the ratio any of them can reach here."""
import argparse
import os
import statistics

import blas
from run import run_child

FWS = ("numpy", "teenygrad", "torch")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--realtime", action="store_true", help="children under SCHED_FIFO (root), as bench/run.py")
    ap.add_argument("--tiny", action="store_true", help="emb 2, hidden 4, batch 2: per-step overhead only")
    ap.add_argument("--native-blas", action="store_true", help="as bench/run.py: OpenBLAS picks its own kernels")
    args = ap.parse_args()
    workload = "mlp_tiny" if args.tiny else "mlp"
    if args.realtime:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    med, cores = {fw: [] for fw in FWS}, set()
    for r in range(args.rounds):
        for fw in FWS:
            res = run_child(fw, [workload], args.seconds, 0.5, args.threads, native_blas=args.native_blas)[0]
            if "error" in res:
                raise SystemExit(f"{fw}: {res['error']}")
            med[fw].append(statistics.median(res["times"]) * 1e6)
            cores.add(res.get("blas_core"))
        print(f"round {r + 1}: " + "  ".join(f"{fw} {med[fw][-1]:.1f} us" for fw in FWS), flush=True)
    print(f"\nmakemore MLP step{' (tiny shapes)' if args.tiny else ''}, {args.threads} threads, median of {args.rounds} rounds (min..max):")
    for fw in FWS:
        print(f"  {fw:10s} {statistics.median(med[fw]):7.1f} us  ({min(med[fw]):.1f}..{max(med[fw]):.1f})")
    for fw in ("numpy", "teenygrad"):
        ratios = [a / b for a, b in zip(med[fw], med["torch"])]
        print(f"  {fw} / torch: {statistics.median(ratios):.2f}x ({min(ratios):.2f}..{max(ratios):.2f})")
    ratios = [a / b for a, b in zip(med["teenygrad"], med["numpy"])]
    print(f"  teenygrad / numpy floor: {statistics.median(ratios):.2f}x")
    print(f"numpy's OpenBLAS kernels: {', '.join(sorted(str(c) for c in cores - {None}))}")


if __name__ == "__main__":
    main()
