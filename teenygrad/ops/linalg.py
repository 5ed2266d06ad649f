"""Linear algebra ops on batched matrices (..., m, n), forward by numpy.linalg (LAPACK), backward by the standard
matrix-calculus formulas, each in its class's docstring. Decompositions with several outputs (slogdet, eigh, svd,
qr) are MultiOutput Functions: teenygrad.linalg gives each output its own graph node, and backward_multi gets one
gradient per output (None for an output no gradient reached). Also here: lu_info and cholesky_info, LAPACK's
`info` (which pivot or leading minor failed) for the error messages and the *_ex functions, and MatrixExp. The
triangular solve and LU Functions are in linalg_lu.py."""
import numpy as np
from .._arrays import on_device_of, xp_of, zeros_on
from ..autograd.function import Function
from ..autograd.graph_backward import const


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a matrix the op cannot handle (singular, not positive-definite); a RuntimeError,
    so `except RuntimeError` still catches it"""
    __module__ = "teenygrad.linalg"


def _T(a):
    return np.swapaxes(a, -1, -2)


def _H(a):
    """The conjugate transpose (the transpose of a real a): the complex formulas are the real ones with ^T -> ^H"""
    return np.conj(_T(a)) if a.dtype.kind == "c" else _T(a)


def _check_phase_free(imag_diag, op, what="eigenvectors", term="quantity, so it is ill-defined"):
    """torch's check for a complex eig / eigh / svd backward: each vector is defined up to a phase e^(i phi), so a
    loss whose gradient has an imaginary diagonal in V^H dV (not ~0) has no gradient"""
    if not np.allclose(imag_diag, 0, rtol=1e-2, atol=1e-2):
        raise RuntimeError(f"{op}: The {what} in the complex case are specified up to multiplication by e^{{i phi}}. "
                           f"The specified loss function depends on this {term}.")


def _diag_embed(v):
    """(..., k) -> (..., k, k) with v on the diagonal"""
    out = zeros_on(v, v.shape + v.shape[-1:])
    idx = np.arange(v.shape[-1])
    out[..., idx, idx] = v
    return out


def _pair_inverse(e):
    """F_ij = 1 / (e_j - e_i) off the diagonal, 0 on it (inf where two values coincide, as torch)"""
    d = e[..., None, :] - e[..., :, None]
    idx = np.arange(e.shape[-1])
    d[..., idx, idx] = 1
    with np.errstate(divide="ignore"):
        f = 1 / d
    f[..., idx, idx] = 0
    return f


class MultiOutput(Function):
    """A Function whose forward returns a tuple of arrays; `differentiable` says which outputs carry gradients.
    The decompositions keep their outputs for backward (saves_output): a later in-place write to any of them makes
    backward refuse, as torch's does."""
    differentiable = ()
    saves_inputs, saves_output = False, True

    def backward(self, g):
        return self.backward_multi(*g.grads)

    def backward_graph(self, g):  # create_graph=True: the same on Tensor gradients, where an op has it
        graph = getattr(self, "backward_graph_multi", None)
        if graph is None:
            return Function.backward_graph(self, g)
        return graph(*g.grads)

    def _output_i(self, i, a):
        """Output i (value a) as a Tensor in the graph, through a new slot node of this op (the output's own node
        may be gone, but a backward_graph formula still depends on it)."""
        from ..linalg import _slot_types
        slot_cls = _slot_types[type(self)]
        slot = slot_cls.__new__(slot_cls)
        slot.i, slot.n, slot.parents = i, len(self.differentiable), [self]
        t = self._output(a)
        t._ctx = slot
        return t


def _pair_inverse_t(w):
    """_pair_inverse on Tensors (recorded): F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it"""
    eye = const(on_device_of(w._data, np.eye(w.shape[-1], dtype=w._data.dtype)))
    return (1.0 - eye) / (w.unsqueeze(-2) - w.unsqueeze(-1) + eye)


