"""Conversions of a Tensor: Python data and numpy arrays in (_as_array, with torch's dtype inference), numbers,
lists and arrays out (item, tolist, numpy), printing (repr, format), and casts between dtypes and devices (to,
cpu, cuda, type, float, long, ...). The methods are attached to Tensor at the end; tensor.py imports this module
right after defining the class."""
import numpy as np
from . import dtype as dt
from .ops import elementwise as E
from .ops.movement import Contiguous as _Contiguous
from .tensor import Tensor, _ToDevice, _device_name, _gstate
from ._arrays import to_host, torch_layout, layout_copy


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """torch.set_printoptions (tensor_print.py, loaded on first use: the printer is ~1 ms of `import teenygrad`)"""
    from . import tensor_print
    tensor_print.set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode)


def _as_array(data, dtype):
    """Python data / numpy arrays -> array with torch's dtype inference (floats -> float32)."""
    if isinstance(data, Tensor):  # copy=False: as_tensor(x, dtype=x.dtype) shares, as torch's
        return _array_as(data._data, dtype)
    if isinstance(data, np.ndarray) or hasattr(data, "__cuda_array_interface__"):
        if isinstance(data, np.ndarray):
            data = _plain_array(data)
            _check_numpy_dtype(data.dtype, "tensor")
            return _array_as(data, dtype)
        return data if dtype is None else data.astype(dtype, copy=False)
    if isinstance(data, np.generic):  # numpy scalars keep their dtype, as in torch
        _check_numpy_dtype(data.dtype, "tensor")
        if dtype is not None and dtype.kind != "c":
            _check_scalar(data, dtype)
        if dtype is not None and dtype.kind in "iu" and data.dtype.kind in "iuf":
            _check_int_range(np.asarray(data), dtype)
        return np.asarray(data, dtype=dtype)
    typed, given = None, data
    if isinstance(data, (list, tuple)):
        typed = [x for x in _flat(data) if isinstance(x, (Tensor, np.generic, np.ndarray))]
        if typed and dtype is None:  # torch: tensors and numpy scalars or arrays in a list bring their dtypes
            dtype = _list_dtype(data)
        if any(isinstance(x, Tensor) for x in typed):
            data = _tensors_to_lists(data)
    try:
        a = np.asarray(data)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"tensor: can't build a tensor from {type(data).__name__} data: {e}") from None
    if a.dtype.kind == "O":
        a = _object_array(data, dtype)
    elif a.dtype == np.float64 and isinstance(given, (list, tuple)) and a.size and a.max() >= 2.0 ** 63:
        _check_big_ints(given, dtype)  # (ints past 2 ** 64 or below -2 ** 63 give an object array)
    elif a.dtype.kind in "SU":  # numpy would parse '1.5' as a number and take any string as True; torch refuses text
        x = a.ravel()[0].item()
        if _text_first(given):  # torch's shape walk takes the str for one more dimension: ValueError, as torch
            raise ValueError(f"tensor: too many dimensions 'str': can't build a tensor from text data ({x!r})")
        raise TypeError(f"tensor: can't build a tensor from text data ({type(x).__name__} {x!r})")
    if dtype is not None and dtype.kind != "c" and (a.dtype.kind == "c" or typed):  # numbers torch refuses
        for x in (_flat(given) if isinstance(given, (list, tuple)) else (given,)):
            _check_scalar(x, dtype)
    if dtype is not None and dtype.kind in "iu" and a.dtype.kind in "iuf" and a.size:
        is_int = np.array([isinstance(x, (int, np.integer)) for x in _flat(data)]) if (
            a.dtype.kind == "f" and isinstance(data, (list, tuple))) else None
        if is_int is not None and is_int.size == a.size:  # each number by its own kind: [-4, 2.5] as uint8
            _check_int_range(a.ravel()[is_int].astype(np.int64), dtype)
            _check_int_range(a.ravel()[~is_int], dtype)
        else:
            _check_int_range(a, dtype)
    if dtype is None:
        if a.dtype.kind == "f":
            dtype = dt._default_float
        elif a.dtype.kind in "iu":
            if a.dtype == np.uint64 and a.size and a.max() > np.iinfo(np.int64).max:  # Python ints past int64
                raise ValueError(f"tensor: Overflow when unpacking long long: {int(a.max())} doesn't fit int64")
            dtype = np.int64
        elif a.dtype.kind == "b":
            dtype = np.bool_
        elif a.dtype.kind == "c":  # Python complex numbers: the default complex dtype (complex64)
            dtype = dt.default_complex()
        else:
            raise TypeError(f"tensor: can't build a tensor from data of type {type(data).__name__} ({a.dtype})")
    elif a.dtype.kind == "c" and dtype.kind not in "cb":  # imaginary parts checked 0 above (numpy would warn)
        a = a.real
    return a.astype(dtype, copy=False)


