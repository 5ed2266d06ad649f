"""Tensor methods for torch's special functions: erfc, erfinv, lgamma, digamma, polygamma, mvlgamma, i0, sinc,
logcumsumexp, float_power, ldexp, frexp (with their in-place forms where torch has them), and the torch.xxx
spellings whose first argument is not the tensor (torch.polygamma(n, x)). Each checks its arguments and applies one
Function from ops/special.py or composes Tensor ops. torch.special's namespace is teenygrad/special.py."""
import math
import numpy as np
from . import dtype as dt
from .ops import special as S
from .tensor import Tensor, _norm_dim
from .tensor_ops import _method, _inplace_variant


def _float_unary(name, fn_cls):
    """An elementwise op with a floating result: integer and bool tensors go to the default float, as torch."""
    def op(self):
        return fn_cls.apply(self._float_operand())
    op.__name__, op.__doc__ = name, fn_cls.__doc__
    setattr(Tensor, name, op)


for _name, _cls in [("erfc", S.Erfc), ("erfinv", S.Erfinv), ("lgamma", S.Lgamma), ("i0", S.I0), ("sinc", S.Sinc)]:
    _float_unary(_name, _cls)


def _order(n, op):
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"{op}: the order n must be an int, got {n!r}")
    if n < 0:
        raise RuntimeError(f"{op}: polygamma(n, x) does not support negative n, got n = {n}")
    return int(n)


@_method
def digamma(self):
    return S.Polygamma.apply(self._float_operand(), n=0)


@_method
def polygamma(self, n):
    """x.polygamma(n): the n-th derivative of digamma (torch's method order: the tensor first)"""
    return S.Polygamma.apply(self._float_operand(), n=_order(n, "polygamma"))


def _polygamma_(self, n):
    return self._inplace(self._pre_inplace().polygamma(n), "polygamma_")


Tensor.polygamma_ = _polygamma_


@_method
def mvlgamma(self, p):
    """log of the multivariate gamma function: p(p-1)/4 log pi + sum_{j<p} lgamma(x - j/2)"""
    if not isinstance(p, (int, np.integer)) or isinstance(p, bool) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got p = {p!r}")
    x = self._float_operand()
    out = x.lgamma()
    for j in range(1, p):
        out = out + (x - j / 2).lgamma()
    return out + p * (p - 1) / 4 * math.log(math.pi)


def _mvlgamma_(self, p):
    return self._inplace(self._pre_inplace().mvlgamma(p), "mvlgamma_")


Tensor.mvlgamma_ = _mvlgamma_


@_method
def logcumsumexp(self, dim):
    if not dt.is_floating(self.dtype):
        raise NotImplementedError(f"logcumsumexp: not implemented for {self.dtype} tensors (floating point only)")
    d = _norm_dim(dim, self.ndim, "logcumsumexp")
    if self.ndim == 0:
        return self.clone()
    return S.LogCumSumExp.apply(self, axis=d)


@_method
def float_power(self, exponent):
    """self ** exponent computed in float64, whatever the operands' dtypes (as torch)"""
    base = self._cast(np.dtype(np.float64))
    if isinstance(exponent, Tensor):
        return base.pow(exponent._cast(np.dtype(np.float64)))
    return base.pow(float(exponent))


@_method
def float_power_(self, exponent):
    if self.dtype != np.float64:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype {self.dtype} but the "
                           f"operation's result requires dtype float64")
    return self._inplace(self._pre_inplace().float_power(exponent), "float_power_")


@_method
def ldexp(self, other):
    """self * 2^other"""
    if not isinstance(other, Tensor):
        raise TypeError(f"ldexp: other must be a Tensor, got {type(other).__name__}")
    x = self._float_operand()
    e = other if dt.is_floating(other.dtype) else other._cast(x.dtype)
    return x * e.exp2()


@_method
def frexp(self):
    """(mantissa, exponent) with self = mantissa * 2^exponent, |mantissa| in [0.5, 1); the mantissa carries the
    gradient (d mantissa = dx / 2^exponent), the int32 exponent none"""
    if not dt.is_floating(self.dtype):
        raise RuntimeError(f"frexp: only supports floating-point dtypes, got {self.dtype}")
    _, e = np.frexp(self._data)
    # 2^-e in two halves: for a subnormal self, 2^-e alone overflows the dtype
    one = np.ones((), self._data.dtype)
    lo, hi = (Tensor._wrap(np.ldexp(one, h).astype(self._data.dtype, copy=False)) for h in (-e // 2, -e - (-e // 2)))
    from .tensor_linalg import _result
    return _result("frexp", ["mantissa", "exponent"])(self * lo * hi, Tensor._wrap(e.astype(np.int32)))


for _name in ["erfc", "erfinv", "lgamma", "digamma", "i0", "sinc", "ldexp"]:
    _inplace_variant(_name)


def polygamma_fn(n, input):
    """torch.polygamma(n, input): the order comes first"""
    return input.polygamma(_order(n, "polygamma"))


polygamma_fn.__name__ = "polygamma"