class Inv(Function):
    """Y = A^-1;  dA = -Y^T dY Y^T"""
    saves_inputs, saves_output = False, True

    def forward(self, a, op="linalg.inv"):  # op: the name a singular matrix's error gives (inv_ex, tensorinv, ...)
        try:
            self.y = np.linalg.inv(a)
        except np.linalg.LinAlgError:  # LAPACK met an exactly zero pivot: say where, as torch
            info = lu_info(a)
            raise LinAlgError(f"{op}: {_batch_prefix(info)}The diagonal element {_first(info)} is zero, the "
                              f"inversion could not be completed because the input matrix is singular.") from None
        return self.y

    def backward(self, g):
        yh = _H(self.y)
        return -(yh @ g @ yh)

    def backward_graph(self, g):
        yh = self._output(self.y).mH
        return -(yh @ g @ yh)


class Det(Function):
    """z = det A;  dA = dz adj(A)^T = dz det A A^-T for invertible A, else dz det(U) det(V) U diag(prod_{j != i}
    s_j) V^T for A = U S V^T, which holds for singular A too (where det A A^-T would divide by zero). Complex A:
    dz conj(det A) A^-H, i.e. adj(A)^H (torch's convention for a holomorphic function: the conjugate derivative)"""
    def forward(self, a):
        self.a = a
        self.z = np.linalg.det(a)
        return self.z

    def backward(self, g):
        # det A A^-T where every det is nonzero (one LU inverse, as torch's solve), the SVD formula otherwise
        z = xp_of(self.a).asarray(self.z)  # np.linalg.det of one matrix gives a numpy scalar
        if np.all(z != 0) and np.all(np.isfinite(z)):
            try:
                with np.errstate(all="ignore"):
                    return (g * np.conj(z))[..., None, None] * _H(np.linalg.inv(self.a))
            except np.linalg.LinAlgError:  # singular to working precision after all
                pass
        return g[..., None, None] * _adjugate_T(self.a)

    def backward_graph(self, g):  # adj(A)^T: det A A^-T where A is invertible, the SVD formula (as torch) where not
        a = self._input(0, self.a)
        z = xp_of(self.a).asarray(self.z)
        ok = (z != 0) & np.isfinite(z)
        if np.all(ok):
            return (g * Det.apply(a).conj())[..., None, None] * Inv.apply(a).mH
        # each matrix by its own formula; the other one sees a stand-in (I, or diag(1..n) with distinct singular
        # values) so that neither branch's backward meets a division by zero
        n = self.a.shape[-1]
        okm = const(on_device_of(self.a, ok[..., None, None]))
        eye = const(on_device_of(self.a, np.eye(n, dtype=self.a.dtype)))
        distinct = const(on_device_of(self.a, np.diag(np.arange(1, n + 1, dtype=self.a.dtype))))
        invertible = a.where(okm, eye)
        by_inverse = (g * Det.apply(invertible).conj())[..., None, None] * Inv.apply(invertible).mH
        by_svd = g[..., None, None] * _adjugate_T_graph(a.where(~okm, distinct))
        return by_inverse.where(okm, by_svd)


def _adjugate_T_graph(a):
    """_adjugate_T on Tensors (recorded): U diag(prod_{j != i} s_j) V^T, the sign det(U) det(V) a constant"""
    from ..linalg import svd  # the Svd op's outputs, each with its graph node
    u, s, vh = svd(a, full_matrices=False)
    ones = s[..., :1] * 0 + 1
    left = _cat([ones, s[..., :-1]]).cumprod(-1)
    right = _cat([ones, s[..., 1:].flip(-1)]).cumprod(-1).flip(-1)
    sign = np.conj(np.linalg.det(u._data) * np.linalg.det(vh._data))
    return const(on_device_of(a._data, np.asarray(sign)[..., None, None])) * ((u * (left * right).unsqueeze(-2)) @ vh)


def _cat(ts):
    from ..tensor_join import cat
    return cat(ts, -1)


