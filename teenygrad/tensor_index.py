"""Tensor methods for indexing (getitem/setitem, index_select, index_add/put/copy/fill, take), sampling and the ops
with data-dependent shapes (nonzero, masked_select). Each checks its arguments, naming the op and the offending
indices, and applies one Function from teenygrad.ops. gather and the scatters live in tensor_scatter, sorting and
order statistics in tensor_sort."""
import builtins
import math
import warnings
import numpy as np
from . import return_types
from .autograd import grad_mode
from .ops import index as I
from ._arrays import contiguous, on_device_of, xp_of, to_host
from .tensor import Tensor, _as_view, _norm_dim, _check_same_device, _shared_memory_error
from .tensor_ops import _method
from .tensor_inplace import _plain_view, _fill_value, _leaf_error, _overlaps
from .tensor_inplace_math import _no_graph_write
from .tensor_movement import _bool_mask
from .tensor_views import _with_byte_strides
from .tensor_scatter import _check_index_tensor, _check_bounds, _check_no_overlap, _written, _INT64, _INT32_64
from .random import gen_of

_gstate = grad_mode._state


# ---- indexing ---------------------------------------------------------------------------------------
def _index_part(i, op):
    t = type(i)
    if t is slice:  # the common kinds first (x[:, 1:3], x[0]); slice can't be subclassed
        if i.step is not None and i.step <= 0:
            raise ValueError(f"{op}: step must be greater than zero, got {i.step}")
        return i
    if t is int:
        return i
    if isinstance(i, Tensor):
        a = to_host(i._data)
        if a.ndim == 0 and a.dtype.kind in "iu" and a.dtype != np.uint8:  # torch reads a 0-d int tensor as an int
            return int(a)
        if a.dtype == np.uint8:  # torch (deprecated) reads a uint8 tensor as a mask, not as indices
            a = a.astype(np.bool_)
        elif a.dtype not in _INDEX_DTYPES:  # torch refuses an int16 or int8 index tensor too
            raise IndexError(f"{op}: tensors used as indices must be long, int, byte or bool, got {a.dtype}")
    elif isinstance(i, range):
        return np.arange(i.start, i.stop, i.step, dtype=np.int64)
    elif isinstance(i, (list, np.ndarray)):
        a = np.asarray(i)
        if a.size == 0 and isinstance(i, list):  # x[[]]: numpy reads [] as float64, torch as int64
            a = a.astype(np.int64)
    elif isinstance(i, (builtins.bool, np.bool_)):
        return i
    elif isinstance(i, (int, np.integer)):
        return int(i)
    elif i is None or i is Ellipsis:
        return i
    else:
        raise IndexError(f"{op}: unsupported index of type {type(i).__name__}")
    if a.dtype.kind not in "biu":
        raise IndexError(f"{op}: tensors used as indices must be long, int, byte or bool, got {a.dtype}")
    return a


_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.bool_))
_SEQUENCE_PARTS = (list, tuple, Tensor, np.ndarray, slice, range)


def _norm_index(self, index, op):
    if not isinstance(index, tuple):
        if (type(index) is list and len(index) < 32
                and any(isinstance(i, _SEQUENCE_PARTS) or i is None or i is Ellipsis for i in index)):
            return _norm_index(self, tuple(index), op)  # torch (as numpy once did) reads x[[a, b]] as x[a, b] here
        return (_index_part(index, op),)  # one index (x[ids]): no generator to build
    parts = [_index_part(i, op) for i in index]  # a list: cheaper than a generator to drain
    for i in parts:
        if i is Ellipsis:
            return _drop_empty_ellipsis(self, parts)
    return tuple(parts)


def _drop_empty_ellipsis(self, parts):
    """torch drops an Ellipsis that stands for no dims: array indices on either side of it are then adjacent, and
    their dims stay in place (x[:, [1, 4], ..., [0, 0]] of a 3-D x is (4, 2)); numpy counts it as a separator and
    moves the broadcast dims first."""
    if not any(type(i) is np.ndarray for i in parts):
        return tuple(parts)
    used = 0
    for i in parts:
        if type(i) is np.ndarray:
            used += i.ndim if i.dtype == np.bool_ else 1
        elif type(i) is int or type(i) is slice:
            used += 1
    if used != self.ndim:
        return tuple(parts)
    return tuple(i for i in parts if i is not Ellipsis)


