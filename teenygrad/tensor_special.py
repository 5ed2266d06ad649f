"""Tensor methods for torch's special functions: erfc, erfinv, lgamma, digamma, polygamma, mvlgamma, i0, sinc,
igamma, igammac, logcumsumexp, float_power, ldexp, frexp (with their in-place forms where torch has them), and the
torch.xxx spellings that are not plain methods (torch.polygamma(n, x), torch.igamma(a, x)). Each checks its
arguments and applies one Function from ops/special.py (IncompleteGamma's is here) or composes Tensor ops.
torch.special's namespace is teenygrad/special.py."""
import math
import numpy as np
from . import dtype as dt
from ._arrays import unbroadcast
from .autograd.function import Function
from .ops import complex as C, elementwise as E, special as S
from .tensor import Tensor, _norm_dim
from .tensor_ops import _method, _inplace_variant


def _float_unary(name, fn_cls):
    """An elementwise op with a floating result: integer and bool tensors go to the default float, as torch; a complex
    tensor to the op's complex form where it has one (sinc, in ops/complex.py)."""
    complex_cls = C.UNARY.get(name)

    def op(self):
        if complex_cls is not None and self._data.dtype.kind == "c":
            return complex_cls.apply(self)
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
    out = S.Polygamma.apply(self._float_operand(), n=_order(n, "polygamma"))
    return out._named("PolygammaBackward0")  # torch's name for polygamma(0, x) too (digamma(x): DigammaBackward0)


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


class IncompleteGamma(Function):
    """z = P(a, x) = gamma(a, x) / Gamma(a) (upper: Q(a, x) = 1 - P);  dx = +-dz x^(a-1) e^-x / Gamma(a) (- for Q),
    da: not implemented (torch has none either)"""
    def forward(self, a, x, upper=False):
        from .ops import special_math  # loaded on first use, as ops/special.py's
        self.a, self.x, self.upper = a, x, upper
        return special_math.gammainc(a, x, upper).astype(a.dtype, copy=False)

    def backward(self, g):
        from .ops import special_math
        if self.needs_input_grad[0]:
            op = "igammac" if self.upper else "igamma"
            raise NotImplementedError(f"{op}: the derivative for '{op}: input' (the first argument, a) is not "
                                      "implemented, as in torch; only other (x) can require grad")
        d = special_math.gammainc_dx(self.a, self.x).astype(g.dtype, copy=False)
        return None, unbroadcast(g * (-d if self.upper else d), self.x.shape)

    def backward_graph(self, g):  # torch's formula, e^((a - 1) log x - x - lgamma(a)), differentiable in x
        from .autograd.graph_backward import const, sum_to
        if self.needs_input_grad[0]:
            return self.backward(g._data)  # raises, naming the op
        a, x = const(self.a), self._input(1, self.x)
        d = ((a - 1.0) * x.log() - x - a.lgamma()).exp()
        return None, sum_to(g * (-d if self.upper else d), self.x.shape)