def _adjugate_T(a):
    """adj(A)^T = det(U) det(V) U diag(prod_{j != i} s_j) V^T for A = U S V^T; defined for singular A too. For a
    complex A, adj(A)^H (the sign conjugated), what Det's complex gradient needs"""
    u, s, vh = np.linalg.svd(a)
    ones = np.ones_like(s[..., :1])
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)  # prod_{j < i} s_j
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(s[..., 1:], -1)], -1), -1), -1)  # prod_{j > i}
    sign = np.conj(np.linalg.det(u) * np.linalg.det(vh))
    return sign[..., None, None] * ((u * (left * right)[..., None, :]) @ vh)


class Slogdet(MultiOutput):
    """(sign, log|det A|);  dA = d(log|det|) A^-T (the sign's gradient is zero; it is in the graph, as torch).
    Complex A: sign = det / |det| (complex), log|det| real;  dA = conj(g) A^-H with g = d(log|det|) - i Im(dsign
    conj(sign)), torch's formula"""
    differentiable = (True, True)
    saves_inputs, saves_output = True, False

    def forward(self, a):
        self.a = a
        sign, logabs = np.linalg.slogdet(a)
        self.sign = sign
        return sign.astype(a.dtype, copy=False), logabs.astype(np.abs(sign).dtype, copy=False)

    def backward_multi(self, gsign, glog):
        complex_ = self.a.dtype.kind == "c"
        if complex_ and gsign is not None:
            g = -1j * (gsign * np.conj(self.sign)).imag
            glog = g if glog is None else glog + g
        if glog is None:
            return np.zeros_like(self.a)
        with np.errstate(all="ignore"):
            try:
                inv_h = _H(np.linalg.inv(self.a))
            except np.linalg.LinAlgError:  # a singular matrix: A^-T = adj(A)^T / det A, +-inf as torch's
                inv_h = _adjugate_T(self.a) / np.conj(np.linalg.det(self.a))[..., None, None]
            return np.conj(glog)[..., None, None] * inv_h

    def backward_graph_multi(self, gsign, glog):
        a = self._input(0, self.a)
        if self.a.dtype.kind == "c" and gsign is not None:
            g = -1j * (gsign * self._output_i(0, self.sign.astype(self.a.dtype, copy=False)).conj()).imag
            glog = g if glog is None else glog + g
        if glog is None:
            return a.detach() * 0.0
        return glog.conj()[..., None, None] * Inv.apply(a).mH


class Solve(Function):
    """X = A^-1 B (batch dims already broadcast);  dB = A^-T dX, dA = -dB X^T (^H for complex)"""
    saves_output = True
    reads_for, output_read_for = ((0, 1), ()), (0,)  # B's value is not kept (B written after is fine, as torch's)

    def forward(self, a, b, op="linalg.solve"):
        self.a = a
        try:
            self.x = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            info = lu_info(a)
            raise LinAlgError(f"{op}: {_batch_prefix(info)}The solver failed because the input matrix is "
                              f"singular.") from None
        return self.x

    def backward(self, g):
        gb = np.linalg.solve(_H(self.a), g)
        return (-(gb @ _H(self.x)) if self.needs_input_grad[0] else None), gb

    def backward_graph(self, g):
        a = self._input(0, self.a)
        gb = Solve.apply(a.mH, g)
        return (-(gb @ self._output(self.x).mH) if self.needs_input_grad[0] else None), gb


