"""Sampling from a language model's logits the way generate() loops do: temperature, top-k via torch.topk and
masked_fill(-inf), top-p (nucleus) via sort/cumsum/scatter back to vocabulary order, torch.multinomial with and
without replacement and with a seeded Generator, greedy argmax, and a small autoregressive loop with a KV-free
bigram model."""
import json

import torch
import torch.nn.functional as F


def top_k_filter(logits, k):
    v, _ = torch.topk(logits, k)
    return logits.masked_fill(logits < v[:, [-1]], float("-inf"))


def top_p_filter(logits, p):
    sorted_logits, sorted_idx = torch.sort(logits, descending=True)
    cum = torch.cumsum(F.softmax(sorted_logits, dim=-1), dim=-1)
    remove = cum > p
    remove[..., 1:] = remove[..., :-1].clone()     # keep the first token that crosses p
    remove[..., 0] = False
    mask = remove.scatter(1, sorted_idx, remove)
    return logits.masked_fill(mask, float("-inf"))


torch.manual_seed(0)
B, V = 3, 12
logits = torch.randn(B, V) * 2
out = {}
tk = top_k_filter(logits, 4)
out["top_k_kept"] = torch.isfinite(tk).sum(1).tolist()
tp = top_p_filter(logits, 0.8)
out["top_p_kept"] = torch.isfinite(tp).sum(1).tolist()
out["top_p_mass"] = [round(x, 5) for x in F.softmax(logits, -1).masked_fill(~torch.isfinite(tp), 0).sum(1).tolist()]
probs = F.softmax(tp / 0.7, dim=-1)
out["probs_zero"] = (probs == 0).sum().item()

g = torch.Generator().manual_seed(42)
out["mult_repl"] = torch.multinomial(probs, 8, replacement=True, generator=g).tolist()
out["mult_norepl"] = torch.multinomial(F.softmax(logits, -1), 5, generator=g).tolist()
out["mult_1d"] = torch.multinomial(torch.tensor([0.1, 0.0, 0.6, 0.3]), 3, generator=g).tolist()
out["mult_counts"] = torch.bincount(torch.multinomial(torch.tensor([1.0, 2.0, 7.0]), 500, replacement=True),
                                    minlength=3).tolist()
out["greedy"] = logits.argmax(-1).tolist()

# autoregressive generation from a bigram logit table, batched, with both filters
torch.manual_seed(1)
table = torch.randn(V, V)
idx = torch.zeros(2, 1, dtype=torch.long)
g = torch.Generator().manual_seed(7)
for step in range(10):
    nxt_logits = table[idx[:, -1]] / 0.9
    nxt_logits = top_p_filter(top_k_filter(nxt_logits, 6), 0.9)
    nxt = torch.multinomial(F.softmax(nxt_logits, dim=-1), num_samples=1, generator=g)
    idx = torch.cat((idx, nxt), dim=1)
out["generated"] = idx.tolist()

# invalid inputs torch refuses
errs = []
for bad in (torch.tensor([0.0, 0.0]), torch.tensor([-1.0, 2.0])):
    try:
        torch.multinomial(bad, 1)
        errs.append("ok")
    except RuntimeError:
        errs.append("RuntimeError")
try:
    torch.multinomial(torch.tensor([0.5, 0.5]), 3)
    errs.append("ok")
except RuntimeError:
    errs.append("RuntimeError")
out["errors"] = errs
print("RESULT " + json.dumps(out))
