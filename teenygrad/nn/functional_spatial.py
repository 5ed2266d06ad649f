"""teenygrad.nn.functional's spatial rearrangements (re-exported there): unfold / fold (im2col / col2im as user
ops), interpolate, pixel and channel shuffles, conv_tbc, instance and local response norm. Checks here name the op and the
shapes. unfold / fold run teenygrad.ops.unfold's im2col / col2im, interpolate one ops.resample.Resample (gather
taps, weigh, sum) per spatial dim; the rest are composites of differentiable Tensor ops."""
import math
import warnings
import numpy as np
from .._arrays import half_on_host
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..ops import conv as C
from ..ops.resample import Resample
from ._checks import _t, _same_float, _mixed_norm
from .functional_conv import _ntuple, group_norm, _adaptive_taps


# ---- unfold / fold ---------------------------------------------------------------------------------
def _block_args(op, kernel_size, dilation, padding, stride):
    K, D = _ntuple(kernel_size, 2, "kernel_size", op), _ntuple(dilation, 2, "dilation", op)
    P, S = _ntuple(padding, 2, "padding", op), _ntuple(stride, 2, "stride", op)
    for name, v in (("kernel_size", K), ("dilation", D), ("stride", S)):
        if min(v) < 1:
            raise RuntimeError(f"{op}: {name} must be greater than zero, got {name}={v}")
    if min(P) < 0:
        raise RuntimeError(f"{op}: padding must be non-negative, got padding={P}")
    return K, D, P, S


def _blocks(size, K, D, P, S):
    """How many sliding blocks fit along each dim of `size` padded by P."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, d, p, s in zip(size, K, D, P, S))


def _complex_parts(op, input, *args):
    """op, linear and real, applied to a complex input's real and imaginary parts (each differentiable)."""
    from ..tensor_complex import complex as make_complex
    return make_complex(op(input.real, *args), op(input.imag, *args))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) or (C, H, W) -> (N, C kH kW, L), column l holding the l-th sliding block (row-major
    over the block grid), its rows running over (channel, kernel row, kernel column)."""
    _t(input, "unfold")
    if input.ndim not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(f"unfold: expected 3-D or 4-D (batched) input (N, C, H, W) with non-zero C, H, W, got "
                           f"shape {input.shape}")
    _same_float("unfold", input, complex_ok=True)
    if input.is_complex():  # a pure rearrangement: the real and imaginary parts apart
        return _complex_parts(unfold, input, kernel_size, dilation, padding, stride)
    K, D, P, S = _block_args("unfold", kernel_size, dilation, padding, stride)
    blocks = _blocks(input.shape[-2:], K, D, P, S)
    if min(blocks) < 1:
        raise RuntimeError(f"unfold: input spatial size {tuple(input.shape[-2:])} with kernel_size={K}, "
                           f"dilation={D}, padding={P} gives {blocks} sliding blocks; each must be at least one")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    y = C.Im2Col.apply(x, kernel=K, stride=S, pad=tuple((p, p) for p in P), dilation=D)
    return y if input.ndim == 4 else y.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, the adjoint of unfold: (N, C kH kW, L) or (C kH kW, L) -> (N, C, *output_size), overlapping
    blocks summed."""
    _t(input, "fold")
    if input.ndim not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError(f"fold: expected 2-D or 3-D (batched) input (N, C kH kW, L) with non-zero sizes, got "
                           f"shape {input.shape}")
    _same_float("fold", input, complex_ok=True)
    if input.is_complex():  # sums of rearranged entries: the real and imaginary parts apart
        return _complex_parts(fold, input, output_size, kernel_size, dilation, padding, stride)
    out = _ntuple(output_size, 2, "output_size", "fold")
    K, D, P, S = _block_args("fold", kernel_size, dilation, padding, stride)
    rows, L = input.shape[-2:]
    if rows % (K[0] * K[1]):
        raise RuntimeError(f"fold: input.size(-2)={rows} of input {input.shape} must be divisible by the product of "
                           f"kernel_size={K}")
    blocks = _blocks(out, K, D, P, S)
    if min(blocks) < 1 or blocks[0] * blocks[1] != L:
        raise RuntimeError(f"fold: output_size={out}, kernel_size={K}, dilation={D}, padding={P}, stride={S} give "
                           f"{blocks[0]} * {blocks[1]} sliding blocks, but input {input.shape} has L={L}")
    x = input if input.ndim == 3 else input.unsqueeze(0)
    y = C.Col2Im.apply(x, out_shape=out, kernel=K, stride=S, pad=tuple((p, p) for p in P), dilation=D)
    return y if input.ndim == 3 else y.squeeze(0)


