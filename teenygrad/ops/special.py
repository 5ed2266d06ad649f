"""Special and less common elementwise ops: erf, inverse trigonometry (asin, acos, atan, atan2), exp2, hypot,
copysign, fmax/fmin, xlogy, logit, heaviside and nan_to_num; then the gamma, error-function, Bessel and normal-
distribution families (erfc, erfinv, lgamma, polygamma, zeta, i0, i1, ndtr, ...), whose values come from
special_math.py. Each is one Function with its backward beside its forward; binary ones broadcast, and their
backward sums the gradient back to each input's shape. The common arithmetic and activations live in elementwise.py."""
import math
import numpy as np
from ..autograd.function import Function
from .._arrays import layout_copy, on_device_of, to_host, torch_layout, unbroadcast, zeros_on
from ..autograd.graph_backward import const, sum_to, where as _where
from .activation import erf


class Erf(Function):
    """z = erf x;  dx = dz 2/sqrt(pi) e^(-x^2)"""
    def forward(self, x):
        self.x = x
        return erf(x)

    def backward(self, g):
        return g * (2 / math.sqrt(math.pi) * np.exp(-self.x * self.x))

    def backward_graph(self, g):
        x = self._input(0, self.x)
        return g * (2 / math.sqrt(math.pi) * (-(x * x)).exp())


class Asin(Function):
    """z = asin x;  dx = dz / sqrt(1 - x^2)"""
    def forward(self, x):
        self.x = x
        return np.arcsin(x)

    def backward(self, g):
        return g / np.sqrt(1 - self.x * self.x)

    def backward_graph(self, g):
        x = self._input(0, self.x)
        return g / (1.0 - x * x).sqrt()


class Acos(Function):
    """z = acos x;  dx = -dz / sqrt(1 - x^2)"""
    def forward(self, x):
        self.x = x
        return np.arccos(x)

    def backward(self, g):
        return -g / np.sqrt(1 - self.x * self.x)

    def backward_graph(self, g):
        x = self._input(0, self.x)
        return -g / (1.0 - x * x).sqrt()


class Atan(Function):
    """z = atan x;  dx = dz / (1 + x^2)"""
    def forward(self, x):
        self.x = x
        return np.arctan(x)

    def backward(self, g):
        return g / (1 + self.x * self.x)

    def backward_graph(self, g):
        x = self._input(0, self.x)
        return g / (1.0 + x * x)


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

    def backward_graph(self, g):
        n = self.needs_input_grad
        y, x = self._input(0, self.y), self._input(1, self.x)
        d = x * x + y * y
        origin = d._data == 0
        r = _where(origin, 0.0, g / _where(origin, 1.0, d))  # torch: 0 at the origin
        return (sum_to(r * x, y.shape) if n[0] else None), (sum_to(-r * y, x.shape) if n[1] else None)


class Exp2(Function):
    """z = 2^x;  dx = dz z ln 2"""
    saves_inputs, saves_output = False, True
    def forward(self, x):
        self.z = np.exp2(x)
        return self.z

    def backward(self, g):
        return g * (self.z * math.log(2))

    def backward_graph(self, g):
        return g * (self._output(self.z) * math.log(2))


class NanToNum(Function):
    """z = x with NaN, +inf, -inf replaced by the given numbers;  dx = dz where x is finite, else 0"""
    saves_inputs = False
    def forward(self, x, nan, posinf, neginf):
        self.finite = np.isfinite(x)
        if 0 in x.strides:  # expanded: numpy's copy (order K) would put the stride-0 axis innermost
            x = layout_copy(x, x.dtype, torch_layout(x))
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g):
        return g * self.finite

    def backward_graph(self, g):
        return _where(self.finite, g, 0.0)


class Hypot(Function):
    """z = sqrt(x^2 + y^2);  dx = dz x / z, dy = dz y / z (NaN at z = 0, as torch). (dz x) / z in that order, as
    torch: 1 / z overflows for a subnormal z, where dz x / z is still finite."""
    saves_output = True
    def forward(self, x, y):
        self.x, self.y = x, y
        self.z = np.hypot(x, y)
        return self.z

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return unbroadcast(g * self.x / self.z, self.x.shape), unbroadcast(g * self.y / self.z, self.y.shape)

    def backward_graph(self, g):
        n = self.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = self._output(self.z)
            return (sum_to(g * self._input(0, self.x) / z, self.x.shape) if n[0] else None,
                    sum_to(g * self._input(1, self.y) / z, self.y.shape) if n[1] else None)


