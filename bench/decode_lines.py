"""Where a sampling step's time goes, statement by statement: the bench twin's KV-cache decode loop (bench/models.py,
GPTSample) written out inline with a perf_counter around each statement, for one framework per run.

    OMP_NUM_THREADS=2 python bench/decode_lines.py teenygrad
    OMP_NUM_THREADS=2 python bench/decode_lines.py torch

Prints microseconds per generated token for each statement (summed over the 4 layers), after 5 warm-up runs of
63 tokens, over 40 runs. The timers add a little to both frameworks alike; compare the two runs' columns."""
import importlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import models  # noqa: E402

pc = time.perf_counter


def main(fw, runs=40, n_new=63):
    torch = importlib.import_module(fw)
    F = importlib.import_module(fw + ".nn.functional")
    if fw == "torch":
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    m = models.build_gpt(torch)
    m.eval()
    T = {}

    def tick(name, t0):
        t1 = pc()
        T[name] = T.get(name, 0.0) + t1 - t0
        return t1

    def attention(a, x, cache, t):
        b, tt, d = x.size()
        hs = d // a.n_head
        q, k, v = a.c_attn(x).split(a.d, dim=2)
        t = tick("c_attn + split", t)
        q = q.view(b, tt, a.n_head, hs).transpose(1, 2)
        k = k.view(b, tt, a.n_head, hs).transpose(1, 2)
        v = v.view(b, tt, a.n_head, hs).transpose(1, 2)
        t = tick("3 x view + transpose", t)
        if cache:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        cache[:] = [k, v]
        t = tick("2 x cat (k/v cache)", t)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=tt > 1)
        t = tick("attention", t)
        y = y.transpose(1, 2).contiguous().view(b, tt, d)
        t = tick("transpose.contiguous.view", t)
        return a.c_proj(y), tick("c_proj", t)

    def run():
        with torch.no_grad():
            idx = torch.zeros((1, 1), dtype=torch.long)
            caches = [[] for _ in m.h]
            pos = 0
            for _ in range(n_new):
                t = pc()
                tt = idx.size(1)
                x = m.wte(idx) + m.wpe(torch.arange(pos, pos + tt, dtype=torch.long))
                t = tick("embeddings", t)
                for i, blk in enumerate(m.h):
                    h = blk.ln_1(x)
                    t = tick("LayerNorms", t)
                    y, t = attention(blk.attn, h, caches[i], t)
                    x = x + y
                    t = tick("residual adds", t)
                    h = blk.ln_2(x)
                    t = tick("LayerNorms", t)
                    h = blk.mlp.c_fc(h)
                    t = tick("c_fc", t)
                    h = blk.mlp.gelu(h)
                    t = tick("GELU", t)
                    h = blk.mlp.c_proj(h)
                    t = tick("mlp.c_proj", t)
                    x = x + h
                    t = tick("residual adds", t)
                x = m.ln_f(x)
                t = tick("LayerNorms", t)
                logits = m.lm_head(x[:, [-1], :])
                t = tick("lm_head", t)
                pos += tt
                probs = F.softmax(logits[:, -1, :] / 0.8, dim=-1)
                t = tick("softmax", t)
                idx = torch.multinomial(probs, num_samples=1)
                tick("multinomial", t)

    for _ in range(5):
        run()
    T.clear()
    torch.manual_seed(0)
    for _ in range(runs):
        run()
    per = runs * n_new
    print(f"{fw}: {sum(T.values()) / per * 1e6:.1f} us per token")
    for name, v in sorted(T.items(), key=lambda kv: -kv[1]):
        print(f"  {name:28s} {v / per * 1e6:7.1f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "teenygrad")