class Cholesky(Function):
    """A = L L^H, L lower (only A's lower triangle is read);  dA = L^-H (tril(X) + tril(X, -1)^H) / 2 L^-1 with
    X = L^H dL (torch's form; for a real A it is sym(L^-T Phi(X) L^-1), Phi: the lower triangle, half the
    diagonal; for a complex one the diagonal keeps its imaginary part, as torch's). upper: A = U^H U from A's upper
    triangle, U = L^H for the L of A^H, and the same formula with dL = dU^H (as torch: not the formula's ^H)."""
    saves_inputs, saves_output = False, True

    def forward(self, a, op="linalg.cholesky", upper=False):
        a = _H(a) if upper else a  # A^H's lower triangle is A's upper one
        try:
            self.l = np.linalg.cholesky(a)
            if np.isnan(np.diagonal(self.l, axis1=-2, axis2=-1)).any():  # numpy lets a NaN pivot through
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError:  # say which leading minor failed, as torch
            info = cholesky_info(a)
            raise LinAlgError(f"{op}: {_batch_prefix(info)}The factorization could not be completed "
                              f"because the input is not positive-definite (the leading minor of order "
                              f"{_first(info)} is not positive-definite).") from None
        self.upper = upper
        self.y = _H(self.l) if upper else self.l
        return self.y

    def backward(self, g):
        linv = np.linalg.inv(self.l)
        x = _H(self.l) @ (_H(g) if self.upper else g)
        return _H(linv) @ ((np.tril(x) + _H(np.tril(x, -1))) / 2) @ linv

    def backward_graph(self, g):
        y = self._output(self.y)
        l, gl = (y.mH, g.mH) if self.upper else (y, g)
        linv = Inv.apply(l)
        x = l.mH @ gl
        return linv.mH @ ((x.tril() + x.tril(-1).mH) * 0.5) @ linv


class Eigh(MultiOutput):
    """A = V diag(w) V^T (A symmetric, one triangle read);  dA = V (diag(dw) + F o skew(V^T dV)) V^T with
    F_ij = 1/(w_j - w_i) off the diagonal, skew(M) = (M - M^T) / 2 (a symmetric dA, as torch). Complex Hermitian
    A: ^T -> ^H, and as torch, each vector's phase is free: a loss that depends on it (Im diag(V^H dV) not ~0) is
    refused, and without dw the diagonal keeps skew's i Im diag(V^H dV)"""
    differentiable = (True, True)

    def forward(self, a, uplo="L"):
        self.w, self.v = np.linalg.eigh(a, UPLO=uplo)
        return self.w, self.v

    def backward_multi(self, gw, gv):
        v = self.v
        if gv is None:
            inner = zeros_on(v, v.shape)
        else:
            m = _H(v) @ gv
            skew = (m - _H(m)) / 2
            inner = _pair_inverse(self.w) * skew
            if v.dtype.kind == "c":
                _check_phase_free(np.diagonal(m, axis1=-2, axis2=-1).imag, "linalg_eigh_backward")
                if gw is None:
                    inner = inner + _diag_embed(np.diagonal(skew, axis1=-2, axis2=-1))
        if gw is not None:
            inner = inner + _diag_embed(gw)
        return v @ inner @ _H(v)

    def backward_graph_multi(self, gw, gv):
        v = self._output_i(1, self.v)
        inner = None
        if gv is not None:
            m = v.mH @ gv
            skew = (m - m.mH) * 0.5
            inner = _pair_inverse_t(self._output_i(0, self.w)) * skew
            if self.v.dtype.kind == "c":
                _check_phase_free(np.diagonal(m._data, axis1=-2, axis2=-1).imag, "linalg_eigh_backward")
                if gw is None:
                    inner = inner + skew.diagonal(dim1=-2, dim2=-1).diag_embed()
        if gw is not None:
            d = gw.diag_embed()
            inner = d if inner is None else inner + d
        if inner is None:
            return None
        if inner.dtype != v.dtype:  # complex eigenvectors, real eigenvalue gradients only
            inner = inner.to(v.dtype)
        return v @ inner @ v.mH


class Eigvalsh(Function):
    """w = the eigenvalues of symmetric A;  dA = V diag(dw) V^T"""
    saves_inputs = False

    def forward(self, a, uplo="L"):
        w, self.v = np.linalg.eigh(a, UPLO=uplo)
        self.w, self.uplo = w, uplo
        return w

    def backward(self, g):
        return (self.v * g[..., None, :]) @ _H(self.v)

    def backward_graph(self, g):
        # the eigenvectors as a function of A, in the graph: eigh again, on the symmetric matrix this one read
        # (rebuilt from what forward kept, so no reference to A's memory is held)
        from ..linalg import eigh
        a = (self.v * self.w[..., None, :]) @ _H(self.v)
        v = eigh(self._input(0, a), UPLO=self.uplo).eigenvectors
        return (v * g.unsqueeze(-2)) @ v.mH


