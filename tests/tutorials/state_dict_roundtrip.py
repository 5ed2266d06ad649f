"""Module containers and state_dict round trips: nn.ModuleDict of heads, nn.ParameterList / ParameterDict,
persistent and non-persistent buffers, named_* iteration order, load_state_dict(strict=False) reporting
missing/unexpected keys, strict=True raising on a shape mismatch, and a state_dict filtered by prefix."""
import json

import torch
import torch.nn as nn


class MultiHead(nn.Module):
    def __init__(self, tasks=("cls", "reg"), extra=0):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "reg": nn.Linear(8, 1)})
        for i in range(extra):
            self.heads[f"aux{i}"] = nn.Linear(8, 2)
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(1) * (i + 1)) for i in range(2)])
        self.bias_table = nn.ParameterDict({"a": nn.Parameter(torch.zeros(3)), "b": nn.Parameter(torch.randn(1))})
        self.register_buffer("running", torch.zeros(8))
        self.register_buffer("cache", torch.arange(4.0), persistent=False)
        self.steps = 0

    def forward(self, x):
        h = self.trunk(x)
        if self.training:
            with torch.no_grad():
                self.running.mul_(0.9).add_(0.1 * h.mean(0))
        return {k: head(h) * self.scales[0] for k, head in self.heads.items()}


torch.manual_seed(14)
m = MultiHead()
x = torch.randn(5, 4)
outs = m(x)
loss = outs["cls"].logsumexp(1).mean() + outs["reg"].pow(2).mean() + m.bias_table["a"].sum() * m.scales[1].sum()
loss.backward()
sd = m.state_dict()
result = {"keys": list(sd.keys()), "params": [n for n, _ in m.named_parameters()],
          "buffers": [n for n, _ in m.named_buffers()], "modules": [n for n, _ in m.named_modules()],
          "children": [n for n, _ in m.named_children()], "grad_scale": m.scales[1].grad.tolist(),
          "n_params": sum(p.numel() for p in m.parameters()), "running": m.running.tolist(),
          "heads": list(m.heads.keys()), "in": ["cls" in m.heads, "zzz" in m.heads], "len": [len(m.heads),
          len(m.scales), len(m.bias_table)]}

bigger = MultiHead(extra=1)
missing, unexpected = bigger.load_state_dict(sd, strict=False)
smaller_sd = {k: v for k, v in sd.items() if not k.startswith("heads.reg")}
smaller_sd["old.unused"] = torch.zeros(1)
res2 = bigger.load_state_dict(smaller_sd, strict=False)
result["strict_false"] = [missing, unexpected, sorted(res2.missing_keys), sorted(res2.unexpected_keys),
                          torch.equal(bigger.running, m.running), torch.equal(bigger.heads["cls"].weight,
                                                                             m.heads["cls"].weight)]
bad = dict(sd)
bad["heads.cls.weight"] = torch.zeros(4, 8)
try:
    MultiHead().load_state_dict(bad)
    result["strict_raise"] = "no error"
except RuntimeError as e:
    result["strict_raise"] = ["size mismatch" in str(e), "heads.cls.weight" in str(e)]
try:
    MultiHead().load_state_dict(smaller_sd)
    result["strict_missing"] = "no error"
except RuntimeError as e:
    result["strict_missing"] = ["Missing key" in str(e), "Unexpected key" in str(e)]
trunk_sd = {k[len("trunk."):]: v for k, v in sd.items() if k.startswith("trunk.")}
fresh_trunk = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
fresh_trunk.load_state_dict(trunk_sd)
result["prefix"] = [sorted(trunk_sd), torch.equal(fresh_trunk(x), m.trunk(x)),
                    sd["running"].data_ptr() == m.running.data_ptr(), sd["scales.0"].requires_grad]
del m.heads["reg"]
m.scales.append(nn.Parameter(torch.full((1,), 7.0)))
result["mutated"] = [list(m.state_dict().keys()), m(x)["cls"].shape[1]]
print("RESULT " + json.dumps(result))