def _ints_first(index):
    """torch applies integer indices before array indices; numpy counts an int beside an array as one more array
    index, which moves the result's dims when a slice sits between them (x[0, :, ids] of a (2, 3, 4) x: numpy
    gives (len(ids), 3), torch (3, len(ids))). For such an index: (the ints alone, the rest), else None."""
    if (len(index) < 2 or int not in map(type, index)
            or not any(type(i) is np.ndarray or type(i) is builtins.bool for i in index)):
        return None  # (a bool, as torch's x[0, None, False], is an array index on a new dim of size 1)
    first, rest = [], []
    for i in index:
        if type(i) is int:
            first.append(i)
            continue
        rest.append(i)
        if type(i) is slice:
            first.append(slice(None))
        elif i is Ellipsis:
            first.append(i)
        elif isinstance(i, np.ndarray):
            first += [slice(None)] * (i.ndim if i.dtype == np.bool_ else 1)
    if Ellipsis not in first:  # a view even where the ints pick one element (x[0, True] of a 1-D x)
        first.append(Ellipsis)
    return tuple(first), tuple(rest)


def _index_error(self, index, e, op):
    desc = ", ".join(f"array{tuple(i.shape)}" if isinstance(i, np.ndarray) else repr(i) for i in index)
    return IndexError(f"{op}: index [{desc}] is invalid for a tensor of shape {self.shape}: {e}")


def _int_bound(b):
    """A 0-d integer (or bool) CPU tensor as the int it stands for (anything else as it is: the general path reads it)."""
    if type(b) is Tensor:
        a = b._data
        if type(a) is np.ndarray and not a.ndim and a.dtype.kind in "biu":  # torch reads True as 1 here
            return int(a)
    return b


def _getitem(self, index):
    if type(index) is slice and (type(index.start) is Tensor or type(index.stop) is Tensor):
        # data[i:i + bs] with i from a tensor (nanoGPT's get_batch): ints now, not numpy's __index__ -> item -> to
        index = slice(_int_bound(index.start), _int_bound(index.stop), _int_bound(index.step))
    if type(index) is slice and index.step is None:
        index = (index,)  # x[a:b]: what _norm_index gives (it checks only the step)
    elif (type(index) is Tensor and type(index._data) is np.ndarray and index._data.dtype in _INDEX_DTYPES
            and index._data.ndim):  # a 0-d int tensor indexes as an int (a view): _norm_index says so
        index = (index._data,)  # x[ids], the hot case: what _norm_index gives, without its calls
    else:
        index = _norm_index(self, index, "getitem")
        if len(index) > 1:
            for i in index:  # a plain loop: the cheapest scan for the rare array index among others
                if type(i) is np.ndarray or type(i) is builtins.bool:
                    split = _ints_first(index)
                    if split is not None:
                        return _getitem(_getitem(self, split[0]), split[1])
                    break
    if self._requires_grad and _gstate["enabled"]:
        try:  # GetItem.forward does the indexing: indexing here first as well would do it twice
            out = I.GetItem.apply(self, index=index)
        except IndexError as e:
            raise _index_error(self, index, e, "getitem") from None
        z, a = out._data, self._data
        if z.size and z.base is not None and (z.base is a or z.base is a.base) and None in out._ctx.index:
            out._data = _torch_none_view(a, out._ctx.index, z)  # a basic index with None (a view): as below
        return _as_view(out, self)
    try:
        out = self._data[index]
    except IndexError as e:
        raise _index_error(self, index, e, "getitem") from None
    if isinstance(out, np.generic):  # x[i, j]: numpy gives a scalar copy, torch a 0-d view (v += 1 writes x)
        if any(i is Ellipsis for i in index):
            return Tensor._wrap(np.asarray(out))
        index = index + (Ellipsis,)
        out = self._data[index]
    b = out.base  # basic indexing gives a view of self's memory; array indices a copy (or a temporary's view)
    if b is not None and (b is self._data or b is self._data.base):  # under no_grad too: it shares the counter
        if None in index and out.size:
            out = _torch_none_view(self._data, index, out)
        return _plain_view(Tensor._wrap(out), self, I.GetItem, index=index)
    return Tensor._wrap(out if out.flags.c_contiguous else I.c_order(out))


