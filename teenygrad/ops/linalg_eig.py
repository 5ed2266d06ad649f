"""The general (non-symmetric) eigendecomposition A V = V diag(L): LAPACK's geev on the host (cupy has no general
eig), complex results, and torch's backward. With E_ij = L_j - L_i (1 on the diagonal) and ^H the conjugate
transpose:

    dA = V^-H (diag(dL) + (V^H dV - V^H V Re(diag(V^H dV))) / conj(E)) V^H      (the real part for a real A)

Each eigenvector is only defined up to a phase e^(i phi), so a loss that depends on the phases (Im diag(V^H dV) not
~0) has no gradient: refused, as torch refuses it. The diagonal of the middle matrix is dL when L got a gradient."""
import numpy as np

from .._arrays import on_device_of, to_host, xp_of
from .linalg import MultiOutput, Solve, _H as _h, _check_phase_free  # (_h: V is complex, the conjugate transpose)
from ..autograd.function import Function
from ..autograd.graph_backward import const


def _geev(a):
    """(L, V) of a (host copy of a) in the complex dtype torch gives: complex64 for float32 / complex64."""
    w, v = np.linalg.eig(to_host(a))
    ctype = np.result_type(a.dtype, np.complex64)
    return w.astype(ctype, copy=False), v.astype(ctype, copy=False)


def _like(a):
    """An empty array of a's dtype on a's device: what the gradient is made like (a itself need not stay alive)."""
    return xp_of(a).empty(0, a.dtype)


def _conjugated_back_t(a, v, middle):
    """_conjugated_back on Tensors (recorded)"""
    g = Solve.apply(v.mH, middle @ v.mH)
    return g if a.dtype.kind == "c" else g.real.to(a.dtype)


def _conjugated_back(a, v, middle):
    """V^-H middle V^H, as a's dtype (its real part for a real a) and on a's device (a: _like's array)."""
    g = np.linalg.solve(_h(v), middle @ _h(v))
    if a.dtype.kind != "c":
        g = g.real
    return on_device_of(a, g.astype(a.dtype, copy=False))


class Eig(MultiOutput):
    differentiable = (True, True)

    def forward(self, a):
        self.w, self.v = _geev(a)
        self.like = _like(a)
        return on_device_of(a, self.w), on_device_of(a, self.v)

    def backward_multi(self, gw, gv):
        w, v, a = self.w, self.v, self.like
        if gv is None:
            middle = np.zeros(v.shape, v.dtype)
        else:
            vhgv = _h(v) @ to_host(gv)
            d = np.diagonal(vhgv, axis1=-2, axis2=-1)
            _check_phase_free(d.imag, "linalg_eig_backward")
            e = np.conj(w)[..., None, :] - np.conj(w)[..., :, None]
            idx = np.arange(w.shape[-1])
            e[..., idx, idx] = 1
            middle = (vhgv - _h(v) @ (v * d.real[..., None, :])) / e
        if gw is not None:
            idx = np.arange(w.shape[-1])
            middle[..., idx, idx] = to_host(gw)
        return _conjugated_back(a, v, middle)

    def backward_graph_multi(self, gw, gv):  # backward_multi's formula on Tensors, L and V in the graph
        w, v = self._output_i(0, self.w), self._output_i(1, self.v)
        eye = const(np.eye(self.w.shape[-1], dtype=self.v.dtype))
        middle = None
        if gv is not None:
            vhgv = v.mH @ gv
            d = vhgv.diagonal(dim1=-2, dim2=-1)
            _check_phase_free(np.imag(d._data), "linalg_eig_backward")
            wc = w.conj()
            middle = (vhgv - v.mH @ (v * d.real.unsqueeze(-2))) / (wc.unsqueeze(-2) - wc.unsqueeze(-1) + eye)
        if gw is not None:  # the diagonal is dL
            dl = gw.diag_embed()
            middle = dl if middle is None else middle * (1 - eye) + dl
        return _conjugated_back_t(self.like, v, middle)


class Eigvals(Function):
    """L of A V = V diag(L);  dA = V^-H diag(dL) V^H (the real part for a real A)"""
    saves_inputs = False

    def forward(self, a):
        w, self.v = _geev(a)
        self.like = _like(a)
        return on_device_of(a, w)

    def backward(self, g):
        g = to_host(g)
        return _conjugated_back(self.like, self.v, g[..., :, None] * np.eye(g.shape[-1], dtype=g.dtype))
