"""teenygrad.nn.functional's convolution, pooling, group norm and channel dropout (re-exported there).
Checks live here and name the op and the shapes; the sliding-window work is teenygrad.ops.conv
(im2col, from ops.unfold) and ops.pool."""
import math
import warnings
import numpy as np
from ..tensor import Tensor
from ..tensor_join import cat
from ..autograd.grad_mode import is_grad_enabled
from ..ops import conv as C
from ..ops.nn import GroupNorm, dropout_noise
from .._arrays import on_device_of, xp_of, half_on_host
from ..random import gen_of
from ._checks import _t, _same_float, _mixed_norm

_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


def _ntuple(v, nd, name, op):
    """An int, or a sequence of 1 or nd ints (torch expands a single one), as an nd-tuple of ints."""
    if isinstance(v, (tuple, list)):
        if len(v) not in (1, nd):
            raise RuntimeError(f"{op}: {name} must be an int or a tuple of {nd} ints, got {v!r}")
        return tuple(int(a) for a in v) * (nd // len(v))
    return (int(v),) * nd


def _show(t):
    return t[0] if len(t) == 1 else t


def _on_empty_batch(apply, input):
    """An empty batch: the op on one zero sample, sliced back to none (the kernels' reshapes need a sample), so x's
    gradient is empty and w's and b's are zeros, as torch. A tuple result (values, indices) is sliced whole."""
    out = apply(cat([input, input.new_zeros((1,) + tuple(input.shape[1:]))]))
    return tuple(t[:0] for t in out) if isinstance(out, tuple) else out[:0]


# ---- convolution -----------------------------------------------------------------------------------
def _complex_conv(conv, x, w, b):
    """A complex convolution as four real ones (torch takes complex inputs too): (a + ib) * (c + id) =
    (ac - bd) + i(ad + bc), each a differentiable real convolution, so the gradients come out conjugated as torch's."""
    from ..tensor_complex import complex as make_complex
    xr, xi, wr, wi = x.real, x.imag, w.real, w.imag
    re = conv(xr, wr, None if b is None else b.real) - conv(xi, wi, None)
    im = conv(xr, wi, None if b is None else b.imag) + conv(xi, wr, None)
    return make_complex(re, im)


def _conv(op, nd, input, weight, bias, stride, padding, dilation, groups):
    _t(input, op)
    _t(weight, op, "weight")
    stride, dilation = _ntuple(stride, nd, "stride", op), _ntuple(dilation, nd, "dilation", op)
    if input.ndim not in (nd + 1, nd + 2) or weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected {nd + 1}-D/{nd + 2}-D input (N, C_in, {_SPATIAL[nd]}) and {nd + 2}-D "
                           f"weight, got input {input.shape} and weight {weight.shape}")
    Cin, size = input.shape[-nd - 1], input.shape[-nd:]
    O, Cg, K = weight.shape[0], weight.shape[1], weight.shape[2:]
    if O == 0:
        raise RuntimeError(f"{op}: expected weight to be at least 1 at dimension 0 (out_channels), but got weight "
                           f"of size {weight.shape}")
    if groups < 1 or Cin % groups or O % groups:
        raise RuntimeError(f"{op}: in_channels {Cin} and out_channels {O} must both be divisible by groups={groups}")
    if Cg * groups != Cin:
        raise RuntimeError(f"{op}: input {input.shape} has {Cin} channels but weight {weight.shape} expects "
                           f"{Cg * groups} (= {Cg} x groups {groups})")
    if bias is not None and bias.shape != (O,):
        raise RuntimeError(f"{op}: bias shape {bias.shape} doesn't match {O} output channels")
    if min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"{op}: stride ({_show(stride)}) and dilation ({_show(dilation)}) must be positive")
    _same_float(op, input, weight, bias, complex_ok=True)
    if input.is_complex():
        return _complex_conv(lambda x, w, b: _conv(op, nd, x, w, b, stride, padding, dilation, groups),
                             input, weight, bias)
    if half_on_host(input._data):
        return _conv(op, nd, input.float(), weight.float(), None if bias is None else bias.float(), stride, padding,
                     dilation, groups)._cast(input.dtype)
    reach = tuple(d * (k - 1) + 1 for d, k in zip(dilation, K))
    if isinstance(padding, str):
        if padding == "valid":
            pad = ((0, 0),) * nd
        elif padding == "same":
            if max(stride) != 1:
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
            pad = tuple(((r - 1) // 2, (r - 1) - (r - 1) // 2) for r in reach)  # the odd one extra on the right
        else:
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of 'valid', 'same'")
    else:
        p = _ntuple(padding, nd, "padding", op)
        if min(p) < 0:
            raise RuntimeError(f"{op}: negative padding {_show(p)} is not supported")
        pad = tuple((a, a) for a in p)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(size, pad))
    if any(s < r for s, r in zip(padded, reach)):
        what = "length" if nd == 1 else "size"
        raise RuntimeError(f"{op}: input {what} {_show(size)} (padded {_show(padded)}) is smaller than the kernel's "
                           f"reach {_show(reach)} (kernel {_show(K)}, dilation {_show(dilation)})")
    params = [weight] + ([bias] if bias is not None else [])
    if input.ndim == nd + 1:  # unbatched
        return C.ConvNd.apply(input.unsqueeze(0), *params, stride=stride, pad=pad, dilation=dilation,
                              groups=groups).squeeze(0)
    if input.shape[0] == 0:
        return _on_empty_batch(lambda x: C.ConvNd.apply(x, *params, stride=stride, pad=pad, dilation=dilation,
                                                        groups=groups), input)
    return C.ConvNd.apply(input, *params, stride=stride, pad=pad, dilation=dilation, groups=groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """x (N, C_in, L) or (C_in, L), weight (C_out, C_in / groups, K) -> (N, C_out, L_out).
    padding: int, or 'valid' (none) / 'same' (output length = input length, stride 1 only)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """x (N, C_in, H, W) or (C_in, H, W), weight (C_out, C_in / groups, kH, kW) -> (N, C_out, H_out, W_out).
    stride / padding / dilation: an int or a pair; padding also 'valid' or 'same' (stride 1 only)."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """x (N, C_in, D, H, W) or (C_in, D, H, W), weight (C_out, C_in / groups, kD, kH, kW) -> (N, C_out, D_out,
    H_out, W_out). stride / padding / dilation: an int or a triple; padding also 'valid' or 'same' (stride 1 only)."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(op, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    """The adjoint of _conv: weight (C_in, C_out / groups, *K), output size (S - 1) stride - 2 padding
    + dilation (K - 1) + output_padding + 1 per spatial dim."""
    _t(input, op)
    _t(weight, op, "weight")
    if input.ndim not in (nd + 1, nd + 2) or weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected {nd + 1}-D/{nd + 2}-D input (N, C_in, {_SPATIAL[nd]}) and {nd + 2}-D "
                           f"weight, got input {input.shape} and weight {weight.shape}")
    if isinstance(padding, str):
        raise TypeError(f"{op}: padding must be an int or a tuple of {nd} ints, got {padding!r}")
    stride, dilation = _ntuple(stride, nd, "stride", op), _ntuple(dilation, nd, "dilation", op)
    pad, opad = _ntuple(padding, nd, "padding", op), _ntuple(output_padding, nd, "output_padding", op)
    Cin, size = input.shape[-nd - 1], input.shape[-nd:]
    Og, K = weight.shape[1], weight.shape[2:]
    if weight.numel() == 0:
        raise RuntimeError(f"{op}: non-empty {nd + 2}-D weight tensor expected, but got weight of size {weight.shape}")
    if min(size) == 0:
        raise RuntimeError(f"{op}: only zero batch or zero channel inputs are supported, but got input shape "
                           f"{input.shape}")
    if groups < 1 or weight.shape[0] % groups:
        raise RuntimeError(f"{op}: weight {weight.shape} has {weight.shape[0]} input channels, not divisible by "
                           f"groups={groups}")
    if weight.shape[0] != Cin:
        raise RuntimeError(f"{op}: input {input.shape} has {Cin} channels but weight {weight.shape} expects "
                           f"{weight.shape[0]} (weight is (C_in, C_out / groups, *kernel))")
    if bias is not None and bias.shape != (Og * groups,):
        raise RuntimeError(f"{op}: bias shape {bias.shape} doesn't match {Og * groups} output channels "
                           f"(= {Og} x groups {groups})")
    if min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"{op}: stride {_show(stride)} and dilation {_show(dilation)} must be positive")
    if min(pad) < 0 or min(opad) < 0:
        raise RuntimeError(f"{op}: negative padding {_show(pad)} or output_padding {_show(opad)} is not supported")
    if any(o >= s and o >= d for o, s, d in zip(opad, stride, dilation)):
        raise RuntimeError(f"{op}: output_padding {_show(opad)} must be smaller than either stride {_show(stride)} "
                           f"or dilation {_show(dilation)}")
    _same_float(op, input, weight, bias, complex_ok=True)
    if input.is_complex():
        return _complex_conv(lambda x, w, b: _conv_transpose(op, nd, x, w, b, stride, padding, output_padding, groups,
                                                             dilation), input, weight, bias)
    if half_on_host(input._data):
        return _conv_transpose(op, nd, input.float(), weight.float(), None if bias is None else bias.float(), stride,
                               padding, output_padding, groups, dilation)._cast(input.dtype)
    out = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1
                for n, s, p, d, k, o in zip(size, stride, pad, dilation, K, opad))
    # (torch's oneDNN path returns an empty output at size 0 for some float32 configurations, depending on the batch
    # and thread count; its other paths refuse it, as here)
    if min(out) < 1:
        raise RuntimeError(f"{op}: input {input.shape} with kernel {_show(K)}, stride {_show(stride)}, padding "
                           f"{_show(pad)} gives a non-positive output size {_show(out)}")
    params = [weight] + ([bias] if bias is not None else [])
    if input.ndim == nd + 2 and input.shape[0] == 0:
        return _on_empty_batch(lambda x: _conv_transpose(op, nd, x, weight, bias, stride, padding, output_padding,
                                                        groups, dilation), input)
    if (nd == 2 and stride == (1, 1) and (groups > 1 or Og >= Cin)
            and all(p <= d * (k - 1) for p, d, k in zip(pad, dilation, K))):
        # at stride 1 this is a convolution of x with each group's kernels flipped and transposed, padded by the
        # kernel's reach less padding: ConvNd's chunked im2col and GEMM, not the (N, C_out, *K, *S) columns and the
        # col2im here. (16, 32, 64, 64), 3x3, forward + backward: groups=4 99 -> 57 ms, 32 -> 64 channels 213 -> 103,
        # (PyTorch 21 and 63); with fewer output than input channels (32 -> 16: 47 -> 55) the columns here are fewer
        flipped = (weight.reshape(groups, Cin // groups, Og, *K).transpose(1, 2)
                   .reshape(groups * Og, Cin // groups, *K).flip(2, 3))
        cpad = tuple((d * (k - 1) - p, d * (k - 1) - p + o) for p, d, k, o in zip(pad, dilation, K, opad))
        args = (input if input.ndim == nd + 2 else input.unsqueeze(0), flipped) + tuple(params[1:])
        y = C.ConvNd.apply(*args, stride=stride, pad=cpad, dilation=dilation, groups=groups, reads_x=True)
        return y if input.ndim == nd + 2 else y.squeeze(0)
    kw = dict(stride=stride, pad=tuple((p, p) for p in pad), dilation=dilation, groups=groups, out_shape=out)
    if input.ndim == nd + 1:  # unbatched
        return C.ConvTransposeNd.apply(input.unsqueeze(0), *params, **kw).squeeze(0)
    return C.ConvTransposeNd.apply(input, *params, **kw)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """x (N, C_in, L) or (C_in, L), weight (C_in, C_out / groups, K) -> (N, C_out, L_out): conv1d's adjoint."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """x (N, C_in, H, W) or (C_in, H, W), weight (C_in, C_out / groups, kH, kW) -> (N, C_out, H_out, W_out)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """x (N, C_in, D, H, W) or (C_in, D, H, W), weight (C_in, C_out / groups, kD, kH, kW) -> (N, C_out, D_out,
    H_out, W_out): conv3d's adjoint."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


# ---- pooling ---------------------------------------------------------------------------------------
def _pool_setup(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode, integers=False):
    """Checked (x batched, batched?, kernel, stride, ((lo, hi), ...), dilation). ceil_mode adds right padding
    for a last partial window, which must start inside the input or the left padding (torch's rule)."""
    _t(input, op)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected {nd + 1}-D or {nd + 2}-D (batched) input (N, C, {_SPATIAL[nd]}), "
                           f"got shape {input.shape}")
    if 0 in input.shape[input.ndim - nd - 1:]:  # torch: only the batch may be empty
        raise RuntimeError(f"{op}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got: {list(input.shape)}")
    if not (integers and input.dtype.kind in "iu"):
        _same_float(op, input)
    K = _ntuple(kernel_size, nd, "kernel_size", op)
    S = K if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _ntuple(stride, nd, "stride",
                                                                                               op)
    P, D = _ntuple(padding, nd, "padding", op), _ntuple(dilation, nd, "dilation", op)
    for name, v in (("kernel_size", K), ("stride", S), ("dilation", D)):
        if min(v) < 1:
            raise RuntimeError(f"{op}: {name} must be greater than zero, but got {name}={_show(v)} for input "
                               f"{input.shape}")
    reach = tuple(d * (k - 1) + 1 for k, d in zip(K, D))
    if min(P) < 0 or any(p > r // 2 for p, r in zip(P, reach)):
        raise RuntimeError(f"{op}: pad should be non-negative and at most half of effective kernel size, but got "
                           f"pad={_show(P)}, kernel_size={_show(K)} and dilation={_show(D)}")
    size = input.shape[-nd:]
    out, pads = [], []
    for n, r, s, p in zip(size, reach, S, P):
        span = n + 2 * p - r
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1
        out.append(o)
        pads.append((p, max(p, (o - 1) * s + r - n - p)))
    if min(out) < 1:
        raise RuntimeError(f"{op}: input {input.shape} is too small: calculated output size {tuple(out)} "
                           f"(kernel_size {_show(K)}, stride {_show(S)}, padding {_show(P)}, dilation {_show(D)})")
    batched = input.ndim == nd + 2
    return (input if batched else input.unsqueeze(0)), batched, K, S, tuple(pads), D


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, batched, K, S, pads, D = _pool_setup(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
                                            integers=True)
    if x.shape[0] == 0:  # no images (_pool_setup refuses every other empty dim): as convolutions do
        return _on_empty_batch(lambda one: _max_pool(op, nd, one, kernel_size, stride, padding, dilation, ceil_mode,
                                                     return_indices), x)
    if not return_indices:
        y = C.MaxPoolNd.apply(x, kernel=K, stride=S, pad=pads, dilation=D)
        return (y if batched else y.squeeze(0))._named(_POOL_NAMES["MaxPool", nd])
    if x.requires_grad and is_grad_enabled():  # the graph node keeps the winners
        y = C.MaxPoolNd.apply(x, kernel=K, stride=S, pad=pads, dilation=D)
        ctx = y._ctx
    else:  # no graph: run the op once by hand, to keep its winners
        ctx = C.MaxPoolNd()
        y = Tensor._wrap(ctx.forward(x._data, kernel=K, stride=S, pad=pads, dilation=D))
    idx = Tensor._wrap(ctx.indices(x.shape[2:]))
    y = (y if batched else y.squeeze(0))._named(_POOL_NAMES["MaxPool", nd])
    return y, (idx if batched else idx.squeeze(0))


# torch's grad_fn name for a pool's output, as print(y) shows it: its 1-D pools run the 2-D kernel on an unsqueezed
# input and squeeze the result; its 2-D and 3-D ones take unbatched input natively
_POOL_NAMES = {("MaxPool", 1): "SqueezeBackward1", ("AvgPool", 1): "SqueezeBackward1",
               ("MaxPool", 2): "MaxPool2DWithIndicesBackward0", ("AvgPool", 2): "AvgPool2DBackward0",
               ("MaxPool", 3): "MaxPool3DWithIndicesBackward0", ("AvgPool", 3): "AvgPool3DBackward0"}


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """(N, C, L) or (C, L): the max of each window; return_indices adds each max's position in L."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """(N, C, H, W) or (C, H, W): the max of each window; return_indices adds each max's flat index h * W + w."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """(N, C, D, H, W) or (C, D, H, W): the max of each window; return_indices adds each max's flat index
    (d * H + h) * W + w."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    if nd == 3 and isinstance(input, Tensor) and input.ndim in (4, 5):  # torch's avg_pool3d checks the unpadded input
        K, size = _ntuple(kernel_size, nd, "kernel_size", op), input.shape[-3:]
        if any(n < k for n, k in zip(size, K)):
            raise RuntimeError(f"{op}: input {input.shape} is too small: input image (T: {size[0]} H: {size[1]} "
                               f"W: {size[2]}) smaller than kernel size (kT: {K[0]} kH: {K[1]} kW: {K[2]})")
    if isinstance(input, Tensor) and input._data.dtype.kind == "V":  # bfloat16: window sums in float32, as torch
        return _avg_pool(op, nd, input.float(), kernel_size, stride, padding, ceil_mode, count_include_pad,
                         divisor_override).to(input.dtype)  # (numpy sums bfloat16 in bfloat16)
    if isinstance(input, Tensor) and input._data.dtype == np.int64:  # torch: each window's integer sum divided by
        return _avg_pool(op, nd, input.double(), kernel_size, stride, padding, ceil_mode, count_include_pad,
                         divisor_override).trunc().long()  # the divisor, truncated toward zero (C++'s division)
    x, batched, K, S, pads, _ = _pool_setup(op, nd, input, kernel_size, stride, padding, 1, ceil_mode)
    P = tuple(lo for lo, _ in pads)
    if divisor_override is not None:
        if not divisor_override:
            raise RuntimeError(f"{op}: divisor_override must be non-zero")
        divisor = float(divisor_override)
    elif all(hi == lo for lo, hi in pads) and (count_include_pad or not any(P)):
        divisor = float(math.prod(K))  # every window lies wholly in what it counts
    else:  # per window: how many of its elements count (the padded input, or only the real one)
        size = x.shape[2:]
        mask = np.zeros(tuple(n + lo + hi for n, (lo, hi) in zip(size, pads)), x.dtype)
        region = tuple(slice(0, n + 2 * p) if count_include_pad else slice(p, p + n) for n, p in zip(size, P))
        mask[region] = 1
        divisor = on_device_of(x._data, C.window_sums(mask[None, None], K, S)[0, 0])
    y = C.AvgPoolNd.apply(x, kernel=K, stride=S, pad=pads, divisor=divisor)
    return (y if batched else y.squeeze(0))._named(_POOL_NAMES["AvgPool", nd])


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """(N, C, D, H, W) or (C, D, H, W): the mean of each window."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def _adaptive_matrix(n, out, dtype):
    """(out, n): row i averages x[floor(i n / out) : ceil((i + 1) n / out)], torch's adaptive windows."""
    i, j = np.arange(out)[:, None], np.arange(n)
    start, end = (i * n) // out, -((-(i + 1) * n) // out)
    return ((j >= start) & (j < end)) / (end - start).astype(dtype)


def _adaptive_avg_pool(op, nd, input, output_size):
    sizes = _adaptive_sizes(op, nd, input, output_size)
    _same_float(op, input)
    # separable: y = A_h x A_w^T with one averaging matrix per spatial dim (exact for uneven windows too). A GEMM
    # would spread an inf or nan over every output (inf * 0 is nan), so such inputs take each window's own mean.
    finite = bool(xp_of(input._data).isfinite(input._data).all())
    y = input
    for i, (n, o) in enumerate(zip(input.shape[-nd:], sizes)):
        if not finite:
            dim = input.ndim - nd + i
            starts, ends = [(k * n) // o for k in range(o)], [-((-(k + 1) * n) // o) for k in range(o)]
            with np.errstate(invalid="ignore"):  # inf - inf in a window is nan, as torch's, without a warning
                y = cat([y.narrow(dim, a, b - a).mean(dim, keepdim=True) for a, b in zip(starts, ends)], dim)
            continue
        a = Tensor._wrap(on_device_of(input._data, _adaptive_matrix(n, o, input.dtype).astype(input.dtype)))
        dim = i - nd  # the spatial dim this matrix averages over, taken to the end for the GEMM and back
        y = y @ a.T if dim == -1 else (y.transpose(dim, -1) @ a.T).transpose(dim, -1)
    return y._named(_adaptive_name("AdaptiveAvgPool", nd, sizes))


def _adaptive_name(op, nd, sizes):
    """torch's grad_fn name for an adaptive pool's output: its 1-D pools squeeze a 2-D one's result, and its 2-D and
    3-D averages to one element are a mean"""
    if nd == 1:
        return "SqueezeBackward1"
    if op == "AdaptiveAvgPool" and all(s == 1 for s in sizes):
        return "MeanBackward1"
    return f"{op}{nd}DBackward0"


def adaptive_avg_pool1d(input, output_size):
    """(N, C, L) -> (N, C, output_size), each output the mean of its window [floor(i L/o), ceil((i+1) L/o))."""
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """(N, C, H, W) -> (N, C, *output_size); None in output_size keeps that input size."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """(N, C, D, H, W) -> (N, C, *output_size); None in output_size keeps that input size."""
    return _adaptive_avg_pool("adaptive_avg_pool3d", 3, input, output_size)



def _adaptive_sizes(op, nd, input, output_size):
    """Checked output sizes (None keeps that input size) for an adaptive pool over a non-empty (N, C, *S)."""
    _t(input, op)
    if input.ndim not in (nd + 1, nd + 2) or 0 in input.shape[-nd:]:
        raise RuntimeError(f"{op}: expected {nd + 1}-D or {nd + 2}-D input (N, C, {_SPATIAL[nd]}) with non-zero "
                           f"sizes, got shape {input.shape}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) != nd:
        raise RuntimeError(f"{op}: output_size must be an int or a tuple of {nd}, got {output_size!r}")
    sizes = tuple(n if o is None else int(o) for o, n in zip(sizes, input.shape[-nd:]))
    if min(sizes) < 0:
        raise RuntimeError(f"{op}: output_size must be non-negative, got {output_size!r}")
    return sizes


def _adaptive_taps(n, out):
    """(out, kmax): the input positions of each window [floor(i n / out), ceil((i + 1) n / out)), the shorter
    windows padded by repeating their last position (a repeat never changes a max nor its first position)."""
    i = np.arange(out)
    start, end = (i * n) // out, -((-(i + 1) * n) // out)
    kmax = int((end - start).max()) if out else 1
    return np.minimum(start[:, None] + np.arange(kmax), end[:, None] - 1)


def _adaptive_max_pool(op, nd, input, output_size, return_indices):
    sizes = _adaptive_sizes(op, nd, input, output_size)
    _same_float(op, input)
    S = input.shape[-nd:]
    name = _adaptive_name("AdaptiveMaxPool", nd, sizes)
    if all(o and n % o == 0 for n, o in zip(S, sizes)):  # equal windows side by side: a plain max pool (kernels)
        k = tuple(n // o for n, o in zip(S, sizes))
        out = _max_pool(op, nd, input, k, k, 0, 1, False, return_indices)
        return (out[0]._named(name), out[1]) if return_indices else out._named(name)
    flat = np.zeros((1,) * (2 * nd), np.int64)  # (*out, *taps): the flat input position of each window tap
    for i, (n, o) in enumerate(zip(S, sizes)):
        taps = _adaptive_taps(n, o)
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = taps.shape
        flat = flat * n + taps.reshape(shape)
    flat = flat.reshape(sizes + (math.prod(flat.shape[nd:]),))
    lead = input.shape[:-nd]
    xp, flat = xp_of(input._data), on_device_of(input._data, flat)
    vals = input._data.reshape(lead + (math.prod(S),))[..., flat]  # (*lead, *out, taps)
    arg = vals.argmax(-1)
    nan = xp.isnan(vals)
    if nan.any():  # torch's max keeps the last NaN of a window
        arg = xp.where(nan.any(-1), nan.shape[-1] - 1 - nan[..., ::-1].argmax(-1), arg)
    idx_t = Tensor._wrap(xp.take_along_axis(xp.broadcast_to(flat, vals.shape), arg[..., None], -1)[..., 0])
    y = input.flatten(-nd).gather(-1, idx_t.flatten(-nd)).reshape(lead + sizes)._named(name)
    return (y, idx_t) if return_indices else y


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """(N, C, L) -> (N, C, output_size): the max of each window [floor(i L/o), ceil((i+1) L/o))."""
    return _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """(N, C, H, W) -> (N, C, *output_size); return_indices adds each max's flat index h * W + w."""
    return _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """(N, C, D, H, W) -> (N, C, *output_size); return_indices adds each max's flat index (d * H + h) * W + w."""
    return _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size, return_indices)


def _lp_pool(op, nd, input, norm_type, kernel_size, stride, ceil_mode):
    """(sum over each window of x^p)^(1/p), as torch: p-th root of kernel_size * avg_pool(x^p)."""
    _t(input, op)
    if not norm_type:
        raise ValueError(f"{op}: norm_type must be non-zero, got {norm_type!r}")
    K = _ntuple(kernel_size, nd, "kernel_size", op)
    if math.isinf(norm_type):  # the limits: the window's max |x| (p = inf) or min |x| (p = -inf), as torch
        mp = (max_pool1d, max_pool2d, max_pool3d)[nd - 1]
        sign = 1 if norm_type > 0 else -1
        return sign * mp(sign * input.abs(), K, stride if stride is not None else K, 0, 1, ceil_mode)
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    out = pool(input.pow(norm_type), K, stride if stride is not None else K, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(math.prod(K)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(N, C, L) -> (N, C, L_out): the norm_type-norm of each window."""
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(N, C, H, W) -> (N, C, H_out, W_out): the norm_type-norm of each window."""
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(N, C, D, H, W) -> (N, C, D_out, H_out, W_out): the norm_type-norm of each window."""
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


# ---- normalisation and channel dropout -----------------------------------------------------------------
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over groups of C / num_groups channels (and all spatial positions), then the
    per-channel affine weight, bias."""
    _t(input, "group_norm")
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected at least 2-D input (N, C, ...), got shape {input.shape}")
    N, Cin = input.shape[:2]
    if num_groups < 1 or Cin % num_groups:
        raise RuntimeError(f"group_norm: expected the number of channels in input {input.shape} ({Cin}) to be "
                           f"divisible by num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and p.shape != (Cin,):
            raise RuntimeError(f"group_norm: {name} shape {p.shape} doesn't match {Cin} channels of input "
                               f"{input.shape}")
    # bfloat16, or float32 parameters: in float32, rounded once, as torch (numpy sums bfloat16 in bfloat16)
    if _mixed_norm("group_norm", input, weight, bias) or input._data.dtype.kind == "V":
        wb = [None if p is None else p.float() for p in (weight, bias)]
        return group_norm(input.float(), num_groups, *wb, eps=eps).to(input.dtype)
    params = [p for p in (weight, bias) if p is not None]
    return GroupNorm.apply(input, *params, groups=num_groups, eps=eps, has_w=weight is not None,
                           has_b=bias is not None)


def _channel_dropout(op, nd, input, p, training):
    """Zero whole channels with probability p (scaling the rest by 1 / (1 - p)); one mask per (sample, channel)."""
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    _t(input, op)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected {nd + 1}-D or {nd + 2}-D input (N, C, {_SPATIAL[nd]}), got shape "
                           f"{input.shape}")
    if not training or p == 0:
        return input
    lead = 2 if input.ndim == nd + 2 else 1
    t = np.dtype(input.dtype).type
    if p == 1:  # torch zeroes without a draw, so the random stream doesn't move
        m = np.zeros(input.shape[:lead], t)
    else:
        keep = gen_of(None).bernoulli(math.prod(input.shape[:lead]), 1 - p).reshape(input.shape[:lead])
        m = dropout_noise(keep, p, np.dtype(t))  # torch's noise, as dropout's
    m = m.reshape(input.shape[:lead] + (1,) * (input.ndim - lead))
    return input * Tensor._wrap(on_device_of(input._data, m))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """(N, C, L) or (C, L): each channel zeroed with probability p."""
    out = _channel_dropout("dropout1d", 1, input, p, training)
    return input.copy_(out) if inplace and out is not input else out  # inplace: into input's memory, as torch


def dropout2d(input, p=0.5, training=True, inplace=False):
    """(N, C, H, W): each channel zeroed with probability p. A 3-D input is taken as (N, C, L), as torch does."""
    if isinstance(input, Tensor) and input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim.")
        out = _channel_dropout("dropout2d", 1, input, p, training)
    else:
        out = _channel_dropout("dropout2d", 2, input, p, training)
    return input.copy_(out) if inplace and out is not input else out  # inplace: into input's memory, as torch


def dropout3d(input, p=0.5, training=True, inplace=False):
    """(N, C, D, H, W) or (C, D, H, W): each channel zeroed with probability p. Any other rank warns, as torch's,
    and is taken as unbatched (one draw per index of its first dim)."""
    if isinstance(input, Tensor) and input.ndim not in (4, 5) and input.ndim >= 1:
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on "
                      "inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", stacklevel=2)
        out = _channel_dropout("dropout3d", input.ndim - 1, input, p, training)
    else:
        out = _channel_dropout("dropout3d", 3, input, p, training)
    return input.copy_(out) if inplace and out is not input else out  # inplace: into input's memory, as torch
