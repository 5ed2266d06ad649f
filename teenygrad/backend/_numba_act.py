"""One-pass float32 kernels for the elementwise activations: relu, the backwards of relu, sigmoid and tanh (reading the
output, as torch's), leaky_relu and softplus both ways (reading the input, as torch's), and elu both ways (its backward
reading the output, as torch's elu_; for ops/nn.py's ELU). The ops reach this module through
teenygrad.backend.cpu.one_pass_for, which hands it out for C-contiguous float32 arrays of one shape (numba on); each
kernel replaces a numpy formula of 2-9 passes with temporaries, bool masks, a where or an .any() by one loop (the ops
keep their numpy path for anything else: float64, cupy, TEENYGRAD_NUMBA=0, strided arrays).

Where it stands: forward + backward at (256, 512), each output backpropagated with ones, new / old (the numpy
formulas, monkeypatched back) / PyTorch at 2 threads, in one process, alternating rounds (12:25 UTC, 2026-11-26):
sigmoid 177 / 242 / 103 us, tanh 164 / 200 / 99, leaky_relu 158 / 222 / 89, softplus 279 / 510 / 190, elu (with
ops/nn.py's ELU on these kernels) 190 / 326 / 190. `python bench/ops_sweep.py --realtime --reps 30` gives the
ratios to PyTorch of the code as it stands; relu (its backward here): 206 / 239 / 123 us. The kernels themselves
take 15-20 us a pass;
most of what is left is outside the op (a `-x` forward + backward takes ~120 us in the same harness: the input copy,
ones_like, the gradient handling) and PyTorch's second thread.

The multiply-only kernels take no fastmath: they round as the numpy formula does and keep NaN, inf and -0.0 exactly.
The others use _jit_nan (fastmath without its no-NaN/no-inf promises); elu uses the float32 _exp of _numba_kernels
(within 3e-7 relative of torch), softplus takes e^-|bx| from numpy's exp (_exp is ~4e-6 relative far into the negative
tail, where softplus is that value itself; torch's is held to 1e-6 there)."""
import numba
import numpy as np

# _exp is inlined: numba's disk cache keys on this file only, so edit it when _exp changes
from ._numba_kernels import _sig_exact_ends, _jit_nan, _exp

_exact = dict(error_model="numpy", cache=True, nogil=True)
f32 = np.float32
_ONE = f32(1.0)


@numba.njit(**_exact)
def _relu_fwd(x, out):
    for i in range(out.size):
        v = x[i]
        out[i] = f32(0.0) if v < 0 else v  # NaN and -0.0 pass, as torch's relu


@numba.njit(**_exact)
def _relu_bwd(g, z, out):
    for i in range(out.size):
        # a NaN gradient where z is 0 gives 0, and z NaN passes g, as torch's threshold_backward (z <= 0 ? 0 : g)
        out[i] = f32(0.0) if z[i] <= 0 else g[i]


@numba.njit(**_exact)
def _sigmoid_bwd(g, z, out):
    for i in range(out.size):
        out[i] = g[i] * (_ONE - z[i]) * z[i]  # torch's sigmoid_backward order


# tanh x = x P(x^2) / Q(x^2) on |x| <= 9.02, +-1 beyond (where tanh rounds to 1 in float32). P and Q were fitted for
# this file: weighted least squares on the relative error over 42,000 points of [0, 9.02] (Loeb's linearisation, then
# Lawson's reweighting towards minimax); max relative error 2.1e-8 in exact arithmetic. Evaluated in float64 and
# rounded once, the float32 result is within 0.85 ulp of tanh (numpy's float32 tanh: 1.4 ulp; a float32 evaluation
# was 3x faster but 4-5 ulp off).
_TP0, _TP1, _TP2, _TP3, _TP4 = (0.999999979312183, 0.13379845997200648, 0.003494185249449186, 2.0585909249194647e-05,
                                1.3322346920086048e-08)
_TQ1, _TQ2, _TQ3, _TQ4 = 0.4671316134311624, 0.025871650044347102, 0.0003283336990310299, 7.763378333594528e-07
_TANH_ONE = 9.02


