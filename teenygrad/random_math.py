"""The arithmetic of torch's compiled CPU samplers, reproduced so that random.py's draws are torch's bit for bit:
the C library's lgamma, exact float64 sums and fused multiply-adds, and the AVX2 Box-Muller kernel in float32
(Cephes' log and sin/cos polynomials in torch's operation order)."""
import functools
import math

import numpy as np

_F32 = np.float32
_F64 = np.float64


@functools.cache
def _libm_lgamma():
    """The C library's lgamma (torch's std::lgamma); Python's math.lgamma is CPython's own and differs in the
    last bits. Loaded on first use: finding the library runs ldconfig, too slow for `import teenygrad`."""
    try:
        import ctypes
        import ctypes.util
        f = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6").lgamma
        f.restype, f.argtypes = ctypes.c_double, [ctypes.c_double]
        return f
    except (OSError, AttributeError, TypeError):
        return math.lgamma


# ---- exact float64 arithmetic as torch's compiled kernels do it ------------------------------------------------
def _libm(fn, x):
    """fn (a math function: the C library's) on each value of the float64 array x."""
    return np.fromiter(map(fn, x.tolist()), _F64, x.size).reshape(x.shape)


def _split(a):
    """a = hi + lo with hi holding a's top 26 bits (Veltkamp), so hi * hi' is exact."""
    c = 134217729.0 * a  # 2^27 + 1
    hi = c - (c - a)
    return hi, a - hi


def _two_sum(a, b):
    """s + e == a + b exactly, s = fl(a + b) (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fma64(a, b, c):
    """a * b + c in float64 with one rounding, as the fused multiply-add the compiler emits for torch's
    `x * (to - from) + from` and `z * std + mean`. Boldo and Melquiond's emulation: the exact product (Dekker), its
    exact sum with c, and the low parts added with rounding to odd before the final rounding."""
    a, b, c = np.broadcast_arrays(np.asarray(a, _F64), np.asarray(b, _F64), np.asarray(c, _F64))
    ph = a * b
    (ah, al), (bh, bl) = _split(a), _split(b)
    pl = ((ah * bh - ph) + ah * bl + al * bh) + al * bl
    sh, sl = _two_sum(c, ph)
    v, e = _two_sum(sl, pl)
    # round to odd: an inexact v whose last bit is even steps one ulp toward the exact sum
    step = (e != 0) & ((v.view(np.int64) & 1) == 0)
    v = np.where(step, np.nextafter(v, np.where(e > 0, np.inf, -np.inf)), v)
    return sh + v


# ---- torch's AVX2 Box-Muller kernel in float32 ----------------------------------------------------------------
# Cephes' single-precision log and sin/cos polynomials (as the avx_mathfun header torch uses), evaluated in its
# operation order with its fused multiply-adds: fma(a, b, c) on float32 values is exact through float64 (the
# product fits in 48 bits) and rounds once, here at the cast.
def _fma(a, b, c):
    return (a.astype(_F64) * b + c).astype(_F32)


_LOG_P = [7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
          -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1]


def _log_f32(x):
    x = np.maximum(x, _F32(1.17549435e-38))
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_F32) + _F32(1)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_F32)  # mantissa in [0.5, 1)
    small = m < _F32(0.707106781186547524)
    m = (m - _F32(1)) + np.where(small, m, _F32(0))
    e = e - small.astype(_F32)
    z = m * m
    y = np.full_like(m, _F32(_LOG_P[0]))
    for c in _LOG_P[1:]:
        y = _fma(y, m, _F64(_F32(c)))
    y = y * m
    y = _fma(y, z, e * _F32(-2.12194440e-4))
    y = _fma(z, _F64(_F32(-0.5)), y)
    return _fma(e, _F64(_F32(0.693359375)), m + y)


def _sincos_f32(x):
    neg = x < 0
    x = np.abs(x)
    j = (x * _F32(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_F32)
    swap = (j & 4) != 0
    poly = (j & 2) == 0
    for c in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = _fma(y, _F64(_F32(c)), x)
    neg_cos = (~(j - 2) & 4) != 0
    neg_sin = neg ^ swap
    z = x * x
    yc = np.full_like(z, _F32(2.443315711809948E-005))
    yc = _fma(yc, z, _F64(_F32(-1.388731625493765E-003)))
    yc = _fma(yc, z, _F64(_F32(4.166664568298827E-002)))
    yc = yc * z
    yc = _fma(yc, z, -(z * _F32(0.5))) + _F32(1)
    ys = np.full_like(z, _F32(-1.9515295891E-4))
    ys = _fma(ys, z, _F64(_F32(8.3321608736E-3)))
    ys = _fma(ys, z, _F64(_F32(-1.6666654611E-1)))
    ys = _fma(ys * z, x, x)
    s, c = np.where(poly, ys, yc), np.where(poly, yc, ys)
    return np.where(neg_sin, -s, s), np.where(neg_cos, -c, c)


def _box_muller_kernel(n):
    """The Box-Muller pass for n float32 uniforms: numba's one-pass kernel (the same arithmetic, bit for bit; ~15x
    faster) when the kernels are on and n is large, else the numpy one below."""
    if n >= 4096:
        from .backend.cpu import fused_for
        if fused_for() is not None:
            from .backend._numba_random import box_muller_f32
            return box_muller_f32
    return _box_muller_f32


def _box_muller_f32(d, n):
    """In place on the first n - n % 16 values of float32 uniforms d: blocks of 16 become normals."""
    k = n // 16
    if not k:
        return
    blocks = d[:16 * k].reshape(k, 16)
    u1 = _F32(1) - blocks[:, :8]
    radius = np.sqrt(_F32(-2) * _log_f32(u1))
    s, c = _sincos_f32(_F32(2.0 * math.pi) * blocks[:, 8:])
    blocks[:, :8] = radius * c
    blocks[:, 8:] = radius * s


def _box_muller_f64(d, n):
    """The float64 kernel: the same blocks with libm's log, cos and sin (Python's math calls them)."""
    k = n // 16
    if not k:
        return
    blocks = d[:16 * k].reshape(k, 16)
    u1 = (1.0 - blocks[:, :8]).ravel().tolist()
    th = (2.0 * math.pi * blocks[:, 8:]).ravel().tolist()
    radius = np.sqrt(-2.0 * np.fromiter(map(math.log, u1), _F64, len(u1)))
    cos = np.fromiter(map(math.cos, th), _F64, len(th))
    sin = np.fromiter(map(math.sin, th), _F64, len(th))
    blocks[:, :8] = (radius * cos).reshape(k, 8)
    blocks[:, 8:] = (radius * sin).reshape(k, 8)