def _text_first(data):
    """whether a str stands first in a list (or first in its first list, ...): torch reads the shape down the first
    elements and raises ValueError there (['a']); text met later, or alone, is a TypeError ([1, 'a'], 'a')"""
    while isinstance(data, (list, tuple)) and len(data):
        data = data[0]
        if isinstance(data, str):
            return True
    return False


def _array_as(a, dtype):
    """Array a in dtype: a itself where it is dtype already, else a copy (a numpy array's in torch's layout)."""
    if dtype is None or a.dtype == dtype:
        return a
    if type(a) is not np.ndarray or a.flags.c_contiguous:
        return a.astype(dtype)
    return layout_copy(a, dtype, torch_layout(a))  # numpy's order K would move an expanded axis innermost


def _plain_array(a):
    """A subclass of ndarray (np.matrix, a masked array) as the plain ndarray over its memory, as torch takes it: kept
    as it is, its own indexing and operators (and a type that is no ndarray's) would leak into every op."""
    return a if type(a) is np.ndarray else np.asarray(a)


def _check_numpy_dtype(d, op):
    """torch takes numpy's bool, integer, float16/32/64 and complex64/128 arrays (teenygrad bfloat16 too); strings,
    objects, dates and long doubles have no tensor dtype, and another byte order would need a copy to share."""
    if not (d.kind in "biu" or d.kind == "f" and d.itemsize <= 8 or d.kind == "c" and d.itemsize <= 16
            or d.kind == "V" and d.name == "bfloat16"):
        raise TypeError(f"{op}: can't convert np.ndarray of type numpy.{d.type.__name__}. The only supported types "
                        "are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, "
                        "uint32, uint16, uint8, and bool.")
    if not d.isnative:
        raise ValueError(f"{op}: given numpy array has byte order different from the native byte order ({d.str}). "
                         "Conversion between byte orders is currently not supported.")


def _object_array(data, dtype):
    """numpy's object array for Python data it could not type: a Python int past int64 (torch takes it as a float
    beside a float, else refuses) or something that is no number (None, a set, a generator: torch can't infer)."""
    items = list(_flat(data)) if isinstance(data, (list, tuple)) else [data]
    for x in items:
        if not isinstance(x, (int, float, complex, np.number, np.bool_)):
            raise RuntimeError(f"tensor: Could not infer dtype of {type(x).__name__}")
    if dtype is not None and dtype.kind == "b":  # torch takes any nonzero number as True
        return np.asarray(data, dtype=np.bool_)
    if dtype is not None and (dtype.kind == "c" or dt.is_floating(dtype)):  # the caller checks complex numbers' parts
        wide = dtype.kind == "c" or any(isinstance(x, (complex, np.complexfloating)) for x in items)
        return np.asarray(data, dtype=np.complex128 if wide else np.float64)
    if dtype is None and any(isinstance(x, (complex, np.complexfloating)) for x in items):
        return np.asarray(data, dtype=np.complex128)
    if dtype is None and any(isinstance(x, (float, np.floating)) for x in items):
        return np.asarray(data, dtype=np.float64)
    big = next((x for x in items if isinstance(x, int) and not -2 ** 63 <= x < 2 ** 63), items[0])
    raise ValueError(f"tensor: Overflow when unpacking long long: {big} doesn't fit int64")


