"""GPU benchmark of teenygrad's Triton kernels: one command on a CUDA machine (made for an H100).

    python bench/gpu.py                # check every kernel against CuPy/cuBLAS, then time the GEMM ladder
                                       # (per rung and dtype, sizes 512..8192) and the fused kernels
    python bench/gpu.py --check-only   # the correctness part only (tests/kernels/test_gpu.py runs this)
    python bench/gpu.py --train-only   # only the nanoGPT training step: teenygrad device='cuda' vs PyTorch eager
    python bench/gpu.py --interpret    # (alias --dry-run) no GPU: the same code on numpy memory under
                                       # Triton's CPU interpreter at tiny sizes; timings are meaningless there

Correctness first: a kernel that fails its check is not timed and the script exits 1. Times are CUDA-event
medians (first call excluded: it compiles and autotunes); TFLOP/s = 2*M*N*K / time; "% cuBLAS" compares
with cupy's `a @ b` on the same dtype in the same run (for tf32, cupy's fp32 SGEMM: CuPy only uses tf32
when CUPY_TF32=1 is set before it is imported). Results print as a table and go to a JSON file.
The timings stop after --budget seconds (default 330; per-call repetitions shrink for slow calls and the naive
rung stops at 4096). On a fresh machine the checks first compile every kernel and autotune candidate: ~3 minutes
on an H200 with Triton 3.6 (2026-11-26), ~15 s once Triton's cache holds them.
"""
import argparse
import json
import math
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNG_DTYPES = {"naive": ["fp32"], "tiled": ["fp32", "fp16", "bf16"], "scheduled": ["fp32", "fp16", "bf16"],
               "tensorcore": ["tf32", "fp16", "bf16"], "hopper": ["tf32", "fp16", "bf16"]}
MODULES = {"naive": "gemm_1_naive", "tiled": "gemm_2_tiled", "scheduled": "gemm_3_scheduled",
           "tensorcore": "gemm_4_tensorcore", "hopper": "gemm_5_hopper"}
# Check tolerance: max|got - ref| / max|ref| against an fp32 (GPU) or fp64 (interpreter) reference.
TOL = {"fp32": 2e-5, "tf32": 1e-2, "fp16": 1e-2, "bf16": 4e-2}
TIME_BUDGET_S = 330


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--interpret", "--dry-run", action="store_true", help="CPU: Triton interpreter, tiny sizes")
    p.add_argument("--check-only", action="store_true", help="run the correctness checks only")
    p.add_argument("--train-only", action="store_true", help="only the nanoGPT training-step comparison (~1 min)")
    p.add_argument("--sizes", type=int, nargs="+", default=[512, 1024, 2048, 4096, 8192])
    p.add_argument("--json", help="where to write results (default: bench/gpu_results.json for a full GPU run)")
    p.add_argument("--budget", type=float, default=TIME_BUDGET_S,
                   help="seconds of GEMM and fused timings after the checks (default %(default)s)")
    return p.parse_args(argv)


