"""Complex tensors: .real / .imag, conj, angle, and torch's constructors view_as_complex, view_as_real, polar and
complex (what Meta's Llama needs for rotary embeddings; x.is_complex() is in tensor_linalg_misc). The arithmetic
itself is numpy's; the Functions whose backward multiplies by an input conjugate it (Mul, Div and Pow in
ops/elementwise.py, Matmul in ops/matmul.py). Ops that need an ordering (comparisons, max, clamp, relu, sort, ...)
refuse complex tensors here, as torch does, rather than use numpy's lexicographic one."""
import functools
import numpy as np
from ._arrays import xp_of
from .ops import complex as C
from .tensor import Tensor


def _method(fn):
    setattr(Tensor, fn.__name__, fn)
    return fn


def _real(self):
    return C.Real.apply(self) if self._data.dtype.kind == "c" else self  # torch: x.real of a real x is x


def _imag(self):
    if self._data.dtype.kind != "c":
        raise RuntimeError(f"imag: imag is not implemented for tensors with non-complex dtypes (got {self.dtype})")
    return C.Imag.apply(self)


def _set_real(self, value):
    _real(self).copy_(value)  # torch: x.real = v writes v into the real part (into x itself for a real x)


def _set_imag(self, value):
    _imag(self).copy_(value)


Tensor.real = property(_real, _set_real)
Tensor.imag = property(_imag, _set_imag)


@_method
def conj(self):
    return C.Conj.apply(self) if self._data.dtype.kind == "c" else self


Tensor.conj_physical = conj


@_method
def resolve_conj(self):
    return self  # conj() is eager here: nothing is ever left to resolve


@_method
def is_conj(self):
    return False


@_method
def is_neg(self):
    return False  # neg() is eager too: no tensor carries a lazy negation bit


@_method
def resolve_neg(self):
    return self


@_method
def conj_physical_(self):
    """In place: each element replaced by its conjugate (nothing to do for a real tensor)."""
    return self.copy_(self.conj()) if self._data.dtype.kind == "c" else self


@_method
def cfloat(self, memory_format=None):
    return self.to(np.complex64)


@_method
def cdouble(self, memory_format=None):
    return self.to(np.complex128)


@_method
def chalf(self, memory_format=None):
    raise TypeError("chalf: teenygrad has no complex32 (numpy has no complex half); use cfloat()")


@_method
def angle(self):
    if self._data.dtype.kind == "c":
        return C.Angle.apply(self)
    if self._data.dtype.kind not in "fV":  # torch: an integer tensor's angle is in the default float
        from .tensor import dt  # the dtype module (the package attribute `dtype` is the dtype class)
        self = self._cast(dt._default_float)
    a = self._data
    xp = xp_of(a)
    out = xp.where(a < 0, np.pi, xp.where(xp.isnan(a), a, 0)).astype(a.dtype, copy=False)
    if self.requires_grad:  # torch keeps a real tensor's angle in the graph, with a zero gradient
        from .tensor_misc import ZeroGrad
        return ZeroGrad.apply(self, values=out)
    return Tensor._wrap(out)


