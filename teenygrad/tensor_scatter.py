"""Tensor methods gather, scatter, scatter_add and scatter_reduce (and their in-place forms), with the index checks
that tensor_index's ops share. Each checks its arguments, naming the op and the offending indices, and applies one
Function from teenygrad.ops.index; with no graph to record, the in-place forms write self's own memory."""
import numpy as np
from .ops import index as I
from ._arrays import on_device_of
from .tensor import Tensor, _norm_dim, _check_same_device
from .tensor_ops import _method
from .tensor_inplace import _fill_value, _overlaps, _bump
from .tensor_inplace_math import _no_graph_write


_INT32_64 = (np.dtype(np.int64), np.dtype(np.int32))
_INT64 = (np.dtype(np.int64),)


def _check_index_tensor(index, op, dtypes=_INT32_64, error=RuntimeError):
    """index as a Tensor of one of torch's index dtypes for op: int32 or int64 for gather, scatter, index_select and
    index_add; int64 alone for take, take_along_dim, index_copy and index_fill (whose refusal is an IndexError)."""
    if not isinstance(index, Tensor):
        index = Tensor._from_data(index)
    if index.dtype not in dtypes:
        raise error(f"{op}: expected an index tensor of dtype {' or '.join(map(str, dtypes))}, got {index.dtype}")
    return index


@_method
def gather(self, dim, index):
    index = _check_index_tensor(index, "gather")
    _check_same_device(self, index, "gather")
    d = _norm_dim(dim, self.ndim, "gather")
    if self.ndim <= 1 and index.ndim <= 1 and (self.ndim == 0 or index.ndim == 0):  # torch mixes 0-d and 1-d here
        return self.reshape(-1).gather(0, index.reshape(-1)).reshape(index.shape)
    if index.ndim != self.ndim:
        raise RuntimeError(f"gather: index {index.shape} and input {self.shape} must have the same number of dims")
    for i, (a, b) in enumerate(zip(index.shape, self.shape)):
        if i != d and a > b:
            raise RuntimeError(f"gather: size of index {index.shape} exceeds input {self.shape} at dim {i}")
    ix = index._data
    _check_bounds(ix, self.shape[d] if self.ndim else 1, d, "gather")
    sl = tuple(slice(0, s) if i != d else slice(None) for i, s in enumerate(index.shape))
    x = self[sl] if any(a < b for i, (a, b) in enumerate(zip(index.shape, self.shape)) if i != d) else self
    return I.Gather.apply(x, idx=ix, axis=d)


def _check_bounds(ix, n, d, op):
    """torch's gather/scatter/index_select take indices in [0, n): a negative index is an error, not a wrap."""
    if ix.size and (ix.min() < 0 or ix.max() >= n):
        bad = int(ix.max()) if ix.max() >= n else int(ix.min())
        raise RuntimeError(f"{op}: index {bad} is out of bounds for dim {d} with size {n}")


def _scatter(self, dim, index, src, reduce, op, into=None):
    """The checked scatter of self (reduce: None, "add", or (reduce, include_self) for scatter_reduce), out of place;
    with `into` (self's array, see _in_place), written into that array instead (the result is then meaningless)."""
    index = _check_index_tensor(index, op)
    _check_same_device(self, index, op)
    d = _norm_dim(dim, self.ndim, op)
    if isinstance(src, Tensor) and src.dtype != self.dtype:
        raise RuntimeError(f"{op}: expected self.dtype {self.dtype} to be equal to src.dtype {src.dtype}")
    if self.ndim <= 1 and index.ndim <= 1 and (self.ndim == 0 or index.ndim == 0):  # torch mixes 0-d and 1-d here
        src = src.reshape(-1) if isinstance(src, Tensor) else src
        return _scatter(self.reshape(-1), 0, index.reshape(-1), src, reduce, op,
                        None if into is None else into.reshape(-1)).reshape(self.shape)
    ix = index._data
    if index.ndim != self.ndim:
        raise RuntimeError(f"{op}: index {index.shape} and self {self.shape} must have the same number of dims")
    if any(a > b for i, (a, b) in enumerate(zip(index.shape, self.shape)) if i != d):
        raise RuntimeError(f"{op}: index {index.shape} is larger than self {self.shape} apart from dim {d}")
    _check_bounds(ix, self.shape[d], d, op)
    if not isinstance(src, Tensor):
        value = _fill_value(src, self._data.dtype, op) if isinstance(src, (int, float)) else src
        src = Tensor._wrap(on_device_of(self._data, np.asarray(value, dtype=self.dtype)))
    elif max(src.ndim, 1) != max(index.ndim, 1):  # torch reads a 0-d src as one element, not as a value to spread
        raise RuntimeError(f"{op}: index {index.shape} and src {src.shape} must have the same number of dims")
    elif any(a > b for a, b in zip(index.shape, src.shape or (1,))):
        raise RuntimeError(f"{op}: index {index.shape} is larger than src {src.shape}")
    if into is not None:
        if isinstance(reduce, tuple):
            I.scatter_reduce_into(into, src._data, ix, d, *reduce)
        else:
            I.scatter_into(into, src._data, ix, d, reduce)
        return self
    if isinstance(reduce, tuple):  # scatter_reduce: (reduce, include_self)
        return I.ScatterReduce.apply(self, src, idx=ix, axis=d, reduce=reduce[0], include_self=reduce[1])
    return I.Scatter.apply(self, src._cast(self.dtype), idx=ix, axis=d, reduce=reduce)


