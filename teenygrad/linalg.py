"""torch.linalg: norms, inverses, determinants, solves and decompositions of (batches of) matrices (..., m, n).
Each function checks its arguments as torch does (errors name the op and the shapes) and applies a Function from
ops/linalg.py, or composes Tensor ops where the op is a composite (norms, matrix_power, multi_dot, lstsq).
Loaded on first use of teenygrad.linalg; the torch.det / x.inverse() spellings are in tensor_linalg.py. The triangular
solve and LU family (solve_triangular, lu_factor, lu, lu_solve) live in linalg_lu.py and are reached from here."""
import collections
import math
import operator
import numpy as np
from ._arrays import on_device_of
from .dtype import is_floating, to_dtype  # (the package's `dtype` attribute is torch's dtype class)
from .autograd import grad_mode
from .autograd.custom import _OutputSlot
from .ops import linalg as L, linalg_eig as LE
from .ops.linalg import LinAlgError
from .tensor import Tensor, _norm_dim
from .tensor_strided import vander as _vander
from .tensor_complex import view_as_complex as _view_as_complex, view_as_real as _view_as_real

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet", "solve", "solve_ex",
           "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "eig", "eigvals", "pinv",
           "matrix_rank", "lstsq", "multi_dot", "matrix_power", "cross", "vecdot", "diagonal", "matmul"]

_slogdet_t = collections.namedtuple("slogdet", ["sign", "logabsdet"])
_eigh_t = collections.namedtuple("eigh", ["eigenvalues", "eigenvectors"])
_eig_t = collections.namedtuple("eig", ["eigenvalues", "eigenvectors"])
_svd_t = collections.namedtuple("svd", ["U", "S", "Vh"])
_qr_t = collections.namedtuple("qr", ["Q", "R"])
_solve_ex_t = collections.namedtuple("solve_ex", ["result", "info"])
_inv_ex_t = collections.namedtuple("inv_ex", ["inverse", "info"])
_cholesky_ex_t = collections.namedtuple("cholesky_ex", ["L", "info"])
_lstsq_t = collections.namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])


class _Slot(_OutputSlot):
    """One output's graph node. A write to the output in place is stamped here and on the op's node, whose backward
    reads the saved output (autograd.function's write stamps)."""
    @property
    def _written(self):
        return self.__dict__.get("_own_written", 0)

    @_written.setter
    def _written(self, stamp):
        self.__dict__["_own_written"] = stamp
        if self.parents:
            self.parents[0]._written = stamp


_slot_types = {}


def _apply_multi(cls, *inputs, **kwargs):
    """Function.apply for a MultiOutput op: one Tensor per output, each differentiable one with its own graph node
    (autograd.custom's _OutputSlot) that hands its gradient to the op's node in its slot."""
    ctx = cls.__new__(cls)
    record = grad_mode._state["enabled"] and any(t.requires_grad for t in inputs)
    if record:
        ctx.needs_input_grad = [t.requires_grad for t in inputs]
    outs = [Tensor._wrap(o) for o in ctx.forward(*[t._data for t in inputs], **kwargs)]
    if record:
        ctx.parents = [t._ctx or t for t in inputs]
        ctx.seen = grad_mode._state["writes"]
        for i, (t, differentiable) in enumerate(zip(outs, cls.differentiable)):
            if differentiable:
                slot_cls = _slot_types.get(cls)
                if slot_cls is None:  # named after the op, so grad_fn reads <SvdBackward>
                    slot_cls = _slot_types[cls] = type(cls.__name__, (_Slot,), {"__module__": __name__})
                slot = slot_cls.__new__(slot_cls)
                slot.i, slot.n, slot.parents = i, len(outs), [ctx]
                t._ctx, t._requires_grad = slot, True
    return outs


# ---- argument checks -------------------------------------------------------------------------------------------
def _check_float(A, op, complex_ok=False):
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(A).__name__}")
    if not (is_floating(A.dtype) or complex_ok and A._data.dtype.kind == "c"):
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {A.dtype}")


