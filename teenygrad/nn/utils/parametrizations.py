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

    def load_old_weight_norm(state_dict, prefix, *args):  # a checkpoint of utils.weight_norm: <name>_g, <name>_v
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(load_old_weight_norm)
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


def _geqrf(a):
    """LAPACK's geqrf of tall matrices (..., m, n), as torch.geqrf: R on and above the diagonal, below it the
    Householder vectors v_j (their unit first entry implied), and tau; H_j = I - tau_j v_j v_j^T maps column j onto
    beta e_j, beta = -sign(alpha) ||x|| as in larfg (tau = 0, no reflection, where x below alpha is already zero)."""
    a = a.copy()
    tau = np.zeros(a.shape[:-2] + (a.shape[-1],), a.dtype)
    for j in range(a.shape[-1]):
        alpha, below = a[..., j, j].copy(), a[..., j + 1:, j]
        xnorm = np.linalg.norm(below, axis=-1)
        reflect = xnorm != 0
        beta = np.where(reflect, -np.copysign(np.hypot(alpha, xnorm), alpha), alpha)
        t = np.where(reflect, (beta - alpha) / np.where(reflect, beta, 1), 0).astype(a.dtype)
        below *= np.where(reflect, 1 / np.where(reflect, alpha - beta, 1), 1)[..., None]  # in place: v_j below
        a[..., j, j], tau[..., j] = beta, t
        v = np.concatenate([np.ones(a.shape[:-2] + (1,), a.dtype), below], -1)[..., :, None]  # (..., m - j, 1)
        rest = a[..., j:, j + 1:]
        rest -= t[..., None, None] * v * (np.swapaxes(v, -2, -1) @ rest)  # H_j on the columns to the right
    return a, tau


class _Orthogonal(Module):
    """X -> an orthogonal Q (n >= k: Q^T Q = I; wide matrices are transposed), by one of torch's maps:
    "matrix_exp" Q = e^A and "cayley" Q = (I - A/2)^{-1} (I + A/2) of the skew part A of X's lower triangle (first k
    columns); "householder" the reflectors below X's diagonal (tau = 2 / (1 + |v|^2), so each is orthogonal), the
    columns signed by X's diagonal (+-1, not differentiated). Then times `base` (with use_trivialization, the
    orthogonal matrix assigned last; the stored X restarts at -I, which every map takes to I)."""
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
        if self.orthogonal_map == "householder":
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(-2))
            Q = linalg.householder_product(A, tau) * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        else:
            X = X.tril()
            if n != k:
                X = cat([X, zeros(X.shape[:-2] + (n, n - k), dtype=X.dtype, device=X.device)], -1)
            A = X - X.transpose(-2, -1)
            if self.orthogonal_map == "matrix_exp":
                Q = linalg.matrix_exp(A)
            else:
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
        if "base" not in self._buffers and self.orthogonal_map != "householder":
            raise NotImplementedError("orthogonal: It is not possible to assign to the matrix exponential or the "
                                      "Cayley parametrizations when use_trivialization=False.")
        with no_grad():
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            q = Q._data.astype(Q.dtype)
            if n < k:
                q = np.swapaxes(q, -2, -1)
                n, k = k, n
            if "base" not in self._buffers:  # householder: X = Q's reflectors, its diagonal R's signs (QR of Q)
                X, tau = _geqrf(q)
                idx = np.arange(k)
                sign = np.sign(X[..., idx, idx])
                X[..., idx, idx] = np.where(tau == 0, -sign, sign)  # no reflection there: forward's tau = 2 flips it
                X = np.swapaxes(X, -2, -1) if Q_init.shape[-2] < Q_init.shape[-1] else X
                return Tensor._wrap(np.ascontiguousarray(X))
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
    """Keep module.<name> orthogonal by the map "matrix_exp", "cayley" or "householder"; by default, as torch,
    "matrix_exp" for square matrices and "householder" for the others."""
    weight = _weight_of("orthogonal", module, name)
    if weight.ndim < 2:
        raise ValueError(f"orthogonal: Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} "
                         "dimensions.")
    if orthogonal_map not in (None, "cayley", "matrix_exp", "householder"):
        raise ValueError(f'orthogonal: orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    if not np.issubdtype(weight.dtype, np.floating):
        raise TypeError(f"orthogonal: expected a floating point weight, got {weight.dtype}")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
