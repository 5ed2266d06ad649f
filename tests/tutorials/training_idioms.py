"""Training-loop odds and ends: model surgery and introspection, data splits and samplers, a zoo of lr schedules,
grad modes (inference_mode(mode=False)), and the grad_fn names that print(loss) / print(y) show for common ops."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import lr_scheduler as L
from torch.utils.data import DataLoader, TensorDataset, random_split, BatchSampler, SequentialSampler

out = {}
torch.manual_seed(0)


# ---- module surgery and introspection ----
class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)
        self.register_buffer("running", torch.zeros(d))
        self.register_buffer("scratch", torch.ones(d), persistent=False)

    def forward(self, x):
        return self.norm(self.fc(x)) + self.running


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.blocks = nn.ModuleList([Block(4) for _ in range(2)])
        self.head = nn.Linear(4, 10, bias=False)
        self.head.weight = self.emb.weight  # tied
        self.extra = nn.Sequential(nn.ReLU(), nn.Dropout(0.1))

    def forward(self, idx):
        h = self.emb(idx)
        for b in self.blocks:
            h = b(h)
        return self.head(self.extra(h))


net = Net()
out["modules"] = [n for n, _ in net.named_modules()]
out["params"] = [n for n, _ in net.named_parameters()]
out["params_dup"] = [n for n, _ in net.named_parameters(remove_duplicate=False)]
out["buffers"] = [n for n, _ in net.named_buffers()]
out["state_keys"] = list(net.state_dict().keys())
out["numel"] = sum(p.numel() for p in net.parameters())
net.blocks[0].fc = nn.Linear(4, 4, bias=False)
net.register_module("post", nn.Tanh())
out["children"] = [n for n, _ in net.named_children()]
net.apply(lambda m: nn.init.constant_(m.weight, 0.5) if isinstance(m, nn.Linear) else None)
net.blocks.requires_grad_(False)
out["trainable"] = [n for n, p in net.named_parameters() if p.requires_grad]
net.requires_grad_()
net.half()
out["half"] = [str(net.emb.weight.dtype).split(".")[-1], str(net.blocks[0].scratch.dtype).split(".")[-1]]
net.float()
net(torch.tensor([[1, 2, 3]])).sum().backward()
net.zero_grad(set_to_none=False)
out["zeroed"] = net.emb.weight.grad.abs().sum().item()
sd = {k: v for k, v in net.state_dict().items() if "blocks.1" not in k}
sd["bogus"] = torch.zeros(1)
res = net.load_state_dict(sd, strict=False)
out["load"] = [res.missing_keys, res.unexpected_keys]


class K(nn.Module):
    def forward(self, x, scale=1.0):
        return x * scale


k = K()
h = k.register_forward_pre_hook(lambda m, a, kw: (a, {**kw, "scale": 3.0}), with_kwargs=True)
out["pre_hook"] = k(torch.ones(2), scale=2.0).tolist()
h.remove()

# ---- data ----
ds = TensorDataset(torch.arange(20.0).view(10, 2), torch.arange(10))
parts = random_split(ds, [0.5, 0.3, 0.2], generator=torch.Generator().manual_seed(42))
out["split"] = [p.indices for p in parts]
out["split7"] = [list(p) for p in random_split(range(7), [0.1, 0.9], generator=torch.Generator().manual_seed(0))]
dl = DataLoader(ds, batch_size=3, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(7))
out["shuffled"] = [yb.tolist() for _, yb in dl]
dl = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, False))
out["batch_sampler"] = [yb.tolist() for _, yb in dl]

# ---- lr schedules ----
def lrs(make, n=10, metrics=None):
    torch.manual_seed(0)
    m = nn.Linear(3, 1)
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    s = make(opt)
    got = []
    for i in range(n):
        opt.step()
        s.step(metrics[i]) if metrics else s.step()
        got.append(opt.param_groups[0]["lr"])
    return got


out["onecycle"] = lrs(lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=10))
out["cawr"] = lrs(lambda o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01))
out["cyclic"] = lrs(lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="triangular2"))
out["plateau"] = lrs(lambda o: L.ReduceLROnPlateau(o, factor=0.5, patience=1),
                     metrics=[1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8])
out["sequential"] = lrs(lambda o: L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=3), L.ExponentialLR(o, 0.9)],
                                                 milestones=[3]))

# ---- grad modes ----
w = torch.ones(2, requires_grad=True)
with torch.inference_mode(mode=False):
    out["inference_off"] = [torch.is_inference_mode_enabled(), (w * 1).requires_grad]
with torch.inference_mode(mode=True):
    out["inference_on"] = [torch.is_inference_mode_enabled(), (w * 1).requires_grad]

# ---- what print(y) shows: grad_fn names ----
x = torch.randn(2, 3, 4, 4, requires_grad=True)
t = torch.tensor([0, 1])
logits = x.mean((2, 3))
named = {
    "ce_smooth": F.cross_entropy(logits, t, label_smoothing=0.1),
    "ce_soft": F.cross_entropy(logits, logits.softmax(1).detach()),
    "ce_spatial": F.cross_entropy(x, torch.zeros(2, 4, 4, dtype=torch.long)),
    "upsample": F.interpolate(x, scale_factor=2),
    "bilinear": F.interpolate(x, size=(6, 6), mode="bilinear", align_corners=False),
    "maxpool1d": F.max_pool1d(x[:, :, 0], 2),
    "avgpool3d": F.avg_pool3d(x.unsqueeze(2), (1, 2, 2)),
    "mish": F.mish(x), "glu": F.glu(x, -1), "selu": F.selu(x),
    "addmm": torch.addmm(torch.zeros(3), logits.T, logits), "lerp": torch.lerp(x, x.detach() * 2, 0.3),
    "trace": logits[:, :2].trace(), "pixel_shuffle": F.pixel_shuffle(x.repeat(1, 4, 1, 1)[:, :4], 2),
}
out["grad_fn"] = {k: v.grad_fn.name() for k, v in named.items()}
print("RESULT " + json.dumps(out))