@numba.njit(inline="always", **_jit_nan)
def _tanh1(v):
    c = min(max(np.float64(v), -_TANH_ONE), _TANH_ONE)
    s = c * c
    r = f32(c * (_TP0 + s * (_TP1 + s * (_TP2 + s * (_TP3 + s * _TP4))))
            / (1.0 + s * (_TQ1 + s * (_TQ2 + s * (_TQ3 + s * _TQ4)))))
    return r if abs(v) < f32(_TANH_ONE) else (np.copysign(_ONE, v) if v == v else v)  # +-inf: +-1; NaN kept


@numba.njit(**_jit_nan)
def _tanh_fwd(x, out):
    for i in range(out.size):
        out[i] = _tanh1(x[i])


@numba.njit(**_jit_nan)
def _tanh_inplace(a):  # its own loop: with out = x, LLVM's overlap check sends _tanh_fwd to its scalar loop (2x slower)
    for i in range(a.size):
        a[i] = _tanh1(a[i])


@numba.njit(**_exact)
def _tanh_bwd(g, z, out):
    for i in range(out.size):
        out[i] = g[i] * (_ONE - z[i] * z[i])


@numba.njit(**_exact)
def _leaky_fwd(x, slope, out):
    for i in range(out.size):
        v = x[i]
        out[i] = v if v > 0 else v * slope  # NaN: v * slope is NaN; -0.0 * slope is -0.0 (torch's formula)


@numba.njit(**_exact)
def _leaky_bwd(g, x, slope, out):
    for i in range(out.size):
        out[i] = g[i] if x[i] > 0 else g[i] * slope


@numba.njit(**_jit_nan)
def _softplus_bwd(g, x, beta, threshold, out):
    for i in range(out.size):
        bx = x[i] * beta
        out[i] = g[i] if bx > threshold else g[i] * _sig_exact_ends(bx)


_HALF = f32(0.5)
# log1p(e) / e on [0, 1]: a degree-9 Chebyshev fit (numpy's chebfit, power basis), max relative error 1.5e-7 in
# float32 Horner form; no division (the atanh series needed one: 106 -> 94 us for the softplus kernel at 131k floats)
_P0, _P1, _P2, _P3, _P4, _P5, _P6, _P7, _P8, _P9 = (f32(c) for c in (
    1.0, -0.4999985098838806, 0.3332909941673279, -0.24947820603847504, 0.19651539623737335, -0.15251556038856506,
    0.10533368587493896, -0.05643612518906593, 0.019649622961878777, -0.0032141131814569235))


@numba.njit(inline="always", **_jit_nan)
def _log1p_unit(e):
    """log1p(e) for e in [0, 1], full relative precision for tiny e, no libm call (LLVM vectorises the loop)"""
    return e * (_P0 + e * (_P1 + e * (_P2 + e * (_P3 + e * (_P4 + e * (_P5 + e * (_P6 + e * (_P7 + e * (
        _P8 + e * _P9)))))))))


@numba.njit(**_jit_nan)
def _softplus_fwd(x, beta, inv_beta, threshold, e, out):
    """e = e^-|bx|, from numpy's exp: ours (_exp) is ~4e-6 relative far into the tail, where softplus is e itself
    and torch's value is held to 1e-6"""
    for i in range(out.size):
        bx = x[i] * beta
        y = (max(bx, f32(0.0)) + _log1p_unit(e[i])) * inv_beta
        out[i] = x[i] if (bx > threshold or bx != bx) else y  # linear above the threshold, NaN kept (torch)


_E2, _E3, _E4, _E5, _E6, _E7, _E8 = (f32(1 / 2), f32(1 / 6), f32(1 / 24), f32(1 / 120), f32(1 / 720),
                                      f32(1 / 5040), f32(1 / 40320))
_EXPM1_CUT = f32(-0.35)


