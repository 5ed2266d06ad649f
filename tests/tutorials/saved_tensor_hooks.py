"""The "hooks for saved tensors" tutorial: torch.autograd.graph.saved_tensors_hooks with pack/unpack functions
that count what autograd saves, offload it (a clone standing in for a copy to CPU) and store it in float16 to trade
precision for memory, torch.autograd.graph.save_on_cpu, and activation checkpointing with
torch.utils.checkpoint.checkpoint(use_reentrant=False) giving the same gradients as the plain forward."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

torch.manual_seed(27)
model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 1))
x, y = torch.randn(16, 8), torch.randn(16, 1)


def grads():
    return [p.grad.clone() for p in model.parameters()]


model.zero_grad()
F.mse_loss(model(x), y).backward()
ref = grads()

saved = []


def pack(t):
    saved.append(tuple(t.shape))
    return t.clone()


def unpack(t):
    return t


model.zero_grad()
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    loss = F.mse_loss(model(x), y)
loss.backward()
same_plain = all(torch.allclose(a, b) for a, b in zip(grads(), ref))


def pack_half(t):
    return t.dtype, t.to(torch.float16)


def unpack_half(packed):
    dtype, t = packed
    return t.to(dtype)


model.zero_grad()
with torch.autograd.graph.saved_tensors_hooks(pack_half, unpack_half):
    F.mse_loss(model(x), y).backward()
half_err = max((a - b).abs().max().item() for a, b in zip(grads(), ref))

model.zero_grad()
with torch.autograd.graph.save_on_cpu():
    F.mse_loss(model(x), y).backward()
same_cpu = all(torch.allclose(a, b) for a, b in zip(grads(), ref))

model.zero_grad()
h = checkpoint(model[:3], x, use_reentrant=False)
F.mse_loss(model[3:](h), y).backward()
same_ckpt = all(torch.allclose(a, b, atol=1e-6) for a, b in zip(grads(), ref))
print("RESULT " + json.dumps({"n_saved": len(saved) > 0, "same_plain": same_plain, "half_small": half_err < 1e-2,
                              "half_nonzero": half_err > 0, "same_cpu": same_cpu, "same_ckpt": same_ckpt,
                              "grad0": ref[0][0].tolist()}))
