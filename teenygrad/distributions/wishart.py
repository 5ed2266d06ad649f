"""Wishart(df, covariance_matrix= | precision_matrix= | scale_tril=): the law of sum_i x_i x_i^T over df draws
x_i ~ N(0, Sigma), on p x p positive definite matrices. Draws use the Bartlett decomposition as torch's: L A A^T L^T
with A lower triangular, sqrt(chi2(df - i)) on its diagonal and standard normals below it."""
import math
import warnings

from .. import linalg
from ..creation import arange, randn, tensor
from ..tensor import Size, Tensor
from ..tensor_misc import broadcast_shapes, finfo
from ..tensor_ops import einsum
from . import constraints
from .chi2 import Chi2
from .exp_family import ExponentialFamily
from .transforms_more import vec_to_tril_matrix
from .utils import lazy_property

_LOG_2 = math.log(2)


def _mvdigamma(x, p):
    """the multivariate digamma: sum_i digamma(x - i/2), i < p"""
    if not (x > (p - 1) / 2).all():
        raise ValueError(f"Wishart: multivariate digamma needs x > (p - 1) / 2 = {(p - 1) / 2}")
    return (x.unsqueeze(-1) - arange(p, dtype=x.dtype, device=x.device) / 2).digamma().sum(-1)


class Wishart(ExponentialFamily):
    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky, "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = {k: v for k, v in [("covariance_matrix", covariance_matrix), ("precision_matrix", precision_matrix),
                                   ("scale_tril", scale_tril)] if v is not None}
        if len(given) != 1:
            raise ValueError("Wishart: exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                             f"specified, got {sorted(given) or 'none'}")
        (name, param), = given.items()
        if not isinstance(param, Tensor) or param.ndim < 2:
            raise ValueError(f"Wishart: {name} must be at least two-dimensional, with optional leading batch "
                             f"dimensions, got {getattr(param, 'shape', param)}")
        if isinstance(df, Tensor):
            batch_shape = Size(broadcast_shapes(param.shape[:-2], df.shape))
            self.df = df.expand(batch_shape)
        else:
            batch_shape = Size(param.shape[:-2])
            self.df = tensor(float(df), dtype=param.dtype, device=param.device)
        event_shape = Size(param.shape[-2:])
        p = event_shape[-1]
        if (self.df <= p - 1).any():
            raise ValueError(f"Wishart: value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        setattr(self, name, param.expand(batch_shape + (-1, -1)))
        if (self.df < p).any():
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df < "
                          "ndim.", stacklevel=2)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._batch_dims = [-(x + 1) for x in range(len(self._batch_shape))]
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = param
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(param)
        else:
            self._unbroadcasted_scale_tril = linalg.cholesky(linalg.inv(param))
        self._dist_chi2 = self._chi2(batch_shape)

    def _chi2(self, batch_shape):
        """the Bartlett diagonal's chi2(df - i), i < p"""
        p = self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        return Chi2(self.df.unsqueeze(-1) - arange(p, dtype=L.dtype, device=L.device).expand(batch_shape + (-1,)))

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = Size(batch_shape)
        cov_shape = batch_shape + self.event_shape
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(cov_shape)
        new.df = self.df.expand(batch_shape)
        new._batch_dims = [-(x + 1) for x in range(len(batch_shape))]
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(cov_shape))
        ExponentialFamily.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._dist_chi2 = new._chi2(batch_shape)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._batch_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self):
        return self._unbroadcasted_scale_tril.cholesky_inverse().expand(self._batch_shape + self._event_shape)

    @property
    def mean(self):
        return self.df.view(self._batch_shape + (1, 1)) * self.covariance_matrix

    @property
    def mode(self):
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = factor.masked_fill(factor <= 0, float("nan"))  # no mode for df <= p + 1
        return factor.view(self._batch_shape + (1, 1)) * self.covariance_matrix

    @property
    def variance(self):
        V = self.covariance_matrix
        d = V.diagonal(dim1=-2, dim2=-1)
        return self.df.view(self._batch_shape + (1, 1)) * (V.square() + einsum("...i,...j->...ij", d, d))

    def _bartlett_sampling(self, sample_shape=Size()):
        p = self._event_shape[-1]
        diag = self._dist_chi2.rsample(sample_shape).sqrt()
        diag = diag.clamp(min=finfo(diag.dtype).eps).diag_embed(dim1=-2, dim2=-1)
        below = randn(Size(sample_shape) + self._batch_shape + (p * (p - 1) // 2,), dtype=diag.dtype,
                      device=diag.device)
        chol = self._unbroadcasted_scale_tril @ (diag + vec_to_tril_matrix(below, diag=-1))
        return chol @ chol.mT

    def rsample(self, sample_shape=Size(), max_try_correction=None):
        """Bartlett draws; a draw that is not positive definite is redrawn up to max_try_correction (10) times.
        The stream differs from torch 2.13's, which flags every valid first draw as singular (its check lacks the
        negation) and always redraws once with a warning: the same distribution, other numbers."""
        max_try_correction = 10 if max_try_correction is None else max_try_correction
        sample_shape = Size(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        is_singular = ~self.support.check(sample)
        if self._batch_shape:
            is_singular = is_singular.amax(self._batch_dims)
        for _ in range(max_try_correction):
            if not is_singular.any():
                break
            warnings.warn("Singular sample detected.", stacklevel=2)
            redraw = self._bartlett_sampling(sample_shape)
            mask = is_singular.view(is_singular.shape + (1,) * (sample.ndim - is_singular.ndim))
            sample = mask.where(redraw, sample)
            is_singular = ~self.support.check(sample)
            if self._batch_shape:
                is_singular = is_singular.amax(self._batch_dims)
        return sample

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        return (-nu * (p * _LOG_2 / 2 + L.diagonal(dim1=-2, dim2=-1).log().sum(-1))
                - (nu / 2).mvlgamma(p=p)
                + (nu - p - 1) / 2 * linalg.slogdet(value).logabsdet
                - value.cholesky_solve(L).diagonal(dim1=-2, dim2=-1).sum(-1) / 2)

    def entropy(self):
        nu, p = self.df, self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        return ((p + 1) * (p * _LOG_2 / 2 + L.diagonal(dim1=-2, dim2=-1).log().sum(-1))
                + (nu / 2).mvlgamma(p=p) - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)

    @property
    def _natural_params(self):
        p = self._event_shape[-1]
        return -self.precision_matrix / 2, (self.df - p - 1) / 2

    def _log_normalizer(self, x, y):
        p = self._event_shape[-1]
        return ((y + (p + 1) / 2) * (-linalg.slogdet(-2 * x).logabsdet + _LOG_2 * p)
                + (y + (p + 1) / 2).mvlgamma(p=p))
