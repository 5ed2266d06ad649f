"""Word2vec skip-gram with negative sampling: two embedding tables, negatives drawn with torch.multinomial from a
unigram^3/4-style noise distribution, logsigmoid loss; then nearest neighbours by cosine similarity."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(8)
V, D, B, K = 100, 16, 64, 5     # vocabulary, embedding width, batch, negatives per pair


class SkipGram(nn.Module):
    def __init__(self):
        super().__init__()
        self.in_embed = nn.Embedding(V, D)
        self.out_embed = nn.Embedding(V, D)
        self.in_embed.weight.data.uniform_(-1, 1)
        self.out_embed.weight.data.uniform_(-1, 1)

    def forward(self, center, context, negatives):
        c = self.in_embed(center)                                     # (b, d)
        o = self.out_embed(context)                                   # (b, d)
        n = self.out_embed(negatives)                                 # (b, k, d)
        pos = torch.bmm(o.unsqueeze(1), c.unsqueeze(2)).squeeze()
        neg = torch.bmm(n.neg(), c.unsqueeze(2)).squeeze()
        return -(F.logsigmoid(pos) + F.logsigmoid(neg).sum(1)).mean()


freq = torch.rand(V) ** 3
noise_dist = freq / freq.sum()
model = SkipGram()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
corpus = torch.randint(0, V, (2000,))
losses = []
for step in range(30):
    i = torch.randint(2, 1998, (B,))
    offset = torch.randint(1, 3, (B,)) * (torch.randint(0, 2, (B,)) * 2 - 1)     # a neighbour 1 or 2 away
    negatives = torch.multinomial(noise_dist, B * K, replacement=True).view(B, K)
    loss = model(corpus[i], corpus[i + offset], negatives)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 5 == 0:
        losses.append(loss.item())

emb = model.in_embed.weight.detach()
sim = F.cosine_similarity(emb[3].unsqueeze(0), emb, dim=1)
norm = emb / emb.norm(dim=1, keepdim=True)
bag = nn.EmbeddingBag(V, D, mode="mean")
print("RESULT", json.dumps({
    "losses": losses, "nearest_to_3": sim.topk(4).indices.tolist(), "similarity": sim.topk(4).values.tolist(),
    "self_similarity": (norm @ norm.T).diagonal().mean().item(),
    "bag": bag(torch.tensor([1, 2, 4, 5, 4, 3]), torch.tensor([0, 3]))[:, :3].tolist(),
}))