def _check_matrix(A, op, complex_ok=False):
    _check_float(A, op, complex_ok)
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions, got shape {tuple(A.shape)}")


def _check_square(A, op, complex_ok=False):
    _check_matrix(A, op, complex_ok)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


# ---- inverses, determinants, solves ---------------------------------------------------------------------------
def inv(A):
    _check_square(A, "linalg.inv", complex_ok=True)
    return L.Inv.apply(A)


def _zero_info(A):
    return Tensor._wrap(np.zeros(A.shape[:-2], np.int32))


def inv_ex(A, *, check_errors=False):
    """(inverse, info): info per matrix is 0, or the first zero pivot of its LU (the inverse is NaN there)"""
    _check_square(A, "linalg.inv_ex", complex_ok=True)
    try:
        return _inv_ex_t(L.Inv.apply(A, op="linalg.inv_ex"), _zero_info(A))
    except RuntimeError:
        if check_errors:
            raise
    info = L.lu_info(A._data)
    ok = Tensor._wrap(info == 0)
    safe = A.where(ok[..., None, None], _eye_like(A))  # singular matrices swapped for I, their result for NaN
    inverse = L.Inv.apply(safe).masked_fill(~ok[..., None, None], float("nan"))
    return _inv_ex_t(inverse, Tensor._wrap(info))


def _eye_like(A):
    return Tensor._wrap(np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), A.shape).copy())


def det(A):
    _check_square(A, "linalg.det", complex_ok=True)
    return L.Det.apply(A)


def slogdet(A):
    _check_square(A, "linalg.slogdet", complex_ok=True)
    return _slogdet_t(*_apply_multi(L.Slogdet, A))


def _broadcast_batch(A, B, op, rhs):
    batch = A.shape[:-2]
    try:
        shape = np.broadcast_shapes(batch, B.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{op}: the batch dimensions of A {tuple(A.shape)} and B {tuple(B.shape)} do not "
                           f"broadcast") from None
    return A.expand(*shape, *A.shape[-2:]), B.expand(*shape, *rhs)


def _is_vector_rhs(A, B):
    """torch's rule: B is a (batch of) vector(s) when 1-D or shaped A.shape[:-1], left or not"""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])


def solve(A, B, *, left=True, _op="linalg.solve"):
    """X with A X = B (left) or X A = B; B may be a vector (..., n) as in torch"""
    _check_square(A, _op, complex_ok=True)
    _check_float(B, _op, complex_ok=True)
    if A.dtype != B.dtype:
        raise RuntimeError(f"{_op}: Expected A and B to have the same dtype, but found A of type {A.dtype} "
                           f"and B of type {B.dtype} instead")
    n = A.shape[-1]
    vector = _is_vector_rhs(A, B)
    if vector:
        B = B.unsqueeze(-1)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        if B.shape[-1] != n:
            raise RuntimeError(f"{_op}: Incompatible shapes of A and B for the equation XA = B "
                               f"({A.shape[-2]}x{n} and {B.shape[-2]}x{B.shape[-1]})")
        return solve(A.mT, B.mT, _op=_op).mT
    if B.shape[-2] != n:
        raise RuntimeError(f"{_op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    A2, B2 = _broadcast_batch(A, B, _op, B.shape[-2:])
    X = L.Solve.apply(A2, B2, op=_op)
    return X.squeeze(-1) if vector else X


def solve_ex(A, B, *, left=True, check_errors=False):
    """(result, info): info per matrix of A is 0, or the first zero pivot of A's LU (the result is NaN there)"""
    try:
        X = solve(A, B, left=left, _op="linalg.solve_ex")
        info = None
    except LinAlgError:
        if check_errors:
            raise
        info = L.lu_info(A._data)
        ok = Tensor._wrap(info == 0)[..., None, None]
        X = solve(A.where(ok, _eye_like(A)), B, left=left)
        X = X.masked_fill(~(ok[..., 0] if _is_vector_rhs(A, B) else ok), float("nan"))
    return _solve_ex_t(X, _zero_info(A) if info is None else Tensor._wrap(info))  # A's batch shape, as torch


def cholesky(A, *, upper=False, _op="linalg.cholesky"):
    _check_square(A, _op, complex_ok=True)
    return L.Cholesky.apply(A, op=_op, upper=upper)  # upper: LAPACK's uplo='U', A's upper triangle is read


def cholesky_ex(A, *, upper=False, check_errors=False):
    """(L, info): info per matrix is 0, or the order of the first leading minor that is not positive-definite
    (L is NaN there)"""
    _check_square(A, "linalg.cholesky_ex", complex_ok=True)
    try:
        return _cholesky_ex_t(cholesky(A, upper=upper, _op="linalg.cholesky_ex"), _zero_info(A))
    except RuntimeError:
        if check_errors:
            raise
    read = A.mT if upper else A  # the triangle the factorization reads as the lower one, as cholesky's
    info = L.cholesky_info(read._data)
    ok = Tensor._wrap(info == 0)
    low = L.Cholesky.apply(read.where(ok[..., None, None], _eye_like(A)))
    low = low.masked_fill(~ok[..., None, None], float("nan"))
    return _cholesky_ex_t(low.mT if upper else low, Tensor._wrap(info))


# ---- decompositions -------------------------------------------------------------------------------------------
def qr(A, mode="reduced"):
    _check_matrix(A, "linalg.qr", complex_ok=True)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"linalg.qr: received unrecognized mode '{mode}' but expected one of 'reduced' "
                           f"(default), 'r', or 'complete'")
    return _qr_t(*_apply_multi(L.Qr, A, mode=mode))


