"""Tensor methods for reductions: sum, mean, prod, amax/amin, max/min, argmax/argmin, var/std, logsumexp,
softmax/log_softmax, cumsum/cumprod, all/any, count_nonzero, norm, nansum/nanmean. Each checks its arguments and
applies one Function from teenygrad.ops.reduce; the numpy spellings (axis=, keepdims=) are wrapped on at the end.
Imported by tensor_ops, whose _method attaches them to Tensor."""
import builtins
import numpy as np
from . import dtype as dt, return_types
from .ops import elementwise as E, reduce as R
from ._arrays import xp_of, zeros_on, half_on_host
from .tensor import Tensor, _norm_dim, _norm_dims, _bool_arg, _gstate, _can_require_grad
from .tensor_ops import _method, _float_input, where as _where

_max_t = return_types.make("max", ["values", "indices"])
_min_t = return_types.make("min", ["values", "indices"])


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
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "sum", "keepdim")
    _check_grad_dtype(self, dtype, "sum")
    x = self
    if dtype is not None:
        x = x._cast(dt.to_dtype(dtype))
        if x._data.dtype.kind in "biu":  # numpy sums small integers in int64: cast back to the asked dtype
            return R.Sum.apply(x, axis=_dims(self, dim, axis, "sum"), keepdim=keepdim)._cast(x.dtype)
        if _narrow(x):
            return _via_float32(x, "sum", dim, keepdim, axis=axis)
    else:
        kind = x._data.dtype.kind
        if kind in "biu":
            x = x._cast(dt.int64)
        elif _narrow(x):
            return _via_float32(self, "sum", dim, keepdim, axis=axis)
    return _sum_named(R.Sum.apply(x, axis=_dims(self, dim, axis, "sum"), keepdim=keepdim), dim, axis)


def _sum_named(out, dim, axis, op="Sum"):
    """torch names x.sum() SumBackward0 and x.sum(dim) SumBackward1 (mean the same)."""
    return out if dim is None and axis is None else out._named(op + "Backward1")


def _check_grad_dtype(self, dtype, op):
    """torch refuses a reduction into an integer dtype= when it would have to record a graph."""
    if dtype is not None and self._requires_grad and _gstate["enabled"]:
        d = dt.to_dtype(dtype)
        if not _can_require_grad(d):
            raise RuntimeError(f"{op}: autograd does not support dtype {d} (the input requires grad)")


def _narrow(x):
    """bfloat16, or float16 on the host: reductions go through float32 (_via_float32). One attribute test for the
    common float32 case (sum is on every training step's path)."""
    d = x._data.dtype
    return d.itemsize == 2 and (d.kind == "V" or half_on_host(x._data))


def _via_float32(self, name, *args, **kwargs):
    """self.name(...) for a bfloat16 or float16 self, in float32 and rounded back: numpy (ml_dtypes) reduces bfloat16
    in bfloat16 itself (a running sum of ones stalls at 256), and float16 too across a strided axis (x.sum(0) of a
    (3000, 2) array added row by row in float16: 1468 for 1478); torch accumulates in float32."""
    out = getattr(self._cast(dt.float32), name)(*args, **kwargs)
    return out._cast(self.dtype) if out._data.dtype == dt.float32 else out


@_method
def mean(self, dim=None, keepdim=False, dtype=None, axis=None):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "mean", "keepdim")
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if not dt.is_floating(x.dtype) and x.dtype.kind != "c":
        raise RuntimeError(f"mean: could not infer output dtype. Input dtype must be floating point, got {x.dtype}")
    if dtype is not None and x._data.itemsize == 2 and x._data.dtype.kind in "fV":  # torch: self's float32 mean
        return self._cast(dt.float32).mean(dim, keepdim, axis=axis)._cast(x.dtype)      # (not of self in dtype)
    return _sum_named(R.Mean.apply(x, axis=_dims(self, dim, axis, "mean"), keepdim=keepdim), dim, axis, "Mean")


@_method
def prod(self, dim=None, keepdim=False, dtype=None):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "prod", "keepdim")
    if dtype is None and self._data.dtype.kind == "V":
        return _via_float32(self, "prod", dim, keepdim)
    _check_grad_dtype(self, dtype, "prod")
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if x.dtype.kind in "biu" and dtype is None:
        x = x._cast(dt.int64)
    axes = None if dim is None else _dims(self, dim, None, "prod")  # not `axis`: _numpy_spellings reads the names
    if not axes:  # every element (dim=None, or the one of a 0-d tensor): Prod works along one axis
        out = R.Prod.apply(x.reshape(-1), axis=(0,), keepdim=False)
        out = out.reshape([1] * self.ndim) if keepdim else out._named("ProdBackward0") if dim is None else out
    else:
        out = R.Prod.apply(x, axis=axes, keepdim=keepdim)
    return out if out._data.dtype == x._data.dtype else out._cast(x.dtype)  # numpy multiplies small ints in int64


