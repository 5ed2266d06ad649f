"""Tensor methods for movement (reshape, permute, expand, pad, unfold, ...); joining and splitting (cat, stack,
split, ...) are in tensor_join, products in tensor_products. Each checks its arguments, naming the op and the
shapes, and applies one Function from teenygrad.ops."""
import math
import operator
import numpy as np
from . import dtype as dt
from .ops import movement as M, index as I
from ._arrays import on_device_of, to_host
from .tensor import Tensor, _as_view, _norm_dim, _norm_dims, _shape_arg, _gstate, _int_arg
from .tensor_ops import _method, where
from .tensor_inplace import _plain_view, _fill_value
from .tensor_views import _is_view_of, _unsqueeze_strides, _view_strides, _with_strides


# ---- movement ---------------------------------------------------------------------------------------
def _varargs(args, kwargs, key, op):
    """torch's sizes and dims given as varargs, one sequence, or by keyword: x.reshape(2, 3), x.reshape((2, 3)),
    x.reshape(shape=(2, 3)). key is torch's keyword name."""
    if kwargs:
        bad = [k for k in kwargs if k != key]
        if bad or args:
            raise TypeError(f"{op}() got an unexpected keyword argument {bad[0]!r}" if bad else
                            f"{op}() got {key} both as positional and keyword arguments")
        args = (kwargs[key],)
    return args


def _infer_shape(shape, size, op):
    if -1 not in shape:  # nothing to infer (x.view(b, t, h, e)): the checks below reduce to these two
        if shape and min(shape) < -1:
            raise RuntimeError(f"{op}: invalid shape dimension in {tuple(shape)}")
        if math.prod(shape) != size:
            raise RuntimeError(f"{op}: shape {tuple(shape)} is invalid for input of size {size}")
        return tuple(shape)
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got shape {tuple(shape)}")
    if shape and min(shape) < -1:  # min: one C call, where a generator over the dims costs a frame per view
        raise RuntimeError(f"{op}: invalid shape dimension in {tuple(shape)}")
    if -1 in shape:
        i = shape.index(-1)
        shape[i] = 1
        rest = math.prod(shape)  # the known dims (math.prod: ~10x cheaper than np.prod on a list)
        shape[i] = -1 if rest == 0 or size % rest else size // rest
        if shape[i] == -1:
            raise RuntimeError(f"{op}: shape {tuple(shape)} is invalid for input of size {size}")
    elif math.prod(shape) != size:
        raise RuntimeError(f"{op}: shape {tuple(shape)} is invalid for input of size {size}")
    return tuple(shape)


def _torch_strides(self, out, shape, strides):
    """out (numpy's view of self as shape) with torch's strides: `strides` when given (squeeze, unsqueeze keep the
    old ones), else those of torch's view (computeStride). An axis longer than 1 has the one stride its elements'
    addresses give, so the two differ only on size-1 axes: the caller asks only for a shape with one. A new shape
    of a C-contiguous self whose last axis is longer than 1 gets C order's strides in both. An empty view keeps
    numpy's."""
    a = self._data
    if strides is None:
        if a.flags.c_contiguous and shape != a.shape and (not a.ndim or a.shape[-1] != 1) or not out.size:
            return out
        strides = _view_strides(a.shape, self.stride(), shape)
        if strides is None:
            return out
    return _with_strides(out, strides) if out.size else out


