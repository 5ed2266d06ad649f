"""teenygrad.nn.functional's losses (re-exported there): cross_entropy, nll_loss, mse_loss, l1_loss,
smooth_l1_loss, huber_loss, binary_cross_entropy(_with_logits) and kl_div, with torch's reduction= and legacy
size_average / reduce flags. Checks live here and name the op and the shapes; the heavy losses are single
fused nodes from teenygrad.ops.loss."""
import warnings
import numpy as np
from ..tensor import dt  # the dtype module: the package attribute `dtype` is the dtype class, as in torch
from ..tensor import Tensor, _check_same_device
from ..ops import loss as N
from ..autograd import is_grad_enabled
from ._checks import _t, _same_float
from .._arrays import half_on_host

_INT64 = np.dtype(np.int64)  # compared with an array's dtype on the hot path (cross-entropy targets)
_max = np.maximum.reduce  # a.max() without ndarray.max's Python wrapper (_methods._amax): ~1 us a step


# ---- losses ---------------------------------------------------------------------------------------
def _reduce(loss, reduction, op):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (none, mean, sum)")


def _legacy_reduction(size_average, reduce, op):
    """torch's deprecated size_average / reduce flags, as the reduction they stand for (both default True)."""
    warnings.warn(f"{op}: size_average and reduce args will be deprecated, please use reduction= instead")
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return ("mean" if size_average else "sum") if reduce else "none"


def _not_differentiable(op, **tensors):
    """torch refuses (at the call) a tensor needing grad where its loss has no derivative, e.g. a class weight."""
    if is_grad_enabled():
        for name, t in tensors.items():
            if isinstance(t, Tensor) and t.requires_grad:
                raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument '{name}'. "
                                   f"This input cannot have requires_grad True.")


def _promote(a, b):
    return dt.result_type(a, 1, b, 1)


