"""Tensor methods for linear algebra as torch spells them (x.det(), x.inverse(), x.cholesky(), x.svd(), ...), and
through functional_api the torch.xxx forms. Thin: each calls teenygrad.linalg, imported on first use so that
`import teenygrad` does not load it."""
import collections
import numpy as np
from .tensor import Tensor
from .tensor_ops import _method

_result_types = {}


def _result(name, fields):
    """torch's named result tuple, made on first use (a namedtuple costs ~0.2 ms to build at import)"""
    t = _result_types.get(name)
    if t is None:
        t = _result_types[name] = collections.namedtuple(name, fields)
    return t


def _la():
    from . import linalg
    return linalg


@_method
def det(self):
    return _la().det(self)


@_method
def slogdet(self):
    return _la().slogdet(self)


@_method
def logdet(self):
    """log(det A): NaN for a negative real determinant, -inf for a singular matrix (as torch); complex: the
    principal log"""
    sign, logabs = _la().slogdet(self)
    if sign.is_complex():  # log det = log|det| + i angle(det): the sign (a unit number) carries the phase
        return logabs + sign.log()
    return logabs.masked_fill(sign < 0, float("nan"))


@_method
def inverse(self):
    return _la().inv(self)


@_method
def cholesky(self, upper=False):
    return _la().cholesky(self, upper=upper)


@_method
def cholesky_solve(self, input2, upper=False):
    """X with A X = self, A = L L^T given its Cholesky factor input2 (U^T U with upper=True), of which only the
    triangle is read; batch dims broadcast, a zero on the factor's diagonal gives inf/NaN (as torch)"""
    la = _la()
    if self.ndim < 2 or input2.ndim < 2:
        raise RuntimeError(f"cholesky_solve: b and the factor must have at least 2 dimensions, got shapes "
                           f"{tuple(self.shape)} and {tuple(input2.shape)}")
    la._check_square(input2, "cholesky_solve", complex_ok=True)
    la._check_float(self, "cholesky_solve", complex_ok=True)
    if self.dtype != input2.dtype:
        raise RuntimeError(f"cholesky_solve: Expected b and A to have the same dtype, but got b of type {self.dtype} "
                           f"and A of type {input2.dtype}")
    if self.shape[-2] != input2.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {input2.shape[-2]} by "
                           f"{input2.shape[-1]} but each b matrix is {self.shape[-2]} by {self.shape[-1]}")
    from .ops.linalg_lu import CholeskySolve
    factor, b = la._broadcast_batch(input2, self, "cholesky_solve", self.shape[-2:])
    return CholeskySolve.apply(b, factor, upper=bool(upper))


@_method
def cholesky_inverse(self, upper=False):
    """A^-1 for A = L L^T given L (U^T U with upper=True), of which only the triangle is read (as torch)"""
    _la()._check_square(self, "cholesky_inverse", complex_ok=True)
    from .ops.linalg_lu import CholeskyInverse
    return CholeskyInverse.apply(self, upper=bool(upper))


@_method
def pinverse(self, rcond=1e-15):
    return _la().pinv(self, rtol=rcond)


@_method
def matrix_power(self, n):
    return _la().matrix_power(self, n)


@_method
def svd(self, some=True, compute_uv=True):
    """torch.svd's convention: V (not Vh), some=True for the reduced factors; compute_uv=False gives zero U, V"""
    la = _la()
    if not compute_uv:
        la._check_matrix(self, "svd")
        m, n = self.shape[-2:]
        zeros = lambda k: Tensor._wrap(np.zeros_like(self._data, shape=self.shape[:-2] + (k, k)))
        return _result("svd", ["U", "S", "V"])(zeros(m), la.svdvals(self), zeros(n))
    U, S, Vh = la.svd(self, full_matrices=not some)
    return _result("svd", ["U", "S", "V"])(U, S, Vh.mT)


@_method
def qr(self, some=True):
    return _result("qr", ["Q", "R"])(*_la().qr(self, mode="reduced" if some else "complete"))


@_method
def matrix_exp(self):
    return _la().matrix_exp(self)


@_method
def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
    """torch's deprecated triangular_solve: X with A X = self (A^T X = self with transpose), returned with a copy
    of A as (solution, cloned_coefficient)"""
    la = _la()
    la._check_square(A, "triangular_solve", complex_ok=True)
    M = A.mT if transpose else A
    X = la.solve_triangular(M, self, upper=bool(upper) != bool(transpose), unitriangular=unitriangular)
    # torch's copy of A carries the batch dims broadcast against self's
    coefficient = A.expand(X.shape[:-2] + A.shape[-2:]).clone()
    return _result("triangular_solve", ["solution", "cloned_coefficient"])(X, coefficient)


@_method
def lu(self, pivot=True, get_infos=False):
    """torch.lu: (LU, pivots), with infos too when get_infos (singular matrices are factored, never refused)"""
    LU, pivots, info = _la().lu_factor_ex(self, pivot=pivot)
    return (LU, pivots, info) if get_infos else (LU, pivots)


@_method
def lu_solve(self, LU_data, LU_pivots):
    """torch.lu_solve(b, LU, pivots): X with A X = b for A = P L U from lu / lu_factor"""
    return _la().lu_solve(LU_data, LU_pivots, self)


@_method
def orgqr(self, input2):
    """torch.orgqr(A, tau): linalg.householder_product"""
    return _la().householder_product(self, input2)