# ---- interpolate -----------------------------------------------------------------------------------
_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _scale(n, out, align_corners, scale, dtype):
    """torch's area_pixel_compute_scale: source step per output step, in the input's float type."""
    if align_corners:
        return dtype.type((n - 1) / (out - 1) if out > 1 else 0)
    return dtype.type(1.0 / scale) if scale is not None and scale > 0 else dtype.type(n) / dtype.type(out)


def _cubic_weights(t):
    """Keys' cubic convolution (A = -0.75) at offsets t + 1, t, 1 - t, 2 - t: the 4 taps' weights."""
    A = t.dtype.type(-0.75)
    near = lambda x: ((A + 2) * x - (A + 3)) * x * x + 1  # noqa: E731  |x| <= 1
    far = lambda x: ((A * x - 5 * A) * x + 8 * A) * x - 4 * A  # noqa: E731  1 < |x| < 2
    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=-1)


def _taps(mode, n, out, align_corners, scale, dtype, nd):
    """(idx (out, taps), weights (out, taps) or None, pad (out, taps) or None): output i = sum_j weights[i, j] *
    x[idx[i, j]] over the taps not in pad, with torch's source indices (float arithmetic in the input's dtype;
    nearest modes in float32)."""
    dst = np.arange(out).astype(dtype)
    if mode == "area":  # adaptive average pooling: window [floor(i n / out), ceil((i + 1) n / out))
        idx = _adaptive_taps(n, out)
        i = np.arange(out)[:, None]
        count = -((-(i + 1) * n) // out) - (i * n) // out
        real = np.arange(idx.shape[1]) < count  # the rest repeat a window's last position, to pad it
        return idx, (real / count).astype(dtype), ~real
    if mode in ("nearest", "nearest-exact"):
        if mode == "nearest" and nd == 2 and out in (n, 2 * n):  # torch's 2-d kernel copies or halves exactly
            return (np.arange(out) // (out // n))[:, None], None, None
        s = _scale(n, out, False, scale, np.dtype(np.float32))  # torch computes nearest indices in float32
        offset = np.float32(0.5 if mode == "nearest-exact" else 0.0)  # nearest-exact samples pixel centres
        src = np.floor((np.arange(out).astype(np.float32) + offset) * s)
        return np.minimum(src.astype(np.int64), n - 1)[:, None], None, None
    s = _scale(n, out, align_corners, scale, dtype)
    if mode == "bicubic":
        src = s * dst if align_corners else s * (dst + dtype.type(0.5)) - dtype.type(0.5)
        i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
        t = np.clip(src - i0, 0, 1).astype(dtype)
        return np.clip(i0[:, None] + np.arange(-1, 3), 0, n - 1), _cubic_weights(t), None
    if out == n:  # linear: torch copies when the size doesn't change, whatever the scale
        return np.arange(out)[:, None], None, None
    src = s * dst if align_corners else np.maximum(s * (dst + dtype.type(0.5)) - dtype.type(0.5), 0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    lam = np.clip(src - i0, 0, 1).astype(dtype)
    return np.stack([i0, i0 + (i0 < n - 1)], -1), np.stack([1 - lam, lam], -1), None


def _taps_antialias(mode, n, out, align_corners, scale, dtype):
    """torch's antialiased (bi)linear / bicubic taps: when shrinking, the filter (triangle, or Keys' cubic with
    A = -0.5) is stretched by the scale so every input pixel contributes; weights normalised per output. Returns
    (idx, weights, pad) as _taps."""
    if out == n:  # torch's separable kernel skips a dim whose size doesn't change, whatever the scale
        return np.arange(out)[:, None], None, None
    s = float(_scale(n, out, align_corners, scale, dtype))
    half = 1.0 if mode == "bilinear" else 2.0  # the filter's support at scale 1
    support, inv = (half * s, 1.0 / s) if s >= 1.0 else (half, 1.0)
    center = s * (np.arange(out) + 0.5)
    lo = np.maximum((center - support + 0.5).astype(np.int64), 0)
    hi = np.minimum((center + support + 0.5).astype(np.int64), n)  # taps lo .. hi - 1
    j = np.arange(int((hi - lo).max()))
    idx = np.minimum(lo[:, None] + j, hi[:, None] - 1)  # short rows repeat their last tap, with weight 0
    x = np.abs((lo[:, None] + j - center[:, None] + 0.5) * inv)
    if mode == "bilinear":
        w = np.maximum(1 - x, 0)
    else:
        a = -0.5
        w = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1, np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0))
    real = lo[:, None] + j < hi[:, None]
    w = np.where(real, w, 0)
    total = w.sum(1, keepdims=True)
    return idx, (w / np.where(total == 0, 1, total)).astype(dtype), ~real


def _resample(x, d, idx, w, pad=None):
    """Along dim d: y[.., i, ..] = sum_j w[i, j] x[.., idx[i, j], ..], the taps marked in pad left out."""
    return Resample.apply(x, axis=d, idx=idx, w=w, pad=pad)


def _interp_sizes(input, nd, size, scale_factor, recompute_scale_factor):
    """(output sizes, scales for the index math or None per dim), checked as torch does (before the mode)."""
    space = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an explicit size")
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nd
        if len(sizes) != nd:
            raise ValueError(f"interpolate: input {input.shape} has spatial dimensions {space} but size={size!r} "
                             f"has {len(sizes)}")
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
            raise TypeError(f"interpolate: size must be an int or a tuple of ints, got {size!r}")
        scales = (None,) * nd
    elif scale_factor is not None:
        scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nd
        if len(scales) != nd:
            raise ValueError(f"interpolate: input {input.shape} has spatial dimensions {space} but "
                             f"scale_factor={scale_factor!r} has {len(scales)}")
        sizes = tuple(math.floor(float(n) * float(s)) for n, s in zip(space, scales))
        scales = (None,) * nd if recompute_scale_factor else tuple(float(s) for s in scales)
    else:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    return tuple(int(s) for s in sizes), scales


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize (N, C, *S) to size, or to floor(S * scale_factor). Modes: nearest, nearest-exact, (bi/tri)linear,
    bicubic (separable, one pass per spatial dim; antialias for bilinear / bicubic) and area (adaptive average
    pooling)."""
    _t(input, "interpolate")
    nd = input.ndim - 2
    if align_corners is not None and mode in ("nearest", "nearest-exact", "area"):
        raise ValueError(f"interpolate: align_corners can only be set with the interpolating modes: "
                         f"{' | '.join(_MODE_DIMS)} (got mode {mode!r})")
    sizes, scales = _interp_sizes(input, nd, size, scale_factor, recompute_scale_factor)  # torch checks these first
    if antialias and not (mode in ("bilinear", "bicubic") and nd == 2):
        raise ValueError(f"interpolate: antialias is restricted to the bilinear and bicubic modes and a 4-D input "
                         f"(got mode {mode!r} and input {input.shape})")
    modes = ("nearest", "nearest-exact", "area") + tuple(_MODE_DIMS)
    if mode not in modes:
        raise NotImplementedError(f"interpolate: unknown mode {mode!r}, expected one of {', '.join(modes)}")
    if not 1 <= nd <= 3 or _MODE_DIMS.get(mode, nd) != nd:
        need = f"{_MODE_DIMS[mode] + 2}-D" if mode in _MODE_DIMS else "3-D, 4-D or 5-D"
        raise NotImplementedError(f"interpolate: got a {input.ndim}-D input {input.shape}, but mode {mode!r} needs "
                                  f"{need} input (N, C, *spatial)")
    if not (mode.startswith("nearest") and input._data.dtype == np.uint8):  # torch copies uint8 images too
        _same_float("interpolate", input)
    if min(sizes) < (0 if mode == "area" else 1):  # area is torch's adaptive average pool: it allows 0
        raise RuntimeError(f"interpolate: input and output sizes should be greater than 0, but got input "
                           f"{tuple(input.shape[2:])} and output {sizes}")
    if mode != "area" and input.shape[1] == 0:  # torch's upsample kernels allow only an empty batch
        raise RuntimeError(f"interpolate: non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
                           f"{tuple(input.shape)}")
    a = input._data
    if half_on_host(a) and not mode.startswith("nearest"):
        # weighted in float32 and rounded once (rounding after each separable pass was off by up to 0.2 at values
        # ~10 in bfloat16)
        return interpolate(input.float(), size, scale_factor, mode, align_corners, recompute_scale_factor,
                           antialias)._cast(a.dtype)._named(_interpolate_name(mode, nd, antialias))
    y = input
    for i, (n, o, s) in enumerate(zip(input.shape[2:], sizes, scales)):
        if antialias:
            idx, w, pad = _taps_antialias(mode, n, o, bool(align_corners), s, input.dtype)
        else:
            idx, w, pad = _taps(mode, n, o, bool(align_corners), s, input.dtype, nd)
        y = _resample(y, 2 + i, idx, w, pad)
    return y if y is input else y._named(_interpolate_name(mode, nd, antialias))


def _interpolate_name(mode, nd, antialias):
    """torch's grad_fn name for interpolate's output (UpsampleBilinear2DBackward0, ...): one node per call in
    torch, where teenygrad resamples one axis at a time. area is torch's adaptive average pool (1-D: squeezed
    back from 2-D)."""
    if mode == "area":
        return "SqueezeBackward1" if nd == 1 else f"AdaptiveAvgPool{nd}DBackward0"
    kind = {"nearest": "Nearest", "nearest-exact": "NearestExact"}.get(mode, mode.capitalize())
    return f"Upsample{kind}{nd}D{'Aa' if antialias else ''}Backward0"


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- pixel and channel shuffles --------------------------------------------------------------------
def _unaliased(y, input):
    """y, or a copy where y (a reshape of a permute) is a view of input: torch's shuffles always return a new
    tensor, so that writing into the output never writes into the input."""
    return y.clone() if np.may_share_memory(y._data, input._data) else y


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): out[c, h r + i, w r + j] = in[c r^2 + i r + j, h, w]."""
    _t(input, "pixel_shuffle")
    r = int(upscale_factor)
    if input.ndim < 3 or r < 1 or input.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle: expected input (*, C r^2, H, W) with a positive upscale_factor r, got "
                           f"shape {input.shape} and upscale_factor={upscale_factor}")
    *lead, c, h, w = input.shape
    nl = len(lead)
    y = input.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(nl), nl, nl + 3, nl + 1, nl + 4, nl + 2).reshape(*lead, c // (r * r), h * r, w * r)
    return _unaliased(y, input)._named("PixelShuffleBackward0")  # torch's one node, as print(y) shows it


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle."""
    _t(input, "pixel_unshuffle")
    r = int(downscale_factor)
    if input.ndim < 3 or r < 1 or input.shape[-2] % r or input.shape[-1] % r:
        raise RuntimeError(f"pixel_unshuffle: expected input (*, C, H r, W r) with a positive downscale_factor r, "
                           f"got shape {input.shape} and downscale_factor={downscale_factor}")
    *lead, c, h, w = input.shape
    nl = len(lead)
    y = input.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(nl), nl, nl + 2, nl + 4, nl + 1, nl + 3).reshape(*lead, c * r * r, h // r, w // r)
    return _unaliased(y, input)._named("PixelUnshuffleBackward0")


def channel_shuffle(input, groups):
    """(N, C, *) -> (N, C, *) with the channels read as (groups, C / groups) and transposed."""
    _t(input, "channel_shuffle")
    g = int(groups)
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle: expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)} (shape {input.shape} and groups={groups})")
    if g < 1:
        raise RuntimeError(f"channel_shuffle: Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups} (shape {input.shape} and groups={groups})")
    if input.shape[1] % g:
        raise RuntimeError(f"channel_shuffle: Number of channels must be divisible by groups. Got {input.shape[1]} "
                           f"channels and {g} groups (shape {input.shape} and groups={groups})")
    N, Cn, *rest = input.shape
    return _unaliased(input.reshape(N, g, Cn // g, *rest).transpose(1, 2).reshape(input.shape), input)


native_channel_shuffle = channel_shuffle  # torch's native kernel of the same shuffle: same values and checks


def conv_tbc(input, weight, bias, pad=0):
    """Time-major 1-D convolution: input (T, B, C_in), weight (K, C_in, C_out), bias (C_out,) -> (T + 2 pad - K + 1,
    B, C_out); out[t] = sum_k x_padded[t + k] @ weight[k] + bias. A negative pad crops, as torch's."""
    op = "conv_tbc"
    _t(input, op)
    _t(weight, op, "weight")
    _t(bias, op, "bias")
    if input.ndim != 3:
        raise RuntimeError(f"{op}: Input must have 3 dims: time, batch, in_channel, got shape {input.shape}")
    if weight.ndim != 3:
        raise RuntimeError(f"{op}: Weight tensor must have 3 dims: kernel_width, in_channels, out_channels, got "
                           f"shape {weight.shape}")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError(f"{op}: Input dim 2 (input channels) is not == dim 1 in the weight tensor (input "
                           f"{input.shape}, weight {weight.shape})")
    if bias.ndim != 1 or bias.shape[0] != weight.shape[2]:
        raise RuntimeError(f"{op}: Bias size must equal dim 2 in the weight tensor (output channels): bias "
                           f"{bias.shape}, weight {weight.shape}")
    if len({input.dtype, weight.dtype, bias.dtype}) > 1:
        raise RuntimeError(f"{op}: input, weight and bias must have the same dtype, got {input.dtype}, "
                           f"{weight.dtype} and {bias.dtype}")
    T, K, pad = input.shape[0], weight.shape[0], int(pad)
    t_out = T + 2 * pad - K + 1
    if t_out < 0:
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {t_out}: "
                           f"[{t_out}, {input.shape[1]}, {weight.shape[2]}] (input {input.shape}, kernel width {K}, "
                           f"pad {pad})")
    x = input.pad((0, 0, 0, 0, pad, pad)) if pad > 0 else input[-pad:T + pad]
    y = bias.expand(t_out, input.shape[1], weight.shape[2])
    for k in range(K):
        y = y + x[k:k + t_out] @ weight[k]  # (t_out, B, C_in) @ (C_in, C_out)
    return y


