"""torch's fused-looking product helpers and a few small elementwise/query functions, composed from Tensor ops
(autograd comes from the pieces): addmm, addmv, baddbmm, addbmm, tensordot, kron, cross, dist, deg2rad, rad2deg,
logaddexp2, is_nonzero, is_same_size, is_complex, use_deterministic_algorithms."""
import math
import warnings
import numpy as np
from . import dtype as dt
from .tensor import Tensor


_EVERYWHERE = Tensor._wrap(np.ones((), bool))


def _scaled_add(input, product, beta, alpha, op, blas_alpha=False):
    """beta * input + alpha * product; beta == 0 ignores input entirely (nan and inf in it too), as torch, and so
    does alpha == 0 the product where torch hands it to BLAS gemm/gemv (blas_alpha: addmm, addmv, addbmm), its
    gradient still flowing (0 to mat1, NaN to mat2 where mat1 holds NaN). Integer tensors take beta and alpha
    truncated to integers (as torch's CPU kernel), so they stay integer."""
    if input._data.dtype.kind in "iu" and product._data.dtype.kind in "iu":
        beta, alpha = int(beta), int(alpha)
    if blas_alpha and alpha == 0:
        out = product.masked_fill(_EVERYWHERE, 0)
    else:
        out = product if alpha == 1 else product * alpha
    if beta == 0:  # input's values are left out, but its shape is checked and it gets a zero gradient, as in torch
        term = input.masked_fill(_EVERYWHERE, 0)
    else:
        term = input if beta == 1 else input * beta
    try:
        fits = np.broadcast_shapes(tuple(term.shape), tuple(out.shape)) == tuple(out.shape)
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: input of shape {input.shape} does not broadcast to the product's shape {out.shape}")
    return (term + out)._named(op.capitalize() + "Backward0")  # torch's one node (print(y): AddmmBackward0)


def _check_same_dtype(op, **tensors):
    """torch's addmm family refuses mixed dtypes (no promotion, unlike addr)"""
    if len({t.dtype for t in tensors.values()}) > 1:
        got = ", ".join(f"{name} {t.dtype}" for name, t in tensors.items())
        raise RuntimeError(f"{op}: input tensors must have the same dtype, but got {got}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    _check_same_dtype("addmm", input=input, mat1=mat1, mat2=mat2)
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"addmm: mat1 and mat2 must be matrices, got shapes {mat1.shape} and {mat2.shape}")
    return _scaled_add(input, mat1 @ mat2, beta, alpha, "addmm", blas_alpha=True)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    _check_same_dtype("addmv", input=input, mat=mat, vec=vec)
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"addmv: expects a matrix and a vector, got shapes {mat.shape} and {vec.shape}")
    return _scaled_add(input, mat @ vec, beta, alpha, "addmv", blas_alpha=True)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    _check_same_dtype("baddbmm", input=input, batch1=batch1, batch2=batch2)
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"baddbmm: batch1 and batch2 must be 3-D, got shapes {batch1.shape} and {batch2.shape}")
    return _scaled_add(input, batch1.bmm(batch2), beta, alpha, "baddbmm")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    _check_same_dtype("addbmm", input=input, batch1=batch1, batch2=batch2)
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"addbmm: batch1 and batch2 must be 3-D, got shapes {batch1.shape} and {batch2.shape}")
    # the batch sum in the operands' dtype: sum() alone would take integers to int64, where torch keeps int8
    return _scaled_add(input, batch1.bmm(batch2).sum(0, dtype=batch1.dtype), beta, alpha, "addbmm", blas_alpha=True)


def tensordot(a, b, dims=2):
    """Contract a's dims_a with b's dims_b (dims=k: a's last k with b's first k), as one matmul."""
    if isinstance(dims, Tensor):  # torch takes a 0-d tensor as a count, and a (2, k) one as the two dim lists
        dims = int(dims.item()) if dims.ndim == 0 else dims.tolist()
    if isinstance(dims, int):
        if dims < 0 or dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot: dims={dims} out of range for shapes {a.shape} and {b.shape}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = _dim_lists(dims)
    da = [d + a.ndim if d < 0 else d for d in da]
    db = [d + b.ndim if d < 0 else d for d in db]
    if len(da) != len(db) or any(a.shape[i] != b.shape[j] for i, j in zip(da, db)):
        raise RuntimeError(f"tensordot: contracted dims {da} of {a.shape} and {db} of {b.shape} differ in size")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = math.prod(a.shape[d] for d in da)
    # explicit sizes: -1 can't be inferred beside a 0 (an empty contracted or free dim)
    left = a.permute(*free_a, *da).reshape(math.prod(a.shape[d] for d in free_a), k)
    right = b.permute(*db, *free_b).reshape(k, math.prod(b.shape[d] for d in free_b))
    return (left @ right).reshape(*[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])


