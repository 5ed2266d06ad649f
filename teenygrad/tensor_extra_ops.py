"""More of torch's Tensor methods: the inverse hyperbolic functions, torch's alias spellings (absolute, divide,
greater, ...) and in-place forms, integer ops (gcd, lcm, shifts), statistics (cov, corrcoef, nanquantile, msort),
vector products (inner, mv, vdot, addr), the random fills (random_, cauchy_, log_normal_, geometric_), put,
split_with_sizes, sum_to_size, resize_ and the storage queries (is_cpu, get_device, is_shared, ...).
Most are composites of existing differentiable ops; imported by teenygrad/__init__.py."""
import math
import warnings
import numpy as np
from . import dtype as dt
from ._arrays import on_device_of
from .ops import elementwise as E, extra as X
from .tensor import Tensor, _gstate, _norm_dim, _shape_arg, _shared_memory_error
from .tensor_inplace import _leaf_error
from .tensor_ops import _float_unary, _inplace_variant, _method
from .tensor_sort import _quantile


# ---- inverse hyperbolic functions and alias spellings ----------------------------------------------------
for _name, _cls in [("acosh", X.Acosh), ("asinh", X.Asinh), ("atanh", X.Atanh)]:
    _float_unary(_name, _cls)
Tensor.arccosh, Tensor.arcsinh, Tensor.arctanh = Tensor.acosh, Tensor.asinh, Tensor.atanh
Tensor.absolute, Tensor.fix = Tensor.abs, Tensor.trunc
Tensor.greater, Tensor.greater_equal, Tensor.less, Tensor.less_equal, Tensor.not_equal = (
    Tensor.gt, Tensor.ge, Tensor.lt, Tensor.le, Tensor.ne)


@_method
def divide(self, other, *, rounding_mode=None):
    return self.div(other, rounding_mode=rounding_mode)


@_method
def divide_(self, other, *, rounding_mode=None):
    if rounding_mode is None:
        return self.div_(other)
    return self._inplace(self._pre_inplace().div(other, rounding_mode=rounding_mode), "divide_")


def _cmp_inplace(name, fn):
    """x.eq_(y): the comparison written into x in x's dtype (1 or 0); no gradient reaches x's old value."""
    ordered = name not in ("eq", "ne")

    def op(self, other):
        a, b = self._pre_inplace()._other(other, name + "_")
        if ordered and a._data.dtype.kind == "c":  # numpy orders complex numbers lexicographically; torch refuses
            raise NotImplementedError(f"{name}_: not implemented for {a.dtype} (complex numbers have no ordering)")
        out = self._data.dtype
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise RuntimeError(f"{name}_: shapes {a.shape} and {b.shape} can't be broadcast together") from None
        return self._inplace(E.Piecewise.apply(a, b, fn=lambda x, y: fn(x, y).astype(out)), name + "_")
    op.__name__ = name + "_"
    setattr(Tensor, name + "_", op)


for _name, _fn in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                   ("gt", np.greater), ("ge", np.greater_equal)]:
    _cmp_inplace(_name, _fn)
Tensor.greater_, Tensor.greater_equal_, Tensor.less_, Tensor.less_equal_, Tensor.not_equal_ = (
    Tensor.gt_, Tensor.ge_, Tensor.lt_, Tensor.le_, Tensor.ne_)


# ---- integer ops ---------------------------------------------------------------------------------------
def _int_binary(name, fn):
    """gcd / lcm: integer tensors only (promoted as arithmetic promotes), no gradient."""
    def op(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}: other must be a Tensor, got {type(other).__name__}")
        a, b = self._other(other, name)
        if a.dtype.kind not in "iu":
            raise NotImplementedError(f"{name}: not implemented for {a.dtype} tensors (integers only)")
        try:
            return Tensor._wrap(fn(a._data, b._data))
        except ValueError:
            raise RuntimeError(f"{name}: shapes {a.shape} and {b.shape} can't be broadcast together") from None
    op.__name__ = name
    setattr(Tensor, name, op)


_int_binary("gcd", np.gcd)
_int_binary("lcm", np.lcm)


@_method
def bitwise_left_shift(self, other):
    """self * 2^other in self's integer type; shifts of the type's width or more (or negative ones) give 0."""
    return self._shift(other, np.left_shift, "bitwise_left_shift")


@_method
def bitwise_right_shift(self, other):
    """self // 2^other (arithmetic: the sign fills in); shifting all bits out gives 0 or -1."""
    return self._shift(other, np.right_shift, "bitwise_right_shift")


