"""teenygrad.nn.functional: torch.nn.functional's names. Argument checks live here (errors name the op
and the shapes); the heavy composites are single fused nodes from teenygrad.ops.nn. Convolution, pooling,
group norm and channel dropout live in functional_conv.py (im2col ops in teenygrad.ops.conv), the losses in
functional_loss.py; both are imported below."""
import math
import numbers
import warnings
import numpy as np
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor, _check_same_device
from ..ops import nn as N
from ..ops import activation as A
from .._arrays import on_device_of, xp_of, half_on_host
from ..random import gen_of
from ..random_device import device_dropout_noise
from ..autograd.grad_mode import is_grad_enabled, _state as _gstate
from ..backend.cpu import fused_for
from ..tensor_misc import finfo as _finfo
from ..tensor_ops import one_hot as _one_hot, where as _where, einsum as _einsum
from ._checks import _t, _same_float, _mixed_norm, DtypeError
from .functional_conv import (conv1d, conv2d, max_pool1d, max_pool2d, avg_pool1d, avg_pool2d,  # noqa: F401
                              adaptive_avg_pool1d, adaptive_avg_pool2d, group_norm, dropout1d, dropout2d)
from .functional_loss import (cross_entropy, nll_loss, mse_loss, l1_loss, smooth_l1_loss, huber_loss,  # noqa: F401
                              binary_cross_entropy, binary_cross_entropy_with_logits, kl_div, _legacy_reduction)
from .functional_conv import (conv_transpose1d, conv_transpose2d, adaptive_max_pool1d,  # noqa: F401
                              adaptive_max_pool2d, lp_pool1d, lp_pool2d)
from .functional_conv import (conv3d, conv_transpose3d, max_pool3d, avg_pool3d, adaptive_avg_pool3d,  # noqa: F401
                              adaptive_max_pool3d, lp_pool3d, dropout3d)
from .functional_spatial import (unfold, fold, interpolate, upsample, upsample_nearest, upsample_bilinear,  # noqa: F401
                                 pixel_shuffle, pixel_unshuffle, channel_shuffle, instance_norm, local_response_norm,
                                 native_channel_shuffle, conv_tbc)
from .functional_activation import (mish, hardswish, hardsigmoid, selu, selu_, celu, celu_, prelu, rrelu,  # noqa: F401
                                    rrelu_, glu, softsign, tanhshrink, threshold, threshold_, softshrink, hardshrink)
from .functional_activation import _inplace_source
from .functional_margin import (poisson_nll_loss, gaussian_nll_loss, margin_ranking_loss,  # noqa: F401
                                hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss,
                                multilabel_margin_loss, multi_margin_loss, cosine_embedding_loss,
                                triplet_margin_loss, triplet_margin_with_distance_loss)
from .functional_sparse import embedding_bag  # noqa: F401
from .functional_ctc import ctc_loss  # noqa: F401
from .functional_random import gumbel_softmax, alpha_dropout, feature_alpha_dropout  # noqa: F401
from .functional_grid import affine_grid, grid_sample  # noqa: F401
from .functional_unpool import (max_pool1d_with_indices, max_pool2d_with_indices, max_unpool1d,  # noqa: F401
                                max_unpool2d, max_pool3d_with_indices, max_unpool3d)

_INT64, _INT32 = np.dtype(np.int64), np.dtype(np.int32)  # compared with an array's dtype on the hot path (ids)


