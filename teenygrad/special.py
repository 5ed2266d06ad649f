"""torch.special: the special functions under torch's names there (gammaln for lgamma, psi for digamma, expit for
sigmoid, ...). Most are the Tensor methods; the rest apply a Function from ops/special.py; the Airy, Bessel and
orthogonal-polynomial functions (airy_ai, bessel_j0, ..., legendre_polynomial_p) come from special_more.py. Loaded on
first use."""
from .ops import special as S
from .tensor import Tensor
from .tensor_special import polygamma_fn as polygamma  # noqa: F401  (polygamma(n, x))
from .tensor_special import _incomplete_gamma
from . import special_more as _more
from .special_more import *  # noqa: F401,F403  (airy_ai, bessel_j0, ..., legendre_polynomial_p)

__all__ = ["erf", "erfc", "erfcx", "erfinv", "expit", "logit", "exp2", "expm1", "log1p", "gammaln", "digamma", "psi",
           "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "sinc", "entr", "ndtr", "ndtri", "log_ndtr",
           "log_softmax", "softmax", "logsumexp", "xlogy", "xlog1py", "round", "zeta", "gammainc", "gammaincc",
           *_more.__all__]


def _tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"special.{op}: expected a Tensor, got {type(x).__name__}")
    return x


def _method_alias(name, method):
    def fn(input, *args, **kwargs):
        return getattr(_tensor(input, name), method)(*args, **kwargs)
    fn.__name__ = name
    return fn


erf = _method_alias("erf", "erf")
erfc = _method_alias("erfc", "erfc")
erfinv = _method_alias("erfinv", "erfinv")
expit = _method_alias("expit", "sigmoid")
logit = _method_alias("logit", "logit")
exp2 = _method_alias("exp2", "exp2")
expm1 = _method_alias("expm1", "expm1")
log1p = _method_alias("log1p", "log1p")
gammaln = _method_alias("gammaln", "lgamma")
digamma = _method_alias("digamma", "digamma")
psi = _method_alias("psi", "digamma")
multigammaln = _method_alias("multigammaln", "mvlgamma")
i0 = _method_alias("i0", "i0")
sinc = _method_alias("sinc", "sinc")
round = _method_alias("round", "round")
logsumexp = _method_alias("logsumexp", "logsumexp")


def _float_unary(name, fn_cls):
    def fn(input):
        return fn_cls.apply(_tensor(input, name)._float_operand())
    fn.__name__, fn.__doc__ = name, fn_cls.__doc__
    return fn


erfcx = _float_unary("erfcx", S.Erfcx)
i0e = _float_unary("i0e", S.I0e)
i1 = _float_unary("i1", S.I1)
i1e = _float_unary("i1e", S.I1e)
entr = _float_unary("entr", S.Entr)
ndtr = _float_unary("ndtr", S.Ndtr)
ndtri = _float_unary("ndtri", S.Ndtri)
log_ndtr = _float_unary("log_ndtr", S.LogNdtr)


def _float_operands(a, b, op):
    """Two operands, either may be a Python number, promoted as torch does and taken to a float dtype"""
    if isinstance(a, Tensor):
        a, b = a._float_pair(b, op)
    elif isinstance(b, Tensor):
        b, a = b._float_pair(a, op)
    else:
        raise TypeError(f"special.{op}: expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
    if a._data.dtype.kind == "c":  # torch has no complex kernel for these: refused, not cast to real
        raise NotImplementedError(f"special.{op}: not implemented for complex tensors (got {a.dtype})")
    return a, b


def xlogy(input, other):
    a, b = _float_operands(input, other, "xlogy")
    return S.Xlogy.apply(a, b)


def xlog1py(input, other):
    """input * log1p(other), 0 where input is 0 (unless other is NaN)"""
    a, b = _float_operands(input, other, "xlog1py")
    return S.Xlog1py.apply(a, b)


def zeta(input, other):
    """The Hurwitz zeta function sum_k (other + k)^-input (no gradient, as torch)"""
    a, b = _float_operands(input, other, "zeta")
    return S.Zeta.apply(a, b)


def gammainc(input, other):
    """P(input, other) = gamma(input, other) / Gamma(input), the regularized lower incomplete gamma function; the
    gradient flows to other only (as torch)"""
    return _incomplete_gamma(input, other, False, "gammainc")


def gammaincc(input, other):
    """Q(input, other) = 1 - P(input, other), the regularized upper incomplete gamma function; the gradient flows to
    other only (as torch)"""
    return _incomplete_gamma(input, other, True, "gammaincc")


def softmax(input, dim, *, dtype=None):
    x = _tensor(input, "softmax")
    return (x if dtype is None else x.to(dtype)).softmax(dim)


def log_softmax(input, dim, *, dtype=None):
    x = _tensor(input, "log_softmax")
    return (x if dtype is None else x.to(dtype)).log_softmax(dim)


from .out_arg import SPECIAL_OUT as _SPECIAL_OUT, accepting as _accepting  # noqa: E402
for _n in sorted(_SPECIAL_OUT & set(globals())):  # torch.special.erf(x, out=y), ...
    globals()[_n] = _accepting("special." + _n, globals()[_n], __name__)