class Copysign(Function):
    """z = |x| with the sign of y;  dx = dz z / x (0 where x = 0), dy = 0"""
    saves_output = True
    reads_for, output_read_for = ((0,), ()), (0,)  # y's value is not kept (y written after is fine, as torch's)
    def forward(self, x, y):
        self.x, self.ys = x, y.shape
        self.z = np.copysign(x, y)
        return self.z

    def backward(self, g):
        x = self.x
        ratio = np.where(x == 0, 0, self.z / np.where(x == 0, 1, x)).astype(g.dtype, copy=False)
        return unbroadcast(g * ratio, x.shape), zeros_on(g, self.ys)

    def backward_graph(self, g):
        x = self.x  # z / x is +-1 (0 at x = 0): a constant, as its derivative is 0
        ratio = np.where(x == 0, 0, self.z / np.where(x == 0, 1, x)).astype(g._data.dtype, copy=False)
        return sum_to(g * const(ratio), x.shape), const(zeros_on(g._data, self.ys))


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

    def backward_graph(self, g):
        n = self.needs_input_grad
        return (sum_to(_where(self.to_x, g, 0.0), self.xs) if n[0] else None,
                sum_to(_where(self.to_x, 0.0, g), self.ys) if n[1] else None)


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

    def backward_graph(self, g):
        return _xlogy_graph(self, g, Xlogy, 0, 0.0)


