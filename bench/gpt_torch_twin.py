"""PyTorch twin of `teenygrad train gpt --preset shakespeare-cpu`: nanoGPT's train.py and model.py for the README's
CPU command, in one file (4 layers, 4 heads, 128 wide, block 64, batch 12, no bias, tied weights, dropout 0; AdamW
betas (0.9, 0.99) with weight decay 0.1 on matrices; 100 warmup iterations, cosine 1e-3 -> 1e-4 over 2000; clip 1.0;
the first 90% of the characters for training).

It draws its random numbers as nanoGPT does: the model is built in nanoGPT's module order (every default init
consumes the generator) and re-initialised by its _init_weights; get_batch is torch.randint(len(data) - block_size)
on the default generator; the first batch is fetched before the loop, the next one right after each forward, and
estimate_loss draws 20 fresh batches per split every 250 iterations. teenygrad's generator is torch's and its
preset samples in the same order (sampling='nanogpt'), so the two print the same lines for the same --seed: with
1337, nanoGPT's own `step 2000: train loss 1.7648, val loss 1.8857`. It also prints the wall time of the training
loop and, at the end, the loss over the whole val split after 2000 updates (what `teenygrad eval` reports).

    OPENBLAS_NUM_THREADS=1 python bench/gpt_torch_twin.py --threads 1 [--seed 1337]
"""
import argparse
import math
import os
import pathlib
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.c_attn, self.c_proj, self.h = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False), h

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, d))


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc, self.c_proj = nn.Linear(d, 4 * d, bias=False), nn.Linear(4 * d, d, bias=False)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln_1, self.attn, self.ln_2, self.mlp = LayerNorm(d), CausalSelfAttention(d, h), LayerNorm(d), MLP(d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, v, block, n_layer, n_head, d):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(v, d), wpe=nn.Embedding(block, d),
                                              h=nn.ModuleList([Block(d, n_head) for _ in range(n_layer)]),
                                              ln_f=LayerNorm(d)))
        self.lm_head = nn.Linear(d, v, bias=False)
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init_weights(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, idx):
        tr = self.transformer
        x = tr.wte(idx) + tr.wpe(torch.arange(idx.shape[1]))
        for block in tr.h:
            x = block(x)
        return self.lm_head(tr.ln_f(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.environ.get("TEENYGRAD_DATA", "."), "tinyshakespeare.txt"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-iters", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1337)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    text = pathlib.Path(args.data).read_text()
    chars = sorted(set(text))
    ids = torch.from_numpy(np.searchsorted(np.array(chars), np.array(list(text))).astype(np.int64))
    n = int(0.9 * len(ids))
    data = {"train": ids[:n], "val": ids[n:]}
    block, batch, iters, warmup, lr, min_lr, eval_iters = 64, 12, args.max_iters, 100, 1e-3, 1e-4, 20
    model = GPT(len(chars), block, 4, 4, 128)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.99))

    def get_batch(split):
        d = data[split]
        ix = torch.randint(len(d) - block, (batch,))
        return torch.stack([d[i:i + block] for i in ix]), torch.stack([d[i + 1:i + 1 + block] for i in ix])

    def lr_at(it):
        if it < warmup:
            return lr * (it + 1) / (warmup + 1)
        ratio = (it - warmup) / (iters - warmup)
        return min_lr + 0.5 * (1 + math.cos(math.pi * min(ratio, 1.0))) * (lr - min_lr)

    @torch.no_grad()
    def estimate_loss():
        model.eval()
        out = {}
        for split in ("train", "val"):
            losses = torch.zeros(eval_iters)
            for k in range(eval_iters):
                x, y = get_batch(split)
                losses[k] = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1)).item()
            out[split] = losses.mean()
        model.train()
        return out

    x, y = get_batch("train")  # nanoGPT fetches the very first batch before its loop
    t0 = time.perf_counter()
    for it in range(iters + 1):
        if it % 250 == 0 or it == iters:
            losses = estimate_loss()
            print(f"step {it}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}", flush=True)
        if it == iters:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(it)
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
        x, y = get_batch("train")  # the next batch, right after the forward
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
    wall = time.perf_counter() - t0
    with torch.no_grad():
        model.eval()
        v = data["val"]
        m = (len(v) - 1) // block
        X, Y = v[:m * block].view(m, block), v[1:m * block + 1].view(m, block)
        full = F.cross_entropy(model(X).view(-1, len(chars)), Y.reshape(-1)).item()
    print(f"torch {torch.__version__}, {args.threads} thread(s): {iters} iterations in {wall:.1f}s "
          f"({1000 * wall / iters:.1f} ms/iter incl. evals); whole-val loss {full:.4f}")


if __name__ == "__main__":
    main()
