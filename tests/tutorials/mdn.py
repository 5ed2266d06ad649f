"""A tiny Mixture Density Network (Bishop) on the inverted-sine problem: the net outputs mixture logits, means
and log-scales; the negative log-likelihood is written with logsumexp by hand and checked against
torch.distributions MixtureSameFamily(Categorical, Normal); samples come from the fitted mixture."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, MixtureSameFamily, Normal

torch.manual_seed(4)
n = 200
y = torch.rand(n, 1) * 2 - 1
x = torch.sin(3 * y) + 0.1 * torch.randn(n, 1)          # x -> y is multi-valued


class MDN(nn.Module):
    def __init__(self, hidden=24, k=3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh())
        self.pi = nn.Linear(hidden, k)
        self.mu = nn.Linear(hidden, k)
        self.log_sigma = nn.Linear(hidden, k)

    def forward(self, x):
        h = self.body(x)
        return self.pi(h), self.mu(h), self.log_sigma(h).clamp(-5, 3)


def mdn_nll(logits, mu, log_sigma, y):
    log_pi = F.log_softmax(logits, dim=-1)
    log_n = -0.5 * ((y - mu) / log_sigma.exp()) ** 2 - log_sigma - 0.5 * math.log(2 * math.pi)
    return -torch.logsumexp(log_pi + log_n, dim=-1).mean()


model = MDN()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for step in range(40):
    logits, mu, ls = model(x)
    loss = mdn_nll(logits, mu, ls, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())

with torch.no_grad():
    logits, mu, ls = model(x)
    mix = MixtureSameFamily(Categorical(logits=logits), Normal(mu, ls.exp()))
    dist_nll = -mix.log_prob(y.squeeze(1)).mean().item()
    hand_nll = mdn_nll(logits, mu, ls, y).item()
    xt = torch.linspace(-1, 1, 5)[:, None]
    lt, mt, st = model(xt)
    pi = F.softmax(lt, -1)
    mode = mt.gather(1, pi.argmax(1, keepdim=True)).squeeze(1)
    mean = (pi * mt).sum(1)
print("RESULT " + json.dumps({"losses": losses[::5], "final": losses[-1], "dist_nll": dist_nll,
                              "hand_nll": hand_nll, "mode": mode.tolist(), "mean": mean.tolist(),
                              "mix_mean": MixtureSameFamily(Categorical(logits=lt), Normal(mt, st.exp())).mean.tolist(),
                              "batch": list(mix.batch_shape), "event": list(mix.event_shape)}))
