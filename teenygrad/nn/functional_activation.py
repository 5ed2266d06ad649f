"""teenygrad.nn.functional's further activations (re-exported there): mish, hardswish, hardsigmoid, selu, celu,
prelu, rrelu, glu, softsign, tanhshrink, threshold, softshrink, hardshrink. Each is a short composite of
differentiable Tensor ops whose gradient matches torch's, kinks included (checked in tests/test_nn_act_loss.py);
the argument checks live here and name the op and the offending values."""
import math
import numpy as np
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor, _check_same_device
from ..ops import nn as N
from ..tensor_ops import where as _where
from .._arrays import on_device_of
from ..random import gen_of
from ._checks import _t, _same_float
from ..autograd.grad_mode import is_grad_enabled


def _torch_named(out, name, input):
    """out, its graph node showing torch's name for the op (print(y) reads grad_fn=<MishBackward0>, as torch's one
    kernel, not the last of the ops teenygrad composed it from); never the input's own node."""
    return out if out is input else out._named(name)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float(input, op):
    if not dt.is_floating(_t(input, op).dtype):  # torch: not implemented for integer tensors
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype} of shape {input.shape}")
    return input


def _inplace_source(input):
    """What an inplace=True activation computes from. A graph tensor: a stand-in for its old value (Tensor's `_` ops
    read one, tensor_inplace._pre_inplace), so that _into stamps the write and backward refuses the ops that saved
    the old value, as torch does. Anything else is written without a graph (and stamped): input itself, no copy."""
    return input._pre_inplace() if input._ctx is not None and is_grad_enabled() else input


def _into(input, out, op):
    """inplace=True: out, computed from _inplace_source(input), goes into input's own memory (autograd-aware, as
    nn.functional's _write_back)."""
    return input._inplace(out, op)


def mish(input, inplace=False):
    """x tanh(softplus(x))."""
    _float(input, "mish")
    x = _inplace_source(input) if inplace else input
    out = _torch_named(x * x.softplus().tanh(), "MishBackward0", x)
    return _into(input, out, "mish_") if inplace else out


def hardsigmoid(input, inplace=False):
    """clip(x + 3, 0, 6) / 6; the gradient is 1/6 strictly inside (-3, 3), 0 elsewhere (torch's)."""
    _float(input, "hardsigmoid")
    x = _inplace_source(input) if inplace else input
    if x.dtype.itemsize == 2:  # float16 / bfloat16: in float32, rounded once, as torch (a bfloat16 2.98 + 3 is 6)
        out = (N.Hardtanh.apply(x.float() + 3, lo=0, hi=6) / 6).to(x.dtype)
    else:
        out = N.Hardtanh.apply(x + 3, lo=0, hi=6) / 6
    out = _torch_named(out, "HardsigmoidBackward0", x)
    return _into(input, out, "hardsigmoid_") if inplace else out


def hardswish(input, inplace=False):
    """x clip(x + 3, 0, 6) / 6; the gradient is x/3 + 1/2 strictly inside (-3, 3), 0 below, 1 above (torch's)."""
    _float(input, "hardswish")
    x = _inplace_source(input) if inplace else input
    out = N.Hardswish.apply(x)
    return _into(input, out, "hardswish_") if inplace else out


