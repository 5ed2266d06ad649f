"""A fake GPU for tests: the subset of cupy that teenygrad uses, backed by numpy.

Device arrays are `FakeDeviceArray`, an np.ndarray subclass, so every numpy call teenygrad makes on them
still computes (numpy hands them to `__array_ufunc__` / `__array_function__`). Those hooks act like cupy:
- results are always device arrays, never host arrays or numpy scalars (cupy's `x.sum()` is a 0-d array);
- a HOST array mixed into a device computation raises TypeError, as cupy does ("Unsupported type
  numpy.ndarray"): a silent host array in a cuda tensor is exactly the bug these tests look for.
Python and numpy scalars mix freely, as in cupy. `np.asarray` / `np.array` / `np.ascontiguousarray` of a
device array raise TypeError while installed, as cupy's `__array__` does (numpy never asks a subclass, so
install() wraps those three functions). Not caught, because numpy takes a subclass without asking where cupy refuses
(both found on a real GPU, 2026-11-27): a device array written into a host one (`host[...] = device`), and a device
array in an argument numpy does not dispatch on (`np.repeat(host, device_repeats)`: only the first is looked at).

`install()` puts this module at sys.modules['cupy'] (with `cupy.fft`, and a `cupyx` with scipy.special.erf) and tells
teenygrad.backend.cuda to run matmul and the fused ops as plain array code (no Triton kernels).
"""
import math
import sys
import types

import numpy as np


