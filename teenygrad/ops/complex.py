"""Complex ops: the ways into and out of complex dtypes, the complex-only math (conj, angle, |z|) and the complex forms
of the elementwise functions (exp, log, sqrt, sin, tanh, sigmoid, asin, ...: UNARY, which tensor_ops dispatches to).
Gradients follow torch's convention for a real loss L of z = x + iy: the gradient of z is dL/dx + i dL/dy (the
conjugate Wirtinger derivative, doubled), so a real input's gradient is the real part of what reaches it."""
import numpy as np
from .._arrays import contiguous, xp_of
from ..autograd.function import Function
from ..autograd.graph_backward import const

_REAL_OF = {np.dtype(np.complex64): np.dtype(np.float32), np.dtype(np.complex128): np.dtype(np.float64)}
_COMPLEX_OF = {v: k for k, v in _REAL_OF.items()}


class ViewAsComplex(Function):
    """z = x[..., 0] + i x[..., 1] (a view of x's memory);  dx = stack(Re dz, Im dz)"""
    saves_inputs = False
    def forward(self, x):
        return x.view(_COMPLEX_OF[x.dtype])[..., 0]

    def backward(self, g):
        return view_as_real_array(g)

    def backward_graph(self, g):
        return ViewAsReal.apply(g)


class ViewAsReal(Function):
    """x = stack(Re z, Im z) (a view of z's memory);  dz = dx[..., 0] + i dx[..., 1]"""
    saves_inputs = False
    def forward(self, z):
        return view_as_real_array(z)

    def backward(self, g):
        return complex_array(g[..., 0], g[..., 1])

    def backward_graph(self, g):
        return Complex.apply(g[..., 0], g[..., 1])


class Real(Function):
    """x = Re z (a view);  dz = dx + 0i"""
    saves_inputs = False
    def forward(self, z):
        return z.real

    def backward(self, g):
        return g.astype(_COMPLEX_OF[g.dtype])

    def backward_graph(self, g):
        return Complex.apply(g, const(xp_of(g._data).zeros_like(g._data)))


class Imag(Function):
    """y = Im z (a view);  dz = i dy"""
    saves_inputs = False
    def forward(self, z):
        return z.imag

    def backward(self, g):
        return complex_array(xp_of(g).zeros_like(g), g)

    def backward_graph(self, g):
        return Complex.apply(const(xp_of(g._data).zeros_like(g._data)), g)


class Conj(Function):
    """w = conj(z);  dz = conj(dw)"""
    saves_inputs = False
    def forward(self, z):
        return np.conj(z)

    def backward(self, g):
        return np.conj(g)

    def backward_graph(self, g):
        return Conj.apply(g)


class Complex(Function):
    """z = re + i im;  dre = Re dz, dim = Im dz"""
    saves_inputs = False
    def forward(self, re, im):
        return complex_array(re, im)

    def backward(self, g):
        return g.real.copy(), g.imag.copy()

    def backward_graph(self, g):
        return Real.apply(g), Imag.apply(g)


class Polar(Function):
    """z = r e^(i theta);  dr = Re(conj(dz) sgn z), dtheta = r (Im dz cos theta - Re dz sin theta). torch's dr
    uses sgn z = sign(r) e^(i theta), so a negative r's gradient comes out flipped; kept, to match torch."""
    def forward(self, r, theta):
        self.r, self.c, self.s = r, np.cos(theta), np.sin(theta)
        return complex_array(r * self.c, r * self.s)

    def backward(self, g):
        gx, gy = g.real, g.imag
        n = self.needs_input_grad
        return ((gx * self.c + gy * self.s) * np.sign(self.r) if n[0] else None,
                (self.r * (gy * self.c - gx * self.s)) if n[1] else None)


class Angle(Function):
    """theta = atan2(Im z, Re z);  dz = dtheta * i z / |z|^2 (0 at z = 0, as in torch)"""
    def forward(self, z):
        self.z = z
        return xp_of(z).angle(z).astype(_REAL_OF[z.dtype], copy=False)

    def backward(self, g):
        z = self.z
        a2 = (z.real * z.real + z.imag * z.imag)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = g * (1j * z) / a2
        return xp_of(z).where(a2 == 0, 0, out).astype(z.dtype, copy=False)

    def backward_graph(self, g):
        from ..autograd.graph_backward import where
        z, at0 = self._input(0, self.z), const(self.z == 0)
        re, im = z.real, z.imag
        a2 = where(at0, 1.0, re * re + im * im)  # 1 at z = 0, where the result is 0 (no 0 / 0 in its gradient)
        return where(at0, 0.0, Complex.apply(-im * g / a2, re * g / a2))  # g i z / |z|^2


