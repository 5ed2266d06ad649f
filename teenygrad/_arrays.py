"""Array helpers shared by every layer (numpy or cupy arrays, no Tensor): the bottom of the package, below
autograd and ops, so both can use them."""
import numpy as np


def unbroadcast(g, shape):
    """Sum a broadcast gradient back down to the input's shape."""
    gs = g.shape
    if gs == shape:
        return g
    if half_on_host(g):  # bfloat16 / float16: numpy would sum in the narrow dtype (a bfloat16 running sum of ones
        # stalls at 256, float16 drifts down a strided axis); torch sums in float32
        return unbroadcast(g.astype(np.float32), shape).astype(g.dtype)
    lead = len(gs) - len(shape)
    if 0 < lead < len(gs) and gs[lead:] == shape:  # only leading axes (a bias): one sum, shaped, no view
        return column_sums(g) if lead == 1 and len(gs) == 2 else g.sum(axis=tuple(range(lead)))
    if lead == 0 and len(gs) == 2 and shape[0] == 1 and gs[1] == shape[1]:  # (n, k) -> (1, k): a (1, k) parameter's
        return column_sums(g)[None]                                         # gradient, summed as a bias's is
    ones = tuple(i + lead for i, s in enumerate(shape) if s == 1 and gs[i + lead] != 1)
    axes = tuple(range(lead)) + ones
    g = g.sum(axis=axes, keepdims=True) if axes else g
    return g.reshape(shape)


def column_sums(a):
    """a.sum(axis=0) of a 2-D array; for numpy float32/64 as one BLAS GEMV (ones @ a), 2-3x faster at the GPT's
    (768, 128..512) bias gradients and 2x at makemore's (32, 200), accumulated in a's dtype as numpy's sum is."""
    if type(a) is np.ndarray and a.dtype.char in "fd":
        return _ones(a.shape[0], a.dtype.char) @ a
    if half_on_host(a):  # float16 / bfloat16: in float32, rounded once, as torch (numpy sums the narrow dtype itself)
        return (np.ones(a.shape[0], np.float32) @ a.astype(np.float32)).astype(a.dtype)
    return a.sum(axis=0)


_ONES = {}  # dtype char -> a read-only vector of ones, grown as needed: np.ones cost ~1.2 us (makemore: 2 a step)
_ONES_KEPT = 1 << 16  # longer ones vectors are made per call rather than kept


def _ones(n, char):
    """A vector of n ones of dtype char ("f" or "d"): a view of one kept read-only vector up to _ONES_KEPT long."""
    o = _ONES.get(char)
    if o is None or o.shape[0] < n:
        if n > _ONES_KEPT:
            return np.ones(n, char)
        o = np.ones(max(n, 1024), char)
        o.flags.writeable = False  # shared by every call: nothing may write it
        _ONES[char] = o
    return o[:n]


def half_on_host(a):
    """float16 / bfloat16 in a numpy array: the CPU ops that multiply run these in float32 and round once, as torch's
    CPU kernels accumulate them (numpy's float16 products have no BLAS, and ml_dtypes' bfloat16 ones come back as
    float32). Device arrays keep their own half-precision kernels."""
    return type(a) is np.ndarray and a.dtype.itemsize == 2 and a.dtype.kind in "fV"


def xp_of(a):
    """The array module for an array: numpy, or cupy for GPU arrays."""
    if type(a) is np.ndarray or isinstance(a, np.generic):
        return np
    import cupy
    return cupy


_CUPYX_SCATTERS = {"add": "scatter_add", "maximum": "scatter_max", "minimum": "scatter_min"}


