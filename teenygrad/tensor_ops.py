"""Tensor methods for math, reductions, movement, indexing and products. Each checks its arguments
(errors name the op and the values) and applies one Function from teenygrad.ops."""
import builtins
import numpy as np
from . import dtype as dt
from .autograd import grad_mode
from .ops import elementwise as E, reduce as R, movement as M, index as I, matmul as MM
from .tensor import (Tensor, _norm_dim, _norm_dims, _shape_arg, _arr, _max_t, _min_t, _sort_t, _topk_t,
                     _check_same_device)
from .random import rng_of

_gstate = grad_mode._state


def _method(fn):
    setattr(Tensor, fn.__name__, fn)
    return fn


# ---- elementwise math -------------------------------------------------------------------------------
def _float_unary(name, fn_cls):
    def op(self):
        x = self if dt.is_floating(self.dtype) else self._cast(dt._default_float)
        return fn_cls.apply(x)
    op.__name__ = name
    op.__doc__ = fn_cls.__doc__
    setattr(Tensor, name, op)


for _name, _cls in [("exp", E.Exp), ("log", E.Log), ("log2", E.Log2), ("log10", E.Log10), ("log1p", E.Log1p),
                    ("expm1", E.Expm1), ("sqrt", E.Sqrt), ("rsqrt", E.Rsqrt), ("sin", E.Sin), ("cos", E.Cos),
                    ("tanh", E.Tanh), ("sigmoid", E.Sigmoid), ("silu", E.Silu), ("reciprocal", E.Reciprocal)]:
    _float_unary(_name, _cls)


def _inplace_variant(name):
    def op(self, *args, **kwargs):
        return self._inplace(getattr(self._pre_inplace(), name)(*args, **kwargs), name + "_")
    op.__name__ = name + "_"
    setattr(Tensor, name + "_", op)


for _name in ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "neg", "abs", "reciprocal"]:
    _inplace_variant(_name)


@_method
def relu(self):
    return E.Relu.apply(self)


