"""Tensor methods for strided views and scatters into a part: as_strided, as_strided_scatter, diagflat,
diagonal_scatter, select_scatter, slice_scatter, index_reduce; and small torch functions beside them: vander, renorm, isreal,
chain_matmul. Each checks its arguments, naming the op and the shapes, then applies a Function (ops/strided.py)
or composes Tensor ops."""
import operator
import warnings
import numpy as np
from . import dtype as dt
from ._arrays import contiguous, on_device_of, xp_of
from .ops import strided as S
from .tensor import Tensor, _as_view, _norm_dim, _gstate
from .tensor_ops import _method, where
from .tensor_inplace import _plain_view
from .tensor_join import cat


def _ints(seq, what, op):
    try:
        return tuple(map(operator.index, seq))
    except TypeError:
        raise TypeError(f"{op}: {what} must be a sequence of ints, got {seq!r}") from None


# ---- as_strided -------------------------------------------------------------------------------------
def check_size_stride(op, size, stride):
    """A strided layout's size and stride: one entry per dim, none negative (as_strided, new_empty_strided)."""
    if len(size) != len(stride):
        raise RuntimeError(f"{op}: mismatch in length of strides and shape: size {size} and stride {stride}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"{op}: size {size} has a negative dimension")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{op}: negative strides are not supported, got stride {stride}")


@_method
def as_strided(self, size, stride, storage_offset=None):
    """A view reading self's memory through size and (element) stride from storage_offset. The memory is self's
    own: self must be contiguous, and the window must stay within its elements (torch may read the rest of the
    storage a view came from; here that is refused)."""
    size, stride = _ints(size, "size", "as_strided"), _ints(stride, "stride", "as_strided")
    check_size_stride("as_strided", size, stride)
    if not self.is_contiguous():
        raise RuntimeError(f"as_strided: teenygrad reads a contiguous input's own memory; got shape {self.shape} "
                           f"with strides {self.stride()}: call .contiguous() first")
    start = self.storage_offset()
    offset = 0 if storage_offset is None else operator.index(storage_offset) - start
    if storage_offset is not None and storage_offset < 0:
        raise RuntimeError(f"as_strided: invalid storage offset {storage_offset}")
    need = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else offset
    if offset < 0 or need > self.numel():
        raise RuntimeError(f"as_strided: size {size}, stride {stride} and storage offset {start + offset} need "
                           f"elements {start + offset}..{start + need - 1} of storage, but the input (shape "
                           f"{self.shape}) holds elements {start}..{start + self.numel() - 1}")
    if not (self.requires_grad and _gstate["enabled"]):  # no graph: a plain view, as torch's
        return _plain_view(Tensor._wrap(S.strided_view(self._data, size, stride, offset)), self, S.AsStrided,
                           size=size, stride=stride, offset=offset)
    return _as_view(S.AsStrided.apply(self, size=size, stride=stride, offset=offset), self)


@_method
def as_strided_scatter(self, src, size, stride, storage_offset=None):
    """self with its as_strided(size, stride, storage_offset) window replaced by src (out of place). As
    as_strided, the window lies in self's own (contiguous) memory; torch too refuses a window whose positions
    overlap."""
    size, stride = _ints(size, "size", "as_strided_scatter"), _ints(stride, "stride", "as_strided_scatter")
    window = self.detach().as_strided(size, stride, storage_offset)  # checks the arguments as as_strided
    if S.overlapping(size, stride):
        raise RuntimeError(f"as_strided_scatter: more than one position of the window (size {size}, stride "
                           f"{stride}) refers to a single memory location")
    if not isinstance(src, Tensor):
        raise TypeError(f"as_strided_scatter: src must be a Tensor, got {type(src).__name__}")
    if tuple(src.shape) != tuple(window.shape):
        raise RuntimeError(f"as_strided_scatter: expected src to have a size equal to the slice of self: src "
                           f"{tuple(src.shape)}, slice {tuple(window.shape)}")
    offset = 0 if storage_offset is None else storage_offset - self.storage_offset()
    return S.ScatterInto.apply(self, src._cast(self.dtype), where={"size": size, "stride": stride, "offset": offset})


