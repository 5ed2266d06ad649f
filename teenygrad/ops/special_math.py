"""The special functions numpy lacks, on float64 arrays: erf, erfc, erfcx and their inverses, lgamma, digamma,
the Hurwitz zeta function and polygamma, the regularized incomplete gamma functions P(a, x) and Q(a, x), and the
modified Bessel functions I0 and I1 (plain and scaled by e^-|x|).
Series and continued fractions are summed to float64 convergence (~1e-14 relative away from the functions'
zeros); the ops in special.py compute here in float64 and round to the input's dtype. Plain numpy, no autograd."""
import functools
import math
import numpy as np

from .._arrays import xp_of, _on_host

_SQRT_PI = math.sqrt(math.pi)


def _kernel(name):
    """backend/_numba_special's one-pass kernel for name when numba is on (and it has one), else None"""
    from ..backend import cpu
    if cpu.fused() is None:
        return None
    from ..backend import _numba_special
    return getattr(_numba_special, name, None)


def _host(fn):
    """fn on device (cupy) arrays: their values copied to the host, fn's numpy math run there, the result moved
    back to their device (cupy has no kernels for these series); numpy arrays go straight through"""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        dev = next((a for a in args if type(a) is not np.ndarray and hasattr(a, "get")), None)  # a cupy array
        if dev is None:
            return fn(*args, **kwargs)
        out = fn(*(_on_host(a) for a in args), **kwargs)
        return xp_of(dev).asarray(out)
    return wrapper


def _flat(fn):
    """Run fn on a 1-D float64 copy (boolean-mask assignment needs at least one dim) and restore the shape; a numba
    kernel of the same name (see _kernel) runs instead where there is one: the same math, one loop per element."""
    def wrapper(x, *args):
        x = np.asarray(x, dtype=np.float64)
        k = _kernel(fn.__name__)
        if k is not None:
            return k(x.reshape(-1)).reshape(x.shape)
        with np.errstate(all="ignore"):  # poles and tails give inf and nan on purpose, as torch
            return fn(x.reshape(-1), *args).reshape(x.shape)
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return _host(wrapper)


# ---- the error function --------------------------------------------------------------------------------------
_SPLIT = 1.5  # below: the series for erf; above: the continued fraction for erfc


def _erf_series(x):
    """erf x = 2/sqrt(pi) e^(-x^2) sum_n x (2x^2)^n / (2n+1)!!  (positive terms, so no cancellation)"""
    term, total, x2 = x.copy(), x.copy(), 2 * x * x
    for n in range(1, 32):
        term = term * x2 / (2 * n + 1)
        total += term
    return 2 / _SQRT_PI * np.exp(-x * x) * total


def _exp_neg_sq(x):
    """e^(-x^2) without the rounding of x^2 (which costs x^2 ulps): x = hi + lo with hi^2 exact"""
    hi = np.round(x * 2.0 ** 20) / 2.0 ** 20  # |x| < 27 where it matters: hi has <= 26 significant bits
    lo = x - hi
    return np.where(np.isfinite(x), np.exp(-hi * hi) * np.exp(-lo * (2 * hi + lo)), 0.0)


def _erfcx_cf(x):
    """e^(x^2) erfc x = 1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up; x >= 1.5"""
    t = x.copy()
    for k in range(80, 0, -1):
        t = x + (k / 2) / t
    return 1 / (_SQRT_PI * t)


@_flat
def erf(x):
    out, a = np.empty_like(x), np.abs(x)
    small = a < _SPLIT
    out[small] = _erf_series(x[small])
    big = a[~small]
    out[~small] = np.copysign(1 - _erfcx_cf(big) * _exp_neg_sq(big), x[~small])
    return out


