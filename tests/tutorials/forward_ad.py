"""The forward-mode AD tutorial: torch.autograd.forward_ad dual numbers (make_dual / unpack_dual inside
dual_level) for a Jacobian-vector product through an nn.Module, checked against torch.func.jvp and against the
double-backward trick, plus torch.func.jacfwd and a Hessian-vector product from jvp of grad."""
import json

import torch
import torch.autograd.forward_ad as fwAD
import torch.nn as nn
from torch.func import functional_call, grad, jacfwd, jvp

torch.manual_seed(29)
model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
x, v = torch.randn(2, 4), torch.randn(2, 4)

with fwAD.dual_level():
    dual = fwAD.make_dual(x, v)
    out = model(dual)
    primal, tangent = fwAD.unpack_dual(out)
result = {"dual": [primal.tolist(), tangent.tolist(), fwAD.unpack_dual(out).tangent is not None]}

_, jvp_out = jvp(model, (x,), (v,))
xr = x.clone().requires_grad_(True)
y = model(xr)
u = torch.zeros_like(y, requires_grad=True)
g, = torch.autograd.grad(y, xr, u, create_graph=True)
jvp_db, = torch.autograd.grad(g, u, v)
result["agree"] = [torch.allclose(tangent, jvp_out, atol=1e-6), torch.allclose(jvp_out, jvp_db, atol=1e-6)]

params = {k: p.detach() for k, p in model.named_parameters()}
J = jacfwd(lambda x1: model(x1))(x[0])
f = lambda x1: functional_call(model, params, (x1,)).pow(2).sum()
_, hvp = jvp(grad(f), (x[0],), (v[0],))
result["jacfwd"] = [list(J.shape), J.sum().item(), hvp.tolist()]
print("RESULT " + json.dumps(result))
