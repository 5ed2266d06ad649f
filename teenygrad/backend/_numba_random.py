"""Serial kernels for the random samplers (numba), imported on first use by teenygrad/random.py.

torch's randperm is a Fisher-Yates shuffle, one swap after another: each step depends on the last, so numpy cannot
vectorise it, and the Python loop over its swaps took ~0.5 us per element (10.6 ms for randperm(50_000), 57x torch
at 1 thread). The same loop compiled takes ~5 ns per element. Integer-only, so the result is the same, bit for bit.
torch's gamma sampler is a rejection loop, element after element, on double math: compiled without fastmath, with
the C library's functions that Python's math calls, it gives the Python loop's values bit for bit, 12x faster
(Generator.gamma on 1e5 float32 alphas: 84 ms -> 7 ms, torch 8 ms; /tmp/h13/bench.py)."""
import math

import numba
import numpy as np

from ._numba_kernels import _f32_bits, _int_bits_as_f32, _HALF, _ONE

f32 = np.float32


@numba.njit(cache=True, nogil=True)
def fisher_yates(words):
    """torch's randperm(n) from its n - 1 raw 32-bit words: swap i with i + (words[i] mod (n - i))."""
    n = words.size + 1
    p = np.arange(n)
    for i in range(n - 1):
        k = words[i] % np.uint64(n - i)
        if k:
            j = i + np.int64(k)
            p[i], p[j] = p[j], p[i]
    return p


