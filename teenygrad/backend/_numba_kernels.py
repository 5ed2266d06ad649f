"""Fused float32 CPU kernels (numba). Imported only through teenygrad.backend.cpu.fused(), never at
`import teenygrad`; compiled once per machine and cached on disk (cache=True).

Why they exist (measured in docs/performance.md; `python bench/run.py --only micro` compares them with PyTorch):
numpy runs an elementwise formula as one pass per operator, each pass writing a fresh temporary; these do one
pass, in registers. By default they run serially and BLAS owns the threads (see cpu.py, "one thread-pool
owner"); with TEENYGRAD_POOL=1 each splits its rows or range over cpu.parallel_for.

Vectorisation needs three settings: fastmath (reassociate the reductions), error_model="numpy" (no Python
ZeroDivisionError checks in the loop), and no libm calls in the loop body: math.exp/erf/tanh are scalar calls
that stop LLVM from vectorising (exp: 810 us scalar vs 190 us numpy on 393k floats), so _exp and _erf below are
written out in float32 arithmetic (max abs error ~2e-7 on the ranges used)."""

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .cpu import parallel_for, MIN_PARALLEL_ELEMENTS
from .._arrays import contiguous as _contig  # C order; a transposed matrix by the blocked copy
from .._arrays import dense_order, inverse_axes

_jit = dict(fastmath=True, error_model="numpy", cache=True, nogil=True)
_exact_select = dict(error_model="numpy", cache=True, nogil=True)  # a select rounds nothing: no fastmath needed
# fastmath without its no-nan/no-inf promises, where they would lose a nan (gelu(nan) came out 0): same speed
_jit_nan = dict(_jit, fastmath={"nsz", "arcp", "contract", "afn", "reassoc"})
f32 = np.float32

# float32 constants (a Python float here would silently turn the whole loop into float64)
_LOG2E, _LN2 = f32(1.4426950408889634), f32(0.6931471805599453)
_HALF, _ONE, _TWO = f32(0.5), f32(1.0), f32(2.0)
# exp's input range: below -103.98 the result rounds to 0 (e^-103.97 is half the smallest denormal). Above 88.72283
# (expf's last finite input) it stays at 3.4e38: inf would turn to NaN in the kernels compiled with fastmath's no-inf
# promise (tanh, sigmoid)
_EXP_LO, _EXP_HI = f32(-103.98), f32(88.72283)
_SIG_ZERO = -_EXP_HI
_INV_SQRT2, _INV_SQRT_2PI = f32(0.7071067811865476), f32(0.3989422804014327)
_SQRT_2_OVER_PI, _GELU_C = f32(0.7978845608028654), f32(0.044715)
_C1, _C2, _C3, _C4, _C5, _C6 = (f32(0.6931471805599453), f32(0.2402265069591007), f32(0.05550410866482158),
                                f32(0.009618129107628477), f32(0.0013333558146428443), f32(0.00015403530393381606))
# Eigen's float32 erf: odd rational function on [-4, 4]
_A = [f32(c) for c in (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
                       -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02)]
_A13, _A11, _A9, _A7, _A5, _A3, _A1 = _A
_B = [f32(c) for c in (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
                       -7.37332916720468e-03, -1.42647390514189e-02)]
_B8, _B6, _B4, _B2, _B0 = _B
_FOUR = f32(4.0)


@intrinsic
def _int_bits_as_f32(typingctx, i):
    """Reinterpret the low 32 bits of an integer as a float32 (how 2**n is built without a libm call)."""
    if not isinstance(i, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        v = args[0]
        if v.type.width != 32:
            v = builder.trunc(v, ir.IntType(32))
        return builder.bitcast(v, ir.FloatType())
    return types.float32(i), codegen


@intrinsic
def _f32_bits(typingctx, x):
    """The bits of a float32 as an int32 (the inverse of _int_bits_as_f32)."""
    if x != types.float32:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(32))
    return types.int32(x), codegen


@numba.njit(inline="always", **_jit)
def _exp_in_range(x):
    """_exp for x in [_EXP_LO, _EXP_HI] (a caller that clamps its argument skips _exp's two selects)."""
    z = x * _LOG2E
    n = np.floor(z + _HALF)
    f = z - n
    p = _ONE + f * (_C1 + f * (_C2 + f * (_C3 + f * (_C4 + f * (_C5 + f * _C6)))))
    n1 = np.int32(n) >> 1
    n2 = np.int32(n) - n1
    return _int_bits_as_f32(_f32_bits(p) + (n1 << 23)) * _int_bits_as_f32((n2 + 127) << 23)


@numba.njit(inline="always", **_jit)
def _exp(x):
    """float32 exp: 2**n * 2**f with n = round(x log2 e), |f| <= 1/2, degree-6 polynomial for 2**f.
    2**n is applied in two halves so that n in [-150, -127] underflows through the denormals to 0, rounded once, as
    torch's expf (softmax of a -1e9 mask is exactly 0), and n = 128 stays finite: 2**(n>>1) is added to p's exponent
    bits (exact, still normal), then one multiply by 2**(n - n>>1). Two float multiplies would not do: fastmath
    reassociates them into p * (2**n1 * 2**n2), which is 0 at n = -150 and inf at n = 128."""
    zero = x < _EXP_LO
    x = _HALF if zero else min(x, _EXP_HI)  # not the clamp: an underflowing multiply costs a microcode assist per lane
    e = _exp_in_range(x)
    return f32(0.0) if zero else e


@numba.njit(inline="always", **_jit)
def _sig32(x):
    return _ONE / (_ONE + _exp(-x))