def _torch_none_view(a, index, out):
    """out = a[index] (a basic index with None, a view) with torch's strides on the new axes (_none_strides)."""
    if out.size == a.size and 1 not in a.shape and a.flags.c_contiguous:
        # a pure unsqueeze (x[:, None]) of a C-contiguous a: torch's strides are C order's, numpy's reshape gives them
        return a.reshape(out.shape)
    return _with_byte_strides(out, _none_strides(a, index, out))


def _none_strides(a, index, out):
    """torch's strides (in bytes) for out = a[index] (a basic index with None): torch takes the index left to right,
    so a None is an unsqueeze before the next dim not yet indexed, whose size * stride it takes (1 at the end);
    numpy gives it stride 0. The other dims' strides are numpy's."""
    shape, strides = a.shape, a.strides
    st = list(out.strides)
    d = r = 0
    for i in index:
        if i is None:
            st[r] = shape[d] * strides[d] if d < len(shape) else out.itemsize
            r += 1
        elif i is Ellipsis:
            span = len(shape) - sum(1 for j in index if j is not None and j is not Ellipsis)
            d, r = d + span, r + span
        elif type(i) is slice:
            d, r = d + 1, r + 1
        else:  # an int
            d += 1
    return tuple(st)


Tensor.__getitem__ = _getitem


def _setitem(self, index, value, op="setitem"):
    if (type(index) is tuple and type(value) is Tensor and type(self._data) is np.ndarray
            and type(value._data) is np.ndarray and not (self._requires_grad or value.requires_grad)
            and all(type(i) is int for i in index) and value._data.dtype == self._data.dtype
            and value._data.shape == self._data.shape[len(index):]):
        # x[i, j] = v, and x[i, j] += 1 (Python's get, add in place, set): no graph, ints only, a value of the
        # indexed shape and dtype: the general path's index and broadcast checks cost 5x the write (makemore's
        # bigram counts make 228k of these)
        try:
            self._data[index] = value._data
        except IndexError as e:
            raise _index_error(self, index, e, op) from None
        self._mark_written()
        return
    bare_bool = type(index) is builtins.bool  # torch's x[True] = v is a copy_ (casts); x[True,] an index_put_
    index = _norm_index(self, index, op)
    then = None
    split = _ints_first(index)
    if split is not None:  # x[0, :, ids] = v is x[0][:, ids] = v, x[0] a view
        index, then = split
    if isinstance(value, Tensor):
        if value.ndim == 0 and type(value._data) is np.ndarray and type(self._data) is not np.ndarray:
            value = value.to(self.device)  # torch takes a 0-d cpu tensor as a value anywhere, as it does a number
        _check_same_device(self, value, op)
        if value.dtype != self.dtype and not bare_bool:
            _check_index_put_dtype(self, index if then is None else then, value, op)
            if (then is None and len(index) == 1 and type(index[0]) is np.ndarray and index[0].dtype == np.bool_
                    and value.numel() == 1):  # torch's masked_fill_ with value.item(): refused where it overflows
                _fill_value(value.item(), self._data.dtype, op)
    if not isinstance(value, Tensor) and (self._data.dtype.kind in "iub" and isinstance(value, (int, float))
                                          or isinstance(value, complex)):
        value = _fill_value(value, self._data.dtype, op)  # truncated, or refused where it overflows; 1+0j is 1
    v = value if isinstance(value, Tensor) else Tensor._wrap(on_device_of(self._data, np.asarray(value, self.dtype)))
    if v.ndim and v.shape[0] == 1:  # torch drops a value's leading 1s (x[0] = row of shape (1, n))
        v = v.reshape(v.shape[next((i for i, n in enumerate(v.shape) if n != 1), v.ndim):])
    try:
        target_shape = _indexed_shape(self._data, index) if then is None else _indexed_shape(self._data[index], then)
        if np.broadcast_shapes(target_shape, v.shape) != target_shape:
            raise ValueError
    except IndexError as e:
        raise _index_error(self, index, e, op) from None
    except ValueError:
        raise RuntimeError(f"{op}: value of shape {v.shape} can't be broadcast to the indexed shape "
                           f"{target_shape}") from None
    if _gstate["enabled"] and (self._requires_grad or v.requires_grad):
        if self._ctx is None and self._requires_grad:
            raise _leaf_error(self, op)
        # through _inplace, as the other in-place ops: a view passes it to its base, a base to its views
        self._inplace(I.SetItem.apply(self._pre_inplace(), v._cast(self.dtype), index=index, then=then), op)
        return
    try:
        if then is None:
            self._data[index] = v._data
        else:
            self._data[index][then] = v._data
    except ValueError:  # a read-only (expanded) array: its elements share memory
        raise _shared_memory_error(op, self) from None
    self._mark_written()