def _reshaped(self, shape, strides=None):
    """self as `shape` (checked by the caller): a plain view without a graph, else a Reshape node. Never self, even
    for its own shape: as in torch, a hook, detach_() or requires_grad_() on the view must not act on self.
    strides: the view's strides in torch (False: numpy's are torch's; None: torch's view's)."""
    if not (self._requires_grad and _gstate["enabled"]):  # no graph to record: what Reshape.apply would return
        out = self._data.reshape(shape)
        b = out.base  # self's memory (self._data or its owner), or a copy's when the layout did not allow a view
        a = self._data
        # numpy's view of an expanded (read-only) input hides its owner: then ask whether the memory is shared
        if b is not None and (b is a or b is a.base or not getattr(out.flags, "writeable", True)
                              and np.may_share_memory(out, a)):  # under no_grad too
            if strides is None:
                # no size-1 axis: numpy's strides are torch's; nor for a C-contiguous self (see _torch_strides)
                if 1 in shape and not (a.flags.c_contiguous and shape != a.shape and (not a.ndim or a.shape[-1] != 1)):
                    out = _torch_strides(self, out, shape, None)
            elif strides is not False:
                out = _torch_strides(self, out, shape, strides)
            return _plain_view(Tensor._wrap(out), self, M.Reshape, shape=shape)
        return Tensor._wrap(out)
    out = M.Reshape.apply(self, shape=shape)
    if (1 in shape if strides is None else strides is not False) and out._data.size and \
            _is_view_of(out._data, self._data):
        out._data = _torch_strides(self, out._data, shape, strides)
    return _as_view(out, self)


def _alias(self):
    """A view of all of self as it is (x.transpose(0, 0), x.expand(x.shape), x.t() of a 1-d x): a new tensor, as in
    torch, so that t_(), unsqueeze_(), a hook or requires_grad_() on it leaves self alone."""
    return _reshaped(self, self._data.shape, False)


def _permuted(self, order):
    """self with axes in `order` (a valid, non-identity permutation): a plain view without a graph, else a node."""
    if not (self._requires_grad and _gstate["enabled"]):  # no graph to record: what Permute.apply would return
        return _plain_view(Tensor._wrap(self._data.transpose(order)), self, M.Permute, order=order)
    return _as_view(M.Permute.apply(self, order=order), self)


@_method
def reshape(self, *shape, **kwargs):
    if kwargs:
        shape = _varargs(shape, kwargs, "shape", "reshape")
    shape = _infer_shape(_shape_arg(shape, "reshape", "shape"), self._data.size, "reshape")
    return _reshaped(self, shape)


@_method
def view(self, *shape, **kwargs):
    if kwargs:  # x.view(size=(2, 3)) or x.view(dtype=torch.int32)
        shape = _varargs(shape, kwargs, "dtype" if "dtype" in kwargs else "size", "view")
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, np.integer)):
        return _view_dtype(self, dt.to_dtype(shape[0]))
    shape = _infer_shape(_shape_arg(shape, "view", "size"), self._data.size, "view")
    try:
        if not self._data.flags.c_contiguous:  # a C-contiguous array views as any shape of its size: no trial
            np.reshape(self._data, shape, copy=False)
    except ValueError:
        raise RuntimeError(f"view: size {tuple(shape)} is not compatible with the input's size and stride "
                           f"(shape {self.shape}, strides {self.stride()}); use .reshape(...) instead") from None
    return _reshaped(self, shape)


def _view_dtype(self, dtype):
    """The same bytes read as dtype; another element size rescales the last dim, which must then be contiguous, and
    every other stride must stay a whole number of the new elements (torch's rule; numpy's own is looser)."""
    a = self._data
    if dtype.itemsize != a.itemsize and (a.ndim == 0 or any(st % dtype.itemsize for st in a.strides[:-1])):
        raise RuntimeError(f"view: can't view {a.dtype} of shape {self.shape} and strides {self.stride()} as {dtype} "
                           f"(a different element size needs >= 1 dim and strides divisible by the new size)")
    try:
        return Tensor._wrap(a.view(dtype))
    except ValueError as e:
        raise RuntimeError(f"view: can't view {a.dtype} of shape {self.shape} as {dtype}: {e}") from None


@_method
def view_as(self, other):
    return self.view(other.shape)


@_method
def reshape_as(self, other):
    return self.reshape(other.shape)