@numba.njit(cache=True, nogil=True)
def multinomial_rows(rows, u, out):
    """torch's multinomial with replacement, row by row: the row's cumulative sum (added in turn, in the rows'
    dtype; no fastmath, so each add and divide rounds as numpy's do), divided by its total when that is > 0, the
    last entry set to 1; then out[r, s] = the first category whose cumulative sum is >= u[r, s] (a binary search)."""
    n = rows.shape[1]
    cum = np.empty(n, rows.dtype)
    for r in range(rows.shape[0]):
        cum[0] = rows[r, 0]
        for j in range(1, n):
            cum[j] = cum[j - 1] + rows[r, j]
        total = cum[n - 1]
        if total > 0:
            for j in range(n):
                cum[j] = cum[j] / total
        cum[n - 1] = 1
        for s in range(u.shape[1]):
            x = u[r, s]
            lo, hi = 0, n
            while lo < hi:
                mid = (lo + hi) >> 1
                if cum[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            out[r, s] = lo


@numba.njit(cache=True, nogil=True)
def uniform_f32(words, span, base, out):
    """out = float32(x * span + base) in float64, x the float32 uniform (low 24 bits of a word) * 2^-24: one pass
    instead of numpy's five. No fastmath: the multiply and the add must each round (no fused multiply-add) to
    give numpy's float64 values, which are torch's float32 fused ones after the final rounding."""
    for i in range(words.size):
        x = np.float64(words[i] & np.uint64(0xFFFFFF)) * 5.9604644775390625e-08  # 2^-24
        out[i] = np.float32(x * span + base)



@numba.njit(cache=True, nogil=True)
def _u53(words, i):
    """The i-th 53-bit uniform of the raw 32-bit words: (words[2i] << 32 | words[2i + 1]) & (2^53 - 1) times 2^-53
    (exact, as Generator._u53)."""
    w = (words[2 * i] << np.uint64(32)) | words[2 * i + 1]
    return np.float64(w & np.uint64((1 << 53) - 1)) * 1.1102230246251565e-16  # 2^-53


@numba.njit(cache=True, nogil=True)
def gamma_serial(a, small, inv, d, c, words, out, j, pos, spare, has_spare):
    """torch's _standard_gamma (Marsaglia and Tsang), element after element from j on, as Generator.gamma's Python
    loop: 53-bit uniforms from the raw words (two a uniform), pos the first unused uniform, spare / has_spare the
    cached Box-Muller normal. No fastmath (each operation rounds as Python's float does) and the C library's log,
    log1p, pow, sin and cos, so the values are the loop's bit for bit. Returns (j, pos, spare, has_spare): j ==
    a.size when all are drawn, else the element whose draws ran past the words, with pos, spare and has_spare as
    they were before it (the caller appends words and calls again)."""
    k0331 = np.float64(np.float32(0.0331))
    two_pi = 2.0 * np.pi
    m = words.size // 2
    while j < a.size:
        aj = a[j]
        if not aj > 0:
            out[j] = 0.0 if aj == 0 else np.nan
            j += 1
            continue
        p, sp, hs = pos, spare, has_spare
        if small[j]:
            if p == m:
                return j, pos, spare, has_spare
            scale = math.pow(1.0 - _u53(words, p), inv[j])
            p += 1
        else:
            scale = 1.0
        cj, dj = c[j], d[j]
        while True:
            while True:
                if hs:  # normal_distribution<double>: the kept second value first, else a new Box-Muller pair
                    x, hs = sp, False
                else:
                    if p + 2 > m:
                        return j, pos, spare, has_spare
                    r = math.sqrt(-2.0 * math.log1p(-_u53(words, p + 1)))
                    theta = two_pi * _u53(words, p)
                    p += 2
                    sp, hs = r * math.sin(theta), True
                    x = r * math.cos(theta)
                y = 1.0 + cj * x
                if not y <= 0:
                    break
            v = y * y * y
            if p == m:
                return j, pos, spare, has_spare
            uu = 1.0 - _u53(words, p)
            p += 1
            xx = x * x
            if uu < 1.0 - k0331 * xx * xx or math.log(uu) < 0.5 * xx + dj * (1.0 - v + math.log(v)):
                break
        out[j] = scale * dj * v
        j, pos, spare, has_spare = j + 1, p, sp, hs
    return j, pos, spare, has_spare


# ---- torch's float32 Box-Muller (randn): random_math.py's numpy arithmetic, in one pass ----------------------------
# No fastmath here: every float32 operation must round where the numpy path rounds (bit-equal results). fma(a, b, c)
# is emulated as random_math.py does it: the float32 product is exact in float64, then one addition and the cast.
_exact = dict(error_model="numpy", cache=True, nogil=True)
_BM0, _BM1, _BM2, _BM3, _BM4, _BM5, _BM6, _BM7, _BM8 = [f32(c) for c in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
                        -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_LQ1, _LQ2, _SQRTHF = f32(-2.12194440e-4), f32(0.693359375), f32(0.707106781186547524)
_FOPI, _DP1, _DP2, _DP3 = f32(1.27323954473516), f32(-0.78515625), f32(-2.4187564849853515625e-4), \
    f32(-3.77489497744594108e-8)
_CC0, _CC1, _CC2 = f32(2.443315711809948E-005), f32(-1.388731625493765E-003), f32(4.166664568298827E-002)
_SC0, _SC1, _SC2 = f32(-1.9515295891E-4), f32(8.3321608736E-3), f32(-1.6666654611E-1)
_TWO_PI, _MINUS_TWO, _MINUS_HALF, _ZERO = f32(2.0 * np.pi), f32(-2.0), f32(-0.5), f32(0.0)


@numba.njit(inline="always", **_exact)
def _fma32(a, b, c):
    return f32(np.float64(a) * np.float64(b) + np.float64(c))


@numba.njit(inline="always", **_exact)
def _bm_log(x):
    bits = _f32_bits(x)  # x >= 2^-24 here: a normal float32
    e = f32((bits >> 23) - 0x7E)  # x = m 2^e with the mantissa m in [0.5, 1)
    m = _int_bits_as_f32((bits & 0x807FFFFF) | 0x3F000000)
    small = m < _SQRTHF
    m = (m - _ONE) + (m if small else _ZERO)
    e = e - (_ONE if small else _ZERO)
    z = m * m
    y = _BM0
    y = _fma32(y, m, _BM1)
    y = _fma32(y, m, _BM2)
    y = _fma32(y, m, _BM3)
    y = _fma32(y, m, _BM4)
    y = _fma32(y, m, _BM5)
    y = _fma32(y, m, _BM6)
    y = _fma32(y, m, _BM7)
    y = _fma32(y, m, _BM8)
    y = y * m
    y = _fma32(y, z, e * _LQ1)
    y = _fma32(z, _MINUS_HALF, y)
    return _fma32(e, _LQ2, m + y)


@numba.njit(**_exact)
def _box_muller_blocks(d, k):
    for b in range(k):
        o = 16 * b
        for j in range(8):
            radius = np.sqrt(_MINUS_TWO * _bm_log(_ONE - d[o + j]))
            x = _TWO_PI * d[o + 8 + j]  # >= 0: no sign to strip
            q = np.int32(x * _FOPI)
            q = (q + 1) & ~1
            y = f32(q)
            x = _fma32(y, _DP1, x)
            x = _fma32(y, _DP2, x)
            x = _fma32(y, _DP3, x)
            z = x * x
            yc = _fma32(_CC0, z, _CC1)
            yc = _fma32(yc, z, _CC2)
            yc = yc * z
            yc = _fma32(yc, z, -(z * _HALF)) + _ONE
            ys = _fma32(_SC0, z, _SC1)
            ys = _fma32(ys, z, _SC2)
            ys = _fma32(ys * z, x, x)
            if (q & 2) == 0:
                s, c = ys, yc
            else:
                s, c = yc, ys
            if (q & 4) != 0:
                s = -s
            if ((~(q - 2)) & 4) != 0:
                c = -c
            d[o + j] = radius * c
            d[o + 8 + j] = radius * s


def box_muller_f32(d, n):
    """In place on float32 uniforms d: its first n // 16 blocks of 16 become torch's normals (random.py's kernel)."""
    if n >= 16:
        _box_muller_blocks(d, n // 16)
