"""Factory functions: tensor, zeros, ones, arange, rand, ... (torch's names and dtype defaults)."""
import builtins
import math

import numpy as np
from . import dtype as dt
from . import _arrays
from .tensor import Tensor, Size, _shape_arg, _move, _bool_arg, _int_arg, _device_name
from .tensor_fill import _check_probabilities
from .random import gen_of, Generator, float_random_bounds
from .random_math import _fma64, _fma as _fma32, _libm  # one rounding, as torch's compiled kernels
from .autograd.function import Function
from .autograd.grad_mode import is_grad_enabled
from ._arrays import to_host
from .tensor_convert import _check_numpy_dtype, _plain_array


class memory_format:
    """torch.contiguous_format, preserve_format, channels_last, channels_last_3d. They choose strides, never values:
    teenygrad honours contiguous_format and preserve_format where it takes them, and accepts channels_last with the
    same values in C order (its strides then differ from torch's)."""
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


contiguous_format, preserve_format = memory_format("contiguous_format"), memory_format("preserve_format")
channels_last, channels_last_3d = memory_format("channels_last"), memory_format("channels_last_3d")


def _finish(a, dtype, device, requires_grad, op):
    if requires_grad is not False and requires_grad is not True:  # two identity tests: the common case stays free
        _bool_arg(requires_grad, op, "requires_grad")
    if dtype is not None:
        a = a.astype(dt.to_dtype(dtype), copy=False)
    if device is not None and str(device) != "cpu":
        a = _move(a, device)
    t = Tensor._wrap(a)
    return t.requires_grad_() if requires_grad else t


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of data (torch.tensor semantics: floats -> float32, ints -> int64)."""
    if requires_grad is not False and requires_grad is not True:
        _bool_arg(requires_grad, "tensor", "requires_grad")
    t = Tensor._from_data(data, dtype, device)
    a = t._data
    if a is getattr(data, "_data", data):  # a copy in torch's layout: a transpose stays one, as torch's clone
        t._data = a.copy() if a.flags.c_contiguous else _arrays.layout_copy(a, a.dtype, _arrays.torch_layout(a))
    return t.requires_grad_() if requires_grad else t


def as_tensor(data, dtype=None, device=None):
    return data.to(dtype=dtype) if isinstance(data, Tensor) else Tensor._from_data(data, dtype, device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """torch.asarray: a tensor or numpy array is shared (the tensor itself) unless dtype or device need a copy or
    copy=True asks for one; copy=False refuses to copy. Python data always gives a new tensor, as torch.tensor."""
    d = dt.to_dtype(dtype)
    if isinstance(obj, np.generic):  # read as a 0-d array (a cast, as torch's), not as a Python number
        if copy is False:
            raise RuntimeError(f"asarray: can't alias a numpy scalar ({type(obj).__name__}) (copy=False)")
        obj = np.asarray(obj)
    if isinstance(obj, Tensor) or isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        src = obj if isinstance(obj, Tensor) else Tensor._from_data(obj)  # checks a numpy array's dtype
        if copy is False and ((d is not None and d != src.dtype) or
                              (device is not None and _device_name(device) != src.device)):
            raise ValueError(f"asarray: can't alias a {src.device} tensor of dtype {src.dtype} into dtype {d}, "
                             f"device {device} (copy=False)")
        out = src.to(device=device, dtype=d)
        if copy and out is src:
            out = src.clone()
    elif copy is False:
        raise ValueError(f"asarray: can't alias arbitrary sequence into a tensor (got {type(obj).__name__}, "
                         "copy=False)")
    else:
        out = Tensor._from_data(obj, d, device)
    return out.requires_grad_() if requires_grad else out


def from_numpy(a):
    """Shares memory with the array, keeping its dtype (as torch.from_numpy)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(a).__name__}")
    _check_numpy_dtype(a.dtype, "from_numpy")
    return Tensor._wrap(_plain_array(a))


def _check_shape(shape, op):
    shape = _shape_arg(shape, op, "size")
    if shape and min(shape) < 0:  # min: one C call, where any(generator) costs a frame per call
        raise RuntimeError(f"{op}: trying to create tensor with negative dimension in {shape}")
    return shape


def _size_kw(size, kw, op):
    """torch also takes the shape as size=(...): zeros(size=(2, 3))."""
    if not kw:
        return size
    if set(kw) != {"size"} or size:
        bad = sorted(set(kw) - {"size"})
        raise TypeError(f"{op}: unexpected keyword argument {bad[0]!r}" if bad else f"{op}: size given twice")
    return kw["size"]