@_flat
def erfc(x):
    out = np.empty_like(x)
    small, pos = np.abs(x) < _SPLIT, x >= _SPLIT
    out[small] = 1 - _erf_series(x[small])
    out[pos] = _erfcx_cf(x[pos]) * _exp_neg_sq(x[pos])
    neg = ~small & ~pos  # x <= -1.5 (and NaN, which stays NaN)
    out[neg] = 2 - _erfcx_cf(-x[neg]) * _exp_neg_sq(x[neg])
    return out


@_flat
def erfcx(x):
    """e^(x^2) erfc x"""
    out = np.empty_like(x)
    small, pos = np.abs(x) < _SPLIT, x >= _SPLIT
    out[small] = np.exp(x[small] ** 2) * (1 - _erf_series(x[small]))
    out[pos] = _erfcx_cf(x[pos])
    neg = ~small & ~pos
    out[neg] = 2 * np.exp(x[neg] ** 2) - _erfcx_cf(-x[neg])
    return out


def _erfinv_small(y):
    """The x with erf x = y for |y| <= 0.5: a series start, then Halley steps on erf x - y."""
    x = _SQRT_PI / 2 * y * (1 + y * y * (math.pi / 12 + y * y * 7 * math.pi ** 2 / 480))
    for _ in range(3):
        step = (erf(x) - y) * (_SQRT_PI / 2) * np.exp(x * x)  # f / f'
        x = x - step / (1 + x * step)  # Halley: f'' / f' = -2x
    return x


def _erfcinv_tail(q):
    """The x >= 0 with erfc x = q for 0 < q <= 0.5: Winitzki's closed form (~1e-3 off), then Halley steps on
    erfc x - q, written through erfcx and logs so that q down to the smallest subnormal neither under- nor
    overflows."""
    a = 0.147
    lg = np.log(q * (2 - q))  # log(1 - y^2) for y = 1 - q
    b = 2 / (math.pi * a) + lg / 2
    x = np.sqrt(np.sqrt(b * b - lg / a) - b)
    for _ in range(3):
        r = erfcx(x)
        step = _SQRT_PI / 2 * r * np.expm1(np.log(q) - np.log(r) + x * x)  # f / f' = (erfc x - q) / f'
        x = x - step / (1 + x * step)
    return x


@_flat
def erfcinv(q):
    """The x with erfc x = q, q in [0, 2]; 1 - q and 2 - q are exact where they are used"""
    out = np.full_like(q, np.nan)
    mid = np.abs(1 - q) <= 0.5
    out[mid] = _erfinv_small(1 - q[mid])
    lo = (q > 0) & (q < 0.5)
    out[lo] = _erfcinv_tail(q[lo])
    hi = (q > 1.5) & (q < 2)
    out[hi] = -_erfcinv_tail(2 - q[hi])
    out[q == 0], out[q == 2] = np.inf, -np.inf
    return out


@_flat
def erfinv(y):
    out = np.full_like(y, np.nan)
    a = np.abs(y)
    small = a <= 0.5
    out[small] = _erfinv_small(y[small])
    big = (a > 0.5) & (a <= 1)
    out[big] = np.copysign(erfcinv(1 - a[big]), y[big])
    return out


@_host
def ndtri(p):
    """The x with Phi(x) = p (the standard normal's quantile)"""
    return -math.sqrt(2) * erfcinv(2 * np.asarray(p, dtype=np.float64))


# ---- gamma and its derivatives ---------------------------------------------------------------------------------
def _frac_to_nearest(x):
    """x minus its nearest integer, in [-0.5, 0.5] and exact: sin(pi x) and tan(pi x) up to sign, without the
    rounding of pi x for large x"""
    return x - np.round(x)


_LGAMMA_C = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400]  # B2k/(2k(2k-1))


def _shift_up(x, threshold, step_fn):
    """Raise every x below threshold by whole steps (the recurrences), calling step_fn(mask, z) before each."""
    z = x.copy()
    for _ in range(int(threshold) + 1):
        m = z < threshold
        if not m.any():
            break
        step_fn(m, z)
        z[m] += 1
    return z


