"""torch.hann_window, hamming_window, blackman_window, bartlett_window, kaiser_window: the tapers that spectrogram
and STFT code builds before framing a signal. A periodic window of length n is the symmetric one of length n + 1
without its last point (what torch.stft wants); values are computed in float64 and stored in the requested dtype."""
import numpy as np

from .tensor import dt  # the dtype module (the package attribute `dtype` is the dtype class)
from .creation import _finish


def _window(op, window_length, periodic, dtype, device, requires_grad, formula):
    if not isinstance(window_length, int) or isinstance(window_length, bool):
        raise TypeError(f"{op}(): argument 'window_length' must be int, not {type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f"{op} requires non-negative window_length, got window_length={window_length!r}")
    d = dt.to_dtype(dtype) or dt._default_float
    if not dt.is_floating(d):
        raise RuntimeError(f"{op} expects floating point dtypes, got: {d}")
    if window_length <= 1:
        return _finish(np.ones(window_length, dtype=d), None, device, requires_grad, op)
    m = window_length + 1 if periodic else window_length
    x = np.arange(window_length, dtype=np.float64) / (m - 1)        # position in [0, 1] across the symmetric window
    return _finish(formula(x).astype(d), None, device, requires_grad, op)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return hamming_window(window_length, periodic, 0.5, 0.5, dtype=dtype, device=device, requires_grad=requires_grad,
                          _op="hann_window")


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False, _op="hamming_window"):
    return _window(_op, window_length, periodic, dtype, device, requires_grad,
                   lambda x: alpha - beta * np.cos(2 * np.pi * x))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda x: 0.42 - 0.5 * np.cos(2 * np.pi * x) + 0.08 * np.cos(4 * np.pi * x))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda x: 1 - np.abs(2 * x - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False):
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda x: np.i0(beta * np.sqrt(np.clip(1 - (2 * x - 1) ** 2, 0, None))) / np.i0(beta))