def zeros(*size, dtype=None, device=None, requires_grad=False, **kw):
    size = _size_kw(size, kw, "zeros")
    return _finish(np.zeros(_check_shape(size, "zeros"), dt.to_dtype(dtype) or dt._default_float), None, device,
                   requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False, **kw):
    size = _size_kw(size, kw, "ones")
    return _finish(np.ones(_check_shape(size, "ones"), dt.to_dtype(dtype) or dt._default_float), None, device,
                   requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False, **kw):
    size = _size_kw(size, kw, "empty")
    return _finish(np.empty(_check_shape(size, "empty"), dt.to_dtype(dtype) or dt._default_float), None, device,
                   requires_grad, "empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False, _overflow_to_inf=False):
    if isinstance(fill_value, (str, bytes)):  # numpy would parse '1.5'; torch takes numbers only
        raise TypeError(f"full(): argument 'fill_value' must be Number, not {type(fill_value).__name__}")
    if isinstance(fill_value, Tensor) and fill_value.ndim:  # torch: a number (or a 0-d tensor's)
        raise TypeError(f"full: fill_value must be a number, got a tensor of shape {fill_value.shape}")
    if isinstance(fill_value, Tensor):  # a 0-d tensor: its number, and the dtype that number has (int64 for 3)
        fill_value = fill_value.item()
    dtype = dt.scalar_dtype(fill_value) if dtype is None else dt.to_dtype(dtype)
    if isinstance(fill_value, (complex, np.complexfloating)) and dtype.kind != "c":
        if dtype.kind == "b":  # any nonzero number is True, as torch
            fill_value = builtins.bool(fill_value)
        elif fill_value.imag != 0:  # torch refuses to drop an imaginary part, and takes 1+0j as 1
            raise RuntimeError(f"full: value {fill_value} cannot be converted to type {dtype} without overflow")
        fill_value = fill_value.real
    if (dtype.kind in "fcV" and not _overflow_to_inf  # V: bfloat16
            and not isinstance(fill_value, (bool, np.bool_))):
        from .tensor_inplace import _fill_value  # a finite number past the dtype's range: refused, as torch
        part = np.dtype(dtype.char.lower()) if dtype.kind == "c" else dtype  # a complex dtype's real part
        for x in ((fill_value.real, fill_value.imag) if isinstance(fill_value, (complex, np.complexfloating))
                  else (fill_value,)):
            _fill_value(float(x), part, "full")
    if dtype.kind in "iu":
        if isinstance(fill_value, (float, np.floating)):  # truncated; a negative float refused for uint8, as torch
            from .tensor_inplace import _fill_value
            fill_value = _fill_value(float(fill_value), dtype, "full")
        lo, hi = dt.int_range(dtype)
        if not lo <= fill_value <= hi:  # NaN fails too
            raise RuntimeError(f"full: fill value {fill_value} cannot be converted to {dtype} without overflow")
        fill_value = np.asarray(fill_value).astype(dtype)  # uint8: -1 wraps to 255, as in torch
    return _finish(np.full(_check_shape(size, "full"), fill_value, dtype), None, device, requires_grad, "full")


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps), computed in float64 and cast (torch's default dtype: the default float)"""
    steps = _int_arg(steps, "logspace", "steps")
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    dtype = _space_dtype(start, end, dtype, "logspace")
    if dtype.kind in "iu" and steps == 1:  # torch fills in the one power, refused where dtype can't hold it
        return full((1,), _c_pow(float(base), float(start)), dtype=dtype, device=device, requires_grad=requires_grad)
    _check_int_bounds(start, end, dtype, "logspace")
    if dt.is_floating(dtype):
        a = _logspace_float(start, end, steps, float(base), dtype)
    elif dtype.kind in "iu":
        a = _logspace_int(start, end, steps, float(base), dtype)
    else:
        a = np.power(float(base), np.linspace(complex(start), complex(end), steps) if dtype.kind == "c"
                     else np.linspace(start, end, steps)).astype(dtype)
    return _finish(a, None, device, requires_grad, "logspace")


def _logspace_float(start, end, steps, base, dtype):
    """torch's CPU logspace: start and end rounded to dtype first (their difference too), the exponents counted up
    from start for the first half and down from end for the second in float64, each power cast to dtype."""
    narrow = dtype.itemsize == 2  # float16 / bfloat16: c10 rounds a double through float32
    def r(x):
        x = np.asarray(x, np.float32 if narrow else dtype).astype(dtype)
        return x.astype(np.float64)
    if steps == 1:
        x = np.array([float(start)])
    else:
        s, e = r(float(start)), r(float(end))
        step = r(np.float32(e) - np.float32(s) if narrow else e - s) / (steps - 1)
        half = steps // 2
        i = np.arange(steps, dtype=np.float64)
        i[half:] = steps - 1 - i[half:]
        x = i * step
        x[:half] += s
        np.subtract(e, x[half:], out=x[half:])
    p = _libm(lambda v: _c_pow(base, v), x)
    with np.errstate(over="ignore"):
        return (p.astype(np.float32) if narrow else p).astype(dtype)


def _logspace_int(start, end, steps, base, dtype):
    """torch's integer logspace: the bounds truncated to integers, the base to float32, the exponents and powers in
    float64, each truncated (logspace(0.5, 2.5, 5, dtype=int64) is [1, 3, 10, 31, 100]); a power past the range
    converts as x86 does, to the lowest int64 for int64 and to the lowest int32 (cut to the dtype's bits) otherwise."""
    s, e = int(start), int(end)
    step = (e - s) / (steps - 1)
    half = steps // 2
    i = np.arange(steps, dtype=np.float64)
    x = np.concatenate([i[:half] * step + s, e - step * (steps - 1 - i[half:])])
    base = float(np.float32(base))
    p = _libm(lambda v: _c_pow(base, v), x)
    wide = np.int64 if dtype == np.int64 else np.int32
    lo, hi = np.iinfo(wide).min, np.iinfo(wide).max
    return np.where((p >= lo) & (p < hi + 1.0), p, lo).astype(wide).astype(dtype)


def _c_pow(base, x):
    """C's pow, as torch calls it (numpy's vectorized power differs from it in the last bit); numpy's where Python's
    raises (an overflow is inf there, a negative base's fractional power NaN)."""
    try:
        return math.pow(base, x)
    except (OverflowError, ValueError):
        with np.errstate(all="ignore"):
            return float(np.power(base, x))


def _like(fn, t, dtype, device, requires_grad, *args):
    _check_tensor(t, fn.__name__ + "_like")
    return fn(t.shape, *args, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def _dense_order(a):
    """The axes of numpy array a from outermost to innermost of torch's preserve_format layout for a new tensor like
    a (_arrays.torch_layout: a dense block keeps its order, gaps close up), when that is not C order, else None."""
    if type(a) is not np.ndarray or a.ndim < 2 or a.flags.c_contiguous:
        return None
    order = _arrays.torch_layout(a)
    return None if order == tuple(range(a.ndim)) else order


def _like_layout(fn, t, dtype, device, requires_grad, memory_format, *args):
    """_like with torch's preserve_format: the result has t's strides when t is a dense block in another order
    (ones_like(y) for y = x.t().exp() is transposed too, so the backward's dy * y reads both in one order)."""
    _check_tensor(t, fn.__name__ + "_like")
    if requires_grad is not False and requires_grad is not True:
        _bool_arg(requires_grad, fn.__name__ + "_like", "requires_grad")
    order = _dense_order(t._data) if device is None and memory_format is not contiguous_format else None
    if order is None:
        return _like(fn, t, dtype, device, requires_grad, *args)
    block = fn(tuple(t.shape[i] for i in order), *args, dtype=dtype or t.dtype, device=t.device)
    out = Tensor._wrap(block._data.transpose(np.argsort(order)))
    return out.requires_grad_(True) if requires_grad else out


def zeros_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like_layout(zeros, input, dtype, device, requires_grad, memory_format)


def ones_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like_layout(ones, input, dtype, device, requires_grad, memory_format)


def empty_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like_layout(empty, input, dtype, device, requires_grad, memory_format)


def _check_tensor(t, op):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: argument 'input' must be a Tensor, not {type(t).__name__}")


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like_layout(full, input, dtype, device, requires_grad, memory_format, fill_value)


def _random_like(fn, input, dtype, device, requires_grad, memory_format, *args, generator=None):
    """torch's rand_like, randn_like, randint_like: empty_like(input) filled in place, so a dense input in an order
    other than C's (x.t()) gives a result in its layout, drawn in its memory order."""
    _check_tensor(input, fn.__name__ + "_like")
    dtype = dtype or input.dtype
    if device is None and memory_format is not contiguous_format and _dense_order(input._data) is not None:
        out = fn(*args, input.shape, dtype=dtype, generator=generator, out=empty_like(input, dtype=dtype))
        return out.requires_grad_() if requires_grad else out
    return fn(*args, input.shape, dtype=dtype, device=device or input.device, requires_grad=requires_grad,
              generator=generator)


def rand_like(input, dtype=None, device=None, requires_grad=False, generator=None, memory_format=None):
    return _random_like(rand, input, dtype, device, requires_grad, memory_format, generator=generator)


def randn_like(input, dtype=None, device=None, requires_grad=False, generator=None, memory_format=None):
    return _random_like(randn, input, dtype, device, requires_grad, memory_format, generator=generator)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad=False, generator=None,
                 memory_format=None):
    if high is None:
        low, high = 0, low
    return _random_like(randint, input, dtype, device, requires_grad, memory_format, low, high, generator=generator)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if (type(start) is int and type(end) is int and type(step) is int and step and (end - start) * step >= 0
            and (dtype is None or dtype is dt.int64) and device is None and requires_grad is False
            and -2 ** 63 <= start < 2 ** 63 and -2 ** 63 <= end < 2 ** 63):
        # arange(pos, pos + t) of Python ints (a decode step's positions): int64, as the checks below conclude
        return Tensor._wrap(np.arange(start, end, step, dtype=np.int64))
    # a 0-d tensor counts as its number, with its kind: arange(tensor(3.)) is float, as torch's
    for v in (start, end, step):
        if isinstance(v, Tensor) and v.ndim:  # torch: a Number or a 0-d tensor
            raise TypeError(f"arange(): bounds must be numbers or 0-d tensors, got a tensor of shape {tuple(v.shape)}")
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    vals = [start, end, step]
    if not all(math.isfinite(v) for v in vals):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end} (step {step}); the bounds must be finite")
    if dtype is None:
        dtype = dt._default_float if any(isinstance(v, (float, np.floating)) for v in vals) else dt.int64
    dtype = dt.to_dtype(dtype)
    if step == 0:
        raise RuntimeError(f"arange: step must be nonzero (start={start}, end={end}, step={step})")
    if (end - start) / step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    n = max(int(np.ceil((end - start) / step)), 0)
    if not dt.is_floating(dtype):
        if dtype.kind == "b":
            raise NotImplementedError(f"arange: not implemented for bool (start={start}, end={end}, step={step})")
        if dtype == dt.int64:  # torch reads all three as int64 first: arange(1, 2.5, dtype=int64) is [1]
            if int(step) == 0:
                raise RuntimeError(f"arange: step must be nonzero (step {step!r} truncates to 0 as int64)")
            start, end, step = int(start), int(end), int(step)
            n = max(-((start - end) // step), 0)
        else:  # the length from the numbers as given, the values from the truncated start and step:
            start, step = int(start), int(step)  # arange(1, 2.5, dtype=int32) is [1, 2], step 0.5 gives zeros
    if dt.is_floating(dtype):
        a = _float_arange(float(start), float(step), n, dtype)
    else:
        a = (start + np.arange(n, dtype=np.int64) * step).astype(dtype)
    return _finish(a, None, device, requires_grad, "arange")


def _float_arange(start, step, n, dtype):
    """torch's CPU arange, bit for bit: start and step in the accumulation type (float32 for float16 / bfloat16,
    float64 otherwise); its kernel fills vectors of 32 bytes two at a time, each from its first value
    start + step * i (a fused multiply-add, rounded to dtype) plus k * step (fused too, except for bfloat16), and
    the leftover tail with start + step * i itself. (Past 32768 values torch splits the range between threads, each
    with its own tail: there this is close but not bit for bit.)"""
    narrow = dtype.itemsize == 2
    exact = 256 if dtype.name == "bfloat16" else 2048 if narrow else 2 ** 24  # whole numbers dtype holds exactly
    if start.is_integer() and step.is_integer() and abs(start) + abs(step) * n <= exact:
        return _exact_arange(start, step, n, dtype)  # no value rounds: every formula gives the same
    acc = np.float32 if narrow else np.float64
    s, st = acc(start), acc(step)
    width = 32 // dtype.itemsize
    nvec = n // (2 * width) * 2 * width
    k = np.arange(width, dtype=np.float64)
    kst = (k * st).astype(np.float32) if dtype.name == "bfloat16" else k * np.float64(st)
    out = np.empty(n, dtype)
    for a in range(0, nvec, _arrays._BLOCK):  # blocks (a multiple of width) keep the temporaries in cache
        b = min(a + _arrays._BLOCK, nvec)
        idx = np.arange(a, b, width, dtype=np.float64)
        base = _fma32(st, idx, s) if narrow else _fma64(st, idx, s)
        base = base.astype(dtype).astype(kst.dtype)
        rows = out[a:b].reshape(-1, width)
        if dtype == np.float64:
            rows.T[:] = _fma64(st, k[:, None], base)  # (width, rows): the long axis inside, as numpy runs it fastest
            continue
        body = kst[:, None] + base
        rows.T[:] = body.astype(np.float32) if dtype == np.float16 else body
        if dtype == np.float32:  # rounded to float32, the plain sum differs from the fused one only where it
            near = np.nonzero(np.abs(base) <= width * abs(st))[0]  # cancels: in the vectors near zero
            rows[near] = _fma64(st, k, base[near, None])
    if nvec < n:
        i = np.arange(nvec, n, dtype=np.float64)
        out[nvec:] = _fma32(st, i, s) if narrow else _fma64(st, i, s)
    return out


def _exact_arange(start, step, n, dtype):
    """start + step * i where no value rounds, a block at a time so the float64 temporaries stay in cache."""
    out = np.empty(n, dtype)
    for a in range(0, n, _arrays._BLOCK):
        b = min(a + _arrays._BLOCK, n)
        t = np.arange(a, b, dtype=np.float64)
        t *= step
        t += start
        out[a:b] = t
    return out


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    steps = _int_arg(steps, "linspace", "steps")  # a numpy uint8 would wrap in the index arithmetic below
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    dtype = _space_dtype(start, end, dtype, "linspace")
    _check_int_bounds(start, end, dtype, "linspace")
    if dtype.kind == "c":
        a = np.linspace(complex(start), complex(end), steps).astype(dtype)
    elif dtype.kind in "iu" and steps > 1:
        a = _linspace_int(start, end, steps, dtype)
    else:
        a = _arrays.linspace(start, end, steps, dtype)
    return _finish(a, None, device, requires_grad, "linspace")


def _linspace_int(start, end, steps, dtype):
    """torch's integer linspace: the bounds converted to dtype first (truncated; an int wraps, -28 is 228 in uint8),
    the step in float64, start + step * i for the first half and end - step * (steps - 1 - i) for the second, each a
    fused multiply-add, truncated (linspace(80, -52, 100) has 13 at 51 where numpy's linspace gives 12)."""
    s, e = (int(np.array(int(v)).astype(dtype)) for v in (start, end))
    step = (float(e) - float(s)) / (steps - 1)
    half = steps // 2
    x = np.concatenate([_fma64(step, np.arange(half, dtype=np.float64), float(s)),
                        _fma64(-step, np.arange(steps - 1 - half, -1, -1, dtype=np.float64), float(e))])
    return np.trunc(x).astype(np.int64).astype(dtype)


def _check_int_bounds(start, end, dtype, op):
    """torch converts the bounds to an integer dtype first: a float outside its range (-0.5 for uint8) is refused;
    an int may wrap as a tensor's value does (-1 is 255)."""
    if dtype.kind not in "iu":
        return
    info = np.iinfo(dtype)
    for v in (start, end):
        lo, hi = dt.int_range(dtype) if isinstance(v, (int, np.integer)) else (info.min, info.max)
        if not lo <= v <= hi:
            raise RuntimeError(f"{op}: bound {v!r} cannot be converted to type {dtype} without overflow")


def _space_dtype(start, end, dtype, op):
    """linspace/logspace's dtype: the default float, or the default complex for a complex bound (which torch will
    not narrow to a real dtype given as dtype=)."""
    cplx = isinstance(start, (complex, np.complexfloating)) or isinstance(end, (complex, np.complexfloating))
    if dtype is None:
        return dt.default_complex() if cplx else dt._default_float
    dtype = dt.to_dtype(dtype)
    if cplx and dtype.kind != "c":
        raise RuntimeError(f"{op}: inferred dtype {dt.default_complex()} (from start={start!r}, end={end!r}) can't "
                           f"be safely cast to passed dtype {dtype}")
    return dtype


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    n, m = _int_arg(n, "eye", "n"), (None if m is None else _int_arg(m, "eye", "m"))
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be non-negative, got {n}, {m}")
    return _finish(np.eye(n, m, dtype=dt.to_dtype(dtype) or dt._default_float), None, device, requires_grad, "eye")


def _float_dtype(dtype, op):
    """A sampler's dtype: uniform and normal values truncated to integers would be garbage, so torch refuses."""
    d = dt.to_dtype(dtype) or dt._default_float
    if not dt.is_floating(d) and d.kind != "c":
        raise NotImplementedError(f"{op}: not implemented for {d} (expected a floating point or complex dtype)")
    return d


def _draw(sample, shape, d, scale):
    """A float draw of shape, or for a complex dtype one draw each for the real and imaginary parts (times scale)."""
    if d.kind != "c":
        return sample(math.prod(shape), np.dtype(d)).reshape(shape)
    part = np.dtype(d.char.lower())  # complex64's parts are float32
    a = sample(2 * math.prod(shape), part)
    if scale != 1:
        a *= part.type(scale)
    return a.view(d).reshape(shape)


def _resized(out, shape):
    """out_arg.write_factory's out for a random factory, in torch's shape: torch's rand_out (randn_out, randint_out)
    resizes out, then fills it in place, so the values follow out's memory order, not C order."""
    if out.shape != shape:
        out.resize_(shape)
    return out


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, **kw):
    size = _size_kw(size, kw, "rand")
    d = _float_dtype(dtype, "rand")
    shape = _check_shape(size, "rand")
    if out is not None:
        return _resized(out, shape).uniform_(generator=generator)
    a = _draw(gen_of(generator).uniform, shape, d, 1)
    return _finish(a, None, device, requires_grad, "rand")


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, **kw):
    size = _size_kw(size, kw, "randn")
    d = _float_dtype(dtype, "randn")
    shape = _check_shape(size, "randn")
    if out is not None:
        return _resized(out, shape).normal_(generator=generator)
    a = _draw(gen_of(generator).normal, shape, d, math.sqrt(0.5))  # complex: unit variance in all
    return _finish(a, None, device, requires_grad, "randn")


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    if (type(size) is tuple and type(low) is int and type(high) is int and low < high and generator is None
            and dtype is None and device is None and requires_grad is False and len(size) == 1
            and type(size[0]) is int and size[0] >= 0):
        # randint(0, n, (b,)), a training loop's batch indices: the checks below, done, and nothing to convert
        return Tensor._wrap(gen_of(None).randint(size[0], low, high))
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    if high is None:
        raise TypeError("randint: missing 'high' or 'size'")
    low, high = _int_arg(low, "randint", "low"), _int_arg(high, "randint", "high")  # 0-d int tensors too
    if low >= high:
        raise RuntimeError(f"randint: expects 'from' ({low}) to be less than 'to' ({high})")
    shape = _check_shape(size, "randint")
    if dtype is not None:
        if dt.to_dtype(dtype).kind == "c":  # torch's random bounds check takes no complex dtype
            raise RuntimeError(f"randint: check_random_bounds handles only integral, floating-point and boolean "
                               f"types, got {dt.to_dtype(dtype)}")
        _check_randint_range(low, high, dt.to_dtype(dtype))
    if out is not None:
        return _resized(out, shape).random_(low, high, generator=generator)
    if dtype is not None and dt.to_dtype(dtype).kind in "fV":  # bounds the float dtype rounds past move in
        low, high = float_random_bounds(int(low), int(high), dt.to_dtype(dtype), "randint")
    a = gen_of(generator).randint(math.prod(shape), int(low), int(high)).reshape(shape)
    return _finish(a, dtype, device, requires_grad, "randint")


