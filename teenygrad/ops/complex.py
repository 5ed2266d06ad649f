"""Complex ops: the ways into and out of complex dtypes, and the complex-only math (conj, angle, |z|).
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


def view_as_real_array(z):
    """(...,) complex -> (..., 2) real sharing z's memory where numpy can (a copy for a non-contiguous z)."""
    r = _REAL_OF[z.dtype]
    return contiguous(z).reshape(1).view(r) if z.ndim == 0 else contiguous(z)[..., None].view(r)


def complex_array(re, im):
    """re + i im in the complex dtype of re's precision (numpy would widen float32 + 1j * float32 fine, but this
    skips the temporary)."""
    out = xp_of(re).empty(np.broadcast_shapes(re.shape, im.shape), _COMPLEX_OF[np.result_type(re.dtype, im.dtype)])
    out.real, out.imag = re, im
    return out