Tensor.__setitem__ = _setitem


def _indexed_shape(a, index):
    """a[index].shape, with numpy's IndexError for a bad index. For integer arrays on the leading dims (x[ids],
    x[i, j]) worked out from the index shapes: a[index] would gather every indexed row (a 20000-long ids on a
    (4096, 4096) x: 328 MB). Any other index: from a[index] itself."""
    if not 0 < len(index) <= a.ndim or not all(type(i) is np.ndarray and i.dtype.kind in "iu" for i in index):
        return a[index].shape
    try:
        shape = np.broadcast_shapes(*[i.shape for i in index])
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together with shapes "
                         + " ".join(str(i.shape) for i in index)) from None
    for d, i in enumerate(index):
        n = a.shape[d]
        if i.size and (i.min() < -n or i.max() >= n):
            bad = int(i.max()) if i.max() >= n else int(i.min())
            raise IndexError(f"index {bad} is out of bounds for axis {d} with size {n}")
    return shape + a.shape[len(index):]


def _check_index_put_dtype(self, index, value, op):
    """torch casts a tensor value written through basic indices (a copy_), but refuses one of another dtype through
    array indices (index_put_); a lone bool mask with a one-element value is a masked_fill_, which casts again."""
    arrays = [np.asarray(i) if type(i) is builtins.bool else i for i in index
              if isinstance(i, np.ndarray) or type(i) is builtins.bool]
    if not arrays or (len(arrays) == 1 and arrays[0].dtype == np.bool_ and arrays[0].ndim and value.numel() == 1):
        return
    raise RuntimeError(f"{op}: index put requires the source and destination dtypes match, got {self.dtype} "
                       f"for the destination and {value.dtype} for the source")


# torch's rules per op: (index dtypes, the error for another dtype, for an index of 2+ dims, for one out of range)
_ALONG_DIM_RULES = {"index_add": (_INT32_64, RuntimeError, IndexError, RuntimeError),
                    "index_copy": (_INT64, RuntimeError, IndexError, IndexError),
                    "index_fill": (_INT64, IndexError, RuntimeError, IndexError)}


def _along_dim(self, dim, index, op, negative_ok):
    """A 1-D index along dim, shaped to broadcast against a tensor of self's rank."""
    dtypes, dtype_error, ndim_error, range_error = _ALONG_DIM_RULES[op]
    index = _check_index_tensor(index, op, dtypes, dtype_error)
    _check_same_device(self, index, op)
    if index.ndim > 1:
        raise ndim_error(f"{op}: index must be 0-D or 1-D, got shape {index.shape}")
    d = _norm_dim(dim, self.ndim, op)
    ix, n = index._data.reshape(-1), self.shape[d] if self.ndim else 1
    if ix.size and (ix.min() < (-n if negative_ok else 0) or ix.max() >= n):
        raise range_error(f"{op}: index {int(ix.max()) if ix.max() >= n else int(ix.min())} is out of range "
                          f"for dim {d} of shape {self.shape}")
    return d, (ix % n if ix.size else ix).reshape([-1 if i == d else 1 for i in range(self.ndim)])


