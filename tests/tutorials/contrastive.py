"""Self-supervised and metric-learning losses as papers' reference code writes them: SimCLR's NT-Xent (normalize,
similarity matrix, masked diagonal, cross-entropy against shifted labels), CLIP's symmetric loss with a learnable
logit_scale, triplet margin loss with hard negatives from cdist, and cosine embedding loss; plus activation
checkpointing of the encoder with torch.utils.checkpoint."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

torch.manual_seed(21)
encoder = nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 16))
projector = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 8))


def info_nce_loss(features, batch_size, n_views=2, temperature=0.5):
    labels = torch.cat([torch.arange(batch_size) for i in range(n_views)], dim=0)
    labels = (labels.unsqueeze(0) == labels.unsqueeze(1)).float()
    features = F.normalize(features, dim=1)
    similarity_matrix = torch.matmul(features, features.T)
    mask = torch.eye(labels.shape[0], dtype=torch.bool)
    labels = labels[~mask].view(labels.shape[0], -1)
    similarity_matrix = similarity_matrix[~mask].view(similarity_matrix.shape[0], -1)
    positives = similarity_matrix[labels.bool()].view(labels.shape[0], -1)
    negatives = similarity_matrix[~labels.bool()].view(similarity_matrix.shape[0], -1)
    logits = torch.cat([positives, negatives], dim=1)
    labels = torch.zeros(logits.shape[0], dtype=torch.long)
    return logits / temperature, labels


def nt_xent(z1, z2, tau=0.5):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / tau
    sim.fill_diagonal_(float("-inf"))
    n = z1.shape[0]
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


opt = torch.optim.Adam(list(encoder.parameters()) + list(projector.parameters()), lr=3e-3, weight_decay=1e-4)
x = torch.randn(8, 10)
simclr = []
for step in range(4):
    v1 = x + 0.1 * torch.randn_like(x)
    v2 = x * (torch.rand_like(x) > 0.2).float()
    feats = projector(checkpoint(encoder, torch.cat([v1, v2]), use_reentrant=False))
    logits, labels = info_nce_loss(feats, 8)
    loss = F.cross_entropy(logits, labels)
    loss2 = nt_xent(projector(encoder(v1)), projector(encoder(v2)))
    opt.zero_grad()
    (loss + loss2).backward()
    opt.step()
    simclr.append([loss.item(), loss2.item(), list(logits.shape)])

# CLIP
img_proj, txt_proj = nn.Linear(12, 8, bias=False), nn.Linear(6, 8, bias=False)
logit_scale = nn.Parameter(torch.ones([]) * torch.log(torch.tensor(1 / 0.07)))
images, texts = torch.randn(5, 12), torch.randn(5, 6)
image_features = img_proj(images)
text_features = txt_proj(texts)
image_features = image_features / image_features.norm(dim=1, keepdim=True)
text_features = text_features / text_features.norm(dim=1, keepdim=True)
scale = logit_scale.exp()
logits_per_image = scale * image_features @ text_features.t()
logits_per_text = logits_per_image.t()
ground_truth = torch.arange(len(images), dtype=torch.long)
clip_loss = (F.cross_entropy(logits_per_image, ground_truth) + F.cross_entropy(logits_per_text, ground_truth)) / 2
clip_loss.backward()
with torch.no_grad():
    logit_scale.clamp_(0, 4.6052)
clip = [clip_loss.item(), logit_scale.grad.item(), img_proj.weight.grad.abs().sum().item(),
        logits_per_image.softmax(dim=-1).argmax(-1).tolist()]

# triplet loss with batch-hard mining
emb = F.normalize(torch.randn(12, 4, requires_grad=True), dim=1)
ids = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
dist = torch.cdist(emb, emb)
same = ids.unsqueeze(0) == ids.unsqueeze(1)
hardest_pos = (dist * same.float()).max(1).values
hardest_neg = dist.masked_fill(same, float("inf")).min(1).values
batch_hard = F.relu(hardest_pos - hardest_neg + 0.3).mean()
anchor, pos, neg = emb[0::3], emb[1::3], emb[2::3].roll(1, 0)
trip = nn.TripletMarginLoss(margin=0.5, p=2)(anchor, pos, neg)
cos = nn.CosineEmbeddingLoss(margin=0.1)(anchor, neg, torch.tensor([1, -1, 1, -1]))
print("RESULT " + json.dumps({"simclr": simclr, "clip": clip, "batch_hard": batch_hard.item(), "triplet": trip.item(),
                              "cosine": cos.item(), "dist": dist[0].tolist()}))
