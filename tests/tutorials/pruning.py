"""Pruning a small MLP with torch.nn.utils.prune: l1_unstructured and random_unstructured on single layers,
global_unstructured over several, the weight_orig/weight_mask reparametrisation, fine-tuning with the mask held,
then prune.remove to make it permanent."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune

torch.manual_seed(3)
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))

prune.l1_unstructured(model[0], name="weight", amount=0.3)
prune.l1_unstructured(model[0], name="bias", amount=3)
names = sorted(n for n, _ in model[0].named_parameters()), sorted(n for n, _ in model[0].named_buffers())
zeros0 = int((model[0].weight == 0).sum())
parameters_to_prune = [(model[0], "weight"), (model[2], "weight"), (model[4], "weight")]
prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.5)
sparsity = [float((m.weight == 0).sum()) / m.weight.nelement() for m, _ in parameters_to_prune]
total = sum(int((m.weight == 0).sum()) for m, _ in parameters_to_prune)

opt = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for step in range(5):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
still = [int((m.weight == 0).sum()) for m, _ in parameters_to_prune]
for m, name in parameters_to_prune:
    prune.remove(m, name)
after = sorted(k for k in model.state_dict().keys())
print("RESULT " + json.dumps({"names": names, "zeros0": zeros0, "sparsity": sparsity, "total": total,
                              "losses": losses, "still": still, "keys": after,
                              "is_pruned": prune.is_pruned(model), "out": model(x[:2]).tolist()}))