# ---- linear / embedding ---------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """y = x W^T + b with x (..., in), W (out, in), b (out,)."""
    if isinstance(input, Tensor) and isinstance(weight, Tensor):
        # the hot case (every nn.Linear call), checked on the arrays: each Tensor property costs a call
        x, w = input._data, weight._data
        dtype = x.dtype
        if (w.ndim == 2 and x.ndim >= 2 and x.shape[-1] == w.shape[1] and w.dtype is dtype and dtype.kind == "f"
                and type(w) is type(x)):
            if bias is None:
                if not _gstate["enabled"] or not (input._requires_grad or weight._requires_grad):
                    return Tensor._wrap(N.linear_forward(x, w))  # nothing to record: Linear's forward alone
                return N.Linear.apply(input, weight)
            b = getattr(bias, "_data", None)  # not a Tensor: the checks below say so
            if b is not None and b.shape == (w.shape[0],) and b.dtype is dtype and type(b) is type(x):
                if not _gstate["enabled"] or not (input._requires_grad or weight._requires_grad
                                                  or bias._requires_grad):
                    return Tensor._wrap(N.linear_forward(x, w, b))
                return N.Linear.apply(input, weight, bias)
    _t(input, "linear")  # anything else: the checks below say what is wrong (or that nothing is)
    _t(weight, "linear", "weight")
    if bias is not None:
        _t(bias, "linear", "bias")
    if weight.ndim == 1 and bias is None and input.ndim >= 1 and input.shape[-1] == weight.shape[0]:
        _same_float("linear", input, weight, complex_ok=True)
        return input @ weight  # torch allows a 1-D weight (without bias): the out dim is dropped
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"linear: input shape {input.shape} doesn't match weight shape {weight.shape} "
                           f"(expected last dim {weight.shape[1] if weight.ndim == 2 else '?'})")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise RuntimeError(f"linear: bias shape {bias.shape} doesn't match weight shape {weight.shape}")
    _same_float("linear", input, weight, bias, complex_ok=True)
    if input.ndim == 1:
        return linear(input.reshape(1, -1), weight, bias).reshape(weight.shape[0])
    return N.Linear.apply(input, weight) if bias is None else N.Linear.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1^T W_o x2 + b_o."""
    named = [("input1", input1), ("input2", input2), ("weight", weight)] + ([("bias", bias)] if bias is not None else [])
    for name, t in named:
        _t(t, "bilinear", name)
    if len({t.dtype for _, t in named}) > 1:
        raise RuntimeError("bilinear: All tensors must have the same dtype, got "
                           + ", ".join(f"{name}: {t.dtype}" for name, t in named))
    y = _einsum("...i,oij,...j->...o", input1, weight, input2)
    return y + bias if bias is not None else y


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target): input (in,) or (N, in), linear_weight
    (C, *out_features, in). torch's options (LinearCrossEntropyOptions) only pick how to chunk the batch, so the
    values here are the reference path's whatever they say."""
    op = "linear_cross_entropy"
    _t(input, op)
    _t(linear_weight, op, "linear_weight")
    _t(target, op, "target")
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"{op}: expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"{op}: expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    batch, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"{op}: expected equal input and linear_weight last dimensions (in_features), got "
                           f"{in_features} and {linear_weight.shape[-1]}, respectively")
    C, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (C, *out_features):
        raise RuntimeError(f"{op}: expected linear_bias shape {(C, *out_features)}, got {tuple(linear_bias.shape)}")
    if out_features and not batch:
        raise RuntimeError(f"{op}: K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} "
                           f"requires batched input, (N, {in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batch, C, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError(f"{op}: ignore_index cannot be specified when target contains probabilities")
    if options is not None and (out_features or reduction not in ("mean", "sum", "none") or label_smoothing != 0.0
                                or target.dtype != dt.int64):
        warnings.warn(f"linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                      f"{{'mean','sum','none'}}, label_smoothing == 0, target.dtype == int64, out_features == (). Got "
                      f"reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={target.dtype}, "
                      f"out_features={out_features}, tracing=False, linear_bias.shape="
                      f"{None if linear_bias is None else tuple(linear_bias.shape)}.", stacklevel=2)
    if out_features:
        linear_weight = linear_weight.reshape(math.prod(out_features, start=C), in_features)
        linear_bias = None if linear_bias is None else linear_bias.reshape(-1)
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index, label_smoothing=label_smoothing)


_sparse_warned = [False]