def _incomplete_gamma(a, x, upper, op):
    """P(a, x) or Q(a, x) for two tensors promoted as torch does; torch takes no Python numbers here and no
    integer or bool result type"""
    for name, t in (("input", a), ("other", x)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    a, x = a._other(x, op)
    if not dt.is_floating(a.dtype):
        raise NotImplementedError(f"{op}: not implemented for {a.dtype} tensors (floating point only, as torch)")
    return IncompleteGamma.apply(a, x, upper=upper)


@_method
def igamma(self, other):
    """P(self, other), the regularized lower incomplete gamma function (torch.special.gammainc)"""
    return _incomplete_gamma(self, other, False, "igamma")


@_method
def igammac(self, other):
    """Q(self, other) = 1 - P(self, other), the regularized upper incomplete gamma function (torch.special.gammaincc)"""
    return _incomplete_gamma(self, other, True, "igammac")


@_method
def logcumsumexp(self, dim):
    d = _norm_dim(dim, self.ndim, "logcumsumexp")  # torch checks dim before the dtype
    if not dt.is_floating(self.dtype) and self._data.dtype.kind != "c":
        raise NotImplementedError(f"logcumsumexp: not implemented for {self.dtype} tensors (floating point and "
                                  f"complex only)")
    if self.ndim == 0:
        return self.clone()
    if self._data.dtype.kind == "V":  # bfloat16: in float32, rounded once, as torch (numpy sums it in bfloat16)
        return S.LogCumSumExp.apply(self._cast(dt.float32), axis=d)._cast(self.dtype)
    return S.LogCumSumExp.apply(self, axis=d)


def _float_power_dtype(self, exponent):
    """float_power's result dtype: complex128 when either operand is complex, else float64 (as torch)"""
    if isinstance(exponent, Tensor):
        cplx = exponent._data.dtype.kind == "c"
    else:
        cplx = isinstance(exponent, (complex, np.complexfloating))
    return np.dtype(np.complex128 if cplx or self._data.dtype.kind == "c" else np.float64)


@_method
def float_power(self, exponent):
    """self ** exponent computed in float64, or complex128 when either operand is complex (as torch)"""
    d = _float_power_dtype(self, exponent)
    base = self._cast(d)
    if isinstance(exponent, Tensor):
        return base.pow(exponent._cast(d))
    if d.kind == "c":  # a number exponent: PowScalar (Tensor.pow sends a complex number to Pow, as a tensor)
        return E.PowScalar.apply(base, p=complex(exponent))
    return base.pow(float(exponent))


@_method
def float_power_(self, exponent):
    d = _float_power_dtype(self, exponent)
    if self._data.dtype != d:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype {self.dtype} but the "
                           f"operation's result requires dtype {d}")
    return self._inplace(self._pre_inplace().float_power(exponent), "float_power_")


@_method
def ldexp(self, other):
    """self * 2^other in the dtype both promote to (integers: the default float), as torch; a floating exponent's
    2^other is taken in its own dtype first, as torch's self * pow(2, other) does"""
    if not isinstance(other, Tensor):
        raise TypeError(f"ldexp: other must be a Tensor, got {type(other).__name__}")
    a, b = self._data.dtype, other._data.dtype
    if b == dt.bool and dt.is_floating(a):  # torch's float kernel has no bool exponent
        raise RuntimeError(f"ldexp: not implemented for a bool exponent with a {self.dtype} mantissa; "
                           f"pass other.int()")
    if a.kind == "c" and b.kind == "f" and b.itemsize == 2:  # torch: pow has no complex32
        raise NotImplementedError(f"ldexp: not implemented for a {self.dtype} mantissa with a {other.dtype} "
                                  f"exponent (torch has no complex32); pass other.float()")
    d = dt.result_type(a, 1, b, 1)
    if dt._category(d) < 2:
        d = dt._default_float
    e = other
    if dt._category(b) < 2:  # an integer exponent: 2^n is exact in d's real dtype
        e = other._cast(d if d.kind != "c" else np.dtype(np.float64 if d.itemsize == 16 else np.float32))
    elif a.kind == "c" and b.kind != "c":  # torch's complex kernel: a real exponent as complex (bfloat16: complex64)
        e = other._cast(np.dtype(np.float64 if b.itemsize == 8 else np.float32))
    return (self._cast(d) * e.exp2())._cast(d)


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


for _name in ["erfc", "erfinv", "lgamma", "digamma", "i0", "sinc", "ldexp", "igamma", "igammac"]:
    _inplace_variant(_name)


def polygamma_fn(n, input):
    """torch.polygamma(n, input): the order comes first"""
    return input.polygamma(_order(n, "polygamma"))


polygamma_fn.__name__ = "polygamma"


def igamma_fn(input, other):
    """torch.igamma(input, other): P(input, other)"""
    return _incomplete_gamma(input, other, False, "igamma")


def igammac_fn(input, other):
    """torch.igammac(input, other): Q(input, other) = 1 - P(input, other)"""
    return _incomplete_gamma(input, other, True, "igammac")


igamma_fn.__name__, igammac_fn.__name__ = "igamma", "igammac"