def _broadcast_index(ix, shape):
    """An index array broadcast to shape, as a contiguous index tensor on ix's device."""
    return Tensor._wrap(contiguous(xp_of(ix).broadcast_to(ix, shape)))


@_method
def index_add(self, dim, index, source, alpha=1):
    """self with source's slices added at `index` along dim (repeats accumulate): a scatter-add."""
    d, ix = _along_dim(self, dim, index, "index_add", negative_ok=False)
    if self.ndim == 0 and source.ndim == 0:  # as one element
        return self.reshape(1).index_add(0, index.reshape(-1), source.reshape(1), alpha).reshape(())
    if (source.ndim != self.ndim or ix.size != source.shape[d]
            or source.shape[:d] + source.shape[d + 1:] != self.shape[:d] + self.shape[d + 1:]):
        raise RuntimeError(f"index_add: source of shape {source.shape} doesn't match index of length {ix.size} "
                           f"along dim {d} of shape {self.shape}")
    if source.dtype != self.dtype:
        raise RuntimeError(f"index_add: self ({self.dtype}) and source ({source.dtype}) must have the same dtype")
    if self._data.dtype.kind in "iub":
        # torch converts alpha to self's dtype: truncated (1.5 adds source once), refused where it overflows, True
        # for a bool
        alpha = _fill_value(alpha, self._data.dtype, "index_add")
    src = source * alpha if alpha != 1 else source
    return I.IndexAdd.apply(self, src, idx=ix.reshape(-1), axis=d)


@_method
def index_add_(self, dim, index, source, alpha=1):
    if _overlaps(self, source):  # torch's assert_no_overlap: the result would depend on the order of the adds
        raise RuntimeError("index_add_: unsupported operation: some elements of the input tensor and the written-to "
                           "tensor refer to a single memory location; clone() the source first")
    return self._inplace(self._pre_inplace().index_add(dim, index, source, alpha), "index_add_")


@_method
def index_fill(self, dim, index, value):
    name = "IndexFillBackward1" if isinstance(value, Tensor) else "IndexFillBackward0"  # torch's, by value's type
    if self.ndim == 0:  # as one element (an empty index fills nothing)
        _norm_dim(dim, 0, "index_fill")
        return self.reshape(1).index_fill(0, index, value).reshape(())._named(name)
    d, ix = _along_dim(self, dim, index, "index_fill", negative_ok=True)
    if not isinstance(value, Tensor):
        value = _fill_value(value, self._data.dtype, "index_fill")
    mask = xp_of(ix).zeros(self.shape[d] if self.ndim else 1, np.bool_)  # on ix's device
    mask[ix.reshape(-1)] = True
    out = self.masked_fill(Tensor._wrap(mask.reshape([-1 if i == d else 1 for i in range(self.ndim)])), value)
    return out._named(name)


@_method
def index_fill_(self, dim, index, value):
    return self._inplace(self._pre_inplace().index_fill(dim, index, value), "index_fill_")


@_method
def index_select(self, dim, index):
    index = _check_index_tensor(index, "index_select")
    if index.ndim > 1:
        raise IndexError(f"index_select: index must be 0-D or 1-D, got shape {index.shape}")
    d = _norm_dim(dim, self.ndim, "index_select")
    if self.ndim == 0:  # torch: a 0-d result, read at the one index there may be
        if index.numel() != 1:
            raise RuntimeError(f"index_select: index to a 0-d tensor can have only 1 value, got {index.numel()}")
        if int(index._data.reshape(-1)[0]) != 0:
            raise IndexError(f"index_select: index {int(index._data.reshape(-1)[0])} is out of range for a 0-d tensor")
        return self.reshape(1)[index.reshape(-1)].reshape(())
    _check_bounds(index._data, self.shape[d], d, "index_select")
    return self[(slice(None),) * d + (index.reshape(-1),)]._named("IndexSelectBackward0")