class Env:
    """What differs between the GPU and the interpreter: array module, dtypes, reference precision, timer."""

    def __init__(self, interpret):
        import numpy as np
        self.np, self.interpret, self.t0, self.budget_s = np, interpret, time.perf_counter(), TIME_BUDGET_S
        self.timing_t0 = self.t0  # reset when the checks end: the budget is for the timings
        if interpret:
            self.xp, self.ref_dtype, self.device = np, np.float64, "Triton interpreter on CPU (numpy)"
        else:
            from teenygrad.backend import cuda
            self.xp, self.ref_dtype = cuda.require("bench/gpu.py"), np.float32
            props = self.xp.cuda.runtime.getDeviceProperties(self.xp.cuda.Device().id)
            self.device = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
            self.cc = cuda.compute_capability()
        self.dtypes = {"fp32": np.dtype(np.float32), "tf32": np.dtype(np.float32), "fp16": np.dtype(np.float16)}
        self.bf16_note = self._find_bf16()
        self.rng = np.random.default_rng()

    def _find_bf16(self):
        """bf16 needs ml_dtypes (numpy) and a CuPy that accepts it (CuPy 14 does, experimentally)."""
        try:
            import ml_dtypes
            probe = self.xp.asarray(self.np.ones(4, dtype=ml_dtypes.bfloat16))  # host -> device copy
            (probe + probe).astype(self.np.float32)  # elementwise kernels and casts for this dtype too
            self.dtypes["bf16"] = self.np.dtype(ml_dtypes.bfloat16)
            return None
        except Exception as e:
            return f"bf16 skipped: this array library cannot hold bfloat16 ({type(e).__name__}: {e})"

    def randn(self, shape, dtype, scale=1.0):
        x = (self.rng.standard_normal(shape) * scale).astype(self.np.float32)
        return self.xp.asarray(x.astype(dtype)) if not self.interpret else x.astype(dtype)

    def ref(self, x):
        return x.astype(self.ref_dtype)

    def rel_err(self, got, ref):
        got, ref = self.ref(got), self.ref(ref)
        denom = max(float(abs(ref).max()), 1e-6) if ref.size else 1.0
        err = float(abs(got - ref).max()) / denom if ref.size else 0.0
        return err if err == err else float("inf")  # NaN (unwritten output) counts as a failure

    def sync(self):
        if not self.interpret:
            self.xp.cuda.get_current_stream().synchronize()

    def time_ms(self, fn, max_reps=20, target_s=0.25):
        """Median milliseconds of fn() after one untimed call; fewer repetitions for slow calls."""
        fn()
        self.sync()
        if self.interpret:
            t = time.perf_counter()
            fn()
            return (time.perf_counter() - t) * 1e3
        xp = self.xp
        start, end = xp.cuda.Event(), xp.cuda.Event()
        start.record()
        fn()
        end.record()
        end.synchronize()
        first = xp.cuda.get_elapsed_time(start, end)
        reps = int(max(3, min(max_reps, target_s * 1e3 / max(first, 1e-3))))
        times = []
        for _ in range(reps):
            start, end = xp.cuda.Event(), xp.cuda.Event()
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(xp.cuda.get_elapsed_time(start, end))
        return float(self.np.median(times))

    def over_budget(self, share=1.0):
        """True once `share` of the timing budget is spent (the GEMM ladder stops at 70%, leaving the rest to
        the fused kernels). It counts from the end of the checks, whose first run compiles every kernel."""
        return time.perf_counter() - self.timing_t0 > share * self.budget_s


def rung_matmul(rung, label):
    import importlib
    fn = importlib.import_module(f"teenygrad.kernels.{MODULES[rung]}").matmul
    if rung in ("tensorcore", "hopper"):
        return lambda a, b, out=None: fn(a, b, out=out, allow_tf32=(label == "tf32"))
    return fn


def rung_supported(env, rung):
    return env.interpret or rung != "hopper" or tuple(env.cc) >= (9, 0)


# ---- correctness ---------------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.rows, self.failed = [], 0

    def add(self, name, label, err):
        ok = err <= TOL[label]
        self.failed += not ok
        self.rows.append({"check": name, "dtype": label, "rel_err": err, "ok": ok})
        print(f"  {'ok  ' if ok else 'FAIL'} {name:48s} {label:5s} rel err {err:.2e} (tol {TOL[label]:.0e})",
              flush=True)


def check_gemm(env, checks):
    odd = (37, 45, 33) if env.interpret else (257, 383, 129)
    aligned = (32, 48, 64) if env.interpret else (1024, 1024, 1024)
    for rung, labels in RUNG_DTYPES.items():
        if not rung_supported(env, rung):
            print(f"  skip {rung}: needs compute capability >= 9.0")
            continue
        for label in labels:
            if label not in env.dtypes:
                continue
            matmul = rung_matmul(rung, label)
            shapes = [((7, 9, 13) if env.interpret else odd, False)] if rung == "naive" else [(odd, False)]
            if label in ("bf16", "fp32", "tf32") and rung != "naive":
                shapes.append((aligned, True))  # B stored transposed, as in x @ W.T
            for (M, N, K), b_transposed in shapes:
                a = env.randn((M, K), env.dtypes[label])
                b = env.randn((N, K), env.dtypes[label]).T if b_transposed else env.randn((K, N), env.dtypes[label])
                err = env.rel_err(matmul(a, b), env.ref(a) @ env.ref(b))
                checks.add(f"gemm {rung} {M}x{N}x{K}{' B^T' if b_transposed else ''}", label, err)


