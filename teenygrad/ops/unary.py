"""One-input elementwise ops: the cast, negation, exp and the logarithms, square roots, sin, cos, tan, sinh and cosh, tanh and
sigmoid, abs and reciprocal, each with its derivative beside it. Re-exported by elementwise.py."""
import math
import numpy as np
from ..autograd.function import Function
from ..backend.cpu import fused_for, one_pass_for
from ..autograd.graph_backward import const, where as _where
from .._arrays import layout_copy, torch_layout


def _quiet():
    """numpy's divide / invalid warnings off: log 0 = -inf, sqrt -1 = nan, 1 / 0 = inf are values here, as in torch
    (which doesn't warn)"""
    return np.errstate(divide="ignore", invalid="ignore")


class Cast(Function):
    """z = x.astype(dtype);  dx = dz cast back"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x, dtype, order=None):
        self.in_dtype = x.dtype
        if order is None and 0 not in x.strides:
            return x.astype(dtype)
        # an expanded x: numpy's order K would put the stride-0 axis innermost (order: clone's layout)
        return layout_copy(x, dtype, torch_layout(x) if order is None else order)

    def backward(self, g):
        if g.dtype.kind == "c" and self.in_dtype.kind != "c":  # real -> complex: the real input gets Re(dz)
            g = g.real
        return g.astype(self.in_dtype)

    def backward_graph(self, g):
        if g._data.dtype.kind == "c" and self.in_dtype.kind != "c":
            g = g.real
        return g.to(self.in_dtype)


class Neg(Function):
    """z = -x;  dx = -dz"""
    keeps_graph = True
    saves_inputs = False
    def forward(self, x):
        return -x

    def backward(self, g):
        return -g

    def backward_graph(self, g):
        return -g


class Exp(Function):
    """z = e^x;  dx = dz * z"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        with np.errstate(over="ignore"):  # e^100 is inf in float32, as torch (which doesn't warn)
            self.z = np.exp(x)
        return self.z

    def backward(self, g):
        with np.errstate(invalid="ignore"):  # 0 * inf is nan
            return g * self.z

    def backward_graph(self, g):
        return g * self._output(self.z)


class Log(Function):
    """z = ln x;  dx = dz / x"""
    def forward(self, x):
        self.x = x
        with _quiet():
            return np.log(x)

    def backward(self, g):
        with _quiet():
            return g / self.x

    def backward_graph(self, g):
        return g / self._input(0, self.x)


class Log2(Function):
    """z = log2 x;  dx = dz / (x ln 2)"""
    def forward(self, x):
        self.x = x
        with _quiet():
            return np.log2(x)

    def backward(self, g):
        with _quiet():
            return g / (self.x * math.log(2))

    def backward_graph(self, g):
        return g / (self._input(0, self.x) * math.log(2))


class Log10(Function):
    """z = log10 x;  dx = dz / (x ln 10)"""
    def forward(self, x):
        self.x = x
        with _quiet():
            return np.log10(x)

    def backward(self, g):
        with _quiet():
            return g / (self.x * math.log(10))

    def backward_graph(self, g):
        return g / (self._input(0, self.x) * math.log(10))


class Log1p(Function):
    """z = ln(1 + x);  dx = dz / (1 + x)"""
    def forward(self, x):
        self.x = x
        with _quiet():
            return np.log1p(x)

    def backward(self, g):
        with _quiet():
            return g / (1 + self.x)

    def backward_graph(self, g):
        return g / (self._input(0, self.x) + 1.0)


class Expm1(Function):
    """z = e^x - 1;  dx = dz * (z + 1)"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = np.expm1(x)
        return self.z

    def backward(self, g):
        return g * (self.z + 1)

    def backward_graph(self, g):
        return g * (self._output(self.z) + 1.0)


class Sqrt(Function):
    """z = sqrt x;  dx = dz / (2 z)"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        with _quiet():
            self.z = np.sqrt(x)
        return self.z

    def backward(self, g):
        with _quiet():
            return g / (2 * self.z)

    def backward_graph(self, g):
        return g / (2.0 * self._output(self.z))