def _dim_lists(dims):
    """tensordot's dims as a pair of lists of ints; anything else refused as torch does (a pair of tensors or ints)."""
    if not isinstance(dims, (list, tuple)):
        raise RuntimeError(f"tensordot: expects dims to be an int, a tensor or a pair of lists of ints, got {dims!r}")
    if len(dims) != 2:
        raise ValueError(f"tensordot: expects dims to be a pair of lists of ints, got {len(dims)} of them: {dims!r}")
    for name, d in zip(("dims_self", "dims_other"), dims):
        if not isinstance(d, (list, tuple)):
            raise TypeError(f"tensordot(): argument '{name}' must be tuple of ints, not {type(d).__name__}")
        for i, x in enumerate(d):
            if not isinstance(x, (int, np.integer)) or isinstance(x, bool):
                raise TypeError(f"tensordot(): argument '{name}' must be tuple of ints, but found element of type "
                                f"{type(x).__name__} at pos {i}")
    return [int(x) for x in dims[0]], [int(x) for x in dims[1]]


def kron(a, b):
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + tuple(a.shape), (1,) * (n - b.ndim) + tuple(b.shape)
    x = a.reshape([s for p in sa for s in (p, 1)])  # (a0, 1, a1, 1, ...)
    y = b.reshape([s for p in sb for s in (1, p)])  # (1, b0, 1, b1, ...)
    return (x * y).reshape([p * q for p, q in zip(sa, sb)])


def cross(input, other, dim=None):
    """The 3-vector cross product along dim, broadcasting the other dims (None: input's first dim of size 3, as
    torch.cross, which warns that the default will become linalg.cross's -1)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated. Please either pass the dim "
                      "explicitly or simply use torch.linalg.cross.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {input.shape}")
    if input.dtype != other.dtype:  # no promotion, as torch
        raise RuntimeError(f"cross: expected input and other to have the same dtype, got {input.dtype} and "
                           f"{other.dtype}")
    n = input.ndim
    if n != other.ndim:
        raise RuntimeError(f"cross: inputs must have the same number of dimensions, got shapes {input.shape} and "
                           f"{other.shape}")
    if not -n <= dim < n:
        raise IndexError(f"cross: dim {dim} out of range for {n}-D inputs (expected to be in range of [{-n}, {n - 1}])")
    d = dim % n
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"cross: inputs of shapes {input.shape} and {other.shape} need size 3 at dim {dim}")
    try:
        np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    except ValueError:
        raise RuntimeError(f"cross: shapes {input.shape} and {other.shape} can't be broadcast") from None
    from .tensor_join import cat
    a0, a1, a2 = (input.narrow(d, i, 1) for i in range(3))
    b0, b1, b2 = (other.narrow(d, i, 1) for i in range(3))
    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)  # the products broadcast


def dist(input, other, p=2):
    if not isinstance(other, Tensor):
        raise TypeError(f"dist(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return (input - other).norm(p)


def deg2rad(input):
    x = input if input.is_floating_point() else input.to(dt._default_float)
    return (x * (math.pi / 180.0))._named("Deg2RadBackward0")


def rad2deg(input):
    x = input if input.is_floating_point() else input.to(dt._default_float)
    return (x * (180.0 / math.pi))._named("Rad2DegBackward0")


def logaddexp2(input, other):
    """log2(2^x + 2^y) in the promoted float dtype; float16 / bfloat16 computed in float32 and rounded once, as
    torch (scaling by ln 2 in half precision was ~1e-3 off)."""
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"logaddexp2(): argument '{name}' must be Tensor, not {type(t).__name__}")
    from .tensor_misc import result_type
    rt = result_type(input, other)
    if not dt.is_floating(rt):
        raise NotImplementedError(f'"logaddexp2" not implemented for {rt} (a floating point input is needed)')
    work = np.dtype(np.float32) if rt.itemsize < 4 else rt
    ln2 = math.log(2.0)
    out = (input._cast(work) * ln2).logaddexp(other._cast(work) * ln2) * (1.0 / ln2)
    return (out if work == rt else out._cast(rt))._named("Logaddexp2Backward0")


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError(f"is_nonzero: a Tensor with {input.numel()} elements (shape {input.shape}) is ambiguous")
    return bool(input.item() != 0)


def is_same_size(input, other):
    return tuple(input.shape) == tuple(other.shape)


def is_complex(input):
    return input._data.dtype.kind == "c"


_deterministic = {"on": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded for torch scripts; teenygrad's CPU ops are deterministic already."""
    _deterministic["on"] = bool(mode)
    _deterministic["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _deterministic["on"]


for _name in ["addmm", "addmv", "baddbmm", "addbmm", "kron", "cross", "dist", "deg2rad", "rad2deg", "logaddexp2",
              "is_nonzero", "is_same_size", "is_complex"]:
    setattr(Tensor, _name, globals()[_name])
