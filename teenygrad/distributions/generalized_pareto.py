"""GeneralizedPareto(loc, scale, concentration): survival (1 + xi z)^(-1/xi) for z = (x - loc) / scale (the
exponential's e^-z at xi = 0); support [loc, inf) for xi >= 0, [loc, loc - scale / xi] for xi < 0. Draws are
icdf(u) for uniform u, reparameterised."""
import math

from ..creation import rand
from ..tensor import Size
from ..tensor_ops import where
from . import constraints
from .distribution import Distribution
from .utils import all_numbers, broadcast_params


class GeneralizedPareto(Distribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_params("GeneralizedPareto", loc=loc, scale=scale,
                                                                    concentration=concentration)
        batch_shape = Size() if all_numbers(loc, scale, concentration) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def _safe_concentration(self):
        """(xi == 0, xi with its zeros replaced by 1 so the xi != 0 branch stays finite where where() drops it)"""
        eq_zero = self.concentration.isclose(self.concentration.new_zeros(()))
        return eq_zero, where(eq_zero, 1.0, self.concentration)

    def rsample(self, sample_shape=Size()):
        u = rand(self._extended_shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device)
        return self.icdf(u)

    def _z(self, x):
        return (x - self.loc) / self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, xi = self._safe_concentration()
        y = 1 / xi + 1
        nonzero = where(y == 0, y, y * (xi * z).log1p())
        return -self.scale.log() - where(eq_zero, z, nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, xi = self._safe_concentration()
        return where(eq_zero, -z, -(xi * z).log1p() / xi)

    def log_cdf(self, value):
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        eq_zero, xi = self._safe_concentration()
        logu = (-value).log1p()
        return where(eq_zero, self.loc - self.scale * logu, self.loc + self.scale / xi * (-xi * logu).expm1())

    @property
    def mean(self):
        valid = self.concentration < 1
        xi = where(valid, self.concentration, 0.5)
        return where(valid, self.loc + self.scale / (1 - xi), float("nan"))

    @property
    def variance(self):
        valid = self.concentration < 0.5
        xi = where(valid, self.concentration, 0.25)
        return where(valid, self.scale.square() / ((1 - xi).square() * (1 - 2 * xi)), float("nan"))

    @property
    def mode(self):
        return self.loc

    def entropy(self):
        return (self.scale.log() + self.concentration + 1).expand(self._batch_shape)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        negative = self.concentration < 0
        upper = where(negative, self.loc - self.scale / where(negative, self.concentration, -1.0), math.inf)
        return constraints.interval(self.loc, upper)
