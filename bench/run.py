"""teenygrad vs PyTorch (and tinygrad, when installed) on the same workloads, side by side. One command:

    python bench/run.py [--quick] [--json out.json] [--threads 2] [--rounds N] [--only mlp,gpt,...]
                        [--tinygrad-python PATH | --no-tinygrad] [--realtime] [--native-blas]

Each (round, framework, workload) runs in its own fresh subprocess with the same thread settings; the
frameworks alternate inside every round, so slow drift of a shared machine hits them alike. Reported:
median step time over rounds (each round's value is the median of its chunks), the spread (min..max of the
round medians), and the teenygrad / PyTorch ratio (median of the per-round paired ratios, with its range).

tinygrad has no torch-style nn API, so it runs its own version of the training workloads and the GEMM
(bench/tinygrad_workloads.py: same shapes, weights and step contents; train steps under TinyJit, mlp_eager
without it); the rest show n/a. It joins when `--tinygrad-python` (default: this interpreter) can import it,
with a clang stand-in (bench/tinygrad_clang.py) when the machine has no clang but ziglang is installed."""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import blas

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MAIN = ["mlp", "gpt", "sample", "sample_lib"]
TINYGRAD = ["mlp", "mlp_eager", "gpt", "gemm"]   # the workloads bench/tinygrad_workloads.py has
TINYGRAD_TIMEOUT_S = 900   # per tinygrad child: a cold compile cache takes minutes here; never let one hang the suite
MICRO = ["tiny_add", "layernorm", "gelu", "cross_entropy", "sdpa", "masked_softmax", "embedding_bwd", "linear",
         "adamw_step", "clip_grad_norm"]
PEAK_GFLOPS = 190.0  # the 2-core fp32 "practical peak" of PERF_NOTES.md, measured with OpenBLAS's AVX2 kernels


def tinygrad_version(python):
    """tinygrad's version if `python` can import it, else None (also when python itself is missing or broken)."""
    code = "import importlib.metadata as m, tinygrad; print(m.version('tinygrad'))"
    try:
        p = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout.strip().splitlines()[-1] if p.returncode == 0 and p.stdout.strip() else None


def _frameworks(args):
    fws = ["teenygrad", "torch"]
    if args.no_tinygrad:
        return fws
    version = tinygrad_version(args.tinygrad_python)
    if version is None:
        print(f"note: tinygrad not importable by {args.tinygrad_python}; its column is skipped "
              "(--tinygrad-python PATH names another interpreter)")
        return fws
    args.tinygrad_version = version
    print(f"tinygrad {version} via {args.tinygrad_python}: {', '.join(TINYGRAD)} (train steps under TinyJit, "
          "mlp_eager without it); other workloads n/a")
    return fws + ["tinygrad"]


def _env(threads, native_blas=False):
    env = blas.native_env(os.environ) if native_blas else dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
              "NUMEXPR_NUM_THREADS"):
        env[k] = str(threads)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_child(fw, workloads, seconds, warmup, threads, python=None, native_blas=False):
    cmd = [python or sys.executable, os.path.join(HERE, "worker.py"), fw, ",".join(workloads), str(seconds),
           str(warmup)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=_env(threads, native_blas), cwd=ROOT,
                           timeout=TINYGRAD_TIMEOUT_S if fw == "tinygrad" else None)
    except subprocess.TimeoutExpired as e:
        return [{"framework": fw, "workload": w, "error": f"child timed out after {e.timeout:.0f} s"}
                for w in workloads]
    out = [json.loads(line[2:]) for line in p.stdout.splitlines() if line.startswith("@@")]
    if not out:
        out = [{"framework": fw, "workload": w, "error": f"child failed: {p.stderr[-800:]}"} for w in workloads]
    return out


def _median(xs):
    return statistics.median(xs) if xs else float("nan")