# ---- statistics ------------------------------------------------------------------------------------------
def _check_weights(w, name, n, integral):
    if not isinstance(w, Tensor):
        raise TypeError(f"cov: {name} must be a Tensor, got {type(w).__name__}")
    if w.ndim > 1:
        raise RuntimeError(f"cov: expected {name} to have one or fewer dimensions, got shape {w.shape}")
    if integral and w.dtype.kind not in "iu":
        raise RuntimeError(f"cov: expected {name} to have an integral dtype, got {w.dtype}")
    if not integral and not dt.is_floating(w.dtype):
        raise RuntimeError(f"cov: expected {name} to have a floating point dtype, got {w.dtype}")
    if w.numel() != n:
        raise RuntimeError(f"cov: expected {name} to have as many elements as there are observations ({n}), "
                           f"got {w.numel()}")
    if w.numel() and w._data.min() < 0:
        raise RuntimeError(f"cov: {name} cannot be negative, got min {w._data.min().item()}")


@_method
def cov(self, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows (variables) over the columns (observations), optionally weighted:
    sum_k w_k (x_ik - m_i)(x_jk - m_j) / (sum_k w_k - correction * sum_k w_k a_k / sum_k w_k) (numpy's cov)."""
    if self.ndim > 2:
        raise RuntimeError(f"cov: expected input to have two or fewer dimensions, got shape {self.shape}")
    if self.dtype.kind == "b":
        raise RuntimeError("cov: bool dtype is not supported for input")
    if not isinstance(correction, int):
        raise TypeError(f"cov: correction must be an int, got {type(correction).__name__}")
    x = self.reshape(1, -1) if self.ndim < 2 else self  # (vars, obs)
    x = x if x._data.dtype.kind == "c" else x._float_operand()
    n = x.shape[1]
    w = None
    if fweights is not None:
        _check_weights(fweights, "fweights", n, True)
        w = fweights.reshape(-1)
    if aweights is not None:
        _check_weights(aweights, "aweights", n, False)
        w = aweights.reshape(-1) if w is None else w * aweights.reshape(-1)
    if w is None:
        w_sum = n
        avg = x.mean(1)
        fact = n - correction
    else:
        w_sum = w.sum()
        if float(w_sum) == 0:
            raise RuntimeError("cov: weights sum to zero, can't be normalized")
        avg = (x * w).sum(1) / w_sum
        fact = (w_sum - correction * (w * aweights.reshape(-1)).sum() / w_sum if aweights is not None and correction
                else w_sum - correction)
    if float(fact) <= 0:
        warnings.warn("cov: degrees of freedom is <= 0; correction should be strictly less than the number of "
                      "observations", stacklevel=2)
        fact = fact - fact  # +0, so c / fact keeps c's sign (fact * 0 is -0 for a negative fact)
    xm = x - avg.unsqueeze(1)
    c = xm @ (xm if w is None else xm * w).T.conj()  # complex: x_i conj(x_j), as torch
    with np.errstate(divide="ignore", invalid="ignore"):
        return (c / fact).squeeze()


@_method
def corrcoef(self):
    """Pearson correlation of the rows: cov_ij / sqrt(cov_ii cov_jj), clipped to [-1, 1] (complex: the real and
    imaginary parts each, as torch)."""
    c = self.cov()
    with np.errstate(divide="ignore", invalid="ignore"):
        if c.ndim == 0:
            return c / c
        d = c.diagonal()
        sd = (d.real if d._data.dtype.kind == "c" else d).sqrt()
        r = c / sd.unsqueeze(1) / sd.unsqueeze(0)
        if r._data.dtype.kind == "c":
            from .tensor_complex import complex as _complex
            return _complex(r.real.clamp(-1, 1), r.imag.clamp(-1, 1))
        return r.clamp(-1, 1)


@_method
def msort(self):
    """The sorted values along dim 0."""
    return self.clone()._named("SortBackward0") if self.ndim == 0 else self.sort(0).values


@_method
def nanquantile(self, q, dim=None, keepdim=False, interpolation="linear"):
    """quantile over the non-NaN values of each slice (NaN where a slice has none)."""
    return _quantile(self, q, dim, keepdim, interpolation, "nanquantile", skip_nan=True)


@_method
def nextafter(self, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"nextafter: other must be a Tensor, got {type(other).__name__}")
    a, b = self._other(other, "nextafter")
    if not dt.is_floating(a.dtype):
        raise NotImplementedError(f"nextafter: not implemented for {a.dtype} tensors (floating point only)")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"nextafter: shapes {a.shape} and {b.shape} can't be broadcast together") from None
    return X.Nextafter.apply(a, b)


# ---- vector products -----------------------------------------------------------------------------------
def _same_dtype(a, b, op):
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: expected both inputs to have the same dtype, got {a.dtype} and {b.dtype}")


@_method
def inner(self, other):
    """Sum over the last dims: out[i..., j...] = sum_k self[i..., k] other[j..., k]; a 0-d input multiplies."""
    if self.ndim == 0 or other.ndim == 0:
        return self * other
    _same_dtype(self, other, "inner")
    if self.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: the last dimension must match on both inputs, got shapes {self.shape} and "
                           f"{other.shape}")
    if self.shape[-1] == 0:  # an empty sum (tensordot cannot reshape to (-1, 0)): zeros, by broadcasting
        return (self.reshape(self.shape[:-1] + (1,) * (other.ndim - 1) + (0,)) * other).sum(-1)
    from .tensor_linalg_misc import tensordot
    return tensordot(self, other, ([self.ndim - 1], [other.ndim - 1]))


