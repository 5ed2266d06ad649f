"""HalfCauchy(scale): |x| for x ~ Cauchy(0, scale), density 2 Cauchy(x; 0, scale) on x >= 0. Draws are the base
Cauchy's, so torch's."""
from ..creation import full_like, tensor
from ..tensor import Tensor
from .cauchy import Cauchy
from .half_normal import Folded


class HalfCauchy(Folded):
    base = Cauchy

    def _as_value(self, value):
        # torch's log_prob takes as_tensor(value, dtype=scale.dtype), after validating: the answer is in the
        # scale's dtype, and a number is welcome when validate_args is off
        s = self.scale
        return value.to(s.dtype) if isinstance(value, Tensor) else tensor(value, dtype=s.dtype, device=s.device)

    @property
    def mean(self):
        return full_like(self.scale, float("inf"))

    @property
    def variance(self):
        return full_like(self.scale, float("inf"))
