"""torch.fft: the discrete Fourier transforms with torch's arguments (n / s, dim, norm), dtypes (float32 in,
complex64 out; integers as the default float) and gradients (ops/fft.py). hfft / ihfft are irfft / rfft of the
conjugate with the dual norm, so their gradients come from those."""
import numpy as np
from .tensor import dt  # the dtype module (the package attribute `dtype` is the dtype class)
from .ops import fft as F
from .tensor import Tensor, _int_arg as _int  # an int argument as torch parses one

_NORMS = ("backward", "ortho", "forward")

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _norm(norm, op="fft"):
    if norm is None:
        return "backward"
    if not isinstance(norm, str):
        raise TypeError(f"{op}(): argument 'norm' must be str, not {type(norm).__name__} ({norm!r})")
    if norm not in _NORMS:
        raise RuntimeError(f'{op}: Invalid normalization mode: "{norm}" (expected "backward", "ortho" or "forward")')
    return norm


def _ints(v, op, what):
    """s or dim as a list of ints (None stays None; one int is a list of one, as torch's int lists)."""
    if v is None:
        return None
    if not isinstance(v, (bool, np.bool_)) and hasattr(type(v), "__index__"):
        return [int(v.__index__())]
    if not isinstance(v, (tuple, list)):
        raise TypeError(f"{op}(): argument '{what}' must be tuple of ints, not {type(v).__name__} ({v!r})")
    return [_int(e, op, what) for e in v]


def _one(x, n, dim, op, real=False):
    """A 1-D transform's input, [n] (or None) and dim, checked in torch's order: the dtype, then dim, then n."""
    n, dim = None if n is None else _int(n, op, "n"), _int(dim, op, "dim")
    x = _input(x, op, real)
    _axes(x, None, [dim], op)
    if n is not None and n < 1:  # -1 keeps the size only in an n-d transform's s, never as a 1-D n
        raise RuntimeError(f"{op}: Invalid number of data points ({n}) specified")
    return x, None if n is None else [n], dim


def _two(s, dim, op):
    """A 2-D transform's s and dim checked (dim may not be None there)."""
    if dim is None:
        raise TypeError(f"{op}(): argument 'dim' must be tuple of ints, not NoneType")
    return _ints(s, op, "s"), _ints(dim, op, "dim")


def _tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: argument 'input' must be Tensor, not {type(x).__name__}")
    return x


def _input(x, op, real=False):
    """x as a floating or complex tensor: integers and bool become the default float, as in torch."""
    k = _tensor(x, op)._data.dtype
    if k.kind == "c":
        if real:
            raise RuntimeError(f"{op} expects a real input tensor, but got {x.dtype}")
        return x
    if k.kind == "f":
        if k.itemsize < 4:
            raise RuntimeError(f"{op}: Unsupported dtype {x.dtype} (teenygrad's FFTs take float32 / float64)")
        return x
    return x._cast(dt._default_float)


def _as_complex(x):
    return x if x._data.dtype.kind == "c" else x._cast(F._COMPLEX_OF[x._data.dtype])


def _axes(x, s, dim, op):
    """The transformed axes by torch's rules (s given without dim: the last len(s) dims), dims and s checked."""
    nd = x.ndim
    if dim is not None:
        if nd == 0 and dim:
            raise IndexError(f"{op}: Dimension specified as {dim[0]} but tensor has no dimensions")
        for d in dim:
            if not -nd <= d < nd:
                raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but "
                                 f"got {d})")
        axes = [d % nd for d in dim]
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"{op}: FFT dims must be unique, got dim={tuple(dim)}")
        if s is not None and len(s) != len(axes):
            raise RuntimeError(f"{op}: When given, dim and shape arguments must have the same length (got s={tuple(s)}"
                               f" and dim={tuple(dim)})")
        return axes
    if s is not None:
        if len(s) > nd:
            raise RuntimeError(f"{op}: Got shape with {len(s)} values but input tensor only has {nd} dimensions.")
        return list(range(nd - len(s), nd))
    return list(range(nd))


