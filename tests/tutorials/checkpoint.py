"""Checkpointing a training run: torch.save of {'model', 'optimizer', 'scheduler', 'epoch', 'loss', ...} into a
temporary directory, torch.load into fresh objects, and the resumed run continues exactly like the uninterrupted
one. Also saving a bare state_dict, a list of tensors, and load_state_dict(strict=False) on a changed model."""
import json
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F


def make():
    model = nn.Sequential(nn.Linear(5, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Dropout(0.1), nn.Linear(12, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    return model, opt, sched


def epoch(model, opt, sched, data):
    model.train()
    losses = []
    for xb, yb in data:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    sched.step()
    return losses


torch.manual_seed(11)
data = [(torch.randn(8, 5), torch.randint(0, 3, (8,))) for _ in range(3)]

torch.manual_seed(0)
model, opt, sched = make()
straight = [epoch(model, opt, sched, data) for _ in range(4)]

torch.manual_seed(0)
model, opt, sched = make()
resumed = [epoch(model, opt, sched, data) for _ in range(2)]
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "ckpt.pt")
    torch.save({'epoch': 2, 'model_state_dict': model.state_dict(), 'optimizer_state_dict': opt.state_dict(),
                'scheduler': sched.state_dict(), 'loss': resumed[-1][-1], 'config': {'hidden': 12, 'name': "mlp"},
                'rng': torch.get_rng_state()}, path)
    ckpt = torch.load(path, weights_only=False)
    model2, opt2, sched2 = make()
    model2.load_state_dict(ckpt['model_state_dict'])
    opt2.load_state_dict(ckpt['optimizer_state_dict'])
    sched2.load_state_dict(ckpt['scheduler'])
    torch.set_rng_state(ckpt['rng'])
    start = ckpt['epoch']
    resumed += [epoch(model2, opt2, sched2, data) for _ in range(start, 4)]
    meta = [ckpt['epoch'], type(ckpt['epoch']).__name__, ckpt['config'], type(ckpt['loss']).__name__,
            sched2.get_last_lr(), sorted(ckpt['model_state_dict'].keys()),
            ckpt['model_state_dict']['1.num_batches_tracked'].item()]

    # a bare state_dict and a list of tensors
    torch.save(model2.state_dict(), os.path.join(tmp, "w.pt"))
    sd = torch.load(os.path.join(tmp, "w.pt"))
    torch.save([torch.arange(3), torch.ones(2, 2)], os.path.join(tmp, "l.pt"))
    lst = torch.load(os.path.join(tmp, "l.pt"))
    bigger = nn.Sequential(nn.Linear(5, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Dropout(0.1), nn.Linear(12, 3),
                           nn.Linear(3, 2))
    missing = bigger.load_state_dict(sd, strict=False)
    model2.eval()
    x = torch.randn(4, 5)
    bigger.eval()
    same = torch.equal(bigger[:5](x), model2(x))
print("RESULT " + json.dumps({"straight": straight, "resumed": resumed, "meta": meta,
                              "missing": [list(missing.missing_keys), list(missing.unexpected_keys)],
                              "list": [t.tolist() for t in lst], "same": same}))