def view_as_real_array(z):
    """(...,) complex -> (..., 2) real sharing z's memory, strides and all (torch's: a non-contiguous z too, so
    writes through the view reach z; numpy's .view(float) takes only a contiguous last axis)."""
    if type(z) is np.ndarray and not z.flags.c_contiguous:
        re = z.real  # the real parts, a view with z's strides; the imaginary part is one real further on
        return np.lib.stride_tricks.as_strided(re, z.shape + (2,), re.strides + (re.itemsize,),
                                               writeable=z.flags.writeable)
    r = _REAL_OF[z.dtype]
    return contiguous(z).reshape(1).view(r) if z.ndim == 0 else contiguous(z)[..., None].view(r)


def complex_array(re, im):
    """re + i im in the complex dtype of re's precision (numpy would widen float32 + 1j * float32 fine, but this
    skips the temporary)."""
    out = xp_of(re).empty(np.broadcast_shapes(re.shape, im.shape), _COMPLEX_OF[np.result_type(re.dtype, im.dtype)])
    out.real, out.imag = re, im
    return out


# ---- holomorphic unary functions: z = f(x);  dx = dz * conj(f'(x)) (torch's convention) -------------------------
# f' is written once, as df(x, z, m) with m the math it needs: _ArrayMath for backward, _TensorMath for
# backward_graph (where x and z are Tensors in the graph, so the derivative is differentiated again).
class _ArrayMath:
    sqrt, sin, cos, sinh, cosh = (staticmethod(f) for f in (np.sqrt, np.sin, np.cos, np.sinh, np.cosh))
    rsqrt = staticmethod(lambda a: 1 / np.sqrt(a))


class _TensorMath:
    sqrt, rsqrt = staticmethod(lambda t: t.sqrt()), staticmethod(lambda t: t.rsqrt())
    sin, cos = staticmethod(lambda t: t.sin()), staticmethod(lambda t: t.cos())
    sinh, cosh = staticmethod(lambda t: t.sinh()), staticmethod(lambda t: t.cosh())


class Holomorphic(Function):
    """A complex elementwise f (numpy's, the C99 branch cuts and special values torch has too);  dx = dz conj(f'(x))"""
    saves_output = True
    f = None
    divides = False  # df gives 1 / f' (log, sqrt, ...): dx = dz / conj(df), torch's inf/NaN at the poles

    def forward(self, x):
        self.x = x
        with np.errstate(all="ignore"):  # inf/NaN/0 results are values here, as in torch
            self.z = self.f(x)
        return self.z

    def backward(self, g):
        with np.errstate(all="ignore"):
            d = np.conj(self.df(self.x, self.z, _ArrayMath))
            return g / d if self.divides else g * d

    def backward_graph(self, g):
        d = self.df(self._input(0, self.x), self._output(self.z), _TensorMath).conj()
        return g / d if self.divides else g * d


def _log1p(x):
    """log(1 + x) accurate near 0 (numpy's complex log1p is log(1 + x), 0 for x = 1e-10 in complex64); torch's
    formula: Re = log1p(x(2 + x) + y^2) / 2 for |x| < 1/2 (x itself where that underflows), else log|1 + x|; and
    torch's NaN + NaN i wherever a part is NaN (C99's log has inf + NaN i at inf + NaN i)"""
    re, im = x.real, x.imag
    r = re * (2 + re) + im * im
    small = np.abs(x) < 0.5
    out_re = np.where(small, np.where(r == 0, re, np.log1p(r) / 2), np.log(np.hypot(re + 1, im)))
    out_re = np.where(np.isnan(x), np.nan, out_re)
    return complex_array(out_re, np.arctan2(im, re + 1))


def _sinc(x):
    px = np.pi * x
    return np.where(x == 0, px.dtype.type(1), np.sin(px) / px)


def _sinc_derivative(x, z, m):
    """torch's (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x = 0 (there x is swapped for 1 and the result masked)"""
    zero = x == 0
    s = x + zero
    return (np.pi * s * m.cos(np.pi * s) - m.sin(np.pi * s)) / (np.pi * s * s) * ~zero


