"""MultivariateNormal(loc, covariance_matrix= | precision_matrix= | scale_tril=): the Gaussian on R^n. Every
computation goes through the lower Cholesky factor L of the covariance (covariance = L L^T)."""
import math

from .. import linalg
from ..tensor import Tensor, Size
from ..tensor_misc import broadcast_shapes
from . import constraints
from .distribution import Distribution
from .utils import lazy_property, standard_normal


def _matrix_vector(L, x):
    """L @ x over broadcast batch dimensions: L (..., n, n), x (..., n)"""
    return (L @ x.unsqueeze(-1)).squeeze(-1)


def _solve_lower(L, B):
    """L^-1 B reading only L's lower triangle (the upper entries get no gradient)"""
    return linalg.solve_triangular(L, B, upper=False)


def _mahalanobis(L, x):
    """x^T (L L^T)^-1 x = |L^-1 x|^2 over broadcast batch dimensions"""
    return _solve_lower(L, x.unsqueeze(-1)).square().sum((-2, -1))


class MultivariateNormal(Distribution):
    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = {k: v for k, v in [("covariance_matrix", covariance_matrix), ("precision_matrix", precision_matrix),
                                   ("scale_tril", scale_tril)] if v is not None}
        if len(given) != 1:
            raise ValueError("MultivariateNormal: exactly one of covariance_matrix or precision_matrix or scale_tril "
                             f"may be specified, got {sorted(given) or 'none'}")
        (name, matrix), = given.items()
        for arg, value, ndim in [("loc", loc, 1), (name, matrix, 2)]:
            if not isinstance(value, Tensor):
                raise ValueError(f"MultivariateNormal: {arg} must be a Tensor, got {type(value).__name__}")
            if value.ndim < ndim:
                raise ValueError(f"MultivariateNormal: {arg} must be at least {ndim}-dimensional (with optional "
                                 f"leading batch dimensions), got shape {tuple(value.shape)}")
        n = loc.shape[-1]
        if matrix.shape[-2:] != (n, n):
            raise ValueError(f"MultivariateNormal: {name} of shape {tuple(matrix.shape)} must end in (n, n) = ({n}, "
                             f"{n}) for loc of shape {tuple(loc.shape)}")
        try:
            batch_shape = Size(broadcast_shapes(matrix.shape[:-2], loc.shape[:-1]))
        except RuntimeError:
            raise RuntimeError(f"MultivariateNormal: the batch shapes of loc {tuple(loc.shape)} and {name} "
                               f"{tuple(matrix.shape)} cannot be broadcast together") from None
        setattr(self, name, matrix.expand(batch_shape + (n, n)))
        self.loc = loc.expand(batch_shape + (n,))
        super().__init__(batch_shape, Size((n,)), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(matrix)
        else:  # the Cholesky factor of the inverse is the covariance's
            self._unbroadcasted_scale_tril = linalg.cholesky(linalg.inv(matrix))

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self):
        return self._unbroadcasted_scale_tril.cholesky_inverse().expand(
            self._batch_shape + self._event_shape + self._event_shape)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.square().sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=Size()):
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + _matrix_vector(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        m = _mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + m) - self._half_log_det()

    def entropy(self):
        h = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return h if len(self._batch_shape) == 0 else h.expand(self._batch_shape)