def _sizes(x, s, axes, op):
    """The output size of each transformed axis: s's (-1 keeps the input's), or the input's when s is None."""
    sizes = [x.shape[a] for a in axes] if s is None else [x.shape[a] if n == -1 else n for a, n in zip(axes, s)]
    for n in sizes:
        if n < 1:
            raise RuntimeError(f"{op}: Invalid number of data points ({n}) specified")
    return sizes


def _dims(x, s, dim, op):
    """(sizes, axes) for an n-d transform, s and dim as the user gave them."""
    s, dim = _ints(s, op, "s"), _ints(dim, op, "dim")
    axes = _axes(_tensor(x, op), s, dim, op)
    return _sizes(x, s, axes, op), axes


# ---- complex to complex -------------------------------------------------------------------------------------
def _c2c(x, s, dim, norm, op, inverse):
    sizes, axes = _dims(x, s, dim, op)
    norm, x = _norm(norm, op), _input(x, op)
    if not axes:  # torch: transforming no dims is the promotion to complex alone
        return _as_complex(x)
    return F.FFT.apply(x, s=sizes, axes=axes, norm=norm, inverse=inverse)


def fft(input, n=None, dim=-1, norm=None):
    input, n, dim = _one(input, n, dim, "fft_fft")
    return _c2c(input, n, dim, norm, "fft_fft", False)


def ifft(input, n=None, dim=-1, norm=None):
    input, n, dim = _one(input, n, dim, "fft_ifft")
    return _c2c(input, n, dim, norm, "fft_ifft", True)


def fft2(input, s=None, dim=(-2, -1), norm=None):
    s, dim = _two(s, dim, "fft_fft2")
    return _c2c(input, s, dim, norm, "fft_fft2", False)


def ifft2(input, s=None, dim=(-2, -1), norm=None):
    s, dim = _two(s, dim, "fft_ifft2")
    return _c2c(input, s, dim, norm, "fft_ifft2", True)


def fftn(input, s=None, dim=None, norm=None):
    return _c2c(input, s, dim, norm, "fft_fftn", False)


def ifftn(input, s=None, dim=None, norm=None):
    return _c2c(input, s, dim, norm, "fft_ifftn", True)


# ---- real to half spectrum and back; Hermitian input: the conjugate's c2r / r2c with the dual norm -------------
def _r2c(x, s, dim, norm, op, hermitian=False):
    sizes, axes = _dims(x, s, dim, op)
    norm, x = _norm(norm, op), _input(x, op, real=True)
    if not axes:
        raise RuntimeError(f"{op} must transform at least one axis")
    if hermitian:  # ihfft: conj(rfft) with the dual norm
        return F.RFFT.apply(x, s=sizes, axes=axes, norm=F._DUAL[norm]).conj()
    return F.RFFT.apply(x, s=sizes, axes=axes, norm=norm)


def _c2r(x, s, dim, norm, op, hermitian=False):
    """The last transformed dim's output size defaults (None, or -1 in s) to 2 * (m - 1) for its m input bins."""
    s, dim = _ints(s, op, "s"), _ints(dim, op, "dim")
    axes = _axes(_tensor(x, op), s, dim, op)
    if not axes:
        raise RuntimeError(f"{op} must transform at least one axis")
    s = [-1] * len(axes) if s is None else list(s)
    if s[-1] == -1:
        s[-1] = 2 * (x.shape[axes[-1]] - 1)
    sizes, norm, x = _sizes(x, s, axes, op), _norm(norm, op), _as_complex(_input(x, op))
    if hermitian:  # hfft: irfft of the conjugate with the dual norm
        x, norm = x.conj(), F._DUAL[norm]
    return F.IRFFT.apply(x, s=sizes, axes=axes, norm=norm)


def rfft(input, n=None, dim=-1, norm=None):
    input, n, dim = _one(input, n, dim, "rfft", real=True)
    return _r2c(input, n, dim, norm, "rfft")


def irfft(input, n=None, dim=-1, norm=None):
    input, n, dim = _one(input, n, dim, "irfft")
    return _c2r(input, n, dim, norm, "irfft")


def rfft2(input, s=None, dim=(-2, -1), norm=None):
    s, dim = _two(s, dim, "rfft2")
    return _r2c(_input(input, "rfft2", real=True), s, dim, norm, "rfft2")  # torch: the dtype before the dims