def _check_nonempty(self, axes, op):
    if not axes and self.numel() == 0:  # torch: RuntimeError for a full reduction, IndexError for a dim
        raise RuntimeError(f"{op}: expected reduction dim to be specified for an empty tensor of shape {self.shape}")
    if any(self.shape[a] == 0 for a in axes):
        raise IndexError(f"{op}: cannot reduce over a zero-size dimension of a tensor of shape {self.shape}")


def _amax_amin(self, dim, keepdim, name, nan_ties=False):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, name, "keepdim")
    axes = _dims(self, dim, None, name)
    _check_nonempty(self, () if dim is None or dim == () or dim == [] else axes, name)
    fn = R.AMax if name == "amax" else R.AMin
    return fn.apply(self, axis=axes, keepdim=keepdim, nan_ties=nan_ties)


@_method
def amax(self, dim=None, keepdim=False):
    return _amax_amin(self, dim, keepdim, "amax")


@_method
def amin(self, dim=None, keepdim=False):
    return _amax_amin(self, dim, keepdim, "amin")


def _max_min(self, dim, keepdim, other, axis, name):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, name, "keepdim")
    if isinstance(dim, Tensor) or other is not None:
        return (self.maximum if name == "max" else self.minimum)(dim if other is None else other)
    dim = axis if dim is None else dim
    if dim is None:
        out = _amax_amin(self, None, False, "amax" if name == "max" else "amin", nan_ties=True)
        if out.grad_fn is not None:  # torch's name for the whole-tensor max (amax reads AmaxBackward0)
            out.grad_fn.torch_name = "MaxBackward1" if name == "max" else "MinBackward1"
        return out
    d = _norm_dim(dim, self.ndim, name)
    _check_nonempty(self, (d,) if self.ndim else (), name)
    fn = R.MaxDim if name == "max" else R.MinDim
    if self.ndim == 0:
        return (_max_t if name == "max" else _min_t)(self, Tensor._wrap(zeros_on(self._data, (), np.int64)))
    arg = (np.argmax if name == "max" else np.argmin)(self._data, axis=d)  # once: the op takes it too
    values = fn.apply(self, axis=d, keepdim=keepdim, arg=arg)
    indices = Tensor._wrap(arg.reshape(arg.shape[:d] + (1,) + arg.shape[d:]) if keepdim else arg)
    return (_max_t if name == "max" else _min_t)(values, indices)


@_method
def max(self, dim=None, keepdim=False, other=None, axis=None):
    return _max_min(self, dim, keepdim, other, axis, "max")


@_method
def min(self, dim=None, keepdim=False, other=None, axis=None):
    return _max_min(self, dim, keepdim, other, axis, "min")


@_method
def argmax(self, dim=None, keepdim=False):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "argmax", "keepdim")
    if self._data.dtype.kind == "b":
        raise RuntimeError("argmax: does not support bool input")
    if dim is None:
        if self.numel() == 0:  # torch: IndexError here (RuntimeError for amax)
            raise IndexError(f"argmax: expected reduction dim to be specified for an empty tensor "
                             f"of shape {self.shape}")
        out = xp_of(self._data).asarray(np.argmax(self._data))
        return Tensor._wrap(out.reshape([1] * self.ndim) if keepdim else out)
    return _arg_dim(self, dim, keepdim, "argmax")


@_method
def argmin(self, dim=None, keepdim=False):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "argmin", "keepdim")
    if self._data.dtype.kind == "b":
        raise RuntimeError("argmin: does not support bool input")
    if dim is None:
        if self.numel() == 0:  # torch: IndexError here (RuntimeError for amax)
            raise IndexError(f"argmin: expected reduction dim to be specified for an empty tensor "
                             f"of shape {self.shape}")
        out = xp_of(self._data).asarray(np.argmin(self._data))
        return Tensor._wrap(out.reshape([1] * self.ndim) if keepdim else out)
    return _arg_dim(self, dim, keepdim, "argmin")


def _arg_dim(self, dim, keepdim, name):
    """argmax / argmin along one dim: max(dim)'s indices without its values (on a 0-d tensor, max's own zero)."""
    d = _norm_dim(dim, self.ndim, name)
    if not self.ndim:
        return (self.max if name == "argmax" else self.min)(d, keepdim).indices
    _check_nonempty(self, (d,), name)
    arg = (np.argmax if name == "argmax" else np.argmin)(self._data, axis=d)
    return Tensor._wrap(arg.reshape(arg.shape[:d] + (1,) + arg.shape[d:]) if keepdim else arg)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased in (None, True) else 0


