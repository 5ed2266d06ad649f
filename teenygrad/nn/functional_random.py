"""teenygrad.nn.functional's sampling layers beyond plain dropout: gumbel_softmax, alpha_dropout and
feature_alpha_dropout (re-exported there). Each draws exactly what torch's CPU implementation draws, in the same
order, so after the same manual_seed the values are torch's (gumbel_softmax in torch/nn/functional.py; the alpha
dropouts in aten/src/ATen/native/Dropout.cpp, _dropout_impl)."""
import math
import warnings
import numpy as np
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor
from ..creation import empty, zeros_like
from .._arrays import on_device_of
from ..random import gen_of, draw_like
from ._checks import _t
from .functional_activation import _inplace_source

_SELU_ALPHA = 1.7580993408473766  # -SELU's negative saturation (scale * alpha): where a dropped unit goes


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) over dim with g ~ Gumbel(0, 1) = -log(Exp(1)). hard: the one-hot of its argmax
    in the forward, the soft sample's gradient in the backward (straight-through: y_hard - y_soft.detach() + y_soft)."""
    _t(logits, "gumbel_softmax", "logits")
    if not dt.is_floating(logits.dtype):
        raise RuntimeError(f"gumbel_softmax: expected floating point logits, got {logits.dtype} of shape "
                           f"{logits.shape}")
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    # a fresh C-ordered tensor whatever logits' layout (torch's legacy_contiguous_format here): drawn in C order
    gumbels = -empty(logits.shape, dtype=logits.dtype, device=logits.device).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def _alpha_dropout(op, input, p, training, inplace, feature):
    """torch's _dropout_impl with alpha=True: keep ~ Bernoulli(1 - p) (per element, or per (sample, channel) for
    feature), a = 1 / sqrt((alpha^2 p + 1)(1 - p)), b = (keep - 1) alpha a + alpha a p; y = x (keep a) + b, which
    keeps a SELU network's zero mean and unit variance. dx = dy keep a."""
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    _t(input, op)
    if p == 0 or not training or input.numel() == 0:  # before the rank check, as torch
        return input
    if feature and input.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the input, got shape "
                           f"{input.shape}")
    if not dt.is_floating(input.dtype):
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype} (the noise is scaled by "
                           f"a float)")
    x = _inplace_source(input) if inplace else input
    if p == 1:
        out = x * 0
    else:
        t = np.dtype(input.dtype).type
        g = gen_of(None)
        if feature:  # one draw per (sample, channel), in a fresh contiguous (N, C, 1, ...) tensor
            shape = input.shape[:2] + (1,) * (input.ndim - 2)
            keep = g.bernoulli(math.prod(shape), 1 - p).reshape(shape)
        else:  # empty_like(input): laid out (and so drawn) like input's memory
            keep = draw_like(input.shape, input._data.strides, lambda n: g.bernoulli(n, 1 - p))
        keep = keep.astype(t)
        a = 1 / math.sqrt((_SELU_ALPHA ** 2 * p + 1) * (1 - p))
        b = (keep - t(1)) * t(_SELU_ALPHA * a) + t(_SELU_ALPHA * a * p)  # torch's in-place steps, in x's dtype
        noise = keep * t(a)
        out = x * Tensor._wrap(on_device_of(input._data, noise)) + Tensor._wrap(on_device_of(input._data, b))
    return input._inplace(out, "inplace") if inplace else out


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: each element set to SELU's saturation value with probability p, then an
    affine map that keeps zero mean and unit variance. Note torch's default training=False."""
    return _alpha_dropout("alpha_dropout", input, p, training, inplace, feature=False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels: one draw per (sample, channel) of an (N, C, ...) input."""
    return _alpha_dropout("feature_alpha_dropout", input, p, training, inplace, feature=True)
