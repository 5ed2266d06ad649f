"""Optimizers and learning-rate schedulers: the same small regression trained with each, plus per-group learning
rates, ReduceLROnPlateau, warmup chains, LBFGS with a closure, and an optimizer state_dict round trip."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import lr_scheduler


def train(make_optimizer, make_scheduler=None, steps=8, plateau=False):
    torch.manual_seed(15)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 1))
    x, y = torch.randn(32, 6), torch.randn(32, 1)
    opt = make_optimizer(model)
    sched = make_scheduler(opt) if make_scheduler else None
    lrs = []
    for i in range(steps):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step(loss.item()) if plateau else sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return {"loss": loss.item(), "lrs": lrs[-4:]}


P = lambda m: m.parameters()
SGD = lambda m: torch.optim.SGD(P(m), lr=0.1)
results = {
    "SGD momentum": train(lambda m: torch.optim.SGD(P(m), lr=0.1, momentum=0.9, dampening=0.1, weight_decay=1e-3)),
    "Adam amsgrad": train(lambda m: torch.optim.Adam(P(m), lr=1e-2, amsgrad=True, weight_decay=1e-2)),
    "AdamW": train(lambda m: torch.optim.AdamW(P(m), lr=1e-2)),
    "Adagrad": train(lambda m: torch.optim.Adagrad(P(m), lr=0.1)),
    "RMSprop centered": train(lambda m: torch.optim.RMSprop(P(m), lr=1e-2, momentum=0.5, centered=True)),
    "Adadelta": train(lambda m: torch.optim.Adadelta(P(m))),
    "NAdam": train(lambda m: torch.optim.NAdam(P(m), lr=1e-2)),
    "RAdam": train(lambda m: torch.optim.RAdam(P(m), lr=1e-2)),
    "Adamax": train(lambda m: torch.optim.Adamax(P(m), lr=1e-2)),
    "Rprop": train(lambda m: torch.optim.Rprop(P(m))),
    "MultiStepLR": train(SGD, lambda o: lr_scheduler.MultiStepLR(o, milestones=[3, 6], gamma=0.1)),
    "ExponentialLR": train(SGD, lambda o: lr_scheduler.ExponentialLR(o, 0.9)),
    "CosineAnnealingWarmRestarts": train(SGD, lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)),
    "warmup then cosine": train(lambda m: torch.optim.AdamW(P(m), lr=1e-2), lambda o: lr_scheduler.SequentialLR(
        o, [lr_scheduler.LinearLR(o, 0.01, 1.0, 3), lr_scheduler.CosineAnnealingLR(o, 5)], milestones=[3])),
    "OneCycleLR": train(lambda m: torch.optim.SGD(P(m), lr=0.1, momentum=0.9),
                        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, epochs=2, steps_per_epoch=4)),
    "CyclicLR": train(lambda m: torch.optim.SGD(P(m), lr=0.1, momentum=0.9),
                      lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=3)),
    "PolynomialLR": train(SGD, lambda o: lr_scheduler.PolynomialLR(o, total_iters=6, power=2.0)),
    "ReduceLROnPlateau": train(lambda m: torch.optim.SGD(P(m), lr=0.5),
                               lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=1),
                               plateau=True),
    "ChainedScheduler": train(SGD, lambda o: lr_scheduler.ChainedScheduler(
        [lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3), lr_scheduler.ExponentialLR(o, gamma=0.9)])),
    "param groups": train(lambda m: torch.optim.SGD([{"params": m[0].parameters()},
                                                     {"params": m[2].parameters(), "lr": 0.01}], lr=0.1, momentum=0.9),
                          lambda o: lr_scheduler.StepLR(o, 3)),
}

# LBFGS needs a closure that recomputes the loss
torch.manual_seed(15)
model = nn.Linear(3, 1)
x = torch.randn(20, 3)
y = x.sum(1, keepdim=True)
opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=10, line_search_fn="strong_wolfe")


def closure():
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return loss


results["LBFGS"] = [opt.step(closure).item() for _ in range(2)]

# resume: an optimizer rebuilt from its state_dict continues exactly like the original
torch.manual_seed(15)
model = nn.Linear(3, 1)
opt = torch.optim.Adam(model.parameters(), lr=0.1)
for _ in range(2):
    opt.zero_grad()
    model(torch.ones(2, 3)).pow(2).sum().backward()
    opt.step()
resumed = torch.optim.Adam(model.parameters(), lr=0.5)
resumed.load_state_dict(opt.state_dict())
opt.zero_grad()
model(torch.ones(2, 3)).pow(2).sum().backward()
resumed.step()
results["resumed"] = {"lr": resumed.param_groups[0]["lr"], "step": float(resumed.state_dict()["state"][0]["step"]),
                      "weight": model.weight.flatten().tolist()}
print("RESULT", json.dumps(results))
