"""Poisson(rate): P(k) = rate^k exp(-rate) / k! on k = 0, 1, 2, ...; draws are torch's (Generator.poisson:
sample_poisson of torch's CPU kernels, one value after another on the default generator)."""
import numpy as np

from ..autograd import no_grad
from ..creation import tensor
from ..random import gen_of
from ..tensor import Size
from . import constraints
from .utils import broadcast_params, all_numbers
from .exp_family import ExponentialFamily


class Poisson(ExponentialFamily):
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        self.rate, = broadcast_params("Poisson", rate=rate)
        batch_shape = Size() if all_numbers(rate) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            rate = self.rate.detach().expand(shape).cpu().numpy()
            counts = gen_of(None).poisson(rate).reshape(shape)
            return tensor(counts.astype(np.dtype(rate.dtype)), dtype=self.rate.dtype, device=self.rate.device)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        # broadcast first, as torch's broadcast_all: an expanded 0-d value then counts in the dtype promotion
        rate, value = broadcast_params("Poisson.log_prob", rate=self.rate, value=value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()

    # the exponential-family form (ExponentialFamily: Bregman entropy, kl_divergence within the family)
    @property
    def _natural_params(self):
        return (self.rate.log(),)

    def _log_normalizer(self, x):
        return x.exp()
