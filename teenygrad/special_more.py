"""torch.special's Airy, Bessel and orthogonal-polynomial functions: airy_ai, bessel_j0/j1/y0/y1, modified_bessel_i0/
i1/k0/k1, scaled_modified_bessel_k0/k1, spherical_bessel_j0, and the Chebyshev (t, u, v, w and their shifted
forms), Hermite (h, he), Laguerre and Legendre polynomials of degree n. The values come from the float64 kernels of
backend/_numba_special_more.py (loaded on the first call), rounded to the result's dtype.

As in torch 2.13, none of these is differentiable: the result never requires grad (torch marks them
non-differentiable, so a graph through one of them treats it as a constant), and only float32 / float64 are
supported (integer and bool inputs go to the default float; float16, bfloat16 and complex raise)."""
import numpy as np

from ._arrays import on_device_of, to_host
from .tensor import Tensor

_INT64_MIN = np.iinfo(np.int64).min


def _real_float(x, op):
    d = x._data.dtype
    if d.kind != "f" or d.itemsize < 4:
        raise NotImplementedError(f"special.{op}: not implemented for {x.dtype} (torch supports float32 and float64; "
                                  f"integer and bool inputs go to the default float)")
    return x


def _result(like, values, op):
    from .backend._numba_special_more import ufunc  # numba compiles on first use, not at import
    with np.errstate(all="ignore"):  # inf and NaN are values here (a pole, a domain edge), as in torch
        out = ufunc(op)(*values)
    return Tensor._wrap(on_device_of(like._data, np.asarray(out).astype(like._data.dtype, copy=False)))


def _unary(name):
    def fn(input):
        if not isinstance(input, Tensor):
            raise TypeError(f"special.{name}: expected a Tensor, got {type(input).__name__}")
        x = _real_float(input._float_operand(), name)
        return _result(x, (to_host(x._data).astype(np.float64),), name)
    fn.__name__ = fn.__qualname__ = name
    return fn


def _degree(n):
    """n as torch reads a degree: truncated towards 0; NaN, +-inf and values beyond int64 give INT64_MIN (negative:
    the polynomial is 0), as the float-to-int64 conversion of torch's CPU kernels does"""
    n = to_host(n).astype(np.float64)
    ok = np.isfinite(n) & (n >= -2.0 ** 63) & (n < 2.0 ** 63)
    return np.where(ok, np.where(ok, n, 0.0).astype(np.int64), _INT64_MIN)  # astype truncates


def _polynomial(name, symbol):
    def fn(input, n):
        if isinstance(input, Tensor):
            x, m = input._float_pair(n, name)
        elif isinstance(n, Tensor):
            m, x = n._float_pair(input, name)
        else:
            raise TypeError(f"special.{name}: expected input or n to be a Tensor, got {type(input).__name__} and "
                            f"{type(n).__name__}")
        _real_float(x, name)
        return _result(x, (to_host(x._data).astype(np.float64), _degree(m._data)), name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{symbol}_n(input), the degree n (a Tensor or a number) truncated to an integer; 0 for n < 0"
    return fn


airy_ai = _unary("airy_ai")
bessel_j0 = _unary("bessel_j0")
bessel_j1 = _unary("bessel_j1")
bessel_y0 = _unary("bessel_y0")
bessel_y1 = _unary("bessel_y1")
modified_bessel_i0 = _unary("modified_bessel_i0")
modified_bessel_i1 = _unary("modified_bessel_i1")
modified_bessel_k0 = _unary("modified_bessel_k0")
modified_bessel_k1 = _unary("modified_bessel_k1")
scaled_modified_bessel_k0 = _unary("scaled_modified_bessel_k0")
scaled_modified_bessel_k1 = _unary("scaled_modified_bessel_k1")
spherical_bessel_j0 = _unary("spherical_bessel_j0")

chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", "T")
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", "U")
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", "V")
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", "W")
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t", "T*")
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u", "U*")
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v", "V*")
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w", "W*")
hermite_polynomial_h = _polynomial("hermite_polynomial_h", "H")
hermite_polynomial_he = _polynomial("hermite_polynomial_he", "He")
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l", "L")
legendre_polynomial_p = _polynomial("legendre_polynomial_p", "P")

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
           "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "spherical_bessel_j0", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
           "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]
