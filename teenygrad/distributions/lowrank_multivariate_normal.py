"""LowRankMultivariateNormal(loc, cov_factor, cov_diag): the Gaussian on R^n whose covariance is W W^T + D, with
W = cov_factor (n, r) and D = diag(cov_diag). Everything goes through the r x r capacitance C = I + W^T D^-1 W
(Woodbury and the matrix determinant lemma), so no n x n factorisation is needed. Draws are torch's: the r normal
draws for W first, then the n for D."""
import math

from .. import linalg
from ..creation import eye
from ..tensor import Tensor, Size
from ..tensor_misc import broadcast_shapes
from . import constraints
from .distribution import Distribution
from .multivariate_normal import _mahalanobis, _matrix_vector
from .utils import lazy_property, standard_normal


def _capacitance_tril(W, D):
    """the Cholesky factor of I + W^T D^-1 W"""
    Wt_Dinv = W.mT / D.unsqueeze(-2)
    return linalg.cholesky(Wt_Dinv @ W + eye(W.shape[-1], dtype=W.dtype, device=W.device))


def _lowrank_logdet(D, capacitance_tril):
    """log det(W W^T + D) = log det C + log det D"""
    return 2 * capacitance_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1) + D.log().sum(-1)


def _woodbury_factor(W, D, capacitance_tril):
    """A = L^-1 W^T D^-1, so that (W W^T + D)^-1 = D^-1 - A^T A (Woodbury)"""
    return linalg.solve_triangular(capacitance_tril, W.mT / D.unsqueeze(-2), upper=False)


def _lowrank_mahalanobis(W, D, x, capacitance_tril):
    """x^T (W W^T + D)^-1 x = x^T D^-1 x - |L^-1 W^T D^-1 x|^2 (Woodbury)"""
    Wt_Dinv_x = _matrix_vector(W.mT / D.unsqueeze(-2), x)
    return (x.square() / D).sum(-1) - _mahalanobis(capacitance_tril, Wt_Dinv_x)


class LowRankMultivariateNormal(Distribution):
    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        for name, value, ndim in [("loc", loc, 1), ("cov_factor", cov_factor, 2), ("cov_diag", cov_diag, 1)]:
            if not isinstance(value, Tensor):
                raise ValueError(f"LowRankMultivariateNormal: {name} must be a Tensor, got {type(value).__name__}")
            if value.ndim < ndim:
                raise ValueError(f"LowRankMultivariateNormal: {name} must be at least {ndim}-dimensional, with "
                                 f"optional leading batch dimensions, got shape {tuple(value.shape)}")
        n = loc.shape[-1]
        if cov_factor.shape[-2] != n or cov_diag.shape[-1] != n:
            raise ValueError(f"LowRankMultivariateNormal: cov_factor {tuple(cov_factor.shape)} must be (..., {n}, r) "
                             f"and cov_diag {tuple(cov_diag.shape)} (..., {n}) for loc {tuple(loc.shape)}")
        try:
            batch_shape = Size(broadcast_shapes(loc.shape[:-1], cov_factor.shape[:-2], cov_diag.shape[:-1]))
        except RuntimeError:
            raise ValueError(f"LowRankMultivariateNormal: incompatible batch shapes: loc {tuple(loc.shape)}, "
                             f"cov_factor {tuple(cov_factor.shape)}, cov_diag {tuple(cov_diag.shape)}") from None
        self.loc, self.cov_diag = loc.expand(batch_shape + (n,)), cov_diag.expand(batch_shape + (n,))
        self.cov_factor = cov_factor.expand(batch_shape + cov_factor.shape[-2:])
        self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag = cov_factor, cov_diag
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)
        super().__init__(batch_shape, Size((n,)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape + self.event_shape)
        new.cov_diag = self.cov_diag.expand(batch_shape + self.event_shape)
        new.cov_factor = self.cov_factor.expand(batch_shape + self.cov_factor.shape[-2:])
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @lazy_property
    def variance(self):
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return (W.square().sum(-1) + D).expand(self._batch_shape + self._event_shape)

    @lazy_property
    def scale_tril(self):
        # L = D^1/2 chol(I + D^-1/2 W W^T D^-1/2): one n x n factorisation, better conditioned than chol(W W^T + D)
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        n = self._event_shape[0]
        sqrt_d = D.sqrt().unsqueeze(-1)
        scaled = W / sqrt_d
        L = sqrt_d * linalg.cholesky(scaled @ scaled.mT + eye(n, dtype=W.dtype, device=W.device))
        return L.expand(self._batch_shape + (n, n))

    @lazy_property
    def covariance_matrix(self):
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        n = self._event_shape[0]
        return (W @ W.mT + D.diag_embed()).expand(self._batch_shape + (n, n))

    @lazy_property
    def precision_matrix(self):
        # Woodbury: (W W^T + D)^-1 = D^-1 - A^T A with A = L^-1 W^T D^-1
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        n = self._event_shape[0]
        A = _woodbury_factor(W, D, self._capacitance_tril)
        return (D.reciprocal().diag_embed() - A.mT @ A).expand(self._batch_shape + (n, n))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        eps_W = standard_normal(shape[:-1] + W.shape[-1:], self.loc)
        eps_D = standard_normal(shape, self.loc)
        return self.loc + _matrix_vector(W, eps_W) + D.sqrt() * eps_D

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        m = _lowrank_mahalanobis(W, D, value - self.loc, self._capacitance_tril)
        log_det = _lowrank_logdet(D, self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + m + log_det)

    def entropy(self):
        log_det = _lowrank_logdet(self._unbroadcasted_cov_diag, self._capacitance_tril)
        h = 0.5 * (self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)
        return h if len(self._batch_shape) == 0 else h.expand(self._batch_shape)
