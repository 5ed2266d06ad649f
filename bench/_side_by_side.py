"""What the in-process side-by-side benchmarks share (double_backward.py, steps.py, ops_sweep.py, shapes_sweep.py):
their command line (threads, realtime priority), set up before numpy or torch load, a median timer, and one forward
+ backward of an op as a closure."""
import argparse
import os
import statistics
import time


def parse(doc, add_args=None):
    """Parse the command line: --threads (BLAS/OpenMP threads, set in the environment now, before numpy loads) and
    --realtime (SCHED_FIFO, as bench/run.py --realtime), plus whatever add_args(parser) adds."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--realtime", action="store_true", help="run under SCHED_FIFO (root), as bench/run.py --realtime")
    p.add_argument("--native-blas", action="store_true",
                   help="let numpy's OpenBLAS pick its own kernels (bench/blas.py), as bench/run.py --native-blas")
    if add_args is not None:
        add_args(p)
    args = p.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    if args.native_blas:    # read by OpenBLAS when numpy loads it, which is after this
        import blas
        for var in blas.VARS:
            os.environ.pop(var, None)
    if args.realtime:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))  # before any thread starts: they inherit it
    return args


def median_s(fn, reps, warmup=3):
    """The median time of fn() over reps calls, after warmup calls, in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def fwd_bwd(m, arrays, fn):
    """One forward + backward of fn(m, *tensors) in framework m, as a closure: the numpy arrays become tensors once
    (the float ones requiring grad), and the output is backpropagated with ones."""
    xs = [m.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]

    def run():
        for x in xs:
            x.grad = None
        out = fn(m, *xs)
        if out.requires_grad:
            out.backward(m.ones_like(out))
    return run