class Svd(MultiOutput):
    """A = U diag(S) Vh, k = min(m, n) (full_matrices: U, Vh square; the columns past k get no gradient);
    dA = U [(F o (U^T dU - dU^T U)) S + diag(dS) + S (F o (V^T dV - dV^T V))] V^T
         + (I - U U^T) dU S^-1 V^T + U S^-1 dV^T (I - V V^T),  F_ij = 1/(s_j^2 - s_i^2), V = Vh^T.
    Complex A, as torch: ^T -> ^H, a loss that depends on the vectors' common phases is refused, and the diagonal
    gets S (K_U + K_V) + K_U / (2 S) from the skew matrices' (imaginary) diagonals K"""
    differentiable = (True, True, True)

    def forward(self, a, full_matrices=True):
        self.u, self.s, self.vh = np.linalg.svd(a, full_matrices=full_matrices)
        return self.u, self.s, self.vh

    def backward_multi(self, gu, gs, gvh):
        k = self.s.shape[-1]
        u, s, v = self.u[..., :k], self.s, _H(self.vh[..., :k, :])
        complex_ = u.dtype.kind == "c"
        f = _pair_inverse(s * s)
        inner = zeros_on(u, u.shape[:-2] + (k, k))
        diag_u = diag_v = 0  # complex: skew's (imaginary) diagonals, which torch's formula keeps
        with np.errstate(divide="ignore", invalid="ignore"):
            if gu is not None:
                gu = gu[..., :k]
                utgu = _H(u) @ gu
                skew_u = utgu - _H(utgu)
                inner = inner + (f * skew_u) * s[..., None, :]
                diag_u = np.diagonal(skew_u, axis1=-2, axis2=-1)
            if gvh is not None:
                gv = _H(gvh[..., :k, :])
                vtgv = _H(v) @ gv
                skew_v = vtgv - _H(vtgv)
                inner = inner + s[..., :, None] * (f * skew_v)
                diag_v = np.diagonal(skew_v, axis1=-2, axis2=-1)
            if complex_ and (gu is not None or gvh is not None):
                _check_phase_free(np.imag(diag_u + diag_v), "svd_backward", "singular vectors",
                                  "phase term, making it ill-defined")
                d = s * (diag_u + diag_v) + (diag_u / (2 * s) if gu is not None else 0)
                inner = inner + _diag_embed(d)
            if gs is not None:
                inner = inner + _diag_embed(gs)
            ga = u @ inner @ _H(v)
            if gu is not None and u.shape[-2] > k:  # tall: dU's part outside U's column space
                ga = ga + ((gu - u @ utgu) / s[..., None, :]) @ _H(v)
            if gvh is not None and v.shape[-2] > k:  # wide: the same for V
                ga = ga + (u / s[..., None, :]) @ _H(gv - v @ vtgv)
        return ga

    def backward_graph_multi(self, gu, gs, gvh):  # backward_multi's formula on Tensors, the outputs in the graph
        k = self.s.shape[-1]
        complex_ = self.u.dtype.kind == "c"
        u, s = self._output_i(0, self.u)[..., :k], self._output_i(1, self.s)
        v = self._output_i(2, self.vh)[..., :k, :].mH
        f = _pair_inverse_t(s * s)
        terms, diag = [], None  # diag (complex): S (K_U + K_V) + K_U / (2 S), from the skew matrices' diagonals K
        if gu is not None:
            gu = gu[..., :k]
            utgu = u.mH @ gu
            skew_u = utgu - utgu.mH
            terms.append((f * skew_u) * s.unsqueeze(-2))
            if complex_:
                ku = skew_u.diagonal(dim1=-2, dim2=-1)
                diag = s * ku + ku / (2 * s)
        if gvh is not None:
            gv = gvh[..., :k, :].mH
            vtgv = v.mH @ gv
            skew_v = vtgv - vtgv.mH
            terms.append(s.unsqueeze(-1) * (f * skew_v))
            if complex_:
                kv = s * skew_v.diagonal(dim1=-2, dim2=-1)
                diag = kv if diag is None else diag + kv
        if diag is not None:
            phases = sum(np.diagonal(m._data, axis1=-2, axis2=-1) for m in
                         ([skew_u] if gu is not None else []) + ([skew_v] if gvh is not None else []))
            _check_phase_free(np.imag(phases), "svd_backward", "singular vectors", "phase term, making it ill-defined")
            terms.append(diag.diag_embed())
        if gs is not None:
            terms.append(gs.diag_embed())
        if not terms:
            return None
        inner = terms[0]
        for t in terms[1:]:
            inner = inner + t
        if inner.dtype != u.dtype:  # complex vectors, real singular value gradients only
            inner = inner.to(u.dtype)
        ga = u @ inner @ v.mH
        if gu is not None and u.shape[-2] > k:  # tall: dU's part outside U's column space
            ga = ga + ((gu - u @ utgu) / s.unsqueeze(-2)) @ v.mH
        if gvh is not None and v.shape[-2] > k:  # wide: the same for V
            ga = ga + (u / s.unsqueeze(-2)) @ (gv - v @ vtgv).mH
        return ga