class Logit(Function):
    """z = log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given;  dx = dz / (x (1 - x)), 0 outside
    [eps, 1 - eps] (NaN outside [0, 1] without eps or with eps < 0, as torch)"""
    def forward(self, x, eps=None):
        eps = None if eps is not None and eps < 0 else eps  # torch ignores a negative eps
        self.x, self.eps = x, eps
        if eps is not None:  # lo wins over hi where eps > 1/2 makes them cross (np.clip takes hi), as torch
            lo, hi = x.dtype.type(eps), x.dtype.type(1 - eps)
            x = np.where(x < lo, lo, np.where(x > hi, hi, x))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x / (1 - x))

    def backward(self, g):
        x, eps = self.x, self.eps
        lo, hi = (0, 1) if eps is None else (eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            dx = g / (x * (1 - x))
        outside = (x < lo) | (x > hi)
        return np.where(outside, g.dtype.type(np.nan if eps is None else 0), dx)

    def backward_graph(self, g):
        xa, eps = self.x, self.eps
        lo, hi = (0, 1) if eps is None else (eps, 1 - eps)
        x = self._input(0, xa)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _where((xa < lo) | (xa > hi), math.nan if eps is None else 0.0, g / (x * (1.0 - x)))


class Heaviside(Function):
    """z = 0 for x < 0, v for x = 0, 1 for x > 0;  no derivative (torch raises too)"""
    saves_inputs = False
    def forward(self, x, v):
        d = np.result_type(x, v)
        return np.where(x == 0, v, x > 0).astype(d, copy=False)  # NaN gives 0 (NaN > 0 is false), as torch

    def backward(self, g):
        raise RuntimeError("heaviside: the derivative is not implemented (as in torch)")


# ---- gamma, error-function and Bessel families (values from special_math, computed in float64) ---------------
def _f64(fn, x, *args):
    """special_math's fn on x's values in float64, rounded back to x's dtype (float32 stays float32)"""
    from . import special_math
    return getattr(special_math, fn)(x.astype(np.float64), *args).astype(x.dtype, copy=False)


class Erfc(Function):
    """z = erfc x = 1 - erf x;  dx = -dz 2/sqrt(pi) e^(-x^2)"""
    def forward(self, x):
        self.x = x
        return _f64("erfc", x)

    def backward(self, g):
        return g * (-2 / math.sqrt(math.pi) * np.exp(-self.x * self.x))

    def backward_graph(self, g):
        x = self._input(0, self.x)
        return g * (-2 / math.sqrt(math.pi) * (-(x * x)).exp())


class Erfcx(Function):
    """z = e^(x^2) erfc x;  dx = dz (2 x z - 2/sqrt(pi))"""
    saves_output = True
    def forward(self, x):
        self.x = x
        self.z = _f64("erfcx", x)
        return self.z

    def backward(self, g):
        return g * (2 * self.x * self.z - 2 / math.sqrt(math.pi))

    def backward_graph(self, g):
        return g * (2.0 * self._input(0, self.x) * self._output(self.z) - 2 / math.sqrt(math.pi))


class Erfinv(Function):
    """z = erfinv y (erf z = y);  dy = dz sqrt(pi)/2 e^(z^2)"""
    def forward(self, y):
        self.y = y  # z is computed again in backward, as torch's: z may be written in place after, y may not
        return _f64("erfinv", y)

    def backward(self, g):
        z = _f64("erfinv", self.y)
        return g * (math.sqrt(math.pi) / 2 * np.exp(z * z))

    def backward_graph(self, g):
        z = self._input(0, self.y).erfinv()
        return g * (math.sqrt(math.pi) / 2 * (z * z).exp())


class Lgamma(Function):
    """z = log|Gamma(x)|;  dx = dz digamma(x)"""
    def forward(self, x):
        self.x = x
        return _f64("lgamma", x)

    def backward(self, g):
        return g * _f64("digamma", self.x)

    def backward_graph(self, g):
        return g * Polygamma.apply(self._input(0, self.x), n=0)


class Polygamma(Function):
    """z = digamma^(n)(x) (n = 0: digamma);  dx = dz digamma^(n+1)(x)"""
    def forward(self, x, n=0):
        self.x, self.n = x, n
        return _f64("polygamma", x, n) if n else _f64("digamma", x)

    def backward(self, g):
        return g * _f64("polygamma", self.x, self.n + 1)

    def backward_graph(self, g):
        return g * Polygamma.apply(self._input(0, self.x), n=self.n + 1)


class Zeta(Function):
    """z = sum_k (q + k)^-x, the Hurwitz zeta function;  dq = -dz x zeta(x + 1, q), dx: not implemented (as torch)"""
    def forward(self, x, q):
        from .special_math import zeta
        self.x, self.q = x, q
        return zeta(x, q).astype(np.result_type(x, q), copy=False)

    def _check(self):
        if self.needs_input_grad[0]:
            raise NotImplementedError("zeta: the derivative for 'zeta' with respect to input (the exponent x) is not "
                                      "implemented, as in torch; only other (q) can require grad")

    def backward(self, g):
        from .special_math import zeta
        self._check()
        x, q = self.x, self.q
        d = (-x * zeta(x + 1, q)).astype(g.dtype, copy=False)
        return None, unbroadcast(g * d, q.shape)

    def backward_graph(self, g):
        self._check()
        x = self.x
        return None, sum_to(-g * const(x) * Zeta.apply(const(x + 1), self._input(1, self.q)), self.q.shape)


class I0(Function):
    """z = I0(x), the modified Bessel function of order 0;  dx = dz I1(x)"""
    def forward(self, x):
        self.x = x
        return _f64("i0", x)

    def backward(self, g):
        return g * _f64("i1", self.x)

    def backward_graph(self, g):
        return g * I1.apply(self._input(0, self.x))


class I0e(Function):
    """z = e^-|x| I0(x);  dx = dz (e^-|x| I1(x) - sign(x) z)"""
    saves_output = True
    def forward(self, x):
        self.x = x
        self.z = _f64("i0e", x)
        return self.z

    def backward(self, g):
        return g * (_f64("i1e", self.x) - np.sign(self.x) * self.z)

    def backward_graph(self, g):
        x = self._input(0, self.x)
        return g * (I1e.apply(x) - const(np.sign(self.x)) * self._output(self.z))


def _tiny(x):
    """|x| <= eps, or NaN: where torch's I1/I1e gradients take the limit 1/2 (z / x there is 0/0 or rounds badly:
    float32 i1(1e-45) rounds to 1e-45, not 5e-46)"""
    return ~(np.abs(x) > np.finfo(x.dtype).eps)


class I1(Function):
    """z = I1(x);  dx = dz (I0(x) - z / x), 1/2 where |x| <= eps (and at NaN, as torch)"""
    saves_output = True
    def forward(self, x):
        self.x = x
        self.z = _f64("i1", x)
        return self.z

    def backward(self, g):
        x = self.x
        tiny = _tiny(x)
        d = np.where(tiny, 0.5, _f64("i0", x) - self.z / np.where(tiny, 1, x))
        return g * d.astype(g.dtype, copy=False)

    def backward_graph(self, g):
        xa = self.x
        x, tiny = self._input(0, xa), _tiny(xa)
        return g * _where(tiny, 0.5, I0.apply(x) - self._output(self.z) / _where(tiny, 1.0, x))


class I1e(Function):
    """z = e^-|x| I1(x);  dx = dz (e^-|x| I0(x) - z (sign(x) + 1/x)), 1/2 where |x| <= eps (and at NaN, as torch)"""
    saves_output = True
    def forward(self, x):
        self.x = x
        self.z = _f64("i1e", x)
        return self.z

    def backward(self, g):
        x = self.x
        tiny = _tiny(x)
        d = np.where(tiny, 0.5, _f64("i0e", x) - self.z * (np.sign(x) + 1 / np.where(tiny, 1, x)))
        return g * d.astype(g.dtype, copy=False)

    def backward_graph(self, g):
        xa = self.x
        x, tiny = self._input(0, xa), _tiny(xa)
        d = I0e.apply(x) - self._output(self.z) * (const(np.sign(xa)) + 1.0 / _where(tiny, 1.0, x))
        return g * _where(tiny, 0.5, d)


# sinc'(x) = pi f'(pi x), f(t) = sin t / t;  f'(t) = sum_k>=1 (-1)^k 2k t^(2k-1) / (2k+1)!, used for |t| < 1, where
# (cos t - f(t)) / t cancels (at x = 1e-8 it keeps no correct digit)
_SINC_SERIES = [(-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(1, 12)]


def _sinc_grad_series(t):
    """f'(t) for |t| < 1 by Horner in t^2 (t an array or a Tensor)"""
    t2, acc = t * t, 0.0
    for c in reversed(_SINC_SERIES):
        acc = acc * t2 + c
    return acc * t


class Sinc(Function):
    """z = sin(pi x) / (pi x), 1 at x = 0;  dx = dz (cos(pi x) - z) / x, 0 at x = 0 (near 0 from its series)"""
    def forward(self, x):
        self.x = x  # only x: z may be written in place after, as torch's
        px = math.pi * x.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x == 0, 1.0, np.sin(px) / px).astype(x.dtype, copy=False)

    def backward(self, g):
        t = math.pi * self.x.astype(np.float64)
        near = np.abs(t) < 1
        ft = np.where(near, 1.0, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = math.pi * np.where(near, _sinc_grad_series(np.where(near, t, 0.0)), (np.cos(ft) - np.sin(ft) / ft) / ft)
        return g * d.astype(g.dtype, copy=False)

    def backward_graph(self, g):
        xa = self.x
        x, near = self._input(0, xa), np.abs(math.pi * xa.astype(np.float64)) < 1
        far_x = _where(near, 1.0, x)  # each branch sees only its own x, so neither's inf or NaN leaks into the other
        px = math.pi * far_x
        far = (px.cos() - px.sin() / px) / far_x
        return g * _where(near, math.pi * _sinc_grad_series(math.pi * _where(near, x, 0.0)), far)


class Entr(Function):
    """z = -x log x (0 at x = 0, -inf for x < 0);  dx = -dz (log x + 1)"""
    def forward(self, x):
        self.x = x
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1)), np.where(x == 0, 0, -np.inf))
        return np.where(np.isnan(x), x, z).astype(x.dtype, copy=False)

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -g * (np.log(self.x) + 1)

    def backward_graph(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -g * (self._input(0, self.x).log() + 1.0)


class Ndtr(Function):
    """z = Phi(x) = erfc(-x / sqrt 2) / 2;  dx = dz e^(-x^2/2) / sqrt(2 pi)"""
    saves_inputs = False
    def forward(self, x):
        self.x = x.copy()  # torch's ndtr (erfc of -x / sqrt 2) saves a scaled copy: x += 1 after it is fine
        return _f64("ndtr", x)

    def backward(self, g):
        return g * (np.exp(-self.x * self.x / 2) / math.sqrt(2 * math.pi))

    def backward_graph(self, g):
        x = self._input(0, self.x)
        return g * ((-0.5 * x * x).exp() / math.sqrt(2 * math.pi))


class Ndtri(Function):
    """z = Phi^-1(p);  dp = dz sqrt(2 pi) e^(z^2/2)"""
    saves_inputs, saves_output = False, True
    def forward(self, p):
        self.z = _f64("ndtri", p)
        return self.z

    def backward(self, g):
        return g * (math.sqrt(2 * math.pi) * np.exp(self.z * self.z / 2))

    def backward_graph(self, g):
        z = self._output(self.z)
        return g * (math.sqrt(2 * math.pi) * (0.5 * z * z).exp())


class LogNdtr(Function):
    """z = log Phi(x);  dx = dz phi(x) / Phi(x) = dz sqrt(2/pi) / erfcx(-x / sqrt 2)"""
    def forward(self, x):
        self.x = x
        return _f64("log_ndtr", x)

    def backward(self, g):
        return g * (math.sqrt(2 / math.pi) / _f64("erfcx", -self.x / math.sqrt(2)))

    def backward_graph(self, g):
        # for x >= 0 erfcx(-x / sqrt 2) overflows (to inf at x ~ 38, and its own derivative with it: 0 * inf is NaN),
        # so there phi(x) / Phi(x) = e^(-x^2/2 - log Phi(x)) / sqrt(2 pi); each branch sees only its own x
        xa = self.x
        x, lower = self._input(0, xa), xa < 0
        xl, xu = _where(lower, x, 0.0), _where(lower, 0.0, x)
        below = math.sqrt(2 / math.pi) / Erfcx.apply(xl * (-1 / math.sqrt(2)))
        above = (-0.5 * xu * xu - LogNdtr.apply(xu)).exp() / math.sqrt(2 * math.pi)
        return g * _where(lower, below, above)


class Xlog1py(Function):
    """z = x log1p(y) (0 where x = 0 and y is not NaN);  dx = dz log1p(y), dy = dz x / (1 + y)"""
    def forward(self, x, y):
        self.x, self.y = x, y
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((x == 0) & ~np.isnan(y), 0, x * np.log1p(y)).astype(np.result_type(x, y), copy=False)

    def backward(self, g):
        x, y = self.x, self.y
        n = self.needs_input_grad
        gx = gy = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if n[0]:
                gx = np.where(((g == 0) & ~np.isnan(y)) | ((x == 0) & (y <= -1)), 0, g * np.log1p(y))
                gx = unbroadcast(gx.astype(g.dtype, copy=False), x.shape)
            if n[1]:
                gy = unbroadcast(g * x / (1 + y), y.shape)
        return gx, gy

    def backward_graph(self, g):
        return _xlogy_graph(self, g, Xlog1py, -1, 1.0)


def _xlogy_graph(f, g, fn, edge, shift):
    """Xlogy/Xlog1py backward_graph as torch writes it: dx = fn(dz, y) (0 where dz = 0), 0 where x = 0 and y <= edge;
    dy = dz x / (y + shift), shift 0 for xlogy, 1 for xlog1py"""
    n, xa, ya = f.needs_input_grad, f.x, f.y
    x, y = f._input(0, xa), f._input(1, ya)
    gx = gy = None
    with np.errstate(divide="ignore", invalid="ignore"):
        if n[0]:
            gx = sum_to(_where((xa == 0) & (ya <= edge), 0.0, fn.apply(g, y)), xa.shape)
        if n[1]:
            gy = sum_to(g * x / (y + shift if shift else y), ya.shape)
    return gx, gy


def _complex_log_add_exp(a, b):
    """log(e^a + e^b) for complex arrays, as torch's logcumsumexp step: the larger real part factored out (log1p of
    the rest), -inf with both real parts -inf (its angle undetermined: 0), NaN if any part of either is NaN (torch's
    binary logaddexp differs at -inf: Tensor.logaddexp)"""
    big = np.where(a.real >= b.real, a, b)
    small = np.where(a.real >= b.real, b, a)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        out = big + np.log1p(np.exp(small - big))
        both_inf = np.isinf(a.real) & (a.real == b.real)
        out = np.where(both_inf & (a.real < 0), complex(-np.inf, 0), out)
        out = np.where(both_inf & (a.real > 0), np.log(np.exp(a) + np.exp(b)), out)
    return np.where(np.isnan(a) | np.isnan(b), complex(np.nan, np.nan), out).astype(a.dtype, copy=False)


def _complex_logcumsumexp(x, axis):
    """logcumsumexp of a complex array: one complex log-add-exp per step along axis (numpy has no complex logaddexp)"""
    x = np.moveaxis(x, axis, 0)
    out = np.empty_like(x)
    prev = np.full(x.shape[1:], complex(-np.inf, 0), x.dtype)  # torch's scan starts from log 0 (so a NaN or -inf
    for i in range(x.shape[0]):                                 # first entry comes out as its later ones would)
        prev = out[i] = _complex_log_add_exp(prev, x[i])
    return np.moveaxis(out, 0, axis)


class LogCumSumExp(Function):
    """z_i = log sum_{j <= i} e^(x_j) along an axis;  dx_i = sum_{j >= i} dz_j e^(x_i - z_j), summed separately
    for the positive and negative parts of dz in log space so nothing overflows. Complex x (torch's form):
    dx = conj(e^(x + rev_logcumsumexp(log conj(dz) - z)))"""
    saves_output = True
    def forward(self, x, axis):  # on the host for a GPU array: cupy's ufuncs have no logaddexp.accumulate
        self.x, self.axis = x, axis
        h = to_host(x)
        z = _complex_logcumsumexp(h, axis) if h.dtype.kind == "c" else np.logaddexp.accumulate(h, axis=axis)
        self.z = on_device_of(x, z)
        return self.z

    def backward(self, g):
        ax, x, z, g = self.axis, to_host(self.x), to_host(self.z), to_host(g)
        if x.dtype.kind == "c":
            with np.errstate(divide="ignore", invalid="ignore"):
                w = np.log(np.conj(g).astype(x.dtype, copy=False)) - z
            tail = np.flip(_complex_logcumsumexp(np.flip(w, ax), ax), ax)
            return on_device_of(self.x, np.conj(np.exp(x + tail)))
        dx = np.zeros_like(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            for sign in (1, -1):
                w = np.log(np.maximum(sign * g, 0)) - z
                tail = np.flip(np.logaddexp.accumulate(np.flip(w, ax), axis=ax), ax)  # log sum_{j >= i}
                dx += sign * np.exp(x + tail)
        return on_device_of(self.x, dx)

    def backward_graph(self, g):
        # dx = A(g) is linear in g, so A(g) = A(g + c) - A(c) for a constant c (no graph) that makes g + c > 0: each
        # term is one reversed logcumsumexp in log space (nothing overflows) and the derivative in g is exact also
        # where g is 0 (a split into log(max(+-g, 0)) has none there: jvp, which runs this at g = 0, read 0 for it)
        if self.x.dtype.kind == "c":
            raise NotImplementedError("logcumsumexp: double backward (create_graph=True) is not supported for complex "
                                      "inputs; the first-order gradient is")
        ax = self.axis
        x, z = self._input(0, self.x), self._output(self.z)
        mag = abs(g._data)
        top = float(mag.max()) if mag.size else 0.0
        c = const(mag + (top if top > 0 else 1.0))  # >= |g| + max|g|: g + c >= max|g| > 0
        return (x + ((g + c).log() - z).flip(ax).logcumsumexp(ax).flip(ax)).exp() - \
            (x + (c.log() - z).flip(ax).logcumsumexp(ax).flip(ax)).exp()
