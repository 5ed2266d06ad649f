"""Gamma(concentration, rate): density rate^c x^(c-1) exp(-rate x) / Gamma(c) on x > 0. Draws are torch's:
_standard_gamma(concentration) / rate, the gamma draws from torch's CPU sampler (Generator.gamma); rsample's
gradient w.r.t. the concentration is the implicit one (Figurnov et al. 2018): the draw held at its quantile
u = P(c, x) moves by dx/dc = -(dP/dc) / pdf(x)."""
import numpy as np

from ..autograd import is_grad_enabled
from ..creation import tensor
from ..ops.special_math import digamma
from ..random import gen_of
from ..tensor import Size, Tensor
from ..tensor_misc import finfo
from . import constraints
from .utils import broadcast_params, all_numbers
from .exp_family import ExponentialFamily

_LARGE = 500.0  # above this concentration the Wilson-Hilferty normal approximation gives dx/dc (the series is long)


def _standard_gamma_grad(x, c):
    """dx/dc for draws x ~ Gamma(c, 1), float64 arrays. P(c, x) = sum_n t_n with t_n = x^(c+n) e^-x / Gamma(c+n+1),
    so dP/dc = sum_n t_n (log x - digamma(c+n+1)); divided by the pdf, r_n = t_n / pdf(x) starts at x / c and
    r_n = r_(n-1) x / (c+n), which never overflows for draws a few standard deviations from the mean."""
    x, c = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(c, np.float64))
    out = np.empty_like(x)
    small = c <= _LARGE
    xs, cs = x[small], c[small]
    log_x, r, psi = np.log(xs), xs / cs, digamma(cs + 1)
    total = r * (log_x - psi)
    last_peak = np.max(xs - cs, initial=0.0)  # the terms grow until n passes x - c, then shrink geometrically
    n = 0
    while xs.size:
        n += 1
        r = r * xs / (cs + n)
        psi = psi + 1 / (cs + n)
        term = r * (log_x - psi)
        total = total + term
        if n > last_peak and np.all(np.abs(term) <= 1e-17 * np.abs(total)):
            break
    out[small] = -total
    # x = c (1 - 1/(9c) + z / (3 sqrt c))^3 with z ~ N(0, 1) held fixed
    xl, cl = x[~small], c[~small]
    z = ((xl / cl) ** (1 / 3) - 1 + 1 / (9 * cl)) * 3 * np.sqrt(cl)
    s = 1 - 1 / (9 * cl) + z / (3 * np.sqrt(cl))
    out[~small] = s ** 3 + 3 * cl * s * s * (1 / (9 * cl * cl) - z / (6 * cl ** 1.5))
    return out


def _numpy(t):
    return t.detach().cpu().numpy().astype(np.float64)


def _reparameterised(value, like, grads):
    """value (a float64 array) as a tensor of like's dtype whose gradient w.r.t. each parameter p in grads is the
    array dvalue/dp: value + sum (p - p.detach()) dvalue/dp, which adds exactly zero to the value"""
    out = tensor(value, dtype=like.dtype, device=like.device)
    for p, d in grads:
        if p.requires_grad and is_grad_enabled():
            out = out + (p - p.detach()) * tensor(d, dtype=like.dtype, device=like.device)
    return out


def _kernel_dtype(t):
    """The numpy dtype torch's gamma kernels compute a tensor's draws in: its own (float32 or float64); other float
    dtypes (which torch's CPU kernels refuse) take float32's"""
    d = np.dtype(t._data.dtype)
    return d if d in (np.float32, np.float64) else np.dtype(np.float32)


def _standard_gamma(c, need_grad, dtype=np.float64):
    """draws z ~ Gamma(c, 1), torch's _standard_gamma on the default generator in dtype (float64 values rounded to
    dtype, at least its smallest normal), and dz/dc when need_grad"""
    z = gen_of(None).gamma(c, dtype).reshape(np.shape(c))
    return z, (_standard_gamma_grad(z, c) if need_grad else None)


class Gamma(ExponentialFamily):
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_params("Gamma", concentration=concentration, rate=rate)
        batch_shape = Size() if all_numbers(concentration, rate) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.square()

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        c = self.concentration.expand(shape)
        z, dz = _standard_gamma(_numpy(c), c.requires_grad and is_grad_enabled(), _kernel_dtype(c))
        x = _reparameterised(z, c, [(c, dz)]) / self.rate.expand(shape)
        # float32 underflows to 0 at small concentration: raised to tiny (log_prob stays finite), the gradient kept;
        # an overflow (a rate below float32's normals) stays inf, as torch's
        tiny = finfo(x.dtype).tiny
        x_ = x.detach()
        return x + (tiny - x_).masked_fill(x_ >= tiny, 0)

    def log_prob(self, value):
        c, r = self.concentration, self.rate
        # torch's as_tensor(value, dtype=rate.dtype) before validating: the answer is in the rate's dtype, and a
        # number is welcome
        value = value.to(r.dtype) if isinstance(value, Tensor) else tensor(value, dtype=r.dtype, device=r.device)
        if self._validate_args:
            self._validate_sample(value)
        return c.xlogy(r) + (c - 1).xlogy(value) - r * value - c.lgamma()

    def cdf(self, value):
        """P(concentration, rate * value), the regularized lower incomplete gamma function"""
        if self._validate_args:
            self._validate_sample(value)
        return self.concentration.igamma(self.rate * value)

    def entropy(self):
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1 - c) * c.digamma()

    # the exponential-family form (ExponentialFamily: Bregman entropy, kl_divergence within the family)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return (x + 1).lgamma() + (x + 1) * (-y.reciprocal()).log()