def _check_reduction(reduction, op):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (none, mean, sum)")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Logits (n, C) or (n, C, d1, ...) (or (C,) unbatched); targets are class ids (n,) / (n, d1, ...)
    or class probabilities shaped like the input."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "cross_entropy")
    if (weight is None and label_smoothing == 0 and isinstance(input, Tensor) and isinstance(target, Tensor)
            and (reduction == "mean" or reduction == "sum" or reduction == "none")):
        # the hot case: (n, C) float logits, (n,) int64 class ids, all in range; anything else (or any doubt)
        # takes the checks below, which say what is wrong
        x, t = input._data, target._data
        if (x.ndim == 2 and t.ndim == 1 and x.dtype.kind == "f" and t.dtype == _INT64 and type(t) is type(x)
                and t.shape[0] == x.shape[0] and t.size and _max(t.view(np.uint64)) < x.shape[1]):
            return N.CrossEntropy.apply(input, target=t, weight=None, ignore_index=ignore_index,
                                        label_smoothing=label_smoothing, reduction=reduction)
    _t(input, "cross_entropy")
    _t(target, "cross_entropy", "target")
    _check_same_device(input, target, "cross_entropy")
    _check_reduction(reduction, "cross_entropy")
    if not 0 <= label_smoothing <= 1:
        raise RuntimeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if not dt.is_floating(input.dtype):
        raise TypeError(f"cross_entropy: expected floating point logits, got {input.dtype}")
    if input.ndim == 0:
        raise RuntimeError("cross_entropy: input must have at least 1 dim (C,), got a 0-d tensor")
    if dt.is_floating(target.dtype):  # probabilities: torch's composite computes in the promoted dtype
        ct = input.dtype
        for o in (target, weight):
            ct = ct if o is None else _promote(ct, o.dtype)
        if any(o is not None and o.dtype != ct for o in (input, target, weight)):
            return cross_entropy(input.to(ct), target.to(ct), None if weight is None else weight.to(ct),
                                 ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    elif weight is not None:  # class ids: torch's nll_loss takes a weight of the input's dtype only
        _same_float("cross_entropy", input, weight)
    if input._data.dtype.kind == "V":  # bfloat16: in float32, rounded once, as torch (numpy sums it in bfloat16)
        t = target.float() if dt.is_floating(target.dtype) else target
        w = weight.float() if weight is not None else None
        return cross_entropy(input.float(), t, w, ignore_index=ignore_index, reduction=reduction,
                             label_smoothing=label_smoothing).to(input.dtype)
    x = input
    C = x.shape[1] if x.ndim > 1 else x.shape[0]
    if weight is not None:
        if _t(weight, "cross_entropy", "weight").shape != (C,):
            raise RuntimeError(f"cross_entropy: weight shape {weight.shape} doesn't match {C} classes")
        _same_float("cross_entropy", x, weight)
    soft = dt.is_floating(target.dtype)
    if weight is not None and not soft:  # class ids: torch's nll_loss takes no gradient for the weight
        _not_differentiable("nll_loss_forward", weight=weight)
    if soft and target.shape != x.shape:
        raise RuntimeError(f"cross_entropy: probability targets must match the input shape: input {x.shape}, "
                           f"target {target.shape}")
    if not soft:
        if target.dtype not in (np.int64, np.uint8):  # torch: Long or Byte class ids, nothing else
            raise RuntimeError(f"cross_entropy: class-index targets must be int64 (or uint8), got {target.dtype}")
        expect = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
        if target.shape != expect:  # (the batch check only here: off the hot path)
            _check_batch("cross_entropy", x, target, expect)
            raise RuntimeError(f"cross_entropy: expected target shape {expect} for input {x.shape} "
                               f"(class dim 1 removed), got {target.shape}")
    if soft and C == 0:  # no classes: each row's loss is an empty sum (-0); torch's mean divides by numel / C = 0/0
        per = -(x * target).sum(1 if x.ndim > 1 else 0)
        return per if reduction == "none" else per.sum() if reduction == "sum" else per.sum() * float("nan")
    # bring the class dim last and flatten to (n, C): torch's (b, C, t) layout becomes rows
    rest = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
    if x.ndim == 1:
        x2 = x.reshape(1, C)
    elif x.ndim == 2:
        x2 = x
    else:
        x2 = x.permute(0, *range(2, x.ndim), 1).reshape(-1, C)
    if soft:
        q = target if x.ndim <= 2 else target.permute(0, *range(2, x.ndim), 1).reshape(-1, C)
        q = q.reshape(-1, C) if x.ndim == 1 else q
        _same_float("cross_entropy", x, q)
        if weight is not None and weight.requires_grad and is_grad_enabled():
            # probabilities with a weight that wants its gradient: torch's composite, -sum_c w_c q_c log p_c per
            # row (q smoothed first), the mean over rows (not over the weights)
            if label_smoothing > 0:
                q = q * (1 - label_smoothing) + label_smoothing / C
            per = -(x2.log_softmax(1) * q * weight).sum(1)
            out = per if reduction == "none" else per.sum() if reduction == "sum" else per.mean()
            out = out.reshape(rest) if reduction == "none" else out
            return out._named(_cross_entropy_name(x.ndim, soft, label_smoothing, reduction))
        out = N.SoftCrossEntropy.apply(x2, q, weight=None if weight is None else weight._data,
                                       label_smoothing=label_smoothing, reduction=reduction)
    else:
        t = target._data.reshape(-1)
        # common case in one reduction: viewed as unsigned, negative int64 ids are huge too; else the full check
        if t.size and (t.dtype != np.int64 or t.view(np.uint64).max() >= C):
            bad = (t != ignore_index) & ((t < 0) | (t >= C))
        else:
            bad = None
        if bad is not None and bad.any():
            raise IndexError(f"cross_entropy: target {int(t[bad][0])} is out of bounds for {C} classes "
                             f"(input {x.shape}, target {target.shape}, ignore_index={ignore_index})")
        out = N.CrossEntropy.apply(x2, target=t, weight=None if weight is None else weight._data,
                                   ignore_index=ignore_index, label_smoothing=label_smoothing, reduction=reduction)
    out = out.reshape(rest) if reduction == "none" else out
    return out._named(_cross_entropy_name(x.ndim, soft, label_smoothing, reduction))


def _cross_entropy_name(ndim, soft, label_smoothing, reduction):
    """torch's grad_fn name for cross_entropy's loss (what print(loss) shows): its composite ends in a Div (mean) or
    a Neg for probability targets and in an Add for smoothed class ids; plain class ids end in the nll_loss kernel
    (nll_loss2d for spatial input, which torch views back for reduction='none' unless the input is 4-D)."""
    if soft:
        return "DivBackward1" if reduction == "mean" else "NegBackward0"
    if label_smoothing > 0:
        return "AddBackward0"
    if ndim <= 2:
        return "NllLossBackward0"
    return "ViewBackward0" if reduction == "none" and ndim != 4 else "NllLoss2DBackward0"


class BatchSizeError(ValueError, RuntimeError):
    """torch raises ValueError for a target batch that isn't the input's (a RuntimeError for other target shape
    mismatches); caught as either, as numpy's AxisError is both a ValueError and an IndexError."""


def _check_batch(op, input, target, expect):
    if input.ndim > 1 and target.ndim > 0 and input.shape[0] != target.shape[0]:
        raise BatchSizeError(f"{op}: expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0]}): expected target shape {expect} for input {input.shape}, "
                             f"got {target.shape}")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities (n, C) / (n, C, d1, ...) at class-id targets."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "nll_loss")
    _t(input, "nll_loss")
    _check_same_device(input, target, "nll_loss")
    _check_reduction(reduction, "nll_loss")
    if target.dtype not in (np.int64, np.uint8):  # torch: Long or Byte class ids, nothing else
        raise RuntimeError(f"nll_loss: targets must be int64 (or uint8) class ids, got {target.dtype}")
    C = input.shape[1] if input.ndim > 1 else input.shape[0]
    expect = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if target.shape != expect:
        _check_batch("nll_loss", input, target, expect)
        raise RuntimeError(f"nll_loss: expected target shape {expect} for input {input.shape}, got {target.shape}")
    if weight is not None and _t(weight, "nll_loss", "weight").shape != (C,):
        raise RuntimeError(f"nll_loss: weight shape {weight.shape} doesn't match {C} classes")
    if weight is not None and weight.dtype != input.dtype:  # torch: no promotion here
        raise TypeError(f"nll_loss: weight dtype {weight.dtype} doesn't match input dtype {input.dtype}")
    _not_differentiable("nll_loss_forward", weight=weight)
    if reduction != "none" and half_on_host(input._data):  # float16/bfloat16: torch's float32 sums, rounded once
        w32 = None if weight is None else weight.float()  # (numpy's bfloat16 sum of 1000 weights: 256)
        return nll_loss(input.float(), target, w32, ignore_index=ignore_index, reduction=reduction).to(input.dtype)
    t = target._data
    bad = (t != ignore_index) & ((t < 0) | (t >= C))
    if bad.any():
        raise IndexError(f"nll_loss: target {int(t[bad].reshape(-1)[0])} is out of bounds for {C} classes")
    keep = t != ignore_index
    ts = np.where(keep, t, 0).astype(np.int64, copy=False)  # uint8 ids too: gather takes int64
    x = input.unsqueeze(0) if input.ndim == 1 else input
    picked = x.gather(1, Tensor._wrap(ts.reshape(x.shape[:1] + (1,) + x.shape[2:]))).squeeze(1)
    w = keep.astype(input.dtype) if weight is None else weight._data[ts] * keep
    loss = -picked * Tensor._wrap(w.reshape(picked.shape))
    if input.ndim == 1:
        loss = loss.reshape(())
    if reduction == "none":
        return loss._named("NllLossBackward0")
    if reduction == "sum":
        return loss.sum()._named("NllLossBackward0")
    # mean: each kept row weighs w / sum(w); ignored rows stay exactly 0 (a product with 1 / 0 would make their
    # gradient nan when every row is ignored), and like torch that case's loss is nan
    total = w.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ws = np.where(keep, w / total, 0).astype(input.dtype)
    out = (-picked * Tensor._wrap(ws.reshape(picked.shape))).sum()
    return (out if total != 0 else out + float("nan"))._named("NllLossBackward0")


def _check_same_shape(input, target, op):
    if input.shape != target.shape:
        raise RuntimeError(f"{op}: input shape {input.shape} and target shape {target.shape} differ "
                           "(torch would broadcast with a warning; we refuse)")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "mse_loss")
    _check_same_shape(input, target, "mse_loss")
    if not (dt.is_floating(input.dtype) or dt.is_floating(target.dtype)):
        raise NotImplementedError(f"mse_loss: not implemented for integer tensors (input {input.dtype}, target "
                                  f"{target.dtype})")
    if weight is None:  # one node, as torch's (MseLossBackward0), in the promoted dtype
        _check_reduction(reduction, "mse_loss")
        _check_same_device(input, target, "mse_loss")
        dtype = dt.result_type(input.dtype, input.ndim, target.dtype, target.ndim)
        return N.MseLoss.apply(input.to(dtype), target.to(dtype), reduction=reduction)
    d = input - target
    return _weighted(d * d, weight, reduction, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "l1_loss")
    _check_same_shape(input, target, "l1_loss")
    d = (input - target).abs()
    return _reduce(d, reduction, "l1_loss") if weight is None else _weighted(d, weight, reduction, "l1_loss")