def _holomorphic(name, f, df, doc, divides=False):
    reads = _READS.get(name, "x")  # what df reads, so what an in-place write afterwards must not change (torch's rule)
    return type(name.capitalize(), (Holomorphic,), {"f": staticmethod(f), "df": staticmethod(df), "__doc__": doc,
                                                    "divides": divides, "saves_inputs": "x" in reads,
                                                    "saves_output": "z" in reads})


_LN2, _LN10 = float(np.log(2)), float(np.log(10))
_READS = {"exp": "z", "exp2": "z", "expm1": "z", "sqrt": "z", "rsqrt": "z", "reciprocal": "z", "tan": "z",
          "tanh": "z", "sigmoid": "z"}
UNARY = {e[0]: _holomorphic(*e) for e in [
    ("exp", np.exp, lambda x, z, m: z, "z = e^x;  f' = z"),
    ("exp2", np.exp2, lambda x, z, m: z * _LN2, "z = 2^x;  f' = z ln 2"),
    ("expm1", np.expm1, lambda x, z, m: z + 1, "z = e^x - 1;  f' = z + 1"),
    ("log", np.log, lambda x, z, m: x, "z = ln x (cut along the negative reals);  f' = 1 / x", True),
    ("log2", np.log2, lambda x, z, m: x * _LN2, "z = log2 x;  f' = 1 / (x ln 2)", True),
    ("log10", np.log10, lambda x, z, m: x * _LN10, "z = log10 x;  f' = 1 / (x ln 10)", True),
    ("log1p", _log1p, lambda x, z, m: x + 1, "z = ln(1 + x);  f' = 1 / (1 + x)", True),
    ("sqrt", np.sqrt, lambda x, z, m: 2 * z, "z = sqrt x (Re z >= 0);  f' = 1 / (2 z)", True),
    ("rsqrt", lambda x: 1 / np.sqrt(x), lambda x, z, m: -0.5 * z * z * z, "z = 1 / sqrt x;  f' = -z^3 / 2"),
    ("reciprocal", lambda x: 1 / x, lambda x, z, m: -(z * z), "z = 1 / x;  f' = -z^2"),
    ("sin", np.sin, lambda x, z, m: m.cos(x), "z = sin x;  f' = cos x"),
    ("cos", np.cos, lambda x, z, m: -m.sin(x), "z = cos x;  f' = -sin x"),
    ("tan", np.tan, lambda x, z, m: 1 + z * z, "z = tan x;  f' = 1 + z^2"),
    ("sinh", np.sinh, lambda x, z, m: m.cosh(x), "z = sinh x;  f' = cosh x"),
    ("cosh", np.cosh, lambda x, z, m: m.sinh(x), "z = cosh x;  f' = sinh x"),
    ("tanh", np.tanh, lambda x, z, m: 1 - z * z, "z = tanh x;  f' = 1 - z^2"),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), lambda x, z, m: z * (1 - z), "z = 1 / (1 + e^-x);  f' = z (1 - z)"),
    ("asin", np.arcsin, lambda x, z, m: m.rsqrt(1 - x * x), "z = asin x;  f' = 1 / sqrt(1 - x^2)"),
    ("acos", np.arccos, lambda x, z, m: -m.rsqrt(1 - x * x), "z = acos x;  f' = -1 / sqrt(1 - x^2)"),
    ("atan", np.arctan, lambda x, z, m: x * x + 1, "z = atan x;  f' = 1 / (1 + x^2)", True),
    ("asinh", np.arcsinh, lambda x, z, m: m.rsqrt(x * x + 1), "z = asinh x;  f' = 1 / sqrt(x^2 + 1)"),
    # acosh: not rsqrt(x^2 - 1), its negative where Re x < 0; x + (1 - 0i) keeps the sign of a zero Im x as torch's
    # x + 1 does (x + 1 would turn -0 into +0: the other side of sqrt's cut)
    ("acosh", np.arccosh, lambda x, z, m: m.rsqrt(x + complex(1, -0.0)) * m.rsqrt(x - 1),
     "z = acosh x;  f' = 1 / (sqrt(x + 1) sqrt(x - 1))"),
    ("sinc", _sinc, _sinc_derivative, "z = sin(pi x) / (pi x), 1 at x = 0;  f' = (cos(pi x) - z) / x, 0 at 0"),
    ("atanh", np.arctanh, lambda x, z, m: 1 - x * x, "z = atanh x;  f' = 1 / (1 - x^2)", True),
]}
