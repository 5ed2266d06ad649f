"""torch.fft: the discrete Fourier transforms with torch's arguments (n / s, dim, norm), dtypes (float32 in,
complex64 out; integers as the default float) and gradients (ops/fft.py). hfft / ihfft are irfft / rfft of the
conjugate with the dual norm, so their gradients come from those."""
import numpy as np
from .tensor import dt  # the dtype module (the package attribute `dtype` is the dtype class)
from .ops import fft as F
from .tensor import Tensor

_NORMS = ("backward", "ortho", "forward")

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise RuntimeError(f'fft: Invalid normalization mode: "{norm}" (expected "backward", "ortho" or "forward")')
    return norm


def _input(x, op, real=False):
    """x as a floating or complex tensor: integers and bool become the default float, as in torch."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: argument 'input' must be Tensor, not {type(x).__name__}")
    k = x._data.dtype
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


def _dims(x, s, dim, op):
    """(s, axes) for an n-d transform: torch's rules for s given without dim (the last len(s) dims), dim without s
    (their current sizes), -1 in s (keep that size)."""
    nd = x.ndim
    if dim is not None:
        dims = [dim] if isinstance(dim, int) else list(dim)
        if nd == 0 and dims:
            raise IndexError(f"{op}: Dimension specified as {dims[0]} but tensor has no dimensions")
        for d in dims:
            if not -nd <= d < nd:
                raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but "
                                 f"got {d})")
        axes = [d % nd for d in dims]
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"{op}: FFT dims must be unique, got dim={tuple(dims)}")
        if s is not None and len(s) != len(axes):
            raise RuntimeError(f"{op}: When given, dim and shape arguments must have the same length (got s={tuple(s)}"
                               f" and dim={tuple(dims)})")
    elif s is not None:
        if len(s) > nd:
            raise RuntimeError(f"{op}: Got shape with {len(s)} values but input tensor only has {nd} dimensions.")
        axes = list(range(nd - len(s), nd))
    else:
        axes = list(range(nd))
    sizes = [x.shape[a] for a in axes] if s is None else [x.shape[a] if n == -1 else n for a, n in zip(axes, s)]
    for n in sizes:
        if n < 1:
            raise RuntimeError(f"{op}: Invalid number of data points ({n}) specified")
    return sizes, axes


# ---- complex to complex -------------------------------------------------------------------------------------
def _c2c(x, s, dim, norm, op, inverse):
    x = _input(x, op)
    sizes, axes = _dims(x, s, dim, op)
    if not axes:  # torch: transforming no dims is the promotion to complex alone
        return _as_complex(x)
    return F.FFT.apply(x, s=sizes, axes=axes, norm=_norm(norm), inverse=inverse)


def fft(input, n=None, dim=-1, norm=None):
    return _c2c(input, None if n is None else [n], dim, norm, "fft_fft", False)


def ifft(input, n=None, dim=-1, norm=None):
    return _c2c(input, None if n is None else [n], dim, norm, "fft_ifft", True)


def fft2(input, s=None, dim=(-2, -1), norm=None):
    return _c2c(input, s, dim, norm, "fft_fft2", False)


def ifft2(input, s=None, dim=(-2, -1), norm=None):
    return _c2c(input, s, dim, norm, "fft_ifft2", True)


def fftn(input, s=None, dim=None, norm=None):
    return _c2c(input, s, dim, norm, "fft_fftn", False)


def ifftn(input, s=None, dim=None, norm=None):
    return _c2c(input, s, dim, norm, "fft_ifftn", True)


# ---- real to half spectrum and back -------------------------------------------------------------------------
def _r2c(x, s, dim, norm, op):
    x = _input(x, op, real=True)
    sizes, axes = _dims(x, s, dim, op)
    if not axes:
        raise RuntimeError(f"{op} must transform at least one axis")
    return F.RFFT.apply(x, s=sizes, axes=axes, norm=_norm(norm))


def _c2r(x, s, dim, norm, op):
    """The last transformed dim's output size defaults (None, or -1 in s) to 2 * (m - 1) for its m input bins."""
    x = _input(x, op)
    axes = _dims(x, None if s is None else [1] * len(s), dim, op)[1]
    if not axes:
        raise RuntimeError(f"{op} must transform at least one axis")
    s = [-1] * len(axes) if s is None else list(s)
    if s[-1] == -1:
        s[-1] = 2 * (x.shape[axes[-1]] - 1)
    sizes, axes = _dims(x, s, dim, op)
    return F.IRFFT.apply(_as_complex(x), s=sizes, axes=axes, norm=_norm(norm))


def rfft(input, n=None, dim=-1, norm=None):
    return _r2c(input, None if n is None else [n], dim, norm, "rfft")


def irfft(input, n=None, dim=-1, norm=None):
    return _c2r(input, None if n is None else [n], dim, norm, "irfft")


def rfft2(input, s=None, dim=(-2, -1), norm=None):
    return _r2c(input, s, dim, norm, "rfft2")


def irfft2(input, s=None, dim=(-2, -1), norm=None):
    return _c2r(input, s, dim, norm, "irfft2")


def rfftn(input, s=None, dim=None, norm=None):
    return _r2c(input, s, dim, norm, "rfftn")


def irfftn(input, s=None, dim=None, norm=None):
    return _c2r(input, s, dim, norm, "irfftn")


# ---- Hermitian input: the conjugate's c2r / r2c with the dual norm --------------------------------------------
def hfft(input, n=None, dim=-1, norm=None):
    return irfft(_input(input, "hfft").conj(), n, dim, F._DUAL[_norm(norm)])


def ihfft(input, n=None, dim=-1, norm=None):
    return rfft(input, n, dim, F._DUAL[_norm(norm)]).conj()


def hfft2(input, s=None, dim=(-2, -1), norm=None):
    return irfft2(_input(input, "hfft2").conj(), s, dim, F._DUAL[_norm(norm)])


def ihfft2(input, s=None, dim=(-2, -1), norm=None):
    return rfft2(input, s, dim, F._DUAL[_norm(norm)]).conj()


def hfftn(input, s=None, dim=None, norm=None):
    return irfftn(_input(input, "hfftn").conj(), s, dim, F._DUAL[_norm(norm)])


def ihfftn(input, s=None, dim=None, norm=None):
    return rfftn(input, s, dim, F._DUAL[_norm(norm)]).conj()


# ---- helpers -------------------------------------------------------------------------------------------------
def _freq(n, d, dtype, device, requires_grad, op, values):
    d_ = dt._default_float if dtype is None else dt.to_dtype(dtype)
    if d_.kind == "c":
        raise NotImplementedError(f'{op}: "arange_cpu" not implemented for {d_} (pass a floating dtype)')
    if d_.kind != "f":
        raise RuntimeError(f"{op} requires a floating point or complex dtype, got {d_}")
    if n < 0:
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {n}: [{n}]")
    with np.errstate(invalid="ignore", divide="ignore"):  # rfftfreq(0) is [nan] in torch: 0 / 0
        t = Tensor._wrap(np.asarray(values(n), d_) / d_.type(n * d))
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
    if x.ndim == 0:
        return x
    dims = list(range(x.ndim)) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    if not dims:
        return x
    return x.roll([sign * (x.shape[d] // 2) for d in dims], dims)


def fftshift(input, dim=None):
    """the zero frequency moved to the middle: a roll by n // 2 along each dim"""
    return _shift(input, dim, "fftshift", 1)


def ifftshift(input, dim=None):
    return _shift(input, dim, "ifftshift", -1)
