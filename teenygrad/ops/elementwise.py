"""Elementwise ops. Binary ops broadcast; their backward sums the gradient back to each input's shape.
erf, inverse trigonometry and the other special functions live in special.py."""
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import unbroadcast, xp_of, zeros_on
from ..backend.cpu import fused_for
from ..backend import cuda as _cuda


class Add(Function):
    """z = x + y;  dx = dz, dy = dz"""
    saves_inputs = False
    def forward(self, x, y):
        self.xs, self.ys = x.shape, y.shape
        return x + y

    def backward(self, g):
        return unbroadcast(g, self.xs), unbroadcast(g, self.ys)


class Sub(Function):
    """z = x - y;  dx = dz, dy = -dz"""
    saves_inputs = False
    def forward(self, x, y):
        self.xs, self.ys = x.shape, y.shape
        return x - y

    def backward(self, g):
        n = self.needs_input_grad
        return unbroadcast(g, self.xs), (unbroadcast(-g, self.ys) if n[1] else None)


class Mul(Function):
    """z = x * y;  dx = dz * y, dy = dz * x"""
    reads_for = ((1,), (0,))
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, g):
        n = self.needs_input_grad
        return (unbroadcast(g * self.y, self.x.shape) if n[0] else None,
                unbroadcast(g * self.x, self.y.shape) if n[1] else None)


class MulScalar(Function):
    """z = x * s (s a Python float, kept as one: no 0-d constant array or tensor);  dx = dz * s"""
    saves_inputs = False
    def forward(self, x, s):
        self.s = s
        return x * s  # numpy 2 casts a Python float to x's dtype first, as x * float32(s) would

    def backward(self, g):
        return g * self.s


class Div(Function):
    """z = x / y;  dx = dz / y, dy = -dz * z / y"""
    saves_output = True
    reads_for, output_read_for = ((), (0, 1)), (1,)  # x is not kept; z only for dy (x / 2.0 then z += 1 is fine)
    def forward(self, x, y):
        self.y = y
        self.xs = x.shape
        self.z = x / y
        return self.z

    def backward(self, g):
        n = self.needs_input_grad
        gx = g / self.y
        return (unbroadcast(gx, self.xs) if n[0] else None,
                unbroadcast(-gx * self.z, self.y.shape) if n[1] else None)


class Pow(Function):
    """z = x ** y;  dx = dz * y * x^(y-1), dy = dz * z * log(x)"""
    saves_output = True
    reads_for, output_read_for = ((0, 1), (0,)), (1,)
    def forward(self, x, y):
        self.x, self.y = x, y
        self.z = x ** y if x.dtype.kind == "f" or not (y < 0).any() else _int_pow(x, y)
        return self.z

    def backward(self, g):
        n = self.needs_input_grad
        x, y = self.x, self.y
        gx = gy = None
        if n[0]:  # torch: 0 where y = 0 (x^-1 at x = 0 would make it 0 * inf)
            with np.errstate(divide="ignore", invalid="ignore"):
                gx = np.where(y == 0, 0, g * y * x ** (y - 1)).astype(g.dtype, copy=False)
            gx = unbroadcast(gx, x.shape)
        if n[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                logx = np.where(x > 0, np.log(np.where(x > 0, x, 1)), np.where(x == 0, -np.inf, np.nan))
                gy = g * self.z * logx.astype(self.z.dtype)
            gy = np.where((x == 0) & (y >= 0), 0, gy).astype(self.z.dtype)
            gy = unbroadcast(gy, y.shape)
        return gx, gy


def _int_pow(x, y):
    """x ** y for integer arrays with some y < 0, which numpy refuses: torch gives 1/x truncated to an integer there
    (1 for x = 1, +-1 for x = -1, else 0)"""
    neg = y < 0
    z = x ** np.where(neg, 0, y).astype(y.dtype, copy=False)
    odd = (y & 1).astype(bool)
    return np.where(neg, np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0)), z).astype(z.dtype)


class PowScalar(Function):
    """z = x ** p (p a Python number);  dx = dz * p * x^(p-1)"""
    def forward(self, x, p):
        self.x, self.p = x, p
        if p == 2:
            return x * x
        return x ** p

    def backward(self, g):
        p = self.p
        if p == 2:
            return g * (2 * self.x)
        if p == 0:
            return g * 0
        return g * (p * self.x ** (p - 1))


