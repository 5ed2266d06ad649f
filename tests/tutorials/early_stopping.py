"""Early stopping with patience: keep copy.deepcopy(model) of the best validation epoch, stop when validation
loss stops improving, then evaluate the best copy; also ReduceLROnPlateau driven by the same val loss."""
import copy
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)
Xtr, Xva = torch.randn(48, 4), torch.randn(24, 4)
w_true = torch.tensor([[1.0], [-2.0], [0.5], [0.0]])
ytr = Xtr @ w_true + 0.3 * torch.randn(48, 1)
yva = Xva @ w_true + 0.3 * torch.randn(24, 1)

model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1)
best_loss, best_model, best_epoch, bad, patience = float("inf"), None, -1, 0, 3
history = []
for epoch in range(40):
    model.train()
    perm = torch.randperm(48)
    for i in range(0, 48, 16):
        b = perm[i:i + 16]
        loss = F.mse_loss(model(Xtr[b]), ytr[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        val = F.mse_loss(model(Xva), yva).item()
    plateau.step(val)
    history.append([val, opt.param_groups[0]["lr"]])
    if val < best_loss - 1e-4:
        best_loss, best_epoch, bad = val, epoch, 0
        best_model = copy.deepcopy(model)
    else:
        bad += 1
        if bad >= patience:
            break

best_model.eval()
with torch.no_grad():
    best_val = F.mse_loss(best_model(Xva), yva).item()
    last_val = F.mse_loss(model(Xva), yva).item()
shared = best_model[0].weight.data_ptr() == model[0].weight.data_ptr()
print("RESULT " + json.dumps({"history": history, "best_epoch": best_epoch, "stopped": len(history),
                              "best_val": best_val, "best_loss": best_loss, "last_val": last_val,
                              "shared": shared, "best_training": best_model.training,
                              "best_requires_grad": best_model[0].weight.requires_grad}))
