"""torch.linalg's triangular solve and LU family: solve_triangular, lu_factor, lu_factor_ex, lu, lu_solve. Part of
teenygrad.linalg (which re-exports these), split out to keep each file short; the Functions are in ops/linalg_lu.py.
lu_solve is composed of a row permutation and two triangular solves, so its gradient reaches LU through them."""
import collections
import numpy as np
from ._arrays import contiguous, zeros_on
from .linalg import _apply_multi, _broadcast_batch, _check_float, _check_matrix, _check_square
from .ops import linalg_lu as LU
from .ops.linalg import _batch_prefix
from .tensor import Tensor

__all__ = ["solve_triangular", "lu_factor", "lu_factor_ex", "lu", "lu_solve"]

_lu_factor_t = collections.namedtuple("lu_factor", ["LU", "pivots"])
_lu_factor_ex_t = collections.namedtuple("lu_factor_ex", ["LU", "pivots", "info"])
_lu_t = collections.namedtuple("lu", ["P", "L", "U"])


def _dtype_of_A(A, B):
    """B in A's dtype: torch's solve_triangular computes (and returns) in A's dtype"""
    return B if B._data.dtype == A._data.dtype else B._cast(A._data.dtype)


def _check_rhs(A, B, left, op):
    if B.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions, got shape {tuple(B.shape)}")
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {eq} ({A.shape[-2]}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with A X = B (left) or X A = B, reading only A's upper or lower triangle (unitriangular: not its
    diagonal either, taken as ones). A zero on the diagonal gives inf/NaN, not an error, as torch"""
    op = "linalg.solve_triangular"
    _check_square(A, op, complex_ok=True)
    _check_float(B, op, complex_ok=True)
    _check_rhs(A, B, left, op)
    B = _dtype_of_A(A, B)
    if not left:  # X A = B  <=>  A^T X^T = B^T, and A^T's triangle is the other one
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    A2, B2 = _broadcast_batch(A, B, op, B.shape[-2:])
    return LU.SolveTriangular.apply(A2, B2, upper=bool(upper), unitriangular=bool(unitriangular))


def _check_pivot(pivot, op):
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """(LU, pivots, info): L's strict lower part and U packed in LU, LAPACK's 1-based int32 pivots, info per
    matrix 0 or the 1-based index of the first zero on U's diagonal"""
    op = "linalg.lu_factor_ex"
    _check_matrix(A, op, complex_ok=True)
    _check_pivot(pivot, op)
    packed, pivots = _apply_multi(LU.LuFactor, A)
    k = min(A.shape[-2:])
    diag = np.diagonal(packed._data[..., :k, :k], axis1=-2, axis2=-1)
    zero = diag == 0
    info = (np.where(zero.any(-1), zero.argmax(-1) + 1, 0) if k else zeros_on(zero, zero.shape[:-1])).astype(np.int32)
    if check_errors and info.any():
        _raise_zero_pivot(info, "linalg.lu_factor_ex")
    return _lu_factor_ex_t(packed, pivots, Tensor._wrap(info))


def _raise_zero_pivot(info, op):
    i = int(info.reshape(-1)[np.flatnonzero(info.reshape(-1))[0]])
    raise RuntimeError(f"{op}: {_batch_prefix(info)}U[{i},{i}] is zero and using it on lu_solve would result in a "
                       f"division by zero. If you still want to perform the factorization, consider calling "
                       f"linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor(A, *, pivot=True):
    """(LU, pivots) as lu_factor_ex, refusing a matrix with a zero on U's diagonal (as torch)"""
    _check_matrix(A, "linalg.lu_factor", complex_ok=True)
    _check_pivot(pivot, "linalg.lu_factor")
    packed, pivots, info = lu_factor_ex(A)
    if info._data.any():
        _raise_zero_pivot(info._data, "linalg.lu_factor")
    return _lu_factor_t(packed, pivots)


def lu(A, *, pivot=True):
    """(P, L, U) with A = P L U: P a permutation matrix (A's dtype), L (m, k) unit lower, U (k, n) upper,
    k = min(m, n). Singular matrices are factored too"""
    _check_matrix(A, "linalg.lu", complex_ok=True)
    _check_pivot(pivot, "linalg.lu")
    return _lu_t(*_apply_multi(LU.Lu, A))


def _permute_rows(B, perm):
    """rows B[..., perm[..., i], :]: perm (batch..., n) an array on B's device, broadcast to B's batch"""
    index = np.broadcast_to(perm[..., :, None], B.shape).astype(np.int64)
    return B.gather(-2, Tensor._wrap(contiguous(index)))  # on perm's device


def lu_solve(LU_, pivots, B, *, left=True, adjoint=False):
    """X with A X = B (adjoint: A^H X = B; left=False: X A = B or X A^H = B) for A = P L U given by lu_factor:
    X = U^-1 L^-1 P^T B, or P L^-H U^-H B for the adjoint (^H is ^T for a real A)"""
    op = "linalg.lu_solve"
    _check_square(LU_, op, complex_ok=True)
    _check_float(B, op, complex_ok=True)
    _check_rhs(LU_, B, left, op)
    n = LU_.shape[-1]
    if not isinstance(pivots, Tensor) or pivots._data.dtype != np.int32:
        raise RuntimeError(f"{op}: pivots should be an int32 Tensor, got "
                           f"{getattr(pivots, 'dtype', type(pivots).__name__)}")
    if pivots.ndim < 1 or pivots.shape[-1] != n:
        raise RuntimeError(f"{op}: Number of pivots per batch should be same as the dimension of the matrix, got "
                           f"pivots of shape {tuple(pivots.shape)} for LU of shape {tuple(LU_.shape)}")
    if pivots._data.size and (pivots._data.min() < 1 or pivots._data.max() > n):
        raise RuntimeError(f"{op}: pivots must be between 1 and {n}, got values from {int(pivots._data.min())} "
                           f"to {int(pivots._data.max())}")
    if LU_.dtype != B.dtype:
        raise RuntimeError(f"{op}: Expected LU and B to have the same dtype, but found LU of type {LU_.dtype} and B "
                           f"of type {B.dtype} instead")
    if not left:  # X A = B  <=>  A^H X^H = B^H
        return lu_solve(LU_, pivots, B.mH, adjoint=not adjoint).mH
    A2, B2 = _broadcast_batch(LU_, B, op, B.shape[-2:])
    perm = LU.pivots_to_perm(pivots._data, n)
    perm = np.broadcast_to(perm, A2.shape[:-2] + (n,))
    if not adjoint:
        Y = solve_triangular(A2, _permute_rows(B2, perm), upper=False, unitriangular=True)
        return solve_triangular(A2, Y, upper=True)
    Y = solve_triangular(A2.mH, B2, upper=False)  # U^H is lower
    Z = solve_triangular(A2.mH, Y, upper=True, unitriangular=True)  # L^H is unit upper
    return _permute_rows(Z, np.argsort(perm, -1))  # P Z: row perm[i] of X is row i of Z