def warn_dense_sparse(op):
    """sparse=True (Embedding, F.embedding): teenygrad has no sparse tensors, so the gradient is the dense
    equivalent of torch's sparse one (its .to_dense()), and the rows it touched are remembered for optim.SparseAdam;
    said once per process."""
    if not _sparse_warned[0]:
        _sparse_warned[0] = True
        warnings.warn(f"{op}: sparse=True gives a dense gradient in teenygrad (the values of torch's sparse "
                      "grad.to_dense()); SparseAdam updates only the rows it touched, other optimizers all rows",
                      UserWarning, stacklevel=3)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of weight (v, e) picked by integer ids of any shape -> (*ids.shape, e). With max_norm, the rows
    looked up whose norm_type-norm exceeds max_norm are first rescaled to it, in place in weight (as torch)."""
    _t(input, "embedding")
    if sparse:
        warn_dense_sparse("embedding")
    if input.dtype.kind not in "iu":
        raise DtypeError(f"embedding: expected integer indices (Long/Int), got {input.dtype} of shape {input.shape}")
    if input._data.dtype != _INT64 and input._data.dtype != _INT32:
        raise RuntimeError(f"embedding: Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {input.dtype} (shape {input.shape})")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got {weight.shape}")
    _check_same_device(input, weight, "embedding")
    idx = input._data
    v = weight.shape[0]
    # int64 ids in range need one reduction: viewed as unsigned, negative ids are huge too; else the full check
    if idx.size and (idx.dtype != _INT64 or idx.view(np.uint64).max() >= v) and (idx.min() < 0 or idx.max() >= v):
        bad = int(idx.max()) if idx.max() >= v else int(idx.min())
        raise IndexError(f"embedding: index {bad} is out of range for an embedding of {v} rows "
                         f"(input shape {input.shape})")
    if padding_idx is not None:
        if not -v <= padding_idx < v:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({v})")
        if padding_idx < 0:
            padding_idx += v
    if max_norm is not None:
        _embedding_renorm_(weight._data, idx, max_norm, norm_type)
        weight._mark_written()
    out = N.Embedding.apply(weight, idx=idx, padding_idx=padding_idx)
    if sparse:  # the rows its backward reaches, for optim.SparseAdam
        from .functional_sparse import record_sparse_rows
        record_sparse_rows(weight, out, idx.reshape(-1), padding_idx)
    if scale_grad_by_freq and out.requires_grad:  # each row's gradient divided by how often the batch names it
        xp = xp_of(idx)
        counts = xp.bincount(idx.ravel(), minlength=v)[idx].astype(weight.dtype)[..., None]
        out.register_hook(lambda g: g / counts)
    return out


def _embedding_renorm_(w, idx, max_norm, norm_type):
    """torch's embedding_renorm_: each looked-up row with norm > max_norm is scaled by max_norm / (norm + 1e-7),
    in place and outside the graph."""
    xp = xp_of(w)
    rows = xp.unique(idx)
    norms = xp.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] *= scale[:, None].astype(w.dtype)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool1d(input, output_size, True)  # (values, indices) whatever return_indices says, as torch


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool3d(input, output_size, True)


def one_hot(tensor, num_classes=-1):
    return _one_hot(tensor, num_classes)


# ---- normalisation --------------------------------------------------------------------------------
def _norm_shape(normalized_shape):
    return (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)


_LN_INFERENCE_MAX = 1 << 14  # up to here the kernel runs serially: LayerNorm.forward would not split it either


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if type(eps) is not float and not isinstance(eps, (numbers.Number, np.number, Tensor)):  # '1e-5' or [1e-5]
        raise TypeError(f"layer_norm: argument 'eps' must be float, not {type(eps).__name__} ({eps!r})")
    if (type(normalized_shape) is tuple and len(normalized_shape) == 1 and isinstance(input, Tensor)
            and isinstance(weight, Tensor) and isinstance(bias, Tensor)):
        # the hot case (nn.LayerNorm over the last dim, with weight and bias), checked on the arrays
        x, w, b = input._data, weight._data, bias._data
        dtype = x.dtype
        if (x.ndim >= 1 and x.shape[-1:] == normalized_shape == w.shape == b.shape and dtype.kind == "f"
                and dtype.itemsize >= 4 and w.dtype is dtype and b.dtype is dtype and type(w) is type(x) and type(b) is type(x)):
            if (x.size and x.size <= _LN_INFERENCE_MAX and not (_gstate["enabled"] and (
                    input._requires_grad or weight._requires_grad or bias._requires_grad))
                    and x.flags.c_contiguous and w.flags.c_contiguous and b.flags.c_contiguous):
                k = fused_for(x, w, b)
                if k is not None:  # nothing to record (a decode step's 9 norms of one row): the kernel alone
                    return Tensor._wrap(k.layer_norm_inference(x, w, b, eps))
            return N.LayerNorm.apply(input, weight, bias, k=1, eps=eps, has_w=True, has_b=True)
    _t(input, "layer_norm")  # anything else: the checks below say what is wrong (or that nothing is)
    ns = _norm_shape(normalized_shape)
    if input.shape[input.ndim - len(ns):] != ns or len(ns) > input.ndim:
        raise RuntimeError(f"layer_norm: input shape {input.shape} doesn't end in normalized_shape {ns}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and _t(p, "layer_norm", name).shape != ns:
            raise RuntimeError(f"layer_norm: {name} shape {p.shape} != normalized_shape {ns}")
    _mixed_norm("layer_norm", input, weight, bias)
    if input._data.itemsize == 2 and input._data.dtype.kind in "fV":  # float16/bfloat16: in float32, rounded once,
        f = [None if p is None else p.float() for p in (weight, bias)]  # as torch (both ways)
        return layer_norm(input.float(), normalized_shape, *f, eps=eps).to(input.dtype)
    params = [p for p in (weight, bias) if p is not None]
    return N.LayerNorm.apply(input, *params, k=len(ns), eps=eps, has_w=weight is not None, has_b=bias is not None)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    _t(input, "rms_norm")
    ns = _norm_shape(normalized_shape)
    if input.shape[input.ndim - len(ns):] != ns or len(ns) > input.ndim:
        raise RuntimeError(f"rms_norm: input shape {input.shape} doesn't end in normalized_shape {ns}")
    if weight is not None and weight.shape != ns:
        raise RuntimeError(f"rms_norm: weight shape {weight.shape} != normalized_shape {ns}")
    _same_float("rms_norm", input)
    if eps is None:  # torch's default: the eps of the dtype it computes in, float32 for float16 / bfloat16
        eps = _finfo("float32" if input.dtype.itemsize < 4 else input.dtype).eps
    if weight is not None and weight.dtype != input.dtype:  # torch: the product in the promoted dtype, rounded back
        _same_float("rms_norm", weight)
        return (rms_norm(input, normalized_shape, None, eps) * weight).to(input.dtype)
    return N.RMSNorm.apply(input, *([weight] if weight is not None else []), k=len(ns), eps=eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise over every axis but the channel axis 1. In training, batch statistics are used and the
    running buffers (if given) are updated in place: r = (1 - momentum) r + momentum * stat (unbiased var)."""
    _t(input, "batch_norm")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected at least 2-D input (N, C, ...), got shape {input.shape}")
    C = input.shape[1]
    for name, p in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if p is not None and p.shape != (C,):
            raise RuntimeError(f"batch_norm: {name} shape {p.shape} doesn't match {C} channels of input "
                               f"{input.shape}")
    mixed = _mixed_norm("batch_norm", input, running_mean, running_var, weight, bias)
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, C) + (1,) * (input.ndim - 2)
    if training and input.numel() == 0:  # torch: an empty y = x w + b (zero gradients for w, b); the buffers stay
        out = input * weight.reshape(shape) if weight is not None else input.clone()
        return out + bias.reshape(shape) if bias is not None else out
    if training and half_on_host(input._data):
        # float16 / bfloat16: the statistics, the output and the running buffers' update in float32, each rounded
        # once, as torch's kernels (numpy would sum in the narrow dtype: a bfloat16 sum of ones stalls at 256)
        r32 = [None if r is None else Tensor._wrap(r._data.astype(np.float32)) for r in (running_mean, running_var)]
        out = batch_norm(input.float(), r32[0], r32[1], None if weight is None else weight.float(),
                         None if bias is None else bias.float(), True, momentum, eps)
        for r, r_32 in zip((running_mean, running_var), r32):
            if r is not None:
                r._data[...] = r_32._data.astype(r._data.dtype)
        return out._cast(input.dtype)
    if training:
        count = input.numel() // C
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        affine = weight is not None
        zero_bias = Tensor._wrap(on_device_of(input._data, np.zeros(C, input.dtype))) if bias is None else None
        params = [weight, bias if bias is not None else zero_bias] if affine else []
        out = N.BatchNorm.apply(input, *params, axes=axes, eps=eps, shape=shape, has_w=affine)
        if running_mean is not None:
            ctx = out._ctx  # the node kept the batch statistics; without a graph, compute them again
            mean, var = _batch_stats(input._data, axes) if ctx is None else (ctx.mean, ctx.var)
            m = running_mean.dtype.type(momentum)
            running_mean._data *= 1 - m
            running_mean._data += m * mean.reshape(C)
            running_var._data *= 1 - m
            running_var._data += m * var.reshape(C) * running_var.dtype.type(count / (count - 1))
        if bias is not None and weight is None:
            out = out + bias.reshape(shape)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm: running_mean and running_var are needed when training=False")
    if mixed:  # a float16 / bfloat16 input with float32 statistics and parameters: in float32, rounded once
        return batch_norm(input.float(), running_mean, running_var, weight, bias, False, momentum, eps).to(input.dtype)
    # torch's inference form: y = x alpha + beta, alpha = w / sqrt(var + eps), beta = b - mean alpha, per channel
    # (two passes over x, not four, and torch's rounding)
    alpha = Tensor._wrap(1 / np.sqrt(running_var._data + running_var.dtype.type(eps)))
    if weight is not None:
        alpha = weight * alpha
    beta = -running_mean * alpha
    if bias is not None:
        beta = bias + beta
    return input * alpha.reshape(shape) + beta.reshape(shape)


