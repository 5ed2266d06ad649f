"""A batched decoder over left-padded prompts, as HF-style generation code writes it: F.scaled_dot_product_attention
with a boolean padding mask *and* is_causal=True together, position ids from the mask's cumsum, and a snapshot of
the global RNG with torch.get_rng_state().clone() so that a dropout forward can be replayed exactly."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
V, D, H = 10, 16, 2
prompts = [[3, 4, 5, 6], [7, 8], [2, 9, 1]]
T = max(len(p) for p in prompts)
ids = torch.zeros(len(prompts), T, dtype=torch.long)
mask = torch.zeros(len(prompts), T, dtype=torch.bool)
for i, p in enumerate(prompts):
    ids[i, T - len(p):] = torch.tensor(p)
    mask[i, T - len(p):] = True
pos = (mask.long().cumsum(-1) - 1).clamp(min=0)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, D), nn.Embedding(T, D)
        self.qkv, self.out = nn.Linear(D, 3 * D), nn.Linear(D, V)
        self.drop = nn.Dropout(0.1)

    def forward(self, ids, mask, pos):
        b, t = ids.shape
        x = self.drop(self.tok(ids) + self.pos(pos))
        q, k, v = (z.view(b, t, H, D // H).transpose(1, 2) for z in self.qkv(x).chunk(3, -1))
        keep = mask[:, None, None, :] | torch.eye(t, dtype=torch.bool)      # pad rows still see themselves
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(b, t, D))


model = Decoder()
model.eval()
logits = model(ids, mask, pos)
manual = torch.ones(T, T, dtype=torch.bool).tril() & (mask[:, None, None, :] | torch.eye(T, dtype=torch.bool))
b, t = ids.shape
x = model.tok(ids) + model.pos(pos)
q, k, v = (z.view(b, t, H, D // H).transpose(1, 2) for z in model.qkv(x).chunk(3, -1))
ref = model.out(F.scaled_dot_product_attention(q, k, v, attn_mask=manual).transpose(1, 2).reshape(b, t, D))
out = {"same_as_combined_mask": torch.allclose(logits, ref, atol=1e-6), "next": logits[:, -1].argmax(-1).tolist(),
       "pos": pos.tolist()}

model.train()
snap = torch.get_rng_state().clone()
a = model(ids, mask, pos)
torch.set_rng_state(snap)
b2 = model(ids, mask, pos)
out["replayed"] = torch.equal(a, b2)
out["state"] = [snap.dtype == torch.uint8, snap.dim()]
a.sum().backward()
out["grad"] = model.qkv.weight.grad.abs().sum().item()
print("RESULT " + json.dumps(out))