def _lgamma_pos(x):
    """lgamma for x >= 0.5: lgamma x = lgamma(x + k) - log(x (x+1) ... (x+k-1)), then Stirling's series"""
    prod = np.ones_like(x)

    def mul(m, z):
        prod[m] *= z[m]
    z = _shift_up(x, 15.0, mul)
    w = 1 / (z * z)
    series = 0.0
    for c in reversed(_LGAMMA_C):
        series = series * w + c
    return (z - 0.5) * np.log(z) - z + 0.5 * math.log(2 * math.pi) + series / z - np.log(prod)


_LGAMMA2_C = []  # (-1)^k (zeta(k) - 1) / k for k = 2, 3, ...: lgamma(2 + z)'s Taylor coefficients, made on first use


def _lgamma_near_zeros(x):
    """lgamma for x in [0.5, 2.5], accurate relative to its zeros at 1 and 2 (where the recurrence is not):
    lgamma(2 + z) = (1 - euler_gamma) z + sum_k (-1)^k (zeta(k) - 1) z^k / k, and lgamma(1 + z) = that - log1p z"""
    below = x < 1.5
    z = np.where(below, x - 1, x - 2)  # exact (Sterbenz)
    return _lgamma2p(z) - np.where(below, np.log1p(z), 0)


def _lgamma2p(z):
    """lgamma(2 + z) for |z| <= 0.5, from its Taylor series (see _lgamma_near_zeros)"""
    if not _LGAMMA2_C:
        k = np.arange(2, 32, dtype=np.float64)
        _LGAMMA2_C.extend((-1) ** k * zeta(k, 2.0) / k)
    series = 0.0
    for c in reversed(_LGAMMA2_C):
        series = (series + c) * z
    return (series + (1 - np.euler_gamma)) * z


@_flat
def lgamma(x):
    out = np.empty_like(x)
    pos = x >= 0.5
    out[pos] = _lgamma_pos(x[pos])
    near = (x >= 0.5) & (x <= 2.5)
    out[near] = _lgamma_near_zeros(x[near])
    neg = ~pos & ~np.isnan(x)
    xn = x[neg]
    # reflection: lgamma x = log(pi / |sin(pi x)|) - lgamma(1 - x); inf at the poles 0, -1, -2, ...
    out[neg] = np.log(math.pi / np.abs(np.sin(math.pi * _frac_to_nearest(xn)))) - _lgamma_pos(1 - xn)
    tiny = np.abs(x) < 1e-10  # lgamma x = -log|x| - euler_gamma x + O(x^2): sin(pi x) would lose subnormal bits
    out[tiny] = -np.log(np.abs(x[tiny])) - np.euler_gamma * x[tiny]
    out[np.isnan(x)] = np.nan
    out[np.isinf(x)] = np.inf
    return out


_DIGAMMA_C = [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12]  # B2k/(2k)


def _digamma_pos(x):
    """digamma for x >= 0.5: digamma x = digamma(x + k) - sum 1/(x+i), then the asymptotic series"""
    acc = np.zeros_like(x)

    def sub(m, z):
        acc[m] -= 1 / z[m]
    z = _shift_up(x, 12.0, sub)
    w = 1 / (z * z)
    series = 0.0
    for c in reversed(_DIGAMMA_C):
        series = series * w + c
    return np.log(z) - 0.5 / z - series * w + acc


@_flat
def digamma(x):
    out = np.empty_like(x)
    pos = x >= 0.5
    out[pos] = _digamma_pos(x[pos])
    neg = ~pos & ~np.isnan(x)
    xn = x[neg]
    # reflection: digamma x = digamma(1 - x) - pi / tan(pi x); -inf at 0, NaN at -1, -2, ... (as torch)
    out[neg] = _digamma_pos(1 - xn) - math.pi / np.tan(math.pi * _frac_to_nearest(xn))
    out[np.isnan(x)] = np.nan
    out[(x <= 0) & (x == np.floor(x))] = np.nan
    out[x == 0] = np.copysign(np.inf, -x[x == 0])  # -inf at +0, inf at -0
    return out