class Rsqrt(Function):
    """z = 1 / sqrt x;  dx = -dz z^3 / 2"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        with _quiet():
            self.z = 1 / np.sqrt(x)
        return self.z

    def backward(self, g):
        with _quiet():
            return g * (-0.5 * self.z ** 3)

    def backward_graph(self, g):
        return g * (-0.5 * self._output(self.z) ** 3)


class Sin(Function):
    """z = sin x;  dx = dz cos x"""
    def forward(self, x):
        self.x = x
        return np.sin(x)

    def backward(self, g):
        return g * np.cos(self.x)

    def backward_graph(self, g):
        return g * self._input(0, self.x).cos()


class Cos(Function):
    """z = cos x;  dx = -dz sin x"""
    def forward(self, x):
        self.x = x
        return np.cos(x)

    def backward(self, g):
        return -g * np.sin(self.x)

    def backward_graph(self, g):
        return -g * self._input(0, self.x).sin()


class Tan(Function):
    """z = tan x;  dx = dz (1 + z^2)"""
    saves_inputs, saves_output = False, True  # as torch's: x may be written in place after, z may not
    def forward(self, x):
        self.z = np.tan(x)
        return self.z

    def backward(self, g):
        return g * (1 + self.z * self.z)

    def backward_graph(self, g):
        z = self._output(self.z)
        return g * (1 + z * z)


class Sinh(Function):
    """z = sinh x;  dx = dz cosh x"""
    def forward(self, x):
        self.x = x
        return np.sinh(x)

    def backward(self, g):
        return g * np.cosh(self.x)

    def backward_graph(self, g):
        return g * self._input(0, self.x).cosh()


class Cosh(Function):
    """z = cosh x;  dx = dz sinh x"""
    def forward(self, x):
        self.x = x
        return np.cosh(x)

    def backward(self, g):
        return g * np.sinh(self.x)

    def backward_graph(self, g):
        return g * self._input(0, self.x).sinh()


def _rounded_once(fn, *arrays):
    """fn of float16/bfloat16 arrays computed in float32 and rounded once to the first one's dtype, as torch's
    kernels for these dtypes (numpy would round each step)"""
    return fn(*(a.astype(np.float32) for a in arrays)).astype(arrays[0].dtype)


class Tanh(Function):
    """z = tanh x;  dx = dz (1 - z^2)"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        k = one_pass_for(x)
        self.z = k.tanh(x) if k is not None else np.tanh(x)  # the kernel: 2.5x faster than numpy's on AVX2
        return self.z

    def backward(self, g):
        z = self.z
        if z.dtype.itemsize == 2:
            return _rounded_once(lambda g, z: g * (1 - z * z), g, z)
        k = one_pass_for(g, z)
        if k is not None:
            return k.tanh_backward(g, z)  # one pass (numpy: three, with temporaries)
        return g * (1 - z * z)

    def backward_graph(self, g):
        z = self._output(self.z)
        return g * (1 - z * z)


def _sigmoid(x):
    # 1 / (1 + e^-x) keeps full relative precision for very negative x (the tanh form cancels to 0 there); e^-x
    # overflowing to inf gives exactly 0, as torch (so silu(-inf) = -inf * 0 is NaN there too)
    if x.dtype.itemsize < 4:  # float16/bfloat16 overflow exp at 11: compute in float32, as torch does
        return _sigmoid(x.astype(np.float32)).astype(x.dtype)
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


class Sigmoid(Function):
    """z = 1 / (1 + e^-x);  dx = dz z (1 - z)"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        k = fused_for(x)
        self.z = k.sigmoid(x) if k is not None else _sigmoid(x)  # one pass instead of four
        return self.z

    def backward(self, g):
        z = self.z
        if z.dtype.itemsize == 2:  # as torch: bfloat16 in float32, rounded once; float16 rounded each step, in its order
            return _rounded_once(lambda g, z: g * (1 - z) * z, g, z) if z.dtype.kind == "V" else g * (1 - z) * z
        k = one_pass_for(g, z)
        if k is not None:
            return k.sigmoid_backward(g, z)  # one pass (numpy: three, with temporaries)
        return g * z * (1 - z)

    def backward_graph(self, g):
        z = self._output(self.z)
        return g * z * (1 - z)


class Abs(Function):
    """z = |x|;  dx = dz sign(x)"""
    def forward(self, x):
        self.x = x
        return np.abs(x)

    def backward(self, g):
        return g * _sign0(self.x)

    def backward_graph(self, g):
        if self.x.dtype.kind == "c":  # sgn(x) = x / |x| (0 at 0) depends on x: it stays in the graph
            x = self._input(0, self.x)
            return g * (x / _where(self.x != 0, x.abs(), 1.0))
        return g * const(_sign0(self.x))


def _sign0(x):
    """np.sign, 0 at NaN: torch's sign, and its abs gradient there (sgn of a complex x is x / |x|, 0 at 0: numpy's
    too)"""
    s = np.sign(x)
    if s.dtype.kind == "f":
        return np.where(s != s, s.dtype.type(0), s)  # (cupy arrays dispatch to cupy.where)
    if s.dtype.kind == "V":  # bfloat16: its np.sign keeps NaN and -0
        return np.where((s != s) | (s == 0), s.dtype.type(0), s)
    return s


class Reciprocal(Function):
    """z = 1/x;  dx = -dz z^2"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        with _quiet():
            self.z = 1 / x
        return self.z

    def backward(self, g):
        with _quiet():
            return -g * (self.z * self.z)  # torch's order: bit for bit its gradient of 1/x and of s/x

    def backward_graph(self, g):
        z = self._output(self.z)
        return -g * (z * z)