@_method
def mv(self, vec):
    if self.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: expects a matrix and a vector, got shapes {self.shape} and {vec.shape}")
    if self.shape[1] != vec.shape[0]:
        raise RuntimeError(f"mv: size mismatch, matrix {self.shape} and vector {vec.shape}")
    _same_dtype(self, vec, "mv")
    return self @ vec


@_method
def vdot(self, other):
    """sum_i conj(self_i) other_i (the conjugate only matters for complex tensors)"""
    if self.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"vdot: expects 1-D tensors, got shapes {self.shape} and {other.shape}")
    _same_dtype(self, other, "vdot")
    if self.shape != other.shape:
        raise RuntimeError(f"vdot: expects vectors of the same size, got {self.shape[0]} and {other.shape[0]}")
    return (self.conj() if self._data.dtype.kind == "c" else self).dot(other)


@_method
def addr(self, vec1, vec2, *, beta=1, alpha=1):
    """beta * self + alpha * outer(vec1, vec2) (for bool: (beta and self) or (alpha and outer))."""
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: expects 1-D vec1 and vec2, got shapes {vec1.shape} and {vec2.shape}")
    shape = (vec1.shape[0], vec2.shape[0])
    try:
        ok = np.broadcast_shapes(self.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"addr: input of shape {self.shape} does not broadcast to the outer product's shape "
                           f"{shape}")
    if self.dtype.kind != "b" and (isinstance(beta, bool) or isinstance(alpha, bool)):
        raise RuntimeError("addr: boolean beta and alpha are only supported for bool input tensors")
    if self.dtype.kind == "b":
        for v, nm in ((beta, "beta"), (alpha, "alpha")):
            if isinstance(v, float):
                raise RuntimeError(f"addr: for integral input tensors, argument {nm} must not be a floating point "
                                   f"number, got {v}")
        return (self & bool(beta)).expand(shape) | ((vec1.unsqueeze(1) & vec2.unsqueeze(0)) & bool(alpha))
    if self.dtype.kind in "iu":
        for v, nm in ((beta, "beta"), (alpha, "alpha")):
            if isinstance(v, float):
                raise RuntimeError(f"addr: for integral input tensors, argument {nm} must not be a floating point "
                                   f"number, got {v}")
    from .tensor_linalg_misc import _scaled_add
    return _scaled_add(self, vec1.outer(vec2), beta, alpha, "addr")


# ---- in-place forms of existing ops ------------------------------------------------------------------
for _name in ["acosh", "asinh", "atanh", "gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift", "nextafter",
              "addr", "addmm", "addmv", "addbmm", "baddbmm", "deg2rad", "rad2deg", "put"]:
    _inplace_variant(_name)
Tensor.arccosh_, Tensor.arcsinh_, Tensor.arctanh_ = Tensor.acosh_, Tensor.asinh_, Tensor.atanh_
Tensor.arccos_, Tensor.arcsin_, Tensor.arctan_, Tensor.arctan2_ = (Tensor.acos_, Tensor.asin_, Tensor.atan_,
                                                                   Tensor.atan2_)
