"""Tensor comparisons (==, <, eq, isclose, ...), bitwise and logical ops (&, |, ^, ~, <<, >>, logical_and, ...)
and the float tests (isnan, isinf, isfinite). None of them has a gradient: each promotes its operands as the
arithmetic does (Tensor._other) and wraps the numpy result. Attached to Tensor at the end; tensor.py imports this
module right after defining the class."""
import numbers

import numpy as np
from .tensor import Tensor, _arr


def _cmp(self, other, fn, op, ordered=False):
    a, b = self._other(other, op)
    if ordered and a._data.dtype.kind == "c":  # a real tensor against a complex number: refused, as complex tensors
        raise NotImplementedError(f"{op}: not implemented for {a.dtype} (complex numbers have no ordering)")
    try:
        return Tensor._wrap(fn(a._data, b._data))
    except ValueError:
        raise RuntimeError(f"{op}: shapes {a.shape} and {b.shape} can't be broadcast together") from None

# what == and != compare (Tensor._other's operands); anything else (None, a string, an object) is no tensor's equal,
# as in torch: t == None is False, t != None True, where t.eq(None) is refused
_OPERANDS = (Tensor, float, int, complex, np.number, np.bool_, list, tuple, np.ndarray)

def eq(self, o):
    return self._cmp(o, np.equal, "eq")

def ne(self, o):
    return self._cmp(o, np.not_equal, "ne")

def __eq__(self, o):
    return self._cmp(o, np.equal, "eq") if isinstance(o, _OPERANDS) else NotImplemented

def __ne__(self, o):
    return self._cmp(o, np.not_equal, "ne") if isinstance(o, _OPERANDS) else NotImplemented

def __contains__(self, element):
    """x in t: whether any entry of t equals x (a number, or a tensor broadcast against t), as torch's"""
    if not isinstance(element, (Tensor, numbers.Number)):
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}.")
    return bool((self == element).any())

def __lt__(self, o):
    return self._cmp(o, np.less, "lt", True)

def __le__(self, o):
    return self._cmp(o, np.less_equal, "le", True)

def __gt__(self, o):
    return self._cmp(o, np.greater, "gt", True)

def __ge__(self, o):
    return self._cmp(o, np.greater_equal, "ge", True)

lt, le, gt, ge = __lt__, __le__, __gt__, __ge__

def equal(self, other):
    return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

def _torch_type_name(dtype):
    """torch's name for a dtype in its messages: Float, Double, Long, Int, ..."""
    from .tensor_convert import _TYPE_NAMES  # only on the error path
    return _TYPE_NAMES.get(str(dtype), f"{dtype}Tensor")[:-len("Tensor")]

def _check_same_dtype(self, other, op):
    # torch compares only tensors of one dtype: a float32 result checked against a float64 reference is an error
    if isinstance(other, Tensor) and self._data.dtype != other._data.dtype:
        raise RuntimeError(f"{op}: {_torch_type_name(self._data.dtype)} did not match "
                           f"{_torch_type_name(other._data.dtype)} (the two tensors' dtypes must be the same)")

def _check_close_args(self, other, rtol, atol, op):
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument 'other' must be Tensor, not {type(other).__name__}")
    for name, v in (("rtol", rtol), ("atol", atol)):
        if isinstance(v, (complex, np.complexfloating)) or not isinstance(v, (int, float, np.number)):
            raise TypeError(f"{op}(): argument '{name}' must be float, not {type(v).__name__}")
        if not v >= 0:  # NaN too
            raise RuntimeError(f"{op}: {name} must be greater than or equal to zero, but got {v}")
    _check_same_dtype(self, other, op)
    try:
        np.broadcast_shapes(self.shape, other.shape)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {self.shape} and {other.shape} can't be broadcast together") from None

def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    _check_close_args(self, other, rtol, atol, "allclose")
    return bool(np.allclose(self._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))

def isclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    _check_close_args(self, other, rtol, atol, "isclose")
    return Tensor._wrap(np.isclose(self._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))

def _logic(self, other, fn, op):
    a, b = self._other(other, op)
    if a.dtype.kind not in "biu":
        raise NotImplementedError(f"{op}: bitwise ops need bool or integer tensors, got {a.dtype}")
    return Tensor._wrap(fn(a._data, b._data))

def __and__(self, o):
    return self._logic(o, np.bitwise_and, "and")

def __or__(self, o):
    return self._logic(o, np.bitwise_or, "or")

def __xor__(self, o):
    return self._logic(o, np.bitwise_xor, "xor")

def _shift(self, other, fn, op, reflected=False):
    a, b = self._other(other, op)
    if a.dtype.kind == "b":  # numpy would shift bools as int8; torch refuses
        raise NotImplementedError(f"{op}: not implemented for bool tensors")
    return (b if reflected else a)._logic(a if reflected else b, fn, op)

def __lshift__(self, o):
    return self._shift(o, np.left_shift, "lshift")

def __rshift__(self, o):
    return self._shift(o, np.right_shift, "rshift")

def __rlshift__(self, o):
    return self._shift(o, np.left_shift, "lshift", reflected=True)

def __rrshift__(self, o):
    return self._shift(o, np.right_shift, "rshift", reflected=True)

__rand__, __ror__, __rxor__ = __and__, __or__, __xor__

def __invert__(self):
    if self.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: needs a bool or integer tensor, got {self.dtype}")
    return Tensor._wrap(np.invert(self._data))

def _logical(self, other, fn, op):
    if not isinstance(other, Tensor):  # torch's signature takes a Tensor only (x.logical_and(True) is refused)
        raise TypeError(f"{op}(): argument 'other' must be Tensor, not {type(other).__name__}")
    return self._cmp(other, fn, op)

def logical_and(self, o):
    return self._logical(o, np.logical_and, "logical_and")

def logical_or(self, o):
    return self._logical(o, np.logical_or, "logical_or")

def logical_xor(self, o):
    return self._logical(o, np.logical_xor, "logical_xor")

def logical_not(self):
    return Tensor._wrap(np.logical_not(self._data))

def isnan(self):
    return Tensor._wrap(np.isnan(self._data))

def isinf(self):
    return Tensor._wrap(np.isinf(self._data))

def isfinite(self):
    return Tensor._wrap(np.isfinite(self._data))


for _name in ["_cmp", "_logical", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__contains__", "eq", "ne", "lt", "le",
              "gt", "ge", "equal", "allclose", "isclose", "_logic", "__and__", "__or__", "__xor__", "_shift",
              "__lshift__", "__rshift__", "__rlshift__", "__rrshift__", "__rand__", "__ror__", "__rxor__", "__invert__",
              "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite"]:
    setattr(Tensor, _name, globals()[_name])