_B2 = [(1, 6), (-1, 30), (1, 42), (-1, 30), (5, 66), (-691, 2730), (7, 6), (-3617, 510), (43867, 798),
       (-174611, 330), (854513, 138), (-236364091, 2730)]  # Bernoulli numbers B2, B4, ... as (num, den)
_ZETA_C = [n / d / math.factorial(2 * j + 2) for j, (n, d) in enumerate(_B2)]  # B2j / (2j)!
_ZETA_FAR = -100.0  # below: q's negative terms summed in closed form (summing them would take |q| steps)


def _zeta_far(s, q):
    """zeta(s, q) for q < _ZETA_FAR (not a pole) and integer s: with f = q - floor(q), the terms q + k < 0 are
    -(m - f) for m = 1 .. -floor(q), so zeta(s, q) = zeta(s, f) + (-1)^s (zeta(s, 1 - f) - zeta(s, 1 - q))"""
    f = q - np.floor(q)  # exact
    sign = np.where(np.isinf(s), 1.0, 1 - 2 * np.fmod(s, 2))  # (-1)^s; at s = inf the terms |q + k| < 1 give inf
    return zeta(s, f) + sign * (zeta(s, 1 - f) - zeta(s, 1 - q))


@_host
def zeta(s, q):
    """The Hurwitz zeta function sum_k (q + k)^-s (s > 1): the first terms summed until q + k >= 10, the rest
    by Euler-Maclaurin (for q < _ZETA_FAR see _zeta_far). inf at s = 1 (any q) and at q = 0, -1, ..., -inf (s >= 1
    or NaN); NaN for s < 1, q = inf (as torch's), or q < 0 with s not an integer."""
    s, q = np.broadcast_arrays(np.asarray(s, dtype=np.float64), np.asarray(q, dtype=np.float64))
    shape = s.shape
    s, q = s.reshape(-1).copy(), q.reshape(-1).copy()
    k = _kernel("zeta")
    if k is not None:
        return k(s, q, np.array(_ZETA_C), _ZETA_FAR).reshape(shape)
    with np.errstate(all="ignore"):
        pole = (q <= 0) & (q == np.floor(q))
        undefined = (s < 1) | ((q < 0) & ~pole & (s != np.floor(s))) | np.isnan(s) | np.isnan(q) | (q == np.inf)
        far = (q < _ZETA_FAR) & ~pole & ~undefined
        total = np.zeros_like(q)
        a = np.where(far, 10.0, q)  # far ones are done apart
        k = 0
        while True:  # poles, NaNs and far q stay out of the loop: stepping -1e10 up to 10 would never end
            m = ((a < 10) | (k < 9)) & ~pole & ~undefined & ~far
            if not m.any():
                break
            total[m] += a[m] ** -s[m]
            a[m] += 1
            k += 1
        total += a ** (1 - s) / (s - 1) + 0.5 * a ** -s
        rising, power = s.copy(), a ** (-s - 1)  # s (s+1) ... (s+2j-2) and a^(-s-2j+1)
        for j, c in enumerate(_ZETA_C):
            # once a^(-s-2j+1) underflows the rest adds nothing: a huge s overflows rising to inf, and inf * 0 is NaN
            total += np.where(power == 0, 0.0, c * rising * power)
            rising = rising * (s + 2 * j + 1) * (s + 2 * j + 2)
            power = power / (a * a)
        if far.any():
            total[far] = _zeta_far(s[far], q[far])
        total[undefined] = np.nan
        total[(pole & ~(s < 1)) | (s == 1)] = np.inf  # cephes' order, as torch: s = 1 first, then s < 1, then a pole
    return total.reshape(shape)