@numba.njit(inline="always", **_jit_nan)
def _expm1_neg(x):
    """e^x - 1 for x <= 0: Taylor to x^8 above -0.35 (term 9 < 2e-8 relative; x (1 + ...) keeps -0.0), else
    _exp(x) - 1 (|result| >= 0.29 there, so _exp's error stays relative; -inf gives -1)."""
    p = x * (_ONE + x * (_E2 + x * (_E3 + x * (_E4 + x * (_E5 + x * (_E6 + x * (_E7 + x * _E8)))))))
    return p if x > _EXPM1_CUT else _exp(x) - _ONE


@numba.njit(**_jit_nan)
def _elu_fwd(x, alpha, out):
    for i in range(out.size):
        v = x[i]
        out[i] = _expm1_neg(v) * alpha if v <= 0 else v  # torch's test: NaN is not <= 0 and passes through


@numba.njit(**_jit_nan)
def _elu_bwd(g, y, alpha, out):
    for i in range(out.size):
        v = y[i]
        out[i] = g[i] if v > 0 else g[i] * (v + alpha)  # NaN stays NaN, as torch's vectorised elu_backward


def _flat(a):
    return a.reshape(-1)


def _run(kernel, like, *args):
    """kernel(*args, out) over the flattened arrays of args (numbers passed as float32), out shaped like `like`"""
    out = np.empty(like.shape, f32)
    kernel(*[_flat(a) if isinstance(a, np.ndarray) else f32(a) for a in args], _flat(out))
    return out


def relu(x):
    """max(x, 0): ~3x numpy's maximum on the Zen 3 VM, 146 -> 48 us at LeNet's (64, 6, 28, 28)"""
    return _run(_relu_fwd, x, x)


def relu_backward(g, z):
    """dz where z = relu(x) > 0, else 0"""
    return _run(_relu_bwd, g, g, z)


def sigmoid_backward(g, z):
    """dz z (1 - z) for z = sigmoid(x)"""
    return _run(_sigmoid_bwd, g, g, z)


def tanh(x, out=None):
    """tanh x, within 0.85 ulp (above): 2.5x faster than numpy's float32 tanh at the makemore step's (32, 200) on
    this AVX2 machine (10.8 vs 27.7 us). out: a C-contiguous float32 array of x's shape (x itself: in place)."""
    if out is None:
        return _run(_tanh_fwd, x, x)
    if out is x:
        _tanh_inplace(_flat(x))
    else:
        _tanh_fwd(_flat(x), _flat(out))
    return out


def tanh_backward(g, z):
    """dz (1 - z^2) for z = tanh(x)"""
    return _run(_tanh_bwd, g, g, z)


def leaky_relu(x, slope):
    return _run(_leaky_fwd, x, x, slope)


def leaky_relu_backward(g, x, slope):
    return _run(_leaky_bwd, g, g, x, slope)


def softplus(x, beta, threshold):
    """log(1 + e^(beta x)) / beta, x where beta x > threshold, as max(bx, 0) + log1p(e^-|bx|) (no overflow)"""
    e = np.empty(x.shape, f32)  # with out=: a 0-d x stays an array
    np.abs(x, out=e)
    e *= f32(-abs(beta))
    np.exp(e, out=e)  # e^-|bx|: numpy's float32 exp (2e-7 relative), one SIMD pass
    return _run(_softplus_fwd, x, x, beta, 1 / beta, threshold, e)


def softplus_backward(g, x, beta, threshold):
    """dz sigmoid(beta x), dz where beta x > threshold (torch's softplus_backward)"""
    return _run(_softplus_bwd, g, g, x, beta, threshold)


def elu(x, alpha):
    """x where x > 0, else alpha (e^x - 1) (torch's elu with scale 1)"""
    return _run(_elu_fwd, x, x, alpha)


def elu_backward(g, y, alpha):
    """dy where y > 0, else dy (y + alpha), for y = elu(x) with alpha >= 0 (then y > 0 exactly where x > 0): torch's
    elu_backward reading the result, as for its in-place elu_"""
    return _run(_elu_bwd, g, g, y, alpha)