class FakeDeviceArray(np.ndarray):
    """A 'GPU' array: numpy memory, cupy's rules."""

    def get(self):
        """Copy to a host numpy array (cupy.ndarray.get)."""
        _waited("get")
        return np.array(self.view(np.ndarray))

    # Reading a value on the host waits for the GPU in cupy: these count in `waits` (see _waited).
    def __bool__(self):
        _waited("bool")
        return np.ndarray.__bool__(self)

    def __float__(self):
        _waited("float")
        return np.ndarray.__float__(self)

    def __int__(self):
        _waited("int")
        return np.ndarray.__int__(self)

    def item(self, *args):
        _waited("item")
        return np.ndarray.item(self, *args)

    def tolist(self):
        _waited("tolist")
        return np.ndarray.tolist(self)

    @property
    def device(self):
        return cuda.Device()

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if method == "at":  # cupy's ndarray declines np.add.at & co.: numpy then raises this TypeError
            raise TypeError(f"fake cupy: operand type(s) all returned NotImplemented from __array_ufunc__({ufunc}, "
                            f"'at', ...): cupy has no ufunc.at; use cupyx.scatter_add / scatter_max / scatter_min")
        if method == "accumulate" and ufunc.__name__ not in ("add", "multiply"):  # cupy: cumsum / cumprod only
            raise NotImplementedError(f"fake cupy: {ufunc.__name__}.accumulate is not supported (cupy's ufuncs "
                                      f"accumulate add and multiply only)")
        args = [_unwrap(x, ufunc.__name__, allow_host=False) for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(_unwrap(o, ufunc.__name__, allow_host=False) for o in out)
        res = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(res)

    def __array_function__(self, func, types_, args, kwargs):
        name = getattr(func, "__name__", str(func))
        if name in _NO_INITIAL and "initial" in kwargs:
            raise TypeError(f"fake cupy: {name}() got an unexpected keyword argument 'initial' (cupy has none)")
        res = func(*_unwrap_tree(args, name), **_unwrap_tree(kwargs, name))
        return _wrap(res)

    def max(self, *args, **kwargs):
        if "initial" in kwargs:
            raise TypeError("fake cupy: max() got an unexpected keyword argument 'initial' (cupy has none)")
        return _wrap(np.ndarray.max(self, *args, **kwargs))

    def min(self, *args, **kwargs):
        if "initial" in kwargs:
            raise TypeError("fake cupy: min() got an unexpected keyword argument 'initial' (cupy has none)")
        return _wrap(np.ndarray.min(self, *args, **kwargs))

    def diagonal(self, *args, **kwargs):
        """A writable view, as cupy's (numpy's own diagonal view is read-only)."""
        v = np.ndarray.diagonal(self, *args, **kwargs)
        np.ndarray.flags.__get__(v).writeable = np.ndarray.flags.__get__(self).writeable
        return _wrap(v)

    @property
    def data(self):
        """cupy's MemoryPointer: ptr (this array's first byte) and mem.ptr (its allocation's first byte)."""
        base = self
        while isinstance(base.base, np.ndarray):
            base = base.base
        ptr = lambda a: a.__array_interface__["data"][0]
        return types.SimpleNamespace(ptr=ptr(self), mem=types.SimpleNamespace(ptr=ptr(base)))

    @property
    def flags(self):
        """cupy's flags: c_contiguous, f_contiguous and owndata, and no `writeable` (a device array always is)."""
        f = np.ndarray.flags.__get__(self)
        return types.SimpleNamespace(c_contiguous=f.c_contiguous, f_contiguous=f.f_contiguous, owndata=f.owndata)

    def __getitem__(self, index):
        if _is_bool_index(index):
            _waited("boolean getitem")
        return _wrap(super().__getitem__(_unwrap_index(index)))

    def __setitem__(self, index, value):
        if _is_bool_index(index):
            _waited("boolean setitem")
        if type(value) is np.ndarray:
            raise TypeError(f"fake cupy: setitem got a host numpy array {value.shape} for a device array; "
                            f"move it to the device first")
        super().__setitem__(_unwrap_index(index), value)

    def __reduce__(self):  # pickling a device array would silently make a host array in cupy's absence
        raise TypeError("fake cupy: device arrays can't be pickled; .get() them first")


waits = []  # what read a device value on the host (each one waits for the GPU in cupy), for the tests to check


def _waited(what):
    waits.append(what)


def _is_bool_index(index):
    """A boolean mask index: cupy counts its True entries on the host first (a wait)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) and i.dtype == np.bool_ for i in parts)


def _unwrap(x, op, allow_host=False):
    if isinstance(x, FakeDeviceArray):
        return x.view(np.ndarray)
    if type(x) is np.ndarray and not allow_host:
        raise TypeError(f"fake cupy: {op} got a host numpy array (shape {x.shape}, {x.dtype}) mixed with device "
                        f"arrays")
    return x


def _unwrap_tree(obj, op):
    if isinstance(obj, (FakeDeviceArray, np.ndarray)):
        return _unwrap(obj, op)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_unwrap_tree(x, op) for x in obj)
    if isinstance(obj, dict):
        return {k: _unwrap_tree(v, op) for k, v in obj.items()}
    return obj


def _unwrap_index(index):
    # host index arrays are allowed (cupy converts them); device index arrays just work
    if isinstance(index, tuple):
        return tuple(i.view(np.ndarray) if isinstance(i, FakeDeviceArray) else i for i in index)
    return index.view(np.ndarray) if isinstance(index, FakeDeviceArray) else index


_NO_INITIAL = {"amax", "amin", "max", "min", "nanmax", "nanmin"}  # reductions whose `initial` cupy lacks


def _wrap(res):
    if isinstance(res, np.ndarray):
        return res.view(FakeDeviceArray)
    if isinstance(res, np.generic):
        return np.asarray(res).view(FakeDeviceArray)
    if isinstance(res, tuple):
        return tuple(_wrap(r) for r in res)
    if isinstance(res, list):
        return [_wrap(r) for r in res]
    return res


# ---- the cupy module surface ----------------------------------------------------------------------

ndarray = FakeDeviceArray


def asarray(a, dtype=None, order=None):
    """Host (or device) data -> device array; host data is copied, as a host-to-device transfer would be."""
    if isinstance(a, FakeDeviceArray):
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    return np.array(a, dtype=dtype, order=order or "K").view(FakeDeviceArray)


def array(a, dtype=None, copy=True, order="K"):
    src = a.view(np.ndarray) if isinstance(a, FakeDeviceArray) else a
    return np.array(src, dtype=dtype, copy=copy, order=order).view(FakeDeviceArray)


def asnumpy(a):
    return a.get() if isinstance(a, FakeDeviceArray) else np.asarray(a)


def get_array_module(*arrays):
    return sys.modules[__name__] if any(isinstance(a, FakeDeviceArray) for a in arrays) else np


def _device_fn(fn):
    def f(*args, **kwargs):
        return _wrap(fn(*_unwrap_tree(args, fn.__name__), **_unwrap_tree(kwargs, fn.__name__)))
    f.__name__ = fn.__name__
    return f


def __getattr__(name):
    """cupy.<anything numpy has>: dtypes and constants as they are, functions returning device arrays."""
    if name.startswith("__"):
        raise AttributeError(name)
    obj = getattr(np, name)
    return _device_fn(obj) if callable(obj) and not isinstance(obj, type) else obj


lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
    as_strided=_device_fn(np.lib.stride_tricks.as_strided)))

# cupy.fft: numpy's transforms taking and giving device arrays only (a host array raises, as in cupy)
fft = types.ModuleType("cupy.fft")
for _name in ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
              "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"):
    setattr(fft, _name, _device_fn(getattr(np.fft, _name)))
del _name


class _Device:
    id = 0
    compute_capability = "90"

    def __init__(self, device=None):
        pass

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _Event:
    def record(self, stream=None):
        pass

    def synchronize(self):
        pass


cuda = types.SimpleNamespace(
    is_available=lambda: True, Device=_Device, Event=_Event, get_elapsed_time=lambda a, b: 0.0,
    get_current_stream=lambda: types.SimpleNamespace(ptr=0, synchronize=lambda: None),
    runtime=types.SimpleNamespace(getDeviceCount=lambda: 1))


def _erf(x):
    return asarray(np.frompyfunc(math.erf, 1, 1)(x.view(np.ndarray)).astype(x.dtype))  # on the "device": no get()


cupyx = types.ModuleType("cupyx")
cupyx.scipy = types.ModuleType("cupyx.scipy")
cupyx.scipy.special = types.ModuleType("cupyx.scipy.special")
cupyx.scipy.special.erf = _erf


def _scatter(ufunc):
    """cupyx.scatter_add / scatter_max / scatter_min: ufunc.at on the device array (host index arrays are fine, as
    in indexing), for the dtypes of CUDA's atomics that teenygrad routes there"""
    def scatter(a, slices, value):
        if a.dtype.char not in "fdi":
            raise TypeError(f"fake cupy: scatter_{ufunc.__name__} on {a.dtype} (teenygrad routes only float32, "
                            f"float64 and int32 here)")
        ufunc.at(_unwrap(a, "scatter", allow_host=False), _unwrap_index(slices),
                 _unwrap(value, "scatter", allow_host=False))
    return scatter


cupyx.scatter_add, cupyx.scatter_max, cupyx.scatter_min = _scatter(np.add), _scatter(np.maximum), _scatter(np.minimum)


class _AtomicUfunc:
    """cupy.add / maximum / minimum: called as numpy's on device arrays, with CuPy >= 13's atomic `.at` (what
    cupyx's scatters do). Setting `_AtomicUfunc.has_at = False` takes `.at` away, as in CuPy 12, so the tests
    reach the cupyx path too."""
    has_at = True

    def __init__(self, ufunc):
        self._ufunc, self.__name__ = ufunc, ufunc.__name__
        self._call, self._at = _device_fn(ufunc), _scatter(ufunc)

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __getattr__(self, name):
        if name == "at":
            if not _AtomicUfunc.has_at:
                raise AttributeError("at")
            return self._at
        attr = getattr(self._ufunc, name)
        return _device_fn(attr) if callable(attr) else attr


add, maximum, minimum = _AtomicUfunc(np.add), _AtomicUfunc(np.maximum), _AtomicUfunc(np.minimum)


_HOST_CONVERSIONS = ("asarray", "array", "ascontiguousarray")
_numpy_originals = {name: getattr(np, name) for name in _HOST_CONVERSIONS}


def _refuse_device(name):
    fn = _numpy_originals[name]

    def f(a, *args, **kwargs):
        if isinstance(a, FakeDeviceArray):
            raise TypeError(f"fake cupy: implicit conversion of a device array to numpy (np.{name}) is not "
                            f"allowed; use .get()")
        return fn(a, *args, **kwargs)
    return f


def install():
    """Make `import cupy` give this module and point teenygrad's cuda backend at it; returns an undo function."""
    from teenygrad.backend import cuda as backend
    mods = {"cupy": sys.modules[__name__], "cupy.fft": fft, "cupyx": cupyx, "cupyx.scipy": cupyx.scipy,
            "cupyx.scipy.special": cupyx.scipy.special}
    saved = {k: sys.modules.get(k) for k in mods}
    sys.modules.update(mods)
    backend._use_array_module_for_tests(sys.modules[__name__])
    for name in _HOST_CONVERSIONS:
        setattr(np, name, _refuse_device(name))

    def undo():
        for name, fn in _numpy_originals.items():
            setattr(np, name, fn)
        backend._use_array_module_for_tests(None)
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return undo