def composites(env):
    """Plain array-library versions of the fused ops: the references and the timing baselines."""
    xp = env.xp
    if env.interpret:
        erf = env.np.vectorize(math.erf)
    else:
        from cupyx.scipy.special import erf

    def softmax(x):
        e = xp.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    def xent_fwd(x, t, ignore=-100):
        m = x.max(1, keepdims=True)
        lse = (xp.log(xp.exp(x - m).sum(1, keepdims=True)) + m)[:, 0]
        keep = t != ignore
        picked = xp.take_along_axis(x, xp.where(keep, t, 0)[:, None], 1)[:, 0]
        return xp.where(keep, lse - picked, 0), lse

    def xent_bwd(x, t, lse, g, ignore=-100):
        p = xp.exp(x - lse[:, None])
        keep = t != ignore
        p[xp.arange(len(t))[keep], t[keep]] -= 1
        return p * xp.where(keep, g, 0)[:, None]

    def ln_fwd(x, w, b, eps=1e-5):
        mu = x.mean(-1, keepdims=True)
        r = 1 / xp.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps)
        return (x - mu) * r * w + b, mu[:, 0], r[:, 0]

    def ln_bwd(dy, x, w, mu, r):
        xhat = (x - mu[:, None]) * r[:, None]
        dxhat = dy * w
        dx = r[:, None] * (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True))
        return dx, (dy * xhat).sum(0), dy.sum(0)

    def gelu_fwd(x):
        return 0.5 * x * (1 + erf(x * 0.7071067811865476))

    def gelu_bwd(dy, x):
        return dy * (0.5 * (1 + erf(x * 0.7071067811865476)) + x * xp.exp(-0.5 * x * x) * 0.3989422804014327)

    def attn_fwd(q, k, v, causal=True):
        T, D = q.shape[2], q.shape[3]
        s = q @ k.swapaxes(-1, -2) / math.sqrt(D)
        if causal:
            s = xp.where(xp.tril(xp.ones((T, T), dtype=bool)), s, -xp.inf)
        m = s.max(-1, keepdims=True)
        lse = xp.log(xp.exp(s - m).sum(-1, keepdims=True)) + m
        p = xp.exp(s - lse)
        return p @ v, lse[..., 0], p

    def attn_bwd(do, q, k, v, causal=True):
        D = q.shape[3]
        _, _, p = attn_fwd(q, k, v, causal)
        dp = do @ v.swapaxes(-1, -2)
        ds = p * (dp - (dp * p).sum(-1, keepdims=True))
        return ds @ k / math.sqrt(D), ds.swapaxes(-1, -2) @ q / math.sqrt(D), p.swapaxes(-1, -2) @ do

    def adamw(p, g, m, v, lr=1e-3, b1=0.9, b2=0.95, eps=1e-8, wd=0.1, step=3):
        p *= 1 - lr * wd
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        p -= lr / (1 - b1 ** step) * m / (xp.sqrt(v) / math.sqrt(1 - b2 ** step) + eps)

    return dict(softmax=softmax, xent_fwd=xent_fwd, xent_bwd=xent_bwd, ln_fwd=ln_fwd, ln_bwd=ln_bwd,
                gelu_fwd=gelu_fwd, gelu_bwd=gelu_bwd, attn_fwd=attn_fwd, attn_bwd=attn_bwd, adamw=adamw)


