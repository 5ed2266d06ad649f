"""F.fractional_max_pool2d / 3d (Graham's fractional max-pooling: pooling windows at pseudo-random, overlapping offsets
chosen by one sample per (batch, channel, dim)) and cross_map_lrn2d (nn.CrossMapLRN2d: torch's legacy Lua-era
local response norm, whose channel window and gradient differ from nn.LocalResponseNorm's; see CrossMapLRN).
Re-exported by teenygrad.nn.functional."""
import math
import numpy as np
from ..tensor import Tensor, dt
from ..autograd.function import Function
from .._arrays import xp_of, to_host
from ..creation import rand
from ._checks import _t


def _pair(v, what, op):
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise ValueError(f"{op}: {what} must be one number or a pair, got {tuple(v)}")
        return tuple(v)
    return (v, v)


def _intervals(samples, n_in, n_out, pool):
    """The first row (or column) of each window: torch's generate_intervals, in the samples' own dtype so that the
    truncations land where torch's do. samples (B, C) -> (B, C, n_out) int64."""
    starts = np.empty(samples.shape + (n_out,), np.int64)
    if n_out > 1:
        alpha = samples.dtype.type(n_in - pool) / samples.dtype.type(n_out - 1)
        i = np.arange(n_out - 1, dtype=samples.dtype)
        s = samples[..., None]
        starts[..., :-1] = ((i + s) * alpha).astype(np.int64) - (s * alpha).astype(np.int64)
    if n_out > 0:
        starts[..., -1] = n_in - pool
    return starts


def _refuse_no_channels(op, input, C, batched):
    if C == 0 and batched:  # (as torch: an empty batch, or no channels unbatched, pools to an empty result)
        raise RuntimeError(f"{op}(): expected input to have non-zero size for non-batch dimensions, but got "
                           f"{tuple(input.shape)} with dimension 1 being empty")


