"""RelaxedBernoulli(temperature, probs= or logits=): the Concrete / Gumbel-sigmoid relaxation of a Bernoulli, values
in (0, 1) with reparameterised draws; it is sigmoid of a LogitRelaxedBernoulli draw."""
import numbers

from ..creation import rand
from ..tensor import Size
from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import SigmoidTransform
from .utils import broadcast_params, clamp_probs
from .binary import BinaryParams, one_of


class LogitRelaxedBernoulli(BinaryParams):
    """draws are (logit(u) + logits) / temperature for u ~ U(0, 1)"""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = False  # torch does not declare it on LogitRelaxedBernoulli (its rsample works all the same)

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.temperature = temperature
        name, param = one_of("LogitRelaxedBernoulli", probs, logits)
        self.__dict__[name], = broadcast_params("LogitRelaxedBernoulli", **{name: param})
        batch_shape = Size() if isinstance(param, numbers.Number) else self._param.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        new.temperature = self.temperature
        return self._expanded(new, batch_shape)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        u = clamp_probs(rand(shape, dtype=probs.dtype, device=probs.device))  # torch's draw, in torch's order
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_params("LogitRelaxedBernoulli.log_prob", logits=self.logits, value=value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class RelaxedPushforward(TransformedDistribution):
    """A relaxed distribution as its base's pushforward: temperature, logits and probs are the base's."""

    @property
    def temperature(self):
        return self.base_dist.temperature

    @property
    def logits(self):
        return self.base_dist.logits

    @property
    def probs(self):
        return self.base_dist.probs


class RelaxedBernoulli(RelaxedPushforward):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)
