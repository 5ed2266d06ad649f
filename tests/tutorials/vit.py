"""A tiny ViT: Conv2d patch embedding (stride = patch), a cls token nn.Parameter joined with torch.cat, learned
positional embedding, nn.TransformerEncoder(batch_first, norm_first), a GELU MLP head, AdamW with a cosine schedule,
and label-smoothed cross entropy."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)


class ViT(nn.Module):
    def __init__(self, img=8, patch=4, ch=1, d=16, depth=2, heads=2, classes=3):
        super().__init__()
        self.patch_embed = nn.Conv2d(ch, d, kernel_size=patch, stride=patch)
        n = (img // patch) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=32, dropout=0.1, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Sequential(nn.Linear(d, 32), nn.GELU(), nn.Linear(32, classes))
        nn.init.trunc_normal_(self.cls_token, std=0.02)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)     # (b, n, d)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1) + self.pos_embed
        x = self.norm(self.encoder(x))
        return self.head(x[:, 0])


model = ViT()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)
crit = nn.CrossEntropyLoss(label_smoothing=0.1)
xs = torch.randn(12, 1, 8, 8)
ys = torch.randint(0, 3, (12,))
losses, lrs = [], []
for step in range(6):
    model.train()
    idx = torch.randperm(12)[:6]
    loss = crit(model(xs[idx]), ys[idx])
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    losses.append(loss.item())
    lrs.append(sched.get_last_lr()[0])
model.eval()
with torch.inference_mode():
    logits = model(xs)
    probs = F.softmax(logits, dim=-1)
    acc = (logits.argmax(-1) == ys).float().mean().item()
print("RESULT " + json.dumps({"losses": losses, "lrs": lrs, "acc": acc, "pred": logits.argmax(-1).tolist(),
                              "probs": probs[:2].tolist(), "nparams": sum(p.numel() for p in model.parameters()),
                              "shape": list(model.patch_embed(xs).shape)}))