def _var_std(self, dim, unbiased, keepdim, correction, fn, op):
    if isinstance(dim, builtins.bool):  # x.var(False): the first positional is `unbiased`
        dim, unbiased = None, dim
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, op, "keepdim")
    if unbiased is not None and unbiased is not False and unbiased is not True:
        _bool_arg(unbiased, op, "unbiased")
    if not dt.is_floating(self.dtype):
        if self._data.dtype.kind == "c":
            return _complex_var_std(self, dim, _correction(unbiased, correction), keepdim, fn is R.Std)
        raise RuntimeError(f"{op}: expected a floating point tensor, got {self.dtype}")
    return fn.apply(self, axis=_dims(self, dim, None, op), correction=_correction(unbiased, correction),
                    keepdim=keepdim)


def _complex_var_std(self, dim, correction, keepdim, std):
    """torch's var of a complex tensor: sum |z - mean z|^2 / (n - correction), real; that is var(Re z) + var(Im z),
    written with Real/Imag so the gradient is torch's dRe + i dIm. std's sqrt has gradient 0 where var = 0, as torch."""
    v = self.real.var(dim, keepdim=keepdim, correction=correction) + self.imag.var(dim, keepdim=keepdim,
                                                                                    correction=correction)
    if not std:
        return v
    zero = v._data == 0
    if not zero.any():
        return v.sqrt()
    zero = Tensor._wrap(zero)
    return _where(zero, 0.0, _where(zero, 1.0, v).sqrt())


@_method
def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
    return _var_std(self, dim, unbiased, keepdim, correction, R.Var, "var")


@_method
def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
    return _var_std(self, dim, unbiased, keepdim, correction, R.Std, "std")


@_method
def logsumexp(self, dim, keepdim=False):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "logsumexp", "keepdim")
    if self._data.dtype.kind == "c":
        return _complex_logsumexp(self, dim, keepdim)
    if _narrow(self):
        return _via_float32(self, "logsumexp", dim, keepdim)
    return R.LogSumExp.apply(self._float_operand(), axis=_dims(self, dim, None, "logsumexp"), keepdim=keepdim)


def _complex_logsumexp(self, dim, keepdim):
    """log sum e^z of a complex z, shifted by the largest real part (a constant: e^-m cancels out of the gradient,
    dz = dout conj(softmax z), torch's convention); written with the complex exp/sum/log, so it differentiates twice"""
    axes = _dims(self, dim, None, "logsumexp")
    re = self._data.real
    m = R._max_keepdims(re, axes)  # -inf over an empty axis; then 0, and log(0) = -inf as torch
    m = Tensor._wrap(np.where(np.isfinite(m), m, 0).astype(self._data.dtype))
    out = (self - m).exp().sum(axes, keepdim=True).log() + m
    return out if keepdim else out.squeeze(axes)


@_method
def softmax(self, dim, dtype=None):
    x = _float_input(self, "softmax") if dtype is None else _float_input(self._cast(dt.to_dtype(dtype)), "softmax")
    d = _norm_dim(dim, self.ndim, "softmax")
    if x.ndim == 0:
        return x.reshape(1).softmax(0).reshape(())
    if x._data.itemsize < 4:  # float16/bfloat16: torch computes in float32 and rounds once
        return R.Softmax.apply(x._cast(dt.float32), axis=d)._cast(x.dtype)
    return R.Softmax.apply(x, axis=d)


@_method
def log_softmax(self, dim, dtype=None):
    if dtype is None and _narrow(self):
        return _via_float32(self, "log_softmax", dim)
    x = (_float_input(self, "log_softmax") if dtype is None else
         _float_input(self._cast(dt.to_dtype(dtype)), "log_softmax"))
    d = _norm_dim(dim, self.ndim, "log_softmax")
    if x.ndim == 0:
        return x.reshape(1).log_softmax(0).reshape(())
    return R.LogSoftmax.apply(x, axis=d)


def _cumulative(self, dim, dtype, op, fn):
    """cumsum / cumprod: bool and int tensors accumulate in int64 unless dtype says otherwise, as torch."""
    _check_grad_dtype(self, dtype, op)
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
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "all", "keepdim")
    out = np.all(self._data, axis=_norm_dims(dim, self.ndim, "all"), keepdims=keepdim)
    return Tensor._wrap(out.astype(np.uint8) if self._data.dtype == np.uint8 else out)  # torch keeps uint8


@_method
def any(self, dim=None, keepdim=False):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "any", "keepdim")
    out = np.any(self._data, axis=_norm_dims(dim, self.ndim, "any"), keepdims=keepdim)
    return Tensor._wrap(out.astype(np.uint8) if self._data.dtype == np.uint8 else out)


