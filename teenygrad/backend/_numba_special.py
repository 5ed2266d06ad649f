"""One-pass float64 kernels for the special functions of ops/special_math.py: lgamma, digamma, erfc, erfcx, erfinv,
erfcinv (and through it ndtri) and log_ndtr. special_math's numpy path sums each series or continued fraction with
one full-array temporary per term and masked fancy updates per recurrence step; here each element runs the same
math in registers (a loop per element). lgamma, erf and erfc are libm's (numba lowers math.lgamma / math.erf /
math.erfc to the C library, the same functions torch's CPU kernels call); digamma, erfcx and the inverses are
special_math's formulas, element by element. special_math reaches this module through its _kernel (numba on), on
1-D float64 arrays; the ops round the result to the input's dtype as before.

Where it stands: forward + backward at (4096, 512) float32, new / old (numpy path, numba off) / PyTorch at 1 thread,
medians of 3 alternating rounds in one process on a busy 2-core box (load ~3; 16:00 UTC, 2026-11-26; old =
cpu.set_fused(False), torch.set_num_threads(1)): lgamma 96 / 765 / 98 ms, erfinv 151 / 1235 / 24,
ndtri 132 / 1148 / 42, erfc 76 / 440 / 22, log_ndtr 205 / 754 / 105, erfcx 150 / 350 / 71. digamma: its backward,
polygamma(1), went through zeta (~20 libm pow calls a value); its own trigamma kernel took digamma's forward +
backward from 491 to 97 ms (torch 73 at 2 threads; x = |N(0,1)| + 0.1; old / new / torch alternating in one
process, medians of 5, 2026-11-26).

No fastmath: NaN, inf, -0.0 and the poles must come out as the numpy path's (and torch's). np.floor, never
math.floor: numba's math.floor returns an int64, which wraps beyond 2^63 (-1e30 then is no pole, and zeta's loop
stepped it up towards 10 forever). Every loop here is bounded: zeta's runs at most 10 - _ZETA_FAR times."""
import math

import numba
import numpy as np

_exact = dict(error_model="numpy", cache=True, nogil=True)
_SQRT_PI = math.sqrt(math.pi)
_SQRT2 = math.sqrt(2.0)
_DIGAMMA_C = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)  # B2k/(2k), as special_math's
_TRIGAMMA_B = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)  # B2, B4, ..., B16


# ---- scalar helpers ----------------------------------------------------------------------------------------------
@numba.njit(**_exact)
def _digamma_pos(x):
    """digamma for x >= 0.5: digamma x = digamma(x + k) - sum 1/(x+i), then the asymptotic series"""
    acc = 0.0
    while x < 12.0:
        acc -= 1.0 / x
        x += 1.0
    w = 1.0 / (x * x)
    series = 0.0
    for j in range(len(_DIGAMMA_C) - 1, -1, -1):
        series = series * w + _DIGAMMA_C[j]
    return math.log(x) - 0.5 / x - series * w + acc


@numba.njit(**_exact)
def _digamma(x):
    if x != x:
        return x
    if x == 0.0:
        return math.copysign(math.inf, -x)  # -inf at +0, inf at -0 (as torch)
    if x >= 0.5:
        return _digamma_pos(x)
    if x == np.floor(x):
        return math.nan  # the poles -1, -2, ... and -inf (as torch)
    # reflection: digamma x = digamma(1 - x) - pi / tan(pi x); x minus its nearest integer keeps pi x exact enough
    return _digamma_pos(1.0 - x) - math.pi / math.tan(math.pi * (x - np.round(x)))


@numba.njit(**_exact)
def _trigamma_pos(x):
    """trigamma for x > 0: psi1 x = psi1(x + k) + sum 1/(x+i)^2 up to x >= 10, then the asymptotic series
    1/x + 1/(2x^2) + sum B2k / x^(2k+1) (its first omitted term is below 1e-16 relative there)"""
    acc = 0.0
    while x < 10.0:
        acc += 1.0 / (x * x)
        x += 1.0
    r = 1.0 / x
    w = r * r
    series = 0.0
    for j in range(len(_TRIGAMMA_B) - 1, -1, -1):
        series = series * w + _TRIGAMMA_B[j]
    return r * (1.0 + 0.5 * r + w * series) + acc


