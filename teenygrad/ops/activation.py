"""Activation functions with their own formulas: relu, silu, softplus, gelu (and erf, which gelu and special.Erf
share). tanh and sigmoid are plain one-input ops (unary.py); the clipped ones (hardtanh, hardswish, elu)
live with the fused nn ops."""
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import dense_order, inverse_axes, xp_of
from ..backend.cpu import fused, fused_for, one_pass_for
from ..backend import cuda as _cuda
from ..autograd.graph_backward import where as _where
from .elementwise import _sigmoid, select


_RELU_KERNEL_SIZE = 2048  # the one-pass kernel from this size on: below it its call costs more than numpy's second
# pass (float32 (4,): 7.2 vs 5.0 us a relu, (32, 100): 7.7 vs 8.2, (64, 120): 8.2 vs 12.0)


class Relu(Function):
    """z = max(x, 0);  dx = dz where z > 0 (the output, as torch's threshold_backward reads it: no mask is made in
    forward, and float32 runs the backward as one kernel pass)"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        k = one_pass_for(x) if x.size >= _RELU_KERNEL_SIZE else None
        if k is not None:
            self.z = k.relu(x)
            return self.z
        zero = x.dtype.type(0)
        # 0 first: float32 / float64's maximum returns its second argument on a tie, so -0.0 stays -0.0, as torch's
        # relu; float16's returns its first (0 for -0.0): a select there
        self.z = np.where(x < zero, zero, x) if x.dtype.char == "e" else np.maximum(zero, x)
        return self.z

    def backward(self, g):
        z = self.z
        k = one_pass_for(g, z)
        if k is not None:
            return k.relu_backward(g, z)
        m = ~(z <= 0)  # as torch's threshold_backward: a NaN output keeps its gradient (NaN <= 0 is false)
        if type(g) is not np.ndarray:  # cupy: where is one kernel (and .any() would wait for the GPU)
            return xp_of(g).where(m, g, g.dtype.type(0))
        dx = g * m  # numpy's where branches per element (10x slower); NaN * 0 would leave a NaN where torch has 0
        return np.where(m, g, 0) if np.isnan(dx).any() else dx

    def backward_graph(self, g):
        return _where(~(self.z <= 0), g, 0.0)


class Silu(Function):
    """z = x sigmoid(x);  dx = dz s (1 + x (1 - s))"""
    def forward(self, x):
        self.x = x
        self.kernels = fused_for(x)
        if self.kernels is not None:  # one pass (numba); the backward recomputes s in its own pass
            return self.kernels.silu(x)
        self.s = _sigmoid(x)
        return x * self.s

    def backward(self, g):
        if self.kernels is not None and g.dtype == np.float32:
            return self.kernels.silu_backward(self.x, g)
        s = self.s
        return g * (s * (1 + self.x * (1 - s)))

    def backward_graph(self, g):
        x = self._input(0, self.x)
        s = x.sigmoid()  # recomputed: the saved s is no graph node's output
        return g * (s * (1.0 + x * (1.0 - s)))


_UNKNOWN = object()  # Softplus.above before anyone asked (the kernel's forward makes no mask)


class Softplus(Function):
    """z = log(1 + e^(beta x)) / beta, linear above threshold;  dx = dz sigmoid(beta x)"""
    def forward(self, x, beta=1.0, threshold=20.0):
        self.x, self.beta, self.threshold = x, beta, threshold
        k = one_pass_for(x) if beta != 0 else None
        if k is not None:  # one pass (numpy: nine, with a mask and an .any())
            self.above = _UNKNOWN  # asked only if the numpy backward or the graph backward needs it
            return k.softplus(x, beta, threshold)
        bx = x * beta
        # log(1 + e^bx) = max(bx, 0) + log1p(e^-|bx|): four vectorised passes (numpy's logaddexp is ~10x slower)
        y = xp_of(x).asarray(np.log1p(np.exp(-np.abs(bx))) + np.maximum(bx, 0))  # asarray: 0-d gives a scalar
        if beta != 1:
            y /= y.dtype.type(beta)
        above = bx > threshold
        self.above = above if above.any() else None  # linear above the threshold, as torch (asked once: on a GPU
        if self.above is not None:                   # .any() waits for the device)
            np.copyto(y, x, where=above)
        return y.astype(x.dtype, copy=False)

    def _above(self):
        """where beta x > threshold, None if nowhere"""
        if self.above is _UNKNOWN:
            above = self.x * self.beta > self.threshold
            self.above = above if above.any() else None
        return self.above

    def backward(self, g):
        k = one_pass_for(g, self.x)
        if k is not None:  # one pass (numpy: five, a mask and a scatter)
            return k.softplus_backward(g, self.x, self.beta, self.threshold)
        s = _sigmoid(self.x * self.beta)
        above = self._above()
        if above is not None:
            s = np.where(above, s.dtype.type(1), s)  # (a 0-d x makes s a numpy scalar: no item assignment)
        return g * s.astype(g.dtype, copy=False)

    def backward_graph(self, g):
        x, beta, above = self._input(0, self.x), float(self.beta), self._above()
        s = (x * beta).sigmoid()
        return g * s if above is None else _where(above, g, g * s)


class LeakyRelu(Function):
    """z = x (x > 0), slope x (else);  dx = dz (x > 0), slope dz (else). One node (it was a where of two)."""
    def forward(self, x, slope):
        self.x, self.slope = x, slope
        k = one_pass_for(x)
        if k is not None:  # one pass (numpy: a multiply, then a max into it)
            return k.leaky_relu(x, slope)
        y = xp_of(x).asarray(x * x.dtype.type(slope))  # asarray: 0-d gives a scalar, which out= refuses
        # max(x, slope x) is x for x > 0 and slope x below for slope <= 1 (min for slope > 1), NaN kept: exact
        return np.maximum(x, y, out=y) if slope <= 1 else np.minimum(x, y, out=y)

    def backward(self, g):
        x = self.x
        k = one_pass_for(g, x)
        if k is not None:  # one pass (numpy: a mask, a multiply, a select)
            return k.leaky_relu_backward(g, x, self.slope)
        return select(x > 0, g, g * g.dtype.type(self.slope))

    def backward_graph(self, g):
        return _where(self.x > 0, g, g * float(self.slope))


def erf(x):
    """erf for float arrays. float64 uses libm's erf (exact: what gradchecks compare), in a numba loop or, without
    numba, through math.erf per element (10x slower); float32 a numba pass of a rational fit (within 3.4e-7) or,
    without numba, the Numerical Recipes erfc Chebyshev fit (relative error < 1.2e-7), float32-exact enough."""
    xp = xp_of(x)
    if xp is not np:
        import cupyx.scipy.special
        return cupyx.scipy.special.erf(x)
    if x.dtype.itemsize < 4:  # the fit's coefficients need float32 (float16 is off by ~5%): as torch, upcast
        return erf(x.astype(np.float32)).astype(x.dtype)
    if (x.dtype == np.float64 or x.dtype == np.float32) and fused() is not None:
        from ..backend import _numba_elementwise as K
        laid = dense_order(x)
        if laid is not None:  # x.t(): over its memory, and the result keeps x's layout, as torch's
            axes, x = laid
            return erf(x.transpose(axes)).transpose(inverse_axes(axes))
        x = x if x.flags.c_contiguous else x.copy()  # (np.ascontiguousarray would make a 0-d array 1-d)
        out = np.empty(x.shape, x.dtype)
        (K.erf64 if x.dtype == np.float64 else K.erf32)(x.reshape(-1), out.reshape(-1))
        return out
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
        self.low = x.dtype if type(x) is np.ndarray and x.dtype.itemsize < 4 else None
        if self.low is not None:  # float16 / bfloat16 on the CPU: computed in float32 and rounded once, as torch
            return self._forward(x.astype(np.float32), approximate).astype(self.low)
        return self._forward(x, approximate)

    def backward(self, g):
        if self.low is not None:
            return self._backward(g.astype(np.float32)).astype(self.low)
        return self._backward(g)

    def _forward(self, x, approximate):
        self.x, self.approximate = x, approximate
        self.cuda = _cuda.kernels_for(x)
        if self.cuda is not None:  # one fused pass on the GPU (Triton)
            return self.cuda.gelu_fwd(x, approximate)
        self.kernels = fused_for(x)  # one fused pass (numba) instead of ~10 numpy passes with temporaries
        if self.kernels is not None:
            if approximate == "tanh" or self.needs_input_grad is None:
                self.cdf = None  # the backward recomputes it (tanh's form has none)
                return self.kernels.gelu(x, approximate)
            y, self.cdf = self.kernels.gelu(x, approximate, keep_cdf=True)  # the backward skips the erf
            return y
        if approximate == "tanh":
            self.t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
            return 0.5 * x * (1 + self.t)
        self.cdf = 0.5 * (1 + erf(x * _INV_SQRT_2))
        return x * self.cdf

    def _backward(self, g):
        x = self.x
        if self.cuda is not None:
            return self.cuda.gelu_bwd(g, x, self.approximate)
        if self.kernels is not None and g.dtype == np.float32:
            return self.kernels.gelu_backward(x, g, self.approximate, self.cdf)
        if self.approximate == "tanh":
            t = self.t
            du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return g * (self.cdf + x * pdf)

    def backward_graph(self, g):
        x = self._input(0, self.x)  # cdf / tanh recomputed as graph nodes (the fused kernels save neither)
        if self.low is not None:  # float16 / bfloat16: in float32, rounded once, as backward and torch's gelu_backward
            return self._slope_graph(x.float(), g.float()).to(g.dtype)
        return self._slope_graph(x, g)

    def _slope_graph(self, x, g):
        if self.approximate == "tanh":
            t = (_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)).tanh()
            du = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du)
        cdf = 0.5 * (1.0 + (x * _INV_SQRT_2).erf())
        pdf = _INV_SQRT_2PI * (-0.5 * x * x).exp()
        return g * (cdf + x * pdf)