@_method
def gelu(self, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return E.Gelu.apply(self._float_operand(), approximate=approximate)


@_method
def softplus(self, beta=1.0, threshold=20.0):
    return E.Softplus.apply(self._float_operand(), beta=beta, threshold=threshold)


@_method
def abs(self):
    return E.Abs.apply(self) if self.requires_grad else Tensor._wrap(np.abs(self._data))


@_method
def sign(self):
    return Tensor._wrap(np.sign(self._data)) if not self.requires_grad else self * 0 + Tensor._wrap(
        np.sign(self._data))


@_method
def square(self):
    return self * self


@_method
def clamp(self, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = min if isinstance(min, Tensor) else Tensor(np.asarray(-np.inf if min is None else min, self.dtype))
        hi = max if isinstance(max, Tensor) else Tensor(np.asarray(np.inf if max is None else max, self.dtype))
        return E.ClampT.apply(self, lo._cast(self.dtype), hi._cast(self.dtype))
    x = self
    if not dt.is_floating(self.dtype) and any(isinstance(v, builtins.float) for v in (min, max)):
        x = self._cast(dt._default_float)
    lo = None if min is None else x.dtype.type(min)
    hi = None if max is None else x.dtype.type(max)
    return E.Clamp.apply(x, lo=lo, hi=hi)


Tensor.clip = Tensor.clamp


@_method
def maximum(self, other):
    a, b = self._other(other, "maximum")
    return E.Maximum.apply(a, b)


@_method
def minimum(self, other):
    a, b = self._other(other, "minimum")
    return E.Minimum.apply(a, b)


def where(condition, x, y):
    """where(c, x, y): x where c is true else y; x and y broadcast and promote like a binary op."""
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {c.dtype}")
    if not isinstance(x, Tensor):
        if not isinstance(y, Tensor):
            x = Tensor(x)
        else:
            y, x = y._other(x, "where")
            return E.Where.apply(Tensor._wrap(c), x, y)
    x, y = x._other(y, "where")
    try:
        np.broadcast_shapes(c.shape, x.shape, y.shape)
    except ValueError:
        raise RuntimeError(f"where: shapes of condition {c.shape}, x {x.shape} and y {y.shape} "
                           "can't be broadcast together") from None
    return E.Where.apply(Tensor._wrap(c), x, y)


@_method
def where_(self, condition, other):
    return where(condition, self, other)


Tensor.where = lambda self, condition, other: where(condition, self, other)


# ---- reductions -------------------------------------------------------------------------------------
def _dims(self, dim, axis, op):
    return _norm_dims(axis if dim is None else dim, self.ndim, op)


@_method
def sum(self, dim=None, keepdim=False, dtype=None, axis=None):
    x = self
    if dtype is not None:
        x = x._cast(dt.to_dtype(dtype))
    elif x.dtype.kind in "biu":
        x = x._cast(dt.int64)
    return R.Sum.apply(x, axis=_dims(self, dim, axis, "sum"), keepdim=keepdim)


@_method
def mean(self, dim=None, keepdim=False, dtype=None, axis=None):
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if not dt.is_floating(x.dtype):
        raise RuntimeError(f"mean: could not infer output dtype. Input dtype must be floating point, got {x.dtype}")
    return R.Mean.apply(x, axis=_dims(self, dim, axis, "mean"), keepdim=keepdim)


@_method
def prod(self, dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if x.dtype.kind in "biu" and dtype is None:
        x = x._cast(dt.int64)
    if dim is None:
        out = R.Prod.apply(x.reshape(-1), axis=(0,), keepdim=False)
        return out.reshape([1] * self.ndim) if keepdim else out
    return R.Prod.apply(x, axis=_dims(self, dim, None, "prod"), keepdim=keepdim)


def _check_nonempty(self, axes, op):
    if any(self.shape[a] == 0 for a in axes) or (not axes and self.numel() == 0):
        raise IndexError(f"{op}: cannot reduce over a zero-size dimension of a tensor of shape {self.shape}")


@_method
def amax(self, dim=None, keepdim=False):
    axes = _norm_dims(dim if dim != () else None, self.ndim, "amax")
    _check_nonempty(self, axes, "amax")
    return R.AMax.apply(self, axis=axes, keepdim=keepdim)


@_method
def amin(self, dim=None, keepdim=False):
    axes = _norm_dims(dim if dim != () else None, self.ndim, "amin")
    _check_nonempty(self, axes, "amin")
    return R.AMin.apply(self, axis=axes, keepdim=keepdim)


def _max_min(self, dim, keepdim, other, axis, name):
    if isinstance(dim, Tensor) or other is not None:
        return (self.maximum if name == "max" else self.minimum)(dim if other is None else other)
    dim = axis if dim is None else dim
    if dim is None:
        return self.amax() if name == "max" else self.amin()
    d = _norm_dim(dim, self.ndim, name)
    _check_nonempty(self, (d,) if self.ndim else (), name)
    fn = R.MaxDim if name == "max" else R.MinDim
    if self.ndim == 0:
        return (_max_t if name == "max" else _min_t)(self, Tensor._wrap(np.zeros((), np.int64)))
    values = fn.apply(self, axis=d, keepdim=keepdim)
    arg = (np.argmax if name == "max" else np.argmin)(self._data, axis=d)
    indices = Tensor._wrap(np.expand_dims(arg, d) if keepdim else arg)
    return (_max_t if name == "max" else _min_t)(values, indices)


@_method
def max(self, dim=None, keepdim=False, other=None, axis=None):
    return _max_min(self, dim, keepdim, other, axis, "max")


@_method
def min(self, dim=None, keepdim=False, other=None, axis=None):
    return _max_min(self, dim, keepdim, other, axis, "min")


@_method
def argmax(self, dim=None, keepdim=False):
    if dim is None:
        _check_nonempty(self, (), "argmax")
        out = np.asarray(np.argmax(self._data))
        return Tensor._wrap(out.reshape([1] * self.ndim) if keepdim else out)
    return self.max(dim, keepdim).indices


@_method
def argmin(self, dim=None, keepdim=False):
    if dim is None:
        _check_nonempty(self, (), "argmin")
        out = np.asarray(np.argmin(self._data))
        return Tensor._wrap(out.reshape([1] * self.ndim) if keepdim else out)
    return self.min(dim, keepdim).indices


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased in (None, True) else 0


@_method
def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
    if isinstance(unbiased, builtins.bool) is False and unbiased is not None and dim is None:
        dim, unbiased = unbiased, None
    if not dt.is_floating(self.dtype):
        raise RuntimeError(f"var: expected a floating point tensor, got {self.dtype}")
    return R.Var.apply(self, axis=_norm_dims(dim, self.ndim, "var"), correction=_correction(unbiased, correction),
                       keepdim=keepdim)


@_method
def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
    return self.var(dim, unbiased, keepdim, correction).sqrt()


@_method
def logsumexp(self, dim, keepdim=False):
    return R.LogSumExp.apply(self._float_operand(), axis=_norm_dims(dim, self.ndim, "logsumexp"), keepdim=keepdim)


@_method
def softmax(self, dim, dtype=None):
    x = self._float_operand() if dtype is None else self._cast(dt.to_dtype(dtype))
    if x.ndim == 0:
        return x.reshape(1).softmax(0).reshape(())
    return R.Softmax.apply(x, axis=_norm_dim(dim, self.ndim, "softmax"))


@_method
def log_softmax(self, dim, dtype=None):
    x = self._float_operand() if dtype is None else self._cast(dt.to_dtype(dtype))
    if x.ndim == 0:
        return x.reshape(1).log_softmax(0).reshape(())
    return R.LogSoftmax.apply(x, axis=_norm_dim(dim, self.ndim, "log_softmax"))


@_method
def cumsum(self, dim, dtype=None):
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if dtype is None and x.dtype.kind in "biu":
        x = x._cast(dt.int64)
    if x.ndim == 0:
        return x.clone()
    return R.Cumsum.apply(x, axis=_norm_dim(dim, self.ndim, "cumsum"))


@_method
def all(self, dim=None, keepdim=False):
    return Tensor._wrap(np.all(self._data, axis=_norm_dims(dim, self.ndim, "all"), keepdims=keepdim))


@_method
def any(self, dim=None, keepdim=False):
    return Tensor._wrap(np.any(self._data, axis=_norm_dims(dim, self.ndim, "any"), keepdims=keepdim))


@_method
def count_nonzero(self, dim=None):
    return Tensor._wrap(np.asarray(np.count_nonzero(self._data, axis=_norm_dims(dim, self.ndim, "count_nonzero")),
                                   dtype=np.int64))


@_method
def norm(self, p=2, dim=None, keepdim=False):
    if p == 2 or p == "fro":
        return (self * self).sum(dim, keepdim).sqrt()
    if p == 1:
        return self.abs().sum(dim, keepdim)
    if p == float("inf"):
        return self.abs().amax(dim, keepdim)
    return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)


# ---- movement ---------------------------------------------------------------------------------------
def _infer_shape(shape, size, op):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got shape {tuple(shape)}")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension in {tuple(shape)}")
    if -1 in shape:
        rest = int(np.prod([s for s in shape if s != -1]))
        if rest == 0 or size % rest:
            raise RuntimeError(f"{op}: shape {tuple(shape)} is invalid for input of size {size}")
        shape[shape.index(-1)] = size // rest
    if int(np.prod(shape)) != size:
        raise RuntimeError(f"{op}: shape {tuple(shape)} is invalid for input of size {size}")
    return tuple(shape)


@_method
def reshape(self, *shape):
    shape = _infer_shape(_shape_arg(shape), self._data.size, "reshape")
    return self if shape == self.shape else M.Reshape.apply(self, shape=shape)


@_method
def view(self, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, np.integer)):
        return Tensor._wrap(self._data.view(dt.to_dtype(shape[0])))
    shape = _infer_shape(_shape_arg(shape), self._data.size, "view")
    try:
        np.reshape(self._data, shape, copy=False)
    except ValueError:
        raise RuntimeError(f"view: size {tuple(shape)} is not compatible with the input's size and stride "
                           f"(shape {self.shape}, strides {self.stride()}); use .reshape(...) instead") from None
    return self if shape == self.shape else M.Reshape.apply(self, shape=shape)


