"""The rest of torch.distributions.transforms: transforms over whole events (Independent, Reshape, Softmax, the
Cholesky ones), transforms applied piecewise along a dimension (Cat, Stack), Softplus, and a distribution's cdf as a
transform. transforms.py re-exports them, so `distributions.transforms.CatTransform` is where torch has it."""
import math

import numpy as np

from .. import linalg
from ..creation import eye, tensor
from ..nn.functional import pad, softplus
from ..tensor import Size
from ..tensor_ops import cat, stack
from ..tensor_misc import finfo
from . import constraints
from .transforms import Transform, _same_class, _class_hash
from .utils import sum_rightmost


def _tril_index(n, diag):
    """(flat positions of an n x n matrix's entries on or below diagonal diag, row by row, their count)"""
    rows, cols = np.tril_indices(n, diag)
    return rows * n + cols, len(rows)


def tril_matrix_to_vec(mat, diag=0):
    """the entries on and below diagonal diag, row by row (torch.distributions.utils.tril_matrix_to_vec)"""
    n = mat.shape[-1]
    flat, _ = _tril_index(n, diag)
    return mat.reshape(mat.shape[:-2] + (n * n,))[..., tensor(flat)]


def vec_to_tril_matrix(vec, diag=0):
    """the inverse of tril_matrix_to_vec: a matrix with vec's entries on and below diagonal diag, zeros elsewhere"""
    m = vec.shape[-1]
    n = round((-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * m + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2)
    flat, count = _tril_index(n, diag)
    if count != m:
        raise ValueError(f"vec_to_tril_matrix: {m} entries do not fill the lower triangle (diag={diag}) of a square "
                         f"matrix")
    where = np.full(n * n, m)  # positions off the triangle read the appended zero
    where[flat] = np.arange(m)
    padded = pad(vec, (0, 1))
    return padded[..., tensor(where)].reshape(vec.shape[:-1] + (n, n))


class IndependentTransform(Transform):
    """base_transform with its reinterpreted_batch_ndims rightmost batch dimensions read as one event: the
    log-determinant sums over them"""

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims, cache_size=cache_size)

    @property
    def domain(self):
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @property
    def codomain(self):
        return constraints.independent(self.base_transform.codomain, self.reinterpreted_batch_ndims)

    @property
    def bijective(self):
        return self.base_transform.bijective

    @property
    def sign(self):
        return self.base_transform.sign

    def _call(self, x):
        if x.ndim < self.domain.event_dim:
            raise ValueError(f"IndependentTransform: too few dimensions on input {tuple(x.shape)} "
                             f"(event_dim {self.domain.event_dim})")
        return self.base_transform(x)

    def _inverse(self, y):
        if y.ndim < self.codomain.event_dim:
            raise ValueError(f"IndependentTransform: too few dimensions on input {tuple(y.shape)} "
                             f"(event_dim {self.codomain.event_dim})")
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y), self.reinterpreted_batch_ndims)

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)

    def __repr__(self):
        return f"IndependentTransform({self.base_transform!r}, {self.reinterpreted_batch_ndims})"


class ReshapeTransform(Transform):
    """the event reshaped from in_shape to out_shape (same number of entries); log|det J| = 0"""
    bijective = True

    def __init__(self, in_shape, out_shape, cache_size=0):
        self.in_shape, self.out_shape = Size(in_shape), Size(out_shape)
        if self.in_shape.numel() != self.out_shape.numel():
            raise ValueError(f"ReshapeTransform: in_shape {tuple(self.in_shape)} and out_shape "
                             f"{tuple(self.out_shape)} have different numbers of elements")
        super().__init__(cache_size=cache_size)

    @property
    def domain(self):
        return constraints.independent(constraints.real, len(self.in_shape))

    @property
    def codomain(self):
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x):
        return x.reshape(x.shape[:x.ndim - len(self.in_shape)] + self.out_shape)

    def _inverse(self, y):
        return y.reshape(y.shape[:y.ndim - len(self.out_shape)] + self.in_shape)

    def log_abs_det_jacobian(self, x, y):
        return x.new_zeros(x.shape[:x.ndim - len(self.in_shape)])

    @staticmethod
    def _swap(shape, old, new):
        shape = Size(shape)
        if len(shape) < len(old):
            raise ValueError(f"ReshapeTransform: too few dimensions on input {tuple(shape)} for event {tuple(old)}")
        cut = len(shape) - len(old)
        if shape[cut:] != old:
            raise ValueError(f"ReshapeTransform: shape mismatch: expected {tuple(shape[cut:])} but got {tuple(old)}")
        return shape[:cut] + new

    def forward_shape(self, shape):
        return self._swap(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape):
        return self._swap(shape, self.out_shape, self.in_shape)


