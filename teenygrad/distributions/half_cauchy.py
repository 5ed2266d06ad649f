"""HalfCauchy(scale): |x| for x ~ Cauchy(0, scale), density 2 Cauchy(x; 0, scale) on x >= 0. Draws are the base
Cauchy's, so torch's."""
from ..creation import full_like
from .cauchy import Cauchy
from .half_normal import Folded


class HalfCauchy(Folded):
    base = Cauchy

    @property
    def mean(self):
        return full_like(self.scale, float("inf"))

    @property
    def variance(self):
        return full_like(self.scale, float("inf"))