@_method
def view_as(self, other):
    return self.view(other.shape)


@_method
def reshape_as(self, other):
    return self.reshape(other.shape)


@_method
def permute(self, *dims):
    dims = _shape_arg(dims) if dims and not isinstance(dims[0], (list, tuple)) or dims else dims
    dims = tuple(_norm_dim(d, self.ndim, "permute") for d in _shape_arg(dims)) if self.ndim else ()
    if sorted(dims) != list(range(self.ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the {self.ndim} dims of shape {self.shape}")
    return self if dims == tuple(range(self.ndim)) else M.Permute.apply(self, order=dims)


@_method
def transpose(self, dim0, dim1):
    if self.ndim < 2 and self.ndim == 0:
        return self
    d0, d1 = _norm_dim(dim0, self.ndim, "transpose"), _norm_dim(dim1, self.ndim, "transpose")
    order = list(range(self.ndim))
    order[d0], order[d1] = order[d1], order[d0]
    return self.permute(order)


Tensor.swapaxes = Tensor.transpose


@_method
def t(self):
    if self.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but got shape {self.shape}")
    return self.transpose(0, 1) if self.ndim == 2 else self


@_method
def expand(self, *sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({self.ndim})")
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
    return self if shape == self.shape else M.Expand.apply(self, shape=shape)


@_method
def expand_as(self, other):
    return self.expand(other.shape)


@_method
def broadcast_to(self, shape):
    return self.expand(shape)


@_method
def squeeze(self, dim=None):
    if dim is None:
        shape = tuple(s for s in self.shape if s != 1)
    else:
        dims = _norm_dims(dim, self.ndim, "squeeze")
        shape = tuple(s for i, s in enumerate(self.shape) if not (i in dims and s == 1))
    return self.reshape(shape)


@_method
def unsqueeze(self, dim):
    d = _norm_dim(dim, self.ndim + 1, "unsqueeze")
    return self.reshape(self.shape[:d] + (1,) + self.shape[d:])


@_method
def flatten(self, start_dim=0, end_dim=-1):
    if self.ndim == 0:
        return self.reshape(1)
    s, e = _norm_dim(start_dim, self.ndim, "flatten"), _norm_dim(end_dim, self.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim}")
    return self.reshape(self.shape[:s] + (-1 if self.numel() else 0,) + self.shape[e + 1:]) if self.numel() else \
        self.reshape(self.shape[:s] + (int(np.prod(self.shape[s:e + 1])),) + self.shape[e + 1:])


@_method
def unflatten(self, dim, sizes):
    d = _norm_dim(dim, self.ndim, "unflatten")
    sizes = _infer_shape(sizes, self.shape[d], "unflatten")
    return self.reshape(self.shape[:d] + sizes + self.shape[d + 1:])


@_method
def flip(self, *dims):
    dims = _norm_dims(_shape_arg(dims), self.ndim, "flip")
    return M.Flip.apply(self, axis=dims)


@_method
def roll(self, shifts, dims=None):
    if dims is None:
        return self.reshape(-1).roll(shifts, 0).reshape(self.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = _norm_dims(dims, self.ndim, "roll")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    return M.Roll.apply(self, shifts=shifts, axis=dims)


@_method
def repeat(self, *sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than the number of "
                           f"tensor dims ({self.ndim})")
    x = self.reshape((1,) * (len(sizes) - self.ndim) + self.shape)
    # (.., s, ..) -> (.., r, s, ..) by broadcasting, then merge r into s
    inter = []
    for r, s in zip(sizes, x.shape):
        inter += [1, s]
    big = []
    for r, s in zip(sizes, x.shape):
        big += [r, s]
    return x.reshape(inter).expand(big).reshape([r * s for r, s in zip(sizes, x.shape)])


@_method
def tril(self, diagonal=0):
    if self.ndim < 2:
        raise RuntimeError(f"tril: input tensor must have at least 2 dimensions, got shape {self.shape}")
    return M.Tri.apply(self, diagonal=diagonal, upper=False)


@_method
def triu(self, diagonal=0):
    if self.ndim < 2:
        raise RuntimeError(f"triu: input tensor must have at least 2 dimensions, got shape {self.shape}")
    return M.Tri.apply(self, diagonal=diagonal, upper=True)


@_method
def pad(self, pad, mode="constant", value=0.0):
    """torch.nn.functional.pad order: (last_lo, last_hi, second_last_lo, ...). Negative values crop."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported (only 'constant')")
    if len(pad) % 2 or len(pad) // 2 > self.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} must be even and at most 2 * ndim ({2 * self.ndim})")
    pads = [(0, 0)] * self.ndim
    for i in range(len(pad) // 2):
        pads[self.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    for (b, a), s in zip(pads, self.shape):
        if s + b + a < 0:
            raise RuntimeError(f"pad: padding {tuple(pad)} gives a negative size for shape {self.shape}")
    return M.Pad.apply(self, pads=tuple(pads), value=value)


@_method
def shrink(self, arg):
    """tinygrad: keep [start, end) per dim (None keeps the whole dim)."""
    if len(arg) != self.ndim:
        raise RuntimeError(f"shrink: need one (start, end) or None per dim, got {len(arg)} for shape {self.shape}")
    return self[tuple(slice(None) if a is None else slice(a[0], a[1]) for a in arg)]


@_method
def split(self, split_size_or_sections, dim=0):
    d = _norm_dim(dim, self.ndim, "split")
    n = self.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n:
            raise RuntimeError(f"split: split_size must be positive, got {s}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split: split sizes {sizes} don't sum to the size {n} of dim {dim} of shape {self.shape}")
    out, start = [], 0
    for s in sizes:
        idx = [slice(None)] * self.ndim
        idx[d] = slice(start, start + s)
        out.append(self[tuple(idx)])
        start += s
    return tuple(out)


@_method
def chunk(self, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    n = self.shape[_norm_dim(dim, self.ndim, "chunk")]
    return self.split(max(-(-n // chunks), 1), dim)


@_method
def unbind(self, dim=0):
    d = _norm_dim(dim, self.ndim, "unbind")
    return tuple(t.squeeze(d) for t in self.split(1, d))


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat: expected a non-empty list of tensors")
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]  # torch skips 1-D empties
    ref = tensors[0]
    d = _norm_dim(dim, ref.ndim, "cat")
    rt = ref.dtype
    for t in tensors[1:]:
        _check_same_device(ref, t, "cat")
        if t.ndim != ref.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, ref.shape)) if i != d):
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {d}; got {ref.shape} and {t.shape}")
        rt = dt.result_type(rt, 1, t.dtype, 1)
    tensors = [t._cast(rt) for t in tensors]
    return M.Cat.apply(*tensors, axis=d)


concat = concatenate = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of tensors")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got {tensors[0].shape} and {t.shape}")
    d = _norm_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([t.unsqueeze(d) for t in tensors], d)


@_method
def masked_fill(self, mask, value):
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got {m.dtype}")
    try:
        if np.broadcast_shapes(self.shape, m.shape) != self.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"masked_fill: mask of shape {m.shape} can't be broadcast to shape {self.shape}") from None
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill: value must be a 0-dim tensor, got shape {value.shape}")
        value = value.item()
    if not dt.is_floating(self.dtype) and isinstance(value, builtins.float) and not builtins.float(value).is_integer():
        raise RuntimeError(f"masked_fill: value {value} can't be cast to the tensor's dtype {self.dtype}")
    return I.MaskedFill.apply(self, Tensor._wrap(m), value=value)


# ---- products ---------------------------------------------------------------------------------------
@_method
def matmul(self, other):
    if not isinstance(other, Tensor):
        other = Tensor(other)
    _check_same_device(self, other, "matmul")
    if self.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need to be at least 1D, got shapes {self.shape} and {other.shape}")
    if self.dtype != other.dtype:
        raise RuntimeError(f"matmul: expected both operands to have the same dtype, got {self.dtype} and {other.dtype}")
    k1 = self.shape[-1]
    k2 = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k1 != k2:
        raise RuntimeError(f"matmul: shapes {self.shape} and {other.shape} cannot be multiplied ({k1} != {k2})")
    try:
        np.broadcast_shapes(self.shape[:-2], other.shape[:-2])
    except ValueError:
        raise RuntimeError(f"matmul: batch dims of {self.shape} and {other.shape} can't be broadcast") from None
    return MM.Matmul.apply(self, other)


Tensor.mm = Tensor.bmm = Tensor.matmul


@_method
def dot(self, other):
    if self.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
    return self.matmul(other)


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    if "." in eq:
        raise NotImplementedError(f"einsum: ellipsis is not supported ({equation!r})")
    ins, _, out = eq.partition("->")
    ins = ins.split(",")
    if len(ins) != len(operands):
        raise ValueError(f"einsum: equation {equation!r} names {len(ins)} operands, got {len(operands)}")
    for sub, t in zip(ins, operands):
        if len(sub) != t.ndim:
            raise ValueError(f"einsum: subscript {sub!r} has {len(sub)} letters but the operand has shape {t.shape}")
    if not _:
        letters = "".join(ins)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    rt = operands[0].dtype
    for t in operands[1:]:
        rt = dt.result_type(rt, 1, t.dtype, 1)
    return MM.Einsum.apply(*[t._cast(rt) for t in operands], ins=tuple(ins), out=out)


# ---- indexing ---------------------------------------------------------------------------------------
def _index_part(i, op):
    if isinstance(i, Tensor):
        a = i._data if type(i._data) is np.ndarray else i._data.get()
    elif isinstance(i, range):
        return np.arange(i.start, i.stop, i.step, dtype=np.int64)
    elif isinstance(i, (list, np.ndarray)):
        a = np.asarray(i)
        if a.dtype.kind == "f" or (a.dtype == object):
            raise IndexError(f"{op}: tensors used as indices must be long, int, byte or bool, got {a.dtype}")
        if a.size == 0 and isinstance(i, list):
            a = a.astype(np.int64)
    elif isinstance(i, (builtins.bool, np.bool_)):
        return i
    elif isinstance(i, (int, np.integer)):
        return int(i)
    elif i is None or i is Ellipsis or isinstance(i, slice):
        if isinstance(i, slice) and i.step is not None and i.step <= 0:
            raise ValueError(f"{op}: step must be greater than zero, got {i.step}")
        return i
    else:
        raise IndexError(f"{op}: unsupported index of type {type(i).__name__}")
    if a.dtype.kind not in "biu":
        raise IndexError(f"{op}: tensors used as indices must be long, int, byte or bool, got {a.dtype}")
    return a


def _norm_index(self, index, op):
    if not isinstance(index, tuple):
        index = (index,)
    index = tuple(_index_part(i, op) for i in index)
    return index


def _index_error(self, index, e, op):
    desc = ", ".join(f"array{tuple(i.shape)}" if isinstance(i, np.ndarray) else repr(i) for i in index)
    return IndexError(f"{op}: index [{desc}] is invalid for a tensor of shape {self.shape}: {e}")


def _getitem(self, index):
    index = _norm_index(self, index, "getitem")
    try:
        out = self._data[index]
    except IndexError as e:
        raise _index_error(self, index, e, "getitem") from None
    if not (self.requires_grad and _gstate["enabled"]):
        return Tensor._wrap(out if isinstance(out, np.ndarray) or type(out) is type(self._data)
                            else np.asarray(out))
    return I.GetItem.apply(self, index=index)


Tensor.__getitem__ = _getitem


def _setitem(self, index, value):
    index = _norm_index(self, index, "setitem")
    if isinstance(value, Tensor):
        _check_same_device(self, value, "setitem")
    v = value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value, dtype=self.dtype))
    try:
        target_shape = self._data[index].shape
        np.broadcast_shapes(target_shape, v.shape)
        if np.broadcast_shapes(target_shape, v.shape) != target_shape:
            raise ValueError
    except IndexError as e:
        raise _index_error(self, index, e, "setitem") from None
    except ValueError:
        raise RuntimeError(f"setitem: value of shape {v.shape} can't be broadcast to the indexed shape "
                           f"{self._data[index].shape}") from None
    if _gstate["enabled"] and (self.requires_grad or v.requires_grad):
        if self._ctx is None and self.requires_grad:
            raise RuntimeError("setitem: a leaf Variable that requires grad is being used in an in-place operation")
        out = I.SetItem.apply(self._pre_inplace(), v._cast(self.dtype), index=index)
        self._data, self._ctx, self.requires_grad = out._data, out._ctx, True
        return
    self._data[index] = v._data


Tensor.__setitem__ = _setitem


def _check_index_tensor(index, op):
    if not isinstance(index, Tensor):
        index = Tensor(index)
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected an integer index tensor, got {index.dtype}")
    return index


@_method
def gather(self, dim, index):
    index = _check_index_tensor(index, "gather")
    d = _norm_dim(dim, self.ndim, "gather")
    if index.ndim != self.ndim:
        raise RuntimeError(f"gather: index {index.shape} and input {self.shape} must have the same number of dims")
    for i, (a, b) in enumerate(zip(index.shape, self.shape)):
        if i != d and a > b:
            raise RuntimeError(f"gather: size of index {index.shape} exceeds input {self.shape} at dim {i}")
    ix = index._data
    if ix.size and (ix.min() < -self.shape[d] or ix.max() >= self.shape[d]):
        raise IndexError(f"gather: index {int(ix.max()) if ix.max() >= self.shape[d] else int(ix.min())} "
                         f"is out of bounds for dim {d} with size {self.shape[d]}")
    sl = tuple(slice(0, s) if i != d else slice(None) for i, s in enumerate(index.shape))
    x = self[sl] if any(a < b for i, (a, b) in enumerate(zip(index.shape, self.shape)) if i != d) else self
    return I.Gather.apply(x, index=ix % self.shape[d] if ix.size else ix, axis=d)


def _scatter(self, dim, index, src, reduce, op):
    index = _check_index_tensor(index, op)
    d = _norm_dim(dim, self.ndim, op)
    ix = index._data
    if index.ndim != self.ndim:
        raise RuntimeError(f"{op}: index {index.shape} and self {self.shape} must have the same number of dims")
    if ix.size and (ix.min() < -self.shape[d] or ix.max() >= self.shape[d]):
        raise IndexError(f"{op}: index {int(ix.max())} is out of bounds for dim {d} with size {self.shape[d]}")
    if not isinstance(src, Tensor):
        src = Tensor._wrap(np.asarray(src, dtype=self.dtype))
    elif src.ndim and any(a > b for a, b in zip(index.shape, src.shape)):
        raise RuntimeError(f"{op}: index {index.shape} is larger than src {src.shape}")
    return I.Scatter.apply(self, src._cast(self.dtype), idx=ix % self.shape[d] if ix.size else ix, axis=d,
                           reduce=reduce)


@_method
def scatter(self, dim, index, src=None, value=None, reduce=None):
    if reduce not in (None, "add"):
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported (None or 'add')")
    return _scatter(self, dim, index, value if src is None else src, reduce, "scatter")


@_method
def scatter_add(self, dim, index, src):
    return _scatter(self, dim, index, src, "add", "scatter_add")


@_method
def index_select(self, dim, index):
    index = _check_index_tensor(index, "index_select")
    if index.ndim > 1:
        raise IndexError(f"index_select: index must be 0-D or 1-D, got shape {index.shape}")
    d = _norm_dim(dim, self.ndim, "index_select")
    return self[(slice(None),) * d + (index.reshape(-1),)]


# ---- sorting and sampling ---------------------------------------------------------------------------
@_method
def sort(self, dim=-1, descending=False, stable=False):
    d = _norm_dim(dim, self.ndim, "sort")
    a = self._data
    idx = np.argsort(-a if descending and a.dtype.kind in "fi" else a, axis=d, kind="stable")
    if descending and a.dtype.kind not in "fi":
        idx = np.flip(np.argsort(a, axis=d, kind="stable"), d)
    idx_t = Tensor._wrap(np.ascontiguousarray(idx).astype(np.int64))
    return _sort_t(self.gather(d, idx_t) if self.ndim else self.clone(), idx_t)


@_method
def argsort(self, dim=-1, descending=False, stable=False):
    return self.sort(dim, descending, stable).indices


@_method
def topk(self, k, dim=-1, largest=True, sorted=True):
    d = _norm_dim(dim, self.ndim, "topk")
    n = self.shape[d] if self.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {d} of size {n}")
    idx = self.sort(d, descending=largest).indices
    idx = idx[(slice(None),) * d + (slice(0, k),)]
    return _topk_t(self.gather(d, idx), idx)


def multinomial(input, num_samples, replacement=False, generator=None):
    p = input._data.astype(np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    rows = p.reshape(-1, p.shape[-1])
    if np.any(rows.sum(-1) <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample {num_samples} (<= 0) samples")
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample ({num_samples}) > prob_dist.size(-1) "
                           f"({rows.shape[-1]}) samples without replacement")
    rng = rng_of(generator)
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for r, pr in enumerate(rows):
        if replacement:
            cdf = np.cumsum(pr)
            u = rng.random(num_samples) * cdf[-1]
            out[r] = np.minimum(np.searchsorted(cdf, u, side="right"), len(pr) - 1)
        else:
            nz = np.count_nonzero(pr)
            if num_samples > nz:
                raise RuntimeError(f"multinomial: only {nz} categories have nonzero probability, can't draw "
                                   f"{num_samples} without replacement")
            keys = np.where(pr > 0, np.log(rng.random(len(pr))) / np.where(pr > 0, pr, 1), -np.inf)
            out[r] = np.argsort(-keys, kind="stable")[:num_samples]  # exponential-race sampling
    return Tensor._wrap(out.reshape(num_samples) if p.ndim == 1 else out)


Tensor.multinomial = multinomial


def one_hot(tensor, num_classes=-1):
    if tensor.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: is only applicable to index tensors, got {tensor.dtype}")
    a = tensor._data
    if num_classes == -1:
        num_classes = int(a.max()) + 1 if a.size else 0
    if a.size and (a.min() < 0 or a.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got min {a.min()} max {a.max()}")
    return Tensor._wrap((a[..., None] == np.arange(num_classes)).astype(np.int64))


# the @_method names above shadow builtins inside this module; drop them so helpers here get the builtins
del sum, mean, prod, max, min, all, any, abs