def collect(args):
    fws = _frameworks(args)
    jobs = []          # list of workload groups, each group one child per framework per round
    only = set(args.only.split(",")) if args.only else None
    for w in MAIN:
        if only is None or w in only:
            jobs.append([w])
            if w == "mlp" and "tinygrad" in fws:    # tinygrad's step without TinyJit (eager, as the other two)
                jobs.append(["mlp_eager"])
    micro = ["micro:" + m for m in MICRO if only is None or m in only or "micro" in only]
    if micro:
        jobs.append(micro)
    results = {}       # (workload, fw) -> list of per-round dicts
    for r in range(args.rounds):
        for group in jobs:
            order = fws if r % 2 == 0 else fws[::-1]
            for fw in order:
                if fw == "tinygrad" and any(w not in TINYGRAD for w in group):
                    continue
                for res in run_child(fw, group, args.seconds, args.warmup, args.threads, _python(args, fw),
                                     args.native_blas):
                    res["round"] = r
                    results.setdefault((res["workload"], fw), []).append(res)
        print(f"  round {r + 1}/{args.rounds} done ({time.strftime('%H:%M:%S')})", file=sys.stderr, flush=True)
    gemm = {}
    if only is None or "gemm" in only:
        for fw in fws:
            res = run_child(fw, ["gemm"], args.seconds, args.warmup, args.threads, _python(args, fw),
                            args.native_blas)[0]
            gemm[fw] = res.get("gflops", res.get("error"))
    return fws, jobs, results, gemm


def _python(args, fw):
    return args.tinygrad_python if fw == "tinygrad" else sys.executable


def _paired_ratio(a, b):
    """Median and range of the per-round ratios a / b, rounds paired by their index (a failed round drops out)."""
    a = {x["round"]: _median(x["times"]) for x in a if "times" in x}
    b = {x["round"]: _median(x["times"]) for x in b if "times" in x}
    pairs = [a[r] / b[r] for r in sorted(a) if r in b]
    return {"median": _median(pairs), "min": min(pairs), "max": max(pairs)} if pairs else None


def summarize(fws, jobs, results):
    rows = []
    for group in jobs:
        for w in group:
            row = {"workload": w.replace("micro:", "")}
            per_round = {}
            for fw in fws:
                if fw == "tinygrad" and w not in TINYGRAD:
                    row[fw] = {"n/a": "not written for tinygrad"}
                    continue
                rs = results.get((w, fw), [])
                errs = [x["error"] for x in rs if "error" in x]
                meds = [_median(x["times"]) for x in rs if "times" in x]
                per_round[fw] = meds
                row[fw] = {"median_s": _median(meds), "min_s": min(meds) if meds else None,
                           "max_s": max(meds) if meds else None, "rounds": len(meds)}
                if errs:
                    row[fw]["error"] = errs[0]
                rss = [x["rss_peak_mb"] for x in rs if "rss_peak_mb" in x]
                if rss and not w.startswith("micro:"):
                    row[fw]["rss_peak_mb"] = max(rss)
                    row[fw]["rss_growth_mb"] = max(x["rss_peak_mb"] - x["rss_import_mb"] for x in rs if "times" in x)
                tok = [x.get("tokens_per_step") for x in rs if x.get("tokens_per_step")]
                if tok and meds:
                    row[fw]["tokens_per_s"] = tok[0] / _median(meds)
            a, b = per_round.get("teenygrad", []), per_round.get("torch", [])
            pairs = [x / y for x, y in zip(a, b)]
            if pairs:
                row["ratio"] = {"median": _median(pairs), "min": min(pairs), "max": max(pairs)}
            if "tinygrad" in fws:
                tiny = _paired_ratio(results.get((w, "tinygrad"), []), results.get((w, "torch"), []))
                if tiny:
                    row["ratio_tinygrad"] = tiny
            rows.append(row)
    return rows


def _fmt_t(s):
    if s is None or s != s:
        return "-"
    return f"{s * 1e6:.0f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms"


def _fmt_cell(d):
    """One framework's median and (spread) columns."""
    if "n/a" in d:
        return f" {'n/a':>12s} {'':>19s}"
    if "error" in d and not d.get("rounds"):
        return f" {'ERROR':>12s} {'':>19s}"
    spread = "(" + _fmt_t(d.get("min_s")) + ".." + _fmt_t(d.get("max_s")) + ")"
    return f" {_fmt_t(d.get('median_s')):>12s} {spread:>19s}"