# ---- instance and local response norm --------------------------------------------------------------
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial positions, then the per-channel affine. With
    use_input_stats the running buffers (if given) move by momentum towards the batch's mean of the instance
    statistics (unbiased variance); without, the running statistics normalise instead."""
    # torch's is a batch norm of the (1, N * C, ...) view, viewed back: print(y) shows ViewBackward0
    return _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum,
                          eps)._named("ViewBackward0")


def _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps):
    _t(input, "instance_norm")
    if input.ndim < 2:
        raise ValueError(f"instance_norm: expected at least 2-D input (N, C, ...), got shape {input.shape}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("instance_norm: running_mean and running_var must either both be None or neither be None")
    Cn = input.shape[1]
    for name, p in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if p is not None and p.shape != (Cn,):
            raise RuntimeError(f"instance_norm: {name} shape {p.shape} doesn't match {Cn} channels of input "
                               f"{input.shape}")
    stats = [r for r in (running_mean, running_var) if r is not None]
    if _mixed_norm("instance_norm", input, weight, bias) or (
            input.dtype.itemsize == 2 and any(r.dtype != input.dtype for r in stats)):
        # float16 / bfloat16 with float32 parameters or statistics: in float32, rounded once, as torch
        return _instance_norm(input.float(), running_mean, running_var, weight, bias, use_input_stats, momentum,
                              eps).to(input.dtype)
    shape = (1, Cn) + (1,) * (input.ndim - 2)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("instance_norm: running_mean and running_var must be defined when use_input_stats "
                               "is False")
        y = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
        y = y * weight.reshape(shape) if weight is not None else y
        return y + bias.reshape(shape) if bias is not None else y
    count = math.prod(input.shape[2:])
    if count == 1:  # (no spatial elements at all gives an empty result, as torch)
        raise ValueError(f"instance_norm: expected more than 1 spatial element when training, got input size "
                         f"{input.shape}")
    x = input._data.reshape(input.shape[0], Cn, count)
    for r, stat in ((running_mean, x.mean), (running_var, lambda axis: x.var(axis, ddof=1))):
        if r is not None and x.size:  # no graph: the buffers move by the batch mean of each instance's stat
            m = r.dtype.type(momentum)
            r._data *= 1 - m
            r._data += m * stat(-1).mean(0).astype(r.dtype)
    return group_norm(input, Cn, weight, bias, eps)  # one group per channel: each instance on its own


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """y = x / (k + alpha / size * sum of x^2 over the `size` channels around c)^beta (zeros past the edges)."""
    _t(input, "local_response_norm")
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected 3-D or higher input (N, C, *), got shape {input.shape}")
    if size < 1:
        raise RuntimeError(f"local_response_norm: size must be greater than zero, got size={size}")
    if not dt.is_floating(input.dtype):
        raise TypeError(f"local_response_norm: expected a floating point input, got {input.dtype}")
    if input.numel() == 0:
        return input
    Cn = input.shape[1]
    sq = (input * input).pad((0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    total = sq.narrow(1, 0, Cn)
    for j in range(1, size):
        total = total + sq.narrow(1, j, Cn)
    return input / (total * (alpha / size) + k).pow(beta)