@numba.njit(**_exact)
def _trigamma(x):
    """polygamma(1, x), as special_math's polygamma(x, 1): inf at 0, -1, -2, ...; 0 at inf and NaN at -inf and NaN
    (torch's trigamma: its limit at inf; zeta(2, x) itself is NaN at inf and inf at -inf, as torch's zeta)"""
    if x != x or x == -math.inf:
        return math.nan
    if x == math.inf:
        return 0.0
    if x <= 0.0 and x == np.floor(x):
        return math.inf
    if x > 0.0:
        return _trigamma_pos(x)
    # reflection: psi1 x = pi^2 / sin^2(pi x) - psi1(1 - x); x minus its nearest integer keeps pi x exact enough
    r = math.pi / math.sin(math.pi * (x - np.round(x)))
    return r * r - _trigamma_pos(1.0 - x)


@numba.njit(**_exact)
def _exp_sq(x):
    """e^(x^2) without the rounding of x^2: x = hi + lo with hi^2 exact (as special_math's _exp_neg_sq)"""
    if not math.isfinite(x):
        return math.exp(x * x)  # inf at +-inf (hi - lo below would make it NaN)
    hi = np.round(x * 2.0 ** 20) / 2.0 ** 20
    lo = x - hi
    return math.exp(hi * hi) * math.exp(lo * (2 * hi + lo))


@numba.njit(**_exact)
def _erfcx(x):
    """e^(x^2) erfc x: libm's erfc while it stays a normal number, the continued fraction beyond (x > 26)"""
    if x < 0.0:
        return 2.0 * _exp_sq(x) - _erfcx(-x)  # inf below about -26.6, as the numpy path
    if x <= 26.0:
        return _exp_sq(x) * math.erfc(x)
    t = x  # 1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))): 20 terms are plenty out here
    for k in range(20, 0, -1):
        t = x + (k / 2) / t
    return 1.0 / (_SQRT_PI * t)


@numba.njit(**_exact)
def _erfinv_small(y):
    """The x with erf x = y for |y| <= 0.5: a series start, then Halley steps on erf x - y"""
    x = _SQRT_PI / 2 * y * (1 + y * y * (math.pi / 12 + y * y * 7 * math.pi ** 2 / 480))
    for _ in range(3):
        step = (math.erf(x) - y) * (_SQRT_PI / 2) * math.exp(x * x)  # f / f'
        x = x - step / (1 + x * step)  # Halley: f'' / f' = -2x
    return x


@numba.njit(**_exact)
def _erfcinv_tail(q):
    """The x >= 0 with erfc x = q for 0 < q <= 0.5: Winitzki's closed form, then Halley steps written through
    erfcx and logs (special_math's _erfcinv_tail)"""
    a = 0.147
    lg = math.log(q * (2 - q))
    b = 2 / (math.pi * a) + lg / 2
    x = math.sqrt(math.sqrt(b * b - lg / a) - b)
    for _ in range(3):
        r = _erfcx(x)
        step = _SQRT_PI / 2 * r * math.expm1(math.log(q) - math.log(r) + x * x)
        x = x - step / (1 + x * step)
    return x


@numba.njit(**_exact)
def _erfinv_guess(y, w):
    """Giles' single-precision erfinv ("Approximating the erfinv function", GPU Gems 2010), ~1e-7 relative, for
    w = -log(1 - y^2) <= ~27 (the caller passes w computed without cancellation)"""
    if w < 5.0:
        w = w - 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    return p * y


@numba.njit(**_exact)
def _erfinv_fast(y):
    """erfinv y for |y| <= 0.5: Giles' guess, then one Halley step (cubic: 1e-7 -> below float64 rounding)"""
    x = _erfinv_guess(y, -math.log1p(-y * y))
    step = (math.erf(x) - y) * (_SQRT_PI / 2) * math.exp(x * x)
    return x - step / (1 + x * step)


@numba.njit(**_exact)
def _erfcinv_fast(q):
    """The x >= 0 with erfc x = q for 1e-6 <= q <= 0.5: Giles' guess, then two Halley steps on erfc x - q (the
    guess is only ~1e-6 good out in the tail)"""
    x = _erfinv_guess(1 - q, -math.log(q * (2 - q)))
    for _ in range(2):
        step = (_SQRT_PI / 2) * math.exp(x * x) * (q - math.erfc(x))
        x = x - step / (1 + x * step)
    return x