@_method
def permute(self, *dims, **kwargs):
    if kwargs:
        dims = _varargs(dims, kwargs, "dims", "permute")
    dims = tuple(_norm_dim(d, self.ndim, "permute") for d in _shape_arg(dims))
    if sorted(dims) != list(range(self.ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the {self.ndim} dims of shape {self.shape}")
    if dims == tuple(range(self.ndim)):
        return _alias(self)
    return _permuted(self, dims)


@_method
def transpose(self, dim0, dim1):
    n = self._data.ndim  # read once: Tensor.ndim is a property call
    d0, d1 = _norm_dim(dim0, n, "transpose"), _norm_dim(dim1, n, "transpose")
    if d0 == d1:  # a 0-d tensor too
        return _alias(self)
    order = _SWAPS.get((n, d0, d1))
    if order is None:
        order = list(range(n))
        order[d0], order[d1] = order[d1], order[d0]
        order = tuple(order)
        if n <= 8:  # at most 8 * 8 * 8 orders kept
            _SWAPS[n, d0, d1] = order
    # a valid permutation by construction: skip permute's checks
    return _permuted(self, order)._named("TransposeBackward0")


_SWAPS = {}  # (ndim, dim0, dim1) -> transpose's axis order: built once, not per call (16 a GPT decode step)


@_method
def swapaxes(self, axis0, axis1):
    return self.transpose(axis0, axis1)


@_method
def t(self):
    if self.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but got shape {self.shape}")
    return self.transpose(0, 1)._named("TBackward0") if self.ndim == 2 else _alias(self)


@_method
def expand(self, *sizes, **kwargs):
    if kwargs:
        sizes = _varargs(sizes, kwargs, "size", "expand")
    sizes = _shape_arg(sizes, "expand", "size")
    if len(sizes) < self.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({self.ndim}, shape {self.shape})")
    lead = len(sizes) - self.ndim
    shape = []
    for i, s in enumerate(sizes):
        cur = self.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension ({sizes})")
            s = cur
        if cur is not None and cur != 1 and cur != s:
            raise RuntimeError(f"expand: the expanded size of the tensor ({s}) must match the existing size "
                               f"({cur}) at non-singleton dimension {i}; target sizes {sizes}, tensor shape {self.shape}")
        shape.append(s)
    shape = tuple(shape)
    if shape == self.shape:
        return _alias(self)
    out = M.Expand.apply(self, shape=shape)
    if 1 in shape and out._data.size:  # numpy's broadcast_to gives every size-1 axis stride 0
        out._data = _with_strides(out._data, _expand_strides(self.shape, self.stride(), shape))
    return _as_view(out, self)


def _expand_strides(old_shape, old_strides, shape):
    """torch's strides for expanding to shape: 0 on a broadcast axis, the old stride on a kept one, and on a new
    leading size-1 axis size * stride of the axis after it."""
    st = [0] * len(shape)
    lead = len(shape) - len(old_shape)
    for i in range(len(shape) - 1, -1, -1):
        if i >= lead:
            st[i] = old_strides[i - lead] if old_shape[i - lead] == shape[i] else 0
        elif shape[i] == 1:
            st[i] = shape[i + 1] * st[i + 1] if i + 1 < len(shape) else 0  # (a 0-d input's are all 0)
    return st


@_method
def expand_as(self, other):
    return self.expand(other.shape)


@_method
def broadcast_to(self, *size, **kwargs):
    """x.broadcast_to(3, 4) as x.broadcast_to((3, 4)): the method takes varargs, as expand does"""
    return self.expand(*size, **kwargs)


@_method
def squeeze(self, dim=None, *, axis=None):
    if axis is not None:  # numpy's name, which torch takes too
        dim = axis
    if dim is None:
        keep = [i for i, s in enumerate(self.shape) if s != 1]
    else:
        dims = _norm_dims(dim, self.ndim, "squeeze")
        keep = [i for i, s in enumerate(self.shape) if not (i in dims and s == 1)]
    shape = tuple(self.shape[i] for i in keep)
    name = "SqueezeBackward0" if dim is None else "SqueezeBackward1" if isinstance(dim, int) else "SqueezeBackward2"
    if 1 not in shape:  # numpy's strides are torch's
        out = _reshaped(self, shape, False)
    else:  # torch keeps the strides of the axes left; numpy's reshape may give a size-1 one another
        st = self.stride()
        out = _reshaped(self, shape, tuple([st[i] for i in keep]))
    return out._named("SqueezeBackward0" if dim is None else "SqueezeBackward2" if isinstance(dim, (list, tuple))
                      else "SqueezeBackward1")


@_method
def unsqueeze(self, dim):
    a = self._data
    d = _norm_dim(dim, a.ndim + 1, "unsqueeze")
    shape = a.shape[:d] + (1,) + a.shape[d:]
    # numpy's reshape gives torch's strides to a C-contiguous input without size-1 axes: no need to work them out
    return _reshaped(self, shape, False if 1 not in a.shape and a.flags.c_contiguous else
                     _unsqueeze_strides(a.shape, self.stride(), d))._named("UnsqueezeBackward0")


@_method
def flatten(self, start_dim=0, end_dim=-1):
    s, e = _norm_dim(start_dim, self.ndim, "flatten"), _norm_dim(end_dim, self.ndim, "flatten")
    if self.ndim == 0:
        return self.reshape(1)
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim}")
    if s == e:  # torch: self itself, strides and all
        return _reshaped(self, self.shape, self.stride())
    return self.reshape(self.shape[:s] + (-1 if self.numel() else 0,) + self.shape[e + 1:]) if self.numel() else \
        self.reshape(self.shape[:s] + (int(np.prod(self.shape[s:e + 1])),) + self.shape[e + 1:])


@_method
def unflatten(self, dim, sizes):
    if not isinstance(sizes, int) and len(sizes) == 0:
        raise RuntimeError(f"unflatten: sizes must be non-empty, got {sizes}")
    if self.ndim == 0:
        raise RuntimeError(f"unflatten: dim {dim} given but the tensor is 0-d")
    d = _norm_dim(dim, self.ndim, "unflatten")
    sizes = _infer_shape(sizes, self.shape[d], "unflatten")
    return self.reshape(self.shape[:d] + sizes + self.shape[d + 1:])


@_method
def flip(self, *dims, **kwargs):
    if not dims and not kwargs:  # torch requires them (flip(()) is a copy)
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if kwargs:
        dims = _varargs(dims, kwargs, "dims", "flip")
    dims = _norm_dims(_shape_arg(dims), self.ndim, "flip")
    return M.Flip.apply(self, axis=dims) if dims else self.clone()  # a 0-d tensor flips to a copy of itself


@_method
def fliplr(self):
    if self.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {self.shape}")
    return self.flip(1)


@_method
def flipud(self):
    if self.ndim < 1:
        raise RuntimeError(f"flipud: input must be >= 1-d, got shape {self.shape}")
    return self.flip(0)


@_method
def __reversed__(self):
    """reversed(t): t flipped along dim 0 (a tensor, as torch's; a 0-d tensor is itself), not an iterator of rows"""
    return self if self.ndim == 0 else self.flip(0)


@_method
def rot90(self, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of dims, from the first dim towards the second (as numpy)."""
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected 2 rotation dims, got {tuple(dims)}")
    if self.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, got shape {self.shape}")
    d0, d1 = _norm_dim(dims[0], self.ndim, "rot90"), _norm_dim(dims[1], self.ndim, "rot90")
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, got {tuple(dims)}")
    k %= 4
    if k == 1:
        out = self.flip(d1).transpose(d0, d1)
    elif k == 2:
        out = self.flip(d0, d1)
    elif k == 3:
        out = self.flip(d0).transpose(d0, d1)
    else:
        out = self.clone()
    return out._named("Rot90Backward0")  # torch's one node, as print(y) shows it


@_method
def roll(self, shifts, dims=None):
    if dims is None or type(dims) in (tuple, list) and not dims:  # torch: no dims rolls the flattened tensor
        return self.reshape(-1).roll(shifts, 0).reshape(self.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    if self.numel() == 0:  # torch returns before it checks the dims
        return self.clone()
    if self.ndim == 0:
        raise IndexError(f"roll: dims {dims} given but the tensor is 0-d")
    dims = tuple(_norm_dim(d, self.ndim, "roll") for d in dims)  # repeats add
    return M.Roll.apply(self, shifts=shifts, axis=dims)


@_method
def repeat(self, *sizes, **kwargs):
    if kwargs:
        sizes = _varargs(sizes, kwargs, "repeats", "repeat")
    sizes = _shape_arg(sizes, "repeat", "repeats")
    if len(sizes) < self.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than the number of "
                           f"tensor dims ({self.ndim})")
    if sizes and min(sizes) < 0:  # expand would read -1 as "keep this size"
        raise RuntimeError(f"repeat: repeats must be non-negative, got {tuple(sizes)}")
    x = self.reshape((1,) * (len(sizes) - self.ndim) + self.shape)
    # (.., s, ..) -> (.., r, s, ..) by broadcasting, then merge r into s
    inter = []
    for r, s in zip(sizes, x.shape):
        inter += [1, s]
    big = []
    for r, s in zip(sizes, x.shape):
        big += [r, s]
    out = x.reshape(inter).expand(big).reshape([r * s for r, s in zip(sizes, x.shape)])
    # a new tensor, as torch's: no repeats (or only of size-1 dims) would leave a view of self or of the expansion
    return (out.clone() if out._data.base is not None or out._data is self._data else out)._named("RepeatBackward0")


@_method
def tril(self, diagonal=0):
    if self.ndim < 2:
        raise RuntimeError(f"tril: input tensor must have at least 2 dimensions, got shape {self.shape}")
    if type(diagonal) is not int:
        diagonal = _int_arg(diagonal, "tril", "diagonal")
    return M.Tri.apply(self, diagonal=diagonal, upper=False)


@_method
def triu(self, diagonal=0):
    if self.ndim < 2:
        raise RuntimeError(f"triu: input tensor must have at least 2 dimensions, got shape {self.shape}")
    if type(diagonal) is not int:
        diagonal = _int_arg(diagonal, "triu", "diagonal")
    return M.Tri.apply(self, diagonal=diagonal, upper=True)


@_method
def pad(self, pad, mode="constant", value=None):
    """torch.nn.functional.pad order: (last_lo, last_hi, second_last_lo, ...). Negative values crop.
    mode: constant (value, default 0), or reflect / replicate / circular over the last 1-3 dims."""
    if mode != "constant":
        return _pad_indexed(self, pad, mode, value)
    value = 0.0 if value is None else value
    if value != 0 and isinstance(value, (int, float)):  # past the dtype's range (1e6 in float16): refused, as torch
        from .tensor_inplace import _fill_value
        _fill_value(value, self._data.dtype, "pad")
    if len(pad) % 2 or len(pad) // 2 > self.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} must be even and at most 2 * ndim ({2 * self.ndim})")
    pads = [(0, 0)] * self.ndim
    for i in range(len(pad) // 2):
        pads[self.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    for (b, a), s in zip(pads, self.shape):
        if s + min(b, 0) + min(a, 0) < 0:  # torch crops first: a crop can't take more than the dim has
            raise RuntimeError(f"pad: padding {tuple(pad)} gives a negative size for shape {self.shape}")
    return M.Pad.apply(self, pads=tuple(pads), value=value)


_PAD_SOURCE = {"reflect": lambda i, n: (n - 1) - np.abs((n - 1) - np.abs(i)),
               "replicate": lambda i, n: np.clip(i, 0, n - 1),
               "circular": lambda i, n: i % n}


def _pad_indexed(self, pad, mode, value):
    """reflect / replicate / circular padding: one index_select per padded dim, whose gradient sums the copies."""
    if mode not in _PAD_SOURCE:
        raise NotImplementedError(f"pad: unknown padding mode {mode!r} (constant, reflect, replicate, circular)")
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    k = len(pad) // 2
    if len(pad) % 2 or not 1 <= k <= 3 or not k + 1 <= self.ndim <= k + 2:
        raise NotImplementedError(f"pad: {mode} padding of the last {len(pad) / 2:g} dims takes a {k + 1}-D or "
                                  f"{k + 2}-D input, got padding {tuple(pad)} for shape {self.shape}")
    if mode != "circular" and 0 in self.shape[self.ndim - k - 1:]:  # torch: only a batch dim may be empty
        raise RuntimeError(f"pad: {mode} padding {tuple(pad)} takes a {k + 1}-D or {k + 2}-D (batch mode) input "
                           f"with only the batch size possibly 0, got shape {self.shape}")
    sizes = [self.shape[-1 - i] + int(pad[2 * i]) + int(pad[2 * i + 1]) for i in range(k)]
    if mode in ("replicate", "reflect") and (min(sizes) < 0 or max(sizes) < 1):  # torch: one may end up empty
        raise RuntimeError(f"pad: {mode} padding {tuple(pad)} of input shape {self.shape} gives the padded "
                           f"dims sizes {tuple(reversed(sizes))}; none may be negative, one must be positive")
    out = self
    for i in range(k):
        d, lo, hi = self.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])
        n = self.shape[d]
        if mode in ("circular", "reflect") and n + lo + hi == 0 and max(lo, hi) <= {"reflect": 0}.get(mode, n):
            # cropped away entirely, as torch
            out = out.narrow(d, 0, 0)
            continue
        limit = {"reflect": n - 1, "circular": n}.get(mode)
        if limit is not None and (lo > limit or hi > limit or n + min(lo, 0) + min(hi, 0) <= 0):
            raise RuntimeError(f"pad: {mode} padding ({lo}, {hi}) of dim {d} must be at most {limit} for input "
                               f"shape {self.shape}")
        if mode == "circular" and min(lo, hi) < 0:  # torch crops first, then wraps around what is left
            out, n = out.narrow(d, max(-lo, 0), n + min(lo, 0) + min(hi, 0)), n + min(lo, 0) + min(hi, 0)
            lo, hi = max(lo, 0), max(hi, 0)
        idx = _PAD_SOURCE[mode](np.arange(-lo, n + hi), n)
        out = out.index_select(d, Tensor._wrap(on_device_of(self._data, idx)))
    return out


@_method
def shrink(self, arg):
    """tinygrad: keep [start, end) per dim (None keeps the whole dim)."""
    if len(arg) != self.ndim:
        raise RuntimeError(f"shrink: need one (start, end) or None per dim, got {len(arg)} for shape {self.shape}")
    return self[tuple(slice(None) if a is None else slice(a[0], a[1]) for a in arg)]


@_method
def narrow(self, dim, start, length):
    if self.ndim == 0:
        raise RuntimeError("narrow: cannot be applied to a 0-dim tensor")
    d = _norm_dim(dim, self.ndim, "narrow")
    n = self.shape[d]
    if isinstance(start, Tensor):  # torch takes a 0-d integer tensor for start
        start = int(start.item())
    start = start + n if start < 0 else start
    if not 0 <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dim {d} of shape {self.shape}")
    if not 0 <= length <= n - start:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dim {d} of shape {self.shape}")
    return self[(slice(None),) * d + (slice(start, start + length),)]


@_method
def select(self, dim, index):
    d = _norm_dim(dim, self.ndim, "select")
    if not -self.shape[d] <= index < self.shape[d]:
        raise IndexError(f"select: index {index} is out of range for dim {d} of shape {self.shape}")
    return self[(slice(None),) * d + (index,)]


@_method
def movedim(self, source, destination):
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: source {src} and destination {dst} must have the same number of dims")
    src = [_norm_dim(d, self.ndim, "movedim") for d in src]
    dst = [_norm_dim(d, self.ndim, "movedim") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {tuple(source)} or destination {tuple(destination)}")
    rest = iter(d for d in range(self.ndim) if d not in src)
    where_to = dict(zip(dst, src))
    return self.permute([where_to[i] if i in where_to else next(rest) for i in range(self.ndim)])


Tensor.moveaxis, Tensor.swapdims = Tensor.movedim, Tensor.transpose


@_method
def tile(self, *dims, **kwargs):
    if not dims and not kwargs:  # torch: dims is required (tile(()) is the empty tuple, and fine)
        raise TypeError('tile() missing 1 required positional argument: "dims"')
    if kwargs:
        dims = _varargs(dims, kwargs, "dims", "tile")
    dims = _shape_arg(dims, "tile", "dims")
    return self.repeat((1,) * (self.ndim - len(dims)) + dims)


@_method
def diagonal(self, offset=0, dim1=0, dim2=1):
    d1, d2 = _norm_dim(dim1, self.ndim, "diagonal"), _norm_dim(dim2, self.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 can't be the same dim ({dim1}, {dim2})")
    if not isinstance(offset, (int, np.integer)) or isinstance(offset, bool):
        raise TypeError(f"diagonal: offset must be an int, got {offset!r}")
    offset = int(offset)
    if not (self._requires_grad and _gstate["enabled"]):  # no graph: a plain view, as torch's
        return _plain_view(Tensor._wrap(M.diagonal_view(self._data, offset, d1, d2)), self, M.Diagonal,
                           offset=offset, dim1=d1, dim2=d2)
    return _as_view(M.Diagonal.apply(self, offset=offset, dim1=d1, dim2=d2), self)


@_method
def diag(self, diagonal=0):
    if type(diagonal) is not int:
        diagonal = _int_arg(diagonal, "diag", "diagonal")
    if self.ndim == 2:
        return self.diagonal(diagonal).clone()  # torch.diag copies, unlike diagonal
    if self.ndim != 1:
        raise RuntimeError(f"diag: expects a 1-D or 2-D tensor, got shape {self.shape}")
    return self.diag_embed(diagonal, 0, 1)  # zeros off the diagonal (no inf or NaN leaks); saves no tensor


@_method
def diag_embed(self, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (offset) over dim1, dim2 hold self's last dim; zeros elsewhere."""
    n = self.ndim + 1
    d1, d2 = _norm_dim(dim1, n, "diag_embed"), _norm_dim(dim2, n, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 can't be the same dim ({dim1}, {dim2})")
    size = (self.shape[-1] if self.ndim else 1) + abs(offset)
    rest = iter(self.shape[:-1])
    shape = tuple(size if i in (d1, d2) else next(rest) for i in range(n))
    return M.DiagEmbed.apply(self.reshape(1) if self.ndim == 0 else self, shape=shape, offset=offset, dim1=d1, dim2=d2)


@_method
def trace(self):
    if self.ndim != 2:
        raise RuntimeError(f"trace: expects a 2-D tensor, got shape {self.shape}")
    if self._data.dtype.kind == "b":
        raise NotImplementedError(f"trace: not implemented for bool tensors (shape {self.shape}), as torch")
    return self.diagonal().sum()._named("TraceBackward0")


@_method
def repeat_interleave(self, repeats=None, dim=None, output_size=None):
    """Each element `repeats` times in a row along dim (the flattened tensor when dim is None).
    With repeats alone (torch.repeat_interleave(r)): each index i, r[i] times."""
    if repeats is None:
        if self.ndim > 1 or self.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: repeats must be a 0-d or 1-d integer tensor, got {self.dtype} "
                               f"of shape {self.shape}")
        return Tensor._wrap(on_device_of(self._data, np.arange(self.numel(), dtype=np.int64))).repeat_interleave(
            self.reshape(-1))
    x, d = (self.reshape(-1), 0) if dim is None else (self, _norm_dim(dim, self.ndim, "repeat_interleave"))
    r = to_host(repeats._data) if isinstance(repeats, Tensor) else np.asarray(repeats)  # the sizes: a host read
    if r.shape == (1,):  # torch broadcasts a one-element repeats tensor
        r = r.reshape(())
    if r.ndim and r.size != x.shape[d] or np.any(r < 0):
        raise RuntimeError(f"repeat_interleave: repeats {r.tolist()} must be non-negative and match dim {d} "
                           f"of shape {x.shape}")
    idx = np.repeat(np.arange(x.shape[d]), r)
    return x[(slice(None),) * d + (Tensor._wrap(on_device_of(x._data, idx)),)]


def _bool_mask(self, mask, op):
    """mask's array, checked to be bool, and the shape it and self broadcast to (masked_fill/select/scatter)."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"{op}: expected a bool mask, got {m.dtype}")
    try:
        return m, np.broadcast_shapes(self.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"{op}: mask of shape {m.shape} can't be broadcast with shape {self.shape}") from None


@_method
def masked_fill(self, mask, value):
    m, shape = _bool_mask(self, mask, "masked_fill")
    x = self if shape == self.shape else self.expand(shape)  # out of place, torch broadcasts self with the mask
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill: value must be a 0-dim tensor, got shape {value.shape}")
        if value.requires_grad and _gstate["enabled"]:  # the value gets the gradient of the places it fills
            return where(Tensor._wrap(m), value._cast(self.dtype), x)
        value = value.item()
    d = self._data.dtype
    if d.kind != "f" or d.itemsize < 4 or isinstance(value, (complex, np.complexfloating)):
        value = _fill_value(value, d, "masked_fill")  # float32/64 take any real Python number as it is
    return I.MaskedFill.apply(x, Tensor._wrap(m), value=value)


# ---- windows, flat views and index splits ---------------------------------------------------------------
@_method
def unfold(self, dimension, size, step):
    """Windows of `size` elements every `step` along dimension, as a view: that dim becomes the window count and a
    new last dim holds each window (torch's Tensor.unfold; F.unfold is the im2col one)."""
    if self.ndim == 0:  # torch: a 0-d tensor unfolds as a one-element 1-D one
        _norm_dim(dimension, 0, "unfold")
        return self.reshape(1).unfold(0, size, step)[0]
    d = _norm_dim(dimension, self.ndim, "unfold")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if size > self.shape[d]:
        raise RuntimeError(f"unfold: maximum size for dimension {d} of shape {self.shape} is {self.shape[d]} "
                           f"but size is {size}")
    if not (self._requires_grad and _gstate["enabled"]):  # no graph: a plain view, as torch's
        return _plain_view(Tensor._wrap(M.unfold_view(self._data, d, size, step)), self, M.Unfold, axis=d, size=size,
                           step=step)
    return _as_view(M.Unfold.apply(self, axis=d, size=size, step=step), self)


@_method
def storage_offset(self):
    """Elements between the start of the memory this tensor views and its first element, as torch's."""
    a = self._data
    if type(a) is not np.ndarray:  # cupy: its own memory pointer and offset
        return (a.data.ptr - a.data.mem.ptr) // a.itemsize
    from .tensor_storage import _root  # the outermost array a views (loaded on first use, as storage())
    return (a.__array_interface__["data"][0] - _root(a).__array_interface__["data"][0]) // a.itemsize


@_method
def data_ptr(self):
    """The address of the first element: equal for two tensors that view the same start of memory."""
    a = self._data
    return a.__array_interface__["data"][0] if type(a) is np.ndarray else a.data.ptr


def _matrix_adjoint(self, op):
    if self.ndim == 0:  # torch: deprecated on 0-d, the (real) tensor itself
        return self
    if self.ndim < 2:
        raise RuntimeError(f"{op}: is only supported on matrices or batches of matrices, got shape {self.shape}")
    t = self.transpose(-2, -1)
    return t.conj() if self._data.dtype.kind == "c" else t  # real dtypes: the conjugate is the tensor itself


Tensor.mH = property(lambda self: _matrix_adjoint(self, "mH"))
Tensor.adjoint = lambda self: _matrix_adjoint(self, "adjoint")


def _h(self):
    if self.ndim not in (0, 2):
        raise RuntimeError(f"H: is only supported on matrices (2-D tensors), got shape {self.shape}; for batches of "
                           f"matrices use .mH")
    return self.T.conj() if self._data.dtype.kind == "c" else self.T


Tensor.H = property(_h)


@_method
def ravel(self):
    return self.contiguous().view(-1)  # torch: a view only of a contiguous tensor, else a copy