def svd(A, full_matrices=True, *, driver=None):
    _check_matrix(A, "linalg.svd", complex_ok=True)
    return _svd_t(*_apply_multi(L.Svd, A, full_matrices=full_matrices))


def svdvals(A, *, driver=None):
    _check_matrix(A, "linalg.svdvals", complex_ok=True)
    return L.Svdvals.apply(A)


def _check_uplo(UPLO, op):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {UPLO!r}")


def eigh(A, UPLO="L"):
    _check_square(A, "linalg.eigh", complex_ok=True)
    _check_uplo(UPLO, "linalg.eigh")
    return _eigh_t(*_apply_multi(L.Eigh, A, uplo=UPLO))


def eigvalsh(A, UPLO="L"):
    _check_square(A, "linalg.eigvalsh", complex_ok=True)
    _check_uplo(UPLO, "linalg.eigvalsh")
    return L.Eigvalsh.apply(A, uplo=UPLO)


def eig(A):
    """(eigenvalues, eigenvectors) of a general square A, complex (complex64 for float32) in LAPACK geev's order and
    normalisation (unit-norm vectors, largest component real); torch's gradient (ops/linalg_eig.py)"""
    _check_square(A, "linalg.eig", complex_ok=True)
    _check_finite(A, "linalg.eig")
    return _eig_t(*_apply_multi(LE.Eig, A))


def eigvals(A):
    """The eigenvalues of eig(A), complex, with eig's gradient"""
    _check_square(A, "linalg.eigvals", complex_ok=True)
    _check_finite(A, "linalg.eigvals")
    return LE.Eigvals.apply(A)


def _check_finite(A, op):
    if A.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise RuntimeError(f"{op}: expected a float32, float64, complex64 or complex128 tensor, got {A.dtype}")
    if not np.isfinite(A._data).all():
        raise RuntimeError(f"{op}: input tensor should not contain infs or NaNs (shape {tuple(A.shape)})")


