"""A tiny VQ-VAE: a codebook nn.Embedding, nearest codes by torch.cdist and by expanded squared distances, argmin,
the straight-through estimator z + (zq - z).detach(), commitment loss, F.one_hot code usage and the perplexity
exp(-sum p log p), plus an EMA codebook update with index_add_."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)


class VectorQuantizer(nn.Module):
    def __init__(self, num_codes=8, dim=4, beta=0.25):
        super().__init__()
        self.codebook = nn.Embedding(num_codes, dim)
        self.codebook.weight.data.uniform_(-1.0 / num_codes, 1.0 / num_codes)
        self.beta = beta

    def forward(self, z):                         # z: (b, c, h, w)
        z = z.permute(0, 2, 3, 1).contiguous()
        flat = z.view(-1, z.shape[-1])
        d = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.weight.t()
             + self.codebook.weight.pow(2).sum(1))
        idx = torch.argmin(d, dim=1)
        idx2 = torch.cdist(flat, self.codebook.weight).argmin(dim=1)
        zq = self.codebook(idx).view(z.shape)
        loss = F.mse_loss(zq, z.detach()) + self.beta * F.mse_loss(zq.detach(), z)
        zq = z + (zq - z).detach()
        onehot = F.one_hot(idx, self.codebook.num_embeddings).float()
        p = onehot.mean(0)
        perplexity = torch.exp(-torch.sum(p * torch.log(p + 1e-10)))
        return zq.permute(0, 3, 1, 2).contiguous(), loss, perplexity, idx, bool((idx == idx2).all())


class VQVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 8, 4, 2, 1), nn.ReLU(), nn.Conv2d(8, 4, 3, 1, 1))
        self.vq = VectorQuantizer()
        self.dec = nn.Sequential(nn.Conv2d(4, 8, 3, 1, 1), nn.ReLU(), nn.ConvTranspose2d(8, 1, 4, 2, 1))

    def forward(self, x):
        zq, vq_loss, ppl, idx, same = self.vq(self.enc(x))
        return self.dec(zq), vq_loss, ppl, idx, same


model = VQVAE()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
data = torch.rand(8, 1, 8, 8)
losses, ppls, sames = [], [], []
for step in range(5):
    recon, vq_loss, ppl, idx, same = model(data)
    loss = F.mse_loss(recon, data) + vq_loss
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
    ppls.append(ppl.item())
    sames.append(same)

with torch.no_grad():   # EMA codebook statistics, as in the EMA variant of VQ-VAE
    z = model.enc(data).permute(0, 2, 3, 1).reshape(-1, 4)
    _, _, _, idx, _ = model.vq(model.enc(data))
    counts = torch.bincount(idx, minlength=8).float()
    sums = torch.zeros(8, 4).index_add_(0, idx, z)
    means = sums / counts.clamp(min=1).unsqueeze(1)
grad_enc = model.enc[0].weight.grad.abs().sum().item()
print("RESULT " + json.dumps({"losses": losses, "ppl": ppls, "same": sames, "idx": idx[:16].tolist(),
                              "counts": counts.tolist(), "means": means[:2].tolist(), "grad_enc": grad_enc}))