def check_fused(env, checks):
    from teenygrad.backend import cuda
    ref, c, xp = env.ref, composites(env), env.xp
    for label in ("fp32", "fp16", "bf16"):
        if label not in env.dtypes:
            continue
        dt = env.dtypes[label]
        x, dy = env.randn((67, 301), dt, 3), env.randn((67, 301), dt)
        y = cuda.softmax_fwd(x)
        checks.add("softmax fwd 67x301", label, env.rel_err(y, c["softmax"](ref(x))))
        yr, gr = ref(y), ref(dy)
        want = yr * (gr - (gr * yr).sum(-1, keepdims=True))
        checks.add("softmax bwd", label, env.rel_err(cuda.softmax_bwd(y, dy), want))
        t = xp.asarray(env.rng.integers(0, 301, 67))
        t[3] = -100
        loss, lse = cuda.cross_entropy_fwd(x, t)
        ref_loss, ref_lse = c["xent_fwd"](ref(x), t)
        checks.add("cross_entropy fwd (loss)", "fp32", env.rel_err(loss, ref_loss))
        g = env.randn((67,), env.np.float32)
        want = c["xent_bwd"](ref(x), t, ref_lse, ref(g))
        checks.add("cross_entropy bwd", label, env.rel_err(cuda.cross_entropy_bwd(x, t, lse, g), want))
        w, b = env.randn((301,), dt), env.randn((301,), dt)
        yl, mu, r = cuda.layer_norm_fwd(x, w, b)
        checks.add("layer_norm fwd", label, env.rel_err(yl, c["ln_fwd"](ref(x), ref(w), ref(b))[0]))
        for name, got, want in zip(("dx", "dw", "db"), cuda.layer_norm_bwd(dy, x, w, mu, r),
                                   c["ln_bwd"](ref(dy), ref(x), ref(w), ref(mu), ref(r))):
            checks.add(f"layer_norm bwd {name}", label, env.rel_err(got, want))
        checks.add("gelu fwd (erf)", label, env.rel_err(cuda.gelu_fwd(x), c["gelu_fwd"](ref(x))))
        checks.add("gelu bwd (erf)", label, env.rel_err(cuda.gelu_bwd(dy, x), c["gelu_bwd"](ref(dy), ref(x))))
        shape = (2, 3, 37, 24) if env.interpret else (2, 4, 257, 64)
        q, k, v, do = (env.randn(shape, dt) for _ in range(4))
        o, lse = cuda.attention_fwd(q, k, v, causal=True)
        checks.add(f"attention fwd causal {shape}", label, env.rel_err(o, c["attn_fwd"](ref(q), ref(k), ref(v))[0]))
        for name, got, want in zip(("dq", "dk", "dv"), cuda.attention_bwd(do, q, k, v, o, lse, causal=True),
                                   c["attn_bwd"](ref(do), ref(q), ref(k), ref(v))):
            checks.add(f"attention bwd {name}", label, env.rel_err(got, want))
    p, g = env.randn((1000, 7), env.np.float32), env.randn((1000, 7), env.np.float32)
    m, v = env.randn((1000, 7), env.np.float32), abs(env.randn((1000, 7), env.np.float32))
    want = [ref(a).copy() for a in (p, g, m, v)]
    cuda.adamw_step(p, g, m, v, 1e-3, 0.9, 0.95, 1e-8, 0.1, 3)
    c["adamw"](*want)
    checks.add("adamw step (param)", "fp32", env.rel_err(p, want[0]))
    checks.add("adamw step (exp_avg_sq)", "fp32", env.rel_err(v, want[3]))


# ---- timing --------------------------------------------------------------------------------------

