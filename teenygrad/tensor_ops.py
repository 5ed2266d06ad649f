"""Tensor methods for elementwise math and reductions. Each checks its arguments (errors name the op and the
values) and applies one Function from teenygrad.ops. Movement and products live in tensor_movement, indexing,
sorting and sampling in tensor_index (imported at the end, so `import teenygrad` attaches every method)."""
import builtins
import numpy as np
from . import dtype as dt
from .autograd import grad_mode
from .ops import elementwise as E, reduce as R
from ._arrays import xp_of, zeros_on
from .tensor import Tensor, _check_modulo, _norm_dim, _norm_dims, _max_t, _min_t

_gstate = grad_mode._state


def _method(fn):
    setattr(Tensor, fn.__name__, fn)
    return fn


# ---- elementwise math -------------------------------------------------------------------------------
def _float_unary(name, fn_cls):
    def op(self):
        d = self._data.dtype  # kind == "f" first: the common case without a call
        x = self if d.kind == "f" or dt.is_floating(d) else self._cast(dt._default_float)
        return fn_cls.apply(x)
    op.__name__ = name
    op.__doc__ = fn_cls.__doc__
    setattr(Tensor, name, op)


for _name, _cls in [("exp", E.Exp), ("log", E.Log), ("log2", E.Log2), ("log10", E.Log10), ("log1p", E.Log1p),
                    ("expm1", E.Expm1), ("sqrt", E.Sqrt), ("rsqrt", E.Rsqrt), ("sin", E.Sin), ("cos", E.Cos),
                    ("tanh", E.Tanh), ("sigmoid", E.Sigmoid), ("reciprocal", E.Reciprocal), ("erf", E.Erf)]:
    _float_unary(_name, _cls)


def _float_input(x, op):
    """The activations torch computes for floating tensors only (silu, gelu, softplus): no silent int -> float."""
    d = x._data.dtype
    if d.kind == "f" or dt.is_floating(d):
        return x
    raise NotImplementedError(f"{op}: not implemented for {d} tensors (floating point only)")


@_method
def silu(self):
    return E.Silu.apply(_float_input(self, "silu"))


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
        raise RuntimeError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return E.Gelu.apply(_float_input(self, "gelu"), approximate=approximate)


@_method
def softplus(self, beta=1.0, threshold=20.0):
    return E.Softplus.apply(_float_input(self, "softplus"), beta=beta, threshold=threshold)


@_method
def abs(self):
    if self._data.dtype.kind == "b":
        raise NotImplementedError("abs: not implemented for bool tensors")
    return E.Abs.apply(self)


def _piecewise(name, fn):
    def op(self):
        if self._data.dtype.kind == "b":  # torch: sign keeps a bool tensor as it is, the rest refuse one
            if name == "sign":
                return self.clone()
            raise NotImplementedError(f"{name}: not implemented for bool tensors")
        return E.Piecewise.apply(self, fn=fn)
    op.__name__ = name
    setattr(Tensor, name, op)