def _max_weights(x, y):
    """Gradient shares of z = max(x, y), torch's rule: the larger takes all, ties split evenly, and a NaN pair
    (no order) passes the whole gradient to both."""
    half = 0.5 * (x == y)
    return 1 - (x < y) - half, 1 - (x > y) - half


class Maximum(Function):
    """z = max(x, y);  dx, dy by _max_weights"""
    def forward(self, x, y):
        self.x, self.y = x, y
        return np.maximum(x, y)

    def backward(self, g):
        wx, wy = _max_weights(self.x, self.y)
        return (unbroadcast(g * wx.astype(g.dtype), self.x.shape),
                unbroadcast(g * wy.astype(g.dtype), self.y.shape))


class Minimum(Function):
    """z = min(x, y);  dx, dy by _max_weights, the shares swapped (the smaller takes all)"""
    def forward(self, x, y):
        self.x, self.y = x, y
        return np.minimum(x, y)

    def backward(self, g):
        wy, wx = _max_weights(self.x, self.y)
        return (unbroadcast(g * wx.astype(g.dtype), self.x.shape),
                unbroadcast(g * wy.astype(g.dtype), self.y.shape))


def _same_layout(c, x, y):
    """Whether a boolean c and arrays x, y share one shape and are all C-contiguous (what the select kernels take)."""
    return (c.dtype == np.bool_ and c.shape == x.shape == y.shape and c.flags.c_contiguous and x.flags.c_contiguous
            and y.flags.c_contiguous)


class Where(Function):
    """z = where(c, x, y);  dx = dz where c, dy = dz where not c"""
    reads_for = ((1, 2), (), ())  # only the condition is read back
    def forward(self, c, x, y):
        self.c, self.xs, self.ys = c, x.shape, y.shape
        k = self.kernels = fused_for(x, y)
        if k is not None and _same_layout(c, x, y):  # numpy's where branches per element: 10x slower on random c
            return k.select(c, x, y)
        return np.where(c, x, y)

    def backward(self, g):
        zero = g.dtype.type(0)
        n, c, k = self.needs_input_grad, self.c, self.kernels
        if k is not None and self.xs == self.ys == g.shape and _same_layout(c, g, g) and g.dtype == np.float32:
            return None, k.select_zero(c, g, True) if n[1] else None, k.select_zero(c, g, False) if n[2] else None
        return (None,
                unbroadcast(np.where(c, g, zero), self.xs) if n[1] else None,
                unbroadcast(np.where(c, zero, g), self.ys) if n[2] else None)


class Cast(Function):
    """z = x.astype(dtype);  dx = dz cast back"""
    saves_inputs = False
    def forward(self, x, dtype):
        self.in_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, g):
        return g.astype(self.in_dtype)


class Neg(Function):
    """z = -x;  dx = -dz"""
    saves_inputs = False
    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Exp(Function):
    """z = e^x;  dx = dz * z"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = np.exp(x)
        return self.z

    def backward(self, g):
        return g * self.z


class Log(Function):
    """z = ln x;  dx = dz / x"""
    def forward(self, x):
        self.x = x
        return np.log(x)

    def backward(self, g):
        return g / self.x


class Log2(Function):
    """z = log2 x;  dx = dz / (x ln 2)"""
    def forward(self, x):
        self.x = x
        return np.log2(x)

    def backward(self, g):
        return g / (self.x * math.log(2))


class Log10(Function):
    """z = log10 x;  dx = dz / (x ln 10)"""
    def forward(self, x):
        self.x = x
        return np.log10(x)

    def backward(self, g):
        return g / (self.x * math.log(10))


class Log1p(Function):
    """z = ln(1 + x);  dx = dz / (1 + x)"""
    def forward(self, x):
        self.x = x
        return np.log1p(x)

    def backward(self, g):
        return g / (1 + self.x)


class Expm1(Function):
    """z = e^x - 1;  dx = dz * (z + 1)"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = np.expm1(x)
        return self.z

    def backward(self, g):
        return g * (self.z + 1)


