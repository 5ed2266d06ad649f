"""torch.func in a training script: per-sample gradients with vmap(grad(...)) over functional_call, a per-sample
gradient-norm clip (DP-SGD style) applied by hand, jacrev / hessian of a small function, an ensemble of models
stacked with stack_module_state and run under vmap, and a check against a loop of ordinary backward calls."""
import copy
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, hessian, jacrev, stack_module_state, vmap

torch.manual_seed(13)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
params = {k: v.detach() for k, v in model.named_parameters()}
x = torch.randn(6, 4)
y = torch.randint(0, 3, (6,))


def loss_fn(p, xi, yi):
    out = functional_call(model, p, (xi.unsqueeze(0),))
    return F.cross_entropy(out, yi.unsqueeze(0))


per_sample = vmap(grad(loss_fn), in_dims=(None, 0, 0))(params, x, y)
loop = []
for i in range(6):
    model.zero_grad()
    F.cross_entropy(model(x[i:i + 1]), y[i:i + 1]).backward()
    loop.append(model[0].weight.grad.clone())
match = torch.allclose(per_sample["0.weight"], torch.stack(loop), atol=1e-6)

# DP-SGD step: clip each sample's gradient to norm 1, average, add noise
norms = torch.sqrt(sum(g.flatten(1).pow(2).sum(1) for g in per_sample.values()))
factor = (1.0 / (norms + 1e-6)).clamp(max=1.0)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for name, p in model.named_parameters():
    g = per_sample[name] * factor.view(-1, *([1] * (per_sample[name].dim() - 1)))
    p.grad = g.mean(0) + 0.01 * torch.randn_like(p)
opt.step()


def f(v):
    return (v.sin() * v.pow(2)).sum()


v = torch.randn(3)
jac = jacrev(lambda v: v.sin() * v)(v)
hess = hessian(f)(v)

models = [nn.Linear(4, 2) for _ in range(3)]
ens_params, ens_buffers = stack_module_state(models)
base = copy.deepcopy(models[0])


def fmodel(p, b, xx):
    return functional_call(base, (p, b), (xx,))


ens_out = vmap(fmodel, in_dims=(0, 0, None))(ens_params, ens_buffers, x)
ref = torch.stack([m(x) for m in models])
print("RESULT " + json.dumps({"match": match, "norms": norms.tolist(), "w": model[2].bias.tolist(),
                              "jac": jac.tolist(), "hess": hess.tolist(), "ens_shape": list(ens_out.shape),
                              "ens_ok": torch.allclose(ens_out, ref, atol=1e-6), "ens": ens_out[1, 0].tolist()}))
