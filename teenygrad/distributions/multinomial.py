"""Multinomial(total_count, probs= or logits=): the counts of each of k categories in total_count independent
Categorical draws, P(x) = n! / prod(x_i!) prod(p_i^x_i). The draws are Categorical's (torch's multinomial stream),
counted as torch counts them, so a seed gives torch's samples."""
import math

from ..creation import zeros
from ..tensor import Size
from ..tensor_misc import broadcast_tensors
from ..tensor_ops import where
from . import constraints
from .binomial import Binomial
from .categorical import Categorical, _OverCategorical
from .distribution import Distribution


class Multinomial(_OverCategorical):
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):  # torch: one Python int shared by every batch element
            raise NotImplementedError(f"Multinomial: inhomogeneous total_count is not supported (got "
                                      f"{type(total_count).__name__} {total_count!r}, expected an int)")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        # each category's marginal count (int: a bool total_count counts as 1)
        self._binomial = Binomial(total_count=int(total_count), probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = self._binomial.expand(batch_shape + self.event_shape)  # torch drops it: entropy raises there
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        n = int(self.total_count)  # a bool total_count counts as 0 or 1
        draws = self._categorical.sample(Size((n,)) + sample_shape)  # (n, *sample, *batch)
        draws = draws.permute(*range(1, draws.ndim), 0)  # (*sample, *batch, n): one row of n category ids
        counts = zeros(self._extended_shape(sample_shape), dtype=draws.dtype, device=draws.device)
        counts.scatter_add_(-1, draws, draws.new_ones(draws.shape))
        return counts.to(self.probs.dtype)

    def log_prob(self, value):
        """log n! - sum log x_i! + sum x_i log p_i, with n = sum x_i (so any total count is scored)"""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_tensors(self.logits, value)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        logits = where((value == 0) & (logits == float("-inf")), 0.0, logits)  # a never-seen impossible category adds 0
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self):
        """n H(Categorical) - log n! + sum_i E[log x_i!] (x_i ~ Binomial(n, p_i), summed over its support 1..n)"""
        n = int(self.total_count)  # a Python number: keeps the dtype and the device of the probs
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        return term1 + (binomial_probs * weights).sum([0, -1])
