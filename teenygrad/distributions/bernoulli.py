"""Bernoulli(probs= or logits=): 1 with probability probs = sigmoid(logits), else 0."""
import numbers

from ..creation import arange, rand
from ..nn.functional import binary_cross_entropy_with_logits
from ..tensor import Size
from ..tensor_misc import promote_types
from . import constraints
from .utils import broadcast_params
from .binary import BinaryParams, one_of
from .exp_family import ExponentialFamily


class Bernoulli(BinaryParams, ExponentialFamily):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        name, param = one_of("Bernoulli", probs, logits)
        self.__dict__[name], = broadcast_params("Bernoulli", **{name: param})
        batch_shape = Size() if isinstance(param, numbers.Number) else self._param.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        p = self.probs
        return (p >= 0.5).to(p.dtype).masked_fill(p == 0.5, float("nan"))  # a tie has no single mode

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        p = self.probs.detach().expand(shape)
        return (rand(shape, dtype=p.dtype, device=p.device) < p).to(p.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_params("Bernoulli.log_prob", logits=self.logits, value=value)
        if not value.is_floating_point():
            return -binary_cross_entropy_with_logits(logits, value.to(logits.dtype), reduction="none")
        # torch's binary_cross_entropy_with_logits answers in the target's dtype: a float32 value gives float32
        wide = promote_types(logits.dtype, value.dtype)
        return -binary_cross_entropy_with_logits(logits.to(wide), value.to(wide), reduction="none").to(value.dtype)

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = arange(2, dtype=self._param.dtype, device=self._param.device).view((-1,) + (1,) * len(self.batch_shape))
        return values.expand((-1,) + self.batch_shape) if expand else values

    # the exponential-family form (ExponentialFamily: Bregman entropy, kl_divergence within the family)
    _mean_carrier_measure = 0

    @property
    def _natural_params(self):
        return (self.probs.logit(),)

    def _log_normalizer(self, x):
        return x.exp().log1p()
