"""Randomized low-rank SVD and PCA (torch.svd_lowrank, torch.pca_lowrank): Halko, Martinsson and Tropp (2009),
algorithms 4.4 and 5.1. A few passes of A and A^H over a random (n, q) block find an orthonormal basis Q of A's
leading column space; the small SVD of Q^H A then gives the leading singular triplets. Written with Tensor
operations, so the results are differentiable; the random block is drawn as torch draws it (one randn of shape
(n, q) from the default generator, in A's floating dtype), so a torch.manual_seed gives torch's factors."""
import collections

from . import dtype as dt
from .tensor import Tensor

_svd_t = collections.namedtuple("svd_lowrank", ["U", "S", "V"])


def _floating(A, op):
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: A must be a Tensor, got {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: A must be a matrix or a batch of matrices, got shape {tuple(A.shape)}")
    d = A._data.dtype
    if d.kind == "c" or d.kind == "f" and d.itemsize >= 4:
        return d
    # torch's rule (_linalg_utils.get_floating_dtype): float16 stays (and then fails in QR); anything else float32
    return d if d.kind == "f" else dt.float32


def _basis(A, q, niter, M):
    """An orthonormal (m, q) basis whose span approximates A's range (M, if given, is subtracted from A first)."""
    from .creation import randn
    from . import linalg
    R = randn(A.shape[-1], q, dtype=_floating(A, "svd_lowrank"), device=A.device)
    X = A @ R if M is None else A @ R - M @ R
    Q = linalg.qr(X).Q
    for _ in range(niter):  # power iterations sharpen the basis where the singular values decay slowly
        X = A.mH @ Q if M is None else A.mH @ Q - M.mH @ Q
        Q = linalg.qr(X).Q
        X = A @ Q if M is None else A @ Q - M @ Q
        Q = linalg.qr(X).Q
    return Q


def _svd_lowrank(A, q, niter, M):
    from . import linalg
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    tall = m >= n
    if not tall:  # work on the tall one: A^H = V S U^H
        A = A.mH
        M = None if M is None else M.mH
    Q = _basis(A, q, niter, M)
    B = Q.mH @ A if M is None else Q.mH @ A - Q.mH @ M
    U, S, Vh = linalg.svd(B, full_matrices=False)
    U, V = Q @ U, Vh.mH
    return _svd_t(U, S, V) if tall else _svd_t(V, S, U)


def svd_lowrank(A, q=6, niter=2, M=None):
    """(U, S, V) with A ~ U diag(S) V^H, U (m, q), S (q,), V (n, q), for a matrix or a batch of them; q a little
    above the rank wanted, niter power iterations (2 is torch's default). M: a matrix subtracted from A first
    (broadcast to A's shape; A itself is not changed)."""
    _floating(A, "svd_lowrank")
    if q is not None and q < 0:  # a q past min(m, n) gives min(m, n) triplets, as torch's
        raise ValueError(f"svd_lowrank: q(={q}) must be non-negative (A of shape {tuple(A.shape)})")
    if niter is not None and niter < 0:
        raise ValueError(f"svd_lowrank: niter(={niter}) must be a non-negative integer")
    if M is not None and not isinstance(M, Tensor):
        raise TypeError(f"svd_lowrank: M must be a Tensor or None, got {type(M).__name__}")
    return _svd_lowrank(A, q, niter, M)


def pca_lowrank(A, q=None, center=True, niter=2):
    """Principal components of the rows of A (m samples, n features): (U, S, V) of the centred A, so A V[:, :k]
    projects the data on its first k components and S^2 / (m - 1) are their variances. q defaults to
    min(6, m, n)."""
    _floating(A, "pca_lowrank")
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"pca_lowrank: q(={q}) must be non-negative integer and not greater than min(m, n)="
                         f"{min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"pca_lowrank: niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    return _svd_lowrank(A - A.mean(dim=-2, keepdim=True), q, niter, None)
