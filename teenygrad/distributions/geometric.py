"""Geometric(probs= or logits=): the number of failures before the first success, P(k) = (1 - p)^k p. Draws are
torch's: floor(log u / log(1 - p)) for u uniform on [tiny, 1) from the default generator."""
import numbers

from ..autograd import no_grad
from ..creation import empty, zeros_like
from ..nn.functional import binary_cross_entropy_with_logits
from ..tensor import Size
from ..tensor_misc import finfo
from . import constraints
from .utils import broadcast_params
from .binary import BinaryParams, one_of


class Geometric(BinaryParams):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        name, param = one_of("Geometric", probs, logits)
        self.__dict__[name], = broadcast_params("Geometric", **{name: param})
        batch_shape = Size() if isinstance(param, numbers.Number) else self.__dict__[name].shape
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and name == "probs" and not (self.probs > 0).all():
            raise ValueError(f"Expected parameter probs ({type(self.probs).__name__} of shape "
                             f"{tuple(self.probs.shape)}) of distribution {self!r} to be positive but found invalid "
                             f"values:\n{self.probs[~(self.probs > 0)]}")

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Geometric, _instance)
        return self._expanded(new, batch_shape)

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        p = self.probs
        with no_grad():
            u = empty(shape, dtype=p.dtype, device=p.device).uniform_(finfo(p.dtype).tiny, 1)
            return (u.log() / (-p).log1p()).floor()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_params("Geometric.log_prob", value=value, probs=self.probs)
        probs = probs.masked_fill((probs == 1) & (value == 0), 0)  # 0 * log(0) is 0 here: P(0) = 1 when p = 1
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs
