"""makemore part 1 with tensor ops instead of Python loops: a char-level tokenizer (stoi/itos, encode/decode),
bigram counts three ways (torch.bincount of a*V+b, index_put_ with accumulate, scatter_add_ on a flattened
table) and F.one_hot(...).T @ one_hot, Laplace smoothing, the negative log-likelihood of the data, and an
nn.Embedding(padding_idx, max_norm) bigram net trained to the count model's loss."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

text = "the quick brown fox jumps over the lazy dog. a bad cat sat on the mat; the dog ran."
words = text.replace(".", " ").replace(";", " ").split()
chars = sorted(set("".join(words)))
stoi = {ch: i + 1 for i, ch in enumerate(chars)}
stoi["."] = 0
itos = {i: ch for ch, i in stoi.items()}
V = len(stoi)
encode = lambda s: [stoi[c] for c in s]
decode = lambda ids: "".join(itos[i] for i in ids)

ids = torch.tensor([i for w in words for i in [0] + encode(w)] + [0])
a, b = ids[:-1], ids[1:]
N1 = torch.bincount(a * V + b, minlength=V * V).view(V, V)
N2 = torch.zeros(V, V, dtype=torch.long).index_put_((a, b), torch.ones_like(a), accumulate=True)
N3 = torch.zeros(V * V, dtype=torch.long).scatter_add_(0, a * V + b, torch.ones_like(a)).view(V, V)
oh_a, oh_b = F.one_hot(a, V), F.one_hot(b, num_classes=V)
N4 = oh_a.T @ oh_b
weighted = torch.bincount(a, weights=torch.linspace(0, 1, len(a)), minlength=V)
out = {"vocab": decode(list(range(V))), "roundtrip": decode(encode("lazy.dog")) == "lazy.dog",
       "same": [torch.equal(N1, N2), torch.equal(N1, N3), torch.equal(N1, N4)],
       "dtypes": [N1.dtype == torch.int64, oh_a.dtype == torch.int64, N4.dtype == torch.int64],
       "row_sums": N1.sum(1).tolist(), "top": torch.topk(N1.flatten(), 5).values.tolist(),
       "weighted": [round(x, 5) for x in weighted.tolist()]}

P = (N1 + 1).float()
P = P / P.sum(1, keepdim=True)
nll = -torch.log(P[a, b]).mean()
out["nll"] = nll.item()
best = P.argmax(1)
out["most_likely_next"] = decode(best.tolist())

# the same model as a neural net over an embedding table
torch.manual_seed(0)
emb = nn.Embedding(V + 1, V, padding_idx=V, max_norm=3.0)          # extra row: a padding token
opt = torch.optim.Adam(emb.parameters(), lr=0.1)
xb = torch.cat([a, torch.full((4,), V)])
yb = torch.cat([b, torch.zeros(4, dtype=torch.long)])
keep = xb != V
losses = []
for _ in range(25):
    logits = emb(xb)
    loss = F.cross_entropy(logits[keep], yb[keep])
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
out["losses"] = losses[::6]
out["pad_grad_zero"] = emb.weight.grad[V].abs().sum().item() == 0.0
out["pad_row"] = emb.weight[V].abs().sum().item()
out["max_norm"] = round(emb.weight.detach().norm(dim=1).max().item(), 3)
print("RESULT " + json.dumps(out))
