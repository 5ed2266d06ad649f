"""One-pass kernels for elementwise ops whose numpy form is a slow scalar loop or a chain of temporaries: float32
remainder (np.mod runs a scalar divmod per element), erf (numpy has none: float64 took math.erf through
np.frompyfunc, a Python call per element; float32 a ~20-pass numpy fit) and the float32 huber / smooth_l1 loss
(~10 passes each way). Reached from teenygrad.ops once teenygrad.backend.cpu.fused_for (or fused) says numba is
on; the ops keep their numpy path for anything else (TEENYGRAD_NUMBA=0, cupy, other dtypes or layouts).

Where it stands, forward + backward, old (the numpy code, monkeypatched back) -> new, in one process, medians of
alternating rounds (2026-11-26, a shared 2-core host under load): x.remainder(1.5) (4096, 512) float32 34-55 -> 3-6
ms; x.erf() (4096, 512) float64 200-290 -> 37-56 ms (float32: see erf32); F.huber_loss (4096, 1024) float32
82-134 -> 9-12 ms. PyTorch at 2 threads on a quiet host: 2.5, 9.0 and 4.8 ms."""
import math

import numba
import numpy as np

from ._numba_kernels import _erf, _jit_nan

_exact = dict(error_model="numpy", cache=True, nogil=True)  # no fastmath: the sign of a zero and NaN must survive
f32 = np.float32
_EXACT_Q = 2.0 ** 24  # |a / b| below this, q b fits a float64 exactly (24 + 24 bits): a - q b is exactly fmod(a, b)


@numba.njit(**_exact)
def _remainder_fast(a, b):
    """(torch's remainder of float32 a, b; whether it is exact): fmod(a, b) = a - trunc(a / b) b in float64 (the
    quotient of two floats cannot round across an integer while it is below 2^24), signed as a, then moved into b's
    sign as torch's kernel does (mod += b where they differ; a zero keeps a's sign)."""
    q = np.trunc(np.float64(a) / np.float64(b))
    m = np.copysign(f32(np.float64(a) - q * np.float64(b)), a)
    return (m + b if m != 0 and (m < 0) != (b < 0) else m), abs(q) < _EXACT_Q and abs(b) < np.inf


@numba.njit(**_exact)
def _remainder_slow(a, b):
    m = np.fmod(a, b)  # libm's fmodf: exact for any quotient, but a loop per element
    return m + b if m != 0 and (m < 0) != (b < 0) else m


@numba.njit(**_exact)
def remainder(a, b, out):
    """out = remainder(a, b) on flat float32 arrays of one size. The vectorised pass covers |a / b| < 2^24; what it
    could not do exactly (huge quotients, b = 0 or inf, NaN) is redone with fmod in a second pass, only if any.
    (np.mod: 34 ms forward + backward at (4096, 512); this: 3 ms, torch 2.5 ms.)"""
    slow = False
    for i in range(out.size):
        out[i], ok = _remainder_fast(a[i], b[i])
        slow |= not ok
    if slow:
        for i in range(out.size):
            if not _remainder_fast(a[i], b[i])[1]:
                out[i] = _remainder_slow(a[i], b[i])


@numba.njit(**_exact)
def remainder_scalar(a, b, out):
    """remainder for a flat float32 array a and one float32 number b (x % 1.5: a loop of its own, vectorised)."""
    slow = False
    for i in range(out.size):
        out[i], ok = _remainder_fast(a[i], b)
        slow |= not ok
    if slow:
        for i in range(out.size):
            if not _remainder_fast(a[i], b)[1]:
                out[i] = _remainder_slow(a[i], b)


@numba.njit(**_jit_nan)
def erf32(a, out):
    """out = erf(a) on flat float32 arrays: the GELU kernel's rational fit (Eigen's; within 3.4e-7 of the exact erf,
    where the numpy Chebyshev fit it stands in for is within 4.5e-7), one vectorised pass: 0.6 ms at (4096, 512)
    where the fit's ~20 numpy passes took 48 ms."""
    for i in range(out.size):
        out[i] = _erf(a[i])


@numba.njit(**_exact)
def erf64(a, out):
    """out = erf(a) on flat float64 arrays: libm's erf (math.erf compiles to it), accurate to an ulp. A scalar call
    per element (~10 ns), but no Python in the loop: 21 ms at (4096, 512) where np.frompyfunc(math.erf) took 190 ms
    (torch's vectorised Sleef erf: ~1.5 ms)."""
    for i in range(out.size):
        out[i] = math.erf(a[i])


@numba.njit(**_exact)
def _huber(a, b, delta, smooth):
    """One element of torch's huber (smooth: smooth_l1 with beta = delta) loss, in its order of operations."""
    z = abs(a - b)
    if z < delta:
        return f32(0.5) * z * z / delta if smooth else f32(0.5) * z * z
    return z - f32(0.5) * delta if smooth else delta * (z - f32(0.5) * delta)


@numba.njit(**_exact)
def huber(a, b, delta, smooth, out):
    """out = the elementwise huber / smooth_l1 loss of flat float32 a, b (reduction='none'): one pass."""
    for i in range(out.size):
        out[i] = _huber(a[i], b[i], delta, smooth)


@numba.njit(error_model="numpy", cache=True, nogil=True, fastmath={"reassoc"})  # reassoc: the sum vectorises
def huber_sum(a, b, delta, smooth):
    """sum of the elementwise huber / smooth_l1 loss, accumulated in float64 (mean and sum: no loss array at all).
    _huber is compiled exact; only this accumulation may be reordered. NaN and inf still propagate."""
    s = 0.0
    for i in range(a.size):
        s += np.float64(_huber(a[i], b[i], delta, smooth))
    return s


@numba.njit(**_exact)
def huber_backward(a, b, g, delta, smooth, ga, gb):
    """ga = g clip(a - b, -delta, delta) (/ delta if smooth), gb = -ga, in one pass; g is one float32 number (the
    reduced loss's gradient, 1/n folded in for mean). gb of size 0: not wanted. NaN differences stay NaN."""
    for i in range(ga.size):
        d = a[i] - b[i]
        c = -delta if d < -delta else (delta if d > delta else d)
        v = g * (c / delta) if smooth else g * c
        ga[i] = v
        if gb.size:
            gb[i] = -v
