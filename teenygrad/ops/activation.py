"""Activation functions with their own formulas: relu, silu, softplus, gelu (and erf, which gelu and special.Erf
share). tanh and sigmoid are plain elementwise ops (elementwise.py); the clipped ones (hardtanh, hardswish, elu)
live with the fused nn ops."""
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import xp_of
from ..backend.cpu import fused_for
from ..backend import cuda as _cuda
from ..autograd.graph_backward import where as _where
from .elementwise import _sigmoid


class Relu(Function):
    """z = max(x, 0);  dx = dz where x > 0"""
    saves_inputs = False
    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, x.dtype.type(0))

    def backward(self, g):
        return g * self.mask

    def backward_graph(self, g):
        return _where(self.mask, g, 0.0)


class Silu(Function):
    """z = x sigmoid(x);  dx = dz s (1 + x (1 - s))"""
    def forward(self, x):
        self.x = x
        self.s = _sigmoid(x)
        return x * self.s

    def backward(self, g):
        s = self.s
        return g * (s * (1 + self.x * (1 - s)))

    def backward_graph(self, g):
        x = self._input(0, self.x)
        s = x.sigmoid()  # recomputed: the saved s is no graph node's output
        return g * (s * (1.0 + x * (1.0 - s)))


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

    def backward_graph(self, g):
        x, beta = self._input(0, self.x), float(self.beta)
        return _where(self.x * self.beta > self.threshold, g, g * (x * beta).sigmoid())


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

    def backward_graph(self, g):
        x = self._input(0, self.x)  # cdf / tanh recomputed as graph nodes (the fused kernels save neither)
        if self.approximate == "tanh":
            t = (_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)).tanh()
            du = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du)
        cdf = 0.5 * (1.0 + (x * _INV_SQRT_2).erf())
        pdf = _INV_SQRT_2PI * (-0.5 * x * x).exp()
        return g * (cdf + x * pdf)
