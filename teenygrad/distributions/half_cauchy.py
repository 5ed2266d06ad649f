"""HalfCauchy(scale): |x| for x ~ Cauchy(0, scale), density 2 Cauchy(x; 0, scale) on x >= 0. Draws are the base
Cauchy's, so torch's."""
import math

from ..creation import full_like, zeros_like
from . import constraints
from .transforms import AbsTransform
from .cauchy import Cauchy
from .transformed_distribution import TransformedDistribution


class HalfCauchy(TransformedDistribution):
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        super().__init__(Cauchy(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(HalfCauchy, _instance))

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mean(self):
        return full_like(self.scale, float("inf"))

    @property
    def mode(self):
        return zeros_like(self.scale)

    @property
    def variance(self):
        return full_like(self.scale, float("inf"))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return lp.masked_fill(value < 0, float("-inf"))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)