@numba.njit(**_exact)
def _erfcinv(q):
    if abs(1 - q) <= 0.5:
        return _erfinv_fast(1 - q)
    if 1e-6 <= q < 0.5:
        return _erfcinv_fast(q)
    if 1.5 < q <= 2.0 - 1e-6:
        return -_erfcinv_fast(2 - q)
    if 0.0 < q < 0.5:
        return _erfcinv_tail(q)
    if 1.5 < q < 2.0:
        return -_erfcinv_tail(2 - q)
    if q == 0.0:
        return math.inf
    if q == 2.0:
        return -math.inf
    return math.nan  # outside [0, 2], or NaN


@numba.njit(**_exact)
def _zeta(s, q, coef, far):
    """The Hurwitz zeta function sum_k (q + k)^-s, as special_math's zeta: the first terms summed until q + k >= 10
    (at least 9 of them), the rest by Euler-Maclaurin with coef[j] = B2j / (2j)!; below q = far, the negative terms
    in closed form (special_math's _zeta_far), so that the loop runs at most 10 - far times"""
    pole = q <= 0.0 and q == np.floor(q)
    if s == 1.0 or (pole and not s < 1.0):  # cephes' order, as torch: s = 1 first, then s < 1, then a pole
        return math.inf
    if s < 1.0 or s != s or q != q or q == math.inf or (q < 0.0 and not pole and s != np.floor(s)):
        return math.nan
    if q < far:
        f = q - np.floor(q)
        sign = 1.0 if s == math.inf else 1.0 - 2.0 * (s % 2.0)  # (-1)^s; at s = inf the terms |q + k| < 1 give inf
        return _zeta_sum(s, f, coef) + sign * (_zeta_sum(s, 1.0 - f, coef) - _zeta_sum(s, 1.0 - q, coef))
    return _zeta_sum(s, q, coef)


@numba.njit(**_exact)
def _zeta_sum(s, q, coef):
    """_zeta's sums, for q >= far"""
    total, a, k = 0.0, q, 0
    while a < 10.0 or k < 9:
        total += a ** -s
        a += 1.0
        k += 1
    total += a ** (1 - s) / (s - 1) + 0.5 * a ** -s
    rising, power = s, a ** (-s - 1)  # s (s+1) ... (s+2j-2) and a^(-s-2j+1)
    for j in range(coef.size):
        if power == 0.0:  # the rest adds nothing (and a huge s overflows rising: inf * 0 is NaN)
            break
        total += coef[j] * rising * power
        rising = rising * (s + 2 * j + 1) * (s + 2 * j + 2)
        power = power / (a * a)
    return total


# ---- the kernels: a 1-D float64 array in, a new one out -----------------------------------------------------------
@numba.njit(**_exact)
def lgamma(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = math.lgamma(x[i])  # libm: inf at the poles and at +-inf, as torch
    return out


@numba.njit(**_exact)
def digamma(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = _digamma(x[i])
    return out


@numba.njit(**_exact)
def trigamma(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = _trigamma(x[i])
    return out


@numba.njit(**_exact)
def erfc(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = math.erfc(x[i])
    return out


@numba.njit(**_exact)
def erfcx(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = _erfcx(x[i])
    return out


@numba.njit(**_exact)
def erfcinv(q):
    out = np.empty_like(q)
    for i in range(q.size):
        out[i] = _erfcinv(q[i])
    return out


@numba.njit(**_exact)
def erfinv(y):
    out = np.empty_like(y)
    for i in range(y.size):
        a = abs(y[i])
        if a <= 0.5:
            out[i] = _erfinv_fast(y[i])
        elif a <= 1.0:
            out[i] = math.copysign(_erfcinv(1 - a), y[i])
        else:
            out[i] = math.nan
    return out


@numba.njit(**_exact)
def zeta(s, q, coef, far):
    """s and q: 1-D, of one size (special_math broadcasts them)"""
    out = np.empty_like(q)
    for i in range(q.size):
        out[i] = _zeta(s[i], q[i], coef, far)
    return out


@numba.njit(**_exact)
def log_ndtr(x):
    """log Phi(x): through erfcx in the lower tail (Phi underflows there), log1p in the upper"""
    out = np.empty_like(x)
    for i in range(x.size):
        if x[i] < 0.0:
            t = -x[i] / _SQRT2
            out[i] = math.log(_erfcx(t) / 2) - t * t
        else:
            out[i] = math.log1p(-math.erfc(x[i] / _SQRT2) / 2)
    return out
