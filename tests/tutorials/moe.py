"""A mixture-of-experts layer: router softmax, top-k with renormalised gates, dispatch by torch.where on the expert
mask, index_select / index_add_ combine, the Switch load-balancing aux loss and router z-loss, capacity drop, and a
dense reference computed with einsum over all experts."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(4)


class Expert(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.w1 = nn.Linear(d, h, bias=False)
        self.w2 = nn.Linear(h, d, bias=False)
        self.w3 = nn.Linear(d, h, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class MoE(nn.Module):
    def __init__(self, d=8, h=16, n_experts=4, k=2):
        super().__init__()
        self.router = nn.Linear(d, n_experts, bias=False)
        self.experts = nn.ModuleList(Expert(d, h) for _ in range(n_experts))
        self.k, self.n = k, n_experts

    def forward(self, x):                         # x: (b, t, d)
        b, t, d = x.shape
        x = x.view(-1, d)
        logits = self.router(x)
        probs = F.softmax(logits, dim=-1, dtype=torch.float)
        gates, chosen = torch.topk(probs, self.k, dim=-1)
        gates = gates / gates.sum(dim=-1, keepdim=True)
        out = torch.zeros_like(x)
        expert_mask = F.one_hot(chosen, num_classes=self.n).permute(2, 1, 0)   # (n, k, tokens)
        for e, expert in enumerate(self.experts):
            slot, tok = torch.where(expert_mask[e])
            if tok.numel() == 0:
                continue
            xe = x.index_select(0, tok)
            ye = expert(xe) * gates[tok, slot, None]
            out.index_add_(0, tok, ye.to(x.dtype))
        frac_tokens = expert_mask.sum(dim=(1, 2)).float() / (x.shape[0] * self.k)
        aux = self.n * torch.sum(frac_tokens * probs.mean(0))
        z_loss = torch.logsumexp(logits, dim=-1).square().mean()
        return out.view(b, t, d), aux, z_loss, chosen


torch.manual_seed(4)
moe = MoE()
head = nn.Linear(8, 5)
opt = torch.optim.AdamW(list(moe.parameters()) + list(head.parameters()), lr=5e-3)
x = torch.randn(2, 6, 8)
y = torch.randint(0, 5, (2, 6))
losses, auxes = [], []
for step in range(5):
    out, aux, z, chosen = moe(x)
    loss = F.cross_entropy(head(out + x).view(-1, 5), y.view(-1)) + 0.01 * aux + 1e-3 * z
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
    auxes.append(aux.item())

with torch.no_grad():       # dense reference: every expert on every token, weighted by a scattered gate matrix
    out, aux, z, chosen = moe(x)
    flat = x.view(-1, 8)
    probs = F.softmax(moe.router(flat), -1)
    g, c = probs.topk(2, -1)
    dense_gate = torch.zeros_like(probs).scatter_(1, c, g / g.sum(-1, keepdim=True))
    all_out = torch.stack([e(flat) for e in moe.experts], dim=1)       # (tokens, n, d)
    ref = torch.einsum("tn,tnd->td", dense_gate, all_out)
    counts = torch.bincount(chosen.flatten(), minlength=4)
    # capacity: keep the first `cap` tokens per expert by cumulative position
    mask = F.one_hot(chosen[:, 0], 4)
    pos = torch.cumsum(mask, dim=0) * mask - 1
    kept = (pos < 3) & (mask > 0)
print("RESULT " + json.dumps({"losses": losses, "aux": auxes, "chosen": chosen.tolist(), "counts": counts.tolist(),
                              "match": torch.allclose(ref, out.view(-1, 8), atol=1e-5),
                              "kept": kept.sum(0).tolist(), "ref": ref[0].tolist()}))
