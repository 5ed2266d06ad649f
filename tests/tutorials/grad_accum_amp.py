"""Gradient accumulation the way mixed-precision recipes write it on a CPU box: torch.autocast(device_type='cpu',
dtype=torch.bfloat16) around the forward, a torch.amp.GradScaler that is disabled on CPU (every call a no-op
pass-through), loss / accum_steps, scaler.unscale_ before clip_grad_norm_, and an update every accum_steps."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(8)
model = nn.Sequential(nn.Linear(12, 24), nn.GELU(), nn.LayerNorm(24), nn.Linear(24, 4))
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
scaler = torch.amp.GradScaler("cpu", enabled=False)
X, Y = torch.randn(48, 12), torch.randint(0, 4, (48,))
accum_steps = 3
log = []
for epoch in range(2):
    for i, (xb, yb) in enumerate(zip(X.split(8), Y.split(8))):
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=False):
            logits = model(xb)
            loss = F.cross_entropy(logits, yb) / accum_steps
        scaler.scale(loss).backward()
        if (i + 1) % accum_steps == 0:
            scaler.unscale_(opt)
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
            scaler.step(opt)
            scaler.update()
            opt.zero_grad(set_to_none=True)
            log.append([loss.item() * accum_steps, norm.item()])
result = {"log": log, "dtype": logits.dtype == torch.float32, "scale_enabled": scaler.is_enabled(),
          "grad_none": all(p.grad is None for p in model.parameters())}

# the same forward under bfloat16 autocast (teenygrad's autocast is a documented no-op, so compare values only)
with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    out = model(X[:4])
    l = F.cross_entropy(out.float(), Y[:4])
with torch.no_grad():
    l32 = F.cross_entropy(model(X[:4]), Y[:4])
result["bf16"] = [l.dtype == torch.float32, abs(l.item() - l32.item()) < 0.05, l.requires_grad]

# one accumulated step equals one big-batch step
torch.manual_seed(1)
a = nn.Linear(5, 2)
b = nn.Linear(5, 2)
b.load_state_dict(a.state_dict())
xs, ys = torch.randn(6, 5), torch.randn(6, 2)
for xc, yc in zip(xs.chunk(3), ys.chunk(3)):
    (F.mse_loss(a(xc), yc) / 3).backward()
F.mse_loss(b(xs), ys).backward()
result["equal_grads"] = [torch.allclose(a.weight.grad, b.weight.grad, atol=1e-6), a.weight.grad.tolist()]
print("RESULT " + json.dumps(result))