Tensor.absolute_, Tensor.fix_, Tensor.negative_ = Tensor.abs_, Tensor.trunc_, Tensor.neg_
Tensor.multiply_, Tensor.subtract_ = Tensor.mul_, Tensor.sub_
Tensor.__ilshift__, Tensor.__irshift__ = Tensor.bitwise_left_shift_, Tensor.bitwise_right_shift_


# ---- random fills --------------------------------------------------------------------------------------
def _fill_random(self, op, draw, generator, floating=True):
    """self <- draw(gen, n) (n host float64 or int64 values from a teenygrad.Generator, placed as torch's iterator
    visits self's memory), in self's memory (views' bases see it)."""
    from .random import gen_of, draw_like, cast_sample
    if floating and not dt.is_floating(self._data.dtype):
        raise RuntimeError(f"{op}: expects a floating point tensor (a continuous distribution), got {self.dtype}")
    if self._data.dtype.kind == "c":  # integers drawn into a complex tensor: torch has no such kernel
        raise RuntimeError(f"{op}: expects an integral, floating point or bool tensor, got {self.dtype}")
    if self.requires_grad and self._ctx is None and _gstate["enabled"]:
        raise _leaf_error(self, op)
    g = gen_of(generator)
    vals = draw_like(self.shape, self._data.strides, lambda n: draw(g, n))
    vals = on_device_of(self._data, cast_sample(vals, self._data.dtype))
    if self._ctx is not None and _gstate["enabled"]:  # a graph tensor: the old value gets zero gradient
        return self._inplace(E.Piecewise.apply(self._pre_inplace(), fn=lambda x: vals), op)
    try:
        self._data[...] = vals
    except ValueError:  # a read-only (expanded) array
        raise _shared_memory_error(op, self) from None
    self._mark_written()
    return self


