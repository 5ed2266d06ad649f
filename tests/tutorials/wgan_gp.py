"""WGAN-GP and related GAN idioms: the gradient penalty from torch.autograd.grad(create_graph=True, grad_outputs=
ones_like), spectral_norm on the critic, a straight-through F.gumbel_softmax(hard=True) generator for discrete
outputs, requires_grad_(False) freezing, Adam betas (0.5, 0.9), and n_critic steps per generator step."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

torch.manual_seed(29)
critic = nn.Sequential(spectral_norm(nn.Linear(6, 16)), nn.LeakyReLU(0.2), nn.Linear(16, 1))
gen = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 6))
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
opt_g = torch.optim.Adam(gen.parameters(), lr=1e-3, betas=(0.5, 0.9))
real = torch.randn(32, 6) * 0.5 + 1.0


def gradient_penalty(c, real, fake):
    eps = torch.rand(real.size(0), 1).expand_as(real)
    xhat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    out = c(xhat)
    g, = torch.autograd.grad(outputs=out, inputs=xhat, grad_outputs=torch.ones_like(out), create_graph=True,
                             retain_graph=True)
    return ((g.view(g.size(0), -1).norm(2, dim=1) - 1) ** 2).mean()


c_losses, g_losses, gps = [], [], []
for it in range(3):
    for _ in range(2):
        z = torch.randn(8, 3)
        fake = gen(z).detach()
        batch = real[torch.randint(0, 32, (8,))]
        gp = gradient_penalty(critic, batch, fake)
        loss_c = critic(fake).mean() - critic(batch).mean() + 10 * gp
        opt_c.zero_grad()
        loss_c.backward()
        opt_c.step()
        c_losses.append(loss_c.item())
        gps.append(gp.item())
    for p in critic.parameters():
        p.requires_grad_(False)
    loss_g = -critic(gen(torch.randn(8, 3))).mean()
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    for p in critic.parameters():
        p.requires_grad_(True)
    g_losses.append(loss_g.item())

# discrete generator with straight-through gumbel-softmax
logits = torch.randn(4, 5, requires_grad=True)
y_hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
target = torch.arange(5, dtype=torch.float32)
(y_hard * target).sum().backward()
print("RESULT " + json.dumps({"c": c_losses, "g": g_losses, "gp": gps, "hard": y_hard.argmax(-1).tolist(),
                              "onehot": y_hard.sum(-1).tolist(), "glogit": logits.grad[0].tolist(),
                              "sn": critic[0].weight_orig.shape[0]}))