@_method
def diagflat(self, offset=0):
    """A 2-D tensor with self's elements (flattened) on its offset diagonal, zeros elsewhere."""
    return self.reshape(-1).diag(offset)


# ---- scatters into a part ---------------------------------------------------------------------------
def _scatter_into(self, src, where, op):
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}: src must be a Tensor, got {type(src).__name__}")
    part = S.part_of(self._data, where)
    if tuple(src.shape) != part.shape:
        raise RuntimeError(f"{op}: expected src to have the size of the slice of self: src {tuple(src.shape)}, "
                           f"slice {part.shape} (self {tuple(self.shape)})")
    return S.ScatterInto.apply(self, src._cast(self.dtype), where=where)


@_method
def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
    """self with its (offset, dim1, dim2) diagonal replaced by src (out of place)."""
    d1, d2 = _norm_dim(dim1, self.ndim, "diagonal_scatter"), _norm_dim(dim2, self.ndim, "diagonal_scatter")
    if d1 == d2:
        raise RuntimeError(f"diagonal_scatter: dim1 and dim2 can't be the same dim ({dim1}, {dim2})")
    return _scatter_into(self, src, {"offset": int(offset), "dim1": d1, "dim2": d2}, "diagonal_scatter")


@_method
def select_scatter(self, src, dim, index):
    """self with self.select(dim, index) replaced by src (out of place)."""
    d = _norm_dim(dim, self.ndim, "select_scatter")
    n = self.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select_scatter: index {index} is out of range for dim {d} of shape {self.shape}")
    return _scatter_into(self, src, (slice(None),) * d + (int(index), Ellipsis), "select_scatter")


@_method
def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
    """self with self[..., start:end:step, ...] (along dim) replaced by src (out of place)."""
    d = _norm_dim(dim, self.ndim, "slice_scatter")
    if step <= 0:
        raise RuntimeError(f"slice_scatter: slice step must be positive, got {step}")
    return _scatter_into(self, src, (slice(None),) * d + (slice(start, end, step),), "slice_scatter")


_INDEX_REDUCES = ("prod", "mean", "amax", "amin")


@_method
def index_reduce(self, dim, index, source, reduce, *, include_self=True):
    """self with source's slices reduced into the slices at index along dim (repeats reduce together): a
    scatter_reduce with index spread over source's shape."""
    if reduce not in _INDEX_REDUCES:
        raise RuntimeError(f"index_reduce: reduce must be one of {', '.join(_INDEX_REDUCES)}, got {reduce!r}")
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        raise RuntimeError(f"index_reduce: expected an int32/int64 index tensor, got "
                           f"{getattr(index, 'dtype', type(index).__name__)}")
    if index.ndim > 1:
        raise IndexError(f"index_reduce: index must be 0-D or 1-D, got shape {index.shape}")
    if not isinstance(source, Tensor) or source.dtype != self.dtype:
        raise RuntimeError(f"index_reduce: self ({self.dtype}) and source "
                           f"({getattr(source, 'dtype', type(source).__name__)}) must have the same dtype")
    if self.ndim == 0 or source.ndim == 0:
        _norm_dim(dim, self.ndim, "index_reduce")
        out = self.reshape(-1).index_reduce(0, index, source.reshape(-1), reduce, include_self=include_self)
        return out.reshape(self.shape)
    d = _norm_dim(dim, self.ndim, "index_reduce")
    ix = index._data.reshape(-1)
    if source.ndim != self.ndim or source.shape[:d] + source.shape[d + 1:] != self.shape[:d] + self.shape[d + 1:]:
        raise RuntimeError(f"index_reduce: source shape {source.shape} must match self shape {self.shape} "
                           f"apart from dim {d}")
    if ix.size != source.shape[d]:
        raise RuntimeError(f"index_reduce: index has {ix.size} entries, but source has {source.shape[d]} along "
                           f"dim {d} (source shape {source.shape})")
    n = self.shape[d]
    if ix.size and (ix.min() < 0 or ix.max() >= n):
        bad = int(ix.min()) if ix.min() < 0 else int(ix.max())
        raise IndexError(f"index_reduce: index {bad} is out of range for dim {d} of shape {self.shape}")
    full = xp_of(ix).broadcast_to(ix.reshape([-1 if i == d else 1 for i in range(self.ndim)]), source.shape)
    return self.scatter_reduce(d, Tensor._wrap(contiguous(full)), source, reduce, include_self=include_self)


