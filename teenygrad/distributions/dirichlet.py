"""Dirichlet(concentration): density prod_i x_i^(c_i - 1) / B(c) on the simplex (the last axis is the event).
Draws are torch's _sample_dirichlet: a double gamma draw per concentration (torch's CPU sampler, see gamma.py),
each divided by its row's sum. rsample's gradient is torch's: each x_i is held at its quantile of its Beta(c_i,
total - c_i) marginal, G_i = (dx_i/dc_i) / (1 - x_i) (_dirichlet_grad), and dx_j/dc_i = G_i (delta_ij - x_j) keeps
the row on the simplex."""
import numpy as np

from ..autograd import is_grad_enabled
from ..creation import tensor
from ..ops.special_math import digamma
from ..random import gen_of, normalise_gammas
from ..tensor import Size
from . import constraints
from .gamma import _kernel_dtype, _numpy
from .utils import broadcast_params
from .exp_family import ExponentialFamily


def _beta_series(y, p, q, wrt_p):
    """S = 2F1(p+q, 1; p+1; y) = sum_n r_n with r_0 = 1, r_n = r_(n-1) y (p+q+n-1) / (p+n) (all terms positive: no
    cancellation), and dS/dp (wrt_p) or dS/dq, from dlog(r_n) = sum_(k<=n) 1/(p+q+k-1) [- 1/(p+k)]"""
    s_out, ds_out = np.empty_like(y), np.empty_like(y)
    live = np.arange(y.size)  # the entries still summing, and their running values
    r, s, dlog, ds = np.ones_like(y), np.ones_like(y), np.zeros_like(y), np.zeros_like(y)
    pq, done = p + q - 1, np.zeros(y.shape, bool)
    n = 0
    while live.size:
        n += 1
        inv_pq, inv_p = 1 / (pq + n), 1 / (p + n)
        dlog += inv_pq - inv_p if wrt_p else inv_pq  # one sign for every n: 1 - q's
        r *= y * (pq + n) * inv_p
        s += r
        ds += r * dlog
        # done (for good): the terms shrink from here on, and this one no longer changes either sum
        done |= (y * (pq + n + 1) < p + n + 1) & (r <= 1e-16 * s) & (np.abs(r * dlog) <= 1e-16 * np.abs(ds))
        if n % 16 == 0 or done.all():  # take the finished out now and then (finished sums stay put meanwhile)
            s_out[live[done]], ds_out[live[done]] = s[done], ds[done]
            keep = ~done
            live, y, p, pq, r, s, dlog, ds, done = (v[keep] for v in (live, y, p, pq, r, s, dlog, ds, done))
    return s_out, ds_out


def _series_cost(x, a, b):
    """about how many terms _beta_series(x, a, b) takes: the terms grow while their ratio
    x (a+b+n) / (a+1+n) is above 1 (until n*), then shrink at the ratio a little past n*"""
    with np.errstate(divide="ignore", invalid="ignore"):  # x = 1 in this direction: an infinite cost
        peak = np.maximum((x * (a + b) - a - 1) / (1 - x), 0)
        m = 2 * peak + 10
        ratio = x * (a + b + m) / (a + 1 + m)
        return np.where(ratio < 1, m + 40 / -np.log(np.minimum(ratio, 1 - 1e-16)), np.inf)