def _window_argmax(x, rows, cols, kh, kw):
    """Flat index (h * W + w) of each window's max: the first largest value, or the last NaN, as torch's loop."""
    W = x.shape[-1]
    r = rows[:, :, :, None, None, None] + np.arange(kh)[:, None]  # (B, C, oh, 1, kh, 1)
    c = cols[:, :, None, :, None, None] + np.arange(kw)  # (B, C, 1, ow, 1, kw)
    flat = (r * W + c).reshape(rows.shape[:2] + (rows.shape[2], cols.shape[2], kh * kw))
    B, C = x.shape[:2]
    vals = np.take_along_axis(x.reshape(B, C, 1, x.shape[2] * W), flat.reshape(B, C, 1, math.prod(flat.shape[2:])),
                              3).reshape(flat.shape)  # (sizes spelled out: an empty batch has no -1 to infer)
    pick = vals.argmax(-1)
    nan = np.isnan(vals)
    if nan.any():
        last_nan = kh * kw - 1 - nan[..., ::-1].argmax(-1)
        pick = np.where(nan.any(-1), last_nan, pick)
    return np.take_along_axis(flat, pick[..., None], -1)[..., 0]  # (B, C, oh, ow)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """input (N, C, H, W) or (C, H, W). Without _random_samples, the samples (N, C, 2) come from teenygrad.rand,
    whose stream is torch's: under the same seed the windows are torch's."""
    op = "fractional_max_pool2d"
    _t(input, op)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: non-empty 3D or 4D (batch mode) tensor expected for input, got shape "
                           f"{tuple(input.shape)}")
    if not dt.is_floating(input.dtype):
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype}")
    kh, kw = _pair(kernel_size, "kernel_size", op)
    H, W = input.shape[-2:]
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
        rh, rw = _pair(output_ratio, "output_ratio", op)
        output_size = (int(H * rh), int(W * rw))
    oh, ow = _pair(output_size, "output_size", op)
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got {(kh, kw)}")
    if oh + kh - 1 > H:
        raise RuntimeError(f"{op}(): pool height {kh} too large relative to input height {H} (output height {oh})")
    if ow + kw - 1 > W:
        raise RuntimeError(f"{op}(): pool width {kw} too large relative to input width {W} (output width {ow})")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    B, C = x.shape[:2]
    _refuse_no_channels(op, input, C, x is input)
    if _random_samples is None:
        _random_samples = rand(B, C, 2, dtype=input.dtype, device=input.device)
    s = _random_samples._data if isinstance(_random_samples, Tensor) else np.asarray(_random_samples)
    if s.ndim != 3 or s.shape[2] != 2:
        raise RuntimeError(f"{op}: _random_samples must be (N, C, 2), got shape {tuple(s.shape)}")
    if s.shape[0] < B:
        raise RuntimeError(f"{op}: _random_samples has {s.shape[0]} rows, fewer than the input's batch size {B}")
    if s.shape[1] != C:
        raise RuntimeError(f"{op}: _random_samples has {s.shape[1]} channels, the input {C}")
    s = np.asarray(s[:B].get() if hasattr(s, "get") else s[:B]).astype(input.dtype, copy=False)
    rows = _intervals(s[..., 1], H, oh, kh)  # torch: sample 0 places the columns, sample 1 the rows
    cols = _intervals(s[..., 0], W, ow, kw)
    data = to_host(x._data)
    idx = _window_argmax(data, rows, cols, kh, kw)  # (B, C, oh, ow)
    idx_t = Tensor._wrap(idx).to(input.device)
    out = x.reshape(B, C, H * W).gather(2, idx_t.reshape(B, C, oh * ow)).reshape(B, C, oh, ow)
    if input.ndim == 3:
        out, idx_t = out.squeeze(0), idx_t.squeeze(0)
    return (out, idx_t) if return_indices else out


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True, _random_samples)


def _triple(v, what, op):
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            return tuple(v) * 3
        if len(v) != 3:
            raise RuntimeError(f"{op}: {what} must either be a single Int or tuple of three Ints, got {tuple(v)}")
        return tuple(v)
    return (v, v, v)


def _window_argmax_nd(x, starts, ks):
    """Flat index into the spatial dims of x (B, C, *S) of each window's max, windows starting at starts[i]
    (B, C, o_i) with sizes ks: the first largest value, or the last NaN, as torch's loop."""
    B, C, *S = x.shape
    nd = len(S)
    flat = 0
    for i, (st, k) in enumerate(zip(starts, ks)):
        pos = st[..., None] + np.arange(k)  # (B, C, o_i, k_i)
        shape = [B, C] + [1] * nd + [1] * nd
        shape[2 + i], shape[2 + nd + i] = st.shape[2], k
        flat = flat + pos.reshape(shape) * int(np.prod(S[i + 1:], dtype=np.int64))
    outs = tuple(st.shape[2] for st in starts)
    flat = flat.reshape(B, C, int(np.prod(outs)), int(np.prod(ks)))
    vals = np.take_along_axis(x.reshape(B, C, math.prod(S)), flat.reshape(B, C, math.prod(flat.shape[2:])),
                              2).reshape(flat.shape)
    pick = vals.argmax(-1)
    nan = np.isnan(vals)
    if nan.any():
        pick = np.where(nan.any(-1), nan.shape[-1] - 1 - nan[..., ::-1].argmax(-1), pick)
    return np.take_along_axis(flat, pick[..., None], -1)[..., 0].reshape((B, C) + outs)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """input (N, C, T, H, W) or (C, T, H, W). Without _random_samples, the samples (N, C, 3) come from
    teenygrad.rand, whose stream is torch's: under the same seed the windows are torch's. Sample 0 places the
    windows along T, 1 along H, 2 along W (torch's order; the 2-D op reads its two the other way round)."""
    op = "fractional_max_pool3d"
    _t(input, op)
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{op}: non-empty 4D or 5D (batch mode) tensor expected for input, got shape "
                           f"{tuple(input.shape)}")
    if not dt.is_floating(input.dtype):
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype}")
    ks = _triple(kernel_size, "kernel_size", op)
    S = tuple(input.shape[-3:])
    if output_size is None:
        output_size = tuple(int(n * r) for n, r in zip(S, _triple(output_ratio, "output_ratio", op)))
    outs = _triple(output_size, "output_size", op)
    if min(ks) <= 0:
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got {ks}")
    for name, n, o, k in zip(("time", "height", "width"), S, outs, ks):
        if o + k - 1 > n:
            raise RuntimeError(f"{op}_out(): pool {name} {k} too large relative to input {name} {n} (output "
                               f"{name} {o})")
    x = input if input.ndim == 5 else input.unsqueeze(0)
    B, C = x.shape[:2]
    _refuse_no_channels(op, input, C, x is input)
    if _random_samples is None:
        _random_samples = rand(B, C, 3, dtype=input.dtype, device=input.device)
    _t(_random_samples, op, "_random_samples")
    s = to_host(_random_samples._data)
    if s.ndim != 3 or s.shape[2] != 3:
        raise RuntimeError(f"{op}: Expect _random_samples to be (N, C, 3), got shape {tuple(s.shape)}")
    if s.shape[0] < B:
        raise RuntimeError(f"{op}: Expect _random_samples.size(0) no less then input batch size ({s.shape[0]} < {B})")
    if s.shape[1] != C:
        raise RuntimeError(f"{op}: Expect _random_samples.size(1) equals to input channel size ({s.shape[1]} != {C})")
    if _random_samples.dtype != input.dtype:
        raise RuntimeError(f"{op}: Expect _random_samples to have the same dtype as input ({_random_samples.dtype} "
                           f"vs {input.dtype})")
    s = s[:B]
    starts = [_intervals(s[..., i], n, o, k) for i, (n, o, k) in enumerate(zip(S, outs, ks))]
    idx = _window_argmax_nd(to_host(x._data), starts, ks)  # (B, C, oT, oH, oW)
    idx_t = Tensor._wrap(idx).to(input.device)
    n_out = int(np.prod(outs))
    out = x.reshape(B, C, math.prod(S)).gather(2, idx_t.reshape(B, C, n_out)).reshape((B, C) + outs)
    if input.ndim == 4:
        out, idx_t = out.squeeze(0), idx_t.squeeze(0)
    return (out, idx_t) if return_indices else out


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True, _random_samples)