class Svdvals(Function):
    """s = the singular values of A (real for a complex A too);  dA = U diag(ds) Vh"""
    saves_inputs = False

    def forward(self, a):
        self.u, s, self.vh = np.linalg.svd(a, full_matrices=False)
        self._s = s
        return s

    def backward(self, g):
        return (self.u * g[..., None, :]) @ self.vh

    def backward_graph(self, g):
        # U and Vh as functions of A, in the graph: svd again, on A rebuilt from what forward kept (U diag(g) Vh
        # doesn't depend on the signs the second SVD picks)
        from ..linalg import svd
        a = (self.u * self._s[..., None, :]) @ self.vh
        u, _, vh = svd(self._input(0, a), full_matrices=False)
        return (u * g.unsqueeze(-2)) @ vh


def _qr_backward_tall(q, r, gq, gr):
    """A = Q R with m >= n: dA = (dQ + Q H) R^-H, H the Hermitian (real: symmetric) matrix with the upper triangle of
    dR R^H - Q^H dQ and the real part of its diagonal (torch's form)"""
    x = np.triu(gr @ _H(r) - _H(q) @ gq)
    x = x + _H(x)
    idx = np.arange(x.shape[-1])
    x[..., idx, idx] = x[..., idx, idx].real / 2
    b = gq + q @ x
    return _H(np.linalg.solve(r, _H(b)))  # b R^-H


def _qr_backward_tall_t(q, r, gq, gr):
    """_qr_backward_tall on Tensors (recorded)"""
    x = gr @ r.mH - q.mH @ gq
    up, d = x.triu(1), x.diagonal(dim1=-2, dim2=-1)
    b = gq + q @ (up + up.mH + (d.real if d.is_complex() else d).diag_embed())
    return Solve.apply(r, b.mH).mH  # b R^-H, with R square and invertible


