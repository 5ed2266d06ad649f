"""Binomial(total_count, probs= or logits=): the number of successes in total_count trials, P(k) = C(n, k) p^k
(1 - p)^(n - k). Draws come from teenygrad.binomial, torch's BTRS / inversion sampler on the default generator:
torch's numbers under the same manual_seed."""
from ..autograd import no_grad
from ..creation import arange
from ..tensor_top_api import binomial
from ..tensor import Size
from . import constraints
from .binary import BinaryParams


def _clamp_by_zero(x):
    """max(x, 0) whose gradient at x = 0 is 1/2, as torch's"""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(BinaryParams):
    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        self._init_counted(total_count, probs, logits, validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_counted(Binomial, batch_shape, _instance)

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with no_grad():  # torch: torch.binomial(total_count.expand(shape), probs.expand(shape))
            return binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        normalizer = n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p() - (n + 1).lgamma()
        return value * logits - (value + 1).lgamma() - (n - value + 1).lgamma() - normalizer

    def _homogeneous_count(self, op):
        top = int(self.total_count.max().item())
        if self.total_count.min().item() != top:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{op}`.")
        return top

    def entropy(self):
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        top = self._homogeneous_count("enumerate_support")
        values = arange(1 + top, dtype=self._param.dtype, device=self._param.device).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + self._batch_shape) if expand else values