def _dirichlet_grad(x, alpha, total):
    """torch._dirichlet_grad, float64 arrays: for x ~ Beta(a, b) with a = alpha, b = total - alpha (the Dirichlet's
    marginal), G = (dx/da at fixed b) / (1 - x), where dx/da = -(dI_x(a, b)/da) / pdf(x) holds x at its quantile.
    I_x(a, b) = x^a (1-x)^b / (a B(a, b)) S(x, a, b) with S = 2F1(a+b, 1; a+1; x), so divided by the pdf
    dx/da = -x (1-x) / a (S (log x - 1/a - psi(a) + psi(a+b)) + dS/da). Where the series in x is long, the same
    one for 1 - x ~ Beta(b, a) gives it (I_x(a, b) = 1 - I_(1-x)(b, a)). Exact to ~1e-12; torch's own
    approximations are good to ~1e-3."""
    x, a, b = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (x, alpha, np.subtract(total, alpha))))
    shape = x.shape
    x, a, b = x.ravel(), a.ravel(), b.ravel()
    out = np.full_like(x, np.nan)  # nan outside 0 < x < 1, a, b > 0 (where the series would never end)
    out[(a > 0) & (b == 0)] = 0  # a one-component Dirichlet: x is 1 whatever a is, as torch's zero gradient
    ok = (x > 0) & (x < 1) & (a > 0) & (b > 0) & (a < np.inf) & (b < np.inf)
    flip = ok.copy()
    flip[ok] = _series_cost(1 - x[ok], b[ok], a[ok]) < _series_cost(x[ok], a[ok], b[ok])
    direct = ok & ~flip
    xs, as_, bs = x[direct], a[direct], b[direct]
    s, ds = _beta_series(xs, as_, bs, True)
    out[direct] = -xs / as_ * (s * (np.log(xs) - 1 / as_ - digamma(as_) + digamma(as_ + bs)) + ds)
    y, p, q = 1 - x[flip], b[flip], a[flip]  # y ~ Beta(p, q); dx/da = dI_y(p, q)/dq / pdf, here over 1 - x = y
    s, ds = _beta_series(y, p, q, False)
    out[flip] = (1 - y) / p * (s * (np.log1p(-y) - digamma(q) + digamma(p + q)) + ds)
    return out.reshape(shape)


class Dirichlet(ExponentialFamily):
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        self.concentration, = broadcast_params("Dirichlet", concentration=concentration)
        if self.concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        shape = self.concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self):
        c = self.concentration
        cm1 = (c - 1).clamp(min=0)
        # every concentration below 1: torch takes the one-hot of the argmax of that row of mode, which is all
        # nan (0 / 0), so the first corner
        below = (c < 1).all(-1, keepdim=True)
        total = cm1.sum(-1, keepdim=True)
        corner = tensor([1.0] + [0.0] * (c.shape[-1] - 1), dtype=c.dtype, device=c.device)
        with np.errstate(invalid="ignore", divide="ignore"):  # a zero total gives torch's nan, silently
            return (cm1 / total.where(~below, 1.0)).where(~below, corner)

    @property
    def variance(self):
        c = self.concentration
        c0 = c.sum(-1, keepdim=True)
        return c * (c0 - c) / (c0.square() * (c0 + 1))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        c = self.concentration.expand(shape)
        alpha = _numpy(c)
        g = gen_of(None).gamma(alpha, np.float64).reshape(alpha.shape)
        value = normalise_gammas(g, _kernel_dtype(c))
        x = tensor(value, dtype=c.dtype, device=c.device)
        if c.requires_grad and is_grad_enabled():
            # torch's _Dirichlet_backward: dc_i = G_i (dx_i - sum_j x_j dx_j), from the sample and the row's total
            total = alpha.sum(-1, keepdims=True)
            w = tensor(_dirichlet_grad(value, alpha, total), dtype=c.dtype, device=c.device)
            delta = (c - c.detach()) * w  # zero, with the gradient G_i per concentration
            x = x + delta - x.detach() * delta.sum(-1, keepdim=True)
        return x

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return (c - 1).xlogy(value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    def entropy(self):
        c = self.concentration
        k = c.shape[-1]
        c0 = c.sum(-1)
        return c.lgamma().sum(-1) - c0.lgamma() - (k - c0) * c0.digamma() - ((c - 1) * c.digamma()).sum(-1)

    # the exponential-family form (ExponentialFamily: Bregman entropy, kl_divergence within the family)
    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - x.sum(-1).lgamma()