class Qr(MultiOutput):
    """A = Q R (mode 'reduced', 'complete' or 'r');  for m >= n: dA = (dQ + Q H) R^-T with H the symmetric matrix
    of the upper triangle of dR R^T - Q^T dQ (_qr_backward_tall); for m < n, A = [X | Y], R = [U | V]: dY = Q dV,
    dX from the square case with dQ + Y dV^T (^H for a complex A)"""
    differentiable = (True, True)

    def forward(self, a, mode="reduced"):
        if mode == "r":
            self.r = np.linalg.qr(a, mode="r")
            self.q = zeros_on(a, (0,))  # torch's empty Q, whatever the batch
        else:
            self.q, self.r = np.linalg.qr(a, mode=mode)
        self.mode, self.shape = mode, a.shape
        return self.q, self.r

    def backward_multi(self, gq, gr):
        m, n = self.shape[-2:]
        if self.mode == "r":
            raise RuntimeError("linalg.qr: the derivative of linalg.qr depends on Q, which is not computed when "
                               "mode='r'; use mode='reduced' to differentiate through linalg.qr")
        if self.mode == "complete" and m > n:
            raise RuntimeError("linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
                               f"nrows > ncols (shape {self.shape})")
        q, r = self.q, self.r
        gq = np.zeros_like(q) if gq is None else gq
        gr = np.zeros_like(r) if gr is None else gr
        if m >= n:
            return _qr_backward_tall(q, r, gq, gr)
        y = q @ r[..., m:]  # A's columns past m
        gv = gr[..., m:]
        gx = _qr_backward_tall(q, r[..., :m], gq + y @ _H(gv), gr[..., :m])
        return np.concatenate([gx, q @ gv], -1)

    def backward_graph_multi(self, gq, gr):  # backward_multi on Tensors, Q and R in the graph
        from ..tensor_ops import cat
        m, n = self.shape[-2:]
        if self.mode == "r" or (self.mode == "complete" and m > n):
            return self.backward_multi(gq, gr)  # raises, as the first-order backward does
        q, r = self._output_i(0, self.q), self._output_i(1, self.r)
        gq = const(np.zeros_like(self.q)) if gq is None else gq
        gr = const(np.zeros_like(self.r)) if gr is None else gr
        if m >= n:
            return _qr_backward_tall_t(q, r, gq, gr)
        y = q @ r[..., m:]
        gv = gr[..., m:]
        return cat([_qr_backward_tall_t(q, r[..., :m], gq + y @ gv.mH, gr[..., :m]), q @ gv], -1)