class Sqrt(Function):
    """z = sqrt x;  dx = dz / (2 z)"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = np.sqrt(x)
        return self.z

    def backward(self, g):
        return g / (2 * self.z)


class Rsqrt(Function):
    """z = 1 / sqrt x;  dx = -dz z^3 / 2"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = 1 / np.sqrt(x)
        return self.z

    def backward(self, g):
        return g * (-0.5 * self.z ** 3)


class Sin(Function):
    """z = sin x;  dx = dz cos x"""
    def forward(self, x):
        self.x = x
        return np.sin(x)

    def backward(self, g):
        return g * np.cos(self.x)


class Cos(Function):
    """z = cos x;  dx = -dz sin x"""
    def forward(self, x):
        self.x = x
        return np.cos(x)

    def backward(self, g):
        return -g * np.sin(self.x)


class Tanh(Function):
    """z = tanh x;  dx = dz (1 - z^2)"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = np.tanh(x)
        return self.z

    def backward(self, g):
        return g * (1 - self.z * self.z)


def _sigmoid(x):
    # 1 / (1 + e^-x) keeps full relative precision for very negative x (the tanh form cancels to 0 there);
    # -x is capped below exp's float32/float64 overflow so no warning is raised and the result is still ~0
    if x.dtype.itemsize < 4:  # float16/bfloat16 overflow exp at 11: compute in float32, as torch does
        return _sigmoid(x.astype(np.float32)).astype(x.dtype)
    return 1 / (1 + np.exp(np.minimum(-x, 88.0 if x.dtype.itemsize == 4 else 709.0)))


class Sigmoid(Function):
    """z = 1 / (1 + e^-x);  dx = dz z (1 - z)"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = _sigmoid(x)
        return self.z

    def backward(self, g):
        return g * self.z * (1 - self.z)


class Relu(Function):
    """z = max(x, 0);  dx = dz where x > 0"""
    saves_inputs = False
    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, x.dtype.type(0))

    def backward(self, g):
        return g * self.mask


class Silu(Function):
    """z = x sigmoid(x);  dx = dz s (1 + x (1 - s))"""
    def forward(self, x):
        self.x = x
        self.s = _sigmoid(x)
        return x * self.s

    def backward(self, g):
        s = self.s
        return g * (s * (1 + self.x * (1 - s)))


class Softplus(Function):
    """z = log(1 + e^(beta x)) / beta, linear above threshold;  dx = dz sigmoid(beta x)"""
    def forward(self, x, beta=1.0, threshold=20.0):
        self.x, self.beta, self.threshold = x, beta, threshold
        bx = x * beta
        with np.errstate(invalid="ignore"):  # logaddexp(0, nan) is nan, as it should be, but numpy also warns
            return np.where(bx > threshold, x, np.logaddexp(bx.dtype.type(0), bx) / beta).astype(x.dtype)

    def backward(self, g):
        bx = self.x * self.beta
        return g * np.where(bx > self.threshold, 1, _sigmoid(bx)).astype(g.dtype)


def erf(x):
    """erf for float arrays. float64 uses math.erf (exact, slow; for checks); other dtypes use the
    Numerical Recipes erfc Chebyshev fit (relative error < 1.2e-7), fast and float32-exact enough."""
    xp = xp_of(x)
    if xp is not np:
        import cupyx.scipy.special
        return cupyx.scipy.special.erf(x)
    if x.dtype.itemsize < 4:  # the fit's coefficients need float32 (float16 is off by ~5%): as torch, upcast
        return erf(x.astype(np.float32)).astype(x.dtype)
    if x.dtype == np.float64:
        return np.asarray(np.frompyfunc(math.erf, 1, 1)(x), dtype=np.float64)  # asarray: 0-d gives a Python float
    z = np.abs(x)
    t = 1 / (1 + 0.5 * z)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
        0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(-z * z + poly)
    return (np.sign(x) * (1 - erfc)).astype(x.dtype)


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