def _tolerances(A, atol, rtol):
    """torch's rule: rtol defaults to eps * max(m, n) unless a positive atol is given. A Tensor atol or rtol holds
    one tolerance per matrix (broadcast over the batch): returned as an array with a trailing unit dim"""
    def value(t):
        return np.asarray(t._data)[..., None] if isinstance(t, Tensor) else float(t)
    atol_v = 0.0 if atol is None else value(atol)
    if rtol is None:
        rtol_v = np.where(np.asarray(atol_v) > 0, 0.0, float(np.finfo(A._data.dtype).eps) * max(A.shape[-2:]))
        rtol_v = rtol_v if isinstance(atol_v, np.ndarray) else float(rtol_v)
    else:
        rtol_v = value(rtol)
    return atol_v, rtol_v


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    _check_matrix(A, "linalg.pinv", complex_ok=True)
    if hermitian and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.pinv: with hermitian=True A must be batches of square matrices, got shape "
                           f"{tuple(A.shape)}")
    a, r = _tolerances(A, atol, rtol)
    return L.Pinv.apply(A, cutoff_atol=a, cutoff_rtol=r, hermitian=hermitian)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None):
    _check_matrix(A, "linalg.matrix_rank", complex_ok=True)
    a, r = _tolerances(A, tol if tol is not None else atol, rtol)
    s = np.abs(np.linalg.eigvalsh(A._data)) if hermitian else np.linalg.svd(A._data, compute_uv=False)
    smax = s.max(-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    return Tensor._wrap((s > np.maximum(a, r * smax)).sum(-1).astype(np.int64))


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B (the minimum-norm one when A is rank-deficient) as pinv(A) B; like
    torch's default CPU driver ('gelsy') residuals and singular_values are empty, rank is computed"""
    _check_matrix(A, "linalg.lstsq", complex_ok=True)
    _check_float(B, "linalg.lstsq", complex_ok=True)
    if not 0 <= A.ndim - B.ndim <= 1:
        raise RuntimeError(f"linalg.lstsq: input.dim() must be greater or equal to other.dim() and (input.dim() - "
                           f"other.dim()) <= 1, got shapes {tuple(A.shape)} and {tuple(B.shape)}")
    vector = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    if Bm.ndim < 2 or Bm.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"linalg.lstsq: input.size(-2) should match other.size(-2), got shapes {tuple(A.shape)} "
                           f"and {tuple(B.shape)}")
    rtol = rcond if rcond is not None else float(np.finfo(A._data.dtype).eps) * max(A.shape[-2:])
    X = pinv(A, rtol=rtol) @ Bm
    empty = Tensor._wrap(np.zeros((0,), np.zeros(0, A._data.dtype).real.dtype))  # real for a complex A, as torch
    return _lstsq_t(X.squeeze(-1) if vector else X, empty, matrix_rank(A, rtol=rtol), empty)


# ---- norms ----------------------------------------------------------------------------------------------------
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    if isinstance(x, Tensor) and x._data.dtype.kind == "c":  # torch: the norm of |x|, a real result
        x, dtype = (x if dtype is None else x._cast(to_dtype(dtype))).abs(), None
    _check_float(x, "linalg.vector_norm")
    if dtype is not None:
        x = x._cast(to_dtype(dtype))
    if isinstance(ord, str) or isinstance(ord, bool):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if ord < 0 or ord == math.inf:  # min over nothing, or 1/0: torch has no identity to give
        dims = range(x.ndim) if dim is None else [dim] if isinstance(dim, int) else dim
        if x.numel() == 0 and (dim is None or any(x.shape[_norm_dim(d, x.ndim, "linalg.vector_norm")] == 0
                                                  for d in dims)):
            where = "an empty tensor" if dim is None else f"the dimension {dim}"
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on {where} of shape {x.shape} "
                               "because the operation does not have an identity")
    if dim is None:  # a 0-d x too: its norm is Norm's (|x| for most ords, but 1 for ord 0, NaN's gradient NaN)
        out = x.reshape(-1).norm(ord, 0)
        return out.reshape((1,) * x.ndim)._named("LinalgVectorNormBackward0") if keepdim else out
    return x.norm(ord, dim, keepdim)


