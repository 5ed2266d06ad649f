"""Beta(concentration1, concentration0): density x^(a-1) (1-x)^(b-1) / B(a, b) on [0, 1], with a = concentration1,
b = concentration0. A draw is g1 / (g1 + g0) for gamma draws g1 ~ Gamma(a, 1), g0 ~ Gamma(b, 1) (see gamma.py), as
torch draws it: the first component of a Dirichlet([a, b]) draw (double gammas, a's and b's in turn), and so is
rsample's gradient (dirichlet.py's _dirichlet_grad)."""
import numpy as np

from ..autograd import is_grad_enabled
from ..random import gen_of, normalise_gammas
from ..tensor import Size, Tensor
from ..tensor_misc import finfo, promote_types
from . import constraints
from .dirichlet import _dirichlet_grad
from .gamma import _kernel_dtype, _numpy, _reparameterised
from .utils import broadcast_params, all_numbers
from .exp_family import ExponentialFamily


def _log_beta(a, b):
    return a.lgamma() + b.lgamma() - (a + b).lgamma()


class Beta(ExponentialFamily):
    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_params(
            "Beta", concentration1=concentration1, concentration0=concentration0)
        batch_shape = Size() if all_numbers(concentration1, concentration0) else self.concentration1.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        # the peak (a-1) / (a+b-2); with a, b < 1 the density peaks at both ends and torch's (Dirichlet's mode: the
        # argmax of all-zero clamped concentrations, the first component) is always the end x = 1
        a, b = self.concentration1, self.concentration0
        am1, bm1 = (a - 1).clamp(min=0), (b - 1).clamp(min=0)
        both_below_one = (a < 1) & (b < 1)
        with np.errstate(invalid="ignore"):  # a = b = 1 gives torch's nan (0 / 0), silently
            return (am1 / (am1 + bm1)).where(~both_below_one, (a == a).to(a.dtype))

    @property
    def variance(self):
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total.square() * (total + 1))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        a, b = self.concentration1.expand(shape), self.concentration0.expand(shape)
        if a.dtype != b.dtype:  # torch stacks them: the draw is in the promoted dtype, as the mean and log_prob
            wide = promote_types(a.dtype, b.dtype)
            a, b = a.to(wide), b.to(wide)
        need = (a.requires_grad or b.requires_grad) and is_grad_enabled()
        # torch: _sample_dirichlet(stack([a, b], -1)): double gamma draws, normalised, in a's dtype, kept in
        # [smallest normal, largest below 1]; the value is its first component
        ab = np.stack([_numpy(a), _numpy(b)], -1)
        g = gen_of(None).gamma(ab, np.float64).reshape(ab.shape)
        xs = normalise_gammas(g, _kernel_dtype(a))
        value = xs[..., 0]
        grads = []
        if need:
            # torch's Dirichlet backward with the second component's gradient zero: G_i = _dirichlet_grad(x_i, c_i,
            # a + b), da = G_a (1 - x) dx, db = -G_b x dx
            total = ab.sum(-1)
            if a.requires_grad:
                grads.append((a, _dirichlet_grad(value, ab[..., 0], total) * (1 - value.astype(np.float64))))
            if b.requires_grad:
                grads.append((b, -_dirichlet_grad(xs[..., 1], ab[..., 1], total) * value))
        x = _reparameterised(value, a, grads)
        eps, tiny = finfo(x.dtype).eps, finfo(x.dtype).tiny  # narrower dtypes: log_prob stays finite at both ends
        return x + (x.detach().clamp(min=tiny, max=1 - eps / 2) - x.detach())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        if isinstance(value, Tensor) and value.is_floating_point():
            # torch stacks (value, 1 - value): a 0-d float64 value against float32 parameters answers in float64
            wide = promote_types(value.dtype, a.dtype)
            a, b, value = a.to(wide), b.to(wide), value.to(wide)
        return (a - 1).xlogy(value) + (b - 1).xlogy(1 - value) - _log_beta(a, b)

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        return _log_beta(a, b) - (a - 1) * a.digamma() - (b - 1) * b.digamma() + (a + b - 2) * (a + b).digamma()

    # the exponential-family form (ExponentialFamily: Bregman entropy, kl_divergence within the family)
    @property
    def _natural_params(self):
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x, y):
        return x.lgamma() + y.lgamma() - (x + y).lgamma()
