"""Evaluation-script tensor ops: torch.quantile (interpolations), kthvalue, median (with indices), mode, histc,
nanmean/nansum, torch.unique_consecutive, running metrics (precision/recall/F1 via bincount confusion matrix,
top-5 accuracy via topk + eq + any), AUROC by sorting, torch.corrcoef / torch.cov, and torch.trapezoid."""
import json

import torch

torch.manual_seed(31)
scores = torch.randn(20)
labels = (torch.rand(20) < 0.5).long()
x = torch.randn(4, 9)
res = {}
res["quantile"] = [torch.quantile(x, q, dim=1).tolist() for q in (0.1, 0.5)]
res["quantile_interp"] = [torch.quantile(x[0], 0.3, interpolation=m).item()
                          for m in ("linear", "lower", "higher", "midpoint", "nearest")]
v, i = torch.kthvalue(x, 3, dim=1)
res["kth"] = [v.tolist(), i.tolist()]
mv, mi = x.median(dim=1)
res["median"] = [mv.tolist(), mi.tolist(), x.median().item()]
ints = torch.randint(0, 4, (3, 8))
res["mode"] = [t.tolist() for t in torch.mode(ints, dim=1)]
res["histc"] = torch.histc(scores, bins=5, min=-2, max=2).tolist()
y = x.clone()
y[0, 2] = float("nan")
res["nan"] = [y.nanmean(dim=1).tolist(), y.nansum().item()]
res["uc"] = [t.tolist() for t in torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 3, 1, 1]), return_counts=True,
                                                          return_inverse=True)]
pred = torch.randint(0, 3, (30,))
true = torch.randint(0, 3, (30,))
cm = torch.bincount(true * 3 + pred, minlength=9).reshape(3, 3)
tp = cm.diag().float()
prec = tp / cm.sum(0).clamp(min=1)
rec = tp / cm.sum(1).clamp(min=1)
f1 = 2 * prec * rec / (prec + rec).clamp(min=1e-8)
res["cm"] = [cm.tolist(), f1.tolist()]
logits = torch.randn(10, 8)
t = torch.randint(0, 8, (10,))
top5 = logits.topk(5, dim=1).indices
res["top5"] = top5.eq(t.view(-1, 1)).any(dim=1).float().mean().item()
order = torch.argsort(scores, descending=True)
l = labels[order]
tpr = torch.cumsum(l, 0) / l.sum()
fpr = torch.cumsum(1 - l, 0) / (1 - l).sum()
res["auc"] = torch.trapezoid(torch.cat([torch.zeros(1), tpr]), torch.cat([torch.zeros(1), fpr])).item()
res["corr"] = torch.corrcoef(x[:3]).tolist()
res["cov"] = torch.cov(x[:2], correction=0).tolist()
res["std_mean"] = [t.tolist() for t in torch.std_mean(x, dim=0, keepdim=False)[0][:2].unsqueeze(0)]
res["cummax"] = [t.tolist() for t in torch.cummax(scores[:6], dim=0)]
res["logcumsumexp"] = torch.logcumsumexp(scores[:4], 0).tolist()
print("RESULT " + json.dumps(res))
