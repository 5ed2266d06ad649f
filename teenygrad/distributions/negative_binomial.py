"""NegativeBinomial(total_count, probs= or logits=): the number of successes before total_count failures,
P(k) = Gamma(k + r) / (k! Gamma(r)) p^k (1 - p)^r. A draw is torch's: Poisson(rate) with rate ~
Gamma(total_count, exp(-logits)), both from teenygrad's copies of torch's samplers (gamma.py, poisson.py)."""
import numpy as np

from ..autograd import no_grad
from ..creation import tensor
from ..nn.functional import logsigmoid
from ..random import gen_of
from ..tensor import Size
from . import constraints
from .binary import BinaryParams
from .gamma import Gamma


class NegativeBinomial(BinaryParams):
    """A Distribution of its own, as torch's (not a Binomial: isinstance and kl_divergence's dispatch tell them
    apart); BinaryParams only shares the probs / logits handling"""
    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0., 1.),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        self._init_counted(total_count, probs, logits, validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_counted(NegativeBinomial, batch_shape, _instance)

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape=Size()):
        with no_grad():
            rate = Gamma(self.total_count, (-self.logits).exp(), validate_args=False).sample(sample_shape)
            counts = gen_of(None).poisson(rate.cpu().numpy()).reshape(rate.shape)
            return tensor(counts.astype(np.dtype(rate._data.dtype)), dtype=rate.dtype, device=rate.device)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        unnormalized = n * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        normalization = -(n + value).lgamma() + (1.0 + value).lgamma() + n.lgamma()
        return unnormalized - normalization.masked_fill(n + value == 0.0, 0.0)  # r = 0, k = 0: probability 1
