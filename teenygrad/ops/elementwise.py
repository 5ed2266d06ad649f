"""Elementwise ops. Binary ops broadcast; their backward sums the gradient back to each input's shape.
Here the arithmetic (add, sub, mul, div, pow, maximum/minimum, remainder/fmod) and Piecewise; the one-input math
(exp, log, sqrt, sin, tanh, sigmoid, ...) and Cast live in unary.py, select, Where and the clamps in where.py, all
re-exported here. relu, silu, softplus, gelu and erf live in activation.py; inverse trigonometry and the other special
functions in special.py."""
import numpy as np
from ..autograd.function import Function
from .._arrays import unbroadcast, zeros_on
from ..backend.cpu import fused_for
from ..autograd.graph_backward import const, sum_to, where as _where
from .unary import (Cast, Neg, Exp, Log, Log2, Log10, Log1p, Expm1, Sqrt, Rsqrt, Sin, Cos, Tan, Sinh,  # noqa: F401
                    Cosh, Tanh, _sigmoid, Sigmoid, Abs, Reciprocal)
from .where import _same_layout, _is_array, select, Where, Clamp, ClampT  # noqa: F401


class Add(Function):
    """z = x + y;  dx = dz, dy = dz"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, y):
        self.xs, self.ys = x.shape, y.shape
        return x + y

    def backward(self, g):
        return unbroadcast(g, self.xs), unbroadcast(g, self.ys)

    def backward_graph(self, g):
        return sum_to(g, self.xs), sum_to(g, self.ys)


class Sub(Function):
    """z = x - y;  dx = dz, dy = -dz"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, y):
        self.xs, self.ys = x.shape, y.shape
        return x - y

    def backward(self, g):
        n = self.needs_input_grad
        return unbroadcast(g, self.xs), (unbroadcast(-g, self.ys) if n[1] else None)

    def backward_graph(self, g):
        return sum_to(g, self.xs), (sum_to(-g, self.ys) if self.needs_input_grad[1] else None)


class Mul(Function):
    """z = x * y;  dx = dz * conj(y), dy = dz * conj(x) (torch's convention for complex: conj is a no-op on reals)"""
    reads_for = ((1,), (0,))
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, g):
        n = self.needs_input_grad
        x, y = self.x, self.y
        if x.dtype.kind == "c":  # both operands share one dtype (tensor.py promotes): one test covers both
            x, y = x.conj(), y.conj()
        return (unbroadcast(g * y, x.shape) if n[0] else None,
                unbroadcast(g * x, y.shape) if n[1] else None)

    def backward_graph(self, g):
        n = self.needs_input_grad
        x, y = self._input(0, self.x), self._input(1, self.y)
        if self.x.dtype.kind == "c":
            x, y = x.conj(), y.conj()
        return (sum_to(g * y, x.shape) if n[0] else None), (sum_to(g * x, y.shape) if n[1] else None)


def _lerp(x, e, w):
    with np.errstate(invalid="ignore", over="ignore"):
        d = e - x
        return np.where(np.abs(w) < 0.5, x + w * d, e - d * (1 - w))


class Lerp(Function):
    """z = x + w (e - x), from e's side (e - (e - x)(1 - w)) where |w| >= 0.5, as torch;
    dx = dz (1 - w), de = dz w, dw = dz (e - x) (conjugated for complex, torch's convention)"""
    def forward(self, x, e, w):
        self.x, self.e, self.w = x, e, w
        if x.dtype.itemsize == 2 and x.dtype.kind in "fV":  # float16/bfloat16 in float32, rounded once, as torch
            f = np.float32
            return _lerp(x.astype(f), e.astype(f), w.astype(f) if isinstance(w, np.ndarray) else w).astype(x.dtype)
        return _lerp(x, e, w)

    def backward(self, g):
        n = self.needs_input_grad
        x, e, w = self.x, self.e, self.w
        if x.dtype.kind == "c":
            x, e, w = x.conj(), e.conj(), w.conj()
        with np.errstate(invalid="ignore", over="ignore"):
            return (unbroadcast(g * (1 - w), x.shape) if n[0] else None,
                    unbroadcast(g * w, e.shape) if n[1] else None,
                    unbroadcast(g * (e - x), w.shape) if n[2] else None)

    def backward_graph(self, g):
        n = self.needs_input_grad
        x, e, w = self._input(0, self.x), self._input(1, self.e), self._input(2, self.w)
        if self.x.dtype.kind == "c":
            x, e, w = x.conj(), e.conj(), w.conj()
        return (sum_to(g * (1 - w), self.x.shape) if n[0] else None,
                sum_to(g * w, self.e.shape) if n[1] else None,
                sum_to(g * (e - x), self.w.shape) if n[2] else None)