def _fmt_ratio(r):
    return f" {r['median']:7.2f}x ({r['min']:.2f}..{r['max']:.2f})" if r else f" {'-':>22s}"


def print_table(rows, gemm, fws=("teenygrad", "torch")):
    tiny = "tinygrad" in fws
    head = (f"\n{'workload':16s} {'teenygrad':>12s} {'(spread)':>19s} {'torch':>12s} {'(spread)':>19s} "
            f"{'ratio tg/torch':>22s}")
    print(head + (f" {'tinygrad':>12s} {'(spread)':>19s} {'ratio tiny/torch':>22s}" if tiny else ""))
    for row in rows:
        line = f"{row['workload']:16s}" + _fmt_cell(row.get("teenygrad", {})) + _fmt_cell(row.get("torch", {}))
        line += _fmt_ratio(row.get("ratio"))
        if tiny:
            line += _fmt_cell(row.get("tinygrad", {})) + _fmt_ratio(row.get("ratio_tinygrad"))
        print(line)
    if tiny:
        print("tinygrad: its own API (bench/tinygrad_workloads.py), same shapes, weights and step contents; mlp and "
              "gpt under TinyJit,\n  timed after its compile and capture; mlp_eager is the makemore step without "
              "TinyJit (teenygrad and torch run\n  their usual eager step there); n/a: not written for tinygrad")
    extra = [r for r in rows if any("rss_peak_mb" in r.get(fw, {}) for fw in fws)]
    if extra:
        print(f"\n{'workload':16s} {'tg peak RSS':>12s} {'(+ growth)':>11s} {'torch peak RSS':>15s} {'(+ growth)':>11s}"
              + (f" {'tinygrad RSS':>13s} {'(+ growth)':>11s}" if tiny else ""))
        for row in extra:
            tg, pt = row.get("teenygrad", {}), row.get("torch", {})
            line = (f"{row['workload']:16s} {tg.get('rss_peak_mb', 0):9.0f} MB {tg.get('rss_growth_mb', 0):8.0f} MB"
                    f" {pt.get('rss_peak_mb', 0):12.0f} MB {pt.get('rss_growth_mb', 0):8.0f} MB")
            ty = row.get("tinygrad", {})
            if tiny and "rss_peak_mb" in ty:
                line += f" {ty['rss_peak_mb']:10.0f} MB {ty['rss_growth_mb']:8.0f} MB"
            print(line)
    for row in rows:
        if row["workload"].startswith("sample"):
            tg, pt = row.get("teenygrad", {}), row.get("torch", {})
            what = "teenygrad.models.gpt.generate" if row["workload"] == "sample_lib" else "bench twin"
            print(f"sampling tokens/s (KV cache, batch 1, {what}): teenygrad {tg.get('tokens_per_s', 0):.0f}, "
                  f"torch {pt.get('tokens_per_s', 0):.0f}")
    for row in rows:
        for fw in fws:
            if "error" in row.get(fw, {}):
                print(f"  {row['workload']} [{fw}]: {row[fw]['error'][:300]}")
    if gemm:
        sizes = ["256", "512", "1024", "2048"]
        best = max([g[s] for g in gemm.values() if isinstance(g, dict) for s in sizes], default=0.0)
        print(f"\nfp32 GEMM GFLOP/s (n x n @ n x n); % of the best measured in this run ({best:.0f}) and of the "
              f"~{PEAK_GFLOPS:.0f} quoted in PERF_NOTES.md (OpenBLAS's AVX2 kernels):")
        print(f"{'':22s}" + "".join(f"{s:>9s}" for s in sizes))
        for fw, g in gemm.items():
            name = {"teenygrad": "teenygrad (numpy)", "tinygrad": "tinygrad (TinyJit)"}.get(fw, fw)
            if isinstance(g, dict):
                print(f"{name:22s}" + "".join(f"{g[s]:9.0f}" for s in sizes) + "   (" +
                      ", ".join(f"{100 * g[s] / best:.0f}%" for s in sizes) + " of the best; " +
                      ", ".join(f"{100 * g[s] / PEAK_GFLOPS:.0f}%" for s in sizes) + " of the quoted)")
            else:
                print(f"{name:22s} error: {g}")