@numba.njit(inline="always", **_jit)
def _tanh32(x):
    return _ONE - _TWO / (_exp(_TWO * x) + _ONE)


@numba.njit(inline="always", **_jit)
def _row_max(x, r, lo, hi, lanes):
    """max(x[r, lo:hi]) (hi > lo) in 16 running lanes (lanes: a 16-float scratch): LLVM vectorises that, not one
    chain of max(), 4x slower (119 vs 29 us over 256 rows of 512). No NaN in the row (fastmath may assume none)."""
    first = x[r, lo]
    for k in range(16):
        lanes[k] = first
    j = lo
    while j + 16 <= hi:
        for k in range(16):
            v = x[r, j + k]
            lanes[k] = v if v > lanes[k] else lanes[k]
        j += 16
    mx = first
    for k in range(16):
        mx = lanes[k] if lanes[k] > mx else mx
    for jj in range(j, hi):
        v = x[r, jj]
        mx = v if v > mx else mx
    return mx


@numba.njit(inline="always", **_jit)
def _erf(x):
    a = min(max(x, -_FOUR), _FOUR)
    x2 = a * a
    p = x2 * _A13 + _A11
    p = p * x2 + _A9
    p = p * x2 + _A7
    p = p * x2 + _A5
    p = p * x2 + _A3
    p = p * x2 + _A1
    p = p * a
    q = x2 * _B8 + _B6
    q = q * x2 + _B4
    q = q * x2 + _B2
    q = q * x2 + _B0
    return p / q


# ---- GELU ------------------------------------------------------------------------------------------------------
@numba.njit(inline="always", **_jit_nan)
def _phi(v):
    """The normal CDF of v; exactly 0 below -4 sqrt(2), where float32 erf is -1 and the rounding of 1 + erf, times
    a large |v|, would leave a visible error (-3e-5 at v = -1000, where torch gives -0)."""
    z = v * _INV_SQRT2
    return _HALF * (_ONE + _erf(z)) if z > -_FOUR else f32(0.0)


@numba.njit(**_jit_nan)
def _gelu_fwd(x, y):
    for i in range(x.size):
        v = x[i]
        y[i] = v * _phi(v)


@numba.njit(**_jit_nan)
def _gelu_fwd_cdf(x, y, cdf):
    """_gelu_fwd that also keeps Phi(x) for the backward: the erf is then evaluated once a step, not twice (GPT
    shapes on the Zen 3 VM: backward 470-500 -> 270-320 us, forward +10-20 us)."""
    for i in range(x.size):
        v = x[i]
        c = _phi(v)
        cdf[i] = c
        y[i] = v * c


@numba.njit(inline="always", **_jit_nan)
def _gelu_slope(v, cdf):
    """d/dv of v Phi(v), given Phi(v): Phi(v) + v phi(v)."""
    return cdf + v * _exp(-_HALF * v * v) * _INV_SQRT_2PI


@numba.njit(**_jit_nan)
def _gelu_bwd_cdf(x, cdf, g, dx):
    """_gelu_bwd from the forward's Phi(x): the same value, bit for bit."""
    for i in range(x.size):
        dx[i] = g[i] * _gelu_slope(x[i], cdf[i])


@numba.njit(**_jit_nan)
def _gelu_bwd(x, g, dx):
    for i in range(x.size):
        v = x[i]
        dx[i] = g[i] * _gelu_slope(v, _phi(v))


@numba.njit(**_jit_nan)
def _gelu_tanh_fwd(x, y):
    for i in range(x.size):
        v = x[i]
        m2u = -_TWO * _SQRT_2_OVER_PI * (v + _GELU_C * v * v * v)
        en = _exp_in_range(min(max(m2u, f32(-86.0)), f32(86.0)))
        yv = v / (en + _ONE)                     # x (1 + tanh u) / 2 = x sigmoid(2u) = x / (1 + e^-2u): no
                                                 # cancellation, and no v * e^2u product to overflow for v >= 16
        y[i] = v * f32(0.0) if m2u > f32(86.0) else yv  # tanh u = -1: torch's x * 0 (-0; NaN at -inf), not the
                                                        # clamp's x / e^86 (-13.4 at x = -3e38)


@numba.njit(**_jit_nan)
def _gelu_tanh_bwd(x, g, dx):
    for i in range(x.size):
        v = x[i]
        u2 = _TWO * _SQRT_2_OVER_PI * (v + _GELU_C * v * v * v)
        e = _exp_in_range(min(max(u2, f32(-86.0)), f32(86.0)))
        a = _ONE / (e + _ONE)
        sech2 = f32(4.0) * a * a * e             # 1 - tanh(u)^2; exactly 0 where tanh u = +-1, as torch's: times
        sech2 = sech2 if abs(u2) <= f32(86.0) else f32(0.0)  # x^3 overflowing to inf that gives NaN, not -inf
        d = e * a + _HALF * v * sech2 * _SQRT_2_OVER_PI * (_ONE + f32(3.0) * _GELU_C * v * v)
        dx[i] = g[i] * d


