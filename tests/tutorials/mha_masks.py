"""nn.MultiheadAttention the way encoder code uses it: key_padding_mask from sequence lengths, a causal
attn_mask (bool and float), need_weights with average_attn_weights True and False, batch_first both ways with
the same weights, kdim/vdim for cross-attention, and a short training loop through it."""
import json

import torch
import torch.nn as nn


def r(t):
    return [round(x, 5) for x in t.flatten().tolist()]


torch.manual_seed(1)
E, H, T, B = 8, 2, 5, 3
mha_bf = nn.MultiheadAttention(E, H, batch_first=True)
mha_sf = nn.MultiheadAttention(E, H)               # (T, B, E) layout
mha_sf.load_state_dict(mha_bf.state_dict())
mha_bf.eval(); mha_sf.eval()

x = torch.randn(B, T, E)
lengths = torch.tensor([5, 3, 2])
pad = torch.arange(T)[None, :] >= lengths[:, None]          # True = ignore this key
causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
causal_f = torch.zeros(T, T).masked_fill(causal, float("-inf"))

out = {}
y, w = mha_bf(x, x, x, key_padding_mask=pad)
out["pad"] = [list(y.shape), list(w.shape), r(w[1, 0]), r(y[2, 0])]
y2, w2 = mha_sf(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), key_padding_mask=pad)
out["same_layout"] = [torch.allclose(y, y2.transpose(0, 1), atol=1e-6), torch.allclose(w, w2, atol=1e-6)]

y, w = mha_bf(x, x, x, attn_mask=causal, need_weights=True, average_attn_weights=False)
out["causal_heads"] = [list(w.shape), r(w[0, 1, 2]), r(y[0, -1])]
yf, wf = mha_bf(x, x, x, attn_mask=causal_f, average_attn_weights=False)
out["float_eq_bool"] = torch.allclose(y, yf, atol=1e-6)
yb, wb = mha_bf(x, x, x, attn_mask=causal, key_padding_mask=pad)
out["both"] = [r(wb[2, 1]), r(yb[1, 1])]
y3, w3 = mha_bf(x, x, x, need_weights=False)
out["no_weights"] = [w3 is None, list(y3.shape)]

cross = nn.MultiheadAttention(E, H, kdim=6, vdim=4, batch_first=True)
mem = torch.randn(B, 7, 6)
val = torch.randn(B, 7, 4)
yc, wc = cross(x, mem, val)
out["cross"] = [list(yc.shape), list(wc.shape), sorted(n for n, _ in cross.named_parameters())]

# train a tiny classifier through masked attention
torch.manual_seed(2)
head = nn.Linear(E, 2)
params = list(mha_bf.parameters()) + list(head.parameters())
opt = torch.optim.Adam(params, lr=1e-2)
target = torch.tensor([0, 1, 1])
mha_bf.train()
losses = []
for _ in range(5):
    h, _ = mha_bf(x, x, x, key_padding_mask=pad, need_weights=False)
    keep = (~pad).float().unsqueeze(-1)
    pooled = (h * keep).sum(1) / keep.sum(1)
    loss = nn.functional.cross_entropy(head(pooled), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
out["losses"] = losses
out["in_proj_grad"] = mha_bf.in_proj_weight.grad.abs().sum().item()
print("RESULT " + json.dumps(out))
