"""Normal(loc, scale): the Gaussian, density exp(-(x - loc)^2 / (2 scale^2)) / (scale sqrt(2 pi))."""
import math

from ..tensor import Size
from .distribution import LocScale
from .utils import standard_normal
from .exp_family import ExponentialFamily


class Normal(LocScale, ExponentialFamily):
    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale.square()

    def rsample(self, sample_shape=Size()):
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -(value - self.loc).square() / (2 * self.scale.square()) - self.scale.log() - 0.5 * math.log(2 * math.pi)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) / (self.scale * math.sqrt(2))).erf())

    def icdf(self, value):
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()

    # the exponential-family form (ExponentialFamily: Bregman entropy, kl_divergence within the family)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self):
        return (self.loc / self.scale.square(), -0.5 * self.scale.square().reciprocal())

    def _log_normalizer(self, x, y):
        return -0.25 * x.square() / y + 0.5 * (-math.pi / y).log()