def _check_big_ints(data, dtype):
    """numpy takes a Python int past int64 beside other ints as a float64 ([2 ** 63, 1]); torch refuses it where
    the dtype (given, or inferred from the data) is an integer one, taking it as a float only beside a float."""
    items = list(_flat(data))
    big = next((x for x in items if type(x) is int and not -2 ** 63 <= x < 2 ** 63), None)
    if big is None:
        return
    if dtype is None:
        dtype = np.dtype(np.float64) if any(isinstance(x, float) for x in items) else np.dtype(np.int64)
    if dtype.kind in "iu":
        raise ValueError(f"tensor: Overflow when unpacking long long: {big} doesn't fit {dtype}")


def _check_scalar(x, dtype):
    """torch converts each number of the data to a non-complex dtype as Python would: a Python complex is no real
    number, and only Python ints and floats (numpy's float64 is one) and numpy integers are integers to it."""
    if isinstance(x, Tensor):  # torch takes it as its number: an index for an integer dtype
        if dtype.kind in "iub" and x.dtype.kind not in "biu":
            raise TypeError(f"tensor: only integer tensors of a single element can be converted to an index "
                            f"(a {x.dtype} tensor in data for dtype {dtype})")
        if dt.is_floating(dtype) and x.dtype.kind == "c" and x.numel() == 1 and x.item().imag != 0:
            raise RuntimeError(f"tensor: value {x.item()} cannot be converted to type {dtype} without overflow")
    elif isinstance(x, np.generic):
        if dtype.kind in "iub" and not isinstance(x, np.integer) and type(x) is not np.float64 and not (
                dtype.kind == "b" and isinstance(x, (np.bool_, complex))):  # complex128 is a Python complex
            raise TypeError(f"tensor: 'numpy.{type(x).__name__}' object cannot be interpreted as an integer "
                            f"(value {x}, dtype {dtype})")
    elif isinstance(x, complex) and dtype.kind != "b":
        why = "must be real number, not complex" if dtype.kind == "f" else \
            "'complex' object cannot be interpreted as an integer"
        raise TypeError(f"tensor: {why} (value {x}, dtype {dtype})")


def _flat(seq):
    for x in seq:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _check_int_range(a, dtype):
    """Python numbers out of integer dtype's range: torch refuses rather than wrap (uint8 takes -255..-1 as ints
    only, see dtype.int_range; floats must lie in the range itself)."""
    low, high = dt.int_range(dtype) if a.dtype.kind != "f" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
    bad = a[~((a >= low) & (a <= high))]  # NaN fails too
    if bad.size:
        raise RuntimeError(f"tensor: value {bad.flat[0]} cannot be converted to {dtype} without overflow")


def _list_dtype(data):
    """torch's dtype for a list holding tensors or numpy scalars or arrays: each element's dtype (Python numbers: bool, int64,
    the default float) promoted as for tensors of equal standing (float16 with int64 is float16)."""
    rt = None
    for x in _flat(data):
        d = x.dtype if isinstance(x, (Tensor, np.generic, np.ndarray)) else dt.scalar_dtype(x)
        rt = d if rt is None else dt.result_type(rt, 1, d, 1)
    return rt


def _tensors_to_lists(seq):
    """torch reads a one-element tensor in a list as its number, whatever its shape: [tensor([1.]), tensor([2.])]
    has shape (2,). (A longer tensor, which torch refuses, gives its nested list.)"""
    return [(_tensors_to_lists(x) if isinstance(x, (list, tuple)) else
             ((x.item() if x.numel() == 1 else x.tolist()) if isinstance(x, Tensor) else x)) for x in seq]


def _dtype_name(d):
    return {"float32": "teenygrad.float32"}.get(d.name, "teenygrad." + d.name)


