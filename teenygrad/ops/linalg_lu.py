"""Triangular solves and LU with partial pivoting on batched matrices, in numpy (which has neither): forward by
substitution / Gaussian elimination vectorised over the batch with a Python loop over rows or columns, backward
by the formulas in each class's docstring. Pivots follow LAPACK getrf: 1-based int32, row j swapped with row
pivots[j] - 1 at step j, so that A = P L U."""
import numpy as np
from .._arrays import contiguous, on_device_of, xp_of, zeros_on
from ..autograd.function import Function
from ..autograd.graph_backward import const
from ..backend.cpu import fused
from .linalg import MultiOutput, _H, _T


_TRSM_BLOCK = 64  # rows solved by substitution between two GEMM updates of the rest


def trsm(a, b, upper, unit=False):
    """X with a X = b, a (..., n, n) triangular (only its upper or lower triangle read; unit: its diagonal taken
    as 1), b (..., n, k) with the same batch shape. A zero on the diagonal gives inf/NaN, as LAPACK's trtrs.
    Blocked as LAPACK's: each block of rows by substitution, then one GEMM takes it out of the rows still to solve
    (row by row alone, every step re-read all solved rows: (512, 512) at 1 thread 4.6 -> 3.4 ms; LAPACK's
    solve of each diagonal block was slower still, 6.5 ms)."""
    n = a.shape[-1]
    x = b.astype(np.result_type(a, b), copy=True)  # rows still to solve hold b minus what is known so far
    starts = range(0, n, _TRSM_BLOCK)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for s in (reversed(starts) if upper else starts):
            e = min(s + _TRSM_BLOCK, n)
            for i in (range(e - 1, s - 1, -1) if upper else range(s, e)):
                known = slice(i + 1, e) if upper else slice(s, i)
                r = x[..., i, :] - (a[..., i:i + 1, known] @ x[..., known, :])[..., 0, :]
                x[..., i, :] = r if unit else r / a[..., i, i, None]
            rest = slice(0, s) if upper else slice(e, n)
            if rest.stop > rest.start:
                x[..., rest, :] -= a[..., rest, s:e] @ x[..., s:e, :]
    return x


def _tri_mask(m, upper, unit):
    """The part of m that a triangular solve reads: its upper or lower triangle, strict when unit"""
    k = 1 if unit else 0
    return np.triu(m, k) if upper else np.tril(m, -k)


class SolveTriangular(Function):
    """X = A^-1 B, A triangular (batch dims already broadcast);  dB = A^-T dX, dA = tri(-dB X^T) (tri: the
    triangle the solve read; ^H for complex)"""
    saves_output = True
    reads_for = ((0, 1), ())  # B is never read back (torch saves A and X): B += 1 after the solve is fine

    def forward(self, a, b, upper=False, unitriangular=False):
        self.a, self.upper, self.unit = a, upper, unitriangular
        self.x = trsm(a, b, upper, unitriangular)
        return self.x

    def backward(self, g):
        gb = trsm(_H(self.a), g, not self.upper, self.unit)
        ga = _tri_mask(-(gb @ _H(self.x)), self.upper, self.unit) if self.needs_input_grad[0] else None
        return ga, gb

    def backward_graph(self, g):
        a = self._input(0, self.a)
        gb = SolveTriangular.apply(a.mH, g, upper=not self.upper, unitriangular=self.unit)
        if not self.needs_input_grad[0]:
            return None, gb
        mask = on_device_of(self.a, _tri_mask(np.ones(self.a.shape[-2:], self.a.dtype), self.upper, self.unit))
        return -(gb @ self._output(self.x).mH) * const(mask), gb


class CholeskySolve(Function):
    """X = (L L^T)^-1 B from the factor (U^T U with upper), reading only its triangle (batch dims already broadcast);
    dB = (L L^T)^-1 dX, dL = -(C + C^T) L (upper: -U (C + C^T)), C = dB X^T: torch's formula, on the whole factor
    (^H for complex)"""
    saves_output = True

    def forward(self, b, f, upper=False):
        self.f, self.upper = f, upper
        low = _H(f) if upper else f  # the lower factor, read by its lower triangle
        self.x = trsm(_H(low), trsm(low, b, False), True)
        return self.x

    def backward(self, g):
        gb = CholeskySolve.forward(CholeskySolve.__new__(CholeskySolve), g, self.f, self.upper)
        if not self.needs_input_grad[1]:
            return gb, None
        c = gb @ _H(self.x)
        c = c + _H(c)
        return gb, -(self.f @ c if self.upper else c @ self.f)

    def backward_graph(self, g):
        f = self._input(1, self.f)
        gb = CholeskySolve.apply(g, f, upper=self.upper)
        if not self.needs_input_grad[1]:
            return gb, None
        c = gb @ self._output(self.x).mH
        c = c + c.mH
        return gb, -(f @ c if self.upper else c @ f)