@_method
def count_nonzero(self, dim=None):
    return Tensor._wrap(xp_of(self._data).asarray(
        np.count_nonzero(self._data, axis=_dims(self, dim, None, "count_nonzero")), dtype=np.int64))


_VECTOR_NORM = "LinalgVectorNormBackward0"


@_method
def norm(self, p="fro", dim=None, keepdim=False):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "norm", "keepdim")
    if p == "fro":
        if isinstance(dim, (tuple, list)) and len(dim) > 2:  # torch hands 'fro' over dims to matrix_norm
            raise RuntimeError(f"norm: p='fro' takes at most 2 dims (a matrix norm), got dim={tuple(dim)}")
        p = 2
    if p == "nuc":  # torch hands it to matrix_norm, over every dim when none is given
        from .linalg import matrix_norm
        return matrix_norm(self, "nuc", tuple(range(self.ndim)) if dim is None else dim, keepdim)
    if not isinstance(p, (builtins.int, builtins.float)) or isinstance(p, builtins.bool):
        raise RuntimeError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    if not dt.is_floating(self.dtype):
        if self._data.dtype.kind == "c":  # torch: the norm of |z|, real
            return self.abs().norm(p, dim, keepdim)
        raise RuntimeError(f"norm: expected a floating point tensor as input, got {self.dtype}")
    if p == 1:  # the others named as torch's one node (its linalg_vector_norm), as print(y) shows it
        return self.abs().sum(dim, keepdim)._named(_VECTOR_NORM)
    if p == float("inf") or p == float("-inf"):  # torch's inf-norm gradient shares among NaNs too
        if self.numel() == 0 and any(self.shape[a] == 0 for a in _dims(self, dim, None, "norm")):
            raise RuntimeError(f"norm: cannot compute the {p} norm over an empty dim of a tensor of shape "
                               f"{self.shape}")
        return _amax_amin(self.abs(), dim, keepdim, "amax" if p > 0 else "amin", nan_ties=True)._named(_VECTOR_NORM)
    if p == 0:  # the number of nonzeros; as in torch, a graph whose gradient is zero (Piecewise: dx = 0)
        n = (self != 0).sum(dim, keepdim)._cast(self._float_operand().dtype)
        return E.Piecewise.apply(self, fn=lambda x: n._data)._named(_VECTOR_NORM) if self._requires_grad else n
    if _narrow(self):
        return _via_float32(self, "norm", p, dim, keepdim)._named(_VECTOR_NORM)
    return R.Norm.apply(self, axis=_dims(self, dim, None, "norm"), p=p, keepdim=keepdim)


@_method
def nansum(self, dim=None, keepdim=False, dtype=None):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "nansum", "keepdim")
    if dtype is None and _narrow(self):
        return _via_float32(self, "nansum", dim, keepdim)
    if self._data.dtype.kind == "c":
        raise RuntimeError(f"nansum: complex inputs are not supported, as on torch's CPU (got {self.dtype})")
    _check_grad_dtype(self, dtype, "nansum")
    if not dt.is_floating(self.dtype):  # no NaN among integers: sum, which keeps dtype= (an int8 sum stays int8)
        return self.sum(dim, keepdim, dtype=dtype)
    if dtype is not None and not dt.is_floating(dt.to_dtype(dtype)):  # NaNs count 0 before the cast, as torch
        return self.masked_fill(self.isnan(), 0).sum(dim, keepdim, dtype=dtype)
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
    if _narrow(x):
        return _via_float32(x, "nansum", dim, keepdim)
    return R.NanSum.apply(x, axis=_dims(self, dim, None, "nansum"), keepdim=keepdim)


@_method
def nanmean(self, dim=None, keepdim=False, dtype=None):
    if keepdim is not False and keepdim is not True:
        _bool_arg(keepdim, "nanmean", "keepdim")
    if not dt.is_floating(self.dtype):  # torch checks the input, before dtype= casts it
        raise RuntimeError(f"nanmean: expected a floating point tensor, got {self.dtype}")
    if dtype is not None and not dt.is_floating(dt.to_dtype(dtype)):
        raise RuntimeError(f"nanmean: could not infer output dtype: dtype must be floating point, got {dtype}")
    x = self if dtype is None else self._cast(dt.to_dtype(dtype))
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
    method.__wrapped__ = fn  # inspect.signature shows fn's parameters (tests/test_compat_api.py audits them)
    return method


for _name in ["sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std", "logsumexp",
              "softmax", "log_softmax", "cumsum", "cumprod", "all", "any", "count_nonzero", "norm", "nansum",
              "nanmean"]:
    setattr(Tensor, _name, _numpy_spellings(getattr(Tensor, _name)))



# the @_method names above shadow builtins inside this module; drop them so helpers here get the builtins
del sum, mean, prod, max, min, all, any
