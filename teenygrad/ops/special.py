"""Special and less common elementwise ops: erf, inverse trigonometry (asin, acos, atan, atan2), exp2, hypot,
copysign, fmax/fmin, xlogy, logit, heaviside and nan_to_num. Each is one Function with its backward beside its
forward; binary ones broadcast, and their backward sums the gradient back to each input's shape. The common
arithmetic and activations live in elementwise.py."""
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import unbroadcast, zeros_on
from .elementwise import erf


class Erf(Function):
    """z = erf x;  dx = dz 2/sqrt(pi) e^(-x^2)"""
    def forward(self, x):
        self.x = x
        return erf(x)

    def backward(self, g):
        return g * (2 / math.sqrt(math.pi) * np.exp(-self.x * self.x))


class Asin(Function):
    """z = asin x;  dx = dz / sqrt(1 - x^2)"""
    def forward(self, x):
        self.x = x
        return np.arcsin(x)

    def backward(self, g):
        return g / np.sqrt(1 - self.x * self.x)


class Acos(Function):
    """z = acos x;  dx = -dz / sqrt(1 - x^2)"""
    def forward(self, x):
        self.x = x
        return np.arccos(x)

    def backward(self, g):
        return -g / np.sqrt(1 - self.x * self.x)


class Atan(Function):
    """z = atan x;  dx = dz / (1 + x^2)"""
    def forward(self, x):
        self.x = x
        return np.arctan(x)

    def backward(self, g):
        return g / (1 + self.x * self.x)


class Atan2(Function):
    """z = atan2(y, x);  dy = dz x / (x^2 + y^2), dx = -dz y / (x^2 + y^2), both 0 at x = y = 0"""
    def forward(self, y, x):
        self.y, self.x = y, x
        return np.arctan2(y, x)

    def backward(self, g):
        y, x = self.y, self.x
        d = x * x + y * y
        r = np.where(d == 0, 0, g / np.where(d == 0, 1, d)).astype(g.dtype, copy=False)  # torch: 0 at the origin
        return unbroadcast(r * x, y.shape), unbroadcast(-r * y, x.shape)


class Exp2(Function):
    """z = 2^x;  dx = dz z ln 2"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = np.exp2(x)
        return self.z

    def backward(self, g):
        return g * (self.z * math.log(2))


class NanToNum(Function):
    """z = x with NaN, +inf, -inf replaced by the given numbers;  dx = dz where x is finite, else 0"""
    saves_inputs = False
    def forward(self, x, nan, posinf, neginf):
        self.finite = np.isfinite(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g):
        return g * self.finite


class Hypot(Function):
    """z = sqrt(x^2 + y^2);  dx = dz x / z, dy = dz y / z (NaN at z = 0, as torch)"""
    saves_output = True
    def forward(self, x, y):
        self.x, self.y = x, y
        self.z = np.hypot(x, y)
        return self.z

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = g / self.z
        return unbroadcast(r * self.x, self.x.shape), unbroadcast(r * self.y, self.y.shape)


class Copysign(Function):
    """z = |x| with the sign of y;  dx = dz z / x (0 where x = 0), dy = 0"""
    saves_output = True
    def forward(self, x, y):
        self.x, self.ys = x, y.shape
        self.z = np.copysign(x, y)
        return self.z

    def backward(self, g):
        x = self.x
        ratio = np.where(x == 0, 0, self.z / np.where(x == 0, 1, x)).astype(g.dtype, copy=False)
        return unbroadcast(g * ratio, x.shape), zeros_on(g, self.ys)


class Fmax(Function):
    """z = max(x, y) ignoring NaN (NaN only where both are);  dx = dz where x >= y or y is NaN, dy = dz elsewhere
    (ties go to x: torch's rule, unlike maximum's even split)"""
    saves_inputs = False
    op = staticmethod(np.fmax)

    def forward(self, x, y):
        self.xs, self.ys = x.shape, y.shape
        self.to_x = np.broadcast_to(self._wins(x, y) | np.isnan(y), np.broadcast_shapes(x.shape, y.shape))
        return self.op(x, y)

    @staticmethod
    def _wins(x, y):
        return x >= y

    def backward(self, g):
        zero = g.dtype.type(0)
        return (unbroadcast(np.where(self.to_x, g, zero), self.xs),
                unbroadcast(np.where(self.to_x, zero, g), self.ys))


class Fmin(Fmax):
    """z = min(x, y) ignoring NaN;  dx = dz where x <= y or y is NaN, dy = dz elsewhere"""
    op = staticmethod(np.fmin)

    @staticmethod
    def _wins(x, y):
        return x <= y


class Xlogy(Function):
    """z = x log y (0 where x = 0 and y is not NaN);  dx = dz log y (0 where x = 0 and y <= 0, or dz = 0),
    dy = dz x / y"""
    def forward(self, x, y):
        self.x, self.y = x, y
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((x == 0) & ~np.isnan(y), 0, x * np.log(y)).astype(np.result_type(x, y), copy=False)

    def backward(self, g):
        x, y = self.x, self.y
        n = self.needs_input_grad
        gx = gy = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if n[0]:
                gx = np.where(((g == 0) & ~np.isnan(y)) | ((x == 0) & (y <= 0)), 0, g * np.log(y))
                gx = unbroadcast(gx.astype(g.dtype, copy=False), x.shape)
            if n[1]:
                gy = unbroadcast(g * x / y, y.shape)
        return gx, gy


class Logit(Function):
    """z = log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given;  dx = dz / (x (1 - x)), 0 outside
    [eps, 1 - eps] (NaN outside [0, 1] without eps, as torch)"""
    def forward(self, x, eps=None):
        self.x, self.eps = x, eps
        if eps is not None:
            x = np.clip(x, x.dtype.type(eps), x.dtype.type(1 - eps))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x / (1 - x))

    def backward(self, g):
        x, eps = self.x, self.eps
        lo, hi = (0, 1) if eps is None else (eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            dx = g / (x * (1 - x))
        outside = (x < lo) | (x > hi)
        return np.where(outside, g.dtype.type(np.nan if eps is None else 0), dx)


class Heaviside(Function):
    """z = 0 for x < 0, v for x = 0, 1 for x > 0;  no derivative (torch raises too)"""
    saves_inputs = False
    def forward(self, x, v):
        d = np.result_type(x, v)
        return np.where(x == 0, v, x > 0).astype(d, copy=False)  # NaN gives 0 (NaN > 0 is false), as torch

    def backward(self, g):
        raise RuntimeError("heaviside: the derivative is not implemented (as in torch)")