class CholeskyInverse(Function):
    """Y = (L L^T)^-1 from the factor (U^T U with upper), reading only its triangle;  dL = -C L (upper: -U C),
    C = Y (dY + dY^T) Y: torch's formula, on the whole factor (^H for complex)"""
    saves_output = True

    def forward(self, f, upper=False):
        self.f, self.upper = f, upper
        low = _H(f) if upper else f
        diag = np.diagonal(low, axis1=-2, axis2=-1)
        if diag.size and not np.all(diag != 0):  # LAPACK potri refuses a zero on the factor's diagonal
            from .linalg import LinAlgError, _batch_prefix
            zero = diag == 0
            info = np.where(zero.any(-1), zero.argmax(-1) + 1, 0)
            first = int(info.reshape(-1)[np.flatnonzero(info.reshape(-1))[0]])
            raise LinAlgError(f"cholesky_inverse: {_batch_prefix(info)}The diagonal element {first} is zero, the "
                              f"inversion could not be completed because the input matrix is singular.")
        eye = np.broadcast_to(np.eye(f.shape[-1], dtype=f.dtype), f.shape)
        linv = trsm(low, eye, False)  # L^-1
        self.y = _H(linv) @ linv
        return self.y

    def backward(self, g):
        c = self.y @ (g + _H(g)) @ self.y
        return -(self.f @ c if self.upper else c @ self.f)

    def backward_graph(self, g):
        f, y = self._input(0, self.f), self._output(self.y)
        c = y @ (g + g.mH) @ y
        return -(f @ c if self.upper else c @ f)


def lu_packed(a):
    """Gaussian elimination with partial pivoting of each (m, n) matrix of a: (LU, pivots, perm, info) with L's
    strict lower part and U in LU, pivots as LAPACK's, perm the row order (P^T A)[i] = A[perm[i]], info 0 or the
    1-based column of the first exactly-zero pivot. The first of two equal candidates is the pivot, as idamax.
    With numba, the blocked kernel (backend/_numba_linalg.py: panel, then a GEMM of the rest; (512, 512) 5-8x)"""
    if type(a) is not np.ndarray:  # a device array: the pivot search is a loop of tiny steps, run on the host
        return tuple(xp_of(a).asarray(r) for r in lu_packed(a.get()))
    if fused() is not None and a.dtype in (np.float32, np.float64):
        from ..backend._numba_linalg import lu_blocked
        return lu_blocked(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    work = a.reshape((int(np.prod(a.shape[:-2])), m, n)).copy()  # -1 is ambiguous for empty matrices
    rows = np.arange(work.shape[0])
    pivots = np.empty((work.shape[0], k), np.int32)
    perm = np.tile(np.arange(m), (work.shape[0], 1))
    info = np.zeros(work.shape[0], np.int32)
    for j in range(k):
        col = work[:, j:, j]  # LAPACK's i?amax: |Re| + |Im| for complex
        p = j + np.argmax(np.abs(col.real) + np.abs(col.imag) if col.dtype.kind == "c" else np.abs(col), axis=1)
        pivots[:, j] = p + 1
        work[rows, p], work[:, j] = work[:, j].copy(), work[rows, p].copy()
        perm[rows, p], perm[:, j] = perm[:, j].copy(), perm[rows, p]
        piv = work[:, j, j]
        zero = piv == 0
        info[(info == 0) & zero] = j + 1
        work[:, j + 1:, j] /= np.where(zero, 1, piv)[:, None]  # below a zero pivot the column is zero already
        work[:, j + 1:, j + 1:] -= work[:, j + 1:, j, None] * work[:, None, j, j + 1:]
    batch = a.shape[:-2]
    return work.reshape(a.shape), pivots.reshape(batch + (k,)), perm.reshape(batch + (m,)), info.reshape(batch)


def pivots_to_perm(pivots, m):
    """The row order perm ((P^T A)[i] = A[perm[i]]) of LAPACK pivots (..., k) for matrices with m rows (on the
    pivots' device; a loop of tiny steps, run on the host)"""
    if type(pivots) is not np.ndarray:
        return xp_of(pivots).asarray(pivots_to_perm(pivots.get(), m))
    flat = pivots.reshape((int(np.prod(pivots.shape[:-1])), pivots.shape[-1])).astype(np.int64) - 1
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    rows = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j]
        perm[rows, p], perm[:, j] = perm[:, j].copy(), perm[rows, p]
    return perm.reshape(pivots.shape[:-1] + (m,))


def perm_matrix(perm, dtype):
    """P with P[perm[i], i] = 1, so that A = P (P^T A)"""
    return _T(perm[..., :, None] == xp_of(perm).arange(perm.shape[-1])).astype(dtype)


def unpack(lu):
    """(L, U) of a packed (..., m, n) LU: L (m, k) unit lower, U (k, n) upper, k = min(m, n)"""
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = np.tril(lu[..., :, :k], -1)
    idx = np.arange(k)
    low[..., idx, idx] = 1
    return low, np.triu(lu[..., :k, :])