def irfft2(input, s=None, dim=(-2, -1), norm=None):
    s, dim = _two(s, dim, "irfft2")
    return _c2r(input, s, dim, norm, "irfft2")


def rfftn(input, s=None, dim=None, norm=None):
    return _r2c(_input(input, "rfftn", real=True), s, dim, norm, "rfftn")


def irfftn(input, s=None, dim=None, norm=None):
    return _c2r(input, s, dim, norm, "irfftn")


def hfft(input, n=None, dim=-1, norm=None):
    input, n, dim = _one(input, n, dim, "hfft")
    return _c2r(input, n, dim, norm, "hfft", hermitian=True)


def ihfft(input, n=None, dim=-1, norm=None):
    input, n, dim = _one(input, n, dim, "ihfft", real=True)
    return _r2c(input, n, dim, norm, "ihfft", hermitian=True)


def hfft2(input, s=None, dim=(-2, -1), norm=None):
    s, dim = _two(s, dim, "hfft2")
    return _c2r(input, s, dim, norm, "hfft2", hermitian=True)


def ihfft2(input, s=None, dim=(-2, -1), norm=None):
    s, dim = _two(s, dim, "ihfft2")
    return _r2c(input, s, dim, norm, "ihfft2", hermitian=True)


def hfftn(input, s=None, dim=None, norm=None):
    return _c2r(input, s, dim, norm, "hfftn", hermitian=True)


def ihfftn(input, s=None, dim=None, norm=None):
    return _r2c(input, s, dim, norm, "ihfftn", hermitian=True)


# ---- helpers -------------------------------------------------------------------------------------------------
def _freq(n, d, dtype, device, requires_grad, op, values):
    n = _int(n, op, "n")
    if isinstance(d, (str, bytes)) or not hasattr(type(d), "__float__"):
        raise TypeError(f"{op}(): argument 'd' must be float, not {type(d).__name__} ({d!r})")
    d_ = dt._default_float if dtype is None else dt.to_dtype(dtype)
    if d_.kind == "c":
        raise NotImplementedError(f'{op}: "arange_cpu" not implemented for {d_} (pass a floating dtype)')
    if not dt.is_floating(d_):
        raise RuntimeError(f"{op} requires a floating point or complex dtype, got {d_}")
    if n < 0:
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {n}: [{n}]")
    # as torch, so that the last bit agrees: times 1 / (n d) rounded to the dtype (not a division), in float32 for
    # the half types
    c = np.dtype(np.float64 if d_ == np.float64 else np.float32)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # rfftfreq(0) is [nan] in torch: 0 * (1 / 0)
        scale = np.asarray(np.float64(1.0) / np.float64(n * float(d))).astype(d_).astype(c)
        t = Tensor._wrap((np.asarray(values(n), c) * scale).astype(d_))
    t = t if device is None else t.to(device)
    return t.requires_grad_() if requires_grad else t


def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """[0, 1, ..., (n-1)//2, -(n//2), ..., -1] / (n d)"""
    return _freq(n, d, dtype, device, requires_grad, "fftfreq",
                 lambda n: np.concatenate([np.arange((n - 1) // 2 + 1), np.arange(-(n // 2), 0)]))


def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """[0, 1, ..., n//2] / (n d)"""
    return _freq(n, d, dtype, device, requires_grad, "rfftfreq", lambda n: np.arange(n // 2 + 1))


def _shift(x, dim, op, sign):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: argument 'input' must be Tensor, not {type(x).__name__}")
    dims = list(range(x.ndim)) if dim is None else _ints(dim, op, "dim")
    if not dims:  # torch's roll with no shifts
        raise RuntimeError(f"{op}: `shifts` required (no dims to shift in a tensor of shape {tuple(x.shape)})")
    if x.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as {dims[0]} but tensor has no dimensions")
    for d in dims:
        if not -x.ndim <= d < x.ndim:
            raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], "
                             f"but got {d})")
    return x.roll([sign * (x.shape[d] // 2) for d in dims], dims)


def fftshift(input, dim=None):
    """the zero frequency moved to the middle: a roll by n // 2 along each dim"""
    return _shift(input, dim, "fftshift", 1)


def ifftshift(input, dim=None):
    return _shift(input, dim, "ifftshift", -1)