for _name, _fn in [("sign", np.sign), ("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc)]:
    _piecewise(_name, _fn)


@_method
def round(self, decimals=0):
    if self._data.dtype.kind == "b":
        raise NotImplementedError("round: not implemented for bool tensors")
    return E.Piecewise.apply(self, fn=lambda x: np.round(x, decimals))  # half to even, as torch


@_method
def square(self):
    x = self._cast(dt.int64) if self._data.dtype.kind == "b" else self  # torch: bool squares to int64
    return x * x


@_method
def clamp(self, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    x = self
    # the bounds take part in the result dtype, as a binary op's operand would (Python numbers can't change a
    # float tensor's dtype: skip the promotion there)
    for b in ((min, max) if self._data.dtype.kind != "f" or isinstance(min, Tensor) or isinstance(max, Tensor)
              else ()):
        if b is not None:
            bd, bn = (b.dtype, b.ndim) if isinstance(b, Tensor) else (dt.scalar_dtype(b), -1)
            rt = dt.result_type(x.dtype, self.ndim, bd, bn)
            if rt != x.dtype:
                x = x._cast(rt)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo, hi = (b._cast(x.dtype) if isinstance(b, Tensor) else
                  Tensor(np.asarray(_extreme(x.dtype, i) if b is None else b, x.dtype), device=self.device)
                  for i, b in enumerate((min, max)))
        return E.ClampT.apply(x, lo, hi)
    lo = None if min is None else _bound(min, x.dtype)
    hi = None if max is None else _bound(max, x.dtype)
    return E.Clamp.apply(x, lo=lo, hi=hi)


def _bound(b, dtype):
    if dtype.kind in "iu":  # torch's range check (uint8 takes -255..-1 and wraps them), numpy's refuses or wraps
        lo, hi = dt.int_range(dtype)
        if not lo <= b <= hi:
            raise RuntimeError(f"clamp: bound {b} is out of range for a {dtype} tensor")
        return np.asarray(b).astype(dtype)[()]
    return dtype.type(b)


def _extreme(dtype, upper):
    """The bound that clamps nothing: -inf / +inf, or the integer type's limits."""
    if dt.is_floating(dtype):
        return np.inf if upper else -np.inf
    if dtype.kind == "b":
        return upper
    info = np.iinfo(dtype)
    return info.max if upper else info.min


Tensor.clip = Tensor.clamp


@_method
def fmod(self, other):
    """C's fmod: the remainder takes the sign of self (remainder / % take the sign of other)."""
    a, b = self._other(other, "fmod")
    _check_modulo(a, b, "fmod")
    return E.Fmod.apply(a, b)


@_method
def maximum(self, other):
    a, b = self._other(other, "maximum")
    return E.Maximum.apply(a, b)


@_method
def minimum(self, other):
    a, b = self._other(other, "minimum")
    return E.Minimum.apply(a, b)


def where(condition, x=None, y=None):
    """where(c, x, y): x where c is true else y; x and y broadcast and promote like a binary op.
    where(c) alone is c.nonzero(as_tuple=True), as in torch."""
    if x is None and y is None:
        return condition.nonzero(as_tuple=True)
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got {c.dtype}")
    for t, n in ((x, y), (y, x)):  # a number beside an integer tensor takes its dtype: it must fit (no wrapping)
        if isinstance(n, builtins.int) and not isinstance(n, builtins.bool) and isinstance(t, Tensor) and \
                t._data.dtype.kind in "iu":
            lo, hi = dt.int_range(t._data.dtype)
            if not lo <= n <= hi:
                raise RuntimeError(f"where: value {n} cannot be converted to {t.dtype} without overflow")
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


def _where_method(self, condition, other):
    """x.where(c, y) is where(c, x, y), as in torch."""
    return where(condition, self, other)


Tensor.where = _where_method


# ---- composites: a few more torch names built from the differentiable ops above -------------------------
@_method
def tan(self):
    return self.sin() / self.cos()


@_method
def sinh(self):
    x = self._float_operand()
    return (x.exp() - (-x).exp()) * 0.5


@_method
def cosh(self):
    x = self._float_operand()
    return (x.exp() + (-x).exp()) * 0.5


@_method
def logaddexp(self, other):
    """log(e^a + e^b) without overflow: max(a, b) + log1p(e^-|a - b|)"""
    a, b = self._other(other, "logaddexp")
    if not dt.is_floating(a.dtype):
        raise NotImplementedError(f"logaddexp: not implemented for {a.dtype} operands (floating point only)")
    return a.maximum(b) + (-(a - b).abs()).exp().log1p()


@_method
def log_sigmoid(self):
    return -(-_float_input(self, "log_sigmoid")).softplus()


@_method
def lerp(self, end, weight):
    return self + (end - self) * weight


@_method
def frac(self):
    if not dt.is_floating(self._data.dtype):
        raise NotImplementedError(f"frac: not implemented for {self.dtype} tensors (floating point only)")
    return self - self.trunc()


@_method
def addcmul(self, tensor1, tensor2, value=1):
    _check_addc_value(self, value, "addcmul")
    return self + tensor1 * tensor2 * value if value != 1 else self + tensor1 * tensor2


@_method
def addcdiv(self, tensor1, tensor2, value=1):
    if not dt.is_floating(tensor1.dtype) and not dt.is_floating(tensor2.dtype):
        raise RuntimeError(f"addcdiv: integer division with addcdiv is not supported ({tensor1.dtype} / "
                           f"{tensor2.dtype}); use (input + value * (tensor1 / tensor2)) for a true division")
    _check_addc_value(self, value, "addcdiv")
    return self + tensor1 / tensor2 * value if value != 1 else self + tensor1 / tensor2


def _check_addc_value(self, value, op):
    # torch truncates a fractional value silently on integer tensors (addcmul(a, b, c, value=0.5) adds 0): refuse
    if not dt.is_floating(self.dtype) and value != int(value):
        raise RuntimeError(f"{op}: value {value} is not an integer, but the input is {self.dtype}")


@_method
def clamp_min(self, min):
    return self.clamp(min=min)


@_method
def clamp_max(self, max):
    return self.clamp(max=max)


Tensor.negative, Tensor.true_divide, Tensor.subtract, Tensor.multiply = (Tensor.neg, Tensor.div, Tensor.sub,
                                                                         Tensor.mul)
Tensor.floor_divide = lambda self, other: self.div(other, rounding_mode="floor")
for _name in ["addcmul", "addcdiv", "lerp", "floor", "ceil", "trunc", "round", "sign", "square", "fmod",
              "clamp_min", "clamp_max", "log1p", "expm1", "sin", "cos", "rsqrt", "frac", "silu"]:
    _inplace_variant(_name)
Tensor.bitwise_and, Tensor.bitwise_or, Tensor.bitwise_xor, Tensor.bitwise_not = (Tensor.__and__, Tensor.__or__,
                                                                                 Tensor.__xor__, Tensor.__invert__)


# ---- more elementwise math: inverse trig, float binary ops, NaN handling ------------------------------
for _name, _cls in [("asin", E.Asin), ("acos", E.Acos), ("atan", E.Atan), ("exp2", E.Exp2)]:
    _float_unary(_name, _cls)
Tensor.arcsin, Tensor.arccos, Tensor.arctan = Tensor.asin, Tensor.acos, Tensor.atan


def _float_binary(name, fn_cls, ints_to_float):
    """A binary op with a floating result: integer operands go to the default float (atan2, copysign, xlogy) or are
    refused (hypot), as in torch."""
    def op(self, other):
        a, b = self._other(other, name)
        if not dt.is_floating(a.dtype):
            if not ints_to_float:
                raise NotImplementedError(f"{name}: not implemented for {a.dtype} tensors (floating point only)")
            a, b = self._float_pair(other, name)
        return fn_cls.apply(a, b)
    op.__name__ = name
    op.__doc__ = fn_cls.__doc__
    setattr(Tensor, name, op)


for _name, _cls, _ints in [("atan2", E.Atan2, True), ("hypot", E.Hypot, False), ("copysign", E.Copysign, True),
                           ("xlogy", E.Xlogy, True)]:
    _float_binary(_name, _cls, _ints)
Tensor.arctan2 = Tensor.atan2


@_method
def fmax(self, other):
    a, b = self._other(other, "fmax")
    return E.Fmax.apply(a, b) if dt.is_floating(a.dtype) else E.Maximum.apply(a, b)  # no NaN among ints


@_method
def fmin(self, other):
    a, b = self._other(other, "fmin")
    return E.Fmin.apply(a, b) if dt.is_floating(a.dtype) else E.Minimum.apply(a, b)


@_method
def sgn(self):
    """sign for real tensors (torch's sgn is z/|z| for complex ones; teenygrad has none)"""
    return self.sign()


@_method
def positive(self):
    if self._data.dtype.kind == "b":
        raise RuntimeError("positive: the `+` operator on a bool tensor is not supported")
    return self


Tensor.__pos__ = positive


@_method
def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    if not dt.is_floating(self.dtype):
        return self.clone()  # integers have no NaN or inf
    info = np.finfo(self._data.dtype)
    return E.NanToNum.apply(self, nan=nan, posinf=info.max if posinf is None else posinf,
                            neginf=info.min if neginf is None else neginf)


@_method
def logit(self, eps=None):
    return E.Logit.apply(self._float_operand(), eps=eps)


@_method
def heaviside(self, values):
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside: values must be a Tensor, got {type(values).__name__}")
    if self.dtype != values.dtype:
        raise RuntimeError(f"heaviside: input and values must have the same dtype, got {self.dtype} "
                           f"and {values.dtype}")
    return E.Heaviside.apply(self, values)


for _name in ["asin", "acos", "atan", "exp2", "atan2", "hypot", "copysign", "xlogy", "nan_to_num", "logit", "sgn"]:
    _inplace_variant(_name)


# ---- reductions -------------------------------------------------------------------------------------
def _dims(self, dim, axis, op):
    """A reduction's axes: every dim for dim=None and, as in torch, for an empty dim list."""
    if dim is None:
        dim = axis
    elif type(dim) is not int and isinstance(dim, (list, tuple)) and not dim:
        dim = None
    return _norm_dims(dim, self._data.ndim, op)


@_method
def sum(self, dim=None, keepdim=False, dtype=None, axis=None):
    x = self
    if dtype is not None:
        x = x._cast(dt.to_dtype(dtype))
        if x._data.dtype.kind in "biu":  # numpy sums small integers in int64: cast back to the asked dtype
            return R.Sum.apply(x, axis=_dims(self, dim, axis, "sum"), keepdim=keepdim)._cast(x.dtype)
    else:
        kind = x._data.dtype.kind
        if kind in "biu":
            x = x._cast(dt.int64)
        elif kind == "V":
            return _via_float32(self, "sum", dim, keepdim, axis=axis)
    return R.Sum.apply(x, axis=_dims(self, dim, axis, "sum"), keepdim=keepdim)


def _via_float32(self, name, *args, **kwargs):
    """self.name(...) for a bfloat16 self, in float32 and rounded back: numpy (ml_dtypes) reduces bfloat16 in
    bfloat16 itself (a running sum of ones stalls at 256), torch accumulates in float32."""
    out = getattr(self._cast(dt.float32), name)(*args, **kwargs)
    return out._cast(self.dtype) if out._data.dtype == dt.float32 else out


@_method
def mean(self, dim=None, keepdim=False, dtype=None, axis=None):
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if not dt.is_floating(x.dtype):
        raise RuntimeError(f"mean: could not infer output dtype. Input dtype must be floating point, got {x.dtype}")
    return R.Mean.apply(x, axis=_dims(self, dim, axis, "mean"), keepdim=keepdim)


@_method
def prod(self, dim=None, keepdim=False, dtype=None):
    if dtype is None and self._data.dtype.kind == "V":
        return _via_float32(self, "prod", dim, keepdim)
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if x.dtype.kind in "biu" and dtype is None:
        x = x._cast(dt.int64)
    axes = None if dim is None else _dims(self, dim, None, "prod")  # not `axis`: _numpy_spellings reads the names
    if not axes:  # every element (dim=None, or the one of a 0-d tensor): Prod works along one axis
        out = R.Prod.apply(x.reshape(-1), axis=(0,), keepdim=False)
        out = out.reshape([1] * self.ndim) if keepdim else out
    else:
        out = R.Prod.apply(x, axis=axes, keepdim=keepdim)
    return out if out._data.dtype == x._data.dtype else out._cast(x.dtype)  # numpy multiplies small ints in int64


def _check_nonempty(self, axes, op):
    if not axes and self.numel() == 0:  # torch: RuntimeError for a full reduction, IndexError for a dim
        raise RuntimeError(f"{op}: expected reduction dim to be specified for an empty tensor of shape {self.shape}")
    if any(self.shape[a] == 0 for a in axes):
        raise IndexError(f"{op}: cannot reduce over a zero-size dimension of a tensor of shape {self.shape}")


@_method
def amax(self, dim=None, keepdim=False):
    axes = _dims(self, dim, None, "amax")
    _check_nonempty(self, () if dim is None or dim == () or dim == [] else axes, "amax")
    return R.AMax.apply(self, axis=axes, keepdim=keepdim)


@_method
def amin(self, dim=None, keepdim=False):
    axes = _dims(self, dim, None, "amin")
    _check_nonempty(self, () if dim is None or dim == () or dim == [] else axes, "amin")
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
        return (_max_t if name == "max" else _min_t)(self, Tensor._wrap(zeros_on(self._data, (), np.int64)))
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
    if self._data.dtype.kind == "b":
        raise RuntimeError("argmax: does not support bool input")
    if dim is None:
        if self.numel() == 0:  # torch: IndexError here (RuntimeError for amax)
            raise IndexError(f"argmax: expected reduction dim to be specified for an empty tensor "
                             f"of shape {self.shape}")
        out = xp_of(self._data).asarray(np.argmax(self._data))
        return Tensor._wrap(out.reshape([1] * self.ndim) if keepdim else out)
    return self.max(_norm_dim(dim, self.ndim, "argmax"), keepdim).indices


@_method
def argmin(self, dim=None, keepdim=False):
    if self._data.dtype.kind == "b":
        raise RuntimeError("argmin: does not support bool input")
    if dim is None:
        if self.numel() == 0:  # torch: IndexError here (RuntimeError for amax)
            raise IndexError(f"argmin: expected reduction dim to be specified for an empty tensor "
                             f"of shape {self.shape}")
        out = xp_of(self._data).asarray(np.argmin(self._data))
        return Tensor._wrap(out.reshape([1] * self.ndim) if keepdim else out)
    return self.min(_norm_dim(dim, self.ndim, "argmin"), keepdim).indices


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased in (None, True) else 0


def _var_std(self, dim, unbiased, keepdim, correction, fn, op):
    if isinstance(dim, builtins.bool):  # x.var(False): the first positional is `unbiased`
        dim, unbiased = None, dim
    if not dt.is_floating(self.dtype):
        raise RuntimeError(f"{op}: expected a floating point tensor, got {self.dtype}")
    return fn.apply(self, axis=_dims(self, dim, None, op), correction=_correction(unbiased, correction),
                    keepdim=keepdim)


@_method
def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
    return _var_std(self, dim, unbiased, keepdim, correction, R.Var, "var")


@_method
def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
    return _var_std(self, dim, unbiased, keepdim, correction, R.Std, "std")


@_method
def logsumexp(self, dim, keepdim=False):
    if self._data.dtype.kind == "V":
        return _via_float32(self, "logsumexp", dim, keepdim)
    return R.LogSumExp.apply(self._float_operand(), axis=_dims(self, dim, None, "logsumexp"), keepdim=keepdim)


@_method
def softmax(self, dim, dtype=None):
    x = _float_input(self, "softmax") if dtype is None else self._cast(dt.to_dtype(dtype))
    d = _norm_dim(dim, self.ndim, "softmax")
    if x.ndim == 0:
        return x.reshape(1).softmax(0).reshape(())
    if x._data.itemsize < 4:  # float16/bfloat16: torch computes in float32 and rounds once
        return R.Softmax.apply(x._cast(dt.float32), axis=d)._cast(x.dtype)
    return R.Softmax.apply(x, axis=d)


@_method
def log_softmax(self, dim, dtype=None):
    if dtype is None and self._data.dtype.kind == "V":
        return _via_float32(self, "log_softmax", dim)
    x = _float_input(self, "log_softmax") if dtype is None else self._cast(dt.to_dtype(dtype))
    d = _norm_dim(dim, self.ndim, "log_softmax")
    if x.ndim == 0:
        return x.reshape(1).log_softmax(0).reshape(())
    return R.LogSoftmax.apply(x, axis=d)


def _cumulative(self, dim, dtype, op, fn):
    """cumsum / cumprod: bool and int tensors accumulate in int64 unless dtype says otherwise, as torch."""
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if dtype is None and x.dtype.kind in "biu":
        x = x._cast(dt.int64)
    d = _norm_dim(dim, self.ndim, op)
    return fn.apply(x, axis=d) if x.ndim else x.clone()


@_method
def cumsum(self, dim, dtype=None):
    return _cumulative(self, dim, dtype, "cumsum", R.Cumsum)


@_method
def cumprod(self, dim, dtype=None):
    return _cumulative(self, dim, dtype, "cumprod", R.Cumprod)


@_method
def all(self, dim=None, keepdim=False):
    out = np.all(self._data, axis=_norm_dims(dim, self.ndim, "all"), keepdims=keepdim)
    return Tensor._wrap(out.astype(np.uint8) if self._data.dtype == np.uint8 else out)  # torch keeps uint8


@_method
def any(self, dim=None, keepdim=False):
    out = np.any(self._data, axis=_norm_dims(dim, self.ndim, "any"), keepdims=keepdim)
    return Tensor._wrap(out.astype(np.uint8) if self._data.dtype == np.uint8 else out)


@_method
def count_nonzero(self, dim=None):
    return Tensor._wrap(xp_of(self._data).asarray(
        np.count_nonzero(self._data, axis=_dims(self, dim, None, "count_nonzero")), dtype=np.int64))


@_method
def norm(self, p=2, dim=None, keepdim=False):
    if p == "fro":
        p = 2
    if not isinstance(p, (builtins.int, builtins.float)) or isinstance(p, builtins.bool):
        raise RuntimeError(f"norm: p must be a number or 'fro', got {p!r}")
    if not dt.is_floating(self.dtype):
        raise RuntimeError(f"norm: expected a floating point tensor as input, got {self.dtype}")
    if p == 1:
        return self.abs().sum(dim, keepdim)
    if p == float("inf"):
        return self.abs().amax(dim, keepdim)
    if p == float("-inf"):
        return self.abs().amin(dim, keepdim)
    if p == 0:  # the number of nonzeros (no gradient, as in torch)
        return (self != 0).sum(dim, keepdim)._cast(self._float_operand().dtype)
    if self._data.dtype.kind == "V":
        return _via_float32(self, "norm", p, dim, keepdim)
    return R.Norm.apply(self, axis=_dims(self, dim, None, "norm"), p=p, keepdim=keepdim)


@_method
def nansum(self, dim=None, keepdim=False, dtype=None):
    if dtype is None and self._data.dtype.kind == "V":
        return _via_float32(self, "nansum", dim, keepdim)
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if not dt.is_floating(x.dtype):
        return x.sum(dim, keepdim)  # no NaN among integers
    return R.NanSum.apply(x, axis=_dims(self, dim, None, "nansum"), keepdim=keepdim)


@_method
def nanmean(self, dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if not dt.is_floating(x.dtype):
        raise RuntimeError(f"nanmean: expected a floating point tensor, got {x.dtype}")
    count = (~x.isnan()).sum(dim, keepdim)._cast(x.dtype)
    return x.nansum(dim, keepdim) / count


def _numpy_spellings(fn):
    """torch also takes numpy's names: axis= for dim=, keepdims= for keepdim= (makemore: sum(1, keepdims=True))."""
    def method(self, *args, **kwargs):
        if not kwargs:  # x.sum(), x.sum(1): nothing to translate
            return fn(self, *args)
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        code = fn.__code__
        if "axis" in kwargs and "axis" not in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
            kwargs["dim"] = kwargs.pop("axis")
        return fn(self, *args, **kwargs)
    method.__name__, method.__doc__ = fn.__name__, fn.__doc__
    return method


for _name in ["sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std", "logsumexp",
              "softmax", "log_softmax", "cumsum", "cumprod", "all", "any", "count_nonzero", "norm", "nansum",
              "nanmean"]:
    setattr(Tensor, _name, _numpy_spellings(getattr(Tensor, _name)))


# the @_method names above shadow builtins inside this module; drop them so helpers here get the builtins
del sum, mean, prod, max, min, all, any, abs, round


from .tensor_movement import cat, concat, concatenate, stack  # noqa: E402,F401  (re-exported)
from .tensor_products import einsum  # noqa: E402,F401  (re-exported)
from .tensor_index import multinomial, one_hot  # noqa: E402,F401
