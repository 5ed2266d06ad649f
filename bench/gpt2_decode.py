"""GPT-2 124M decode speed: teenygrad vs a PyTorch twin on the same random weights, KV cache in both.

    python bench/gpt2_decode.py [--threads 2] [--rounds 3] [--prompt 32] [--new 64] [--dtypes float32,bfloat16]
                                [--realtime]

The weights (GPT-2 124M shapes: 12 layers, 12 heads, 768 wide, vocab 50257, 1024 positions; N(0, 0.02))
are written once in Hugging Face's layout to a temporary folder; teenygrad loads them with
gpt2.from_pretrained, the twin reads the same file with safetensors and computes as HF does (Conv1D
x @ W + b), with a preallocated cache written in place. Greedy decoding; both must pick the same tokens.
Each round runs every variant once (the order flips every round), so a shared machine's drift hits all;
reported: the median over rounds of prefill time (prompt -> first token) and decode tokens/s (the
remaining tokens, one per step), and the median of the per-round teenygrad/torch ratios."""
import argparse
import os
import sys

_p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
_p.add_argument("--threads", type=int, default=2, help="BLAS threads for numpy and torch.set_num_threads")
_p.add_argument("--rounds", type=int, default=3)
_p.add_argument("--prompt", type=int, default=32, help="prompt length in tokens")
_p.add_argument("--new", type=int, default=64, help="new tokens per run")
_p.add_argument("--dtypes", default="float32,float16,bfloat16", help="teenygrad weight dtypes to time")
_p.add_argument("--layers", type=int, default=12, help="fewer for a quick run")
_p.add_argument("--realtime", action="store_true", help="run under SCHED_FIFO (root), as bench/run.py --realtime: "
                "on a shared, oversubscribed machine spinning BLAS/OpenMP threads otherwise stall")
ARGS = _p.parse_args()
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = str(ARGS.threads)       # before numpy loads OpenBLAS
if ARGS.realtime:
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))   # before any thread starts: they inherit it
    except (OSError, AttributeError) as _e:
        print(f"note: --realtime unavailable ({_e}); running with normal priority")
        ARGS.realtime = False

import json            # noqa: E402
import statistics      # noqa: E402
import tempfile        # noqa: E402
import time            # noqa: E402

import numpy as np     # noqa: E402
import torch           # noqa: E402
import torch.nn.functional as tF   # noqa: E402
from safetensors.numpy import save_file   # noqa: E402
from safetensors.torch import load_file   # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from teenygrad.models import gpt2   # noqa: E402

CONFIG = dict(model_type="gpt2", n_layer=ARGS.layers, n_head=12, n_embd=768, vocab_size=50257, n_positions=1024,
              layer_norm_epsilon=1e-5, activation_function="gelu_new", n_inner=None)


def write_random_gpt2(directory, cfg, seed=0):
    """GPT-2-shaped N(0, 0.02) weights in HF's names and (in, out) Conv1D layout; LayerNorms at 1/0."""
    rng = np.random.default_rng(seed)
    e, L = cfg["n_embd"], cfg["n_layer"]
    r = lambda *s: (rng.standard_normal(s, dtype=np.float32) * np.float32(0.02))
    sd = {"wte.weight": r(cfg["vocab_size"], e), "wpe.weight": r(cfg["n_positions"], e),
          "ln_f.weight": np.ones(e, np.float32), "ln_f.bias": np.zeros(e, np.float32)}
    for i in range(L):
        h = f"h.{i}."
        sd.update({h + "ln_1.weight": np.ones(e, np.float32), h + "ln_1.bias": np.zeros(e, np.float32),
                   h + "ln_2.weight": np.ones(e, np.float32), h + "ln_2.bias": np.zeros(e, np.float32),
                   h + "attn.c_attn.weight": r(e, 3 * e), h + "attn.c_attn.bias": r(3 * e),
                   h + "attn.c_proj.weight": r(e, e) / np.float32((2 * L) ** 0.5), h + "attn.c_proj.bias": r(e),
                   h + "mlp.c_fc.weight": r(e, 4 * e), h + "mlp.c_fc.bias": r(4 * e),
                   h + "mlp.c_proj.weight": r(4 * e, e) / np.float32((2 * L) ** 0.5), h + "mlp.c_proj.bias": r(e)})
    save_file(sd, os.path.join(directory, "model.safetensors"))
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(cfg, f)


