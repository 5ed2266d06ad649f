"""Tensor methods for elementwise math and reductions. Each checks its arguments (errors name the op and the
values) and applies one Function from teenygrad.ops. Movement and products live in tensor_movement, indexing,
sorting and sampling in tensor_index (imported at the end, so `import teenygrad` attaches every method)."""
import builtins
import numpy as np
from . import dtype as dt
from .autograd import grad_mode
from .ops import elementwise as E, reduce as R
from .ops._util import xp_of, zeros_on
from .tensor import Tensor, _norm_dim, _norm_dims, _max_t, _min_t

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
                    ("tanh", E.Tanh), ("sigmoid", E.Sigmoid), ("silu", E.Silu), ("reciprocal", E.Reciprocal),
                    ("erf", E.Erf)]:
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
        raise RuntimeError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return E.Gelu.apply(self._float_operand(), approximate=approximate)


@_method
def softplus(self, beta=1.0, threshold=20.0):
    return E.Softplus.apply(self._float_operand(), beta=beta, threshold=threshold)


@_method
def abs(self):
    return E.Abs.apply(self)


def _piecewise(name, fn):
    def op(self):
        return E.Piecewise.apply(self, fn=fn)
    op.__name__ = name
    setattr(Tensor, name, op)


for _name, _fn in [("sign", np.sign), ("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc)]:
    _piecewise(_name, _fn)


@_method
def round(self, decimals=0):
    return E.Piecewise.apply(self, fn=lambda x: np.round(x, decimals))  # half to even, as torch


@_method
def square(self):
    return self * self


@_method
def clamp(self, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = min if isinstance(min, Tensor) else Tensor(np.asarray(-np.inf if min is None else min, self.dtype),
                                                        device=self.device)
        hi = max if isinstance(max, Tensor) else Tensor(np.asarray(np.inf if max is None else max, self.dtype),
                                                        device=self.device)
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
    a, b = a._float_operand(), b._float_operand()
    return a.maximum(b) + (-(a - b).abs()).exp().log1p()


@_method
def log_sigmoid(self):
    return -(-self._float_operand()).softplus()


@_method
def lerp(self, end, weight):
    return self + (end - self) * weight


@_method
def frac(self):
    return self - self.trunc()


@_method
def clamp_min(self, min):
    return self.clamp(min=min)


@_method
def clamp_max(self, max):
    return self.clamp(max=max)


Tensor.negative, Tensor.true_divide, Tensor.subtract, Tensor.multiply = (Tensor.neg, Tensor.div, Tensor.sub,
                                                                         Tensor.mul)
Tensor.floor_divide = lambda self, other: self.div(other, rounding_mode="floor")


# ---- reductions -------------------------------------------------------------------------------------
def _dims(self, dim, axis, op):
    return _norm_dims(axis if dim is None else dim, self._data.ndim, op)


@_method
def sum(self, dim=None, keepdim=False, dtype=None, axis=None):
    x = self
    if dtype is not None:
        x = x._cast(dt.to_dtype(dtype))
    elif x._data.dtype.kind in "biu":
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
    if not axes and self.numel() == 0:  # torch: RuntimeError for a full reduction, IndexError for a dim
        raise RuntimeError(f"{op}: expected reduction dim to be specified for an empty tensor of shape {self.shape}")
    if any(self.shape[a] == 0 for a in axes):
        raise IndexError(f"{op}: cannot reduce over a zero-size dimension of a tensor of shape {self.shape}")


@_method
def amax(self, dim=None, keepdim=False):
    axes = _norm_dims(dim if dim != () else None, self.ndim, "amax")
    _check_nonempty(self, () if dim is None else axes, "amax")
    return R.AMax.apply(self, axis=axes, keepdim=keepdim)


@_method
def amin(self, dim=None, keepdim=False):
    axes = _norm_dims(dim if dim != () else None, self.ndim, "amin")
    _check_nonempty(self, () if dim is None else axes, "amin")
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
    if dim is None:
        if self.numel() == 0:  # torch: IndexError here (RuntimeError for amax)
            raise IndexError(f"argmax: expected reduction dim to be specified for an empty tensor "
                             f"of shape {self.shape}")
        out = xp_of(self._data).asarray(np.argmax(self._data))
        return Tensor._wrap(out.reshape([1] * self.ndim) if keepdim else out)
    return self.max(_norm_dim(dim, self.ndim, "argmax"), keepdim).indices


@_method
def argmin(self, dim=None, keepdim=False):
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


@_method
def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
    if isinstance(dim, builtins.bool):  # x.var(False): the first positional is `unbiased`
        dim, unbiased = None, dim
    if not dt.is_floating(self.dtype):
        raise RuntimeError(f"var: expected a floating point tensor, got {self.dtype}")
    return R.Var.apply(self, axis=_norm_dims(dim, self.ndim, "var"), correction=_correction(unbiased, correction),
                       keepdim=keepdim)


@_method
def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
    if isinstance(dim, (int, tuple, list)) and not isinstance(dim, builtins.bool):
        _norm_dims(dim, self.ndim, "std")
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
    return Tensor._wrap(xp_of(self._data).asarray(
        np.count_nonzero(self._data, axis=_norm_dims(dim, self.ndim, "count_nonzero")), dtype=np.int64))


@_method
def norm(self, p=2, dim=None, keepdim=False):
    if p == 2 or p == "fro":
        return (self * self).sum(dim, keepdim).sqrt()
    if p == 1:
        return self.abs().sum(dim, keepdim)
    if p == float("inf"):
        return self.abs().amax(dim, keepdim)
    return (self.abs() ** p).sum(dim, keepdim) ** (1.0 / p)


def _numpy_spellings(fn):
    """torch also takes numpy's names: axis= for dim=, keepdims= for keepdim= (makemore: sum(1, keepdims=True))."""
    def method(self, *args, **kwargs):
        if not kwargs:  # x.sum(), x.sum(1): nothing to translate
            return fn(self, *args)
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        if "axis" in kwargs and "axis" not in fn.__code__.co_varnames:
            kwargs["dim"] = kwargs.pop("axis")
        return fn(self, *args, **kwargs)
    method.__name__, method.__doc__ = fn.__name__, fn.__doc__
    return method


for _name in ["sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std", "logsumexp",
              "softmax", "log_softmax", "cumsum", "all", "any", "count_nonzero", "norm"]:
    setattr(Tensor, _name, _numpy_spellings(getattr(Tensor, _name)))


# the @_method names above shadow builtins inside this module; drop them so helpers here get the builtins
del sum, mean, prod, max, min, all, any, abs, round


from .tensor_movement import cat, concat, concatenate, stack, einsum  # noqa: E402,F401  (re-exported)
from .tensor_index import multinomial, one_hot  # noqa: E402,F401
