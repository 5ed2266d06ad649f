"""Tensor's in-place math: x += y, add_, sub_, mul_, div_, pow_, clamp_, lerp_, addcmul_, addcdiv_, exp_. With no
graph to record they write the tensor's own memory (numpy ufuncs with out=, by blocks where a temporary would be
x-sized); otherwise they run the out-of-place op on a stand-in of the old value and rebind (tensor_inplace._inplace)."""
import builtins
import numpy as np
from .tensor import Tensor, _BOOL_SUB, _check_alpha, _gstate, _is_bool, _needs_grad, _shared_memory_error
from .tensor_inplace import _bump, _bump_plain_views, _check_cast_first, _count_write


def __iadd__(self, o):
    if isinstance(o, Tensor) and not self._requires_grad and not o._requires_grad:
        a, b = self._data, o._data
        if a.dtype is b.dtype and a.shape == b.shape and type(a) is np.ndarray and type(b) is np.ndarray:
            # the SGD update (p.data += -lr * p.grad): same dtype and shape, nothing for _fast_inplace to check
            try:
                a += b
            except ValueError:  # a read-only (expanded) array
                raise _shared_memory_error("add_", self) from None
            if self._ctx is None:  # _bump(self), inlined for the SGD update's .data alias
                _gstate["writes"] += 1
                d = self.__dict__
                d["_written"] = _gstate["writes"]
                if "_recipe" in d or "_views" in d:  # a plain view, or a tensor with plain views: they share it
                    _bump_plain_views(self, _gstate["writes"])
                    _count_write(self)
                else:  # _count_write(self), inlined: the tensor counts its own writes
                    d["_nwrites"] = d.get("_nwrites", 0) + 1
            else:
                _bump(self)
            return self
    if not self._requires_grad and not _needs_grad(o) and isinstance(o, (Tensor, builtins.float, builtins.int)):
        return self._fast_inplace(np.add, o, "add_")
    return self._inplace(self._pre_inplace() + o, "add_")

def __isub__(self, o):
    if not self._requires_grad and not _needs_grad(o) and isinstance(o, (Tensor, builtins.float, builtins.int)):
        return self._fast_inplace(np.subtract, o, "sub_")
    return self._inplace(self._pre_inplace() - o, "sub_")

def __imul__(self, o):
    if not self._requires_grad and not _needs_grad(o) and isinstance(o, (Tensor, builtins.float, builtins.int)):
        return self._fast_inplace(np.multiply, o, "mul_")
    return self._inplace(self._pre_inplace() * o, "mul_")

def __itruediv__(self, o):
    return self._inplace(self._pre_inplace() / o, "div_")