class Pinv(Function):
    """P = A^+ (singular values at or below the cutoff dropped);  dA = -P^T dP P^T + (I - A P) dP^T P P^T
    + P^T P dP^T (I - P A) (^H for a complex A)"""
    saves_output = True

    def forward(self, a, cutoff_atol=None, cutoff_rtol=None, hermitian=False):
        self.a = a
        if hermitian:
            w, v = np.linalg.eigh(a)
            tol = self._tol(np.abs(w), cutoff_atol, cutoff_rtol)
            with np.errstate(divide="ignore"):
                winv = np.where(np.abs(w) > tol, 1 / w, 0).astype(a.dtype, copy=False)
            self.p = (v * winv[..., None, :]) @ _H(v)
        else:
            u, s, vh = np.linalg.svd(a, full_matrices=False)
            tol = self._tol(s, cutoff_atol, cutoff_rtol)
            with np.errstate(divide="ignore"):
                sinv = np.where(s > tol, 1 / s, 0).astype(a.dtype, copy=False)
            self.p = (_H(vh) * sinv[..., None, :]) @ _H(u)
        return self.p

    @staticmethod
    def _tol(s, atol, rtol):
        smax = s.max(-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
        return np.maximum(atol, rtol * smax)

    def backward(self, g):
        a, p = self.a, self.p
        pt, gt = _H(p), _H(g)
        ga = -(pt @ g @ pt)
        ga = ga + (gt @ p @ pt - a @ (p @ (gt @ (p @ pt))))  # (I - A P) dP^T P P^T
        ga = ga + (pt @ (p @ gt) - pt @ (p @ (gt @ (p @ a))))  # P^T P dP^T (I - P A)
        return ga

    def backward_graph(self, g):  # the same products on Tensors: P is this node's output, A its input
        a, p = self._input(0, self.a), self._output(self.p)
        pt, gt = p.mH, g.mH
        ga = -(pt @ g @ pt)
        ga = ga + (gt @ p @ pt - a @ (p @ (gt @ (p @ pt))))
        return ga + (pt @ (p @ gt) - pt @ (p @ (gt @ (p @ a))))


def _first(info):
    """The first nonzero info of a batch"""
    flat = info.reshape(-1)
    return int(flat[np.flatnonzero(flat)[0]])


def _batch_prefix(info):
    """torch's '(Batch element i): ' naming the first failing matrix of a batch, '' for a single matrix"""
    return "" if info.ndim == 0 else f"(Batch element {int(np.flatnonzero(info.reshape(-1))[0])}): "


def lu_info(a):
    """LAPACK getrf's info for each matrix of a (..., n, n): 0, or the 1-based column of the first exactly-zero
    pivot of LU with partial pivoting (the matrix is singular)"""
    n = a.shape[-1]
    work = a.reshape((int(np.prod(a.shape[:-2])), n, n)).copy()
    rows = np.arange(work.shape[0])
    info = np.zeros(work.shape[0], np.int32)
    for k in range(n):
        p = k + np.argmax(np.abs(work[:, k:, k]), axis=1)
        pivot_rows = work[rows, p].copy()
        work[rows, p] = work[:, k]
        work[:, k] = pivot_rows
        piv = work[:, k, k]
        zero = piv == 0
        info[(info == 0) & zero] = k + 1
        lower = work[:, k + 1:, k] / np.where(zero, 1, piv)[:, None]
        lower[zero] = 0
        work[:, k + 1:, k:] -= lower[:, :, None] * work[:, None, k, k:]
    return info.reshape(a.shape[:-2])


def cholesky_info(a):
    """LAPACK potrf's info for each matrix of a (..., n, n), lower triangle read: 0, or the order of the first
    leading minor that is not positive-definite"""
    n = a.shape[-1]
    work = np.tril(a.reshape((-1, n, n)))
    low = np.zeros_like(work)
    info = np.zeros(work.shape[0], np.int32)
    for k in range(n):
        d = work[:, k, k] - np.sum(low[:, k, :k] ** 2, axis=1)
        bad = ~(d > 0)
        info[(info == 0) & bad] = k + 1
        lkk = np.sqrt(np.where(bad, 1, d))
        low[:, k, k] = lkk
        low[:, k + 1:, k] = (work[:, k + 1:, k] - (low[:, k + 1:, :k] @ low[:, k, :k, None])[..., 0]) / lkk[:, None]
    return info.reshape(a.shape[:-2])


# Higham (2005) degree-13 Pade coefficients and the 1-norm up to which it is accurate in float64 (scaling and squaring
# brings every matrix below it)
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm(a):
    """e^a for each (n, n) matrix of a: scaling by 2^-s so that |a|_1 <= theta_13, the [13/13] Pade approximant
    (V - U)^-1 (V + U), then s squarings (each matrix its own s)"""
    b = _PADE13
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = np.abs(a).sum(-2).max(-1) if a.shape[-1] else zeros_on(a, a.shape[:-2])
        s = np.ceil(np.log2(norm / _THETA13))
    s = np.where(np.isfinite(s) & (s > 0), s, 0).astype(np.int64)
    a = a / (2.0 ** s).astype(a.dtype)[..., None, None]
    eye = np.broadcast_to(on_device_of(a, np.eye(a.shape[-1], dtype=a.dtype)), a.shape)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    e = np.linalg.solve(v - u, v + u).astype(a.dtype, copy=False)
    for i in range(int(s.max()) if s.size else 0):
        e = np.where((i < s)[..., None, None], e @ e, e)
    return e


class MatrixExp(Function):
    """Y = e^A;  dA = the top-right block of exp([[A^T, dY], [0, A^T]]) (the Frechet derivative of exp at A^T; A^H
    for a complex A)"""
    saves_output = False

    def forward(self, a):
        self.a = a
        return expm(a)

    def backward(self, g):
        n = self.a.shape[-1]
        at = _H(self.a)
        big = zeros_on(g, g.shape[:-2] + (2 * n, 2 * n))
        big[..., :n, :n] = at
        big[..., n:, n:] = at
        big[..., :n, n:] = g
        return expm(big)[..., :n, n:]

    def backward_graph(self, g):
        from ..tensor_ops import cat
        n = self.a.shape[-1]
        at = self._input(0, self.a).mH
        zero = const(zeros_on(g._data, g.shape))
        big = cat([cat([at, g], -1), cat([zero, at], -1)], -2)
        return MatrixExp.apply(big)[..., :n, n:]
