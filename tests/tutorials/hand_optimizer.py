"""A hand-written optimizer: a torch.optim.Optimizer subclass (Adam-with-Nesterov-momentum flavour) whose step
uses only in-place ops on views (mul_, add_(alpha=), addcmul_, addcdiv_, lerp_, sqrt().add_), per-parameter
state, two param groups, a LambdaLR on top, and an exponential moving average of the weights kept by hand
with torch.no_grad() and lerp_ / copy_."""
import copy
import json

import torch
import torch.nn as nn
import torch.nn.functional as F


class NAdamLite(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.0):
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                g = p.grad
                if group["weight_decay"] != 0:
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.lerp_(g, 1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                bc1, bc2 = 1 - beta1 ** state["step"], 1 - beta2 ** state["step"]
                denom = (v / bc2).sqrt().add_(group["eps"])
                nesterov = m.mul(beta1).add_(g, alpha=1 - beta1)
                p.addcdiv_(nesterov, denom, value=-group["lr"] / bc1)
        return loss


torch.manual_seed(23)
model = nn.Sequential(nn.Linear(6, 16), nn.SiLU(), nn.Linear(16, 1))
ema = copy.deepcopy(model).requires_grad_(False)
decay, no_decay = [], []
for name, p in model.named_parameters():
    (no_decay if name.endswith("bias") else decay).append(p)
opt = NAdamLite([{"params": decay, "weight_decay": 0.05}, {"params": no_decay}], lr=2e-2)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 4))
X = torch.randn(40, 6)
Y = (X[:, :2].prod(1, keepdim=True) + 0.1 * X[:, 2:3])
losses, ema_losses = [], []
for step in range(12):
    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(X), Y)
        loss.backward()
        return loss
    loss = opt.step(closure)
    sched.step()
    with torch.no_grad():
        for pe, pm in zip(ema.parameters(), model.parameters()):
            pe.lerp_(pm, 0.2)
        for be, bm in zip(ema.buffers(), model.buffers()):
            be.copy_(bm)
        ema_losses.append(F.mse_loss(ema(X), Y).item())
    losses.append(loss.item())

# views share storage: an in-place update through a view shows in the base
w = model[0].weight
row = w[2]
with torch.no_grad():
    before = w[2, :3].clone()
    row.mul_(0.5)
view_ok = torch.allclose(w[2, :3], before * 0.5)
try:
    NAdamLite(model.parameters(), lr=-1)
    err = "no error"
except ValueError as e:
    err = str(e)
st = opt.state_dict()
print("RESULT " + json.dumps({"losses": losses, "ema": ema_losses, "lr": sched.get_last_lr(), "view": view_ok,
                              "err": err, "state_keys": sorted(st["state"][0].keys()),
                              "groups": [[g["weight_decay"], g["params"]] for g in st["param_groups"]],
                              "steps": st["state"][0]["step"], "ema_grad": ema[0].weight.requires_grad}))