class Gelu(Function):
    """exact: z = x Phi(x), dx = dz (Phi(x) + x phi(x));
    tanh: z = x/2 (1 + tanh(u)), u = sqrt(2/pi)(x + 0.044715 x^3)"""
    def forward(self, x, approximate="none"):
        self.x, self.approximate = x, approximate
        self.cuda = _cuda.kernels_for(x)
        if self.cuda is not None:  # one fused pass on the GPU (Triton)
            return self.cuda.gelu_fwd(x, approximate)
        self.kernels = fused_for(x)  # one fused pass (numba) instead of ~10 numpy passes with temporaries
        if self.kernels is not None:
            return self.kernels.gelu(x, approximate)
        if approximate == "tanh":
            self.t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
            return 0.5 * x * (1 + self.t)
        self.cdf = 0.5 * (1 + erf(x * _INV_SQRT_2))
        return x * self.cdf

    def backward(self, g):
        x = self.x
        if self.cuda is not None:
            return self.cuda.gelu_bwd(g, x, self.approximate)
        if self.kernels is not None and g.dtype == np.float32:
            return self.kernels.gelu_backward(x, g, self.approximate)
        if self.approximate == "tanh":
            t = self.t
            du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return g * (self.cdf + x * pdf)


class Abs(Function):
    """z = |x|;  dx = dz sign(x)"""
    def forward(self, x):
        self.x = x
        return np.abs(x)

    def backward(self, g):
        return g * np.sign(self.x)


class Reciprocal(Function):
    """z = 1/x;  dx = -dz z^2"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = 1 / x
        return self.z

    def backward(self, g):
        return -g * self.z * self.z


class Clamp(Function):
    """z = min(max(x, lo), hi);  dx = dz where lo <= x <= hi (torch's rule: nowhere when lo > hi)"""
    saves_inputs = False
    def forward(self, x, lo=None, hi=None):
        z, self.mask = x, None
        if lo is not None:
            z = np.maximum(z, lo)
            self.mask = x >= lo
        if hi is not None:
            z = np.minimum(z, hi)
            self.mask = x <= hi if self.mask is None else self.mask & (x <= hi)
        return z.astype(x.dtype, copy=False)

    def backward(self, g):
        return g if self.mask is None else g * self.mask


class ClampT(Function):
    """clamp with tensor bounds, torch's rule: dx flows where lo <= x <= hi (ties and NaN bounds included),
    d(lo) where x < lo < hi, d(hi) where x > hi or hi < lo (then z = hi)"""
    saves_inputs = False
    def forward(self, x, lo, hi):
        self.shapes = (x.shape, lo.shape, hi.shape)
        z = np.minimum(np.maximum(x, lo), hi)
        self.from_x = (x >= lo) & (x <= hi)
        self.from_lo = (x < lo) & (lo < hi)
        self.from_hi = (x > hi) | (hi < lo)
        return z

    def backward(self, g):
        xs, ls, hs = self.shapes
        return (unbroadcast(g * self.from_x, xs), unbroadcast(g * self.from_lo, ls),
                unbroadcast(g * self.from_hi, hs))


class Piecewise(Function):
    """z = fn(*xs) for a piecewise-constant fn (sign, floor, round, floor division);  dxs = 0, as in torch"""
    saves_inputs = False
    def forward(self, *xs, fn):
        self.shapes = [x.shape for x in xs]
        return fn(*xs)

    def backward(self, g):
        return tuple(zeros_on(g, s) for s in self.shapes)


class Remainder(Function):
    """z = x - floor(x / y) y (sign of y, Python's %);  dx = dz, dy = -dz floor(x / y)"""
    def forward(self, x, y):
        self.x, self.y = x, y
        return np.mod(x, y)

    def backward(self, g):
        n = self.needs_input_grad
        return (unbroadcast(g, self.x.shape) if n[0] else None,
                unbroadcast(-g * np.floor_divide(self.x, self.y), self.y.shape) if n[1] else None)


class Fmod(Function):
    """z = x - trunc(x / y) y (sign of x, C's fmod);  dx = dz, dy = -dz trunc(x / y)"""
    def forward(self, x, y):
        self.x, self.y = x, y
        return np.fmod(x, y)

    def backward(self, g):
        n = self.needs_input_grad
        return (unbroadcast(g, self.x.shape) if n[0] else None,
                unbroadcast(-g * trunc_divide(self.x, self.y), self.y.shape) if n[1] else None)


def trunc_divide(x, y):
    """Division rounded toward zero; integers stay exact (no float round trip)."""
    if x.dtype.kind in "iu":
        q = np.floor_divide(x, y)
        return q + ((np.mod(x, y) != 0) & ((x < 0) != (y < 0)))
    return np.trunc(x / y)