def _check_randint_range(low, high, d):
    """torch refuses bounds the dtype cannot hold (randint(0, 300, dtype=uint8), randint(0, 5, dtype=bool))."""
    if d.kind not in "biu":
        return
    lo, hi = (0, 1) if d.kind == "b" else (int(np.iinfo(d).min), int(np.iinfo(d).max))
    if not lo <= low <= hi:
        raise RuntimeError(f"randint: from ({low}) is out of bounds for {d}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"randint: to - 1 ({high - 1}) is out of bounds for {d}")


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    n = _int_arg(n, "randperm", "n")
    if dtype is not None and dt.to_dtype(dtype).kind == "b":
        raise NotImplementedError(f"randperm: not implemented for bool (n={n})")
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    d = dt.to_dtype(dtype) if dtype is not None else None
    if d is not None and d.kind in "iu" and n - 1 > np.iinfo(d).max:
        raise RuntimeError(f"randperm: n={n} overflows {d}: its values reach n - 1 = {n - 1}")
    if d is not None and d.kind == "f" and n > 2 ** (np.finfo(d).nmant + 1) + 1:  # torch leaves bfloat16 be
        raise RuntimeError(f"randperm: n={n} cannot be greater than 2^{np.finfo(d).nmant + 1}+1 for {d}: its "
                           "values would not all be exact")
    return _finish(gen_of(generator).randperm(int(n)), dtype, device, requires_grad, "randperm")


class _NormalDraw(Function):
    """out = a normal draw made beforehand from mean and std; torch does not reparameterize normal, so the draw
    still records a graph node (the output requires grad when mean or std does) and d mean = d std = 0."""
    def forward(self, *params, sample, torch_name):
        self.params, self.torch_name = [(p.shape, p.dtype) for p in params], torch_name  # NormalBackward1/2/3
        return sample

    def backward(self, g):
        grads = tuple(_arrays.zeros_on(g, shape, dtype) for shape, dtype in self.params)
        return grads if len(grads) > 1 else grads[0]

    def backward_graph(self, g):  # the zeros are constants: a second derivative through them is zero too
        from .autograd.graph_backward import const
        grads = tuple(const(_arrays.zeros_on(g._data, shape, dtype)) for shape, dtype in self.params)
        return grads if len(grads) > 1 else grads[0]


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """torch.normal: normal(mean, std, size) with numbers takes randn's keywords; with a tensor mean or std the
    shape and dtype come from the tensors, and torch refuses size, dtype, device and requires_grad."""
    tensors = isinstance(mean, Tensor) or isinstance(std, Tensor)
    given = [k for k, v in (("size", size), ("dtype", dtype), ("device", device), ("requires_grad", requires_grad))
             if v is not None and v is not False]  # `is`: np.dtype(None) == float64, so `in` would miss it
    if tensors and given:
        raise TypeError(f"normal: {given[0]}= is only taken with a number mean and std (got a tensor)")
    if not tensors and size is None:
        raise TypeError("normal: with a number mean and std, size is required: normal(mean, std, size)")
    if isinstance(std, Tensor) and std.is_complex() or isinstance(std, complex):
        raise RuntimeError(f"normal: expects the standard deviation to be real, got {getattr(std, 'dtype', std)}")
    s_min = (std.min().item() if std.numel() else 0) if isinstance(std, Tensor) else std
    if s_min < 0:
        raise RuntimeError(f"normal: expects all elements of std >= 0.0, but found std {s_min}")
    if out is not None:
        if is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in (mean, std)):
            raise RuntimeError("normal(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        if not tensors:  # torch samples in out's dtype
            shape = _check_shape(size, "normal")
            if tuple(out.shape) != shape:  # torch would resize out; teenygrad's tensors keep their shape
                raise RuntimeError(f"normal: out has shape {tuple(out.shape)}, expected {shape}")
            return out.normal_(mean, std, generator=generator)
        return _normal_into(out, mean, std, generator)
    if tensors:
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        try:
            shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        except ValueError:
            raise RuntimeError(f"normal: the shapes of mean {np.shape(m)} and std {np.shape(s)} do not "
                               "broadcast") from None
        out_dtype = (mean if isinstance(mean, Tensor) else std).dtype  # torch: empty(shape, mean.options())
        if np.dtype(out_dtype).kind == "c":  # a complex mean: complex normals (tensor_fill.normal_), no derivative
            if is_grad_enabled() and mean.requires_grad:
                raise RuntimeError("normal: no automatic differentiation for a complex mean (complex outputs)")
        elif not dt.is_floating(out_dtype):
            raise NotImplementedError(f"normal: not implemented for {out_dtype} (the result takes the dtype of "
                                      f"mean, or of std where mean is a number)")
        g, n, od = gen_of(generator), math.prod(shape), np.dtype(out_dtype)
        like = (mean if isinstance(mean, Tensor) else std)._data  # the host draw goes to the tensors' device

        def normals(sd):
            if od.kind == "c":
                return Tensor._wrap(np.empty(shape, od)).normal_(0.0, sd, generator=generator)._data
            return g.normal(n, od, 0.0, sd).reshape(shape)
        if not isinstance(std, Tensor):  # torch: normal_(0, std), then + mean
            z = _arrays.on_device_of(like, normals(std))
            sample = (z + m).astype(od)
        else:
            z = _arrays.on_device_of(like, normals(1.0))  # torch: standard normals, * std, + mean
            sample = ((z * s).astype(od) + m).astype(od)
        params = [t for t in (mean, std) if isinstance(t, Tensor)]
        form = 3 if len(params) == 2 else 1 if isinstance(mean, Tensor) else 2  # torch's node: which were tensors
        return _NormalDraw.apply(*params, sample=sample, torch_name=f"NormalBackward{form}")
    t = empty(size, dtype=_float_dtype(dtype, "normal")).normal_(mean, std, generator=generator)
    return _finish(t._data, None, device, requires_grad, "normal")


def _normal_into(out, mean, std, generator):
    """torch's normal_out with a tensor mean or std: out resized (to the tensors' broadcast shape, a single one
    broadcast with out's own), then filled in place in its memory order and dtype, out.normal_(0, std) + mean
    with a number std, else out.normal_(0, 1) * std + mean."""
    shapes = [t.shape for t in (mean, std) if isinstance(t, Tensor)]
    shapes = shapes if len(shapes) == 2 else shapes + [out.shape]
    try:
        shape = tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"normal: the shapes {tuple(shapes[0])} and {tuple(shapes[1])} do not broadcast (the "
                           "second is out's where only one of mean and std is a tensor)") from None
    if out.shape != shape:
        out.resize_(shape)
    if out._data.dtype.kind == "c":  # a complex out: its own complex normals (tensor_fill.normal_)
        return out.copy_(normal(mean, std, generator=generator))
    if isinstance(std, Tensor):
        out.normal_(0.0, 1.0, generator=generator).mul_(std)
    else:
        out.normal_(0.0, std, generator=generator)
    return out.add_(mean)


