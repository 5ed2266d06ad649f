"""torch.nn.utils.parametrizations: weight_norm, spectral_norm and orthogonal on top of parametrize."""
import numpy as np
from ...tensor import Tensor
from ...tensor_join import cat
from ...creation import eye, zeros
from ...autograd import no_grad
from ... import linalg
from ..modules.module import Module
from .. import functional as F
from . import parametrize
from ._norm_hooks import _weight_norm, _norm_except_dim, _check_dim, _default_dim


def _weight_of(op, module, name):
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"{op}: module '{type(module).__name__}' has no parameter or buffer with name '{name}'")
    return weight


class _WeightNorm(Module):
    """(weight_g, weight_v) -> weight_g * weight_v / ||weight_v||; stored as original0 (g) and original1 (v)."""
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """module.<name> = g * v / ||v||, with g = parametrizations.<name>.original0, v = original1."""
    weight = _weight_of("weight_norm", module, name)
    parametrize.register_parametrization(module, name, _WeightNorm(_check_dim("weight_norm", weight, dim)),
                                         unsafe=True)
    return module


class _SpectralNorm(Module):
    """weight -> weight / sigma, sigma = u^H W v estimated by power iteration on the buffers _u, _v (in training
    mode, n_power_iterations steps per access; after 15 steps at registration). A vector is just normalized."""
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if not -ndim <= dim < ndim:
            raise IndexError(f"spectral_norm: Dimension out of range (expected to be in range of [-{ndim}, "
                             f"{ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim, self.eps, self.n_power_iterations = dim % ndim, eps, n_power_iterations
        if ndim > 1:
            mat = self._matrix(weight)
            h, w = mat.shape
            with no_grad():
                self.register_buffer("_u", F.normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=eps).detach())
                self.register_buffer("_v", F.normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=eps).detach())
            self._power_method(mat, 15)

    def _matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.ndim) if d != self.dim])
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, mat, n):
        with no_grad():
            for _ in range(n):
                self._u._data[...] = F.normalize(mat @ self._v, dim=0, eps=self.eps)._data
                self._v._data[...] = F.normalize(mat.t() @ self._u, dim=0, eps=self.eps)._data
            self._u._mark_written()
            self._v._mark_written()

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        mat = self._matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        sigma = self._u.clone() @ (mat @ self._v.clone())  # copies: the next iteration rewrites the buffers
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """module.<name> = weight / sigma(weight), its largest singular value (power iteration)."""
    weight = _weight_of("spectral_norm", module, name)
    dim = _default_dim(module) if dim is None else dim
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


class _Orthogonal(Module):
    """X -> an orthogonal Q (n >= k: Q^T Q = I; wide matrices are transposed): the skew part A of X's lower
    triangle, mapped by the Cayley retraction Q = (I - A/2)^{-1} (I + A/2), first k columns, times `base`
    (with use_trivialization, the orthogonal matrix assigned last; the stored X restarts at -I, which maps to I)."""
    def __init__(self, weight, orthogonal_map, use_trivialization=True):
        super().__init__()
        self.shape, self.orthogonal_map = tuple(weight.shape), orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.transpose(-2, -1)
            n, k = k, n
        X = X.tril()
        if n != k:
            X = cat([X, zeros(X.shape[:-2] + (n, n - k), dtype=X.dtype, device=X.device)], -1)
        A = X - X.transpose(-2, -1)
        Id = eye(n, dtype=A.dtype, device=A.device)
        Q = linalg.solve(Id - A * 0.5, Id + A * 0.5)
        if n != k:
            Q = Q[..., :k]
        base = self._buffers.get("base")
        if base is not None:
            Q = base @ Q
        return Q.transpose(-2, -1) if transposed else Q

    def right_inverse(self, Q):
        if tuple(Q.shape) != self.shape:
            raise ValueError(f"orthogonal: expected a matrix or batch of matrices of shape {self.shape}, got "
                             f"{tuple(Q.shape)}")
        if "base" not in self._buffers:
            raise NotImplementedError("orthogonal: It is not possible to assign to the matrix exponential or the "
                                      "Cayley parametrizations when use_trivialization=False.")
        with no_grad():
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            q = Q._data.astype(Q.dtype)
            if n < k:
                q = np.swapaxes(q, -2, -1)
                n, k = k, n
            if n != k or not np.allclose(np.swapaxes(q, -2, -1) @ q, np.eye(k), atol=10.0 * n * np.finfo(q.dtype).eps):
                if n != k:  # complete Q to a square matrix; its first k columns stay Q's after orthogonalizing
                    rand = np.random.default_rng().standard_normal(q.shape[:-2] + (n, n - k)).astype(q.dtype)
                    q = np.concatenate([q, rand], -1)
                qq, r = np.linalg.qr(q)
                q = qq * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]
            self.base = Tensor._wrap(np.ascontiguousarray(q.astype(Q.dtype)))
            neg_id = np.zeros(Q_init.shape, dtype=Q.dtype)
            idx = np.arange(min(Q_init.shape[-2:]))
            neg_id[..., idx, idx] = -1.0
        return Tensor._wrap(neg_id)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Keep module.<name> orthogonal. Only the "cayley" map is implemented (teenygrad has no matrix_exp); the
    default (torch's "matrix_exp" for square matrices) uses it, and gives torch's values where no update has
    moved the stored X away from its start."""
    weight = _weight_of("orthogonal", module, name)
    if weight.ndim < 2:
        raise ValueError(f"orthogonal: Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} "
                         "dimensions.")
    if orthogonal_map not in (None, "cayley", "matrix_exp", "householder"):
        raise ValueError(f'orthogonal: orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    if orthogonal_map in ("matrix_exp", "householder"):
        raise NotImplementedError(f"orthogonal: the {orthogonal_map!r} map is not supported; use 'cayley'")
    if not np.issubdtype(weight.dtype, np.floating):
        raise TypeError(f"orthogonal: expected a floating point weight, got {weight.dtype}")
    orth = _Orthogonal(weight, "cayley", use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