# ---- Tensor methods ---------------------------------------------------------------------------------
def _numpy_check(op):
    """Refuse a read through numpy in a custom Function's backward that a torch.func transform differentiates
    (autograd.custom): the result would be a constant there, its derivative a silent zero."""
    name = _gstate["numpy_refused"]
    if name is not None:
        raise RuntimeError(f"{op}: {name}'s backward reads a tensor through numpy while a torch.func transform "
                           f"differentiates it (hessian, jacrev(jacrev(f)), grad(grad(f))): its derivative would "
                           f"be a silent zero (torch: Cannot access data pointer of Tensor that doesn't have "
                           f"storage); write the backward with tensor ops")


def numpy(self, *, force=False):
    """The array itself (shared memory, like torch). Unlike torch, allowed on tensors that require grad; force=True
    also brings a cuda tensor's values to the host (a copy), as torch's."""
    _numpy_check("numpy")
    if self.device != "cpu":
        if force:
            return self._data.get()
        raise TypeError("numpy: can't convert a cuda tensor to numpy; use .cpu() first (or numpy(force=True))")
    return self._data


def __array__(self, dtype=None, copy=None):
    """np.asarray(t) shares the tensor's memory; np.array(t) (copy=True) gets its own, as from torch."""
    _numpy_check("__array__")
    a = to_host(self._data)
    if a is not self._data or (dtype is not None and np.dtype(dtype) != a.dtype):
        if copy is False:
            raise ValueError(f"__array__: can't avoid a copy for a {self.device} tensor of dtype {self.dtype} "
                             f"(asked dtype {dtype}, copy=False)")
        return a if dtype is None else a.astype(dtype)
    return a.copy() if copy else a


def __dlpack__(self, *args, **kwargs):
    """The DLPack protocol (np.from_dlpack(t), torch.from_dlpack(t)): the tensor's memory, shared."""
    if self.requires_grad:
        raise BufferError("__dlpack__: Can't export tensors that require gradient, use tensor.detach()")
    return self._data.__dlpack__(*args, **kwargs)


def __dlpack_device__(self):
    return self._data.__dlpack_device__()


def tolist(self):
    return self.cpu()._data.tolist()


def item(self):
    if self._data.size != 1:
        raise RuntimeError(f"item: a Tensor with {self._data.size} elements cannot be converted to Scalar")
    return self.cpu()._data.reshape(()).item()


def __format__(self, spec):
    # torch: a 0-d tensor formats as its number (f"{loss:.4f}"); anything else as its repr
    if self._data.ndim == 0:
        return format(self.item(), spec)
    return object.__format__(self, spec)


def __repr__(self):
    from . import tensor_print as P
    suffixes = []
    if self.device != "cpu":
        suffixes.append("device='cuda:0'")
    a = self.cpu()._data
    if a.size == 0:  # no elements to tell an int64 tensor from a float one: every dtype but the default is named
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if self.dtype != dt._default_float:
            suffixes.append(f"dtype={_dtype_name(self.dtype)}")
        body = "[]"
    else:
        if not P.options["edgeitems"]:  # torch names the size when no edge items show
            suffixes.append(f"size={tuple(a.shape)}")
        if self.dtype not in (dt._default_float, dt.int64, dt.bool, dt.default_complex()):
            suffixes.append(f"dtype={_dtype_name(self.dtype)}")
        body = P.format_array(a, len("tensor("))
    if self._ctx is not None:
        suffixes.append(f"grad_fn=<{self._ctx.name().rpartition('::')[2]}>")  # torch::autograd::NotImplemented
    elif self.requires_grad:
        suffixes.append("requires_grad=True")
    return P.with_suffixes("tensor(" + body, suffixes, len("tensor("))


