"""A small metric-learning loop: an embedding net trained with triplet margin loss on batch-hard triplets,
cosine-embedding loss on pairs, a focal loss written by hand on a classifier head, label-smoothed cross-entropy,
margin ranking and TripletMarginWithDistanceLoss with a cosine distance."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(17)
n_cls, per = 4, 6
centers = torch.randn(n_cls, 8) * 2
labels = torch.arange(n_cls).repeat_interleave(per)
X = centers[labels] + 0.5 * torch.randn(n_cls * per, 8)

embed = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 5))
head = nn.Linear(5, n_cls)
opt = torch.optim.Adam(list(embed.parameters()) + list(head.parameters()), lr=5e-3)
triplet = nn.TripletMarginLoss(margin=1.0, p=2)
cos_loss = nn.CosineEmbeddingLoss(margin=0.2)
rank = nn.MarginRankingLoss(margin=0.1)
tdist = nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: 1 - F.cosine_similarity(a, b), margin=0.5)


def focal_loss(logits, target, gamma=2.0, alpha=0.25):
    logp = F.log_softmax(logits, dim=-1).gather(1, target[:, None]).squeeze(1)
    p = logp.exp()
    return (-alpha * (1 - p) ** gamma * logp).mean()


log = []
for step in range(8):
    emb = F.normalize(embed(X), dim=1)
    dist = torch.cdist(emb, emb)
    same = labels[:, None] == labels[None, :]
    hardest_pos = (dist * same.float()).argmax(1)
    hardest_neg = dist.masked_fill(same, float("inf")).argmin(1)
    l_tri = triplet(emb, emb[hardest_pos], emb[hardest_neg])
    perm = torch.randperm(len(X))
    pair_target = torch.where(labels == labels[perm], 1, -1)
    l_cos = cos_loss(emb, emb[perm], pair_target)
    logits = head(emb)
    l_focal = focal_loss(logits, labels)
    l_ls = F.cross_entropy(logits, labels, label_smoothing=0.1)
    s1, s2 = logits.max(1).values, logits.min(1).values
    l_rank = rank(s1, s2, torch.ones_like(s1))
    l_td = tdist(emb, emb[hardest_pos], emb[hardest_neg])
    loss = l_tri + l_cos + l_focal + l_ls + 0.1 * l_rank + l_td
    opt.zero_grad()
    loss.backward()
    opt.step()
    log.append([round(v.item(), 6) for v in (loss, l_tri, l_cos, l_focal, l_ls, l_rank, l_td)])
with torch.no_grad():
    emb = F.normalize(embed(X), dim=1)
    sim = emb @ emb.T
    nn_idx = sim.fill_diagonal_(-2).argmax(1)
    recall = (labels[nn_idx] == labels).float().mean().item()
print("RESULT " + json.dumps({"log": log, "recall": recall, "nn": nn_idx.tolist()}))
