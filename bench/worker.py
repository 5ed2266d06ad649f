"""One benchmark child: import one framework, build one workload, warm up, time it, print one JSON line.
Run by bench/run.py (which sets the thread environment); also handy alone:
    OMP_NUM_THREADS=2 python bench/worker.py teenygrad mlp
Framework `tinygrad` runs bench/tinygrad_workloads.py (mlp, mlp_eager, gpt, gemm) with the python that has it."""
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def time_fn(fn, seconds, warmup_s, min_chunk_s=0.004, max_chunks=400):
    """Median-friendly timing: chunks of `reps` calls, each chunk at least min_chunk_s long.
    Returns per-call times (seconds), one per chunk."""
    t0 = time.perf_counter()
    n = 0
    while True:                       # warm-up (also calibrates the chunk size)
        fn()
        n += 1
        el = time.perf_counter() - t0
        if el >= warmup_s and n >= 3:
            break
    reps = max(1, int(min_chunk_s / (el / n)))
    out, start = [], time.perf_counter()
    while len(out) < max_chunks and (time.perf_counter() - start < seconds or len(out) < 5):
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        out.append((time.perf_counter() - t) / reps)
    return out


def load(fw):
    import importlib
    if fw == "numpy":   # the hand-written numpy floor (bench/floor.py)
        return importlib.import_module("numpy")
    if fw == "tinygrad":
        import tinygrad_workloads
        return tinygrad_workloads.load()
    torch = importlib.import_module(fw)
    importlib.import_module(fw + ".nn.functional")
    try:
        importlib.import_module(fw + ".optim")   # workloads that need it fail on their own if it's missing
    except ImportError:
        pass
    if fw == "torch":
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    return torch


def run_workload(fw, name, seconds, warmup_s):
    t0 = time.perf_counter()
    torch = load(fw)
    import_s = time.perf_counter() - t0
    rss_import = _current_rss_mb()
    res = {"framework": fw, "workload": name, "import_s": import_s}
    if fw in ("teenygrad", "numpy"):
        import blas
        res["blas_core"] = blas.openblas_core()    # numpy's OpenBLAS kernels (bench/blas.py)
    if fw == "tinygrad":
        return _run_tinygrad(res, name, seconds, warmup_s, rss_import)
    if name == "gemm":
        import numpy as np
        res["gflops"] = {}
        with torch.no_grad():
            for n in (256, 512, 1024, 2048):
                rng = np.random.default_rng(n)
                a = torch.from_numpy(rng.standard_normal((n, n)).astype(np.float32))
                b = torch.from_numpy(rng.standard_normal((n, n)).astype(np.float32))
                ts = time_fn(lambda: a @ b, seconds / 4, warmup_s / 4, min_chunk_s=0.02)
                ts.sort()
                res["gflops"][str(n)] = 2 * n ** 3 / ts[len(ts) // 2] / 1e9
        return res
    if name.startswith("micro:"):
        import micro
        fn = micro.MICRO[name[6:]](torch)
    else:
        import models
        if name == "sample_lib":    # teenygrad.models.gpt.generate vs the torch twin of the bench
            cls = models.LibrarySample if fw == "teenygrad" else models.GPTSample
        else:
            cls = {"mlp": models.MakemoreMLP, "mlp_tiny": models.MakemoreMLP, "gpt": models.GPTTrain,
                   "sample": models.GPTSample,
                   "mlp_eager": models.MakemoreMLP}[name]   # mlp_eager: tinygrad's mlp without TinyJit; eager here
            if fw == "numpy":
                cls = {"mlp": models.MakemoreMLPNumpy, "mlp_tiny": models.MakemoreMLPNumpy}[name]
        # mlp_tiny: the makemore step at emb 2, hidden 4, batch 2, where the arithmetic is next to nothing and the
        # time is the framework's per-step overhead (its ~10 ops forward, backward and the 5-tensor update)
        w = cls(torch, **({"emb": 2, "hidden": 4, "batch": 2} if name == "mlp_tiny" else {}))
        fn = w.step
    times = time_fn(fn, seconds, warmup_s)
    res.update(times=times, rss_peak_mb=_rss_mb(), rss_import_mb=rss_import)
    if name.startswith("sample"):
        res["tokens_per_step"] = w.n_new
    return res


def _run_tinygrad(res, name, seconds, warmup_s, rss_import):
    """tinygrad's workloads, warmed up past TinyJit's compile and capture (prewarm) before the usual timing."""
    import tinygrad_workloads as tw
    if name == "gemm":
        res["gflops"] = {}
        for n in (256, 512, 1024, 2048):
            fn = tw.gemm_fn(n)
            tw.prewarm(fn, warmup_s / 4)
            ts = time_fn(fn, seconds / 4, warmup_s / 4, min_chunk_s=0.02)
            ts.sort()
            res["gflops"][str(n)] = 2 * n ** 3 / ts[len(ts) // 2] / 1e9
        return res
    t0 = time.perf_counter()
    fn = tw.build(name)
    fn()
    res["first_call_s"] = time.perf_counter() - t0    # build + the first (compiling) call
    res["prewarm_s"] = res["first_call_s"] + tw.prewarm(fn, warmup_s)
    times = time_fn(fn, seconds, warmup_s)
    res.update(times=times, rss_peak_mb=_rss_mb(), rss_import_mb=rss_import)
    return res


def main():
    fw, names = sys.argv[1], sys.argv[2].split(",")
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    warmup_s = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
    for name in names:
        try:
            res = run_workload(fw, name, seconds, warmup_s)
        except Exception as e:  # report, don't crash the suite: a missing op is a result too
            import traceback
            res = {"framework": fw, "workload": name, "error": f"{type(e).__name__}: {e}",
                   "trace": traceback.format_exc()[-2000:]}
        print("@@" + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