def ufunc_at(ufunc, out, index, values):
    """ufunc.at(out, index, values) (np.add.at: repeated indices accumulate) for a numpy or cupy `out`. numpy's
    ufunc.at on a cupy array raises TypeError. CuPy's own add / maximum / minimum have an atomic `.at` (CuPy >= 13;
    older ones have cupyx.scatter_add / _max / _min, which CuPy 14 deprecates) for float32, float64 and int32;
    anything else (a prod scatter, int64 counts) goes through the host."""
    if type(out) is np.ndarray:
        ufunc.at(out, index, values)
        return
    import cupy
    name = ufunc.__name__
    if name in _CUPYX_SCATTERS and out.dtype.char in "fdi":
        values = cupy.asarray(values, dtype=out.dtype)
        at = getattr(getattr(cupy, name), "at", None)
        if at is not None:
            at(out, index, values)
        else:
            import cupyx
            getattr(cupyx, _CUPYX_SCATTERS[name])(out, index, values)
        return
    host = out.get()
    ufunc.at(host, _on_host(index), _on_host(values))
    out[...] = cupy.asarray(host)


def to_host(a):
    """a as a host numpy array: a numpy array as it is, a device (cupy) array copied over (a wait for the GPU)."""
    return a if type(a) is np.ndarray else a.get()


def _on_host(v):
    """An index or value (a tuple of them, a device array, a slice, a scalar) with its device arrays copied to the
    host, for the few ufunc.at calls that cupy can't do."""
    if isinstance(v, tuple):
        return tuple(_on_host(x) for x in v)
    return v.get() if type(v) is not np.ndarray and hasattr(v, "get") else v


def contiguous(a):
    """a in C order, on a's device (np.ascontiguousarray would pull a cupy array to the host)."""
    return a if a.flags.c_contiguous else c_copy(a)


def torch_layout(a):
    """The axes of array a from outermost to innermost in the layout torch gives a dense result of a (clone,
    empty_like, an elementwise op's output: TensorIterator's / infer_dense_strides' order): a transpose stays a
    transpose, a slice with gaps closes them, an expanded (stride 0) axis keeps its C place (numpy's order K would
    move it innermost), and ties go by size. A tuple for a.transpose(...)."""
    shape, strides = a.shape, a.strides
    perm = list(range(a.ndim - 1, -1, -1))  # innermost first; an insertion sort that leaves ambiguous pairs as they are
    for i in range(1, a.ndim):
        j = i
        for k in range(i - 1, -1, -1):
            s0, s1 = strides[perm[k]], strides[perm[j]]
            if s0 == 0 or s1 == 0:   # an expanded axis compares with nothing: it keeps its contiguous place
                continue
            if s0 < s1:
                break
            if s0 > s1 or shape[perm[k]] > shape[perm[j]]:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
    return tuple(reversed(perm))


def dense_order(a):
    """For an array a that is not C-contiguous, where torch gives a result of a another layout than C order: that
    layout's axes (torch_layout) and a dense array in it holding a's values (a itself where a is a dense block in
    another order, x.t() or a permute; else a copy). A flat kernel runs over arr.transpose(axes), C-contiguous, and
    transposes its result back. None for a C-contiguous a and where the result's layout is C order."""
    if a.flags.c_contiguous:
        return None
    axes = torch_layout(a)
    if axes == tuple(range(a.ndim)):
        return None
    if not a.transpose(axes).flags.c_contiguous:
        a = layout_copy(a, a.dtype, axes)
    return axes, a


def inverse_axes(axes):
    """The permutation that undoes a.transpose(axes)."""
    inverse = [0] * len(axes)
    for i, ax in enumerate(axes):
        inverse[ax] = i
    return inverse


_BLOCKED_FROM = 1 << 16  # elements: below this numpy's copy is as fast (the source stays in cache)