def bench_gemm(env, sizes):
    rows = []
    for label in ("bf16", "fp16", "tf32", "fp32"):  # the tensor-core rows first: the budget may cut the last
        if label not in env.dtypes:
            print(f"  {env.bf16_note}")
            continue
        for n in sizes:
            if env.over_budget(0.7):
                print(f"  time budget reached: skipping {label} {n}")
                continue
            a, b = env.randn((n, n), env.dtypes[label]), env.randn((n, n), env.dtypes[label])
            flop = 2.0 * n ** 3
            base_label = "fp32" if label == "tf32" else label
            base = rows_lookup(rows, "cublas", base_label, n)
            if base is None:
                try:
                    base = env.time_ms(lambda: a @ b)
                except Exception as e:  # e.g. no cuBLAS path for bf16 in this CuPy
                    print(f"  cuBLAS {label} {n}: unavailable ({type(e).__name__})")
                rows.append(dict(rung="cublas", dtype=base_label, size=n, ms=base,
                                 tflops=None if base is None else flop / base / 1e9))
            out = env.xp.empty((n, n), dtype=env.dtypes[label])
            for rung, labels in RUNG_DTYPES.items():
                naive_cap = 16 if env.interpret else 4096  # one program per output: slow by design
                if label not in labels or not rung_supported(env, rung) or (rung == "naive" and n > naive_cap):
                    continue
                matmul = rung_matmul(rung, label)
                ms = env.time_ms(lambda: matmul(a, b, out=out))
                rows.append(dict(rung=rung, dtype=label, size=n, ms=ms, tflops=flop / ms / 1e9,
                                 pct_cublas=None if base is None else 100.0 * base / ms))
    return rows


def rows_lookup(rows, rung, label, n):
    for r in rows:
        if (r["rung"], r["dtype"], r["size"]) == (rung, label, n):
            return r["ms"]
    return None


def print_gemm_table(rows, sizes):
    print(f"\n  {'rung':11s} {'dtype':5s} " + " ".join(f"{n:>17d}" for n in sizes))
    print("  " + " " * 18 + " ".join(f"{'TFLOP/s  %cuBLAS':>17s}" for _ in sizes))
    order = ["cublas"] + list(MODULES)
    keys = sorted({(r["rung"], r["dtype"]) for r in rows},
                  key=lambda k: (["fp32", "tf32", "fp16", "bf16"].index(k[1]), order.index(k[0])))
    for rung, label in keys:
        cells = []
        for n in sizes:
            r = next((r for r in rows if (r["rung"], r["dtype"], r["size"]) == (rung, label, n)), None)
            if r is None or r["tflops"] is None:
                cells.append(f"{'-':>17s}")
            elif rung == "cublas":
                cells.append(f"{r['tflops']:8.1f}     100%")
            else:
                pct = "   n/a" if r["pct_cublas"] is None else f"{r['pct_cublas']:5.0f}%"
                cells.append(f"{r['tflops']:8.1f}   {pct}")
        print(f"  {rung:11s} {label:5s} " + " ".join(cells))