def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, memory_format=None):
    """torch's three forms: to(device, dtype, non_blocking, copy), to(dtype, non_blocking, copy), to(other, ...).
    memory_format: teenygrad keeps C order, so channels_last gives C-ordered values, copied where torch copies."""
    n_flags = 0
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, str):  # torch's .to takes strings only as devices
            device = a
        elif a is True or a is False:  # positional non_blocking, then copy
            n_flags += 1
            copy = copy or (n_flags == 2 and a)
        elif a is not None:
            if n_flags or type(a) is int or type(a) is float:
                raise TypeError(f"to: invalid combination of arguments {tuple(type(x).__name__ for x in args)} "
                                "(expected (device, dtype, non_blocking, copy), (dtype, non_blocking, copy) or "
                                "(tensor, non_blocking, copy))")
            dtype = a
    out = self
    if device is not None and device != self.device and _device_name(device) != self.device:
        out = _ToDevice.apply(out, device=_device_name(device))
    if dtype is not None:
        out = out._cast(dt.to_dtype(dtype))
    if memory_format is not None and _layout_copy(out, memory_format, "to"):
        out = _copy_named(out.contiguous()) if not out._data.flags.c_contiguous else (_to_copy(out) if out is self
                                                                                       else out)
    if copy and out is self:
        out = _to_copy(self)
    if (out is not self and memory_format is not None and not out._data.flags.c_contiguous
            and _check_memory_format(out._data, memory_format, "to") == "contiguous_format"):
        out = _copy_named(out.contiguous())  # a copy made here (a cast, a move, copy=True) is laid out as asked
    return out


def _to_copy(t):
    """t.clone() as to() makes it: torch's node reads ToCopyBackward0 there, CloneBackward0 from clone()"""
    return _copy_named(t.clone())


def _copy_named(out):
    """out, a copy to() just made: its node reads ToCopyBackward0, as torch's _to_copy"""
    if out._ctx is not None:
        out._ctx.torch_name = "ToCopyBackward0"
    return out


def _check_memory_format(a, memory_format, op):
    from .creation import memory_format as _mf
    if not isinstance(memory_format, _mf):
        raise TypeError(f"{op}: memory_format must be a torch.memory_format (torch.channels_last, ...), got "
                        f"{type(memory_format).__name__}")
    rank = {"channels_last": 4, "channels_last_3d": 5}.get(memory_format.name)
    if rank is not None and a.ndim != rank and op != "is_contiguous":
        raise RuntimeError(f"{op}: required rank {rank} tensor to use {memory_format.name} format, got shape "
                           f"{tuple(a.shape)}")
    return memory_format.name


def _clone_order(a, memory_format):
    """How clone(memory_format=...) lays out its copy, as torch does: "C" (contiguous_format; channels_last and
    channels_last_3d, after their rank check, since C order is teenygrad's only dense layout: see contiguous), or,
    for preserve_format (the default), the axes from outermost to innermost in the order of self's strides (torch's
    infer_dense_strides: a transpose stays a transpose, a slice with gaps closes them, an expanded axis keeps its
    place), given as a tuple for a.transpose(...)."""
    name = "preserve_format" if memory_format is None else _check_memory_format(a, memory_format, "clone")
    if name != "preserve_format" or a.flags.c_contiguous:
        return "C"
    return torch_layout(a)


def _channels_last_dense(a):
    """True when the array's strides are torch's channels_last (N, H, W, C order; size-1 dims don't count)."""
    if a.ndim not in (4, 5):
        return False
    return a.transpose((0,) + tuple(range(2, a.ndim)) + (1,)).flags.c_contiguous


def _layout_copy(t, memory_format, op):
    """Whether torch's to(memory_format=) copies: it keeps the tensor when its suggested layout already is the one
    asked for (contiguous unless the strides are strictly channels-last)."""
    name = _check_memory_format(t._data, memory_format, op)
    if name == "preserve_format":
        return False
    a = t._data
    suggested = ("channels_last" if a.ndim == 4 else "channels_last_3d") if (
        _channels_last_dense(a) and not a.flags.c_contiguous) else "contiguous_format"
    return suggested != name


def contiguous(self, memory_format=None):
    """channels_last / channels_last_3d: the tensor itself when already laid out so (as torch's), else a copy in C
    order, teenygrad's only dense layout, where torch's copy would be channels-last."""
    if memory_format is not None:
        name = _check_memory_format(self._data, memory_format, "contiguous")
        if name == "preserve_format" and not self._data.flags.c_contiguous:
            raise RuntimeError("contiguous: preserve memory format is unsupported by the contiguous operator")
        if name in ("channels_last", "channels_last_3d"):
            if _channels_last_dense(self._data):
                return self
            return self.clone() if self._data.flags.c_contiguous else _Contiguous.apply(self)
    return self if self._data.flags.c_contiguous else _Contiguous.apply(self)