def gelu(x, approximate="none", keep_cdf=False):
    """y = x Phi(x) (or the tanh form); x float32, any shape (a permuted x keeps its layout, as torch).
    keep_cdf (exact form only): return (y, Phi(x)), Phi laid out as y, for gelu_backward's cdf."""
    laid = dense_order(x)
    if laid is not None:
        axes, x = laid
        inv = inverse_axes(axes)
        r = gelu(x.transpose(axes), approximate, keep_cdf)
        return (r[0].transpose(inv), r[1].transpose(inv)) if keep_cdf else r.transpose(inv)
    xf = _contig(x).reshape(-1)
    out = np.empty(x.shape, np.float32)  # allocated in x's shape: the result is no view (a leaf keeps it uncopied)
    y = out.reshape(-1)
    if keep_cdf:
        cdf = np.empty(x.shape, np.float32)
        c = cdf.reshape(-1)
        parallel_for(xf.size, lambda lo, hi: _gelu_fwd_cdf(xf[lo:hi], y[lo:hi], c[lo:hi]), MIN_PARALLEL_ELEMENTS)
        return out, cdf
    k = _gelu_tanh_fwd if approximate == "tanh" else _gelu_fwd
    parallel_for(xf.size, lambda lo, hi: k(xf[lo:hi], y[lo:hi]), MIN_PARALLEL_ELEMENTS)
    return out


def gelu_backward(x, g, approximate="none", cdf=None):
    """dx of gelu; cdf: the Phi(x) that gelu(..., keep_cdf=True) returned (exact form), or None to recompute it."""
    xf, gf = _contig(x).reshape(-1), _contig(g).reshape(-1)
    out = np.empty(x.shape, np.float32)
    dx = out.reshape(-1)
    if cdf is not None:
        cf = _contig(cdf).reshape(-1)
        parallel_for(xf.size, lambda lo, hi: _gelu_bwd_cdf(xf[lo:hi], cf[lo:hi], gf[lo:hi], dx[lo:hi]),
                     MIN_PARALLEL_ELEMENTS)
        return out
    k = _gelu_tanh_bwd if approximate == "tanh" else _gelu_bwd
    parallel_for(xf.size, lambda lo, hi: k(xf[lo:hi], gf[lo:hi], dx[lo:hi]), MIN_PARALLEL_ELEMENTS)
    return out


# ---- Linear's bias: y += b over the rows of the GEMM's result ------------------------------------------------------
@numba.njit(**_exact_select)  # one add per element, rounded as numpy's: no fastmath needed to vectorise it
def add_bias_rows(y, b):
    """y[r, :] += b in place (y C-contiguous (rows, cols), b contiguous (cols,)): numpy's broadcast add runs ~2x slower
    on these rows on the Zen 3 VM (the GPT's (768, 384 / 128 / 512): 79 / 22 / 95 -> 36 / 8 / 46 us warm)."""
    R, C = y.shape
    for r in range(R):
        row = y[r]
        for c in range(C):
            row[c] += b[c]
    return y


# ---- LayerNorm over the last axis ---------------------------------------------------------------------------------
# _jit_nan: a row with a 1e30 overflows its variance to inf; rstd = 0 then gives (x - mean) * 0 = b, one of torch's
# answers (torch's own depends on the row width: b at 8 or 33 wide, NaN at 7, 16 or 128), where fastmath's no-inf
# promise made the whole row NaN at every width; a NaN must stay NaN
@numba.njit(**_jit_nan)
def _ln_fwd(x, w, b, eps, y, mean, rstd):
    n, d = x.shape
    inv_d = _ONE / f32(d)
    for i in range(n):
        s = f32(0.0)
        for j in range(d):
            s += x[i, j]
        mu = s * inv_d
        s2 = f32(0.0)
        for j in range(d):
            c = x[i, j] - mu
            s2 += c * c
        r = _ONE / np.sqrt(s2 * inv_d + eps)
        r = f32(0.0) if s2 == f32(np.inf) else r    # the rsqrt fastmath makes of 1 / sqrt gives NaN at inf
        mean[i], rstd[i] = mu, r
        for j in range(d):
            y[i, j] = (x[i, j] - mu) * r * w[j] + b[j]


@numba.njit(**_jit_nan)
def _ln_bwd(g, x, w, mean, rstd, dx, dw, db):
    n, d = x.shape
    inv_d = _ONE / f32(d)
    for j in range(d):
        dw[j] = f32(0.0)
        db[j] = f32(0.0)
    for i in range(n):
        mu, r = mean[i], rstd[i]
        s1 = f32(0.0)
        s2 = f32(0.0)
        for j in range(d):
            xh = (x[i, j] - mu) * r
            dxh = g[i, j] * w[j]
            s1 += dxh
            s2 += dxh * xh
            dw[j] += g[i, j] * xh
            db[j] += g[i, j]
        s1 *= inv_d
        s2 *= inv_d
        for j in range(d):
            xh = (x[i, j] - mu) * r
            dx[i, j] = (g[i, j] * w[j] - s1 - xh * s2) * r