def bench_fused(env):
    """Each fused kernel vs the plain composite on the same inputs (GPU sizes modelled on GPT-2 small)."""
    from teenygrad.backend import cuda
    c, xp, f32 = composites(env), env.xp, env.np.float32
    s = (lambda gpu, cpu: cpu) if env.interpret else (lambda gpu, cpu: gpu)
    x = env.randn(s((8192, 1024), (8, 40)), f32)
    logits, t = env.randn(s((4096, 50304), (8, 40)), f32), xp.asarray(env.rng.integers(0, s(50304, 40), s(4096, 8)))
    h, w, b = env.randn(s((8192, 768), (8, 40)), f32), env.randn((s(768, 40),), f32), env.randn((s(768, 40),), f32)
    u = env.randn(s((8192, 3072), (8, 40)), f32)
    half = env.dtypes["fp16"]  # the composite needs a library matmul for it: fp16 is safe, bf16 may not be
    q, k, v = (env.randn(s((8, 12, 1024, 64), (1, 2, 32, 16)), half) for _ in range(3))
    n_params = s(124_000_000, 1000)
    p, g, m, vv = (env.randn((n_params,), f32) for _ in range(4))
    vv = abs(vv)
    lse = cuda.cross_entropy_fwd(logits, t)[1]
    y, mu, r = cuda.softmax_fwd(x), *cuda.layer_norm_fwd(h, w, b)[1:]
    o, o_lse = cuda.attention_fwd(q, k, v, causal=True)
    do = env.randn(q.shape, half)
    cases = [
        ("softmax fwd", lambda: cuda.softmax_fwd(x), lambda: c["softmax"](x)),
        ("softmax bwd", lambda: cuda.softmax_bwd(y, x), lambda: y * (x - (x * y).sum(-1, keepdims=True))),
        ("cross_entropy fwd", lambda: cuda.cross_entropy_fwd(logits, t), lambda: c["xent_fwd"](logits, t)),
        ("cross_entropy bwd", lambda: cuda.cross_entropy_bwd(logits, t, lse, 1.0),
         lambda: c["xent_bwd"](logits, t, lse, xp.ones(len(t), f32))),
        ("layer_norm fwd", lambda: cuda.layer_norm_fwd(h, w, b), lambda: c["ln_fwd"](h, w, b)),
        ("layer_norm bwd", lambda: cuda.layer_norm_bwd(h, h, w, mu, r), lambda: c["ln_bwd"](h, h, w, mu, r)),
        ("gelu fwd", lambda: cuda.gelu_fwd(u), lambda: c["gelu_fwd"](u)),
        ("gelu bwd", lambda: cuda.gelu_bwd(u, u), lambda: c["gelu_bwd"](u, u)),
        ("attention fwd causal", lambda: cuda.attention_fwd(q, k, v, causal=True), lambda: c["attn_fwd"](q, k, v)),
        ("attention bwd causal", lambda: cuda.attention_bwd(do, q, k, v, o, o_lse, causal=True),
         lambda: c["attn_bwd"](do, q, k, v)),
        ("adamw step", lambda: cuda.adamw_step(p, g, m, vv, 1e-4, 0.9, 0.95, 1e-8, 0.1, 3),
         lambda: c["adamw"](p, g, m, vv, 1e-4)),
    ]
    rows = []
    for name, ours, composite in cases:
        if env.over_budget():
            print(f"  time budget reached: skipping {name}")
            continue
        t_ours, t_base = env.time_ms(ours), env.time_ms(composite)
        rows.append(dict(op=name, ms=t_ours, composite_ms=t_base, speedup=t_base / t_ours))
        print(f"  {name:22s} ours {t_ours:9.3f} ms   composite {t_base:9.3f} ms   speedup x{t_base / t_ours:5.2f}",
              flush=True)
    return rows


def _cuda_training_available():
    try:
        import teenygrad
        teenygrad.zeros(1, device="cuda")
        return True
    except Exception:
        return False


# nanoGPT's GPU config (train_shakespeare_char): 6 layers, 6 heads, 384 wide, block 256, batch 64
TRAIN_CFG = dict(vocab=65, block=256, n_layer=6, n_head=6, n_embd=384, batch=64, lr=1e-3, wd=0.1, clip=1.0)


