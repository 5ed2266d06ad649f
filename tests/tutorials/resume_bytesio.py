"""Bit-exact resume from an in-memory checkpoint: torch.save of {model, optimizer (AdamW with state), a
OneCycleLR scheduler, epoch, torch rng state, a seeded torch.Generator's state} into io.BytesIO, torch.load
back with map_location="cpu", and the resumed run (dropout masks and shuffles included) equals the uninterrupted
one exactly; a second round trip through a temporary file with a pathlib.Path."""
import io
import json
import pathlib
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(21)
X = torch.randn(40, 6)
y = torch.randint(0, 4, (40,))
STEPS_PER_EPOCH, EPOCHS = 5, 4


def make():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Dropout(0.3), nn.Linear(16, 4))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.95), weight_decay=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-2, total_steps=STEPS_PER_EPOCH * EPOCHS)
    return model, opt, sched


def run_epoch(model, opt, sched, gen):
    model.train()
    perm = torch.randperm(40, generator=gen)
    losses = []
    for i in range(STEPS_PER_EPOCH):
        b = perm[i * 8:(i + 1) * 8]
        loss = F.cross_entropy(model(X[b]), y[b])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


model, opt, sched = make()
gen = torch.Generator().manual_seed(123)
straight = [run_epoch(model, opt, sched, gen) for _ in range(EPOCHS)]
final_straight = [p.detach().clone() for p in model.parameters()]

model, opt, sched = make()
gen = torch.Generator().manual_seed(123)
resumed = [run_epoch(model, opt, sched, gen) for _ in range(2)]
buf = io.BytesIO()
torch.save({"epoch": 2, "model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
            "rng": torch.get_rng_state(), "gen": gen.get_state()}, buf)
size_ok = buf.tell() > 0
buf.seek(0)
ck = torch.load(buf, map_location="cpu", weights_only=False)
model, opt, sched = make()                              # fresh objects, different rng position
torch.randn(100)
model.load_state_dict(ck["model"])
opt.load_state_dict(ck["optimizer"])
sched.load_state_dict(ck["scheduler"])
torch.set_rng_state(ck["rng"])
gen = torch.Generator()
gen.set_state(ck["gen"])
resumed += [run_epoch(model, opt, sched, gen) for _ in range(ck["epoch"], EPOCHS)]
exact = all(torch.equal(a, b) for a, b in zip(final_straight, model.parameters()))

with tempfile.TemporaryDirectory() as tmp:
    path = pathlib.Path(tmp) / "last.pt"
    torch.save({"model": model.state_dict(), "step": opt.state_dict()["state"][0]["step"]}, path)
    back = torch.load(path, weights_only=True)
    same = all(torch.equal(back["model"][k], v) for k, v in model.state_dict().items())
    step = back["step"]
print("RESULT " + json.dumps({"straight": straight, "resumed": resumed, "exact": exact, "size_ok": size_ok,
                              "lr": sched.get_last_lr(),
                              "opt_keys": sorted(ck["optimizer"]["state"][0].keys()),
                              "same": same, "step": [type(step).__name__, float(step)]}))