def bernoulli(input, p=None, *, generator=None, out=None):
    """torch.bernoulli(input): 1 with probability input[i]; torch.bernoulli(input, p): with probability p."""
    if isinstance(p, Generator):  # the old positional spelling bernoulli(p, generator)
        p, generator = None, p
    if out is not None:
        return _bernoulli_into(out, input, p, generator)
    if p is not None:
        return empty_like(input).bernoulli_(p, generator=generator)
    p = input
    _check_probabilities(p, "bernoulli")
    host = to_host(p._data)  # drawn on the host, as on the cpu
    sample = gen_of(generator).bernoulli(host.size, host.ravel()).reshape(p.shape).astype(p.dtype)
    return Tensor._wrap(_arrays.on_device_of(p._data, sample))


def _bernoulli_into(out, input, p, generator):
    """torch's bernoulli_out: out (any dtype) resized to input's shape, then out.bernoulli_(input), drawn in out's
    memory order."""
    if p is not None:
        raise TypeError("bernoulli(): out= is taken only with a tensor of probabilities: bernoulli(input, out=...)")
    if not isinstance(out, Tensor):
        raise TypeError(f"bernoulli(): argument 'out' must be Tensor, not {type(out).__name__}")
    if is_grad_enabled() and (input.requires_grad or out.requires_grad):
        raise RuntimeError("bernoulli(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out.shape != input.shape:
        out.resize_(input.shape)
    return out.bernoulli_(input, generator=generator)


def _tri_indices(op, row, col, offset, dtype, device, layout):
    row, col, offset = _int_arg(row, op, "row"), _int_arg(col, op, "col"), _int_arg(offset, op, "offset")
    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise RuntimeError(f"{op}: {name} must be non-negative, got {v}")
    dtype = dt.int64 if dtype is None else dt.to_dtype(dtype)
    if dtype not in (dt.int32, dt.int64):  # torch's cpu kernel takes only Int and Long
        raise NotImplementedError(f'"{op}" not implemented for dtype {dtype} (int32 or int64 only)')
    if layout is not None and str(layout) not in ("torch.strided", "strided"):
        raise RuntimeError(f"{op}: only the strided layout is supported, got {layout}")
    pick = np.tril_indices if op == "tril_indices" else np.triu_indices
    return _finish(np.stack(pick(row, offset, col)).astype(dtype), None, device, False, op)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, k) row and column indices of the lower triangle of a row x col matrix (diagonal `offset`)."""
    return _tri_indices("tril_indices", row, col, offset, dtype, device, layout)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, k) row and column indices of the upper triangle of a row x col matrix (diagonal `offset`)."""
    return _tri_indices("triu_indices", row, col, offset, dtype, device, layout)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False):
    """A 0-d tensor holding the number s, in the default float dtype unless told (bools and ints too, as torch)."""
    if isinstance(s, Tensor) and s.ndim == 0:  # torch's parser takes a 0-d tensor as a Number
        s = s.item()
    if not isinstance(s, (int, float, complex, np.number, np.bool_)):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}")
    if isinstance(s, (complex, np.complexfloating)) and dtype is None:
        raise RuntimeError(f"scalar_tensor: value {s!r} cannot be converted to {dt._default_float} (give a complex "
                           "dtype)")
    if layout is not None and str(layout) not in ("torch.strided", "strided"):
        raise RuntimeError(f"scalar_tensor: only the strided layout is supported, got {layout}")
    d = dt._default_float if dtype is None else dt.to_dtype(dtype)
    if requires_grad and not (dt.is_floating(d) or d.kind == "c"):
        raise RuntimeError(f"scalar_tensor: only tensors of floating point and complex dtype can require "
                           f"gradients, got dtype {d}")
    if d == dt.float32 and math.isfinite(s.real) and abs(s) > float(np.finfo(d).max):  # float16 goes to inf
        raise RuntimeError(f"scalar_tensor: value {s!r} cannot be converted to {d} without overflow")
    with np.errstate(over="ignore"):  # float16's overflow to inf is torch's answer here, not a warning
        return full((), s, dtype=d, device=device, requires_grad=requires_grad, _overflow_to_inf=True)