def is_contiguous(self, memory_format=None):
    """Whether the strides are dense in the order memory_format names (C order unless channels_last...)."""
    if memory_format is None:
        return self._data.flags.c_contiguous
    name = _check_memory_format(self._data, memory_format, "is_contiguous")
    if name in ("channels_last", "channels_last_3d"):
        return self._data.ndim == {"channels_last": 4}.get(name, 5) and _channels_last_dense(self._data)
    return self._data.flags.c_contiguous


def cpu(self):
    return self.to("cpu")


def cuda(self, device=None):
    return self.to("cuda")


def pin_memory(self, device=None):
    """The tensor itself: teenygrad copies host arrays to the GPU from ordinary memory (to(non_blocking=True)
    waits as usual), so pinning has nothing to do."""
    return self


def _cast(self, dtype):
    if dtype == self._data.dtype:
        return self
    if self.requires_grad and not dt.is_floating(dtype) and dtype.kind != "c":
        return Tensor._wrap(self._data.astype(dtype))
    return E.Cast.apply(self, dtype=dtype)

# torch's legacy tensor type names ('torch.FloatTensor'), by dtype name
_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
               "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor"}
_TYPE_OF_NAME = {v: k for k, v in _TYPE_NAMES.items()}


def type(self, dtype=None, non_blocking=False):
    """No argument: torch's type name ('torch.FloatTensor', 'torch.cuda.LongTensor'). With a dtype or such a
    name: the tensor cast to it (and moved, for a name that says cuda or not)."""
    if dtype is None:
        return ("torch.cuda." if self.device != "cpu" else "torch.") + _TYPE_NAMES.get(self.dtype.name, self.dtype.name)
    if isinstance(dtype, str):
        kind = dtype.rsplit(".", 1)[-1]
        if kind not in _TYPE_OF_NAME or dtype.rsplit(".", 1)[0] not in ("torch", "torch.cuda", "teenygrad", "teenygrad.cuda"):
            raise RuntimeError(f"type: invalid type {dtype!r} (expected a name like 'torch.FloatTensor')")
        return self.to("cuda" if ".cuda." in dtype else "cpu", dt.to_dtype(_TYPE_OF_NAME[kind]))
    if dtype is Tensor:  # the default tensor type, as torch's t.type(torch.Tensor)
        return self.to(dt._default_float)
    return self.to(dtype)


def _cast_to(self, dtype, memory_format):
    """t.float(), t.long(), ...: a memory_format makes them .to(dtype, memory_format=...), as torch's"""
    return self._cast(dtype) if memory_format is None else self.to(dtype, memory_format=memory_format)


def float(self, memory_format=None):
    return _cast_to(self, dt.float32, memory_format)


def double(self, memory_format=None):
    return _cast_to(self, dt.float64, memory_format)


def half(self, memory_format=None):
    return _cast_to(self, dt.float16, memory_format)


def bfloat16(self, memory_format=None):
    return _cast_to(self, dt.bfloat16_dtype(), memory_format)


def long(self, memory_format=None):
    return _cast_to(self, dt.int64, memory_format)


def int(self, memory_format=None):
    return _cast_to(self, dt.int32, memory_format)


def short(self, memory_format=None):
    return _cast_to(self, dt.int16, memory_format)


def char(self, memory_format=None):
    return _cast_to(self, dt.int8, memory_format)


def byte(self, memory_format=None):
    return _cast_to(self, dt.uint8, memory_format)


def bool(self, memory_format=None):
    return _cast_to(self, dt.bool, memory_format)


for _fn in (numpy, __array__, __dlpack__, __dlpack_device__, tolist, item, __format__, __repr__, to, contiguous,
            is_contiguous, cpu, cuda, pin_memory, _cast, type, float, double, half, bfloat16, long, int, short, char,
            byte, bool):
    setattr(Tensor, _fn.__name__, _fn)

# the method names above shadow builtins inside this module; drop them so the code here gets the builtins
del type, float, int, bool