@_host
def polygamma(x, n):
    """The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x) for n >= 1"""
    if n == 0:
        return digamma(x)
    k = _kernel("trigamma") if n == 1 else None  # digamma's backward: a kernel of its own, no zeta (20 pows a value)
    if k is not None:
        x = np.asarray(x, dtype=np.float64)
        return k(x.reshape(-1)).reshape(x.shape)
    z = zeta(n + 1.0, x)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # n! zeta overflows near the poles, as torch's
        if n <= 170:
            out = (-1) ** (n + 1) * math.factorial(n) * z
        else:  # n! is past float64 (torch: inf or NaN everywhere): n! zeta in log space, NaN where zeta underflowed
            out = (-1) ** (n + 1) * np.sign(z) * np.exp(math.lgamma(n + 1) + np.log(np.abs(z)))
            out = np.where(z == 0, np.nan, out)
    if n == 1:  # torch's trigamma: 0 at inf (its limit), NaN at -inf (zeta(2, x) is NaN and inf there)
        x = np.asarray(x)
        out = np.where(x == np.inf, 0.0, np.where(x == -np.inf, np.nan, out))
    return out


# ---- the regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x) ---------------------------------
# Cephes' choice of method (as torch's): the series for P below x ~ a, the continued fraction for Q above, and
# Q's own series at small x where P is near 1; for a >= _LARGE_A, Temme's uniform expansion. Each loop runs only
# over the elements still converging: near x = a both need ~9 sqrt(a) steps, under _IGAMMA_STEPS below _LARGE_A.
_LARGE_A = 1e5
_IGAMMA_STEPS = 5000
_EPS = np.finfo(np.float64).eps / 2


def _lgamma1p(a):
    """lgamma(1 + a) for a >= 0, without the rounding of 1 + a (which costs tiny a all its digits)"""
    near = a <= 0.5
    return np.where(near, _lgamma2p(np.where(near, a, 0)) - np.log1p(a), lgamma(1 + a))


def _log1pmx(x, a):
    """log(x / a) - t with t = x/a - 1, without cancellation: the series -t^2/2 + t^3/3 - ... for |t| < 0.1,
    log1p(t) while x - a is exact (t in [-0.5, 1]), log(x / a) beyond"""
    t = (x - a) / a
    series = np.zeros_like(t)
    for k in range(16, 1, -1):  # 0.1^16 / 16 < eps
        series = t * (series + (-1) ** (k + 1) / k)
    out = np.where((t >= -0.5) & (t <= 1), np.log1p(t), np.log(x / a)) - t
    return np.where(np.abs(t) < 0.1, t * series, out)


def _log_igamma_prefactor(a, x):
    """log(x^a e^-x / Gamma(a + 1)); for a >= 15 through Stirling and log(x/a) - (x/a - 1) (a log x - x -
    lgamma(a + 1) would lose ~a ulps to cancellation)"""
    out = a * np.log(x) - x - _lgamma1p(a)
    big = a >= 15
    ab = a[big]
    w = 1 / (ab * ab)
    series = 0.0
    for c in reversed(_LGAMMA_C):
        series = series * w + c
    out[big] = ab * _log1pmx(x[big], ab) - 0.5 * np.log(2 * math.pi * ab) - series / ab
    return out