def machine():
    info = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith(("Model name", "CPU(s):")):
                k, v = line.split(":", 1)
                info[k.strip()] = v.strip()
    except OSError:
        pass
    import numpy
    info["numpy"] = numpy.__version__
    try:
        cfg = numpy.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        info["blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:
        pass
    try:
        import importlib.metadata as md
        info["torch"] = md.version("torch")
        info["numba"] = md.version("numba")
    except Exception:
        pass
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 rounds of ~1 s per workload (default: 5 of ~3 s)")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--seconds", type=float, help="timed seconds per child")
    ap.add_argument("--warmup", type=float, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", help="comma list from: mlp,gpt,sample,micro,gemm," + ",".join(MICRO))
    ap.add_argument("--json", help="write all results here")
    ap.add_argument("--tinygrad-python", default=sys.executable, metavar="PATH",
                    help="the interpreter that runs the tinygrad children (one with tinygrad installed, e.g. a venv's "
                         "python); default: this one")
    ap.add_argument("--no-tinygrad", action="store_true", help="leave tinygrad out even when it is importable")
    ap.add_argument("--native-blas", action="store_true",
                    help="remove OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE from the children's environment, so numpy's "
                         "OpenBLAS runs the kernels it picks for this CPU (bench/blas.py); the table says which ran")
    ap.add_argument("--realtime", action="store_true",
                    help="run the children under SCHED_FIFO (needs root): on a shared, oversubscribed machine this "
                         "approximates an idle one; all frameworks get the same treatment, except that tinygrad's "
                         "children switch to SCHED_OTHER at nice -20 (its host thread busy-waits for its worker "
                         "thread, which hung under FIFO and RR here: bench/tinygrad_workloads.py load())")
    args = ap.parse_args()
    if args.realtime:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))  # children inherit it
        except (PermissionError, AttributeError, OSError) as e:
            print(f"note: --realtime unavailable ({e}); running with normal priority")
            args.realtime = False
    args.rounds = args.rounds or (3 if args.quick else 5)
    args.seconds = args.seconds or (1.0 if args.quick else 3.0)
    args.warmup = args.warmup if args.warmup is not None else (0.3 if args.quick else 1.0)
    info = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    print(f"threads={args.threads} rounds={args.rounds} seconds/child={args.seconds} realtime={args.realtime} "
          f"TEENYGRAD_POOL={os.environ.get('TEENYGRAD_POOL', '0')} native_blas={args.native_blas}")
    if blas.overrides() and not args.native_blas:
        print(f"note: {blas.overrides()} is set here: numpy's OpenBLAS runs those kernels, not the ones it picks for "
              "this CPU; --native-blas removes both from the children (bench/blas.py)")
    fws, jobs, results, gemm = collect(args)
    rows = summarize(fws, jobs, results)
    print_table(rows, gemm, fws)
    cores = sorted({x["blas_core"] or "none" for rs in results.values() for x in rs if "blas_core" in x})
    info["openblas_kernels"] = ", ".join(cores)
    print(f"numpy's OpenBLAS kernels in the teenygrad children: {info['openblas_kernels'] or 'not reported'}"
          + (f" (the children's environment: {blas.overrides(_env(args.threads, args.native_blas))})"
             if blas.overrides(_env(args.threads, args.native_blas)) else " (OpenBLAS's own choice)"))
    if "tinygrad" in fws:
        info["tinygrad"] = args.tinygrad_version
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "args": vars(args), "rows": rows, "gemm_gflops": gemm,
                       "raw": {f"{w}|{fw}": [{k: v for k, v in x.items() if k != "trace"} for x in rs]
                               for (w, fw), rs in results.items()}}, f, indent=1)


if __name__ == "__main__":
    main()
