"""HalfNormal(scale): |x| for x ~ Normal(0, scale), density 2 N(x; 0, scale) on x >= 0. Draws are the base
Normal's, so torch's. Folded, its base for the other half-distributions (HalfCauchy), holds what they share."""
import math

from ..creation import zeros_like
from . import constraints
from .transforms import AbsTransform
from .normal import Normal
from .transformed_distribution import TransformedDistribution


class Folded(TransformedDistribution):
    """|x| for x from a distribution symmetric about 0 with a `scale` (the subclass's `base`): the density doubles
    on x >= 0 and vanishes below"""
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    base = None  # the symmetric family: Normal, Cauchy

    def __init__(self, scale, validate_args=None):
        super().__init__(self.base(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, _instance=self._get_checked_instance(type(self), _instance))

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mode(self):
        return zeros_like(self.scale)

    def _as_value(self, value):
        return value

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = self._as_value(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return lp.masked_fill(~(value >= 0), float("-inf"))  # torch: -inf off the support, nan included

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(Folded):
    base = Normal

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale.square() * (1 - 2 / math.pi)
