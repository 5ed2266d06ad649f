"""teenygrad.nn.init: in-place initialisers with torch's names and distributions. They draw from teenygrad's
default Generator (or the one passed) as torch's do (the same bounds, computed in the same order, and torch's own
random numbers, see teenygrad.random), so a layer built after manual_seed(s) holds the weights torch's would.
They write the tensor's own memory."""
import math
import warnings
import numpy as np
from ..random import rng_of, gen_of, draw_like, memory_order
from ..tensor import dt  # the dtype module
from .._arrays import on_device_of, to_host


def calculate_gain(nonlinearity, param=None):
    linear_fns = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d")
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _write(tensor, values):
    if type(tensor._data) is not np.ndarray and isinstance(values, np.ndarray):
        values = on_device_of(tensor._data, values)  # host RNG draws, copied to the GPU parameter
    tensor._data[...] = values  # casts to the tensor's dtype, keeps the Parameter object and its memory
    tensor._mark_written()
    return tensor


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out can not be computed for a tensor with fewer than 2 dims "
                         f"(shape {tensor.shape})")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _check_floating(tensor, op, complex_ok=False):
    if not dt.is_floating(tensor.dtype) and not (complex_ok and tensor.is_complex()):
        raise TypeError(f"{op}: random initialisation needs a floating point tensor, got {tensor.dtype} "
                        f"(shape {tensor.shape})")


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    _check_floating(tensor, "uniform_", complex_ok=True)  # a complex tensor: each part drawn (Tensor.uniform_)
    if a > b:
        raise RuntimeError(f"uniform_: expects a [from, to) range, but found from={a} > to={b}")
    return _fill(tensor, "uniform_", a, b, generator)


def _fill(tensor, method, *args):
    """tensor.method(*args) without a graph (torch's init functions run under no_grad)."""
    from ..autograd.grad_mode import no_grad
    with no_grad():
        return getattr(tensor, method)(*args)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    _check_floating(tensor, "normal_", complex_ok=True)  # a complex tensor: each part drawn (Tensor.normal_)
    if std < 0:
        raise RuntimeError(f"normal_: expects std >= 0.0, but found std {std}")
    return _fill(tensor, "normal_", mean, std, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std) truncated to [a, b] (absolute bounds), drawn as torch draws it, so that after the same seed the
    values are torch's: if the window holds over 30% of the mass, normal draws whose rejects are replaced from a
    fresh full-size draw until none is left; otherwise uniform proposals on [a, b], each kept when log(u) <= its
    log density over the window's peak. That uniform proposal can't take an infinite bound and almost never
    accepts in a wide window far in a tail, so there (an acceptance under 1%) the values come from an exact
    rejection with a closer proposal instead: the right distribution, not torch's numbers."""
    if std <= 0 or a >= b:
        raise ValueError(f"trunc_normal_: need std > 0 and a < b, got std={std}, a={a}, b={b}")
    _check_floating(tensor, "trunc_normal_")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("trunc_normal_: mean is more than 2 std from [a, b]; the distribution of values may be "
                      "incorrect", stacklevel=2)
    g, d = gen_of(generator), np.dtype(tensor._data.dtype)
    lo, hi = (a - mean) / std, (b - mean) / std  # the window in standard units
    near = max(lo, -hi, 0.0)  # its distance from the mean
    mass = min(math.sqrt(2 * math.pi), 1 / near if near > 0 else math.inf)  # >= its integral of exp((near^2-z^2)/2)
    p = _norm_cdf(hi) - _norm_cdf(lo)
    if p <= 0.3 and (math.isinf(a) or math.isinf(b) or mass / (hi - lo) < 0.01):
        z = _truncated_standard_normal(rng_of(generator), tensor.numel(), lo, hi).reshape(tensor.shape)
        return _write(tensor, z * std + mean)

    def draw(sample):  # one draw of the tensor's size, placed as torch's iterator visits its memory
        return draw_like(tensor.shape, tensor._data.strides, sample)

    if p > 0.3:
        contiguous = tensor._data.flags.c_contiguous
        # the redraws go into empty_like(tensor): dense in tensor's memory order, so a slice of rows redraws
        # with the contiguous (vectorized) normal_, a transposed tensor with the serial one
        order = [i for i in memory_order(tensor.shape, tensor._data.strides) if tensor.shape[i] > 1]
        redraw_contiguous = order == sorted(order)
        lo32, hi32 = d.type(a), d.type(b)  # torch compares with the bounds rounded to the tensor's dtype
        x = draw(lambda n: g.normal(n, d, mean, std, contiguous))
        bad = (x < lo32) | (x > hi32)
        while bad.any():
            x = np.where(bad, draw(lambda n: g.normal(n, d, mean, std, redraw_contiguous)), x)
            bad = (x < lo32) | (x > hi32)
        return _write(tensor, x)
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2

    def rejected(c):  # torch's chain in the tensor's dtype: log(u) > -((c - mean) / std)^2 / 2 - log_peak
        log_pdf = ((c - d.type(mean)) / d.type(std)) ** 2 * d.type(-0.5) - d.type(log_peak)
        log_u = np.log(draw(lambda n: g.uniform(n, d)).astype(np.float64)).astype(d)  # correctly rounded
        return log_u > log_pdf

    x = draw(lambda n: g.uniform(n, d, a, b))
    pending = rejected(x)
    while pending.any():  # every round redraws the whole tensor, as torch's does, and keeps only the pending
        c = draw(lambda n: g.uniform(n, d, a, b))
        x = np.where(pending, c, x)
        pending = np.where(pending, rejected(c), pending)
    return _write(tensor, x)