def layer_norm(x, w, b, eps):
    """Last-axis LayerNorm of float32 x with weight w and bias b: returns y, mean, rstd (per row)."""
    x2 = _contig(x).reshape(math.prod(x.shape[:-1]), x.shape[-1])  # not -1: the last dim may be 0
    n = x2.shape[0]
    out = np.empty(x.shape, np.float32)  # in x's shape, so the result is no view (see gelu)
    y = out.reshape(x2.shape)
    mean, rstd = np.empty(n, np.float32), np.empty(n, np.float32)
    e = f32(eps)
    if n * x2.shape[1] < 2 * MIN_PARALLEL_ELEMENTS:  # serial either way: no closure, no row slices (decode steps)
        _ln_fwd(x2, w, b, e, y, mean, rstd)
    else:
        parallel_for(n, lambda lo, hi: _ln_fwd(x2[lo:hi], w, b, e, y[lo:hi], mean[lo:hi], rstd[lo:hi]),
                     MIN_PARALLEL_ELEMENTS // max(x2.shape[1], 1) + 1)
    return out, mean, rstd


def layer_norm_inference(x, w, b, eps):
    """layer_norm's output alone, for a C-contiguous float32 x of at most a few rows (a decode step's): the
    statistics go to scratch arrays nobody keeps."""
    d = x.shape[-1]
    n = x.size // d if d else 0
    out = np.empty(x.shape, np.float32)
    _ln_fwd(x.reshape(n, d), w, b, f32(eps), out.reshape(n, d), np.empty(n, np.float32), np.empty(n, np.float32))
    return out


def layer_norm_backward(g, x, w, mean, rstd):
    """dx, dw, db of layer_norm (w must be given; pass ones for an affine-free norm)."""
    x2 = _contig(x).reshape(math.prod(x.shape[:-1]), x.shape[-1])
    g2 = _contig(g).reshape(x2.shape)
    out = np.empty(x.shape, np.float32)
    dx = out.reshape(x2.shape)
    d = x2.shape[1]
    parts = []                      # per-thread partial sums of dw, db (list.append is atomic)

    def body(lo, hi):
        dw, db = np.empty(d, np.float32), np.empty(d, np.float32)
        _ln_bwd(g2[lo:hi], x2[lo:hi], w, mean[lo:hi], rstd[lo:hi], dx[lo:hi], dw, db)
        parts.append((dw, db))
    parallel_for(x2.shape[0], body, MIN_PARALLEL_ELEMENTS // max(d, 1) + 1)
    dw, db = parts[0]
    for pw, pb in parts[1:]:
        dw += pw
        db += pb
    return out, dw, db


# ---- softmax over the last axis (attention, cross-entropy) ------------------------------------------------------
@numba.njit(**_jit_nan)
def _softmax_rows(s, scale, L, causal_offset, out):
    """out = softmax(s * scale) per row; rows are (batch..., L) flattened. With causal_offset >= 0, query
    row i (= row % L) sees columns j <= i + causal_offset and the rest get exactly 0; scores past the cut change
    nothing, as in torch's fused kernels (the exp pass reads them and selects 0: a NaN there stays out). As torch's
    scaled_dot_product_attention: a row whose kept scores hold a NaN or +inf is all NaN, a row of -inf only all 0.
    Three passes over all rows (max, exp and sum, scale) rather than three loops per row: measured 2x faster
    at attention's 64-wide rows (284 -> 136 us for 48 x 64 x 64 causal), the loops vectorise better alone.
    The exp pass runs over the whole row and selects 0 past the cut: loops of a different length per row leave
    most of a short row to the scalar remainder loop (exp pass 83 -> 44 us, scale pass 41 -> 8 us, the same
    48 x 64 x 64 causal scores). Compiled without fastmath's no-NaN / no-inf promises, so the checks hold."""
    n, m = s.shape[0], s.shape[1]
    inf = f32(np.inf)
    row_val = np.empty(n, np.float32)               # each row's max, then 1 / its sum (NaN: the row is NaN)
    lanes = np.empty(16, np.float32)
    for r in range(n):
        lim = m if causal_offset < 0 else min(m, r % L + 1 + causal_offset)
        bad = 0
        for j in range(lim):
            bad += 0 if s[r, j] < inf else 1        # NaN or +inf
        row_val[r] = np.nan if bad else _row_max(s, r, 0, lim, lanes)
    for r in range(n):
        lim = m if causal_offset < 0 else min(m, r % L + 1 + causal_offset)
        mx = row_val[r]
        if not mx > -inf:                           # NaN, or every kept score -inf
            fill = f32(0.0) if mx == -inf else mx
            for j in range(m):
                out[r, j] = fill
            row_val[r] = _ONE
            continue
        tot = f32(0.0)
        for j in range(m):
            e = _exp((s[r, j] - mx) * scale)
            e = e if j < lim else f32(0.0)
            out[r, j] = e
            tot += e
        row_val[r] = _ONE / tot
    for r in range(n):
        inv = row_val[r]
        for j in range(m):
            out[r, j] *= inv


@numba.njit(**_jit_nan)
def _softmax_bwd_rows(p, dp, scale, out):
    """out = scale * p * (dp - sum(dp * p)) per row (a NaN row of p, from a NaN score, stays NaN: no no-NaN promise)."""
    n, m = p.shape
    for i in range(n):
        s = f32(0.0)
        for j in range(m):
            s += dp[i, j] * p[i, j]
        for j in range(m):
            out[i, j] = scale * p[i, j] * (dp[i, j] - s)


# F.softmax on float32 input without NaN (the caller checks): -inf (masked_fill) gives exactly 0, and a row all
# -inf, or with a +inf, gives NaN, as torch's. So fastmath may assume no NaN (the max reduction vectorises), but
# not no-inf: -inf is tested, not clamped.
_jit_no_nan = dict(_jit, fastmath={"nnan", "nsz", "arcp", "contract", "afn", "reassoc"})



@numba.njit(inline="always", **_jit_no_nan)
def _row_maxes(x):
    """Each row's max of x (n, m), -inf for empty rows: the first of the row kernels' three passes."""
    n, m = x.shape
    out = np.empty(n, np.float32)
    lanes = np.empty(16, np.float32)
    for r in range(n):
        out[r] = _row_max(x, r, 0, m, lanes) if m else f32(-np.inf)
    return out


@numba.njit(**_jit_no_nan)
def _softmax_any_rows(x, out):
    """Three passes over all rows (max; exp and sum; scale), as _softmax_rows: the loops vectorise better apart."""
    n, m = x.shape
    ninf = f32(-np.inf)
    row_val = _row_maxes(x)  # each row's max, then 1 / its sum (NaN for a row torch makes all NaN)
    for r in range(n):
        mx = row_val[r]
        tot = f32(0.0)
        for j in range(m):
            v = x[r, j]
            e = f32(0.0) if v == ninf else _exp(v - mx)
            out[r, j] = e
            tot += e
        row_val[r] = np.nan if mx == ninf or mx == -ninf else _ONE / tot
    for r in range(n):
        inv = row_val[r]
        for j in range(m):
            out[r, j] *= inv


@numba.njit(**_jit_nan)
def _softmax_any_bwd_rows(y, g, out):
    n, m = y.shape
    for i in range(n):
        s = f32(0.0)
        for j in range(m):
            s += g[i, j] * y[i, j]
        for j in range(m):
            out[i, j] = y[i, j] * (g[i, j] - s)


def _by_rows(kernel, *arrays):
    """kernel(*arrays as (rows, last axis), out) on C-contiguous views or copies; out shaped like arrays[0]."""
    rows = [_contig(a).reshape(-1, a.shape[-1]) for a in arrays]
    res = np.empty(arrays[0].shape, np.float32)
    kernel(*rows, res.reshape(rows[0].shape))
    return res


def _has_nan(x):
    """One sum decides: NaN (or both infinities, whose sum is NaN) sends the caller down its numpy path. Large finite
    values may overflow the sum to inf: no NaN, and no warning (the op itself overflows nothing)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.isnan(x.sum()))


_SCAN_MAX = 2048  # elements: up to this the scan beats np.errstate + sum (65: 0.18 vs 2.1 us; 4096: 3.2 vs 2.6 us)


@numba.njit(**_exact_select)
def _scan_nan_sum(x):
    """_has_nan's answer for 2-D C-contiguous x in one pass, without numpy's error state: 1 if x.sum() would be NaN
    (a NaN, or both infinities), 0 if it can't be (and no finite partial sum can overflow: n max|x| < 1e38),
    2 when only the sum itself can tell (finite values that large)."""
    pinf = ninf = False
    big = f32(0.0)
    inf = f32(np.inf)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j]
            if v != v:
                return 1
            if v == inf:
                pinf = True
            elif v == -inf:
                ninf = True
            elif abs(v) > big:
                big = abs(v)
    if pinf and ninf:
        return 1
    return 0 if float(big) * x.size < 1e38 else 2


def _rows_have_nan(rows):
    """_has_nan of 2-D C-contiguous rows, by _scan_nan_sum when small and decided there."""
    if rows.size <= _SCAN_MAX:
        r = _scan_nan_sum(rows)
        if r != 2:
            return r == 1
    return _has_nan(rows)


def _any_rows(kernel, x):
    """kernel(x as C-contiguous (rows, last axis), out) -> out shaped like x, as _by_rows; None when x holds a NaN
    (_has_nan), checked on the rows the kernel reads. A 2-D C-contiguous x (logits) needs no reshape either way."""
    rows = x if x.ndim == 2 and x.flags.c_contiguous else _contig(x).reshape(-1, x.shape[-1])
    if _rows_have_nan(rows):
        return None
    res = np.empty(x.shape, np.float32)
    kernel(rows, res if res.ndim == 2 else res.reshape(rows.shape))
    return res


def softmax_any(x):
    """softmax over the last axis of float32 x, with torch's results for -inf and +inf; None when x holds a NaN."""
    return _any_rows(_softmax_any_rows, x)


def softmax_any_backward(y, g):
    """y (g - sum(g y)) over the last axis, for softmax_any's y."""
    return _by_rows(_softmax_any_bwd_rows, y, g)


_BIG_MAX = f32(64.0)  # past this row max, max + log(sum) loses bits of the log that torch's x - max - log keeps


@numba.njit(**_jit_no_nan)
def _log_softmax_any_rows(x, out):
    """out = x - logsumexp(x) per row (NaN-free input; -inf stays -inf, a row all -inf or holding +inf is NaN).
    Three passes over all rows, as _softmax_any_rows."""
    n, m = x.shape
    ninf = f32(-np.inf)
    row_max = _row_maxes(x)  # each row's max; then log(sum e^(x - max)), kept apart from the max:
    row_log = np.empty(n, np.float32)  # x - (max + log) would lose log's digits when max is large (1e4: 3e-4)
    for r in range(n):
        mx = row_max[r]
        tot = f32(0.0)
        for j in range(m):
            v = x[r, j]
            tot += f32(0.0) if v == ninf else _exp(v - mx)
        if mx == ninf or mx == -ninf:  # a row all -inf, or holding +inf: NaN throughout
            row_max[r], row_log[r] = f32(0.0), np.nan
        else:
            row_log[r] = f32(np.log(tot))  # one log per row
    for r in range(n):
        mx, lg = row_max[r], row_log[r]
        if -_BIG_MAX <= mx <= _BIG_MAX:  # the usual logits: x - (max + log), what this kernel always computed
            c = mx + lg
            for j in range(m):
                out[r, j] = x[r, j] - c
        else:  # max + log would drop log's digits (1e4: -0.8623 for -0.8620): x - max first, through memory, so
            for j in range(m):  # that fastmath's reassoc can't fold the two subtractions back into one
                out[r, j] = x[r, j] - mx
            for j in range(m):
                out[r, j] -= lg


@numba.njit(**_jit_nan)
def _log_softmax_any_bwd_rows(y, g, out):
    n, m = y.shape
    ninf = f32(-np.inf)
    for i in range(n):
        s = f32(0.0)
        for j in range(m):
            s += g[i, j]
        for j in range(m):
            v = y[i, j]
            out[i, j] = g[i, j] - (f32(0.0) if v == ninf else _exp(v)) * s


def log_softmax_any(x):
    """log_softmax over the last axis of float32 x (None when x holds a NaN: the caller's numpy path)."""
    return _any_rows(_log_softmax_any_rows, x)


def log_softmax_any_backward(y, g):
    """g - exp(y) sum(g) over the last axis, for log_softmax_any's y."""
    return _by_rows(_log_softmax_any_bwd_rows, y, g)


# ---- silu and sigmoid, one pass each (numpy: 3-5 passes with temporaries) ----------------------------------------
@numba.njit(inline="always", **_jit_nan)
def _sig_exact_ends(v):
    """sigmoid for the kernels below: 0 below -88.72283, where torch's 1 / (1 + e^-v) overflows to 1 / inf (_exp stays
    finite there), and NaN for NaN."""
    s = _sig32(v)
    s = f32(0.0) if v < _SIG_ZERO else s
    return s if v == v else v


@numba.njit(**_jit_nan)
def _silu_fwd(x, y):
    for i in range(x.size):
        y[i] = x[i] * _sig_exact_ends(x[i])


@numba.njit(**_jit_nan)
def _silu_bwd(x, g, dx):
    for i in range(x.size):
        s = _sig_exact_ends(x[i])
        dx[i] = g[i] * s * (_ONE + x[i] * (_ONE - s))


@numba.njit(**_jit_nan)
def _sigmoid_fwd(x, y):
    for i in range(x.size):
        y[i] = _sig_exact_ends(x[i])


def _elementwise(kernel, *arrays):
    """kernel(*flat inputs, flat output) on C-contiguous copies of same-shape float32 arrays; where the first is a
    dense block in another order (x.t()), over its memory instead, and the result keeps its layout, as torch's."""
    laid = dense_order(arrays[0])
    if laid is not None:
        axes, x = laid
        arrays = (x.transpose(axes),) + tuple(a.transpose(axes) for a in arrays[1:])
        return _elementwise(kernel, *arrays).transpose(inverse_axes(axes))
    flat = [_contig(a).reshape(-1) for a in arrays]
    out = np.empty(arrays[0].shape, np.float32)
    kernel(*flat, out.reshape(-1))
    return out


def silu(x):
    return _elementwise(_silu_fwd, x)


def silu_backward(x, g):
    return _elementwise(_silu_bwd, x, g)


def sigmoid(x):
    return _elementwise(_sigmoid_fwd, x)


def softmax(s, scale=1.0, causal_offset=None):
    """softmax(s * scale) over the last axis of float32 s (..., L, S), scale > 0. With causal_offset = k,
    query i sees keys j <= i + k and the rest get exactly 0 (k = 0: torch's is_causal, top-left aligned)."""
    L, S = s.shape[-2], s.shape[-1]
    s2 = _contig(s).reshape(-1, S)
    res = np.empty(s.shape, np.float32)
    out = res.reshape(s2.shape)
    if causal_offset is not None and causal_offset < 0:
        raise ValueError(f"softmax: causal_offset must be >= 0 (got {causal_offset}): rows would be empty")
    sc, off = f32(scale), -1 if causal_offset is None else causal_offset
    if s2.size < 2 * MIN_PARALLEL_ELEMENTS:  # serial either way: no closure (a decode step's scores)
        _softmax_rows(s2, sc, L, off, out)
        return res
    # split on whole (L, S) blocks so that row % L stays each row's query index
    parallel_for(s2.shape[0] // L, lambda lo, hi: _softmax_rows(s2[lo * L:hi * L], sc, L, off, out[lo * L:hi * L]),
                 MIN_PARALLEL_ELEMENTS // (L * S) + 1)
    return res


def softmax_backward(p, dp, scale=1.0):
    p2 = _contig(p).reshape(-1, p.shape[-1])
    dp2 = _contig(dp).reshape(p2.shape)
    sc = f32(scale)
    parallel_for(p2.shape[0], lambda lo, hi: _softmax_bwd_rows(p2[lo:hi], dp2[lo:hi], sc, dp2[lo:hi]),
                 MIN_PARALLEL_ELEMENTS // p2.shape[1] + 1)
    return dp2.reshape(p.shape)


# ---- AdamW, in place on flat float32 buffers ------------------------------------------------------------------
# No fastmath here: every operation rounds exactly as torch's (and our numpy) update does, in the same order, so
# optimizer states match torch to the last bit or two (tests/test_optim.py checks 1e-6 over many steps).
@numba.njit(error_model="numpy", cache=True, nogil=True)
def _adamw(p, g, m, v, decay, w1, b2, omb2, sqrt_bc2, eps, neg_step):
    for i in range(p.size):
        x = p[i] * decay
        gi = g[i]
        mi = m[i]
        if w1 < f32(0.5):                   # torch's lerp switches formula at weight 0.5
            mi = mi + w1 * (gi - mi)
        else:
            mi = gi - (gi - mi) * (_ONE - w1)
        vi = v[i] * b2 + (gi * omb2) * gi
        m[i] = mi
        v[i] = vi
        p[i] = x + (mi * neg_step) / (np.sqrt(vi) / sqrt_bc2 + eps)


def _adamw_hyper(lr, beta1, beta2, eps, weight_decay, step):
    """_adamw's scalars, formed in float64 and rounded to float32 once, as torch and numpy do."""
    return (f32(1 - lr * weight_decay), f32(1 - beta1), f32(beta2), f32(1 - beta2),
            f32((1 - beta2 ** step) ** 0.5), f32(eps), f32(-(lr / (1 - beta1 ** step))))


def adamw_(p, g, m, v, lr, beta1, beta2, eps, weight_decay, step):
    """One AdamW update of contiguous float32 p, m, v (in place) from gradient g; `step` counts from 1.
    Scalars are formed in float64 and rounded to float32 once, as torch and numpy do."""
    pf, gf, mf, vf = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
    hyper = _adamw_hyper(lr, beta1, beta2, eps, weight_decay, step)
    parallel_for(pf.size, lambda lo, hi: _adamw(pf[lo:hi], gf[lo:hi], mf[lo:hi], vf[lo:hi], *hyper),
                 MIN_PARALLEL_ELEMENTS)


@numba.njit(error_model="numpy", cache=True, nogil=True)
def _adamw_many(ps, gs, ms, vs, decay, w1, b2, omb2, sqrt_bc2, eps, neg_step):
    for k in range(len(ps)):
        _adamw(ps[k], gs[k], ms[k], vs[k], decay, w1, b2, omb2, sqrt_bc2, eps, neg_step)


_NO_PARAM = np.empty(0, np.float32)
_MANY_MAX = 16  # numba indexes a tuple through a switch: compiling 8 and 16 takes ~1 s each, 64 ~9 s


def adamw_many_(arrays, lr, beta1, beta2, eps, weight_decay, step):
    """adamw_ over many parameters of one step count in one kernel call: [(p, g, m, v), ...], each contiguous,
    writable float32 (a read-only one is another numba type: the tuple could not be indexed). One call instead of one
    per parameter saves the per-call work (hyperparameters, numba's dispatch of 11 arguments). The tuples are padded
    with empty arrays to 8 or 16 entries (longer lists go 16 at a time), so numba compiles two kernels, not one per
    parameter count."""
    hyper = _adamw_hyper(lr, beta1, beta2, eps, weight_decay, step)
    for lo in range(0, len(arrays), _MANY_MAX):
        part = arrays[lo:lo + _MANY_MAX]
        size = 8
        while size < len(part):
            size *= 2
        pad = (_NO_PARAM,) * (size - len(part))
        flat = [tuple(a[i].reshape(-1) for a in part) + pad for i in range(4)]
        _adamw_many(*flat, *hyper)


# ---- cross-entropy on class indices (n, C) -------------------------------------------------------------------
# _jit_nan, with the checks torch's log_softmax gives for free: a row holding a NaN or +inf, or all -inf, has a NaN
# softmax and a NaN loss (fastmath's no-NaN promise let the max skip a NaN: a finite loss), a -inf logit has p = 0
# (and the loss is inf when it is the target's); an ignored row's gradient is p * 0, NaN on such a row, as torch's
@numba.njit(**_jit_nan)
def _xent_fwd(x, t, ignore_index, p, loss):
    """p = softmax(x) per row, loss_i = logsumexp(x_i) - x_i[t_i] (0 where t_i == ignore_index).
    Returns the number of rows kept."""
    n, C = x.shape
    kept = 0
    inf = f32(np.inf)
    lanes = np.empty(16, np.float32)
    for i in range(n):
        mx = _row_max(x, i, 0, C, lanes)
        ti = t[i]
        # mx - x[ti] goes through memory: as one expression, fastmath's reassoc makes (log(tot) + mx) - x[ti] of the
        # loss, which loses its digits at large logits (0 at 1e8, torch 1.0986); the p stores keep it from folding
        loss[i] = f32(0.0) if ti == ignore_index else mx - x[i, ti]
        tot = f32(0.0)
        sx = f32(0.0)                               # finite unless the row holds a NaN or an inf (or overflows)
        for j in range(C):
            v = x[i, j]
            e = _exp(v - mx)
            p[i, j] = e
            tot += e
            sx += v
        if not sx - sx == f32(0.0):                 # the rare row that needs a look: NaN or +inf anywhere, or all
            bad = 0                                 # -inf, makes it NaN; a -inf alone has p = 0 (_exp(-inf) = 0)
            for j in range(C):
                bad += 0 if x[i, j] < inf else 1
            if bad or not mx > -inf:
                for j in range(C):
                    p[i, j] = f32(np.nan)
                loss[i] = f32(0.0) if ti == ignore_index else f32(np.nan)
                kept += 0 if ti == ignore_index else 1
                continue
        inv = _ONE / tot
        for j in range(C):
            p[i, j] *= inv
        if ti != ignore_index:
            loss[i] = np.log(tot) + loss[i]
            kept += 1
    return kept


@numba.njit(inline="always", **_jit_nan)
def _xent_bwd_row(p, i, ti, ignore_index, s, dx):
    """dx_i = s (p_i - onehot(t_i)), p_i * 0 if t_i == ignore_index; inlined into both backward kernels."""
    C = p.shape[1]
    if ti == ignore_index:
        for j in range(C):
            dx[i, j] = p[i, j] * f32(0.0)
        return
    for j in range(C):
        dx[i, j] = p[i, j] * s
    dx[i, ti] -= s


@numba.njit(**_jit_nan)
def _xent_bwd(p, t, ignore_index, scale, dx):
    """dx_i = scale_i (p_i - onehot(t_i)), p_i * 0 on ignored rows (NaN on a NaN row, as torch's); scale is per row."""
    for i in range(p.shape[0]):
        _xent_bwd_row(p, i, t[i], ignore_index, scale[i], dx)


def cross_entropy(x, t, ignore_index=-100):
    """Per-row losses (n,) float32, the softmax p (n, C) to keep for backward, and the kept-row count."""
    x = _contig(x)
    p = np.empty_like(x)
    loss = np.empty(x.shape[0], x.dtype)
    kept = _xent_fwd(x, _contig(t), ignore_index, p, loss)
    return loss, p, kept


def cross_entropy_backward(p, t, ignore_index, row_scale):
    """Gradient of sum_i row_scale_i * loss_i w.r.t. the logits (row_scale: a number or one per row)."""
    dx = np.empty_like(p)
    if getattr(row_scale, "ndim", 0) == 0:  # np.ndim is a Python function with a dispatcher: ~0.5 us more
        _xent_bwd_uniform(p, _contig(t), ignore_index, p.dtype.type(row_scale), dx)
        return dx
    scale = _contig(np.broadcast_to(np.asarray(row_scale, p.dtype), (p.shape[0],)))
    _xent_bwd(p, _contig(t), ignore_index, scale, dx)
    return dx


@numba.njit(**_jit_nan)
def _xent_bwd_uniform(p, t, ignore_index, s, dx):
    for i in range(p.shape[0]):
        _xent_bwd_row(p, i, t[i], ignore_index, s, dx)


# ---- embedding backward: out[idx[i]] += rows[i] -------------------------------------------------------------
@numba.njit(**_jit_nan)  # a NaN or inf gradient is summed as torch's (no promise of finite values to break)
def _scatter_add_rows(out, idx, rows):
    n, d = rows.shape
    for i in range(n):
        r = idx[i]
        for j in range(d):
            out[r, j] += rows[i, j]


def scatter_add_rows(out, idx, rows):
    """out[idx[i]] += rows[i] with repeats summed, in place; out (V, d) and rows (n, d) C-contiguous, same dtype."""
    if out.ndim != 2 or out.size == 0:
        np.add.at(out, idx, rows)
        return out
    _scatter_add_rows(out, _contig(idx).reshape(-1), _contig(rows).reshape(-1, out.shape[1]))
    return out


# ---- running sums (cumsum and its backward) ---------------------------------------------------------------------
@numba.njit(**_jit_nan)  # a NaN or inf is summed as numpy / torch do
def _cumsum3(x, reverse, out):
    """out = running sums of x (pre, n, post) along axis 1, from the end when reverse, accumulated in float64 (as
    torch's CPU cumsum). Along a middle axis each step adds one contiguous row (vectorised over post); along the last
    axis eight rows' chains are interleaved, so their add latencies overlap (numpy runs one chain at a time)."""
    P, N, Q = x.shape
    if Q == 1:
        R = 8  # 16 spilled registers: 2x slower
        acc = np.empty(R, np.float64)
        for p0 in range(0, P, R):
            k = min(R, P - p0)
            for r in range(k):
                acc[r] = 0.0
            for jj in range(N):
                j = N - 1 - jj if reverse else jj
                for r in range(k):
                    acc[r] += x[p0 + r, j, 0]
                    out[p0 + r, j, 0] = acc[r]
        return out
    acc = np.empty(Q, np.float64)
    for p in range(P):
        for q in range(Q):
            acc[q] = 0.0
        for ii in range(N):
            i = N - 1 - ii if reverse else ii
            xi, oi = x[p, i], out[p, i]
            for q in range(Q):
                acc[q] += xi[q]
                oi[q] = acc[q]
    return out


def cumsum(x, axis, reverse=False):
    """np.cumsum(x, axis) for float32 x (reverse: the running sums from the end, np.flip's cumsum flipped back),
    accumulated in float64. (256, 512) float32: 135 vs 279 us along the last axis, 21 vs 364 us along the first."""
    x = _contig(x)
    if x.ndim == 0:
        return x.copy()
    axis %= x.ndim
    pre, post = math.prod(x.shape[:axis]), math.prod(x.shape[axis + 1:])
    out = np.empty(x.shape, np.float32)
    if x.size:
        _cumsum3(x.reshape(pre, x.shape[axis], post), reverse, out.reshape(pre, x.shape[axis], post))
    return out


# ---- where(c, x, y) with operands of c's shape or 0-d: a branch-free select (numpy's where branches per element,
# ~55 us on 16k floats with a random condition, against ~2-4 us here; leaky_relu and masked ops run through it) ------
@numba.njit(**_exact_select)
def _select(c, x, y, out):
    for i in range(out.size):
        out[i] = x[i] if c[i] else y[i]


@numba.njit(**_exact_select)
def _select_value(c, x, v, out, when):
    """out = x where c == when, else the one value v (a broadcast 0-d operand, as where(c, g, 0.0) has)"""
    for i in range(out.size):
        out[i] = x[i] if c[i] == when else v


def select(c, x, y):
    """np.where(c, x, y) for C-contiguous c (bool) and x, y of one dtype, each either c's shape (C-contiguous) or
    0-d (one value for every place)."""
    out = np.empty(c.shape, x.dtype)
    flat = out.reshape(-1)
    if x.ndim == 0:
        _select_value(c.reshape(-1), y.reshape(-1), x[()], flat, False)
    elif y.ndim == 0:
        _select_value(c.reshape(-1), x.reshape(-1), y[()], flat, True)
    else:
        _select(c.reshape(-1), x.reshape(-1), y.reshape(-1), flat)
    return out