def _batch_stats(x, axes):
    mu = x.mean(axis=axes, keepdims=True)
    return mu, ((x - mu) ** 2).mean(axis=axes, keepdims=True)


# ---- dropout and activations -----------------------------------------------------------------------
def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    if type(training) is not bool:  # torch's parser: 'no' or 0 would silently mean training=False
        raise TypeError(f"dropout(): argument 'training' must be bool, not {type(training).__name__} ({training!r})")
    if isinstance(p, Tensor):  # torch takes a 0-d tensor p as its number
        p = p.item()
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if not dt.is_floating(input.dtype):  # torch: the float mask can't be cast into an integer result
        raise RuntimeError(f"dropout: result type Float can't be cast to the input's {input.dtype} "
                           f"(dropout needs a floating point tensor)")
    gen = gen_of(generator) if p < 1 else None  # p == 1 draws nothing (as torch's): vmap's 'error' mode lets it run
    out = N.Dropout.apply(_inplace_source(input) if inplace else input, p=p, gen=gen)
    return _write_back(input, out) if inplace else out


def _write_back(input, out):
    """torch's inplace=True: the result goes into input's own memory (autograd-aware) and input is returned. Not
    copy_: out's op read and may have saved input's old value, which copy_ would stamp as overwritten after it.
    out computed from _inplace_source(input) is stamped as a write; out computed from input itself is not (that op
    reads input's node, which the stamp would make it refuse)."""
    return input._inplace(out, "inplace")


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _t(input, "softmax").softmax(_implicit_dim(input, dim, "softmax"), dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return softmax(-_t(input, "softmin"), _implicit_dim(input, dim, "softmin"), dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _t(input, "log_softmax").log_softmax(_implicit_dim(input, dim, "log_softmax"), dtype=dtype)


def _implicit_dim(x, dim, op):
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call to include dim=X as an "
                  "argument.", stacklevel=3)
    return 0 if x.ndim in (0, 1, 3) else 1  # torch's legacy choice when dim is omitted


def gelu(input, approximate="none"):
    return input.gelu(approximate=approximate)


def relu(input, inplace=False):
    return _write_back(input, _inplace_source(input).relu()) if inplace else input.relu()


def relu6(input, inplace=False):
    return hardtanh(input, 0, 6, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if not dt.is_floating(_t(input, "leaky_relu").dtype):  # torch: not implemented for integer tensors
        raise TypeError(f"leaky_relu: expected a floating point input, got {input.dtype}")
    if type(negative_slope) is not float and not isinstance(negative_slope, (numbers.Number, np.number, Tensor)):
        raise TypeError(f"leaky_relu: argument 'negative_slope' must be a number, not "
                        f"{type(negative_slope).__name__} ({negative_slope!r})")
    x = _inplace_source(input) if inplace else input
    out = A.LeakyRelu.apply(x, slope=float(negative_slope))
    return _write_back(input, out) if inplace else out


def elu(input, alpha=1.0, inplace=False):
    _t(input, "elu")
    if not dt.is_floating(input.dtype):
        raise TypeError(f"elu: expected a floating point input, got {input.dtype}")
    out = N.ELU.apply(_inplace_source(input), alpha=alpha, inplace=True) if inplace else N.ELU.apply(input, alpha=alpha)
    return _write_back(input, out) if inplace else out


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def silu(input, inplace=False):
    return _write_back(input, _inplace_source(input).silu()) if inplace else input.silu()


def softplus(input, beta=1.0, threshold=20.0):
    return input.softplus(beta, threshold)


def logsigmoid(input):
    return (-(-input).softplus())._named("LogSigmoidBackward0")  # torch's name, as print(y) shows it


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    _t(input, "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    x = _inplace_source(input) if inplace else input
    if not dt.is_floating(input.dtype):  # integers stay integers, as torch (the bounds truncated toward zero)
        out = x.clamp(int(min_val), int(max_val))
    else:
        out = N.Hardtanh.apply(x, lo=min_val, hi=max_val)
    return _write_back(input, out) if inplace else out


# torch's in-place spellings: F.relu_(x) is F.relu(x, inplace=True)
def relu_(input):
    return relu(input, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    return input / input.norm(p, dim, keepdim=True).clamp(min=eps)  # norm's gradient at 0 is 0, as torch's


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) over dim (x1 and x2 broadcast, their dtypes promoted)."""
    _t(x1, "cosine_similarity", "x1")
    _t(x2, "cosine_similarity", "x2")
    common = dt.result_type(x1.dtype, x1.ndim, x2.dtype, x2.ndim)
    if not dt.is_floating(common):
        raise RuntimeError(f"cosine_similarity: expected common dtype to be floating point, yet common dtype is "
                           f"{common} (x1 {x1.dtype}, x2 {x2.dtype})")
    x1, x2 = x1.to(common), x2.to(common)
    return (normalize(x1, 2, dim, eps) * normalize(x2, 2, dim, eps)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps over the last dim (eps keeps the gradient finite where x1 == x2)."""
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


def pdist(input, p=2):
    """The p-norm distances between the rows of a 2-D input, upper triangle flattened (teenygrad.pdist)."""
    from ..tensor_top_api import pdist as _pdist
    return _pdist(input, p)


# for each non-constant mode: output position i in [-lo, n + hi) of a dim of size n -> the input index it reads
def pad(input, pad, mode="constant", value=None):
    return _t(input, "pad").pad(pad, mode=mode, value=value)  # Tensor.pad: constant, reflect, replicate, circular


# ---- attention -------------------------------------------------------------------------------------
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False, generator=None):
    """softmax(q k^T * scale + mask) v over (..., L, E) queries and (..., S, E) keys / (..., S, Ev) values.
    attn_mask: bool (True = attend) or float (added to the scores), broadcastable to (..., L, S)."""
    if (attn_mask is None and dropout_p == 0 and not enable_gqa and isinstance(query, Tensor)
            and isinstance(key, Tensor) and isinstance(value, Tensor)):
        # the hot case (no mask, no dropout), checked on the arrays; anything else (or any doubt) takes the
        # checks below, which say what is wrong
        q, k, v = query._data, key._data, value._data
        dtype = q.dtype
        if (q.ndim >= 2 and q.ndim == k.ndim == v.ndim and q.shape[:-2] == k.shape[:-2] == v.shape[:-2]
                and q.shape[-1] == k.shape[-1] and k.shape[-2] == v.shape[-2]
                and dtype.kind == "f" and k.dtype is dtype and v.dtype is dtype
                and type(k) is type(q) and type(v) is type(q) and q.size and k.size and v.size
                and (dtype.itemsize > 2 or type(q) is not np.ndarray)):
            sc = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
            if not _gstate["enabled"] or not (query._requires_grad or key._requires_grad or value._requires_grad):
                return Tensor._wrap(N.attention_inference(q, k, v, is_causal, sc))  # nothing to record
            return N.ScaledDotProductAttention.apply(query, key, value, mask=None, causal=is_causal, scale=sc,
                                                     drop=None)
    q, k, v = query, key, value
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise RuntimeError(f"scaled_dot_product_attention: query/key/value must be at least 2-D, got "
                           f"{q.shape}, {k.shape}, {v.shape}")
    if enable_gqa:
        k, v = _repeat_kv_heads(q, k, v)
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: shapes don't fit: query {q.shape}, key {k.shape}, "
                           f"value {v.shape} (need query E == key E and key S == value S)")
    _same_float("scaled_dot_product_attention", q, k, v)
    float_mask = isinstance(attn_mask, Tensor) and dt.is_floating(attn_mask.dtype)
    if float_mask and attn_mask.dtype not in (np.float32, q.dtype):
        raise RuntimeError(f"scaled_dot_product_attention: a float attn_mask must be float32 or the query's dtype "
                           f"({q.dtype}), got {attn_mask.dtype}")
    a = q._data
    if half_on_host(a):  # in float32, rounded once at the end, as torch's CPU attention
        if isinstance(attn_mask, Tensor) and attn_mask.dtype != np.bool_:
            attn_mask = attn_mask.float()
        return scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask, dropout_p, is_causal, scale,
                                            False, generator)._cast(a.dtype)
    if not 0 <= dropout_p <= 1:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1], got {dropout_p}")
    L, S = q.shape[-2], k.shape[-2]
    mask = None
    if is_causal and attn_mask is not None:  # torch's CPU flash kernel applies both: the causal cut folded in
        if not isinstance(attn_mask, Tensor):
            attn_mask = Tensor._wrap(on_device_of(q._data, np.asarray(attn_mask)))
        if dropout_p > 0 or _sdpa_math_path(query, key, value, attn_mask):  # torch's math path refuses both
            raise RuntimeError(f"scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               f"is_causal=True (torch's math path: query {tuple(query.shape)}, key "
                               f"{tuple(key.shape)}, value {tuple(value.shape)}, attn_mask {tuple(attn_mask.shape)}, "
                               f"dropout_p {dropout_p})")
        keep = Tensor._wrap(on_device_of(q._data, np.tril(np.ones((L, S), np.bool_))))
        attn_mask = attn_mask & keep if attn_mask.dtype == np.bool_ else attn_mask.masked_fill(~keep, -math.inf)
        is_causal = False
    if is_causal:
        pass  # the op cuts the scores itself (no (L, S) mask to build and add)
    elif attn_mask is not None:
        m = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if m.dtype != np.bool_ and m.dtype.kind != "f":  # an int 0/1 mask would be added, not used as a mask
            raise TypeError(f"scaled_dot_product_attention: attn_mask must be bool (True = attend) or float "
                            f"(added to the scores), got {m.dtype}")
        try:
            scores = np.broadcast_shapes(q.shape[:-2], k.shape[:-2]) + (L, S)
            if np.broadcast_shapes(m.shape, scores) != scores:
                raise ValueError  # a mask of more dims, or longer ones, would grow the output
        except ValueError:
            raise RuntimeError(f"scaled_dot_product_attention: attn_mask shape {m.shape} can't be broadcast to "
                               f"the scores' shape (query {q.shape}, key {k.shape})") from None
        if m.dtype != np.bool_ and attn_mask.requires_grad and is_grad_enabled():
            return _attention_learned_mask(q, k, v, attn_mask, dropout_p, scale, generator)
        mask = (np.where(m, q.dtype.type(0), q.dtype.type(-np.inf)) if m.dtype == np.bool_
                else m.astype(q.dtype, copy=False))
    sc = (1 / math.sqrt(q.shape[-1]) if q.shape[-1] else math.inf) if scale is None else scale
    drop = None
    if dropout_p > 0:
        shape = np.broadcast_shapes(q.shape[:-2], k.shape[:-2]) + (L, S)
        if type(q._data) is not np.ndarray:  # a GPU array: the mask is made there (teenygrad/random.py)
            drop = device_dropout_noise(q._data, shape, dropout_p, gen_of(generator))
        else:
            keep = gen_of(generator).bernoulli(math.prod(shape), 1 - dropout_p).reshape(shape)
            drop = keep.astype(q.dtype) / q.dtype.type(1 - dropout_p)
    if not (q.numel() and k.numel() and v.numel()):
        return _attention_of_empty(q, k, v, mask, is_causal, sc, drop)
    return N.ScaledDotProductAttention.apply(q, k, v, mask=mask, causal=is_causal, scale=sc, drop=drop)


def _attention_of_empty(q, k, v, mask, causal, scale, drop):
    """SDPA where a size is 0 (no queries, no keys, an empty head dim or batch), composed of tensor ops as torch's math
    path: q and k scaled by sqrt(scale) before their product, so an empty head dim (scale 1/sqrt(0) = inf) gives
    zero scores, and uniform weights (the mean of v), not NaN; no keys give zeros."""
    r = math.sqrt(scale)
    scores = (q * r) @ (k * r).transpose(-1, -2)
    if mask is not None:
        scores = scores + Tensor._wrap(on_device_of(q._data, mask))
    if causal:
        L, S = scores.shape[-2:]
        scores = scores.masked_fill(Tensor._wrap(on_device_of(q._data, ~np.tril(np.ones((L, S), np.bool_)))), -math.inf)
    a = softmax(scores, -1)
    if drop is not None:
        a = a * Tensor._wrap(drop)
    return a @ v


def _sdpa_math_path(q, k, v, mask):
    """Whether torch 2.13 runs SDPA on its math path (which refuses attn_mask beside is_causal) rather than its CPU
    flash kernel (which applies both): flash takes 4-D (b, h, t, e) inputs of one batch and head count (key/value
    heads may divide the query's with enable_gqa), one head dim, the last dims unit-strided, and a 2-D mask or a 4-D
    one of batch and heads 1 or the query's, not needing a gradient."""
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4 or not q.shape[-1] == k.shape[-1] == v.shape[-1]:
        return True
    if not q.shape[0] == k.shape[0] == v.shape[0] or k.shape[1] != v.shape[1] or q.shape[1] % max(k.shape[1], 1):
        return True
    if any(t.stride(-1) != 1 for t in (q, k, v)) or mask.requires_grad or mask.ndim not in (2, 4):
        return True
    return mask.ndim == 4 and (mask.shape[0] not in (1, q.shape[0]) or mask.shape[1] not in (1, q.shape[1]))


def _repeat_kv_heads(q, k, v):
    """Grouped-query attention: Hq query heads share Hkv key/value heads (dim -3), each key/value head repeated
    Hq / Hkv times in a row (repeat_interleave, as torch's math path), so query head h reads head h // (Hq / Hkv)."""
    if q.ndim < 3 or k.ndim < 3 or v.ndim < 3:
        raise IndexError(f"scaled_dot_product_attention: enable_gqa needs a heads dim (-3) in query, key and value, "
                         f"got {q.shape}, {k.shape}, {v.shape}")
    hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
    if hk == 0 or hv == 0 or hq % hk or hq % hv:
        raise RuntimeError(f"scaled_dot_product_attention: Number of heads in key and value must divide the number "
                           f"of heads in query (enable_gqa): query has {hq}, key {hk}, value {hv}")
    return (k if hk == hq else k.repeat_interleave(hq // hk, -3),
            v if hv == hq else v.repeat_interleave(hq // hv, -3))


def _attention_learned_mask(q, k, v, mask, dropout_p, scale, generator):
    """SDPA with a float mask that needs a gradient (a learned bias, as T5's): composed from differentiable ops,
    since the fused op takes its mask as a constant."""
    sc = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = (q @ k.transpose(-1, -2)) * sc + (mask if mask.dtype == q.dtype else mask.to(q.dtype))
    dead = (s.detach() == -math.inf).all(-1, keepdim=True)  # rows that attend to nothing give 0, as torch's
    a = softmax(s.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)  # safe softmax (not NaN), gradient 0
    return dropout(a, dropout_p, True, generator=generator) @ v


_RARE = {"multi_head_attention_forward": "functional_mha", "fractional_max_pool2d": "functional_fractional",
         "fractional_max_pool2d_with_indices": "functional_fractional", "cross_map_lrn2d": "functional_fractional"}
_RARE.update({n: "functional_fractional" for n in ("fractional_max_pool3d", "fractional_max_pool3d_with_indices")})


def __getattr__(name):  # functions few programs call load on first use (they import this module)
    if name in _RARE:
        import importlib
        return getattr(importlib.import_module(f".{_RARE[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
