"""A Mamba-like selective state-space block: RMSNorm, in-projection split by chunk, a depthwise causal Conv1d
(groups=channels, padding then a causal slice), softplus step sizes, A = -exp(A_log), the discretised scan written
with einsum (sequential) and with cumsum/exp (parallel), and a small LM trained on token ids."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(9)


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class MambaBlock(nn.Module):
    def __init__(self, d=8, n=4, expand=2, k=4):
        super().__init__()
        di = expand * d
        self.in_proj = nn.Linear(d, 2 * di, bias=False)
        self.conv1d = nn.Conv1d(di, di, kernel_size=k, groups=di, padding=k - 1)
        self.x_proj = nn.Linear(di, 1 + 2 * n, bias=False)
        self.dt_proj = nn.Linear(1, di)
        A = torch.arange(1, n + 1, dtype=torch.float32).repeat(di, 1)
        self.A_log = nn.Parameter(torch.log(A))
        self.D = nn.Parameter(torch.ones(di))
        self.out_proj = nn.Linear(di, d, bias=False)
        self.n = n

    def forward(self, x):                         # (b, t, d)
        b, t, _ = x.shape
        xz = self.in_proj(x)
        x, z = xz.chunk(2, dim=-1)
        x = self.conv1d(x.transpose(1, 2))[:, :, :t].transpose(1, 2)
        x = F.silu(x)
        dbc = self.x_proj(x)
        dt, B, C = torch.split(dbc, [1, self.n, self.n], dim=-1)
        delta = F.softplus(self.dt_proj(dt))       # (b, t, di)
        A = -torch.exp(self.A_log.float())        # (di, n)
        dA = torch.exp(torch.einsum("btd,dn->btdn", delta, A))
        dBx = torch.einsum("btd,btn,btd->btdn", delta, B, x)
        h = torch.zeros(b, x.shape[-1], self.n)
        ys = []
        for i in range(t):
            h = dA[:, i] * h + dBx[:, i]
            ys.append(torch.einsum("bdn,bn->bd", h, C[:, i]))
        y = torch.stack(ys, dim=1) + x * self.D
        return self.out_proj(y * F.silu(z))


def parallel_scan(log_a, bx):
    """h_t = a_t h_{t-1} + bx_t via cumulative sums of log a (fine for short t)."""
    cs = torch.cumsum(log_a, dim=1)                       # (b, t, d)
    w = torch.exp(cs.unsqueeze(2) - cs.unsqueeze(1))      # (b, t, s, d): prod a_{s+1..t}
    mask = torch.tril(torch.ones(log_a.shape[1], log_a.shape[1], dtype=torch.bool))
    w = w.masked_fill(~mask[None, :, :, None], 0.0)
    return (w * bx.unsqueeze(1)).sum(2)


class LM(nn.Module):
    def __init__(self, v=11, d=8):
        super().__init__()
        self.emb = nn.Embedding(v, d)
        self.layers = nn.ModuleList([MambaBlock(d) for _ in range(2)])
        self.norms = nn.ModuleList([RMSNorm(d) for _ in range(2)])
        self.norm_f = RMSNorm(d)
        self.lm_head = nn.Linear(d, v, bias=False)
        self.lm_head.weight = self.emb.weight

    def forward(self, idx):
        x = self.emb(idx)
        for norm, layer in zip(self.norms, self.layers):
            x = x + layer(norm(x))
        return self.lm_head(self.norm_f(x))


model = LM()
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
data = torch.randint(0, 11, (4, 9))
losses = []
for step in range(4):
    logits = model(data[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, 11), data[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
la = -F.softplus(torch.randn(2, 5, 3))
bx = torch.randn(2, 5, 3)
h, seq = torch.zeros(2, 3), []
for i in range(5):
    h = torch.exp(la[:, i]) * h + bx[:, i]
    seq.append(h)
par = parallel_scan(la, bx)
with torch.no_grad():
    idx = data[:1, :3]
    for _ in range(4):
        idx = torch.cat([idx, model(idx)[:, -1].argmax(-1, keepdim=True)], dim=1)
print("RESULT " + json.dumps({"losses": losses, "scan_ok": torch.allclose(par, torch.stack(seq, 1), atol=1e-5),
                              "par": par[0, -1].tolist(), "gen": idx.tolist(), "tied": model.lm_head.weight is
                              model.emb.weight, "ppl": math.exp(losses[-1])}))
