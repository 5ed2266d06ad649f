"""An LR range test (the fastai / pytorch-lr-finder recipe): save model and optimizer state with
copy.deepcopy(state_dict()), sweep the learning rate exponentially with a LambdaLR, track a smoothed loss, stop
on divergence, pick the steepest-descent lr, then restore the saved weights and train for real."""
import copy
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)
X = torch.randn(64, 6)
y = (X[:, :3].sum(1) > 0).long()
model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)

init_model = copy.deepcopy(model.state_dict())
init_opt = copy.deepcopy(opt.state_dict())

start_lr, end_lr, num_iter = 1e-4, 10.0, 30
gamma = (end_lr / start_lr) ** (1 / num_iter)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: gamma ** it)
lrs, losses, avg, best = [], [], 0.0, float("inf")
for it in range(num_iter):
    idx = torch.randint(0, 64, (16,))
    loss = F.cross_entropy(model(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
    lrs.append(opt.param_groups[0]["lr"])
    sched.step()
    avg = 0.98 * avg + 0.02 * loss.item()
    smooth = avg / (1 - 0.98 ** (it + 1))
    losses.append(smooth)
    best = min(best, smooth)
    if smooth > 4 * best or math.isnan(smooth):
        break

t_losses = torch.tensor(losses)
grads = t_losses[1:] - t_losses[:-1]
steepest = int(torch.argmin(grads).item())
suggested = lrs[steepest]

changed = not all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), init_model.values()))
model.load_state_dict(init_model)
opt.load_state_dict(init_opt)
restored = all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), init_model.values()))
for g in opt.param_groups:
    g["lr"] = suggested / 10
final = []
for it in range(10):
    loss = F.cross_entropy(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    final.append(loss.item())
print("RESULT " + json.dumps({"lrs": lrs, "losses": losses, "steps": len(losses), "steepest": steepest,
                              "changed": changed, "restored": restored, "opt_state": len(init_opt["state"]),
                              "final": final}))
