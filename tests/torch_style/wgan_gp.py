"""WGAN-GP (Gulrajani et al. 2017) on the 8-gaussians toy: a critic trained with the gradient penalty
((|d D(x_hat) / d x_hat| - 1)^2 on random interpolates, its gradient taken with create_graph=True), five critic
steps per generator step, Adam(1e-4, (0.5, 0.9)), as the paper's toy experiments.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes every
weight, sample and interpolation coefficient, so both frameworks print the same numbers."""
import importlib
import os

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
rng = np.random.default_rng(0)


def init(module):
    for m in module.modules():
        if isinstance(m, nn.Linear):
            with torch.no_grad():
                m.weight.copy_(torch.tensor(rng.standard_normal(tuple(m.weight.shape)).astype(np.float32)
                                            / np.sqrt(m.weight.shape[1])))
                m.bias.zero_()
    return module


G = init(nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2)))
D = init(nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1)))
opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.9))
centers = 2.0 * np.array([(np.cos(a), np.sin(a)) for a in np.arange(8) * np.pi / 4], np.float32)


def real_batch(n=64):
    return torch.tensor(centers[rng.integers(0, 8, n)] + 0.02 * rng.standard_normal((n, 2)).astype(np.float32))


def noise(n=64):
    return torch.tensor(rng.standard_normal((n, 2)).astype(np.float32))


def gradient_penalty(real, fake):
    alpha = torch.tensor(rng.random((real.shape[0], 1)).astype(np.float32)).expand_as(real)
    x_hat = alpha * real + (1 - alpha) * fake
    x_hat.requires_grad_(True)
    (grad,) = torch.autograd.grad(outputs=D(x_hat), inputs=x_hat, grad_outputs=torch.ones(real.shape[0], 1),
                                  create_graph=True, retain_graph=True, only_inputs=True)
    return ((grad.norm(2, dim=1) - 1) ** 2).mean()


for it in range(16):
    for _ in range(5):
        real = real_batch()
        fake = G(noise()).detach()
        gp = gradient_penalty(real, fake)
        d_loss = D(fake).mean() - D(real).mean() + 10.0 * gp
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
    g_loss = -D(G(noise())).mean()
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    print(f"loss {d_loss.item():.5f} gp {gp.item():.5f} generator {g_loss.item():.5f} iter {it}")

w = D[0].weight
print("critic first-layer grad norm", f"{w.grad.norm().item():.5f}", "requires_grad", w.grad.requires_grad)