@_method
def scatter(self, dim, index, src=None, value=None, reduce=None):
    return _scatter_set(self, dim, index, src, value, reduce)


def _scatter_set(self, dim, index, src, value, reduce, into=None):
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    src = value if src is None else src
    if reduce == "multiply":  # torch's older spelling of scatter_reduce(..., "prod")
        if not isinstance(src, Tensor):
            src = Tensor._wrap(on_device_of(self._data, np.full(np.shape(index), src, self.dtype)))
        return _scatter_reduce(self, dim, index, src, "prod", True, into)
    return _scatter(self, dim, index, src, reduce, "scatter", into)


_SCATTER_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@_method
def scatter_reduce(self, dim, index, src, reduce, include_self=True):
    return _scatter_reduce(self, dim, index, src, reduce, include_self)


def _scatter_reduce(self, dim, index, src, reduce, include_self, into=None):
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # torch takes the old names too
    if reduce not in _SCATTER_REDUCES:
        raise RuntimeError(f"scatter_reduce: reduce must be one of {', '.join(_SCATTER_REDUCES)}, got {reduce!r}")
    if reduce == "mean" and self.dtype == np.bool_:
        raise RuntimeError("scatter_reduce: reduce='mean' is not implemented for bool tensors")
    if reduce in ("amax", "amin") and (self._data.dtype.kind == "c" or getattr(src, "dtype", None) is not None
                                       and np.dtype(src.dtype).kind == "c"):
        raise NotImplementedError(f"scatter_reduce: reduce='{reduce}' is not implemented for complex tensors "
                                  f"(complex numbers have no order)")
    index = _check_index_tensor(index, "scatter_reduce")
    x = self.reshape(-1) if self.ndim == 0 else self
    out = _scatter(x, dim, index.reshape(-1) if index.ndim == 0 else index, src.reshape(-1) if src.ndim == 0 else src,
                   (reduce, include_self), "scatter_reduce", None if into is None else into.reshape(x.shape))
    return out.reshape(()) if self.ndim == 0 else out


@_method
def scatter_reduce_(self, dim, index, src, reduce, include_self=True):
    _check_no_overlap(self, "scatter_reduce_", index, src)
    if _no_graph_write(self, index, src) is not None:
        return _written(self, _scatter_reduce(self, dim, index, src, reduce, include_self, self._data))
    return self._inplace(self._pre_inplace().scatter_reduce(dim, index, src, reduce, include_self), "scatter_reduce_")


@_method
def scatter_add(self, dim, index, src):
    return _scatter(self, dim, index, src, "add", "scatter_add")


@_method
def scatter_(self, dim, index, src=None, value=None, reduce=None):
    _check_no_overlap(self, "scatter_", index, src)
    if _no_graph_write(self, index, src, value) is not None:
        return _written(self, _scatter_set(self, dim, index, src, value, reduce, self._data))
    return self._inplace(self._pre_inplace().scatter(dim, index, src, value, reduce), "scatter_")


@_method
def scatter_add_(self, dim, index, src):
    _check_no_overlap(self, "scatter_add_", index, src)
    if _no_graph_write(self, index, src) is not None:
        return _written(self, _scatter(self, dim, index, src, "add", "scatter_add", self._data))
    return self._inplace(self._pre_inplace().scatter_add(dim, index, src), "scatter_add_")


# The generic in-place path (self._inplace(self._pre_inplace().op(...))) copies self (with grad mode on), the op
# copies it again, and the result is copied back. With no graph to record, the scatters write self's own memory
# (so views see it) and stamp the write once, as the generic path's _store does.
def _check_no_overlap(self, op, *inputs):
    """torch's assert_no_overlap: an input in self's memory would make the result depend on the write order."""
    for t in inputs:
        if isinstance(t, Tensor) and _overlaps(self, t):
            raise RuntimeError(f"{op}: unsupported operation: some elements of the input tensor and the written-to "
                               "tensor refer to a single memory location; clone() the source first")


def _written(self, _):
    """self, after an in-place op wrote its array: the write stamped (saved-tensor checks, _version)."""
    _bump(self)
    return self