def _lu_backward(perm, low, up, gl, gu):
    """dA for A = P L U given dL, dU (None: zero). Square: dA = P L^-T (tril_-1(L^T dL) + triu(dU U^T)) U^-T.
    Tall (m > n), L = [L1; L2]: L2 = A2 U^-1 gives dA2 = dL2 U^-T and adds -L2^T dL2 U^-T to dU. Wide (m < n),
    U = [U1 | U2]: U2 = L^-1 A2 gives dA2 = L^-T dU2 and adds -L^-T dU2 U2^T to dL"""
    m, n = low.shape[-2], up.shape[-1]
    k = min(m, n)
    gl = np.zeros_like(low) if gl is None else gl
    gu = np.zeros_like(up) if gu is None else gu
    l1, u1 = low[..., :k, :], up[..., :, :k]

    def right_solve_ut(b):  # b U1^-T (^-H for complex)
        return _H(trsm(u1, _H(b), upper=True))

    def left_solve_lt(b):  # L1^-T b (^-H for complex)
        return trsm(_H(l1), b, upper=True, unit=True)

    extra = None
    if m > n:
        gl2 = gl[..., k:, :]
        extra = right_solve_ut(gl2)  # dA2
        gu = gu - _H(low[..., k:, :]) @ extra
        gl = gl[..., :k, :]
    elif m < n:
        gu2 = gu[..., :, k:]
        extra = left_solve_lt(gu2)  # dA2
        gl = gl - extra @ _H(up[..., :, k:])
        gu = gu[..., :, :k]
    phi = np.tril(_H(l1) @ gl, -1) + np.triu(gu @ _H(u1))
    ga = right_solve_ut(left_solve_lt(phi))
    if extra is not None:
        ga = np.concatenate([ga, extra], -2 if m > n else -1)
    inv_perm = np.argsort(perm, -1)
    return np.take_along_axis(ga, inv_perm[..., :, None], -2)  # P ga: row perm[i] of dA is row i of ga


def _lu_backward_t(perm, low, up, gl, gu):
    """_lu_backward on Tensors (recorded): low and up as Tensors in the graph, gl / gu Tensors or None"""
    from ..tensor_ops import cat
    m, n = low.shape[-2], up.shape[-1]
    k = min(m, n)
    gl = const(zeros_on(low._data, low.shape)) if gl is None else gl
    gu = const(zeros_on(up._data, up.shape)) if gu is None else gu
    l1, u1 = low[..., :k, :], up[..., :, :k]

    def right_solve_ut(b):  # b U1^-T (^-H for complex)
        return SolveTriangular.apply(u1, b.mH, upper=True).mH

    def left_solve_lt(b):  # L1^-T b (^-H for complex)
        return SolveTriangular.apply(l1.mH, b, upper=True, unitriangular=True)

    extra = None
    if m > n:
        extra = right_solve_ut(gl[..., k:, :])
        gu = gu - low[..., k:, :].mH @ extra
        gl = gl[..., :k, :]
    elif m < n:
        extra = left_solve_lt(gu[..., :, k:])
        gl = gl - extra @ up[..., :, k:].mH
        gu = gu[..., :, :k]
    ga = right_solve_ut(left_solve_lt((l1.mH @ gl).tril(-1) + (gu @ u1.mH).triu()))
    if extra is not None:
        ga = cat([ga, extra], -2 if m > n else -1)
    inv_perm = np.argsort(perm, -1)
    idx = np.broadcast_to(inv_perm[..., :, None], ga.shape)
    return ga.gather(-2, const(contiguous(idx)))


class LuFactor(MultiOutput):
    """(LU, pivots): A = P L U packed in one matrix;  dA from dL = tril_-1(dLU), dU = triu(dLU) (_lu_backward)"""
    differentiable = (True, False)

    def forward(self, a):
        lu, pivots, self.perm, _ = lu_packed(a)
        self.low, self.up = unpack(lu)
        self.lu = lu
        return lu, pivots

    def backward_multi(self, glu, gpiv):
        k = self.low.shape[-1]
        return _lu_backward(self.perm, self.low, self.up, np.tril(glu[..., :, :k], -1), np.triu(glu[..., :k, :]))

    def backward_graph_multi(self, glu, gpiv):
        k = self.low.shape[-1]
        lu = self._output_i(0, self.lu)
        eye = const(on_device_of(self.lu, np.eye(lu.shape[-2], k, dtype=self.lu.dtype)))
        low, up = lu[..., :, :k].tril(-1) + eye, lu[..., :k, :].triu()  # unpack, in the graph
        return _lu_backward_t(self.perm, low, up, glu[..., :, :k].tril(-1), glu[..., :k, :].triu())


class Lu(MultiOutput):
    """(P, L, U) with A = P L U, L unit lower (m, k), U upper (k, n);  dA from dL, dU (_lu_backward)"""
    differentiable = (False, True, True)

    def forward(self, a):
        lu, _, self.perm, _ = lu_packed(a)
        self.low, self.up = unpack(lu)
        return perm_matrix(self.perm, a.dtype), self.low, self.up

    def backward_multi(self, gp, gl, gu):
        return _lu_backward(self.perm, self.low, self.up, gl, gu)

    def backward_graph_multi(self, gp, gl, gu):
        return _lu_backward_t(self.perm, self._output_i(1, self.low), self._output_i(2, self.up), gl, gu)
