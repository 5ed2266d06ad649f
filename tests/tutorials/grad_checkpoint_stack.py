"""Activation checkpointing of a Transformer block stack (the memory trick in nanoGPT forks and HF models):
torch.utils.checkpoint.checkpoint per block with use_reentrant=False, checkpoint_sequential over an
nn.Sequential, dropout inside checkpointed blocks (the rng state is replayed so the recomputed forward matches),
and the gradients equal the plain forward's exactly."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint, checkpoint_sequential


class Block(nn.Module):
    def __init__(self, d, h, p):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d),
                                 nn.Dropout(p))
        self.h, self.p = h, p

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.ln2(x))


class Stack(nn.Module):
    def __init__(self, n, d, h, p, use_ckpt):
        super().__init__()
        self.blocks = nn.ModuleList(Block(d, h, p) for _ in range(n))
        self.use_ckpt = use_ckpt

    def forward(self, x):
        for blk in self.blocks:
            x = checkpoint(blk, x, use_reentrant=False) if self.use_ckpt and self.training else blk(x)
        return x


def grads_of(model, x, seed):
    torch.manual_seed(seed)
    model.zero_grad()
    y = model(x)
    y.pow(2).mean().backward()
    return y, [p.grad.clone() for p in model.parameters()]


torch.manual_seed(0)
d, h, n = 16, 4, 3
x = torch.randn(2, 6, d, requires_grad=True)
out = {}
for p in (0.0, 0.2):
    torch.manual_seed(1)
    plain = Stack(n, d, h, p, use_ckpt=False)
    ck = Stack(n, d, h, p, use_ckpt=True)
    ck.load_state_dict(plain.state_dict())
    y0, g0 = grads_of(plain, x, 5)
    xg0 = x.grad.clone(); x.grad = None
    y1, g1 = grads_of(ck, x, 5)
    xg1 = x.grad.clone(); x.grad = None
    out[f"p{p}"] = {"out_equal": torch.allclose(y0, y1, atol=1e-6),
                    "grads_equal": all(torch.allclose(a, b, atol=1e-6) for a, b in zip(g0, g1)),
                    "x_grad_equal": torch.allclose(xg0, xg1, atol=1e-6),
                    "loss": y1.pow(2).mean().item(), "gnorm": sum(g.norm() ** 2 for g in g1).sqrt().item()}

# checkpoint_sequential over an nn.Sequential of blocks, with a function taking two inputs
torch.manual_seed(2)
seq = nn.Sequential(*[Block(d, h, 0.0) for _ in range(4)])
xs = torch.randn(2, 6, d, requires_grad=True)
ya = checkpoint_sequential(seq, 2, xs, use_reentrant=False)
ya.sum().backward()
ga = [p.grad.clone() for p in seq.parameters()]
seq.zero_grad()
xs.grad = None
yb = seq(xs)
yb.sum().backward()
out["sequential"] = [torch.allclose(ya, yb, atol=1e-6),
                     all(torch.allclose(a, p.grad, atol=1e-6) for a, p in zip(ga, seq.parameters())),
                     ya.sum().item()]


def gated(a, b):
    return torch.sigmoid(a) * torch.tanh(b)


a = torch.randn(3, 4, requires_grad=True)
b = torch.randn(3, 4, requires_grad=True)
checkpoint(gated, a, b, use_reentrant=False).sum().backward()
out["two_inputs"] = [a.grad.sum().item(), b.grad.sum().item()]

# a short training run with checkpointing on
torch.manual_seed(3)
model = Stack(2, d, h, 0.1, use_ckpt=True)
head = nn.Linear(d, 5)
opt = torch.optim.AdamW([*model.parameters(), *head.parameters()], lr=3e-3)
tgt = torch.randint(0, 5, (2, 6))
losses = []
for _ in range(4):
    loss = F.cross_entropy(head(model(x.detach())).view(-1, 5), tgt.view(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
out["train"] = losses
print("RESULT " + json.dumps(out))
