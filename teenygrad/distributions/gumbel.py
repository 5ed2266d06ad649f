"""Gumbel(loc, scale): the law of loc - scale log(-log u) for u uniform, density exp(-(z + exp(-z))) / scale with
z = (x - loc) / scale. Built as torch builds it, a TransformedDistribution of Uniform(tiny, 1 - eps), so its draws
are torch's."""
import math

from ..creation import full_like
from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .uniform import Uniform
from .utils import broadcast_params, all_numbers, EULER
from ..tensor_misc import finfo


class Gumbel(TransformedDistribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_params("Gumbel", loc=loc, scale=scale)
        fi = finfo(self.loc.dtype)
        if all_numbers(loc, scale):
            low, high = fi.tiny, 1 - fi.eps
        else:
            low, high = full_like(self.loc, fi.tiny), full_like(self.loc, 1 - fi.eps)
        transforms = [ExpTransform().inv, AffineTransform(loc=0, scale=-1), ExpTransform().inv,
                      AffineTransform(loc=self.loc, scale=-self.scale)]
        super().__init__(Uniform(low, high, validate_args=validate_args), transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc, new.scale = self.loc.expand(batch_shape), self.scale.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self):
        return self.loc + self.scale * EULER

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev.square()

    def entropy(self):
        return self.scale.log() + (1 + EULER)