class SoftplusTransform(Transform):
    """y = log(1 + e^x);  x = y + log(-expm1(-y));  log|dy/dx| = -softplus(-x)"""
    domain, codomain, bijective, sign = constraints.real, constraints.positive, True, +1
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        return softplus(x)

    def _inverse(self, y):
        return (-y).expm1().neg().log() + y

    def log_abs_det_jacobian(self, x, y):
        return -softplus(-x)


class SoftmaxTransform(Transform):
    """R^n -> the simplex by softmax over the last dimension; not bijective (the inverse is log y, one of many), so
    it has no log-determinant"""
    domain, codomain = constraints.real_vector, constraints.simplex
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        probs = (x - x.amax(-1, keepdim=True)).exp()
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y):
        return y.log()

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("SoftmaxTransform: too few dimensions on input (needs at least 1)")
        return shape

    inverse_shape = forward_shape


class CorrCholeskyTransform(Transform):
    """R^(D(D-1)/2) -> Cholesky factors of D x D correlation matrices: tanh maps each entry into (-1, 1), and each
    row is filled stick-breaking style so that it has unit norm (the diagonal takes what remains)"""
    domain, codomain, bijective = constraints.real_vector, constraints.corr_cholesky, True
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        eps = finfo(x.dtype).eps
        r = vec_to_tril_matrix(x.tanh().clamp(min=-1 + eps, max=1 - eps), diag=-1)
        z1m_cumprod_sqrt = (1 - r * r).sqrt().cumprod(-1)
        r = r + eye(r.shape[-1], dtype=r.dtype, device=r.device)
        return r * pad(z1m_cumprod_sqrt[..., :-1], (1, 0), value=1)

    def _inverse(self, y):
        y_cumsum = 1 - (y * y).cumsum(-1)
        y_cumsum_shifted = pad(y_cumsum[..., :-1], (1, 0), value=1)
        t = tril_matrix_to_vec(y, diag=-1) / tril_matrix_to_vec(y_cumsum_shifted, diag=-1).sqrt()
        return (t.log1p() - t.neg().log1p()) / 2  # atanh

    def log_abs_det_jacobian(self, x, y):
        y1m_cumsum_tril = tril_matrix_to_vec(1 - (y * y).cumsum(-1), diag=-2)
        stick_breaking_logdet = 0.5 * y1m_cumsum_tril.log().sum(-1)
        tanh_logdet = -2 * (x + softplus(-2 * x) - math.log(2.0)).sum(-1)
        return stick_breaking_logdet + tanh_logdet

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("CorrCholeskyTransform: too few dimensions on input (needs at least 1)")
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError(f"CorrCholeskyTransform: input size {n} is not a flattened lower-diagonal number")
        return Size(tuple(shape[:-1]) + (d, d))

    def inverse_shape(self, shape):
        if len(shape) < 2:
            raise ValueError("CorrCholeskyTransform: too few dimensions on input (needs at least 2)")
        if shape[-2] != shape[-1]:
            raise ValueError(f"CorrCholeskyTransform: input {tuple(shape)} is not square")
        d = shape[-1]
        return Size(tuple(shape[:-2]) + (d * (d - 1) // 2,))


class LowerCholeskyTransform(Transform):
    """square matrices -> lower triangular ones with a positive diagonal: the strict lower part kept, the diagonal
    exponentiated (not bijective: the upper part is dropped)"""
    domain, codomain = constraints.independent(constraints.real, 2), constraints.lower_cholesky
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        return x.tril(-1) + x.diagonal(dim1=-2, dim2=-1).exp().diag_embed()

    def _inverse(self, y):
        return y.tril(-1) + y.diagonal(dim1=-2, dim2=-1).log().diag_embed()


class PositiveDefiniteTransform(Transform):
    """square matrices -> positive definite ones: L L^T for L = LowerCholeskyTransform()(x)"""
    domain, codomain = constraints.independent(constraints.real, 2), constraints.positive_definite
    __eq__, __hash__ = _same_class, _class_hash

    def _call(self, x):
        lower = LowerCholeskyTransform()(x)
        return lower @ lower.mT

    def _inverse(self, y):
        return LowerCholeskyTransform().inv(linalg.cholesky(y))


def _parts(name, tseq, cache_size):
    """CatTransform's / StackTransform's transforms, checked, each with the cache size asked for."""
    tseq = list(tseq)
    for i, t in enumerate(tseq):
        if not isinstance(t, Transform):
            raise ValueError(f"{name}: part {i} is a {type(t).__name__}, not a Transform")
    return [t.with_cache(cache_size) for t in tseq] if cache_size else tseq


def _check_dim(name, t, dim, size, what):
    if not -t.ndim <= dim < t.ndim:
        raise ValueError(f"{name}: dim {dim} out of range for a tensor of shape {tuple(t.shape)}")
    if t.shape[dim] != size:
        raise ValueError(f"{name}: size {t.shape[dim]} of dimension {dim} must equal {what} {size}")


class CatTransform(Transform):
    """tseq[i] applied to the i-th slice (of lengths[i], default 1) along dim, the results concatenated"""

    def __init__(self, tseq, dim=0, lengths=None, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.transforms = _parts("CatTransform", tseq, cache_size)
        self.lengths = [1] * len(self.transforms) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise ValueError(f"CatTransform: {len(self.transforms)} transforms but {len(self.lengths)} lengths")
        self.dim = dim

    @property
    def event_dim(self):
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self):
        return sum(self.lengths)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _pieces(self, z):
        start = 0
        for t, n in zip(self.transforms, self.lengths):
            yield t, z.narrow(self.dim, start, n)
            start += n

    def _call(self, x):
        _check_dim("CatTransform", x, self.dim, self.length, "the total length")
        return cat([t(piece) for t, piece in self._pieces(x)], self.dim)

    def _inverse(self, y):
        _check_dim("CatTransform", y, self.dim, self.length, "the total length")
        return cat([t.inv(piece) for t, piece in self._pieces(y)], self.dim)

    def log_abs_det_jacobian(self, x, y):
        _check_dim("CatTransform", x, self.dim, self.length, "the total length")
        _check_dim("CatTransform", y, self.dim, self.length, "the total length")
        parts = []
        for (t, xs), (_, ys) in zip(self._pieces(x), self._pieces(y)):
            ldj = t.log_abs_det_jacobian(xs, ys)
            if t.event_dim < self.event_dim:
                ldj = sum_rightmost(ldj, self.event_dim - t.event_dim)
            parts.append(ldj)
        dim = (self.dim - x.ndim if self.dim >= 0 else self.dim) + self.event_dim
        return cat(parts, dim) if dim < 0 else sum(parts)

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self):
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @property
    def codomain(self):
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """tseq[i] applied to the i-th entry along dim, the results stacked"""

    def __init__(self, tseq, dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.transforms = _parts("StackTransform", tseq, cache_size)
        self.dim = dim

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, z):
        _check_dim("StackTransform", z, self.dim, len(self.transforms), "the number of transforms")
        return [z.select(self.dim, i) for i in range(z.shape[self.dim])]

    def _call(self, x):
        return stack([t(s) for t, s in zip(self.transforms, self._slices(x))], self.dim)

    def _inverse(self, y):
        return stack([t.inv(s) for t, s in zip(self.transforms, self._slices(y))], self.dim)

    def log_abs_det_jacobian(self, x, y):
        return stack([t.log_abs_det_jacobian(xs, ys) for t, xs, ys in
                      zip(self.transforms, self._slices(x), self._slices(y))], self.dim)

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self):
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self):
        return constraints.stack([t.codomain for t in self.transforms], self.dim)


class CumulativeDistributionTransform(Transform):
    """y = distribution.cdf(x), onto the unit interval;  log|dy/dx| = log pdf(x)"""
    bijective, codomain, sign = True, constraints.unit_interval, +1

    def __init__(self, distribution, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self):
        return self.distribution.support

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)