@_method
def index_copy(self, dim, index, source):
    """self with source's slices written at `index` along dim: a scatter of index broadcast to source's shape."""
    if source.dtype != self.dtype:
        raise RuntimeError(f"index_copy: self ({self.dtype}) and source ({source.dtype}) must have the same dtype")
    d, ix = _along_dim(self, dim, index, "index_copy", negative_ok=False)
    if (self.ndim == 0 or source.ndim == 0) and self.ndim <= 1 and source.ndim <= 1:  # slices of one element each
        out = self.reshape(-1).index_copy(0, index.reshape(-1), source.reshape(-1)).reshape(self.shape)
        return out._named("IndexCopyBackward0")
    if (source.ndim != self.ndim or ix.size != source.shape[d]
            or source.shape[:d] + source.shape[d + 1:] != self.shape[:d] + self.shape[d + 1:]):
        raise RuntimeError(f"index_copy: source of shape {source.shape} doesn't match index of length {ix.size} "
                           f"along dim {d} of shape {self.shape}")
    return self.scatter(d, _broadcast_index(ix, source.shape), source)._named("IndexCopyBackward0")


@_method
def index_copy_(self, dim, index, source):
    return self._inplace(self._pre_inplace().index_copy(dim, index, source), "index_copy_")


@_method
def index_put(self, indices, values, accumulate=False):
    """self with values written (accumulate: added, repeats summed) at self[indices], out of place."""
    return _index_put(self, indices, values, accumulate)


def _index_put(self, indices, values, accumulate, in_place=False):
    """index_put, or with in_place (see _in_place) index_put_ written into self's own array."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of tensors, got {type(indices).__name__}")
    for k, i in enumerate(indices):
        if not isinstance(i, Tensor):  # torch's index_put takes tensors only (x[1, ...] is setitem's)
            raise TypeError(f"index_put: indices must be tensors, got {type(i).__name__} as element {k}")
    values = values if isinstance(values, Tensor) else Tensor._wrap(np.asarray(values, dtype=self.dtype))
    if values.dtype != self.dtype:
        raise RuntimeError(f"index_put: self ({self.dtype}) and values ({values.dtype}) must have the same dtype")
    index = _norm_index(self, tuple(indices), "index_put")
    try:
        target = _indexed_shape(self._data, index)
    except IndexError as e:
        raise _index_error(self, index, e, "index_put") from None
    try:  # no leading 1s dropped from values, as setitem does
        fits = np.broadcast_shapes(target, values.shape) == target
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"index_put: values of shape {values.shape} can't be broadcast to the indexed shape "
                           f"{target}")
    if not accumulate:
        out = self if in_place else self.clone()
        _setitem(out, tuple(indices), values, "index_put")  # in place: writes self's array and stamps the write
        return out
    if in_place:
        return _written(self, I.index_put_add_into(self._data, values._data, index))
    return I.IndexPutAdd.apply(self, values, index=index)


@_method
def index_put_(self, indices, values, accumulate=False):
    if isinstance(indices, (tuple, list)):
        _check_no_overlap(self, "index_put_", values, *indices)
    if isinstance(indices, (tuple, list)) and _no_graph_write(self, values, *indices) is not None:
        return _index_put(self, indices, values, accumulate, in_place=True)
    return self._inplace(self._pre_inplace().index_put(indices, values, accumulate), "index_put_")


@_method
def take(self, index):
    """self flattened, read at index (negative counts from the end); the result has index's shape."""
    index = _check_index_tensor(index, "take", _INT64)
    n, ix = self.numel(), index._data
    if ix.size and (ix.min() < -n or ix.max() >= n):
        bad = int(ix.max()) if ix.max() >= n else int(ix.min())
        raise IndexError(f"take: index {bad} is out of range for a tensor of {n} elements (shape {self.shape})")
    return self.reshape(-1)[index]._named("TakeBackward0")


