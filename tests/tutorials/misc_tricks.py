"""Things typical training scripts sprinkle in: torch.compile (a pass-through here), torch.jit.script on a function,
the CPU GradScaler/autocast loop, weight_norm and spectral_norm parametrizations, parametrize.register_parametrization
with a custom module, nn.MultiheadAttention with key_padding_mask and attn_mask, and nn.utils parameter vectors."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.parametrize as parametrize
from torch.nn.utils import parameters_to_vector, vector_to_parameters
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

torch.manual_seed(8)
result = {}

# compile: same numbers as the eager model
model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 2))
cmodel = torch.compile(model)
x = torch.randn(5, 4)
result["compile"] = [torch.allclose(cmodel(x), model(x)), cmodel(x).sum().item()]


@torch.jit.script
def fused_gelu(x):
    return x * 0.5 * (1.0 + torch.erf(x / 1.41421))


result["jit"] = fused_gelu(torch.linspace(-2, 2, 5)).tolist()

# GradScaler + autocast loop, the AMP recipe (on CPU)
scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
y = torch.randint(0, 2, (5,))
scales, losses = [], []
for step in range(4):
    opt.zero_grad()
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=False):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(opt)
    scaler.update()
    scales.append(scaler.get_scale())
    losses.append(loss.item())
result["amp"] = [scales, losses]

# weight norm / spectral norm
lin = weight_norm(nn.Linear(3, 4))
names = sorted(n for n, _ in lin.named_parameters())
opt = torch.optim.SGD(lin.parameters(), lr=0.1)
for _ in range(3):
    opt.zero_grad()
    lin(x[:, :3]).pow(2).mean().backward()
    opt.step()
result["weight_norm"] = [names, lin.weight.norm(dim=1).tolist(),
                         lin.parametrizations.weight.original0.flatten().tolist()]
sn = spectral_norm(nn.Linear(6, 5))
for _ in range(5):
    sn(torch.randn(2, 6))
sn.eval()
sigma = torch.linalg.matrix_norm(sn.weight, ord=2).item()
result["spectral_norm"] = [sigma, sorted(n for n, _ in sn.named_buffers())]


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Symmetric())
w = layer.weight
result["parametrize"] = [torch.equal(w, w.T), parametrize.is_parametrized(layer),
                         type(layer).__name__.startswith("Parametrized")]
layer(torch.randn(2, 3)).sum().backward()
result["parametrize_grad"] = layer.parametrizations.weight.original.grad.tolist()
with parametrize.cached():
    result["cached"] = torch.equal(layer.weight, layer.weight)
parametrize.remove_parametrizations(layer, "weight", leave_parametrized=True)
result["removed"] = [parametrize.is_parametrized(layer), isinstance(layer.weight, nn.Parameter)]

# multi-head attention with masks
mha = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True, dropout=0.0)
q = torch.randn(3, 4, 8, requires_grad=True)
kv = torch.randn(3, 6, 8)
pad = torch.tensor([[False] * 6, [False] * 4 + [True] * 2, [False] * 2 + [True] * 4])
causal = nn.Transformer.generate_square_subsequent_mask(4)
out, attn = mha(q, kv, kv, key_padding_mask=pad)
out2, attn2 = mha(q, q, q, attn_mask=causal, need_weights=True, average_attn_weights=False)
out3, none = mha(q, q, q, is_causal=True, attn_mask=causal, need_weights=False)
(out.sum() + out2.pow(2).sum() + out3.mean()).backward()
result["mha"] = [out.sum().item(), attn[1, :, 4:].abs().max().item(), list(attn2.shape), attn2[0, 1, 0].tolist(),
                 none is None, torch.allclose(out3, out2, atol=1e-6), q.grad.sum().item(),
                 mha.in_proj_weight.grad.norm().item(), causal.tolist()[1]]

# parameter vectors (used by natural-gradient / evolution strategies code)
vec = parameters_to_vector(model.parameters())
vector_to_parameters(vec * 0.5, model.parameters())
result["vector"] = [vec.numel(), model[0].bias.tolist()]
print("RESULT " + json.dumps(result))
