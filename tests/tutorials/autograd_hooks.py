"""Autograd mechanics: retain_grad, tensor hooks (inspecting and rewriting gradients), module hooks, no_grad /
inference_mode / set_grad_enabled, requires_grad_ and detach, walking grad_fn.next_functions, torch.autograd.grad
with create_graph for a gradient penalty, higher-order derivatives, and backward on a non-scalar with a gradient."""
import json

import torch
import torch.nn as nn

torch.manual_seed(3)
result = {}

x = torch.randn(4, requires_grad=True)
y = x * 2
y.retain_grad()
z = (y ** 2).sum()
seen = []
h = x.register_hook(lambda g: seen.append(g.clone().tolist()))
y.register_hook(lambda g: g * 0.5)      # halves the gradient that flows on into x
z.backward()
h.remove()
result["retain"] = [y.grad.tolist(), x.grad.tolist(), seen, y.is_leaf, x.is_leaf, y.requires_grad]

# grad modes
w = torch.randn(3, requires_grad=True)
with torch.no_grad():
    a = w * 2
with torch.inference_mode():
    b = w * 2
with torch.set_grad_enabled(False):
    c = w * 2
torch.set_grad_enabled(True)
d = w * 2
result["modes"] = [a.requires_grad, b.requires_grad, c.requires_grad, d.requires_grad, torch.is_grad_enabled()]


@torch.no_grad()
def frozen(t):
    return t * 3


result["decorator"] = [frozen(w).requires_grad, torch.is_grad_enabled()]

# requires_grad_ / detach
v = torch.ones(3)
v.requires_grad_()
u = (v * 3).detach()
u2 = v.detach().requires_grad_(True)
result["detach"] = [v.requires_grad, u.requires_grad, u2.requires_grad, u2.is_leaf]

# the graph
q = torch.randn(2, 2, requires_grad=True)
r = (q.exp() * 2).sum()
names, fn = [], r.grad_fn
while fn is not None:
    names.append(type(fn).__name__)
    nxt = [f for f, _ in fn.next_functions if f is not None]
    fn = nxt[0] if nxt else None
result["graph"] = [len(names) >= 3, names[-1] == "AccumulateGrad", r.grad_fn is not None, q.grad_fn is None]

# gradient penalty (WGAN-GP style)
critic = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
real, fake = torch.randn(6, 5), torch.randn(6, 5)
alpha = torch.rand(6, 1)
interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
out = critic(interp)
grads = torch.autograd.grad(outputs=out, inputs=interp, grad_outputs=torch.ones_like(out),
                            create_graph=True, retain_graph=True)[0]
gp = ((grads.norm(2, dim=1) - 1) ** 2).mean()
gp.backward()
result["penalty"] = [gp.item(), critic[0].weight.grad.sum().item(), critic[2].bias.grad is None,
                     critic[2].weight.grad.tolist()]

# higher-order derivatives of x^3 sin(x)
t = torch.tensor([0.5, 1.5], requires_grad=True)
f = (t ** 3 * torch.sin(t)).sum()
g1, = torch.autograd.grad(f, t, create_graph=True)
g2, = torch.autograd.grad(g1.sum(), t, create_graph=True)
g3, = torch.autograd.grad(g2.sum(), t)
result["higher"] = [g1.tolist(), g2.tolist(), g3.tolist()]

# non-scalar backward, accumulation across two backward passes, retain_graph
m = torch.randn(3, requires_grad=True)
n = m * m
n.backward(torch.tensor([1.0, 0.1, 0.01]), retain_graph=True)
n.backward(torch.tensor([1.0, 1.0, 1.0]))
result["accumulate"] = m.grad.tolist()

# module forward / backward hooks
lin = nn.Linear(4, 2)
log = []
fh = lin.register_forward_hook(lambda mod, inp, out: log.append(["fwd", list(inp[0].shape), list(out.shape)]))
ph = lin.register_forward_pre_hook(lambda mod, inp: log.append(["pre", list(inp[0].shape)]))
bh = lin.register_full_backward_hook(lambda mod, gin, gout: log.append(["bwd", gout[0].sum().item()]))
lin(torch.randn(3, 4, requires_grad=True)).pow(2).sum().backward()
fh.remove(), ph.remove(), bh.remove()
lin(torch.randn(3, 4))
result["module_hooks"] = log

# freezing part of a model
net = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
for p in net[0].parameters():
    p.requires_grad = False
net(torch.randn(2, 4)).sum().backward()
result["frozen"] = [net[0].weight.grad is None, net[2].weight.grad.tolist(),
                    sum(p.numel() for p in net.parameters() if p.requires_grad)]
print("RESULT " + json.dumps(result))