def __ifloordiv__(self, o):
    _check_cast_first(self, o, "floor_divide_")  # before the op's own dtype errors
    return self._inplace(self._pre_inplace() // o, "floor_divide_")

def __ipow__(self, o):
    return self._inplace(self._pre_inplace() ** o, "pow_")

def __imod__(self, o):
    _check_cast_first(self, o, "remainder_")  # before the op's own dtype errors
    return self._inplace(self._pre_inplace() % o, "remainder_")

def __iand__(self, o):
    _check_cast_first(self, o, "and_")  # before the op's own dtype errors
    return self._inplace(self & o, "and_")

def __ior__(self, o):
    _check_cast_first(self, o, "or_")  # before the op's own dtype errors
    return self._inplace(self | o, "or_")

def __ixor__(self, o):
    _check_cast_first(self, o, "xor_")  # before the op's own dtype errors
    return self._inplace(self ^ o, "xor_")

def _fast_inplace(self, ufunc, o, op):
    """x += y with no graph: write into x's own memory (keeps views and .data aliases in sync)."""
    b, bs = (o._data, o._data.shape) if isinstance(o, Tensor) else (o, ())  # o is a Tensor or a Python number
    # torch refuses to write a float result into an int tensor, or a number into a bool tensor
    kind = self._data.dtype.kind
    if ufunc is np.subtract and (kind == "b" or type(o) is builtins.bool
                                 or isinstance(o, Tensor) and b.dtype.kind == "b"):
        raise RuntimeError(_BOOL_SUB)  # as out-of-place: torch refuses `-` with a bool tensor
    if kind in "biu" or kind in "fV" and isinstance(o, Tensor) and b.dtype.kind == "c":  # (nor complex into real;
        # V: bfloat16)
        _check_cast_first(self, o, op)
    if bs != self._data.shape:
        try:
            fits = np.broadcast_shapes(self._data.shape, bs) == self._data.shape
        except ValueError:
            raise RuntimeError(f"{op}: the size of the operand {tuple(bs)} must match the size of the "
                               f"tensor {self.shape} (broadcasting failed)") from None
        if not fits:
            raise RuntimeError(f"{op}: output with shape {self.shape} doesn't match the broadcast shape "
                               f"{np.broadcast_shapes(self.shape, bs)}")
    if (kind in "iu" and type(b) is builtins.int and not 0 <= b < 128  # (small ints fit every integer dtype)
            and not np.can_cast(np.min_scalar_type(b), self._data.dtype)):
        if -2 ** 63 <= b < 2 ** 64:
            b = np.asarray(b).astype(self._data.dtype)  # u8 += -3 wraps modulo 2^8, as torch's integer ops
    try:
        ufunc(self._data, b, out=self._data, casting="unsafe")
    except ValueError:  # a read-only (expanded) array
        raise _shared_memory_error(op, self) from None
    _bump(self)
    return self

def add_(self, o, alpha=1):
    if alpha != 1:
        alpha = _check_alpha(self, alpha, "add_")
        if _scaled_by_add(self, o):
            return self._inplace(self._pre_inplace().add(o, alpha), "add_")
    if alpha != 1 and isinstance(o, Tensor) and _direct(self, o, alpha) is not None:  # by blocks: no x-sized temporary
        return _write_blocks(self, _add_scaled, o._data, alpha)
    return self.__iadd__(o * alpha if alpha != 1 else o)

def sub_(self, o, alpha=1):
    if self._data.dtype.kind == "b" or _is_bool(o):
        raise RuntimeError(_BOOL_SUB)  # before o * alpha turns a bool into an int
    if alpha != 1 and _scaled_by_add(self, o):
        return self._inplace(self._pre_inplace().sub(o, alpha), "sub_")
    if alpha != 1 and isinstance(o, Tensor) and _direct(self, o, alpha) is not None:
        return _write_blocks(self, _add_scaled, o._data, -alpha)
    return self.__isub__(o * alpha if alpha != 1 else o)

def _scaled_by_add(self, o):
    """Whether x.add_(o, alpha) must go by the out-of-place add, as torch scales o: in the dtype o promotes to (not
    o's own), and in float32 for a float16/bfloat16 x (rounded once)."""
    return isinstance(o, Tensor) and o._data.dtype != self._data.dtype or (self._data.itemsize == 2
                                                                           and self._data.dtype.kind in "fV")

def mul_(self, o):
    return self.__imul__(o)

def div_(self, o):
    return self.__itruediv__(o)

def pow_(self, o):
    return self.__ipow__(o)

def clamp_(self, min=None, max=None):
    if (min is not None or max is not None) and _direct(self, min, max, ints=True) is not None:
        lo, hi = (b._data if isinstance(b, Tensor) else None if b is None else _bound_in(b, self._data.dtype)
                  for b in (min, max))
        if (lo is None) == (min is None) and (hi is None) == (max is None):  # else a bound out of range: an error
            np.clip(self._data, lo, hi, out=self._data)  # min(max(x, lo), hi): NaN propagates, lo > hi gives hi
            _bump(self)
            return self
    return self._inplace(self._pre_inplace().clamp(min, max), "clamp_")

# ---- in-place math without a graph: numpy ufuncs straight into the tensor's memory -------------------------------
# The generic path (self._inplace(self._pre_inplace().op(...))) copies x, runs the out-of-place op with its
# temporaries (and the masks its backward would need), then copies the result back. With no graph to record, these
# ops write x's memory directly, and bump its write stamp once, as _store does at the end of the generic path.
_BLOCK = 1 << 15  # elements per block: a block's temporaries stay in cache instead of x-sized arrays


def _no_graph_write(self, *inputs):
    """self's numpy array when an in-place op may write it directly, else None: numpy and writable, no graph to
    record (grad mode off, or neither self nor a Tensor among inputs needs grad), no Tensor input a numpy array
    sharing its memory. Here for the in-place math below and for tensor_index's scatters."""
    a = self._data
    if type(a) is not np.ndarray or not a.flags.writeable:
        return None  # cupy, or an expanded array: the generic path (and its error)
    grad = _gstate["enabled"]
    if grad and self._requires_grad:
        return None
    for t in inputs:
        if isinstance(t, Tensor) and (grad and t.requires_grad or type(t._data) is not np.ndarray
                                      or np.may_share_memory(a, t._data)):
            return None
    return a


def _direct(self, *operands, ints=False):
    """self's numpy array when an in-place op on self with these operands may write it directly, else None (the
    generic path then runs, with torch's errors). Only the plain cases: _no_graph_write's, self float32/float64 (or
    an integer tensor if ints), Tensor operands of self's dtype that broadcast to self's shape, Python numbers (not
    bool) and None."""
    a = _no_graph_write(self, *operands)
    if a is None:
        return None
    kind = a.dtype.kind
    if not (kind == "f" and a.itemsize >= 4 or ints and kind in "iu"):
        return None
    for o in operands:
        if isinstance(o, Tensor):
            b = o._data
            if b.dtype != a.dtype or b.shape != a.shape and not _fits(b.shape, a.shape):
                return None
        elif o is not None and type(o) is not builtins.int and not (type(o) is builtins.float and kind == "f"):
            return None  # a float into an integer tensor (torch refuses), a bool, a numpy scalar: the generic path
    return a


def _fits(shape, target):
    """Whether an operand of `shape` broadcasts to exactly `target` (an in-place op's output keeps self's shape)."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _bound_in(b, dtype):
    """A clamp bound as the out-of-place clamp takes it (tensor_ops._bound); None where it is out of an integer
    dtype's range (the generic path then raises torch's error)."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return dtype.type(b) if info.min <= b <= info.max else None
    return dtype.type(b)


