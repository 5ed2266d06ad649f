"""torch.binomial's CPU sampler (sample_binomial in aten/src/ATen/native/Distributions.h), draw for draw: count * p
>= 10 (p the smaller of prob and 1 - prob) takes Hoermann's transformed rejection (BTRS, two 53-bit uniforms a
try), else the inversion by sums of geometric waits. torch computes some terms in the tensor's dtype (float32
products, sqrtf, floorf, log1pf), so a float32 tensor is sampled with float32 arithmetic in those places."""
import functools
import math

import numpy as np

_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
         0.0138761288230707, 0.0118967099458917, 0.0104112652619720, 0.00925546218271273, 0.00833056343336287)


@functools.cache
def _libm_f32(name):
    """The C library's float function name + 'f' (log1pf): what std::log1p(float) calls in torch's kernel."""
    try:
        import ctypes
        import ctypes.util
        f = getattr(ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6"), name + "f")
        f.restype, f.argtypes = ctypes.c_float, [ctypes.c_float]
        return lambda x: np.float32(f(x))
    except (OSError, AttributeError, TypeError):
        fn = getattr(np, name)
        return lambda x: fn(np.float32(x))


def _stirling_tail(k):
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _btrs(n, p, uniform, s):
    """One BTRS draw for count n and probability p <= 0.5 (s: the dtype's scalar type, in which torch computes
    the terms of count and prob alone)."""
    stddev = float(np.sqrt(s(n * p * (s(1) - p))))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(p)
    c = float(n * p) + 0.5
    v_r = 0.92 - 4.2 / b
    r = s(p / (s(1) - p))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(math.floor(s((n + 1) * p)))
    nf, rf = float(n), float(r)
    while True:
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - abs(u)
        if us == 0:  # C's floor(-inf): rejected below as k < 0
            continue
        k = s(math.floor((2 * a / us + b) * u + c))
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        if v == 0:  # C: log(0) = -inf is below any bound
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        kf = float(k)
        bound = ((m + 0.5) * math.log((m + 1) / (rf * (nf - m + 1)))
                 + float(n + 1) * math.log((nf - m + 1) / float(n - k + 1))
                 + (kf + 0.5) * math.log(rf * float(n - k + 1) / (kf + 1))
                 + _stirling_tail(m) + _stirling_tail(nf - m) - _stirling_tail(kf) - _stirling_tail(float(n - k)))
        if v <= bound:
            return k


def _inversion(n, p, uniform, s, log1p_s):
    logprob, nf = float(log1p_s(-p)), float(n)  # nf: the sum is compared in double
    geom_sum, num = 0.0, s(0)
    while True:
        u = uniform()
        if u == 0:  # C: a wait of ceil(-inf / logprob) = inf ends the sum
            return num
        geom_sum += math.ceil(math.log(u) / logprob)
        if geom_sum > nf:
            return num
        num = num + 1


def sample(g, counts, probs, dtype):
    """Binomial draws (an array of dtype, float32 or float64) for the equal-shaped arrays counts and probs, in C
    order from Generator g, as torch's binomial_cpu. A count of nan or inf with 0 < prob < 1 (torch loops forever)
    raises."""
    from .random import _Draws
    s = np.float32 if dtype == np.float32 else float
    log1p_s = _libm_f32("log1p") if s is np.float32 else math.log1p
    cs, ps = counts.astype(dtype).ravel().tolist(), probs.astype(dtype).ravel().tolist()
    out = np.empty(len(cs), dtype)
    d = _Draws(g, 2 * len(cs))
    try:
        for j, (n, p) in enumerate(zip(cs, ps)):
            n, p = s(n), s(p)
            if n <= 0 or p <= 0:
                k = 0
            elif p >= 1:
                k = n
            elif not (p <= 0.5 or p > 0.5):
                k = math.nan
            elif not math.isfinite(n):
                raise RuntimeError(f"binomial: count must be finite where 0 < prob < 1, got count {n} with prob {p}")
            else:
                q = p if p <= 0.5 else s(1.0 - float(p))
                if n * q >= 10.0:
                    k = _btrs(n, q, d.uniform, s)
                else:
                    k = _inversion(n, q, d.uniform, s, log1p_s)
                if q is not p:
                    k = n - k
            out[j] = k
    finally:
        d.close()
    return out