@_method
def take_along_dim(self, indices, dim=None):
    """gather along dim with self and indices broadcast against each other elsewhere (dim None: flattened)."""
    indices = _check_index_tensor(indices, "take_along_dim", _INT64)
    if dim is None:
        _check_bounds(indices._data, self.numel(), 0, "take_along_dim")
        return self.reshape(-1).gather(0, indices.reshape(-1))
    if indices.ndim != self.ndim:
        raise RuntimeError(f"take_along_dim: input and indices should have the same number of dimensions, got "
                           f"shapes {self.shape} and {indices.shape}")
    d = _norm_dim(dim, self.ndim, "take_along_dim")
    if self.ndim == 0:
        raise RuntimeError("take_along_dim: expected a tensor with at least one dim and a dim, got a 0-d tensor")
    _check_bounds(indices._data, self.shape[d], d, "take_along_dim")  # torch reads past the end here: a clear error
    try:
        shape = np.broadcast_shapes(self.shape[:d] + (1,) + self.shape[d + 1:],
                                    indices.shape[:d] + (1,) + indices.shape[d + 1:])
    except ValueError:
        raise RuntimeError(f"take_along_dim: shapes {self.shape} and {indices.shape} can't be broadcast apart "
                           f"from dim {d}") from None
    x = self.expand(shape[:d] + (self.shape[d],) + shape[d + 1:])
    ix = indices.expand(shape[:d] + (indices.shape[d],) + shape[d + 1:])
    return x.gather(d, Tensor._wrap(contiguous(ix._data)))


@_method
def masked_scatter(self, mask, source):
    """self with the places where mask is True (mask broadcast with self) filled by source's elements, in order."""
    m, shape = _bool_mask(self, mask, "masked_scatter")
    if source.dtype != self.dtype:
        raise RuntimeError(f"masked_scatter: self ({self.dtype}) and source ({source.dtype}) must have the same dtype")
    if not shape:  # a 0-d self and mask: as one element
        return self.reshape(1).masked_scatter(Tensor._wrap(m.reshape(1)), source).reshape(())
    m = xp_of(m).broadcast_to(m, shape)
    k = int(m.sum())
    if source.numel() < k:
        raise RuntimeError(f"masked_scatter: source has {source.numel()} elements, fewer than the {k} True places "
                           f"of the mask")
    out = self.expand(shape).clone()
    out[Tensor._wrap(contiguous(m))] = source.reshape(-1)[:k]
    return out


@_method
def masked_scatter_(self, mask, source):
    return self._inplace(self._pre_inplace().masked_scatter(mask, source), "masked_scatter_")


# ---- sampling --------------------------------------------------------------------------------------
def multinomial(input, num_samples, replacement=False, generator=None):
    if not input.is_floating_point():  # torch refuses counts: multinomial(N[ix]) instead of P[ix] is a common slip
        from .tensor_compare import _torch_type_name
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_torch_type_name(input.dtype)}")
    p = to_host(input._data)  # sampled on the host
    if p.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {p.shape}")
    if p.shape[-1] > 2 ** 24:  # torch's sampler indexes the categories in float32
        raise RuntimeError(f"multinomial: number of categories cannot exceed 2^24, got {p.shape[-1]}")
    rows = p.reshape(p.shape[0] if p.ndim == 2 else 1, p.shape[-1])  # (explicit: -1 is ambiguous when empty)
    if rows.shape[-1] == 0 and rows.shape[0]:
        raise RuntimeError(f"multinomial: the probability distributions have no categories (shape {p.shape})")
    total = rows.sum(axis=-1, dtype=np.float64)  # each row's total (a check only: the sampler sums its own way)
    # the min is NaN if any value is; with no negatives, an inf anywhere makes its row's total inf
    lowest = float(rows.min()) if rows.size else 0.0
    if len(total) == 1:  # one distribution (sampling a model's next token): the checks on Python floats
        t = float(total[0])
        finite, positive = math.isfinite(t), t > 0
    else:
        finite, positive = bool(np.isfinite(total).all()), bool((total > 0).all())
    if not lowest >= 0 or not finite:
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if not positive:
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample {num_samples} (<= 0) samples")
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample ({num_samples}) > prob_dist.size(-1) "
                           f"({rows.shape[-1]}) samples without replacement")
    if rows.shape[0] == 0:  # no distributions (a (0, n) input): no draws, as torch
        return Tensor._wrap(on_device_of(input._data, np.zeros((0, num_samples), np.int64)))
    if not replacement and num_samples > 1:
        nz = np.count_nonzero(rows, axis=-1).min()
        if num_samples > nz:
            raise RuntimeError(f"multinomial: only {nz} categories have nonzero probability, can't draw "
                               f"{num_samples} without replacement")
    if rows.dtype.kind != "f" or rows.dtype.itemsize < 4:
        rows = rows.astype(np.float32)
    out = gen_of(generator).multinomial(rows, num_samples, replacement)  # its layout: torch draws in memory order
    return Tensor._wrap(on_device_of(input._data, out.reshape(num_samples) if p.ndim == 1 else out))