def _random_bounds(self, args, kwargs):
    """random_() / random_(to) / random_(from, to) / random_(from=, to=): the half-open range [lo, hi)."""
    if len(args) > 2 or set(kwargs) - {"from", "to"}:
        raise TypeError(f"random_: expected (from, to), (to) or no bounds, got {args} and {kwargs}")
    lo, hi = (0, args[0]) if len(args) == 1 else (args + (None, None))[:2]
    lo, hi = kwargs.get("from", lo), kwargs.get("to", hi)
    lo = 0 if lo is None else lo
    for v in (lo, hi):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise TypeError(f"random_: from and to must be integers, got {v!r}")
    d = self._data.dtype
    if d.kind == "b":
        top = 1
    elif d.kind in "iu":
        top = int(np.iinfo(d).max)
    else:  # every integer up to 2^mantissa bits is exact in the float type
        top = 2 ** (np.finfo(d).nmant + 1) if d.kind == "f" else 2 ** 8  # bfloat16: 8 significant bits
    bounded = hi is not None
    hi = top + 1 if hi is None else hi
    if lo >= hi:
        raise RuntimeError(f"random_: expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    if d.kind in "fV" and (args or kwargs):
        from .random import float_random_bounds
        return float_random_bounds(lo, hi if bounded else None, d, "random_")
    if d.kind in "biu":
        low = 0 if d.kind == "b" else int(np.iinfo(d).min)
        if not low <= lo <= top:
            raise RuntimeError(f"random_: from={lo} is out of bounds for {self.dtype}")
        if not low <= hi - 1 <= top:
            raise RuntimeError(f"random_: to - 1 = {hi - 1} is out of bounds for {self.dtype}")
    return lo, hi


@_method
def random_(self, *args, generator=None, **kwargs):
    """Integers drawn uniformly from [from, to): by default [0, max of the dtype] ([0, 2^mantissa] for floats)."""
    lo, hi = _random_bounds(self, args, kwargs)
    wide = None if args or kwargs else self._data.dtype in (np.int64, np.float64)  # torch's random_(): by dtype
    return _fill_random(self, "random_", lambda g, n: g.randint(n, lo, hi, wide), generator, False)


@_method
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    if not sigma > 0:
        raise RuntimeError(f"cauchy_: expects sigma > 0.0, but found sigma={sigma}")
    return _fill_random(self, "cauchy_", lambda g, n: g.cauchy(n, median, sigma), generator)


@_method
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    if not std > 0:
        raise RuntimeError(f"log_normal_: expects std > 0.0, but found std={std}")
    return _fill_random(self, "log_normal_", lambda g, n: g.log_normal(n, mean, std), generator)


@_method
def geometric_(self, p, *, generator=None):
    """The number of Bernoulli(p) trials up to the first success: 1, 2, ..."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_: expects p to be in (0, 1), but got p={p}")
    if self.dtype.kind == "b":
        raise NotImplementedError("geometric_: not implemented for bool tensors")
    return _fill_random(self, "geometric_", lambda g, n: g.geometric(n, p), generator, False)


@_method
def bernoulli(self, p=None, *, generator=None):
    """1 with probability self[i] (or p), as torch.bernoulli(self, p)."""
    from .creation import bernoulli
    if p is None and not dt.is_floating(self.dtype):
        raise NotImplementedError(f"bernoulli: probabilities must be a floating point tensor, got {self.dtype}")
    return bernoulli(self, p, generator=generator)


# ---- indexing, splitting, sizes ------------------------------------------------------------------------
@_method
def put(self, index, source, accumulate=False):
    """self with source written at index, index counting through self as if it were flattened."""
    if index.dtype != np.int64:
        raise RuntimeError(f"put: expected an int64 (long) tensor for index, got {index.dtype}")
    if source.dtype != self.dtype:
        raise RuntimeError(f"put: self and source must have the same dtype, got {self.dtype} and {source.dtype}")
    if index.numel() != source.numel():
        raise IndexError(f"put: source and index must have the same number of elements, got {source.numel()} "
                         f"and {index.numel()}")
    n = self.numel()
    idx = np.asarray(index).reshape(-1)
    if idx.size and n == 0:
        raise IndexError("put: tried to put elements into an empty tensor")
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"put: index {bad[0]} is out of range for a tensor of {n} elements")
    flat = Tensor._wrap(on_device_of(self._data, np.where(idx < 0, idx + n, idx)))
    out = self.reshape(-1).index_put((flat,), source.reshape(-1), accumulate).reshape(self.shape)
    return out._named("PutBackward0")


@_method
def split_with_sizes(self, split_sizes, dim=0):
    sizes = list(split_sizes)
    d = _norm_dim(dim, self.ndim, "split_with_sizes")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes: expects non-negative split sizes, got {sizes}")
    if sum(sizes) != self.shape[d]:
        raise RuntimeError(f"split_with_sizes: expects split_sizes to sum exactly to {self.shape[d]} (the size of "
                           f"dim {dim} of shape {self.shape}), got {sizes}")
    return self.split(sizes, d)


@_method
def sum_to_size(self, *size):
    """Sum self down to `size`, which must broadcast (expand) to self's shape: the reverse of expand."""
    if not size:
        raise TypeError("sum_to_size: missing the size argument")
    size = _shape_arg(size)
    lead = self.ndim - len(size)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(size, self.shape[lead:])):
        raise RuntimeError(f"sum_to_size: size {size} is not expandable to size {tuple(self.shape)}")
    x = self.sum(tuple(range(lead))) if lead else self
    dims = tuple(i for i, (s, n) in enumerate(zip(size, x.shape)) if s == 1 and n != 1)
    return x.sum(dims, keepdim=True) if dims else x


def _storage(a):
    """(the 1-D buffer a's memory lies in, a's offset in it), as torch's storage: the array a is a view of, when
    a is a dense block of it; else a itself."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root is not a and root.flags.c_contiguous and root.dtype == a.dtype:
        off, rem = divmod(a.__array_interface__["data"][0] - root.__array_interface__["data"][0], a.itemsize)
        if rem == 0 and 0 <= off and off + a.size <= root.size:
            return root.reshape(-1), off
    return a.reshape(-1), 0


@_method
def resize_(self, *sizes, memory_format=None):
    """Reshape in place to `sizes`, contiguous, over the same memory: a smaller tensor shows the first elements
    of its storage (its base's, for a view), a larger one keeps them first and the rest is new (zeros here,
    uninitialized in torch)."""
    shape = _shape_arg(sizes)
    if self.requires_grad:
        raise RuntimeError("resize_: cannot resize tensors that require grad")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"resize_: trying to create a tensor with negative dimension: {shape}")
    if shape == tuple(self.shape):
        return self
    a = self._data
    if type(a) is not np.ndarray or not a.flags.c_contiguous:
        raise NotImplementedError(f"resize_: teenygrad resizes contiguous CPU tensors only (got strides "
                                  f"{self.stride()} on {self.device}); call .contiguous() first")
    buf, off = _storage(a)
    n = math.prod(shape)
    if off + n <= buf.size:
        new = buf[off:off + n]
    else:  # the storage grows: a new buffer, holding what was there
        new = np.zeros(n, a.dtype)
        new[:buf.size - off] = buf[off:]
    self._data = new.reshape(shape)
    self._mark_written()
    return self


@_method
def resize_as_(self, other, memory_format=None):
    return self.resize_(other.shape)


def strided_zeros(op, size, stride, dtype, device, requires_grad):
    """A new tensor of `size` whose elements lie `stride` apart in a fresh buffer of zeros (torch's empty_strided
    leaves it uninitialized)."""
    from .tensor_strided import check_size_stride
    size, stride = _shape_arg((size,)), _shape_arg((stride,))
    check_size_stride(op, size, stride)
    d = dt.to_dtype(dtype)
    n = 0 if 0 in size else 1 + sum((s - 1) * st for s, st in zip(size, stride))
    t = Tensor._wrap(np.lib.stride_tricks.as_strided(np.zeros(n, d), size, [st * d.itemsize for st in stride]))
    t = t if device is None else t.to(device)
    return t.requires_grad_() if requires_grad else t


@_method
def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
    """empty_strided with self's dtype and device unless given."""
    return strided_zeros("new_empty_strided", size, stride, self.dtype if dtype is None else dtype,
                         self.device if device is None else device, requires_grad)