class MulScalar(Function):
    """z = x * s (s a Python float, kept as one: no 0-d constant array or tensor);  dx = dz * s"""
    saves_inputs = False
    def forward(self, x, s):
        self.s = s
        return x * s  # numpy 2 casts a Python float to x's dtype first, as x * float32(s) would

    def backward(self, g):
        return g * self.s

    def backward_graph(self, g):
        return g * self.s


class Div(Function):
    """z = x / y;  dx = dz / y, dy = -dz * (x / y) / y (conj(x), conj(y) for complex: torch's convention)"""
    reads_for = ((1,), (0, 1))  # x only for dy: torch saves x and y, not z (z = x / y; z += 1 is fine)
    def forward(self, x, y):
        n = self.__dict__.get("needs_input_grad")
        self.x = x if n is not None and n[1] else None  # kept only when dy will be wanted
        self.y = y
        self.xs = x.shape
        return x / y

    def backward(self, g):
        n = self.needs_input_grad
        x, y = self.x, self.y
        if y.dtype.kind == "c" or x is not None and x.dtype.kind == "c":
            x, y = (None if x is None else x.conj()), y.conj()
        gx = g / y
        return (unbroadcast(gx, self.xs) if n[0] else None,
                unbroadcast(-g * ((x / y) / y), y.shape) if n[1] else None)  # torch's rounding order

    def backward_graph(self, g):
        n = self.needs_input_grad
        x, y = (self._input(0, self.x) if n[1] else None), self._input(1, self.y)
        if self.y.dtype.kind == "c" or n[1] and self.x.dtype.kind == "c":
            x, y = (x.conj() if n[1] else None), y.conj()
        return (sum_to(g / y, self.xs) if n[0] else None,
                sum_to(-g * ((x / y) / y), y.shape) if n[1] else None)


class Pow(Function):
    """z = x ** y;  dx = dz * y * x^(y-1), dy = dz * z * log(x)"""
    saves_output = True
    reads_for, output_read_for = ((0, 1), (0,)), (1,)
    def forward(self, x, y):
        self.x, self.y = x, y
        self.z = x ** y if x.dtype.kind in "fcV" or not (y < 0).any() else _int_pow(x, y)
        return self.z

    def backward(self, g):
        n = self.needs_input_grad
        x, y = self.x, self.y
        if x.dtype.kind == "c" or y.dtype.kind == "c":
            return self._complex_backward(g, x, y, n)
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

    def _complex_backward(self, g, x, y, n):
        """torch's convention: dz times the conjugate derivatives; dx 0 where y = 0, dy 0 where x = 0 and y is real and
        >= 0"""
        gx = gy = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if n[0]:
                gx = unbroadcast(np.where(y == 0, 0, g * np.conj(y * x ** (y - 1))).astype(g.dtype, copy=False),
                                 x.shape)
            if n[1]:
                real_y = (np.imag(y) == 0) & (np.real(y) >= 0)  # torch: 0 only for a real, non-negative exponent
                gy = np.where((x == 0) & real_y, 0, g * np.conj(self.z * np.log(x)))
                gy = unbroadcast(gy.astype(self.z.dtype, copy=False), y.shape)
        return gx, gy

    def backward_graph(self, g):
        n, xa, ya = self.needs_input_grad, self.x, self.y
        x, y = self._input(0, xa), self._input(1, ya)
        gx = gy = None
        if xa.dtype.kind == "c" or ya.dtype.kind == "c":
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if n[0]:
                    gx = sum_to(_where(ya == 0, 0.0, g * (y * x ** (y - 1.0)).conj()), xa.shape)
                if n[1]:  # dy = dz conj(z log x); a real x is read as complex first (log of x < 0), as torch
                    real_y = (np.imag(ya) == 0) & (np.real(ya) >= 0)
                    xc = x if xa.dtype.kind == "c" else x._cast(self.z.dtype)
                    gy = sum_to(_where((xa == 0) & real_y, 0.0, g * (self._output(self.z) * xc.log()).conj()),
                                ya.shape)
            return gx, gy
        # the branches that torch's zeros replace stay finite (x^0, log x read as 0): their gradient is then 0, not
        # 0 * inf = NaN (a jvp, which differentiates this in g, read NaN at x = 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if n[0]:
                y0 = ya == 0
                gx = sum_to(_where(y0, 0.0, g * y * x ** (_where(y0, 1.0, y) - 1.0)), xa.shape)
            if n[1]:  # log x on x > 0 only; the -inf / NaN of x <= 0 enter as constants (no gradient there anyway)
                pos, zeroed = xa > 0, (xa == 0) & (ya >= 0)
                logx = _where(pos, _where(pos, x, 1.0).log(),
                              const(np.where(zeroed, 0, np.where(xa == 0, -np.inf, np.nan)).astype(xa.dtype)))
                gy = sum_to(_where(zeroed, 0.0, g * self._output(self.z) * logx), ya.shape)
        return gx, gy