def _norm_cdf(z):
    return (1.0 + math.erf(z / math.sqrt(2.0))) / 2.0


def _truncated_standard_normal(rng, n, lo, hi):
    """n draws of N(0, 1) restricted to [lo, hi] by rejection: a uniform proposal for a narrow window, Robert's
    shifted exponential for a wide one in a tail (the window mirrored to lo >= 0 first)."""
    sign = 1.0
    if hi <= 0:
        lo, hi, sign = -hi, -lo, -1.0
    lam = (lo + math.sqrt(lo * lo + 4)) / 2 if lo > 0 else 1.0
    out = np.empty(0)
    while out.size < n:
        m = 2 * (n - out.size) + 16
        if lo <= 0 or hi - lo < 2 / lam:  # narrow: uniform, accepted with density / its max on the window
            z = rng.uniform(lo, hi, m)
            peak = 0.0 if lo <= 0 else lo
            keep = rng.random(m) < np.exp((peak * peak - z * z) / 2)
        else:  # wide, in the tail: lo + Exp(lam), accepted with exp(-(z - lam)^2 / 2)
            z = lo + rng.exponential(1 / lam, m)
            keep = (z <= hi) & (rng.random(m) < np.exp(-((z - lam) ** 2) / 2))
        out = np.concatenate([out, z[keep]])
    return sign * out[:n]


def zeros_(tensor):
    return _write(tensor, 0)


def ones_(tensor):
    return _write(tensor, 1)


def constant_(tensor, val):
    return _write(tensor, val)


def eye_(tensor):
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {tensor.shape}")
    return _write(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only 3-, 4- and 5-D tensors are supported, got shape {tensor.shape}")
    if tensor.shape[0] % groups != 0:
        raise ValueError(f"dirac_: dim 0 must be divisible by groups, got shape {tensor.shape} and groups={groups}")
    out_per = tensor.shape[0] // groups
    w = np.zeros(tensor.shape)
    centre = tuple(s // 2 for s in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(out_per, tensor.shape[1])):
            w[(g * out_per + d, d) + centre] = 1
    return _write(tensor, w)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # torch's two steps: the same float64 bound to the last bit
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b), b = gain * sqrt(3 / fan). With a=sqrt(5) (torch's Linear default) b = 1/sqrt(fan_in)."""
    if 0 in tensor.shape:
        warnings.warn("kaiming_uniform_: initializing zero-element tensors is a no-op")
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std  # torch's two steps: the same float64 bound to the last bit
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tensor.shape:
        warnings.warn("kaiming_normal_: initializing zero-element tensors is a no-op")
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)), generator)


def orthogonal_(tensor, gain=1, generator=None):
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got {tensor.shape}")
    _check_floating(tensor, "orthogonal_")
    if tensor.numel() == 0:  # nothing to draw (torch returns the tensor as it is)
        return tensor
    rows, cols = tensor.shape[0], tensor.numel() // tensor.shape[0]
    flat = gen_of(generator).normal(rows * cols, np.dtype(tensor._data.dtype)).reshape(rows, cols)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, gain * q.reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """2-D tensor ~ N(0, std), then in each column ceil(sparsity * rows) entries, chosen at random, set to zero."""
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape {tensor.shape}")
    rows, cols = tensor.shape
    normal_(tensor, 0, std, generator)
    w = to_host(tensor._data)
    w = w.copy()
    zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):  # torch draws these permutations from the default generator
        w[gen_of(None).randperm(rows)[:zeros], c] = 0
    return _write(tensor, w)


# torch's deprecated spellings without the trailing underscore
uniform, normal, constant, xavier_uniform, xavier_normal = uniform_, normal_, constant_, xavier_uniform_, xavier_normal_
kaiming_uniform, kaiming_normal = kaiming_uniform_, kaiming_normal_
eye, dirac, orthogonal, sparse = eye_, dirac_, orthogonal_, sparse_
