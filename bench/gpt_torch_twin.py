"""PyTorch twin of `teenygrad train gpt --preset shakespeare-cpu`: the same model (nanoGPT, 4 layers, 4 heads,
128 wide, block 64, no bias, tied weights, dropout 0), the same data split, optimizer (AdamW, betas (0.9, 0.99),
weight decay 0.1 on matrices), schedule (100 warmup, cosine 1e-3 -> 1e-4 over 2000), clip 1.0, batch 12, and
the same evaluation (every 250 iterations on 20 batches, then the whole val split in windows of 64).
It prints the wall time of the training loop so the two frameworks can be compared on one machine.

    OPENBLAS_NUM_THREADS=1 python bench/gpt_torch_twin.py --threads 1          # torch is only the yardstick
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


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = nn.LayerNorm(d, bias=False), nn.LayerNorm(d, bias=False)
        self.c_attn, self.attn_proj = nn.Linear(d, 3 * d, bias=False), nn.Linear(d, d, bias=False)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d, bias=False), nn.Linear(4 * d, d, bias=False)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, d)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, v, block, n_layer, n_head, d):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(v, d), nn.Embedding(block, d)
        self.h = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d, bias=False)
        self.lm_head = nn.Linear(d, v, bias=False)
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * n_layer) if name.endswith("_proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


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
    block, batch, iters, warmup, lr, min_lr = 64, 12, args.max_iters, 100, 1e-3, 1e-4
    model = GPT(len(chars), block, 4, 4, 128)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.99))

    def get_batch(split, gen=None):
        d = data[split]
        ix = torch.randint(len(d) - block, (batch,), generator=gen)
        return torch.stack([d[i:i + block] for i in ix]), torch.stack([d[i + 1:i + 1 + block] for i in ix])

    def lr_at(it):
        if it < warmup:
            return lr * (it + 1) / (warmup + 1)
        ratio = (it - warmup) / (iters - warmup)
        return min_lr + 0.5 * (1 + math.cos(math.pi * min(ratio, 1.0))) * (lr - min_lr)

    @torch.no_grad()
    def estimate(split):
        model.eval()
        gen = torch.Generator().manual_seed(1234)
        losses = [F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1)).item()
                  for x, y in (get_batch(split, gen) for _ in range(20))]
        model.train()
        return sum(losses) / len(losses)

    t0 = time.perf_counter()
    for it in range(iters + 1):
        if it % 250 == 0 or it == iters:
            print(f"iter {it}: train loss {estimate('train'):.4f}, val loss {estimate('val'):.4f}", flush=True)
        if it == iters:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(it)
        x, y = get_batch("train")
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
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