def _int_pow(x, y):
    """x ** y for integer arrays with some y < 0, which numpy refuses: torch gives 1/x truncated to an integer there
    (1 for x = 1, +-1 for x = -1, else 0)"""
    neg = y < 0
    z = x ** np.where(neg, 0, y).astype(y.dtype, copy=False)
    odd = (y & 1).astype(bool)
    return np.where(neg, np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0)), z).astype(z.dtype)


class PowScalar(Function):
    """z = x ** p (p a Python number);  dx = dz * p * x^(p-1), both powers by pow_scalar"""
    def forward(self, x, p):
        self.x, self.p = x, p
        return pow_scalar(x, p)

    def backward(self, g):
        p = self.p
        if self.x.dtype.kind == "c":  # torch's convention for complex: dz times the conjugate derivative
            return g * np.conj(p * self.x ** (p - 1)) if p != 0 else g * 0
        if p == 2:
            return g * (2 * self.x)
        if p == 0:
            return g * 0
        gx = g * (p * pow_scalar(self.x, p - 1))
        return gx if gx.dtype == g.dtype else gx.astype(g.dtype)  # bfloat16 times a Python float: float32

    def backward_graph(self, g):
        p, x = self.p, self._input(0, self.x)
        if p == 0:
            return g * 0.0
        if self.x.dtype.kind == "c":  # the conjugate derivative, as in backward
            return g * (p * x ** (p - 1)).conj()
        return g * (p * x ** (p - 1)) if p != 2 else g * (2.0 * x)


def pow_scalar(x, p):
    """x ** p as torch's CPU kernel computes it for float32/float64: p = 2, 3 and -2 by multiplication (x*x*x, 1/(x*x)),
    0.5, -0.5 and -1 by sqrt, 1/sqrt and 1/x; any other p by pow. numpy's own shortcuts cover only 2, 0.5, -1, 0 and
    1; x ** 3.0 would be a scalar powf per element, ~30x slower than two multiplies (GELU's tanh form calls it).
    Other dtypes keep numpy's pow (float16 rounds one powf to half, as torch's; integers are exact either way)."""
    if x.dtype != np.float32 and x.dtype != np.float64:
        y = x * x if p == 2 else x ** p
        return y if y.dtype == x.dtype else y.astype(x.dtype)  # bfloat16 ** 2.5: numpy's loop gives float32
    if p == 2:
        return x * x
    if p == 3:
        return x * x * x
    # 0 ** -p is inf, 1e30 ** -2 is 0, (-1) ** 0.5 is nan: no warning (as torch)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if p == -2:
            return 1 / (x * x)
        if p == -0.5:
            return 1 / np.sqrt(x)
        return x ** p


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

    def backward_graph(self, g):
        return _shares_graph(self, g, *_max_weights(self.x, self.y))