def _to_last_two(A, dim, op):
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple, got {dim!r}")
    d0, d1 = (_norm_dim(d, A.ndim, op) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different, got ({d0}, {d1})")
    rest = [d for d in range(A.ndim) if d not in (d0, d1)]
    return A.permute(*rest, d0, d1), (d0, d1)


def _keep(out, dims, ndim):
    for d in sorted(dims):
        out = out.unsqueeze(d)
    return out


def _max_or_zero(x):
    """x's max over the last dim; 0 (an empty sum) where that dim is empty, as torch's matrix norms"""
    return x.sum(-1) if x.shape[-1] == 0 else x.amax(-1)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    _check_matrix(A, "linalg.matrix_norm", complex_ok=True)
    if dtype is not None:
        A = A._cast(to_dtype(dtype))
    M, dims = _to_last_two(A, dim, "linalg.matrix_norm")
    if ord == "fro":  # torch's is a vector norm over the two dims
        out = (M.abs() if M._data.dtype.kind == "c" else M).square().sum((-2, -1)).sqrt()
        return (_keep(out, dims, A.ndim) if keepdim else out)._named("LinalgVectorNormBackward0")
    elif ord == "nuc":
        out = svdvals(M).sum(-1)
    elif ord in (2, -2):
        s = svdvals(M)
        out = _max_or_zero(s) if ord == 2 else s.amin(-1)
    elif ord in (1, -1, math.inf, -math.inf):
        sums = M.abs().sum(-2 if ord in (1, -1) else -1)  # column sums (1-norm) or row sums (inf-norm)
        out = _max_or_zero(sums) if ord > 0 else sums.amin(-1)
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if not keepdim:
        return out
    # torch's keeps the dims in its amax / amin, and permutes its singular values' result back
    name = "PermuteBackward0" if ord in (2, -2, "nuc") else out._ctx.name() if out._ctx is not None else None
    return _keep(out, dims, A.ndim)._named(name)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """vector_norm or matrix_norm, chosen as torch does: a str ord or a 2-tuple dim (or a 2-D input with ord and
    no dim) is a matrix norm"""
    _check_float(A, "linalg.norm", complex_ok=True)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if dim is None and ord is not None and A.ndim not in (1, 2):  # a str ord too, as torch
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.ndim}D.")
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.ndim == 2) or isinstance(ord, str):
        if ord is None:
            ord = "fro"
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# ---- products and small helpers ---------------------------------------------------------------------------------
def multi_dot(tensors):
    """The product of a chain of matrices; the first may be a row vector and the last a column vector (1-D)"""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        ok_1d = t.ndim == 1 and i in (0, len(tensors) - 1)
        if t.ndim != 2 and not ok_1d:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2-D (the first and last may be 1-D), got shape "
                               f"{tuple(t.shape)}")
    out = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if out.shape[-1] != t.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes {tuple(tensors[i - 1].shape)} and "
                               f"{tuple(t.shape)} cannot be multiplied")
        out = out @ t
    return out


def matrix_power(A, n):
    """A^n by repeated squaring; n < 0 uses inv(A), n = 0 gives the identity"""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {n!r}")
    if n < 0 or not isinstance(A, Tensor) or is_floating(A.dtype) or A._data.dtype.kind == "c":
        _check_square(A, "linalg.matrix_power", complex_ok=True)
    elif A.ndim < 2 or A.shape[-1] != A.shape[-2]:  # integer powers of integer matrices need no inverse
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, got shape {tuple(A.shape)}")
    elif n == 0:
        return _eye_like(A)
    if n == 0:  # the identity, with A in the graph (a zero gradient, even where A has inf or NaN), as torch
        zero = A * 0
        if zero._data.dtype.kind == "c":  # nan_to_num has no complex gradient: zero the parts
            return _eye_like(A) + _view_as_complex(_view_as_real(zero).nan_to_num(0.0, 0.0, 0.0))
        return _eye_like(A) + zero.nan_to_num(0.0, 0.0, 0.0)
    base = inv(A) if n < 0 else A
    result, k = None, abs(int(n))
    while k:
        if k & 1:
            result = base if result is None else result @ base
        k >>= 1
        if k:
            base = base @ base
    return result