Tensor.is_cpu = property(lambda self: self.device.type == "cpu")
# the other backends' and layouts' flags, for code that asks (teenygrad's tensors are dense, on the CPU or a GPU)
for _flag in ("is_meta", "is_quantized", "is_nested", "is_sparse_csr", "is_mkldnn", "is_xpu", "is_ipu", "is_mps",
              "is_xla", "is_vulkan", "is_mtia", "is_maia"):
    setattr(Tensor, _flag, property(lambda self: False))


def _layout(self):
    from .aten_api import strided
    return strided


Tensor.layout = property(_layout)


@_method
def is_pinned(self, device=None):
    return False  # pin_memory() has nothing to do here (tensor_convert.py)


@_method
def to_dense(self, dtype=None, *, masked_grad=None):
    """self (a dense tensor already), cast when dtype is given."""
    return self if dtype is None else self.to(dtype)


@_method
def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory (by stride, ties in dim order)."""
    st = self.stride()
    return tuple(sorted(range(self.ndim), key=lambda d: -st[d]))


@_method
def const_data_ptr(self):
    return self.data_ptr()


@_method
def unsafe_chunk(self, chunks, dim=0):
    return self.chunk(chunks, dim)


@_method
def unsafe_split(self, split_size, dim=0):
    return self.split(split_size, dim)


@_method
def unsafe_split_with_sizes(self, split_sizes, dim=0):
    return self.split_with_sizes(split_sizes, dim)


@_method
def nonzero_static(self, *, size, fill_value=-1):
    from .aten_api import nonzero_static
    return nonzero_static(self, size=size, fill_value=fill_value)


@_method
def get_device(self):
    """-1 for a CPU tensor, else the index of its GPU."""
    return -1 if self.device.type == "cpu" else (self.device.index or 0)


@_method
def is_inference(self):
    """False: teenygrad has no inference tensors (inference_mode only turns gradients off)."""
    return False


@_method
def share_memory_(self):
    """Marks the tensor shared, for code that asks is_shared(); a CPU numpy array needs no move."""
    self.__dict__["_is_shared"] = True
    return self


@_method
def is_shared(self):
    return self.device.type != "cpu" or self.__dict__.get("_is_shared", False)


@_method
def storage(self):
    """The flat typed memory this tensor views, as torch's TypedStorage (tensor_storage.py, loaded on first use)."""
    from . import tensor_storage
    return tensor_storage.storage(self)


@_method
def __deepcopy__(self, memo):
    """copy.deepcopy, keeping shared memory shared within one deepcopy, as torch's (tensor_storage.py)."""
    from . import tensor_storage
    return tensor_storage.deepcopy(self, memo)


@_method
def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Make self view a tensor's or a storage's memory, as torch's (tensor_storage.py)."""
    from . import tensor_storage
    return tensor_storage.set_(self, source, storage_offset, size, stride)


@_method
def is_set_to(self, tensor):
    from . import tensor_storage
    return tensor_storage.is_set_to(self, tensor)


@_method
def untyped_storage(self):
    """The flat memory this tensor views, as bytes (torch's UntypedStorage; tensor_storage.py)."""
    from . import tensor_storage
    return tensor_storage.untyped_storage(self)