def _igamma_asymptotic(a, x, upper):
    """Temme's uniform expansion for large a (DLMF 8.12.3-8.12.9): with t = x/a - 1 and eta = sign(t)
    sqrt(-2 (log(x/a) - t)), Q = erfc(eta sqrt(a/2)) / 2 + R and P = erfc(-eta sqrt(a/2)) / 2 - R, where
    R = e^(-a eta^2/2) / sqrt(2 pi a) (C0 + C1 / a), C0 = 1/t - 1/eta, C1 = 1/eta^3 - 1/t^3 - 1/t^2 - 1/(12 t)
    (their Taylor series near eta = 0, where they cancel); the next term is ~4e-3 / a^2 of R"""
    t = (x - a) / a
    u = -_log1pmx(x, a)
    eta = np.copysign(np.sqrt(2 * u), t)
    near = np.abs(eta) < 1e-2
    c0 = np.where(near, -1 / 3 + eta * (1 / 12 + eta * (-2 / 135 + eta / 864)), 1 / t - 1 / eta)
    c1 = np.where(near, -1 / 540 - eta / 288, 1 / eta ** 3 - 1 / t ** 3 - 1 / t ** 2 - 1 / (12 * t))
    r = np.exp(-a * u) / np.sqrt(2 * math.pi * a) * (c0 + c1 / a)
    s = eta * np.sqrt(a / 2)
    return erfc(s) / 2 + r if upper else erfc(-s) / 2 - r


def _until_converged(step, n):
    """Call step(idx, k) for k = 1, 2, ... on the indices idx (of n elements) whose last step returned False"""
    idx = np.arange(n)
    for k in range(1, _IGAMMA_STEPS + 1):
        if not idx.size:
            break
        idx = idx[~step(idx, k)]


def _p_series(a, x):
    """P(a, x) = x^a e^-x / Gamma(a + 1) sum_n x^n / ((a+1) ... (a+n)): positive terms"""
    term, total = np.ones_like(a), np.ones_like(a)

    def step(i, k):
        term[i] *= x[i] / (a[i] + k)
        total[i] += term[i]
        return term[i] <= _EPS * total[i]
    _until_converged(step, a.size)
    return np.exp(_log_igamma_prefactor(a, x)) * total


def _q_fraction(a, x):
    """Q(a, x) = x^a e^-x / Gamma(a) / (x+1-a - 1(1-a) / (x+3-a - 2(2-a) / (x+5-a - ...))), by modified Lentz;
    for x >= a (and x > 1.1), where every denominator stays away from 0"""
    tiny = 1e-300
    b = x + 1 - a
    c, d = np.full_like(a, 1 / tiny), 1 / b
    h = d.copy()

    def step(i, k):
        an = -k * (k - a[i])
        b[i] += 2
        di = an * d[i] + b[i]
        di = 1 / np.where(np.abs(di) < tiny, tiny, di)
        ci = b[i] + an / c[i]
        ci = np.where(np.abs(ci) < tiny, tiny, ci)
        d[i], c[i] = di, ci
        delta = di * ci
        h[i] *= delta
        return np.abs(delta - 1) <= _EPS
    _until_converged(step, a.size)
    return np.exp(_log_igamma_prefactor(a, x)) * a * h


def _q_small_x(a, x):
    """Q(a, x) for x <= 1.1 and a small, where P is near 1 (DLMF 8.7.3):
    Q = 1 - x^a / Gamma(a + 1) - x^a / Gamma(a) sum_{n>=1} (-x)^n / (n! (a + n))"""
    fac, total = np.ones_like(a), np.zeros_like(a)
    for n in range(1, 30):  # x^n / n! < 1e-20 by n = 30
        fac = fac * -x / n
        total += fac / (a + n)
    log_p0 = a * np.log(x) - _lgamma1p(a)
    return -np.expm1(log_p0) - a * np.exp(log_p0) * total