def _torch_gpt(cfg):
    """PyTorch twin of teenygrad.models.gpt.GPT (no bias, dropout 0, tied weights) with the SAME parameter names,
    so teenygrad's numpy-initialised weights load by name. (bench/gpt_torch_twin.py is the CPU twin of the
    training CLI; its positions are built on the CPU, so it can't run on a GPU as is.)"""
    import torch
    import torch.nn as tnn
    import torch.nn.functional as tF

    class Attn(tnn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.h, self.c_attn, self.c_proj = h, tnn.Linear(d, 3 * d, bias=False), tnn.Linear(d, d, bias=False)

        def forward(self, x):
            b, t, d = x.shape
            q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in self.c_attn(x).split(d, dim=2))
            y = tF.scaled_dot_product_attention(q, k, v, is_causal=True)                  # (b, h, t, s)
            return self.c_proj(y.transpose(1, 2).reshape(b, t, d))

    class MLP(tnn.Module):
        def __init__(self, d):
            super().__init__()
            self.c_fc, self.c_proj = tnn.Linear(d, 4 * d, bias=False), tnn.Linear(4 * d, d, bias=False)

        def forward(self, x):
            return self.c_proj(tF.gelu(self.c_fc(x)))

    class Block(tnn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.ln_1, self.attn = tnn.LayerNorm(d, bias=False), Attn(d, h)
            self.ln_2, self.mlp = tnn.LayerNorm(d, bias=False), MLP(d)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(tnn.Module):
        def __init__(self, v, block, n_layer, h, d):
            super().__init__()
            self.wte, self.wpe = tnn.Embedding(v, d), tnn.Embedding(block, d)
            self.h = tnn.ModuleList([Block(d, h) for _ in range(n_layer)])
            self.ln_f, self.lm_head = tnn.LayerNorm(d, bias=False), tnn.Linear(d, v, bias=False)
            self.lm_head.weight = self.wte.weight

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
            for blk in self.h:
                x = blk(x)
            return self.lm_head(self.ln_f(x))

    return GPT(cfg["vocab"], cfg["block"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"])


def train_steps(cfg):
    """(tg_step, th_step): one nanoGPT GPU training step (forward, backward, clip, AdamW, then a device sync) of
    teenygrad on device='cuda' and of its PyTorch twin, from the same numpy-initialised weights; step(i) trains on
    batch i % 4 of four fixed random batches and returns the loss as a float."""
    import numpy as np
    import torch
    import teenygrad
    import teenygrad.nn.functional as F
    from teenygrad.models.gpt import GPT
    teenygrad.manual_seed(0)
    tg_model = GPT(cfg["vocab"], cfg["block"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"], dropout=0.0, bias=False)
    weights = {k: v.numpy().copy() for k, v in tg_model.state_dict().items()}   # host copies, before the move
    tg_model.to("cuda")
    th_model = _torch_gpt(cfg)
    missing = th_model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
    if missing.missing_keys or missing.unexpected_keys:
        raise RuntimeError(f"train step: torch twin names differ from teenygrad's: {missing}")
    th_model.cuda()
    tg_opt = teenygrad.optim.AdamW(tg_model.parameters(), lr=cfg["lr"], betas=(0.9, 0.99), weight_decay=cfg["wd"])
    th_opt = torch.optim.AdamW(th_model.parameters(), lr=cfg["lr"], betas=(0.9, 0.99), weight_decay=cfg["wd"])
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, cfg["vocab"], (cfg["batch"], cfg["block"] + 1)) for _ in range(4)]
    v = cfg["vocab"]

    def tg_step(i):
        import cupy
        xy = batches[i % len(batches)]
        x, y = teenygrad.tensor(xy[:, :-1], device="cuda"), teenygrad.tensor(xy[:, 1:], device="cuda")
        loss = F.cross_entropy(tg_model(x).view(-1, v), y.view(-1))
        tg_opt.zero_grad()
        loss.backward()
        teenygrad.nn.utils.clip_grad_norm_(tg_model.parameters(), cfg["clip"])
        tg_opt.step()
        cupy.cuda.get_current_stream().synchronize()
        return float(loss)

    def th_step(i):
        xy = torch.from_numpy(batches[i % len(batches)]).cuda()
        loss = torch.nn.functional.cross_entropy(th_model(xy[:, :-1]).reshape(-1, v), xy[:, 1:].reshape(-1))
        th_opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(th_model.parameters(), cfg["clip"])
        th_opt.step()
        torch.cuda.synchronize()
        return loss.item()
    return tg_step, th_step


def bench_train_step(env, steps=10, warmup=3, budget_s=45):
    """nanoGPT GPU training step (forward, backward, clip 1.0, AdamW): teenygrad on device='cuda' against
    PyTorch eager on the same GPU, from the same numpy-initialised weights and the same batches. Wall-clock
    ms/step (each step ends in a device synchronize), median over `steps` after `warmup`."""
    if env.interpret or not _cuda_training_available():
        print("  skipped: needs teenygrad cuda training path (a CUDA GPU with cupy)")
        return None
    try:
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError("torch.cuda.is_available() is False")
    except Exception as e:
        print(f"  skipped: PyTorch with CUDA is needed as the yardstick ({type(e).__name__}: {e})")
        return None
    np, cfg = env.np, TRAIN_CFG
    tg_step, th_step = train_steps(cfg)

    def timed(step):
        t_start, losses, times = time.perf_counter(), [], []
        for i in range(warmup + steps):
            t = time.perf_counter()
            losses.append(step(i))
            if i >= warmup:
                times.append((time.perf_counter() - t) * 1e3)
            if time.perf_counter() - t_start > budget_s / 2 and len(times) >= 3:
                break
        return float(np.median(times)), losses, len(times)

    tg_ms, tg_losses, tg_n = timed(tg_step)
    th_ms, th_losses, th_n = timed(th_step)
    last = min(len(tg_losses), len(th_losses)) - 1  # the budget may stop one framework's loop earlier
    row = dict(config=cfg, teenygrad_ms=tg_ms, torch_ms=th_ms, ratio=tg_ms / th_ms, steps=[tg_n, th_n],
               loss_first=[tg_losses[0], th_losses[0]], loss_last=[tg_losses[last], th_losses[last]],
               loss_last_step=last)
    print(f"  {cfg['n_layer']}L {cfg['n_head']}H {cfg['n_embd']}d, block {cfg['block']}, batch {cfg['batch']}: "
          f"teenygrad {tg_ms:.1f} ms/step, torch {th_ms:.1f} ms/step (medians of {tg_n} / {th_n}), "
          f"teenygrad/torch x{tg_ms / th_ms:.2f}")
    print(f"  loss step 0: teenygrad {tg_losses[0]:.5f} torch {th_losses[0]:.5f}; "
          f"step {last}: {tg_losses[last]:.5f} vs {th_losses[last]:.5f}")
    return row


def main(argv=None):
    args = parse_args(argv)
    if args.json is None and not (args.interpret or args.check_only):
        args.json = os.path.join(REPO, "bench", "gpu_results.json")
    if args.interpret:  # before triton is imported: kernels are decorated for the interpreter
        os.environ["TRITON_INTERPRET"] = "1"
        os.environ.setdefault("TRITON_DEFAULT_BACKEND", "nvidia")
    sys.path.insert(0, REPO)
    try:
        env = Env(args.interpret)
    except RuntimeError as e:  # no cupy / no GPU: say so, and how to run here anyway
        print(f"{e}\n(on a machine without a GPU, `python bench/gpu.py --interpret` runs the checks on the CPU)")
        return 2
    env.budget_s = args.budget
    print(f"device: {env.device}")
    if env.bf16_note:
        print(env.bf16_note)
    results = {"device": env.device, "interpret": env.interpret}
    if args.train_only:
        print("\n== nanoGPT training step")
        results["train_step"] = bench_train_step(env)
        write_json(args.json, results)
        return 0

    print("\n== checks: every kernel vs " + ("numpy float64" if env.interpret else "CuPy/cuBLAS fp32"))
    checks = Checks()
    check_gemm(env, checks)
    check_fused(env, checks)
    results["checks"] = checks.rows
    print(f"  {len(checks.rows) - checks.failed}/{len(checks.rows)} checks passed")
    if checks.failed or args.check_only:
        write_json(args.json, results)
        return 1 if checks.failed else 0

    env.timing_t0 = time.perf_counter()
    sizes = [16, 32] if env.interpret else args.sizes
    print(f"\n== GEMM ladder ({'interpreter: timings meaningless' if env.interpret else env.device})")
    results["gemm"] = bench_gemm(env, sizes)
    print_gemm_table(results["gemm"], sizes)
    print("\n== fused kernels vs plain composite")
    results["fused"] = bench_fused(env)
    print("\n== nanoGPT training step")
    results["train_step"] = bench_train_step(env)
    results["wall_s"] = time.perf_counter() - env.t0
    write_json(args.json, results)
    print(f"\ntotal {results['wall_s']:.0f} s")
    return 0


def write_json(path, results):
    if path is None:
        return
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print(f"results: {path}")


if __name__ == "__main__":
    sys.exit(main())