def _write_blocks(self, fn, *operands):
    """fn(x_part, *operand_parts) writes its result into x_part, over blocks of rows of self's array (operands
    broadcast to its shape, Python numbers passed as they are), then self's write is stamped."""
    a = self._data
    n = a.shape[0] if a.ndim else 1
    if a.size <= _BLOCK or n == 1:
        fn(a, *operands)
    else:
        rows = builtins.max(1, _BLOCK // (a.size // n))
        ops = [np.broadcast_to(o, a.shape) if isinstance(o, np.ndarray) else o for o in operands]
        for i in range(0, n, rows):
            fn(a[i:i + rows], *(o[i:i + rows] if isinstance(o, np.ndarray) else o for o in ops))
    _bump(self)
    return self


def _add_scaled(x, y, alpha):
    """x += alpha * y"""
    x += np.multiply(y, alpha)


def _lerp_into(x, end, weight):
    """x = lerp(x, end, weight), rounded as the out-of-place lerp: x + (end - x) w, or end - (end - x)(1 - w) where
    |w| >= 0.5"""
    d = np.subtract(end, x)
    if np.ndim(weight) == 0:
        if abs(weight) < 0.5:
            d *= weight
            x += d
        else:
            d *= 1 - weight
            np.subtract(end, d, out=x)
        return
    near = np.abs(weight) < 0.5
    np.copyto(x, np.where(near, x + d * weight, end - d * (1 - weight)).astype(x.dtype, copy=False))


def _addc_into(x, t1, t2, value, ufunc):
    """x += t1 * t2 * value (addcmul) or t1 / t2 * value (addcdiv), as the out-of-place ops round them"""
    with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 is inf or nan without a warning, as in torch
        t = ufunc(t1, t2)
    if value != 1:
        t *= value
    x += t


def lerp_(self, end, weight):
    if isinstance(end, Tensor) and _direct(self, end, weight) is not None:
        return _write_blocks(self, _lerp_into, end._data, weight._data if isinstance(weight, Tensor)
                             else weight)
    return self._inplace(self._pre_inplace().lerp(end, weight), "lerp_")


def addcmul_(self, tensor1, tensor2, value=1):
    both = isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor)
    if both and _direct(self, tensor1, tensor2, value) is not None:
        return _write_blocks(self, _addc_into, tensor1._data, tensor2._data, value, np.multiply)
    return self._inplace(self._pre_inplace().addcmul(tensor1, tensor2, value), "addcmul_")


def addcdiv_(self, tensor1, tensor2, value=1):
    both = isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor)
    if both and _direct(self, tensor1, tensor2, value) is not None:
        return _write_blocks(self, _addc_into, tensor1._data, tensor2._data, value, np.divide)
    return self._inplace(self._pre_inplace().addcdiv(tensor1, tensor2, value), "addcdiv_")


def exp_(self):
    a = _direct(self)
    if a is not None:
        np.exp(a, out=a)
        _bump(self)
        return self
    return self._inplace(self._pre_inplace().exp(), "exp_")


for _name in ["__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__ipow__", "__imod__", "__iand__",
              "__ior__", "__ixor__", "_fast_inplace", "add_", "sub_", "mul_", "div_", "pow_", "clamp_", "lerp_", "addcmul_",
              "addcdiv_", "exp_"]:
    setattr(Tensor, _name, globals()[_name])