@_host
def gammainc(a, x, upper=False):
    """P(a, x) = gamma(a, x) / Gamma(a), or Q(a, x) = 1 - P(a, x) when upper, broadcast; at the edges as torch:
    NaN for a < 0, x < 0, a = x = 0 and a = x = inf; P = 1 for a = 0 or x = inf, P = 0 for x = 0 or a = inf"""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    out = np.full(a.shape, np.nan)
    with np.errstate(all="ignore"):
        inside = (a > 0) & (x > 0) & (a < np.inf) & (x < np.inf)
        if upper:  # Q: 1 - P's series below x ~ a, the fraction above; Q's own series at small x and small a
            series = np.where(x > 1.1, x < a, np.where(x <= 0.5, -0.4 / np.log(x) < a, x * 1.1 < a))
            fraction = (x > 1.1) & ~series
        else:
            series = ~((x > 1) & (x > a))
            fraction = ~series & (x > 1.1)
        large = inside & (a >= _LARGE_A)
        out[large] = _igamma_asymptotic(a[large], x[large], upper)
        inside &= ~large
        small = inside & ~series & ~fraction
        series, fraction = inside & series, inside & fraction
        p = _p_series(a[series], x[series])
        out[series] = 1 - p if upper else p
        for m, fn in ((fraction, _q_fraction), (small, _q_small_x)):
            q = fn(a[m], x[m])
            out[m] = q if upper else 1 - q
        p_zero = ((x == 0) & (a > 0)) | ((a == np.inf) & (x > 0) & (x < np.inf))
        p_one = ((a == 0) & (x > 0)) | ((x == np.inf) & (a > 0) & (a < np.inf))
        out[p_zero], out[p_one] = float(upper), 1.0 - upper
    return out.reshape(shape)


@_host
def gammainc_dx(a, x):
    """dP(a, x)/dx = x^(a-1) e^-x / Gamma(a), by torch's formula exp((a-1) log x - x - lgamma a) (so with its NaN
    at x = 0 for a = 1)"""
    a, x = np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.exp((a - 1) * np.log(x) - x - lgamma(a))


# ---- modified Bessel functions of the first kind ----------------------------------------------------------------
_BESSEL_SPLIT = 30.0  # below: the power series; above: the asymptotic series


def _bessel_series(a, nu):
    """I_nu(a) = sum_k (a/2)^(2k+nu) / (k! (k+nu)!), positive terms"""
    h = a * a / 4
    term = (a / 2) ** nu
    total = term.copy()
    for k in range(1, 64):
        term = term * h / (k * (k + nu))
        total += term
    return total


def _bessel_asym_scaled(a, nu):
    """e^-a I_nu(a) ~ 1/sqrt(2 pi a) sum_k (-1)^k prod_j (4nu^2 - (2j-1)^2) / (k! (8a)^k), a >= 30"""
    term, total = np.ones_like(a), np.ones_like(a)
    for k in range(1, 40):
        term = term * -(4 * nu * nu - (2 * k - 1) ** 2) / (8 * k * a)
        total += term
    return total / np.sqrt(2 * math.pi * a)


def _bessel(x, nu, scaled):
    a = np.abs(x)
    out = np.empty_like(x)
    small = a < _BESSEL_SPLIT
    out[small] = _bessel_series(a[small], nu) * (np.exp(-a[small]) if scaled else 1)
    big = ~small
    out[big] = _bessel_asym_scaled(a[big], nu) * (1 if scaled else np.exp(a[big]))
    out[np.isinf(x)] = 0 if scaled else np.nan  # torch's value at +-inf
    out[np.isnan(x)] = np.nan
    return np.copysign(out, x) if nu == 1 else out  # I1 is odd


@_flat
def i0(x):
    return _bessel(x, 0, False)


@_flat
def i0e(x):
    return _bessel(x, 0, True)


@_flat
def i1(x):
    return _bessel(x, 1, False)


@_flat
def i1e(x):
    return _bessel(x, 1, True)


# ---- the standard normal distribution ----------------------------------------------------------------------------
@_flat
def ndtr(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2"""
    return erfc(-x / math.sqrt(2)) / 2


@_flat
def log_ndtr(x):
    """log Phi(x): through erfcx in the lower tail (Phi underflows there), log1p in the upper"""
    out = np.empty_like(x)
    lo = x < 0
    t = -x[lo] / math.sqrt(2)
    out[lo] = np.log(erfcx(t) / 2) - t * t
    out[~lo] = np.log1p(-erfc(x[~lo] / math.sqrt(2)) / 2)
    return out