def cross(input, other, *, dim=-1):
    """The 3-vector cross product along dim, broadcasting the other dims (torch.linalg.cross)"""
    if input.dtype != other.dtype:  # no promotion, as torch
        raise RuntimeError(f"linalg.cross: expected input and other to have the same dtype, got {input.dtype} and "
                           f"{other.dtype}")
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, got shapes "
                           f"{tuple(input.shape)} and {tuple(other.shape)}")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    d = _norm_dim(dim, len(shape), "linalg.cross")
    if input.shape[d - len(shape) + input.ndim] != 3 or other.shape[d - len(shape) + other.ndim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[dim]} and {other.shape[dim]}")
    return input.expand(*shape).cross(other.expand(*shape), d)


def vecdot(x, y, *, dim=-1):
    _check_float(x, "linalg.vecdot", complex_ok=True)
    _check_float(y, "linalg.vecdot", complex_ok=True)
    if x.dtype != y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type {x.dtype} "
                           f"and y of type {y.dtype} instead")
    if x.shape[dim] != y.shape[dim]:
        raise RuntimeError(f"linalg.vecdot: x and y must have the same size along dim {dim}, got shapes "
                           f"{tuple(x.shape)} and {tuple(y.shape)}")
    return (x.conj() * y).sum(dim)  # torch's: x conjugated


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return A.diagonal(offset, dim1, dim2)


def matmul(input, other):
    return input @ other


# ---- matrix functions, condition numbers, tensor equations ------------------------------------------------------
def matrix_exp(A):
    """e^A by scaling and squaring with a degree-13 Pade approximant (ops/linalg.py's expm)"""
    _check_square(A, "linalg.matrix_exp", complex_ok=True)
    return L.MatrixExp.apply(A)


def cond(A, p=None):
    """The condition number |A|_p |A^-1|_p; p None, 2, -2 by singular values (any shape), the others need square A
    and give inf for a singular one (but 'nuc', by singular values too), as torch"""
    _check_matrix(A, "linalg.cond", complex_ok=True)
    if p in (None, 2, -2):
        s = svdvals(A)
        if s.shape[-1] == 0:  # empty matrices: 0, as torch
            return s.sum(-1)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    if p not in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    _check_square(A, f"linalg.cond(ord={p})", complex_ok=True)
    if p == "nuc":  # sum(s) sum(1/s), as torch: finite for a numerically singular A, NaN for a zero one
        s = svdvals(A)
        return s.sum(-1) * s.reciprocal().sum(-1)
    inverse, info = inv_ex(A)
    singular = (info != 0)[..., None, None]
    out = matrix_norm(A, p) * matrix_norm(inverse.masked_fill(singular, 0.0), p)  # no NaN into the norms' SVD
    return out.masked_fill(info != 0, math.inf)


def _prod(shape):
    return int(np.prod(shape, dtype=np.int64))