def c_copy(a):
    """A new C-contiguous copy of a. A large numpy array whose last two axes are swapped views of a C-contiguous
    array (x.t(), x.transpose(-2, -1), a transposed gradient) is copied by the blocked kernel of
    backend/_numba_layout.py: numpy's transposing copy is 5-6x slower at power-of-two widths."""
    if type(a) is np.ndarray and a.ndim >= 2 and a.size >= _BLOCKED_FROM and a.dtype.char in "fdliq":
        t = a.swapaxes(-1, -2)
        if t.flags.c_contiguous and not a.flags.c_contiguous:
            from .backend import cpu
            if cpu.fused() is not None:
                from .backend._numba_layout import transpose_last2
                out = np.empty(a.shape, a.dtype)
                r, c = t.shape[-2:]
                transpose_last2(t.reshape(-1, r, c), out.reshape(-1, c, r))
                return out
    return a.copy(order="C")


def on_device_of(like, host):
    """A host-made array (a random mask, a constant) moved next to `like` (a no-op on the CPU)."""
    return host if type(like) is np.ndarray else xp_of(like).asarray(host)


def zeros_on(like, shape, dtype=None):
    """zeros(shape) on like's device: np.zeros would put a host array next to a cupy one (a gradient buffer)."""
    return (np if type(like) is np.ndarray else xp_of(like)).zeros(shape, like.dtype if dtype is None else dtype)


_BLOCK = 1 << 15  # elements per block of float64 temporaries: 256 KB, within L2


def linspace(start, end, steps, dtype):
    """torch.linspace's values (bit for bit in float32): the first half counts up from start, the second down from
    end, each as one fused multiply-add (exact in float64 for float32 operands, then rounded once). Written a block
    at a time so the wide temporaries stay in cache (one write of the output instead of ~8 passes)."""
    dtype = np.dtype(dtype)
    if dtype.itemsize == 2 and steps >= 2 and (dtype.kind == "f" or dtype.name == "bfloat16"):
        return _linspace_half(start, end, steps, dtype)
    if dtype.kind != "f" or steps < 2:
        return np.linspace(start, end, steps).astype(dtype)
    s, e = dtype.type(start), dtype.type(end)
    wide = np.float64 if dtype.itemsize < 8 else np.longdouble  # float64: near-exact where long double is wider
    step = wide((e - s) / dtype.type(steps - 1))
    out = np.empty(steps, dtype)
    half = steps // 2
    for a in range(0, steps, _BLOCK):
        b = min(a + _BLOCK, steps)
        if a < half:  # s + step * i
            m = min(b, half)
            t = np.arange(a, m, dtype=wide)
            t *= step
            t += wide(s)
            out[a:m] = t
            a = m
        if a < b:  # e - step * (steps - 1 - i)
            t = np.arange(steps - 1 - a, steps - 1 - b, -1, dtype=wide)
            t *= step
            np.subtract(wide(e), t, out=t)
            out[a:b] = t
    return out


def _linspace_half(start, end, steps, dtype):
    """torch's float16 / bfloat16 linspace: its CPU kernel does each step in the narrow type, every operand and each
    product or sum rounded to it (the index i, steps - 1 and the step itself included): start + step * i for the
    first half, end - step * (steps - 1 - i) for the second."""
    def r(x):  # float32 -> dtype -> float32: one rounding to the narrow type, as each c10::Half / BFloat16 op
        return np.asarray(x, np.float32).astype(dtype).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):  # float16 steps past 65504 round to inf, as in torch
        s, e = r(np.float32(start)), r(np.float32(end))
        step = r(r(e - s) / r(np.float32(steps - 1)))
        half = steps // 2
        i = np.arange(steps, dtype=np.float32)
        i[half:] = steps - 1 - i[half:]
        t = r(step * r(i))
        t[:half] += s
        np.subtract(e, t[half:], out=t[half:])
        return t.astype(dtype)


def layout_copy(a, dtype, order):
    """A copy of array a, cast to dtype, laid out by order: "C", "K", or the axes from outermost to innermost
    (tensor_convert._clone_order's answer for clone)."""
    if type(order) is str:
        return a.astype(dtype, order=order)
    return a.transpose(order).astype(dtype, order="C").transpose(inverse_axes(order))
