"""Cauchy(loc, scale): density 1 / (pi scale (1 + ((x - loc) / scale)^2)); no mean or variance. Draws are torch's
(Tensor.cauchy_: loc + scale tan(pi (u - 1/2)) for u from the default generator)."""
import math

from ..creation import empty, full_like
from ..tensor import Size
from .distribution import LocScale


class Cauchy(LocScale):
    @property
    def mean(self):
        return full_like(self.loc, float("nan"))

    @property
    def variance(self):
        return full_like(self.loc, float("inf"))

    def rsample(self, sample_shape=Size()):
        eps = empty(self._extended_shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - ((value - self.loc) / self.scale).square().log1p()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
