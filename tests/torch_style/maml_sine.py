"""MAML (Finn et al. 2017) on sine-wave regression, as the paper's first experiment (shrunk): a 1-40-40-1 ReLU
network run functionally on explicit weights (torch.func.functional_call), one inner SGD step whose gradient is
taken with create_graph=True, the outer Adam step backpropagating through it (second order). Then a
Hessian-vector product of the adapted loss with torch.autograd.functional.hvp.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
every weight and task, so both frameworks print the same numbers."""
import importlib
import os

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional
rng = np.random.default_rng(1)

net = nn.Sequential(nn.Linear(1, 40), nn.ReLU(), nn.Linear(40, 40), nn.ReLU(), nn.Linear(40, 1))
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.tensor((0.3 * rng.standard_normal(tuple(p.shape))).astype(np.float32)))
names = [n for n, _ in net.named_parameters()]
meta_opt = torch.optim.Adam(net.parameters(), lr=1e-3)


def task(k=10):
    amp, phase = rng.uniform(0.1, 5.0), rng.uniform(0, np.pi)
    x = rng.uniform(-5, 5, (2 * k, 1)).astype(np.float32)
    y = (amp * np.sin(x - phase)).astype(np.float32)
    return torch.tensor(x[:k]), torch.tensor(y[:k]), torch.tensor(x[k:]), torch.tensor(y[k:])


def adapted(params, xs, ys, inner_lr=0.01):
    loss = F.mse_loss(torch.func.functional_call(net, params, (xs,)), ys)
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
    return {n: p - inner_lr * g for (n, p), g in zip(params.items(), grads)}


for step in range(15):
    meta_opt.zero_grad()
    total = 0.0
    for _ in range(4):
        xs, ys, xq, yq = task()
        fast = adapted(dict(net.named_parameters()), xs, ys)
        loss = F.mse_loss(torch.func.functional_call(net, fast, (xq,)), yq)
        (loss / 4).backward()
        total += loss.item() / 4
    meta_opt.step()
    print(f"loss {total:.5f} last-layer grad {net[4].weight.grad.norm().item():.5f} meta-step {step}")

xs, ys, xq, yq = task()
w0 = net[4].weight.detach().clone()


def query_loss(w):
    params = dict(net.named_parameters())
    params["4.weight"] = w
    return F.mse_loss(torch.func.functional_call(net, adapted(params, xs, ys), (xq,)), yq)


value, hv = torch.autograd.functional.hvp(query_loss, w0, torch.ones_like(w0))
print("adapted query loss", f"{value.item():.5f}", "hvp norm", f"{hv.norm().item():.5f}", "shape", tuple(hv.shape))