class Minimum(Function):
    """z = min(x, y);  dx, dy by _max_weights, the shares swapped (the smaller takes all)"""
    def forward(self, x, y):
        self.x, self.y = x, y
        return np.minimum(x, y)

    def backward(self, g):
        wy, wx = _max_weights(self.x, self.y)
        return (unbroadcast(g * wx.astype(g.dtype), self.x.shape),
                unbroadcast(g * wy.astype(g.dtype), self.y.shape))

    def backward_graph(self, g):
        wy, wx = _max_weights(self.x, self.y)
        return _shares_graph(self, g, wx, wy)


def _shares_graph(f, g, wx, wy):
    """Maximum/Minimum backward_graph: g split by the constant shares wx, wy (piecewise constant: no 2nd order)"""
    n = f.needs_input_grad
    return (sum_to(g * const(wx.astype(g._data.dtype)), f.x.shape) if n[0] else None,
            sum_to(g * const(wy.astype(g._data.dtype)), f.y.shape) if n[1] else None)


class Piecewise(Function):
    """z = fn(*xs) for a piecewise-constant fn (sign, floor, round, floor division);  dxs = 0, as in torch"""
    saves_inputs = False
    def forward(self, *xs, fn):
        self.shapes = [x.shape for x in xs]
        return fn(*xs)

    def backward(self, g):
        return tuple(zeros_on(g, s) for s in self.shapes)

    def backward_graph(self, g):
        return tuple(const(zeros_on(g._data, s)) for s in self.shapes)


class Remainder(Function):
    """z = x - floor(x / y) y (sign of y, Python's %);  dx = dz, dy = -dz floor(x / y)"""
    reads_for = ((1,), (1,))  # x and y are read for dy only
    def forward(self, x, y):
        self.x, self.y = x, y
        return remainder(x, y)

    def backward(self, g):
        n = self.needs_input_grad
        return (unbroadcast(g, self.x.shape) if n[0] else None,
                unbroadcast(-g * np.floor_divide(self.x, self.y), self.y.shape) if n[1] else None)

    def backward_graph(self, g):
        return _mod_graph(self, g, np.floor_divide)


def remainder(x, y):
    """torch's float remainder: fmod(x, y), moved into y's sign where they differ (mod += y; a zero keeps x's sign,
    where np.mod gives +0). np.mod is a scalar divmod per element (~16 ns): float32 x with a number or a same-shape y
    takes the numba kernel, which is exact and vectorised (10x)."""
    if x.dtype.kind != "f":
        return np.mod(x, y)
    if fused_for(x, y) is not None and x.flags.c_contiguous and (y.ndim == 0 or (y.shape == x.shape and
                                                                                 y.flags.c_contiguous)):
        from ..backend import _numba_elementwise as K
        out = np.empty(x.shape, x.dtype)
        if y.ndim == 0:
            K.remainder_scalar(x.reshape(-1), y[()], out.reshape(-1))
        else:
            K.remainder(x.reshape(-1), y.reshape(-1), out.reshape(-1))
        return out
    m = np.fmod(x, y)
    return np.where((m != 0) & ((m < 0) != (y < 0)), m + y, m)


class Fmod(Function):
    """z = x - trunc(x / y) y (sign of x, C's fmod);  dx = dz, dy = -dz trunc(x / y)"""
    reads_for = ((1,), (1,))  # x and y are read for dy only
    def forward(self, x, y):
        self.x, self.y = x, y
        return np.fmod(x, y)

    def backward(self, g):
        n = self.needs_input_grad
        return (unbroadcast(g, self.x.shape) if n[0] else None,
                unbroadcast(-g * trunc_divide(self.x, self.y), self.y.shape) if n[1] else None)

    def backward_graph(self, g):
        return _mod_graph(self, g, trunc_divide)


def _mod_graph(f, g, divide):
    """Remainder/Fmod backward_graph: dx = dz, dy = -dz q with q = divide(x, y) piecewise constant"""
    n = f.needs_input_grad
    return (sum_to(g, f.x.shape) if n[0] else None,
            sum_to(-g * const(divide(f.x, f.y)), f.y.shape) if n[1] else None)


def trunc_divide(x, y):
    """Division rounded toward zero; integers stay exact (no float round trip)."""
    if x.dtype.kind in "iu":
        q = np.floor_divide(x, y)
        return q + ((np.mod(x, y) != 0) & ((x < 0) != (y < 0)))
    return np.trunc(x / y)