def selu(input, inplace=False):
    """scale * elu(x, alpha) with torch's fixed alpha and scale (self-normalising)."""
    _float(input, "selu")
    x = _inplace_source(input) if inplace else input
    out = _torch_named(N.ELU.apply(x, alpha=_SELU_ALPHA) * _SELU_SCALE, "EluBackward0", x)  # torch: elu(scale=...)
    return _into(input, out, "selu_") if inplace else out


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1))."""
    _float(input, "celu")
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError: alpha cannot be 0 for CELU")
    # the exp branch sees min(x, 0) only: e^(x/alpha) of a large x would overflow (and 0 * inf make a nan gradient)
    x = _inplace_source(input) if inplace else input
    out = _torch_named(_where(x > 0, x, (x.clamp(max=0) / alpha).expm1() * alpha), "CeluBackward0", x)
    return _into(input, out, "celu_") if inplace else out


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def prelu(input, weight):
    """max(0, x) + w min(0, x) with a learnable slope w: one for all, or one per channel (input dim 1)."""
    _float(input, "prelu")
    _t(weight, "prelu", "weight")
    _check_same_device(input, weight, "prelu")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: expected weight to be a scalar or 1-D tensor, got shape {weight.shape}")
    _same_float("prelu", input, weight)  # torch: type promoting not supported
    n = weight.numel()
    if n == 1:
        w = weight.reshape(())  # one slope: a 0-d input stays 0-d
    else:
        if input.ndim == 0:
            raise RuntimeError(f"prelu: a 0-d input takes one slope, got weight of shape {weight.shape}")
        channels = input.shape[1] if input.ndim > 1 else 1
        if n != channels:
            raise RuntimeError(f"prelu: weight has {n} slopes but the input {input.shape} has {channels} channels "
                               "(dim 1)")
        w = weight.reshape((1, n) + (1,) * (input.ndim - 2))
    return _torch_named(_where(input > 0, input, input * w), "PreluKernelBackward0", input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomised leaky ReLU: in training, each x <= 0 is scaled by its own slope ~ U(lower, upper) (drawn from
    the default generator); in eval, by the mean slope (lower + upper) / 2, deterministically."""
    _float(input, "rrelu")
    if lower > upper:
        raise RuntimeError(f"rrelu: lower bound ({lower}) should be less than or equal to the upper bound ({upper})")
    x = _inplace_source(input) if inplace else input
    if training:
        # torch draws one double U(lower, upper) per element <= 0, in order; the others keep slope 1. The bounds,
        # the slopes and the product are in its opmath type: float32 for half and bfloat16, rounded once at the end
        neg = (input._data <= 0) if type(input._data) is np.ndarray else (input._data <= 0).get()
        t = np.float64 if input.dtype == np.float64 else np.float32
        slopes = np.ones(input.shape, t)
        slopes[neg] = gen_of(None).uniform_double(int(neg.sum()), float(t(lower)), float(t(upper)))
        r = Tensor._wrap(on_device_of(input._data, slopes))
        scaled = x * r if r.dtype == input.dtype else (x.to(r.dtype) * r).to(input.dtype)
        out = _where(x <= 0, scaled, x)
    else:
        out = _where(x > 0, x, x * ((lower + upper) / 2))
    out = _torch_named(out, "RreluWithNoiseBackward0", x)
    return _into(input, out, "rrelu_") if inplace else out


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def glu(input, dim=-1):
    """a sigmoid(b), where a and b are the two halves of input along dim."""
    _float(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu: does not support scalars (0-d input) because halving size must be even")
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for an input of shape {input.shape} (expected to be in "
                         f"range of [{-input.ndim}, {input.ndim - 1}])")
    if input.shape[dim] % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dim {dim} of input {input.shape} has size "
                           f"{input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return _torch_named(a * b.sigmoid(), "GluBackward0", input)


def softsign(input):
    """x / (1 + |x|)."""
    return _t(input, "softsign") / (input.abs() + 1)


def tanhshrink(input):
    """x - tanh(x)."""
    return _t(input, "tanhshrink") - input.tanh()


def _threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value; the gradient flows where x > threshold."""
    _t(input, "threshold")
    if not dt.is_floating(input.dtype):  # torch casts both to the input's integer type (truncating)
        threshold, value = math.trunc(threshold), math.trunc(value)
    x = _inplace_source(input) if inplace else input
    out = _torch_named(_where(x <= threshold, value, x), "ThresholdBackward0", x)  # NaN is kept, as torch
    return _into(input, out, "threshold_") if inplace else out


threshold = _threshold  # as torch: the argument named threshold shadows the function inside it


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, inplace=True)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between; the gradient is 1 outside [-lambd, lambd]."""
    _float(input, "softshrink")
    if not lambd >= 0:
        raise RuntimeError(f"softshrink: lambd must be >= 0, but found to be {lambd}")
    # between: x * 0, not 0, so that NaN stays NaN (as torch); its gradient is 0 all the same
    out = _where(input > lambd, input - lambd, _where(input < -lambd, input + lambd, input * 0))
    return _torch_named(out, "SoftshrinkBackward0", input)


def hardshrink(input, lambd=0.5):
    """x outside [-lambd, lambd], 0 inside."""
    _float(input, "hardshrink")
    out = _where((input >= -lambd) & (input <= lambd), 0.0, input)  # NaN is kept, as torch
    return _torch_named(out, "HardshrinkBackward0", input)


def softmax2d(input):
    """softmax over the channels of (N, C, H, W) or (C, H, W): dim -3 (nn.Softmax2d's function)."""
    if _t(input, "Softmax2d").ndim not in (3, 4):
        raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead (shape {input.shape})")
    return input.softmax(-3)

