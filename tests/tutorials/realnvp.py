"""A RealNVP normalising flow on 2-d data: alternating binary-mask affine couplings with tanh-scaled log-scales,
the log-determinant summed over dimensions, the base density from distributions.MultivariateNormal and Normal,
sampling by inverting the couplings, and a checkerboard mask built with torch.arange % 2."""
import json

import torch
import torch.nn as nn
from torch.distributions import MultivariateNormal, Normal

torch.manual_seed(7)


class Coupling(nn.Module):
    def __init__(self, mask, hidden=16):
        super().__init__()
        self.register_buffer("mask", mask)
        self.s = nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 2), nn.Tanh())
        self.t = nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 2))
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        xm = x * self.mask
        s = self.s(xm) * self.scale * (1 - self.mask)
        t = self.t(xm) * (1 - self.mask)
        y = xm + (1 - self.mask) * (x * torch.exp(s) + t)
        return y, s.sum(dim=1)

    def inverse(self, y):
        ym = y * self.mask
        s = self.s(ym) * self.scale * (1 - self.mask)
        t = self.t(ym) * (1 - self.mask)
        return ym + (1 - self.mask) * ((y - t) * torch.exp(-s))


class RealNVP(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        masks = [(torch.arange(2) + i) % 2 for i in range(n)]
        self.layers = nn.ModuleList(Coupling(m.float()) for m in masks)
        self.prior = MultivariateNormal(torch.zeros(2), torch.eye(2))

    def forward(self, x):
        logdet = torch.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        return x, logdet

    def log_prob(self, x):
        z, logdet = self(x)
        return self.prior.log_prob(z) + logdet

    def sample(self, n):
        z = self.prior.sample((n,))
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


def two_moons(n):
    th = torch.rand(n) * torch.pi
    upper = torch.rand(n) < 0.5
    x = torch.where(upper, torch.cos(th), 1 - torch.cos(th))
    y = torch.where(upper, torch.sin(th), 0.5 - torch.sin(th))
    return torch.stack([x, y], 1) + 0.05 * torch.randn(n, 2)


flow = RealNVP()
opt = torch.optim.Adam(flow.parameters(), lr=5e-3)
data = two_moons(64)
losses = []
for step in range(8):
    loss = -flow.log_prob(data).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
with torch.no_grad():
    z, _ = flow(data[:4])
    back = data[:4]
    for layer in reversed(flow.layers):
        z = layer.inverse(z)
    samples = flow.sample(3)
    normal_lp = Normal(torch.zeros(2), torch.ones(2)).log_prob(data[:3]).sum(-1)
    mvn_lp = flow.prior.log_prob(data[:3])
print("RESULT " + json.dumps({"losses": losses, "inv_ok": torch.allclose(z, back, atol=1e-5),
                              "samples": samples.tolist(), "lp": [normal_lp.tolist(), mvn_lp.tolist()],
                              "buffers": sorted(n for n, _ in flow.named_buffers())[:2]}))
