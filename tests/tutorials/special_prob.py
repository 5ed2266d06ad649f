"""torch.special in a small probabilistic model: a Beta-Binomial fitted to overdispersed counts by maximising
its log-likelihood written with gammaln/betaln-by-hand (lgamma) and xlogy, a probit regression with ndtr/log_ndtr,
logit/expit round trips, digamma as the derivative of lgamma, and entr / erfinv / i0 / multigammaln values."""
import json

import torch
import torch.special as sp

torch.manual_seed(6)
n_trials = 12
p = torch.distributions.Beta(torch.tensor(2.0), torch.tensor(5.0)).sample((80,))
k = (torch.rand(80, n_trials) < p[:, None]).sum(1).float()          # binomial draws as Bernoulli sums


def betaln(a, b):
    return sp.gammaln(a) + sp.gammaln(b) - sp.gammaln(a + b)


def log_binom(n, k):
    return sp.gammaln(n + 1) - sp.gammaln(k + 1) - sp.gammaln(n - k + 1)


log_a = torch.zeros((), requires_grad=True)
log_b = torch.zeros((), requires_grad=True)
opt = torch.optim.Adam([log_a, log_b], lr=0.1)
nll_log = []
n = torch.tensor(float(n_trials))
for step in range(60):
    a, b = log_a.exp(), log_b.exp()
    ll = log_binom(n, k) + betaln(k + a, n - k + b) - betaln(a, b)
    loss = -ll.mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    nll_log.append(loss.item())
# analytic gradient check: d/da lgamma(a) = digamma(a)
a0 = torch.tensor([0.7, 2.5, 6.0], requires_grad=True)
sp.gammaln(a0).sum().backward()

# probit regression with the normal CDF
x = torch.randn(50, 2)
yb = (x @ torch.tensor([1.0, -1.0]) + 0.3 * torch.randn(50) > 0).float()
w = torch.zeros(2, requires_grad=True)
for step in range(20):
    z = x @ w
    ll = yb * sp.log_ndtr(z) + (1 - yb) * sp.log_ndtr(-z)
    loss_p = -ll.mean()
    g, = torch.autograd.grad(loss_p, w)
    with torch.no_grad():
        w -= 0.5 * g
q = torch.tensor([0.01, 0.3, 0.5, 0.9])
print("RESULT " + json.dumps({
    "beta_binom": [nll_log[::10], log_a.exp().item(), log_b.exp().item(), k[:10].tolist()],
    "digamma": [a0.grad.tolist(), sp.digamma(a0.detach()).tolist(), sp.polygamma(1, a0.detach()).tolist()],
    "probit": [w.tolist(), loss_p.item(), sp.ndtr(x[:3] @ w.detach()).tolist()],
    "logit": [sp.logit(q).tolist(), sp.expit(sp.logit(q)).tolist(), sp.logit(q, eps=0.05).tolist()],
    "misc": [sp.entr(q).tolist(), sp.erfinv(q).tolist(), sp.erfcx(q).tolist(), sp.i0(q * 3).tolist(),
             sp.i0e(q * 3).tolist(), sp.xlogy(q, q).tolist(), sp.xlog1py(q, q).tolist(), sp.log1p(q).tolist(),
             sp.ndtri(q).tolist(), sp.sinc(q).tolist(), sp.logsumexp(q, 0).item(),
             sp.multigammaln(torch.tensor([2.5, 4.0]), 2).tolist(), sp.softmax(q, 0).tolist()]}))