# x.new_zeros(...) and friends: same dtype (and device) as x unless told otherwise
def _new_method(fn):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kw):  # kw: size=, as fn takes it
        return fn(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad, **kw)
    method.__name__ = "new_" + fn.__name__
    setattr(Tensor, method.__name__, method)


for _fn in (zeros, ones, empty):
    _new_method(_fn)


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _new(self, *args):
    """x.new(*sizes) or x.new(data): the legacy constructor (torch.Tensor) in x's dtype, on x's device."""
    return Tensor(*args, dtype=self.dtype, device=self.device)


def _type_as(self, other):
    return self.to(other.dtype)


Tensor.new_full, Tensor.new_tensor, Tensor.new, Tensor.type_as = _new_full, _new_tensor, _new, _type_as


# ---- torch.FloatTensor and friends: the legacy typed constructors ---------------------------------------
class _LegacyType(type):
    """torch.FloatTensor([1, 2]) (from data) or torch.FloatTensor(2, 3) (from sizes: the values are not to be
    relied on; teenygrad zero-fills), in one fixed dtype; isinstance(x, torch.FloatTensor) checks x's dtype and that
    x is on the CPU, as torch's."""
    def __call__(cls, *data, size=None):
        if size is not None:
            data = (Size(size),)  # a Size gives sizes (Tensor's rule); a plain tuple or list gives data
        if len(data) == 1 and isinstance(data[0], Tensor) and data[0].dtype != cls.dtype:
            raise TypeError(f"{cls.__name__}: expected a tensor of dtype {cls.dtype}, got {data[0].dtype}")
        return Tensor(*data, dtype=cls.dtype)

    def __instancecheck__(cls, x):
        return isinstance(x, Tensor) and x.dtype == cls.dtype and x.device.type == "cpu"

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy(name, dtype):
    return _LegacyType(name, (), {"dtype": dtype})


FloatTensor, DoubleTensor, HalfTensor = _legacy("FloatTensor", dt.float32), _legacy("DoubleTensor", dt.float64), \
    _legacy("HalfTensor", dt.float16)
ByteTensor, CharTensor, ShortTensor = _legacy("ByteTensor", dt.uint8), _legacy("CharTensor", dt.int8), \
    _legacy("ShortTensor", dt.int16)
IntTensor, LongTensor, BoolTensor = _legacy("IntTensor", dt.int32), _legacy("LongTensor", dt.int64), \
    _legacy("BoolTensor", dt.bool)