@_method
def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
    return self._inplace(self._pre_inplace().index_reduce(dim, index, source, reduce, include_self=include_self),
                         "index_reduce_")


# ---- small torch functions --------------------------------------------------------------------------
def vander(x, N=None, increasing=False):
    """Columns x^(N-1), ..., x, 1 (x^0 first with increasing), as a running product so x = 0 has a gradient."""
    if not isinstance(x, Tensor) or x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape {getattr(x, 'shape', x)}")
    n = x.shape[0]
    N = n if N is None else operator.index(N)
    if N < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {N}")
    if not dt.is_floating(x.dtype) and x._data.dtype.kind != "c":
        x = x._cast(dt.int64)  # torch: integer and bool inputs give int64 (complex ones stay complex)
    ones = Tensor._wrap(on_device_of(x._data, np.ones((n, min(N, 1)), x.dtype)))
    out = ones if N <= 1 else cat([ones, x.unsqueeze(1).expand(n, N - 1).cumprod(1)], 1)
    return out if increasing else out.flip(1)


@_method
def renorm(self, p, dim, maxnorm):
    """Each slice along dim whose p-norm (over the other dims) exceeds maxnorm, scaled to maxnorm / (norm + 1e-7)
    of itself; the gradient flows through the norm, as torch's."""
    if self.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got shape {self.shape}")
    if not p > 0:
        raise RuntimeError(f"renorm: p must be positive, got {p} (non-positive norms are not supported)")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0, got {maxnorm}")
    if dt._category(self._data.dtype) < 2:  # complex too: the norms of |z|, the scale real
        raise RuntimeError(f"renorm: expected a floating point or complex tensor, got {self.dtype}")
    d = _norm_dim(dim, self.ndim, "renorm")
    others = tuple(i for i in range(self.ndim) if i != d)
    scaled = self.detach().norm(p, others, keepdim=True) > maxnorm  # a NaN norm is not scaled
    # the norm is taken again over the scaled slices only (the rest read as ones), so a slice left alone (a NaN
    # one too) passes its gradient straight through, as torch's renorm_backward
    norm = where(scaled, self, 1.0).norm(p, others, keepdim=True)
    return self * where(scaled, maxnorm / (norm + 1e-7), 1.0)


@_method
def renorm_(self, p, dim, maxnorm):
    return self._inplace(self._pre_inplace().renorm(p, dim, maxnorm), "renorm_")


@_method
def isreal(self):
    """True where the element is real: everywhere for a real dtype, where the imaginary part is 0 for a complex one."""
    if self._data.dtype.kind == "c":
        return self.imag == 0
    return Tensor._wrap(on_device_of(self._data, np.ones(self.shape, np.bool_)))


def chain_matmul(*matrices):
    """The product of 2-D matrices left to right (deprecated in torch, which suggests linalg.multi_dot)."""
    warnings.warn("chain_matmul is deprecated and will be removed in a future PyTorch release; use "
                  "torch.linalg.multi_dot instead", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul: expected one or more matrices")
    for i, m in enumerate(matrices):
        if not isinstance(m, Tensor) or m.ndim != 2:
            raise RuntimeError(f"chain_matmul: matrix {i} must be a 2-D tensor, got shape "
                               f"{getattr(m, 'shape', type(m).__name__)}")
        if m.dtype != matrices[0].dtype:
            raise RuntimeError(f"chain_matmul: all matrices must have the same dtype, but matrix 0 is "
                               f"{matrices[0].dtype} and matrix {i} is {m.dtype}")
        if i and matrices[i - 1].shape[1] != m.shape[0]:
            raise RuntimeError(f"chain_matmul: matrices {i - 1} and {i} with shapes {tuple(matrices[i - 1].shape)} "
                               f"and {tuple(m.shape)} cannot be multiplied")
    out = matrices[0].clone() if len(matrices) == 1 else matrices[0]
    for m in matrices[1:]:
        out = out.mm(m)
    return out
