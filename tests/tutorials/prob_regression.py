"""Probabilistic regression heads: a heteroscedastic net trained with nn.GaussianNLLLoss, a count model with
nn.PoissonNLLLoss(log_input=True), robust fits with HuberLoss / SmoothL1Loss, the same Gaussian likelihood via
torch.distributions Independent(Normal), a logit-normal TransformedDistribution, and a conv-bn pair fused for
inference with torch.nn.utils.fusion.fuse_conv_bn_eval."""
import json

import torch
import torch.nn as nn
from torch.distributions import Independent, Normal, TransformedDistribution
from torch.distributions.transforms import AffineTransform, SigmoidTransform
from torch.nn.utils.fusion import fuse_conv_bn_eval

torch.manual_seed(19)
x = torch.linspace(-2, 2, 64).unsqueeze(1)
y = torch.sin(2 * x) + (0.05 + 0.2 * x.abs()) * torch.randn_like(x)
net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 2))
gnll = nn.GaussianNLLLoss(eps=1e-6)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
g_losses = []
for step in range(30):
    mu, raw = net(x).chunk(2, dim=1)
    var = nn.functional.softplus(raw) + 1e-4
    loss = gnll(mu, y, var)
    opt.zero_grad()
    loss.backward()
    opt.step()
    g_losses.append(loss.item())
with torch.no_grad():
    mu, raw = net(x).chunk(2, dim=1)
    var = nn.functional.softplus(raw) + 1e-4
    indep = Independent(Normal(mu.squeeze(1), var.sqrt().squeeze(1)), 1)
    lp = indep.log_prob(y.squeeze(1)).item()
    full = nn.GaussianNLLLoss(full=True, reduction="sum")(mu, y, var).item()

counts = torch.poisson(torch.exp(0.5 + 0.8 * x.squeeze(1)))
lin = nn.Linear(1, 1)
popt = torch.optim.SGD(lin.parameters(), lr=0.05)
pnll = nn.PoissonNLLLoss(log_input=True)
for step in range(40):
    ploss = pnll(lin(x).squeeze(1), counts)
    popt.zero_grad()
    ploss.backward()
    popt.step()
p2 = nn.functional.poisson_nll_loss(lin(x).squeeze(1).exp(), counts, log_input=False, full=True).item()

yo = y.clone()
yo[::9] += 4.0                                 # outliers
robust = {}
for name, crit in [("mse", nn.MSELoss()), ("huber", nn.HuberLoss(delta=0.5)), ("sl1", nn.SmoothL1Loss(beta=0.5))]:
    torch.manual_seed(0)
    m = nn.Linear(1, 1)
    o = torch.optim.SGD(m.parameters(), lr=0.1)
    for _ in range(25):
        l = crit(m(x), yo)
        o.zero_grad()
        l.backward()
        o.step()
    robust[name] = [l.item(), m.weight.item(), m.bias.item()]

base = Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.5]))
logit_normal = TransformedDistribution(base, [AffineTransform(0.0, 2.0), SigmoidTransform()])
v = torch.tensor([0.2, 0.7])
ln = [logit_normal.log_prob(v).tolist(), logit_normal.sample((3,)).tolist()]

conv, bn = nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4)
bn.train()
for _ in range(3):
    bn(conv(torch.randn(4, 2, 5, 5)))
conv.eval()
bn.eval()
fused = fuse_conv_bn_eval(conv, bn)
img = torch.randn(1, 2, 5, 5)
print("RESULT " + json.dumps({"gauss": g_losses[::6], "indep": lp, "full": full, "sigma": var.sqrt()[::16].squeeze(1).tolist(),
                              "poisson": [ploss.item(), p2, lin.weight.item(), lin.bias.item(), counts[:8].tolist()],
                              "robust": robust, "logit_normal": ln,
                              "fused": [torch.allclose(fused(img), bn(conv(img)), atol=1e-5), fused.bias.tolist()]}))
