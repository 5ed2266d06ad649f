"""F.scaled_dot_product_attention with every option, checked against the written-out softmax(QK^T)V: a bool
attn_mask (True = attend), a float additive mask, is_causal with L != S (top-left aligned), scale=, enable_gqa
with fewer kv heads, dropout_p in training mode under a seed, and gradients through all of them."""
import json
import math

import torch
import torch.nn.functional as F


def reference(q, k, v, mask=None, causal=False, scale=None):
    L, S = q.size(-2), k.size(-2)
    s = q @ k.transpose(-2, -1) * (scale if scale is not None else 1 / math.sqrt(q.size(-1)))
    if causal:
        s = s.masked_fill(torch.ones(L, S, dtype=torch.bool).tril().logical_not(), float("-inf"))
    if mask is not None:
        s = s.masked_fill(mask.logical_not(), float("-inf")) if mask.dtype == torch.bool else s + mask
    return s.softmax(-1) @ v


def r(t):
    return [round(x, 5) for x in t.flatten().tolist()]


torch.manual_seed(0)
B, H, L, S, D = 2, 4, 3, 5, 8
q = torch.randn(B, H, L, D, requires_grad=True)
k = torch.randn(B, H, S, D, requires_grad=True)
v = torch.randn(B, H, S, D, requires_grad=True)
out = {}

bool_mask = torch.rand(L, S) > 0.3
bool_mask[:, 0] = True                       # every query sees at least one key
float_mask = torch.randn(B, 1, L, S)
for name, kw in [("plain", {}), ("bool", {"attn_mask": bool_mask}), ("float", {"attn_mask": float_mask}),
                 ("causal", {"is_causal": True}), ("scale", {"scale": 0.3}),
                 ("bool_scale", {"attn_mask": bool_mask, "scale": 1.7})]:
    got = F.scaled_dot_product_attention(q, k, v, **kw)
    want = reference(q, k, v, kw.get("attn_mask"), kw.get("is_causal", False), kw.get("scale"))
    out[name] = [list(got.shape), (got - want).abs().max().item() < 1e-5, got.sum().item()]
    got.square().sum().backward()
    out[name + "_grad"] = [q.grad.sum().item(), k.grad.abs().sum().item(), v.grad.abs().sum().item()]
    q.grad = k.grad = v.grad = None

# a causal square self-attention, as in nanoGPT, equals the explicit tril mask
x = torch.randn(B, H, 4, D)
tri = torch.ones(4, 4, dtype=torch.bool).tril()
out["causal_eq_mask"] = torch.allclose(F.scaled_dot_product_attention(x, x, x, is_causal=True),
                                       F.scaled_dot_product_attention(x, x, x, attn_mask=tri), atol=1e-6)

# grouped-query attention: 4 query heads share 2 kv heads
kg, vg = torch.randn(B, 2, S, D), torch.randn(B, 2, S, D)
gqa = F.scaled_dot_product_attention(q.detach(), kg, vg, enable_gqa=True)
rep = F.scaled_dot_product_attention(q.detach(), kg.repeat_interleave(2, 1), vg.repeat_interleave(2, 1))
out["gqa"] = [list(gqa.shape), torch.allclose(gqa, rep, atol=1e-6), r(gqa[0, :, 0, 0])]

# dropout: zero in eval-like use, seeded in training; same seed gives the same output
torch.manual_seed(7)
d1 = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
torch.manual_seed(7)
d2 = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
d0 = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0)
out["dropout"] = [torch.equal(d1, d2), torch.allclose(d1, d0), list(d1.shape)]
d1.sum().backward()
out["dropout_grad_finite"] = bool(torch.isfinite(q.grad).all())
print("RESULT " + json.dumps(out))
