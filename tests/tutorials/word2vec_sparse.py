"""Word2vec the way many tutorials write it: nn.Embedding(sparse=True) tables trained with torch.optim.SparseAdam,
which updates (and keeps moments for) only the rows seen in each batch."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(8)
V, D, B, K = 50, 8, 16, 3     # vocabulary, embedding width, batch, negatives per pair

in_embed = nn.Embedding(V, D, sparse=True)
out_embed = nn.Embedding(V, D, sparse=True)
opt = torch.optim.SparseAdam(list(in_embed.parameters()) + list(out_embed.parameters()), lr=0.05)
corpus = torch.randint(0, V, (500,))
losses = []
for step in range(10):
    i = torch.randint(1, 499, (B,))
    c, o = in_embed(corpus[i]), out_embed(corpus[i + 1])                  # (b, d)
    n = out_embed(torch.randint(0, V, (B, K)))                           # (b, k, d)
    loss = -(F.logsigmoid((c * o).sum(-1)) + F.logsigmoid(-(n @ c.unsqueeze(-1)).squeeze(-1)).sum(-1)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
print("RESULT", json.dumps({"losses": losses, "weights": in_embed.weight[:3, :3].tolist()}))