def vander(x, N=None):
    """Columns x^0, x^1, ..., x^(N-1) for each entry of x (..., n) -> (..., n, N), N = n by default: torch.vander's
    running product (so x = 0 has a gradient), increasing and batched; integer inputs give int64, as torch"""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vander: expected a Tensor, got {type(x).__name__}")
    if not (x.dtype.kind in "iuc" or x.dtype in (np.float32, np.float64)):  # bool, float16, bfloat16
        raise RuntimeError(f"linalg.vander supports floating point, complex, and integer tensors, but got {x.dtype}")
    shape = tuple(x.shape) or (1,)  # a 0-d x is one entry
    N = shape[-1] if N is None else operator.index(N)
    if N <= 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got N={N} (x of shape {tuple(x.shape)})")
    return _vander(x.reshape(-1), N, increasing=True).reshape(shape + (N,))


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B, X of shape A.shape[B.ndim:] (after moving A's `dims` to the end)"""
    _check_float(A, "linalg.tensorsolve", complex_ok=True)
    _check_float(B, "linalg.tensorsolve", complex_ok=True)
    if dims is not None:
        dims = [d % A.ndim for d in (dims if isinstance(dims, (tuple, list)) else (dims,))]
        A = A.permute(*[d for d in range(A.ndim) if d not in dims], *dims)
    rows, out_shape = tuple(A.shape[:B.ndim]), tuple(A.shape[B.ndim:])
    if _prod(out_shape) != _prod(rows):
        raise RuntimeError(f"linalg.tensorsolve: Expected A to satisfy prod(A.shape[B.ndim:]) == "
                           f"prod(A.shape[:B.ndim]), but got {_prod(out_shape)} != {_prod(rows)} (A of shape "
                           f"{tuple(A.shape)}, B of shape {tuple(B.shape)})")
    if rows != tuple(B.shape):
        raise RuntimeError(f"linalg.tensorsolve: B's shape {tuple(B.shape)} must equal A's leading dimensions {rows}")
    return solve(A.reshape(_prod(rows), _prod(out_shape)), B.reshape(-1)).reshape(out_shape)


def tensorinv(A, ind=2):
    """The inverse of A for tensordot over ind dimensions: inv(A as a (prod(A.shape[:ind]), prod(A.shape[ind:]))
    matrix), shaped A.shape[ind:] + A.shape[:ind]"""
    _check_float(A, "linalg.tensorinv", complex_ok=True)
    if not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"linalg.tensorinv: Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    if _prod(rows) != _prod(cols):
        raise RuntimeError(f"linalg.tensorinv: Expected A to satisfy prod(A.shape[ind:]) == prod(A.shape[:ind]), "
                           f"but got {_prod(cols)} != {_prod(rows)} (A of shape {tuple(A.shape)}, ind={ind})")
    return inv(A.reshape(_prod(rows), _prod(cols))).reshape(cols + rows)


def householder_product(A, tau):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H with v_i = (0, ..., 0, 1, A[i+1:, i]) (LAPACK
    orgqr, e.g. Q from geqrf's output); composed of matrix products, so autograd differentiates it"""
    op = "linalg.householder_product"
    _check_matrix(A, op, complex_ok=True)
    _check_float(tau, op, complex_ok=True)
    m, n = A.shape[-2:]
    if m < n:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1], got shape "
                           f"{tuple(A.shape)}")
    if tau.ndim < 1 or tau.shape[-1] > n:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1], got shapes "
                           f"{tuple(A.shape)} and {tuple(tau.shape)}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{tuple(tau.shape[:-1])} (input of shape {tuple(A.shape)})")
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{op}: tau dtype {tau.dtype} does not match input dtype {A.dtype}")
    dt = A._data.dtype
    eye = Tensor._wrap(on_device_of(A._data, np.eye(m, n, dtype=dt)))
    V = A.tril(-1) + eye  # (..., m, n): the reflectors' vectors, unit on the diagonal
    Q = Tensor._wrap(on_device_of(A._data, np.broadcast_to(np.eye(m, dtype=dt), A.shape[:-2] + (m, m)).copy()))
    for i in range(tau.shape[-1]):
        v = V[..., :, i:i + 1]  # (..., m, 1)
        Q = Q - (Q @ v) @ (v.mH * tau[..., i, None, None])
    return Q[..., :, :n]


_FROM_LINALG_LU = ("solve_triangular", "lu_factor", "lu_factor_ex", "lu", "lu_solve")
__all__ += ["matrix_exp", "cond", "tensorsolve", "tensorinv", "householder_product", "vander", *_FROM_LINALG_LU]


def __getattr__(name):
    # linalg_lu builds on this module's helpers, so it is imported here on first use (and cached), not at the top
    if name in _FROM_LINALG_LU:
        from . import linalg_lu
        fn = getattr(linalg_lu, name)
        fn = globals()[name] = _accepting("linalg." + name, fn, __name__) if name in _LINALG_OUT else fn
        return fn
    raise AttributeError(f"module 'teenygrad.linalg' has no attribute {name!r}")


from .out_arg import LINALG_OUT as _LINALG_OUT, accepting as _accepting  # noqa: E402
for _n in sorted(_LINALG_OUT & set(globals())):  # torch.linalg.inv(A, out=X), ...
    globals()[_n] = _accepting("linalg." + _n, globals()[_n], __name__)