def _check_tensor(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def view_as_complex(input):
    """(..., 2) float32/float64 -> (...) complex64/complex128 sharing input's memory."""
    _check_tensor("view_as_complex", input)
    d = input._data
    if d.dtype.kind != "f" or d.itemsize not in (4, 8):
        raise RuntimeError(f"view_as_complex: only float64 and float32 tensors are supported, got {input.dtype}")
    if d.ndim == 0 or d.shape[-1] != 2:
        raise RuntimeError(f"view_as_complex: Tensor must have a last dimension of size 2, got shape "
                           f"{tuple(d.shape)}")
    if d.strides[-1] != d.itemsize:
        raise RuntimeError(f"view_as_complex: Tensor must have a last dimension with stride 1, got strides "
                           f"{tuple(s // d.itemsize for s in d.strides)}")
    if any(s % (2 * d.itemsize) for s, n in zip(d.strides[:-1], d.shape[:-1]) if n > 1):
        raise RuntimeError(f"view_as_complex: Tensor must have a stride divisible by 2 for all but last dimension, "
                           f"got strides {tuple(s // d.itemsize for s in d.strides)}")
    if input.storage_offset() % 2:  # a complex element would start half-way into one of its memory's
        raise RuntimeError(f"view_as_complex: Tensor must have a storage_offset divisible by 2, got "
                           f"{input.storage_offset()}")
    return C.ViewAsComplex.apply(input)


def view_as_real(input):
    """(...) complex -> (..., 2) real (Re, Im) sharing input's memory."""
    _check_tensor("view_as_real", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError(f"view_as_real: view_as_real is only supported for complex tensors, got {input.dtype}")
    return C.ViewAsReal.apply(input)


def _real_pair(op, a, b, names):
    for t, n in zip((a, b), names):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: argument '{n}' must be Tensor, not {type(t).__name__}")
    if a.dtype != b.dtype or a._data.dtype.kind != "f" or a._data.itemsize not in (4, 8):
        raise RuntimeError(f"{op}: Expected both inputs to be Float or Double tensors but got {a.dtype} and "
                           f"{b.dtype}")


def polar(abs, angle):
    """abs * (cos(angle) + i sin(angle))"""
    _real_pair("polar", abs, angle, ("abs", "angle"))
    return C.Polar.apply(abs, angle)


def complex(real, imag):
    """real + i imag"""
    _real_pair("complex", real, imag, ("real", "imag"))
    return C.Complex.apply(real, imag)


def _refuse_complex(name, exc, why=""):
    """Wrap Tensor.name so that a complex tensor raises exc as torch does; the real path pays one dtype-kind test."""
    fn = getattr(Tensor, name)

    @functools.wraps(fn)
    def op(*args, **kwargs):
        for a in args[:2]:  # self and other (the module functions take the same two first)
            if isinstance(a, Tensor) and a._data.dtype.kind == "c":
                raise exc(f"{name}: not implemented for complex tensors (got {a.dtype}){why}")
        return fn(*args, **kwargs)
    setattr(Tensor, name, op)
    for mod in _DEFINERS:  # the torch.name function, where the method is that module's function, refuses too
        if getattr(mod, name, None) is fn:
            setattr(mod, name, op)


_ORDER = ": complex numbers have no ordering"
_REFUSED = {  # name: (torch's exception for a complex input, why)
    **{n: (NotImplementedError, _ORDER) for n in (
        "__lt__", "__le__", "__gt__", "__ge__", "lt", "le", "gt", "ge", "max", "min", "amax", "amin", "aminmax",
        "clamp", "clip", "relu", "floor", "ceil", "trunc", "fix", "round", "frac", "sign", "signbit", "cummax",
        "cummin", "median", "nanmedian", "kthvalue", "mode", "unique", "fmod", "remainder", "floor_divide",
        "copysign", "atan2", "histc")},
    **{n: (RuntimeError, _ORDER) for n in (
        "argmax", "argmin", "maximum", "minimum", "sort", "argsort", "msort", "topk", "quantile", "nanquantile",
        "fmax", "fmin", "heaviside", "isposinf", "isneginf")},
    **{n: (NotImplementedError, "") for n in ("lgamma", "digamma", "polygamma", "logit", "erfinv", "erfc", "i0",
                                               "xlogy", "gcd", "lcm")},
    **{n: (RuntimeError, "") for n in ("deg2rad", "rad2deg")},
}
# these define some of the refused methods and load after this module otherwise (tensor_ops imports it last)
from . import tensor_misc, tensor_linalg_misc, tensor_special  # noqa: E402
_DEFINERS = (tensor_misc, tensor_linalg_misc, tensor_special)
for _name, (_exc, _why) in _REFUSED.items():
    if hasattr(Tensor, _name):
        _refuse_complex(_name, _exc, _why)


@_method
def stft(self, *args, **kwargs):
    from .tensor_fft import stft as _stft  # loaded on first use, with teenygrad.fft
    return _stft(self, *args, **kwargs)


@_method
def istft(self, *args, **kwargs):
    from .tensor_fft import istft as _istft
    return _istft(self, *args, **kwargs)
