"""Helpers the distributions share: broadcasting parameters to one shape, probs <-> logits, attributes computed on
first read (torch.distributions.utils' names)."""
import numbers

from ..autograd import enable_grad
from ..creation import randn, tensor
from ..tensor import Tensor, Size
from ..tensor_misc import broadcast_shapes, finfo

EULER = 0.57721566490153286061  # the Euler-Mascheroni constant (Gumbel, Weibull, Kumaraswamy moments)


def _as_params(dist, named):
    """Numbers become tensors of the first tensor's dtype (the default float when all are numbers), as torch."""
    like = next((v for v in named.values() if isinstance(v, Tensor)), None)
    out = []
    for name, v in named.items():
        if isinstance(v, Tensor):
            out.append(v)
        elif isinstance(v, numbers.Number) and not isinstance(v, bool):
            out.append(tensor(float(v)) if like is None else tensor(float(v), dtype=like.dtype, device=like.device))
        else:
            raise ValueError(f"{dist}: {name} must be a number or a Tensor, got {type(v).__name__} {v!r}")
    return out


def broadcast_params(dist, **named):
    """The parameters as tensors of one broadcast shape; a shape mismatch names the distribution and each shape."""
    values = _as_params(dist, named)
    try:
        shape = broadcast_shapes(*(v.shape for v in values))
    except RuntimeError:
        shapes = ", ".join(f"{n} {tuple(v.shape)}" for n, v in zip(named, values))
        raise RuntimeError(f"{dist}: parameter shapes {shapes} cannot be broadcast together") from None
    return tuple(v if v.shape == shape else v.expand(shape) for v in values)


def broadcast_all(*values):
    """torch.distributions.utils.broadcast_all"""
    return broadcast_params("broadcast_all", **{f"argument {i}": v for i, v in enumerate(values)})


def all_numbers(*values):
    return all(isinstance(v, numbers.Number) for v in values)


def clamp_probs(probs):
    """probs kept eps away from 0 and 1, so their logs stay finite"""
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits, is_binary=False):
    return logits.sigmoid() if is_binary else logits.softmax(-1)


class lazy_property:
    """An attribute computed from the others on first read and then kept on the instance (Bernoulli(probs=p).logits).
    It is computed with grad enabled, so a first read under no_grad still keeps the graph to the parameters."""

    def __init__(self, fn):
        self.fn = fn
        self.__name__, self.__doc__ = fn.__name__, fn.__doc__

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        with enable_grad():
            value = self.fn(obj)
        obj.__dict__[self.fn.__name__] = value  # a non-data descriptor: the instance's value wins from now on
        return value


def sum_rightmost(value, dim):
    """value summed over its dim rightmost dimensions"""
    return value if dim == 0 else value.reshape(value.shape[:value.ndim - dim] + (-1,)).sum(-1)


def standard_normal(shape, like):
    return randn(Size(shape), dtype=like.dtype, device=like.device)