def _check_weight_shape(loss, weight, op):
    if tuple(_t(weight, op, "weight").shape) != tuple(loss.shape):
        raise ValueError(f"{op}: weight shape {weight.shape} must equal the input shape {loss.shape}")


def _weighted(loss, weight, reduction, op):
    """torch's weighted mse / l1: the mean is sum(w loss) / sum(w), not over the element count."""
    _check_weight_shape(loss, weight, op)
    _check_reduction(reduction, op)
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction, op)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "smooth_l1_loss")
    _check_same_shape(input, target, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    if beta == 0:  # torch: plain l1
        return _reduce((input - target).abs(), reduction, "smooth_l1_loss")
    return _huber(input, target, beta, True, reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), d = input - target."""
    _check_same_shape(input, target, "huber_loss")
    if delta <= 0:
        raise RuntimeError(f"huber_loss: delta must be > 0, got {delta}")
    if weight is None:
        return _huber(input, target, delta, False, reduction, "huber_loss")
    loss = _huber(input, target, delta, False, "none", "huber_loss")
    _check_weight_shape(loss, weight, "huber_loss")
    return _reduce(loss * weight, reduction, "huber_loss")


def _huber(input, target, delta, smooth, reduction, op):
    """huber / smooth_l1 (smooth: its values over beta = delta) as one node, reduced there (ops.loss.Huber).
    Operands of two dtypes are computed in the promoted one, as torch; its huber_loss then writes input's dtype."""
    _check_reduction(reduction, op)
    _check_same_device(input, target, op)
    dtype = dt.result_type(input.dtype, input.ndim, target.dtype, target.ndim)
    if not dt.is_floating(dtype):
        raise NotImplementedError(f"{op}: not implemented for {dtype} tensors (input {input.dtype}, target "
                                  f"{target.dtype})")
    loss = N.Huber.apply(input.to(dtype), target.to(dtype), delta=float(delta), smooth=smooth, reduction=reduction)
    return loss._named("SmoothL1LossBackward0") if smooth else loss.to(input.dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log p + (1-y) log(1-p)) with the logs clamped at -100, as torch does."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "binary_cross_entropy")
    if input.shape != target.shape:  # torch: a ValueError here (a RuntimeError for mse / l1)
        raise ValueError(f"binary_cross_entropy: target size {target.shape} must be the same as input size "
                         f"{input.shape}")
    _check_same_device(input, target, "binary_cross_entropy")
    if not dt.is_floating(input.dtype) or target.dtype != input.dtype:
        raise TypeError(f"binary_cross_entropy: input and target must have the same floating dtype, got "
                        f"{input.dtype} and {target.dtype}")
    for name, t in (("input", input), ("target", target)):
        a = t._data
        if a.size and not ((a >= 0) & (a <= 1)).all():  # NaN fails this too, as in torch
            raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1 "
                               f"(got min {a.min()}, max {a.max()})")
    _not_differentiable("binary_cross_entropy", weight=weight)
    loss = N.BinaryCrossEntropy.apply(input, target)
    if weight is not None:  # torch multiplies into the loss in place: the input's dtype stays
        loss = (loss * weight).to(input.dtype)
    return _reduce(loss, reduction, "binary_cross_entropy")._named("BinaryCrossEntropyBackward0")


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """(1 - y) x + (1 + (pw - 1) y) softplus(-x), the stable form of BCE on sigmoid(x)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "binary_cross_entropy_with_logits")
    if input.shape != target.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target size {target.shape} must be the same as input "
                         f"size {input.shape}")
    if not (dt.is_floating(input.dtype) and dt.is_floating(target.dtype)):
        raise RuntimeError(f"binary_cross_entropy_with_logits: input and target must be floating point, got "
                           f"{input.dtype} and {target.dtype}")
    _not_differentiable("binary_cross_entropy_with_logits", weight=weight, pos_weight=pos_weight)
    sp = (-input).softplus()
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    # torch writes pos_weight's and weight's terms into a loss of the input's and target's dtype, in place
    loss = loss.to(_promote(input.dtype, target.dtype))
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")._named("BinaryCrossEntropyWithLogitsBackward0")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, "kl_div")
    # torch's form: xlogy makes 0 log 0 = 0, while 0 * input stays NaN for a NaN or infinite input
    loss = target.exp() * (target - input) if log_target else target.xlogy(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0]
    return _reduce(loss, reduction, "kl_div")