class CrossMapLRN(Function):
    """torch's legacy LRN. scale_c = k + alpha / size * (sum of x^2 over a window of channels); y = x * scale^-beta.
    The window is torch's running sum: channels 0 .. c + p - 1 (p = (size - 1) // 2 + 1), less 1 .. c - p once
    c > p, so channel 0 stays in every window and it is not centred as in LocalResponseNorm.
    dx = scale^-beta * dy - 2 alpha beta / size * x * (sum over the centred window of dy * y / scale): torch's
    hand-written backward, kept as is although it is not the derivative of the forward above."""
    def forward(self, x, size, alpha, beta, k):
        xp = xp_of(x)
        C = x.shape[1]
        p = (size - 1) // 2 + 1
        cs = xp.cumsum(x * x, axis=1)
        c = np.arange(C)
        total = cs[:, np.minimum(c + p - 1, C - 1)]
        late = c > p
        if late.any():
            total[:, late] -= cs[:, c[late] - p] - cs[:, :1]
        scale = total * x.dtype.type(alpha / size) + x.dtype.type(k)
        y = x * scale ** x.dtype.type(-beta)
        self.x, self.y, self.scale, self.size, self.alpha, self.beta = x, y, scale, size, alpha, beta
        return y

    def backward(self, dy):
        xp, size = xp_of(dy), self.size
        C = dy.shape[1]
        before = int(size - (size - 1) / 2)  # torch's inversePrePad (true division, then truncation)
        ratio = dy * self.y / self.scale
        padded = xp.zeros((ratio.shape[0], C + size - 1) + ratio.shape[2:], ratio.dtype)
        padded[:, before:before + C] = ratio
        cs = xp.concatenate([xp.zeros_like(padded[:, :1]), xp.cumsum(padded, axis=1)], axis=1)
        window = cs[:, size:size + C] - cs[:, :C]  # padded channels c .. c + size - 1
        coef = dy.dtype.type(2 * self.alpha * self.beta / size)
        return self.scale ** dy.dtype.type(-self.beta) * dy - coef * self.x * window


def cross_map_lrn2d(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """nn.CrossMapLRN2d's computation (see CrossMapLRN above); input (N, C, H, W)."""
    _t(input, "CrossMapLRN2d")
    if input.ndim != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.")
    if not dt.is_floating(input.dtype):
        raise TypeError(f"CrossMapLRN2d: expected a floating point input, got {input.dtype}")
    return CrossMapLRN.apply(input, size=size, alpha=alpha, beta=beta, k=k)