Tensor.multinomial = multinomial


def one_hot(tensor, num_classes=-1):
    if tensor.dtype != np.int64:  # torch takes int64 only (int32 ids raise there too)
        raise RuntimeError(f"one_hot: is only applicable to index tensor of type LongTensor (int64), got "
                           f"{tensor.dtype}")
    a = tensor._data
    if num_classes == -1:
        if not a.size:
            raise RuntimeError(f"one_hot: Can not infer total number of classes from empty tensor (shape {tensor.shape})")
        num_classes = int(a.max()) + 1
    if a.size and (a.min() < 0 or a.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got min {a.min()} max {a.max()}")
    xp = xp_of(a)
    out = xp.zeros(a.shape + (num_classes,), np.int64)  # zero-fill and put the ones: no bool temporary to cast
    if a.size:
        out.reshape(-1, num_classes)[xp.arange(a.size), a.reshape(-1)] = 1
    return Tensor._wrap(out)


# ---- data-dependent shapes (no gradient, except masked_select) ------------------------------------------
@_method
def nonzero(self, as_tuple=False):
    if self.ndim == 0:  # numpy refuses 0-d nonzero; torch treats the scalar as one element
        n = int(bool(self._data))
        return (Tensor._wrap(np.zeros(n, np.int64)),) if as_tuple else Tensor._wrap(np.zeros((n, 0), np.int64))
    idx = np.nonzero(self._data)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in idx)
    return Tensor._wrap(np.stack(idx, axis=1).astype(np.int64))


Tensor.argwhere = lambda self: self.nonzero()


@_method
def masked_select(self, mask):
    m, shape = _bool_mask(self, mask, "masked_select")
    x = self.expand(shape) if shape != self.shape else self
    return x[Tensor._wrap(np.broadcast_to(m, shape))]._named("MaskedSelectBackward0")


@_method
def bincount(self, weights=None, minlength=0):
    if self.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount: expects an integer tensor, got {self.dtype}")
    if self.ndim != 1:
        raise RuntimeError(f"bincount: expects a 1-D tensor, got shape {self.shape}")
    if self.numel() and self._data.min() < 0:
        raise RuntimeError(f"bincount: input must be non-negative, got min {int(self._data.min())}")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != self.shape[0]):
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input, got shapes "
                           f"{weights.shape} and {self.shape}")
    w = None if weights is None else weights._data
    if w is not None and w.dtype.kind == "c":  # torch casts them to float64, warning of the dropped imaginary part
        warnings.warn("bincount: casting complex weights to real discards the imaginary part", UserWarning,
                      stacklevel=2)
        w = w.real.astype(np.float64)
    out = np.bincount(self._data, weights=w, minlength=minlength)
    if w is not None and not self.numel():  # torch: an empty input counts nothing, int64 zeros whatever the weights
        return Tensor._wrap(np.zeros(minlength, np.int64))
    # torch: float32 weights count in float32, any other weights (float16, ints, bool) in float64
    return Tensor._wrap(out.astype(np.int64) if w is None else out.astype(np.float32 if w.dtype == np.float32 else np.float64))


_aminmax_t = return_types.make("aminmax", ["min", "max"])


@_method
def aminmax(self, dim=None, keepdim=False):
    name = "AminmaxBackward0"  # torch's one node for both, as print(y) shows it
    return _aminmax_t(self.amin(dim, keepdim)._named(name), self.amax(dim, keepdim)._named(name))