class TorchGPT2:
    """The PyTorch twin: HF GPT-2's math on the same file, with a preallocated in-place KV cache."""

    def __init__(self, directory, cfg):
        self.w = load_file(os.path.join(directory, "model.safetensors"))
        self.cfg = cfg

    @torch.inference_mode()
    def forward(self, idx, cache, pos):
        """idx (1, t) at positions pos.. -> logits of the last position (1, v); writes the cache."""
        w, cfg = self.w, self.cfg
        b, t = idx.shape
        nh, e = cfg["n_head"], cfg["n_embd"]
        x = w["wte.weight"][idx] + w["wpe.weight"][pos:pos + t]                      # (b, t, e)
        mask = None if t == 1 else torch.ones(t, pos + t, dtype=torch.bool).tril(diagonal=pos)
        for i in range(cfg["n_layer"]):
            h = f"h.{i}."
            a = tF.layer_norm(x, (e,), w[h + "ln_1.weight"], w[h + "ln_1.bias"])
            q, k, v = (torch.addmm(w[h + "attn.c_attn.bias"], a.view(t, e), w[h + "attn.c_attn.weight"])
                       .view(b, t, 3, nh, e // nh).permute(2, 0, 3, 1, 4))           # 3 x (b, nh, t, hs)
            ck, cv = cache[i]
            ck[:, :, pos:pos + t], cv[:, :, pos:pos + t] = k, v
            y = tF.scaled_dot_product_attention(q, ck[:, :, :pos + t], cv[:, :, :pos + t], attn_mask=mask)
            y = y.transpose(1, 2).reshape(t, e)
            x = x + torch.addmm(w[h + "attn.c_proj.bias"], y, w[h + "attn.c_proj.weight"]).view(b, t, e)
            m = tF.layer_norm(x, (e,), w[h + "ln_2.weight"], w[h + "ln_2.bias"]).view(t, e)
            m = tF.gelu(torch.addmm(w[h + "mlp.c_fc.bias"], m, w[h + "mlp.c_fc.weight"]), approximate="tanh")
            x = x + torch.addmm(w[h + "mlp.c_proj.bias"], m, w[h + "mlp.c_proj.weight"]).view(b, t, e)
        x = tF.layer_norm(x[:, -1], (e,), w["ln_f.weight"], w["ln_f.bias"])
        return x @ w["wte.weight"].T                                                # (1, v)

    def generate(self, prompt, n):
        """-> (tokens, [time after each token]) greedy, as gpt2.stream yields them."""
        cfg = self.cfg
        size = len(prompt) + n
        cache = [(torch.zeros(1, cfg["n_head"], size, cfg["n_embd"] // cfg["n_head"]),
                  torch.zeros(1, cfg["n_head"], size, cfg["n_embd"] // cfg["n_head"])) for _ in range(cfg["n_layer"])]
        toks, times = [], []
        logits = self.forward(torch.tensor([prompt]), cache, 0)
        for step in range(n):
            nxt = int(logits.argmax(-1))
            toks.append(nxt)
            times.append(time.perf_counter())
            if step < n - 1:
                logits = self.forward(torch.tensor([[nxt]]), cache, len(prompt) + step)
        return toks, times


def run_teenygrad(model, prompt, n):
    toks, times = [], []
    for tok in gpt2.stream(model, prompt, n, temperature=0):
        toks.append(tok)
        times.append(time.perf_counter())
    return toks, times


def timed(fn, *args):
    t0 = time.perf_counter()
    toks, times = fn(*args)
    prefill = times[0] - t0
    decode = (len(times) - 1) / (times[-1] - times[0])
    return toks, prefill, decode


def main():
    torch.set_num_threads(ARGS.threads)
    dtypes = ARGS.dtypes.split(",")
    prompt = list(np.random.default_rng(1).integers(0, CONFIG["vocab_size"], ARGS.prompt))
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        write_random_gpt2(d, CONFIG)
        print(f"GPT-2 {ARGS.layers}-layer random weights written in {time.perf_counter() - t0:.1f} s; "
              f"prompt {ARGS.prompt} tokens, {ARGS.new} new, greedy, {ARGS.threads} thread(s), realtime={ARGS.realtime}, "
              f"TEENYGRAD_POOL={os.environ.get('TEENYGRAD_POOL', '0')}", flush=True)
        models = {}
        for dtype in dtypes:
            t0 = time.perf_counter()
            models[dtype] = gpt2.from_pretrained(d, dtype=dtype)
            print(f"teenygrad {dtype}: loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        twin = TorchGPT2(d, CONFIG)
        results = {k: [] for k in dtypes + ["torch"]}
        for r in range(ARGS.rounds):
            runs = [(dt_, run_teenygrad, models[dt_]) for dt_ in dtypes] + [("torch", TorchGPT2.generate, twin)]
            for name, fn, m in (runs if r % 2 == 0 else runs[::-1]):      # alternate who goes first
                toks, prefill, decode = timed(fn, m, prompt, ARGS.new)
                results[name].append((prefill, decode, toks))
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1][1]:.1f} tok/s" for k, v in results.items()), flush=True)
    ref = results["torch"][0][2]
    print(f"\n{'':>20} {'prefill ms':>11} {'decode tok/s':>13} {'vs torch':>9}  same tokens as torch")
    for name, rs in results.items():
        pre = statistics.median(x[0] for x in rs) * 1e3
        dec = statistics.median(x[1] for x in rs)
        ratio = statistics.median(x[1] / y[1] for x, y in zip(rs, results["torch"]))
        same = sum(a == b for a, b in zip(rs[0][2], ref))
        label = f"teenygrad {name}" if name != "torch" else "torch float32"
        print(f"{label:>20} {pre:11.0f} {dec:13.1f} {ratio:8.2f}x  {same}/{len(ref)}")


if __name__ == "__main__":
    main()
